"""bot.settings: SPEC's configuration table, read from the environment and a `.env` file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import ConfigurationError, Settings, load_settings

BOT_TOKEN = "xoxb-1111-2222-SECRETBOTTOKEN"
APP_TOKEN = "xapp-1-A0-SECRETAPPTOKEN"
SIGNING_SECRET = "SECRETsigning0123456789abcdef"
BRAZE_KEY = "SECRET-braze-0000-4000-8000-key"
SECRETS = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, BRAZE_KEY)

ALL_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "BRAZE_API_KEY",
    "BRAZE_REST_ENDPOINT",
    "SENDID_ALLOWED_CHANNELS",
    "SENDID_APPROVERS",
    "SENDID_ALLOW_SELF_APPROVAL",
    "SENDID_REQUEST_TTL_HOURS",
    "SENDID_DATABASE_URL",
    "SENDID_STALE_CLAIM_SECONDS",
    "SENDID_BRAZE_CREATE_DEADLINE_SECONDS",
    "SENDID_LANGUAGE",
    "PORT",
    "SENDID_METRICS_PORT",
    "SENDID_RETENTION_DAYS",
    "LOG_LEVEL",
    "LOG_FORMAT",
)

REQUIRED_HTTP = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "BRAZE_API_KEY": BRAZE_KEY,
    "BRAZE_REST_ENDPOINT": "https://rest.iad-01.braze.com",
    "SENDID_ALLOWED_CHANNELS": "C0CAMPAIGNS",
    "SENDID_APPROVERS": "U0APPROVER",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No variable of the table leaks in from the machine, and no stray `.env` is read."""
    for name in list(os.environ):
        if name.upper() in ALL_VARIABLES:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def set_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def problems(monkeypatch: pytest.MonkeyPatch, **changes: str | None) -> list[str]:
    """The problem lines for REQUIRED_HTTP with `changes` (None: unset) read from the env."""
    values = {**REQUIRED_HTTP, **changes}
    set_env(monkeypatch, {k: v for k, v in values.items() if v is not None})
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env_file=None)
    return caught.value.problems


# ---- defaults and values ----------------------------------------------------------------------


def test_only_the_required_variables_give_the_documented_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, REQUIRED_HTTP)
    settings = load_settings(_env_file=None)
    assert settings.slack_app_token is None
    assert not settings.socket_mode
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.sendid_allow_self_approval is False
    assert settings.sendid_request_ttl_hours == 24
    assert settings.sendid_database_url == "sqlite:///sendid.db"
    assert settings.sendid_stale_claim_seconds == 120
    assert settings.port == 3000
    assert settings.log_level == "INFO"
    # Beyond SPEC's table: one language for everyone (unset: each reader's), and the log format.
    assert settings.sendid_language is None
    assert settings.log_format is None  # chosen by where the logs go: log_format_for
    assert settings.log_format_for(terminal=True) == "text"
    assert settings.log_format_for(terminal=False) == "json"
    assert settings.sendid_admins == []  # the channel's approvers are its admins


def test_every_variable_of_the_table_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(
        monkeypatch,
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": "https://slack-gov.com/api",
            "BRAZE_API_KEY": BRAZE_KEY,
            "BRAZE_REST_ENDPOINT": "https://rest.fra-01.braze.eu/",
            "SENDID_ALLOWED_CHANNELS": "C0CAMPAIGNS,G0PRIVATE",
            "SENDID_APPROVERS": "U0APPROVER,W0GRID,S0APPROVERS",
            "SENDID_ALLOW_SELF_APPROVAL": "true",
            "SENDID_ADMINS": "U0ADMIN, S0ADMINS",
            "SENDID_REQUEST_TTL_HOURS": "1.5",
            "SENDID_DATABASE_URL": "postgresql://bot@db/sendid",
            "PORT": "8080",
            "LOG_LEVEL": "debug",
            "SENDID_STALE_CLAIM_SECONDS": "300",
            "SENDID_LANGUAGE": "de",
            "LOG_FORMAT": " Text ",
        },
    )
    settings = load_settings(_env_file=None)
    assert settings.slack_bot_token.get_secret_value() == BOT_TOKEN
    assert settings.slack_signing_secret is not None
    assert settings.slack_signing_secret.get_secret_value() == SIGNING_SECRET
    assert settings.slack_app_token is not None
    assert settings.slack_app_token.get_secret_value() == APP_TOKEN
    assert settings.socket_mode
    assert settings.slack_api_url == "https://slack-gov.com/api/"
    assert settings.braze_api_key.get_secret_value() == BRAZE_KEY
    assert settings.braze_rest_endpoint == "https://rest.fra-01.braze.eu"
    assert settings.sendid_allowed_channels == ["C0CAMPAIGNS", "G0PRIVATE"]
    assert settings.approver_user_ids == frozenset({"U0APPROVER", "W0GRID"})
    assert settings.approver_group_ids == frozenset({"S0APPROVERS"})
    assert settings.sendid_allow_self_approval is True
    assert settings.sendid_admins == ["U0ADMIN", "S0ADMINS"]
    assert settings.sendid_request_ttl_hours == 1.5
    assert settings.sendid_database_url == "postgresql://bot@db/sendid"
    assert settings.port == 8080
    assert settings.log_level == "DEBUG"
    assert settings.sendid_stale_claim_seconds == 300
    assert settings.sendid_language == "de"
    assert settings.log_format == "text"
    assert settings.log_format_for(terminal=False) == "text"  # said explicitly: kept
    assert sorted(settings.secret_values()) == sorted(SECRETS)


def test_variable_names_are_not_case_sensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, REQUIRED_HTTP)
    monkeypatch.setenv("port", "4000")
    assert load_settings(_env_file=None).port == 4000


def test_comma_separated_lists_may_have_spaces_and_empty_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(
        monkeypatch,
        {
            **REQUIRED_HTTP,
            "SENDID_ALLOWED_CHANNELS": " C0CAMPAIGNS , G0PRIVATE,, ",
            "SENDID_APPROVERS": "U0APPROVER ,  S0APPROVERS,W0GRID ,",
        },
    )
    settings = load_settings(_env_file=None)
    assert settings.sendid_allowed_channels == ["C0CAMPAIGNS", "G0PRIVATE"]
    assert settings.approver_user_ids == frozenset({"U0APPROVER", "W0GRID"})
    assert settings.approver_group_ids == frozenset({"S0APPROVERS"})


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("yes", True), ("0", False)])
def test_self_approval_accepts_the_usual_spellings(
    monkeypatch: pytest.MonkeyPatch, raw: str, value: bool
) -> None:
    set_env(monkeypatch, {**REQUIRED_HTTP, "SENDID_ALLOW_SELF_APPROVAL": raw})
    assert load_settings(_env_file=None).sendid_allow_self_approval is value


def test_secrets_do_not_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, {**REQUIRED_HTTP, "SLACK_APP_TOKEN": APP_TOKEN})
    shown = repr(load_settings(_env_file=None))
    assert not any(secret in shown for secret in SECRETS)


# ---- problems ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "SLACK_BOT_TOKEN",
        "BRAZE_API_KEY",
        "BRAZE_REST_ENDPOINT",
        "SENDID_ALLOWED_CHANNELS",
        "SENDID_APPROVERS",
    ],
)
def test_a_missing_required_variable_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    assert problems(monkeypatch, **{name: None}) == [f"{name}: missing (required)"]


def test_every_missing_variable_gets_its_own_line() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env_file=None)
    assert sorted(caught.value.problems) == sorted(
        f"{name}: missing (required)"
        for name in (
            "SLACK_BOT_TOKEN",
            "BRAZE_API_KEY",
            "BRAZE_REST_ENDPOINT",
            "SENDID_ALLOWED_CHANNELS",
            "SENDID_APPROVERS",
        )
    )
    assert str(caught.value) == "\n".join(caught.value.problems)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-SECRETUSERTOKEN"),
        ("SLACK_BOT_TOKEN", "SECRETBARETOKEN"),
        ("SLACK_APP_TOKEN", BOT_TOKEN),  # the bot token pasted into the wrong variable
        ("SLACK_SIGNING_SECRET", "   "),
        ("SLACK_API_URL", "ftp://slack.com/api/"),
        ("SLACK_API_URL", "http://slack.com/api/"),
        ("SLACK_API_URL", "slack.com"),
        ("SLACK_BOT_TOKEN", "xoxb-..."),  # .env.example's placeholders, left in
        ("SLACK_APP_TOKEN", "xapp-..."),
        ("BRAZE_API_KEY", "  "),
        ("BRAZE_REST_ENDPOINT", "rest.iad-01.braze.com"),
        ("BRAZE_REST_ENDPOINT", "http://rest.iad-01.braze.com"),
        ("BRAZE_REST_ENDPOINT", "https://rest.iad-01.braze.com/sends/id/create"),
        ("BRAZE_REST_ENDPOINT", "https://rest.iad-01.braze.com?x=1"),
        ("SENDID_ALLOWED_CHANNELS", ""),
        ("SENDID_ALLOWED_CHANNELS", " , "),
        ("SENDID_ALLOWED_CHANNELS", "#campaigns"),
        ("SENDID_ALLOWED_CHANNELS", "C0CAMPAIGNS,D0DIRECT"),
        ("SENDID_ALLOWED_CHANNELS", "c0campaigns"),
        ("SENDID_APPROVERS", ""),
        ("SENDID_APPROVERS", "@alice"),
        ("SENDID_APPROVERS", "U0APPROVER,C0CAMPAIGNS"),
        ("SENDID_ADMINS", "U0ADMIN,#ops"),
        ("SENDID_ALLOW_SELF_APPROVAL", "maybe"),
        ("SENDID_REQUEST_TTL_HOURS", "0"),
        ("SENDID_REQUEST_TTL_HOURS", "-1"),
        ("SENDID_REQUEST_TTL_HOURS", "a day"),
        ("SENDID_REQUEST_TTL_HOURS", "721"),
        ("SENDID_DATABASE_URL", "mysql://db/sendid"),
        ("SENDID_DATABASE_URL", "sendid.db"),
        ("PORT", "http"),
        ("PORT", "70000"),
        ("PORT", "-1"),
        ("LOG_LEVEL", "VERBOSE"),
        ("LOG_FORMAT", "xml"),
        ("SENDID_LANGUAGE", "fr"),
        ("SENDID_STALE_CLAIM_SECONDS", "0"),
        # No longer than a Braze create may take (30 s by default): it would recover a claim
        # whose call is still running.
        ("SENDID_STALE_CLAIM_SECONDS", "1"),
        ("SENDID_STALE_CLAIM_SECONDS", "30"),
        ("SENDID_BRAZE_CREATE_DEADLINE_SECONDS", "0"),
        ("SENDID_BRAZE_CREATE_DEADLINE_SECONDS", "601"),
    ],
)
def test_a_malformed_value_is_one_line_naming_the_variable_and_no_secret(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    lines = problems(monkeypatch, **{name: value})
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{name}: "), lines
    assert "\n" not in lines[0]
    secret_like = [s for s in (*SECRETS, value) if "SECRET" in s]
    assert not any(secret in lines[0] for secret in secret_like), lines


def test_several_malformed_values_give_one_line_each(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = problems(monkeypatch, PORT="x", LOG_LEVEL="LOUD", SLACK_BOT_TOKEN="xoxp-SECRET")
    assert sorted(line.split(":")[0] for line in lines) == [
        "LOG_LEVEL",
        "PORT",
        "SLACK_BOT_TOKEN",
    ]
    assert not any("xoxp-SECRET" in line for line in lines)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SENDID_ALLOWED_CHANNELS", "C0123456789"),
        ("SENDID_APPROVERS", "U0123456789,S0123456789"),
        ("SENDID_APPROVERS", "U0APPROVER,S0123456789"),
        ("SENDID_ADMINS", "U0123456789"),
    ],
)
def test_env_examples_ids_left_in_are_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    # A copy of .env.example started unchanged would otherwise run, in nobody's channel.
    (line,) = problems(monkeypatch, **{name: value})
    assert line.startswith(f"{name}: "), line
    assert ".env.example's example, not yours" in line
    assert "U0APPROVER" not in line


def test_a_problem_line_lists_the_bad_ids_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    (line,) = problems(monkeypatch, SENDID_ALLOWED_CHANNELS="C0GOOD, #bad ,D0DM")
    assert line.startswith("SENDID_ALLOWED_CHANNELS: ")
    assert "#bad" in line and "D0DM" in line and "C0GOOD" not in line


# ---- modes ------------------------------------------------------------------------------------


def test_http_mode_needs_the_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    (line,) = problems(monkeypatch, SLACK_SIGNING_SECRET=None)
    assert line.startswith("SLACK_SIGNING_SECRET: required in HTTP mode")


def test_socket_mode_needs_no_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, {**REQUIRED_HTTP, "SLACK_APP_TOKEN": APP_TOKEN})
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    settings = load_settings(_env_file=None)
    assert settings.socket_mode
    assert settings.slack_signing_secret is None


def test_the_metrics_port_is_read_and_an_empty_one_is_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, {**REQUIRED_HTTP, "SENDID_METRICS_PORT": "9090"})
    assert load_settings(_env_file=None).sendid_metrics_port == 9090
    monkeypatch.setenv("SENDID_METRICS_PORT", " ")
    assert load_settings(_env_file=None).sendid_metrics_port is None


def test_the_metrics_port_must_differ_from_port(monkeypatch: pytest.MonkeyPatch) -> None:
    (line,) = problems(monkeypatch, PORT="3000", SENDID_METRICS_PORT="3000")
    assert line.startswith("SENDID_METRICS_PORT: must differ from PORT")


def test_an_empty_app_token_means_http_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, {**REQUIRED_HTTP, "SLACK_APP_TOKEN": ""})
    settings = load_settings(_env_file=None)
    assert not settings.socket_mode
    assert settings.slack_app_token is None


def test_socket_mode_accepts_an_empty_signing_secret_as_in_the_env_example(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Regression: `SLACK_SIGNING_SECRET=` failed start-up with "must not be empty" in Socket Mode.
    set_env(
        monkeypatch, {**REQUIRED_HTTP, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_SIGNING_SECRET": ""}
    )
    settings = load_settings(_env_file=None)
    assert settings.socket_mode
    assert settings.slack_signing_secret is None
    assert settings.secret_values() == [BOT_TOKEN, APP_TOKEN, BRAZE_KEY]


def test_an_empty_signing_secret_in_http_mode_is_reported_as_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (line,) = problems(monkeypatch, SLACK_SIGNING_SECRET="")
    assert line.startswith("SLACK_SIGNING_SECRET: required in HTTP mode")


# ---- endpoints --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://rest.iad-01.braze.com",
        "https://rest.fra-02.braze.eu/",
        "http://127.0.0.1:8080",
        "http://127.5.5.5:8080",
        "http://localhost:9000/",
        "http://[::1]:9000",
    ],
)
def test_https_endpoints_and_plain_http_on_loopback_are_accepted(
    monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    set_env(monkeypatch, {**REQUIRED_HTTP, "BRAZE_REST_ENDPOINT": endpoint})
    assert load_settings(_env_file=None).braze_rest_endpoint == endpoint.rstrip("/")


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://rest.iad-01.braze.com",
        "http://10.0.0.5:8080",
        "http://0.0.0.0:8080",
        "http://localhost.example.com",
    ],
)
def test_plain_http_elsewhere_than_loopback_is_refused(
    monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    (line,) = problems(monkeypatch, BRAZE_REST_ENDPOINT=endpoint)
    assert line.startswith("BRAZE_REST_ENDPOINT: ") and "https" in line


def test_plain_http_slack_api_is_accepted_on_loopback_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, {**REQUIRED_HTTP, "SLACK_API_URL": "http://127.0.0.1:5000/api"})
    assert load_settings(_env_file=None).slack_api_url == "http://127.0.0.1:5000/api/"


# ---- the .env file ----------------------------------------------------------------------------


def write_env_file(directory: Path, values: dict[str, str]) -> None:
    text = "".join(f"{name}={value}\n" for name, value in values.items())
    (directory / ".env").write_text("# local settings\n" + text, encoding="utf-8")


def test_a_dot_env_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    write_env_file(tmp_path, {**REQUIRED_HTTP, "PORT": "3100", "SENDID_APPROVERS": "U0A, S0B"})
    settings = load_settings()
    assert settings.port == 3100
    assert settings.braze_api_key.get_secret_value() == BRAZE_KEY
    assert settings.approver_group_ids == frozenset({"S0B"})


def test_the_environment_wins_over_the_dot_env_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_env_file(tmp_path, {**REQUIRED_HTTP, "PORT": "3100"})
    monkeypatch.setenv("PORT", "3200")
    assert load_settings().port == 3200


def test_problems_in_the_dot_env_file_are_reported_like_any_other(tmp_path: Path) -> None:
    write_env_file(tmp_path, {**REQUIRED_HTTP, "LOG_LEVEL": "CHATTY"})
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert [line.split(":")[0] for line in caught.value.problems] == ["LOG_LEVEL"]


def test_env_file_none_ignores_the_dot_env_file(tmp_path: Path) -> None:
    write_env_file(tmp_path, REQUIRED_HTTP)
    assert isinstance(load_settings(), Settings)
    with pytest.raises(ConfigurationError):
        load_settings(_env_file=None)


def test_the_database_password_is_among_the_secrets_the_log_scrubber_removes() -> None:
    from bot.settings import load_settings

    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-token-value",
        slack_signing_secret="signing-secret-value",
        braze_api_key="braze-key-value",
        braze_rest_endpoint="https://rest.iad-01.braze.com",
        sendid_allowed_channels="C0CAMPAIGNS",
        sendid_approvers="U0APPROVER",
        sendid_database_url="postgresql://bot:db-pass-w0rd@db.internal:5432/sendid",
    )
    assert "db-pass-w0rd" in settings.secret_values()
    assert "xoxb-token-value" in settings.secret_values()


@pytest.mark.parametrize(
    "endpoint",
    ["https://evil.example", "https://rest.iad-01.braze.com.evil.example", "https://10.0.0.5"],
)
def test_braze_rest_endpoint_must_be_a_braze_rest_host(
    monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    (line,) = problems(monkeypatch, BRAZE_REST_ENDPOINT=endpoint)
    assert line.startswith("BRAZE_REST_ENDPOINT: is not a Braze REST endpoint (Braze's REST hosts")


def test_every_credential_of_the_database_url_is_among_the_secrets_the_scrubber_removes() -> None:
    """Issue 24, item 6: a password in the query string (and its percent-encoded spelling)."""
    from bot.settings import load_settings

    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-token-value",
        slack_signing_secret="signing-secret-value",
        braze_api_key="braze-key-value",
        braze_rest_endpoint="https://rest.iad-01.braze.com",
        sendid_allowed_channels="C0CAMPAIGNS",
        sendid_approvers="U0APPROVER",
        sendid_database_url=(
            "postgresql://bot:user%40pass@db.internal/sendid?sslmode=require"
            "&password=query%2Dpass&sslpassword=key-pass-1"
        ),
    )
    secrets = settings.secret_values()
    for value in ("user@pass", "user%40pass", "query-pass", "query%2Dpass", "key-pass-1"):
        assert value in secrets
    assert "require" not in secrets


def test_the_retention_is_unset_by_default_and_at_least_30_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 24, item 7: SENDID_RETENTION_DAYS (unset, or blank: keep everything)."""
    set_env(monkeypatch, REQUIRED_HTTP)
    assert load_settings(_env_file=None).sendid_retention_days is None
    monkeypatch.setenv("SENDID_RETENTION_DAYS", " ")
    assert load_settings(_env_file=None).sendid_retention_days is None
    monkeypatch.setenv("SENDID_RETENTION_DAYS", "90")
    assert load_settings(_env_file=None).sendid_retention_days == 90
    (line,) = problems(monkeypatch, SENDID_RETENTION_DAYS="7")
    assert line.startswith("SENDID_RETENTION_DAYS: ") and "30" in line


def test_env_example_with_only_the_secrets_filled_in_names_each_example_id_left(
    tmp_path: Path,
) -> None:
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    filled = {
        "SLACK_BOT_TOKEN": "xoxb-1-filled-in",
        "SLACK_APP_TOKEN": "xapp-1-filled-in",
        "SLACK_SIGNING_SECRET": "filled-in-signing-secret",
        "BRAZE_API_KEY": "filled-in-braze-key",
    }
    lines = [
        f"{line.partition('=')[0]}={filled[line.partition('=')[0]]}"
        if line.partition("=")[0] in filled
        else line
        for line in example.splitlines()
    ]
    env_file = tmp_path / ".env"
    env_file.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env_file=env_file)
    assert [line.split(":")[0] for line in caught.value.problems] == [
        "SENDID_ALLOWED_CHANNELS",
        "SENDID_APPROVERS",
    ]
    assert all(".env.example's example" in line for line in caught.value.problems)
