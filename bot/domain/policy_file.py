"""The per-channel policy file (`SENDID_POLICY_FILE`, TOML): its checks and its rules.

`policy.example.toml` documents the format. Precedence, key by key: the channel's section, then
`[defaults]`, then the environment (`None` in ChannelRules: SENDID_APPROVERS and
SENDID_REQUEST_TTL_HOURS for approvers and TTL, no restriction for campaigns and the pattern;
`braze_workspace` falls back to "default"). A pattern always travels with its example.

Pydantic models check the file as written; each problem becomes one line naming the variable and
the TOML key, with at most a short excerpt of any value. `PolicyFileError` is a
`ConfigurationError`: start-up prints the lines and exits with code 2. A workspace no channel
uses is only a warning (`PolicyFile.warnings`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
)

from bot.domain import problems, validation
from bot.domain.errors import ConfigurationError
from bot.domain.naming_rules import NamingRule, naming_rule
from bot.domain.notify import DEFAULT_NOTIFY, Notify
from bot.domain.policy import CHANNEL_ID, USER_ID, USERGROUP_ID, ApproverSet
from bot.domain.policy_words import did_you_mean, show, toml_key, type_name
from bot.domain.problems import Problem
from bot.domain.workspaces import (
    DEFAULT_WORKSPACE,
    WORKSPACE_NAME,
    WorkspaceSection,
    key_variable_problem,
    normalise_rest_endpoint,
    rest_endpoint_problem,
)

# Problem codes this module introduces (texts live in bot.i18n as `problem.<code>`).
CODES = (problems.SEND_ID_PATTERN, problems.SEND_ID_REQUIRED, problems.CAMPAIGN_NOT_ALLOWED)
SOURCE = "SENDID_POLICY_FILE"
MAX_TTL_HOURS = 24 * 30  # the same bound as SENDID_REQUEST_TTL_HOURS
MAX_APPROVALS = 10  # approvals_required: a sign-off by a few people, not a vote
ANY_CAMPAIGN = "any"  # `campaigns = "any"`: no allow-list (lifts one set in [defaults])
APPROVER_ID = re.compile(f"{USER_ID.pattern}|{USERGROUP_ID.pattern}")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")  # an environment variable's name
LIST_MAX = 5  # bad list items shown in a line
Language = Literal["en", "de"]  # the languages the bot speaks (bot.i18n)


@dataclass(frozen=True)
class ChannelRules:
    """The rules for one channel (or the file's defaults). `None`: not set here (see module doc)."""

    approvers: tuple[str, ...] | None = None  # user (U…/W…) and user group (S…) IDs
    campaigns: frozenset[str] | None = None  # lower-cased campaign UUIDs; None: any campaign
    send_id_pattern: NamingRule | None = None  # RE2, applied with fullmatch
    send_id_example: str | None = None  # set exactly when send_id_pattern is
    ttl: timedelta | None = None
    braze_workspace: str = DEFAULT_WORKSPACE  # where the channel's campaigns live
    notify: str = DEFAULT_NOTIFY  # how approvers are reached at request time (bot.domain.notify)
    language: str | None = None  # what is posted about its requests is in this language
    approvals_required: int = 1  # distinct approvers who must approve before Braze is called


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
    pattern, params = rules.send_id_pattern, {"example": rules.send_id_example or ""}
    if pattern is None or (send_id and validation.send_id_problem(send_id) is not None):
        return None
    if not send_id:
        return Problem(problems.SEND_ID_REQUIRED, MappingProxyType(params))
    if pattern.fullmatch(send_id) is None:
        return Problem(problems.SEND_ID_PATTERN, MappingProxyType(params))
    return None


def campaign_allowed_problem(rules: ChannelRules, campaign_id: str) -> Problem | None:
    """Whether the channel's allow-list (if any) names this campaign.

    The ID is normalised like the form does. Check `validation.campaign_id_problem` first: a
    missing or malformed ID gives `None` here (that problem is reported there).
    """
    campaign_id = validation.normalise_campaign_id(campaign_id)
    if rules.campaigns is None or validation.campaign_id_problem(campaign_id) is not None:
        return None
    return None if campaign_id in rules.campaigns else Problem(problems.CAMPAIGN_NOT_ALLOWED)


def approver_set(rules: ChannelRules, fallback: ApproverSet) -> ApproverSet:
    """The channel's approvers as an ApproverSet; `fallback` (from SENDID_APPROVERS) if unset."""
    if rules.approvers is None:
        return fallback
    return ApproverSet(
        user_ids=frozenset(a for a in rules.approvers if not USERGROUP_ID.match(a)),
        group_ids=frozenset(a for a in rules.approvers if USERGROUP_ID.match(a)),
    )


# ---- the file as written: pydantic models -------------------------------------------------------
# Our checks raise ValueError with the problem line's text; `_problem_lines` words pydantic's own
# errors. The validation context: the permitted channels, the file's workspace section names.


def _ids(clean: Callable[[str], str], shape: re.Pattern[str], what: str, into: type) -> Any:
    """A list of IDs, cleaned and each kept once, `into` a tuple or frozenset; one line names the
    items of another shape. Not a list: the type's own problem."""

    def check(items: object) -> object:
        if not isinstance(items, list):
            return items
        bad = [i for i in items if not (isinstance(i, str) and shape.fullmatch(clean(i)))]
        more = f" and {len(bad) - LIST_MAX} more" if len(bad) > LIST_MAX else ""
        if bad:
            raise ValueError(f"not {what}: {', '.join(map(show, bad[:LIST_MAX]))}{more}")
        return into(dict.fromkeys(map(clean, items)))

    return BeforeValidator(check)


def _regex(pattern: object) -> NamingRule:
    """A string compiled with RE2, in linear time (bot.domain.naming_rules)."""
    if not isinstance(pattern, str):
        raise ValueError(f"must be {_EXPECTED['send_id_pattern']}, not {type_name(pattern)}")
    return naming_rule(pattern)


def _any_campaign(value: object) -> object:
    """ "any": None, no allow-list; any other word is no list of campaign IDs."""
    if isinstance(value, str) and value != ANY_CAMPAIGN:
        raise ValueError(f"must be {_EXPECTED['campaigns']}, not {show(value)}")
    return None if value == ANY_CAMPAIGN else value


def _example(example: object, info: ValidationInfo) -> object:
    """With a pattern, and only then (checked when absent too, before the type); `...`: a
    pattern with a problem of its own."""
    pattern = info.data.get("send_id_pattern", ...)
    lifted = pattern is not None and pattern is not ... and not pattern.pattern  # by ""
    if example is None and (pattern is None or lifted):
        return None
    if pattern is None:
        why = "given without send_id_pattern (set both in the same table)"
    elif lifted:
        why = 'not allowed with send_id_pattern = "" (no naming rule, nothing to exemplify)'
    elif example is None:
        why = "missing (required with send_id_pattern: the request form shows it to users)"
    elif not isinstance(example, str):
        return example  # the type's own problem
    elif not example:
        why = "must not be empty"
    elif problem := validation.send_id_problem(example):
        rule = "printable ASCII characters only, no spaces"
        if problem.code == problems.SEND_ID_TOO_LONG:
            rule = f"at most {validation.SEND_ID_MAX} characters"
        why = f"{show(example)} is not a valid send ID ({rule})"
    elif pattern is not ... and pattern.fullmatch(example) is None:
        why = f"{show(example)} does not match send_id_pattern"
    else:
        return example
    raise ValueError(why)


def _workspace(name: str, info: ValidationInfo) -> str:
    """A `braze_workspace` value: "default" or the name of one of the file's sections."""
    known = info.context["workspaces"] if info.context else []
    if not WORKSPACE_NAME.fullmatch(name):
        raise ValueError(f"{show(name)} is {_NOT_A_WORKSPACE}")
    if name != DEFAULT_WORKSPACE and name not in known:
        names = [DEFAULT_WORKSPACE, *sorted(known)]
        raise ValueError(
            f"unknown workspace {show(name)} ({did_you_mean(name, names)}known: "
            f"{', '.join(names)}; add a [workspaces.<name>] section for a new one)"
        )
    return name


_EXAMPLE = BeforeValidator(_example)
_APPROVERS = _ids(str.strip, APPROVER_ID, "user IDs (U…/W…) or user group IDs (S…)", tuple)
_UUIDS = "campaign IDs (UUIDs, 8-4-4-4-12 hex digits)"
_CAMPAIGNS = _ids(validation.normalise_campaign_id, validation.CAMPAIGN_ID, _UUIDS, frozenset)


class RulesTable(BaseModel, extra="forbid", strict=True):
    """One `[defaults]` or `[channels.<ID>]` table as written; every key optional."""

    approvers: Annotated[tuple[str, ...], _APPROVERS] | None = Field(default=None, min_length=1)
    campaigns: Annotated[  # "any" first, then a list
        Annotated[frozenset[str], _CAMPAIGNS] | None, BeforeValidator(_any_campaign)
    ] = Field(default=None, min_length=1)
    send_id_pattern: Annotated[NamingRule, PlainValidator(_regex)] | None = None
    send_id_example: Annotated[str | None, _EXAMPLE] = Field(default=None, validate_default=True)
    ttl_hours: float | None = Field(default=None, gt=0, le=MAX_TTL_HOURS)
    braze_workspace: Annotated[str, AfterValidator(_workspace)] | None = None
    notify: Notify | None = None
    language: Language | None = None
    approvals_required: int | None = Field(default=None, ge=1, le=MAX_APPROVALS)

    def over(self, base: ChannelRules) -> ChannelRules:
        """`base` with what this table sets in its place."""
        found = {name: getattr(self, name) for name in self.model_fields_set}
        if "ttl_hours" in found:
            found["ttl"] = timedelta(hours=found.pop("ttl_hours"))
        if (pattern := found.get("send_id_pattern")) is not None:  # with its example, if any
            found.update(send_id_pattern=pattern if pattern.pattern else None)
            found.update(send_id_example=self.send_id_example)
        return replace(base, **found)


def _endpoint(url: str) -> str:
    if (problem := rest_endpoint_problem(url)) is not None:
        raise ValueError(f"{show(url)} {problem}")
    return normalise_rest_endpoint(url)


def _variable(name: str) -> str:
    if not VARIABLE_NAME.fullmatch(name):  # most likely the key itself: never echo it
        raise ValueError(
            "must be the NAME of an environment variable (letters, digits and _), such as "
            "BRAZE_API_KEY_EU, never the key itself"
        )
    if (problem := key_variable_problem(name)) is not None:
        raise ValueError(problem)
    return name


class WorkspaceTable(BaseModel, extra="forbid", strict=True):
    """One `[workspaces.<name>]` table as written: where the workspace is, and which variable
    holds its key (never the key itself)."""

    rest_endpoint: Annotated[str, AfterValidator(_endpoint)]
    api_key_env: Annotated[str, AfterValidator(_variable)]


def _channel_id(channel_id: str, info: ValidationInfo) -> str:
    """A `[channels.<ID>]` key: the ID of a permitted channel."""
    if not CHANNEL_ID.match(channel_id):
        raise ValueError(
            f"not a channel ID (channel IDs are upper case: {toml_key(channel_id.upper())})"
            if CHANNEL_ID.match(channel_id.upper())
            else "not a channel ID (C… or G…, from the channel's details; channels are matched "
            "by ID, not by name, and direct messages are never permitted)"
        )
    if channel_id not in (info.context["permitted"] if info.context else ()):
        raise ValueError(
            "not in SENDID_ALLOWED_CHANNELS (add the channel there, or remove this section)"
        )
    return channel_id


def _workspace_name(name: str) -> str:
    """A `[workspaces.<name>]` key: a workspace name other than "default"."""
    if name == DEFAULT_WORKSPACE:
        raise ValueError(
            f'"{DEFAULT_WORKSPACE}" is the workspace of BRAZE_API_KEY and BRAZE_REST_ENDPOINT '
            "and cannot be redefined; give this one another name"
        )
    if not WORKSPACE_NAME.fullmatch(name):
        raise ValueError(_NOT_A_WORKSPACE)
    return name


class PolicyTables(BaseModel, extra="forbid", strict=True):
    """The whole file as written."""

    defaults: RulesTable = RulesTable()
    channels: dict[Annotated[str, AfterValidator(_channel_id)], RulesTable] = {}
    workspaces: dict[Annotated[str, AfterValidator(_workspace_name)], WorkspaceTable] = {}


# ---- problem lines ------------------------------------------------------------------------------

_NOT_A_WORKSPACE = "not a workspace name (1-32 letters, digits, - or _)"
# What a key (or a table, by its model) must be: "must be <this>, not a number".
_EXPECTED = {
    "RulesTable": "a table of settings",
    "WorkspaceTable": "a table with rest_endpoint and api_key_env",
    "channels": "a table of channel sections such as [channels.C0123ABCD]",
    "workspaces": "a table of workspace sections such as [workspaces.eu]",
    "approvers": 'a list of user IDs (U…/W…) and user group IDs (S…) such as ["U0123ABCD"]',
    "campaigns": f'a list of campaign IDs, or "{ANY_CAMPAIGN}" for every campaign',
    "send_id_pattern": "a regular expression in a string",
    "send_id_example": "a string",
    "ttl_hours": "a number of hours",
    "braze_workspace": 'a workspace name in a string such as "eu"',
    "approvals_required": "a whole number such as 2",
    "rest_endpoint": "a URL in a string",
    "api_key_env": "a variable name in a string",
}
_REQUIRED = {  # "missing (<this>)", and "must not be empty (<this>)"
    "rest_endpoint": 'required, e.g. rest_endpoint = "https://rest.fra-01.braze.eu"',
    "api_key_env": "required: the name of the environment variable that holds the workspace's "
    'API key, e.g. api_key_env = "BRAZE_API_KEY_EU"',
    "approvers": "omit the key to use the defaults",
    "campaigns": f'write "{ANY_CAMPAIGN}" to allow every campaign, or omit the key to use the '
    "defaults",
}


def _problem_lines(error: ValidationError, document: dict[str, Any], source: str) -> list[str]:
    """One line per problem, in file order: the TOML key, what is wrong, what is allowed."""
    lines = []
    for found in sorted(error.errors(), key=lambda found: _place(document, found["loc"])):
        loc = [str(key) for key in found["loc"] if key != "[key]"]
        kind, value, key, ctx = found["type"], found["input"], loc[-1], found.get("ctx", {})
        if kind == "extra_forbidden":
            model = PolicyTables if len(loc) == 1 else RulesTable
            known = tuple((WorkspaceTable if loc[0] == "workspaces" else model).model_fields)
            message = f"unknown key ({did_you_mean(key, known)}known: {', '.join(known)})"
        elif kind in ("missing", "too_short"):
            message = (
                f"{'missing' if kind == 'missing' else 'must not be empty'} ({_REQUIRED[key]})"
            )
        elif (
            kind == "literal_error"
        ):  # notify, language; choices in words: '"mention", "dm" or "none"'
            choices = ctx["expected"].replace("'", '"')
            message = (
                f"{show(value)} is not one of {choices.replace(' or ', ', ')}"
                if isinstance(value, str)
                else f"must be {choices} in a string, not {type_name(value)}"
            )
        elif key == "approvals_required" and type(value) in (int, float):  # not a bool
            message = f"must be a whole number from 1 to {MAX_APPROVALS}, not {value}"
        elif kind.endswith("_type"):
            message = f"must be {_EXPECTED[ctx.get('class_name', key)]}, not {type_name(value)}"
        elif kind in ("greater_than", "less_than_equal"):  # ttl_hours
            message = f"must be more than 0 and at most {MAX_TTL_HOURS} (30 days), not {value:g}"
        else:  # a check of ours: its ValueError's text
            message = str(ctx.get("error", found["msg"]))
        lines.append(f"{source}: {'.'.join(map(toml_key, loc))}: {message}")
    return lines


def _place(document: Any, loc: tuple[int | str, ...]) -> list[float]:
    """Where `loc` is in the file: each key's place in its table (a missing key comes last, a
    problem with the key itself before those of its value)."""
    place: list[float] = []
    for key in loc:
        keys = list(document) if isinstance(document, dict) else []
        if key == "[key]":
            place[-1] -= 0.5
        else:
            place.append(keys.index(key) if key in keys else len(keys))
        document = document.get(key) if isinstance(document, dict) else None
    return place


# ---- reading ------------------------------------------------------------------------------------

_UNREADABLE = {
    FileNotFoundError: "file not found",
    IsADirectoryError: "is a directory, not a file",
    PermissionError: "permission denied",
}


def load_policy_file(
    path: str | Path, *, permitted_channels: Collection[str], source: str = SOURCE
) -> PolicyFile:
    """Read and validate the file; raise PolicyFileError with one line per problem."""
    shown = str(path) if len(str(path)) <= 80 else "…" + str(path)[-79:]
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")  # the BOM some editors write is fine
    except OSError as error:
        why = f"cannot read ({error.strerror or type(error).__name__})"
        raise PolicyFileError([f"{source}: {shown}: {_UNREADABLE.get(type(error), why)}"]) from None
    except UnicodeDecodeError as error:
        why = f"not UTF-8 text (bad byte at offset {error.start})"
        raise PolicyFileError([f"{source}: {shown}: {why}"]) from None
    return parse_policy(text, permitted_channels=permitted_channels, source=source)


def parse_policy(
    text: str, *, permitted_channels: Collection[str], source: str = SOURCE
) -> PolicyFile:
    """Parse and validate the file's text; raise PolicyFileError with one line per problem."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyFileError([f"{source}: not valid TOML: {error}"]) from None
    # A workspace section with problems of its own still exists: naming it is no other problem.
    sections = document.get("workspaces")
    known = (
        [name for name in sections if name != DEFAULT_WORKSPACE]
        if isinstance(sections, dict)
        else []
    )
    context = {"permitted": frozenset(permitted_channels), "workspaces": known}
    try:
        tables = PolicyTables.model_validate(document, context=context)
    except ValidationError as error:
        raise PolicyFileError(_problem_lines(error, document, source)) from None

    defaults = tables.defaults.over(ChannelRules())
    channels = {channel: table.over(defaults) for channel, table in tables.channels.items()}
    workspaces = {
        name: WorkspaceSection(name, **table.model_dump())
        for name, table in tables.workspaces.items()
    }
    used = {channels.get(channel, defaults).braze_workspace for channel in permitted_channels}
    warnings = tuple(
        f'{source}: workspaces.{name}: no channel uses this workspace (set braze_workspace = "'
        f"{name}\" in [defaults] or in a channel's section, or remove the section)"
        for name in workspaces
        if name not in used
    )
    return PolicyFile(defaults, MappingProxyType(channels), MappingProxyType(workspaces), warnings)
