"""Typed configuration, read from the environment and a `.env` file (names as in SPEC).

`load_settings` raises :class:`~bot.domain.errors.ConfigurationError`, one line per problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.database_url import url_secrets
from bot.domain.errors import ConfigurationError
from bot.domain.policy import CHANNEL_ID, USER_ID, USERGROUP_ID
from bot.domain.workspaces import is_loopback, normalise_rest_endpoint, rest_endpoint_problem

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
# .env.example's IDs: a copy started unchanged must not look set up.
EXAMPLE_IDS = frozenset({"C0123456789", "U0123456789", "S0123456789"})
LOG_FORMATS = ("json", "text")


def _split_ids(value: object) -> object:
    # Comma-separated lists in the environment; pydantic-settings would otherwise expect JSON.
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _no_example_ids(value: list[str], what: str) -> list[str]:
    examples = [v for v in value if v in EXAMPLE_IDS]
    if examples:
        raise ValueError(
            f"{', '.join(examples)} {'is' if len(examples) == 1 else 'are'} .env.example's "
            f"example, not yours: put your {what} there"
        )
    return value


def _slack_token(token: SecretStr, prefix: str, kind: str) -> SecretStr:
    """A Slack token of `kind`, which starts with `prefix`. `xoxb-...` and the like
    (.env.example's placeholders) are refused too: start-up would otherwise fail later, talking
    to Slack, with a less helpful message."""
    secret = token.get_secret_value()
    if not secret.startswith(prefix):
        raise ValueError(f"must be {kind} starting with {prefix}")
    if not secret.partition("-")[2].strip(".-* "):
        raise ValueError("is still a placeholder: paste the token from your Slack app's settings")
    return token


class Settings(BaseSettings):
    """Everything the bot needs to run. Secrets are `SecretStr`, so they never print by accident."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        hide_input_in_errors=True,  # a malformed secret must not appear in the error line
    )

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    braze_api_key: SecretStr
    braze_rest_endpoint: str
    sendid_allowed_channels: Annotated[list[str], NoDecode]
    sendid_approvers: Annotated[list[str], NoDecode]
    sendid_allow_self_approval: bool = False
    # Who fixes the bot's Braze setup (user and user group IDs): told when Braze refuses the
    # key, a permission or the endpoint. Unset: each channel's approvers.
    sendid_admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # One language for everyone (en|de); unset: each person's Slack locale for private
    # messages, English for what is posted in channels.
    sendid_language: Literal["en", "de"] | None = None
    # Optional TOML file with per-channel approvers, campaign allow-list, naming rule and TTL
    # (see policy.example.toml); checked at start-up.
    sendid_policy_file: Path | None = None
    sendid_request_ttl_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    # Per-person limits: pending requests one person may have at once (counted atomically in
    # the database, across replicas), and request forms one person may submit a minute (per
    # process: the pending cap is the hard bound).
    sendid_max_pending_per_user: int = Field(default=5, ge=1, le=1000)
    sendid_submissions_per_minute: int = Field(default=10, ge=1, le=1000)
    sendid_database_url: str = "sqlite:///sendid.db"
    # Ended requests (with their audit rows, logged first, and notices) are deleted this many
    # days after their last change; unset: kept for ever. At least 30: the duplicate-pair rule
    # and /sendid stats need a created request, and Braze keeps send analytics 14 days.
    sendid_retention_days: int | None = Field(default=None, ge=30, le=36500)
    # Advanced: the longest one Braze create may take in all (attempts, pauses, a trickled
    # answer); past it the outcome is unknown (a success that still arrives is recorded).
    sendid_braze_create_deadline_seconds: float = Field(default=30.0, gt=0, le=600)
    # Advanced: an approval whose Braze call started longer ago than this, still without
    # Braze's answer, was interrupted by a crash; it must exceed the create deadline.
    sendid_stale_claim_seconds: float = Field(default=120.0, gt=0, le=3600)
    port: int = Field(default=3000, ge=0, le=65535)
    # Serve GET /metrics on this port instead of PORT (then PORT has no /metrics), so the port
    # Slack's requests reach need not expose it. Unset: /metrics on PORT.
    sendid_metrics_port: int | None = Field(default=None, ge=0, le=65535)
    log_level: str = "INFO"
    # json: one object per line for log collectors; text: for a terminal. Unset: text when the
    # logs go to a terminal, json otherwise (`log_format_for`).
    log_format: str | None = None

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr) -> SecretStr:
        return _slack_token(value, "xoxb-", "a bot token")

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        return _slack_token(value, "xapp-", "an app-level token")

    @field_validator("slack_signing_secret")
    @classmethod
    def _blank_secret_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        # `SLACK_SIGNING_SECRET=` (as in .env.example) means "not set"; HTTP mode then says so.
        if value is None or not value.get_secret_value().strip():
            return None
        return value

    @field_validator("sendid_metrics_port", "sendid_retention_days", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `SENDID_METRICS_PORT=` (a template's empty line) means "not set".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("braze_api_key")
    @classmethod
    def _not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ValueError("must use https (plain http is allowed only for loopback)")
        return value if value.endswith("/") else value + "/"

    @field_validator("braze_rest_endpoint")
    @classmethod
    def _braze_endpoint(cls, value: str) -> str:
        problem = rest_endpoint_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return normalise_rest_endpoint(value)

    @field_validator("sendid_allowed_channels", mode="before")
    @classmethod
    def _split_channels(cls, value: object) -> object:
        return _split_ids(value)

    @field_validator("sendid_approvers", "sendid_admins", mode="before")
    @classmethod
    def _split_approvers(cls, value: object) -> object:
        return _split_ids(value)

    @field_validator("sendid_allowed_channels")
    @classmethod
    def _channel_ids(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must list at least one channel ID")
        bad = [v for v in value if not CHANNEL_ID.match(v)]
        if bad:
            raise ValueError(f"not channel IDs (C…/G…; DMs are never permitted): {', '.join(bad)}")
        return _no_example_ids(
            value, "campaign channels' IDs (right-click a channel → View channel details → bottom)"
        )

    @field_validator("sendid_approvers")
    @classmethod
    def _approver_ids(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must list at least one user ID or user group ID")
        return cls._admin_ids(value)

    @field_validator("sendid_admins")
    @classmethod
    def _admin_ids(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not (USER_ID.match(v) or USERGROUP_ID.match(v))]
        if bad:
            raise ValueError(f"not user IDs (U…/W…) or user group IDs (S…): {', '.join(bad)}")
        return _no_example_ids(
            value, "people's IDs (profile → ⋮ → Copy member ID) or user groups' IDs (S…)"
        )

    @field_validator("sendid_database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgres:", "postgresql+")):
            raise ValueError("must be sqlite:///path or postgresql://…")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if value.strip().lower() not in LOG_FORMATS:
            raise ValueError(f"must be one of {', '.join(LOG_FORMATS)}")
        return value.strip().lower()

    @model_validator(mode="after")
    def _http_mode_needs_signing_secret(self) -> Settings:
        if self.slack_app_token is None and self.slack_signing_secret is None:
            raise ValueError(
                "SLACK_SIGNING_SECRET: required in HTTP mode "
                "(or set SLACK_APP_TOKEN for Socket Mode)"
            )
        return self

    @model_validator(mode="after")
    def _stale_claim_outlasts_a_braze_call(self) -> Settings:
        # A claim recovered while its call is still running would be reported twice (and its
        # answer could not be told apart from a crash).
        deadline = self.sendid_braze_create_deadline_seconds
        if self.sendid_stale_claim_seconds <= deadline:
            raise ValueError(
                "SENDID_STALE_CLAIM_SECONDS: must be longer than "
                f"SENDID_BRAZE_CREATE_DEADLINE_SECONDS ({deadline:g} s), the longest a Braze "
                "create can take"
            )
        return self

    @model_validator(mode="after")
    def _metrics_port_of_its_own(self) -> Settings:
        if self.sendid_metrics_port and self.sendid_metrics_port == self.port:
            raise ValueError(
                "SENDID_METRICS_PORT: must differ from PORT (or be unset: /metrics on PORT)"
            )
        return self

    def log_format_for(self, terminal: bool) -> str:
        """LOG_FORMAT, or when unset: text for a terminal, json for everything else."""
        return self.log_format or ("text" if terminal else "json")

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def approver_user_ids(self) -> frozenset[str]:
        return frozenset(a for a in self.sendid_approvers if not a.startswith("S"))

    @property
    def approver_group_ids(self) -> frozenset[str]:
        return frozenset(a for a in self.sendid_approvers if a.startswith("S"))

    def secret_values(self) -> list[str]:
        """Every secret's plain value, for the log scrubber."""
        secrets = (
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.braze_api_key,
        )
        values = [s.get_secret_value() for s in secrets if s is not None and s.get_secret_value()]
        # Credentials inside SENDID_DATABASE_URL (its password, ?password=…) are secrets too.
        return values + url_secrets(self.sendid_database_url)


def describe_validation_error(error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors():
        name = "_".join(str(part) for part in item["loc"]).upper()
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "missing (required)"
        lines.append(f"{name}: {message}" if name else message)
    return lines


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise ConfigurationError with one line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigurationError(describe_validation_error(error)) from None
