"""The per-channel policy file (`SENDID_POLICY_FILE`, TOML): parsing, validation, and its rules.

Pure domain: the caller reads the environment and hands in the path and the permitted channels.
`policy.example.toml` in the repository root documents the format; in short:

    [defaults]                      # every key optional; applies to every permitted channel
    approvers = ["U0123ABCD", "S0456EFGH"]
    ttl_hours = 24
    send_id_pattern = '^[a-z0-9_]{3,40}$'
    send_id_example = "spring_sale_2026_wave1"
    campaigns = ["3f1c9e2a-5b7d-4c8e-9a10-1b2c3d4e5f60"]

    [channels.C0123456789]          # one section per channel that overrides something
    approvers = ["U0AAAA111"]
    campaigns = "any"               # lift the defaults' allow-list for this channel
    send_id_pattern = ""            # lift the defaults' naming rule for this channel
    braze_workspace = "eu"          # this channel's campaigns live in another Braze workspace
    notify = "dm"                   # approvers get a DM with buttons ("mention" | "dm" | "none")

    [workspaces.eu]                 # a Braze workspace besides "default" (see workspaces.py)
    rest_endpoint = "https://rest.fra-01.braze.eu"
    api_key_env = "BRAZE_API_KEY_EU"

Precedence, field by field: the channel's section, then `[defaults]`, then the environment
(`SENDID_APPROVERS`, `SENDID_REQUEST_TTL_HOURS`; a `None` in the resolved rules means "use the
environment's value" for approvers and TTL, and "no restriction" for campaigns and the pattern).
`send_id_pattern` and `send_id_example` always travel together, so a channel never shows another
table's example for its own pattern. `braze_workspace` falls back to "default" (the environment's
BRAZE_API_KEY and BRAZE_REST_ENDPOINT).

Every problem in the file is collected, one line each, naming the variable and the key; lines
show at most a short excerpt of any value. `PolicyFileError` is a `ConfigurationError`, so
start-up reports it like any bad setting and exits with code 2. What is worth a warning but no
refusal (a workspace no channel uses) is in `PolicyFile.warnings`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from bot.domain import problems
from bot.domain.errors import ConfigurationError
from bot.domain.notify import DEFAULT_NOTIFY, Notify
from bot.domain.policy import CHANNEL_ID, USER_ID, USERGROUP_ID, ApproverSet
from bot.domain.policy_lines import did_you_mean, show, show_list, show_path, toml_key, type_name
from bot.domain.problems import Problem
from bot.domain.validation import (
    CAMPAIGN_ID,
    SEND_ID_MAX,
    campaign_id_problem,
    normalise_campaign_id,
    send_id_problem,
)
from bot.domain.workspaces import (
    DEFAULT_WORKSPACE,
    WorkspaceSection,
    WorkspaceTable,
    section_name,
    workspace_choice,
)

# Problem codes this module introduces (texts live in bot.i18n as `problem.<code>`).
SEND_ID_PATTERN = problems.SEND_ID_PATTERN  # params: example
SEND_ID_REQUIRED = problems.SEND_ID_REQUIRED  # params: example
CAMPAIGN_NOT_ALLOWED = problems.CAMPAIGN_NOT_ALLOWED  # no params
CODES = (SEND_ID_PATTERN, SEND_ID_REQUIRED, CAMPAIGN_NOT_ALLOWED)

SOURCE = "SENDID_POLICY_FILE"
MAX_TTL_HOURS = 24 * 30  # the same bound as SENDID_REQUEST_TTL_HOURS
ANY_CAMPAIGN = "any"  # `campaigns = "any"`: no allow-list (lifts one set in [defaults])
NO_PATTERN = ""  # `send_id_pattern = ""`: no naming rule (lifts one set in [defaults])
APPROVER_ID = re.compile(f"{USER_ID.pattern}|{USERGROUP_ID.pattern}")


@dataclass(frozen=True)
class ChannelRules:
    """The rules for one channel (or the file's defaults). `None`: not set here (see module doc)."""

    approvers: tuple[str, ...] | None = None  # user (U…/W…) and user group (S…) IDs
    campaigns: frozenset[str] | None = None  # lower-cased campaign UUIDs; None: any campaign
    send_id_pattern: re.Pattern[str] | None = None  # applied with fullmatch
    send_id_example: str | None = None  # set exactly when send_id_pattern is
    ttl: timedelta | None = None
    braze_workspace: str = DEFAULT_WORKSPACE  # where the channel's campaigns live
    notify: str = DEFAULT_NOTIFY  # how approvers are reached at request time (bot.domain.notify)


@dataclass(frozen=True)
class PolicyFile:
    defaults: ChannelRules = field(default_factory=ChannelRules)
    # Each permitted channel with a section, already merged over `defaults`.
    channels: Mapping[str, ChannelRules] = field(default_factory=lambda: MappingProxyType({}))
    # The [workspaces.<name>] sections: every Braze workspace but "default".
    workspaces: Mapping[str, WorkspaceSection] = field(default_factory=lambda: MappingProxyType({}))
    # Lines worth a warning at start-up, but no refusal (a workspace no channel uses).
    warnings: tuple[str, ...] = ()

    def rules_for(self, channel_id: str) -> ChannelRules:
        """The channel's rules: its own values where it sets them, the defaults elsewhere."""
        return self.channels.get(channel_id, self.defaults)

    def workspace_for(self, channel_id: str) -> str:
        """The name of the Braze workspace the channel's requests go to."""
        return self.rules_for(channel_id).braze_workspace


EMPTY_POLICY_FILE = PolicyFile()  # no SENDID_POLICY_FILE: the environment decides everything


class PolicyFileError(ConfigurationError):
    """The policy file cannot be used; `problems` holds one line per problem."""


# ---- using the rules --------------------------------------------------------------------------


def send_id_pattern_problem(rules: ChannelRules, send_id: str | None) -> Problem | None:
    """Whether a (normalised) send ID follows the channel's naming rule.

    Check `validation.send_id_problem` first: an ID that breaks the general rules gives `None`
    here (that problem is reported there, and an over-long input never reaches the regex).
    With a pattern, a blank send ID is refused (`send_id_required`): the ID Braze would generate
    cannot follow the naming rule. Without a pattern, anything the general rules allow passes.
    """
    pattern, example = rules.send_id_pattern, rules.send_id_example
    if pattern is None:
        return None
    params = MappingProxyType({"example": example or ""})
    if not send_id:
        return Problem(SEND_ID_REQUIRED, params)
    if send_id_problem(send_id) is not None:
        return None
    if pattern.fullmatch(send_id) is None:
        return Problem(SEND_ID_PATTERN, params)
    return None


def campaign_allowed_problem(rules: ChannelRules, campaign_id: str) -> Problem | None:
    """Whether the channel's allow-list (if any) names this campaign.

    The ID is normalised like the form does. Check `validation.campaign_id_problem` first: a
    missing or malformed ID gives `None` here (that problem is reported there).
    """
    if rules.campaigns is None:
        return None
    campaign_id = normalise_campaign_id(campaign_id)
    if campaign_id_problem(campaign_id) is not None:
        return None
    if campaign_id not in rules.campaigns:
        return Problem(CAMPAIGN_NOT_ALLOWED)
    return None


def approver_set(rules: ChannelRules, fallback: ApproverSet) -> ApproverSet:
    """The channel's approvers as an ApproverSet; `fallback` (from SENDID_APPROVERS) if unset."""
    if rules.approvers is None:
        return fallback
    return ApproverSet(
        user_ids=frozenset(a for a in rules.approvers if not USERGROUP_ID.match(a)),
        group_ids=frozenset(a for a in rules.approvers if USERGROUP_ID.match(a)),
    )


# ---- the file as written: pydantic models ------------------------------------------------------
# A check's ValueError carries the problem line's text; `_problem_lines` words pydantic's own
# errors (unknown key, wrong type, missing, out of range). The validation context holds the
# permitted channels and the names of the file's workspace sections.


def _ids(items: list[Any], clean: Any, shape: re.Pattern[str], what: str) -> list[str]:
    """The items cleaned and deduplicated in order; ValueError naming those of another shape."""
    bad = [item for item in items if not (isinstance(item, str) and shape.fullmatch(clean(item)))]
    if bad:
        raise ValueError(f"not {what}: {show_list(bad)}")
    return list(dict.fromkeys(clean(item) for item in items))


class RulesTable(BaseModel):
    """One `[defaults]` or `[channels.<ID>]` table as written; every key optional."""

    model_config = ConfigDict(extra="forbid", strict=True)

    approvers: list[Any] | None = None
    campaigns: list[Any] | None = None  # None when set: "any"
    send_id_pattern: str | None = None
    send_id_example: str | None = Field(None, validate_default=True)  # checked even when absent
    ttl_hours: float | None = Field(None, gt=0, le=MAX_TTL_HOURS)
    braze_workspace: str | None = None
    notify: Notify | None = None

    @field_validator("approvers")
    @classmethod
    def _approvers(cls, ids: list[Any]) -> list[str]:
        if not ids:
            raise ValueError("must not be empty (omit the key to use the defaults)")
        return _ids(ids, str.strip, APPROVER_ID, "user IDs (U…/W…) or user group IDs (S…)")

    @field_validator("campaigns", mode="before")
    @classmethod
    def _any_campaign(cls, value: object) -> object:
        if value == ANY_CAMPAIGN:
            return None
        if isinstance(value, str):
            raise ValueError(f"must be {_EXPECTED['campaigns']}, not {show(value)}")
        return value

    @field_validator("campaigns")
    @classmethod
    def _campaigns(cls, ids: list[Any] | None) -> list[str] | None:
        if ids is not None and not ids:
            raise ValueError(
                f'must not be empty (write "{ANY_CAMPAIGN}" to allow every campaign, '
                "or omit the key to use the defaults)"
            )
        what = "campaign IDs (UUIDs, 8-4-4-4-12 hex digits)"
        return None if ids is None else _ids(ids, normalise_campaign_id, CAMPAIGN_ID, what)

    @field_validator("send_id_pattern")
    @classmethod
    def _pattern(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a valid regular expression ({error})") from None
        return pattern

    @field_validator("send_id_example")
    @classmethod
    def _example(cls, example: str | None, info: ValidationInfo) -> str | None:
        pattern = info.data.get("send_id_pattern", ...)  # ...: a pattern with its own problem
        if pattern is None and example is not None:
            raise ValueError("given without send_id_pattern (set both in the same table)")
        if pattern == NO_PATTERN and example is not None:
            raise ValueError(
                'not allowed with send_id_pattern = "" (no naming rule, nothing to exemplify)'
            )
        if pattern is None or pattern == NO_PATTERN:
            return None
        if example is None:
            raise ValueError(
                "missing (required with send_id_pattern: the request form shows it to users)"
            )
        if not example:
            raise ValueError("must not be empty")
        if (problem := send_id_problem(example)) is not None:
            raise ValueError(
                f"{show(example)} is not a valid send ID ({_SEND_ID_RULE[problem.code]})"
            )
        if pattern is not ... and re.fullmatch(pattern, example) is None:
            raise ValueError(f"{show(example)} does not match send_id_pattern")
        return example

    @field_validator("braze_workspace")
    @classmethod
    def _workspace(cls, name: str, info: ValidationInfo) -> str:
        return workspace_choice(name, info.context["workspaces"] if info.context else ())

    def over(self, base: ChannelRules) -> ChannelRules:
        """`base` with what this table sets in its place."""
        found = {name: getattr(self, name) for name in self.model_fields_set}
        if (pattern := found.pop("send_id_pattern", None)) is not None:
            found["send_id_pattern"] = re.compile(pattern) if pattern else None
            found["send_id_example"] = self.send_id_example
        if (hours := found.pop("ttl_hours", None)) is not None:
            found["ttl"] = timedelta(hours=hours)
        if found.get("approvers") is not None:
            found["approvers"] = tuple(found["approvers"])
        if found.get("campaigns") is not None:
            found["campaigns"] = frozenset(found["campaigns"])
        return replace(base, **found)


def _channel_id(channel_id: str, info: ValidationInfo) -> str:
    """A `[channels.<ID>]` key: the ID of a permitted channel."""
    if CHANNEL_ID.match(channel_id.upper()) and not CHANNEL_ID.match(channel_id):
        upper = toml_key(channel_id.upper())
        raise ValueError(f"not a channel ID (channel IDs are upper case: {upper})")
    if not CHANNEL_ID.match(channel_id):
        raise ValueError(
            "not a channel ID (C… or G…, from the channel's details; channels are matched by "
            "ID, not by name, and direct messages are never permitted)"
        )
    if channel_id not in (info.context["permitted"] if info.context else ()):
        raise ValueError(
            "not in SENDID_ALLOWED_CHANNELS (add the channel there, or remove this section)"
        )
    return channel_id


class PolicyTables(BaseModel):
    """The whole file as written."""

    model_config = ConfigDict(extra="forbid", strict=True)

    defaults: RulesTable = RulesTable()
    channels: dict[Annotated[str, AfterValidator(_channel_id)], RulesTable] = {}
    workspaces: dict[Annotated[str, AfterValidator(section_name)], WorkspaceTable] = {}


_SEND_ID_RULE = {
    problems.SEND_ID_TOO_LONG: f"at most {SEND_ID_MAX} characters",
    problems.SEND_ID_CHARACTERS: "printable ASCII characters only, no spaces",
}
# What a key must be, for a value of the wrong type: "must be <this>, not a number".
_EXPECTED = {
    "defaults": "a table of settings",
    "channels": "a table of channel sections such as [channels.C0123ABCD]",
    "channels.*": "a table of settings",
    "workspaces": "a table of workspace sections such as [workspaces.eu]",
    "workspaces.*": "a table with rest_endpoint and api_key_env",
    "approvers": 'a list of user IDs (U…/W…) and user group IDs (S…) such as ["U0123ABCD"]',
    "campaigns": f'a list of campaign IDs, or "{ANY_CAMPAIGN}" for every campaign',
    "send_id_pattern": "a regular expression in a string",
    "send_id_example": "a string",
    "ttl_hours": "a number of hours",
    "braze_workspace": 'a workspace name in a string such as "eu"',
    "rest_endpoint": "a URL in a string",
    "api_key_env": "a variable name in a string",
}
_MISSING = {
    "rest_endpoint": 'required, e.g. rest_endpoint = "https://rest.fra-01.braze.eu"',
    "api_key_env": "required: the name of the environment variable that holds the workspace's "
    'API key, e.g. api_key_env = "BRAZE_API_KEY_EU"',
}


def _problem_lines(error: ValidationError, document: dict[str, Any], source: str) -> list[str]:
    """One line per problem, in file order: the TOML path, what is wrong, what is allowed."""
    lines = []
    for found in sorted(error.errors(), key=lambda found: _place(document, found["loc"])):
        loc = [str(key) for key in found["loc"] if key != "[key]"]
        kind, value, key, ctx = found["type"], found["input"], loc[-1], found.get("ctx", {})
        if kind == "extra_forbidden":
            model = (
                PolicyTables
                if len(loc) == 1
                else {"workspaces": WorkspaceTable}.get(loc[0], RulesTable)
            )
            known = tuple(model.model_fields)
            message = f"unknown key ({did_you_mean(key, known)}known: {', '.join(known)})"
        elif kind == "missing":
            message = f"missing ({_MISSING[key]})"
        elif kind == "literal_error":
            choices = ctx["expected"].replace("'", '"')  # '"mention", "dm" or "none"'
            message = (
                f"{show(value)} is not one of {choices.replace(' or ', ', ')}"
                if isinstance(value, str)
                else f"must be {choices} in a string, not {type_name(value)}"
            )
        elif kind.endswith("_type"):
            table = len(loc) == 2 and loc[0] in ("channels", "workspaces")
            message = (
                f"must be {_EXPECTED[f'{loc[0]}.*' if table else key]}, not {type_name(value)}"
            )
        elif kind in ("greater_than", "less_than_equal"):  # ttl_hours, the one number
            message = f"must be more than 0 and at most {MAX_TTL_HOURS} (30 days), not {value:g}"
        elif kind == "value_error":
            message = str(ctx["error"])
        else:
            message = found["msg"]
        lines.append(f"{source}: {'.'.join(map(toml_key, loc))}: {message}")
    return lines


def _place(document: Any, loc: tuple[int | str, ...]) -> list[int]:
    """Where `loc` is in the file: each key's place in its table (a key, then a missing key)."""
    place = []
    for key in loc:
        keys = list(document) if isinstance(document, dict) else []
        place.append(keys.index(key) if key in keys else -1 if key == "[key]" else len(keys))
        document = document.get(key) if isinstance(document, dict) else None
    return place


# ---- reading ------------------------------------------------------------------------------------


def load_policy_file(
    path: str | Path, *, permitted_channels: Collection[str], source: str = SOURCE
) -> PolicyFile:
    """Read and validate the file; raise PolicyFileError with one line per problem."""
    path = Path(path)
    shown = show_path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PolicyFileError([f"{source}: {shown}: file not found"]) from None
    except IsADirectoryError:
        raise PolicyFileError([f"{source}: {shown}: is a directory, not a file"]) from None
    except PermissionError:
        raise PolicyFileError([f"{source}: {shown}: permission denied"]) from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise PolicyFileError([f"{source}: {shown}: cannot read ({reason})"]) from None
    try:
        text = data.decode("utf-8-sig")  # tolerate the BOM some editors write
    except UnicodeDecodeError as error:
        raise PolicyFileError(
            [f"{source}: {shown}: not UTF-8 text (bad byte at offset {error.start})"]
        ) from None
    return parse_policy(text, permitted_channels=permitted_channels, source=source)


def parse_policy(
    text: str, *, permitted_channels: Collection[str], source: str = SOURCE
) -> PolicyFile:
    """Parse and validate the file's text; raise PolicyFileError with one line per problem."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyFileError([f"{source}: not valid TOML: {error}"]) from None
    permitted = frozenset(permitted_channels)
    # A section with problems of its own still exists: naming it is not another problem.
    sections = document.get("workspaces")
    context = {
        "permitted": permitted,
        "workspaces": set(sections if isinstance(sections, dict) else ()),
    }
    try:
        tables = PolicyTables.model_validate(document, context=context)
    except ValidationError as error:
        raise PolicyFileError(_problem_lines(error, document, source)) from None

    defaults = tables.defaults.over(ChannelRules())
    channels = {channel: table.over(defaults) for channel, table in tables.channels.items()}
    workspaces = {
        name: WorkspaceSection(name, table.rest_endpoint, table.api_key_env)
        for name, table in tables.workspaces.items()
    }
    policy = PolicyFile(defaults, MappingProxyType(channels), MappingProxyType(workspaces))
    used = {policy.workspace_for(channel) for channel in permitted}
    warnings = tuple(
        f"{source}: workspaces.{name}: no channel uses this workspace "
        f'(set braze_workspace = "{name}" '
        "in [defaults] or in a channel's section, or remove the section)"
        for name in workspaces
        if name not in used
    )
    return replace(policy, warnings=warnings)
