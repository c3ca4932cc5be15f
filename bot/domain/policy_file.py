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

import math
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.domain import problems
from bot.domain.errors import ConfigurationError
from bot.domain.notify import DEFAULT_NOTIFY, parse_notify
from bot.domain.policy import CHANNEL_ID, USER_ID, USERGROUP_ID, ApproverSet
from bot.domain.policy_lines import (
    Report,
    show,
    show_list,
    show_path,
    toml_key,
    type_name,
    unknown_key_message,
)
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
    parse_workspace_choice,
    parse_workspaces,
    unused_workspaces,
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

TOP_LEVEL_KEYS = ("defaults", "channels", "workspaces")
RULE_KEYS = (
    "approvers",
    "campaigns",
    "send_id_pattern",
    "send_id_example",
    "ttl_hours",
    "braze_workspace",
    "notify",
)

_Fields = dict[str, Any]  # ChannelRules fields a table sets; None: explicitly "no restriction"


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


# ---- reading and validating -------------------------------------------------------------------


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

    lines: list[str] = []

    def report(where: str, message: str) -> None:
        lines.append(f"{source}: {where}: {message}")

    for name in document:
        if name not in TOP_LEVEL_KEYS:
            report(toml_key(name), unknown_key_message(name, TOP_LEVEL_KEYS))

    workspace_sections = document.get("workspaces", {})
    workspaces = parse_workspaces(workspace_sections, report)
    # A section whose own lines were reported still exists: naming it is not another problem.
    defined = set(workspace_sections) if isinstance(workspace_sections, dict) else set()

    defaults = ChannelRules()
    if "defaults" in document:
        overrides = _parse_rules(document["defaults"], "defaults", report, defined)
        defaults = ChannelRules(**overrides)

    permitted = frozenset(permitted_channels)
    channels: dict[str, ChannelRules] = {}
    sections = document.get("channels", {})
    if not isinstance(sections, dict):
        report(
            "channels",
            "must be a table of channel sections such as [channels.C0123ABCD], "
            f"not {type_name(sections)}",
        )
        sections = {}
    for channel_id, table in sections.items():
        where = f"channels.{toml_key(channel_id)}"
        if not CHANNEL_ID.match(channel_id):
            report(where, _bad_channel_message(channel_id))
        elif channel_id not in permitted:
            report(
                where,
                "not in SENDID_ALLOWED_CHANNELS (add the channel there, or remove this section)",
            )
        overrides = _parse_rules(table, where, report, defined)
        channels[channel_id] = replace(defaults, **overrides)

    if lines:
        raise PolicyFileError(lines)
    policy = PolicyFile(
        defaults=defaults,
        channels=MappingProxyType(channels),
        workspaces=MappingProxyType(workspaces),
    )
    used = {policy.workspace_for(channel) for channel in permitted}
    warnings = tuple(
        f"{source}: {where}: {text}" for where, text in unused_workspaces(workspaces, used)
    )
    return replace(policy, warnings=warnings)


def _parse_rules(table: object, where: str, report: Report, workspaces: Collection[str]) -> _Fields:
    """The ChannelRules fields this table sets, valid ones only (problems go to `report`)."""
    if not isinstance(table, dict):
        report(where, f"must be a table of settings, not {type_name(table)}")
        return {}
    for name in table:
        if name not in RULE_KEYS:
            report(f"{where}.{toml_key(name)}", unknown_key_message(name, RULE_KEYS))
    found: _Fields = {}
    if "approvers" in table:
        found.update(_parse_approvers(table["approvers"], f"{where}.approvers", report))
    if "campaigns" in table:
        found.update(_parse_campaigns(table["campaigns"], f"{where}.campaigns", report))
    if "ttl_hours" in table:
        found.update(_parse_ttl(table["ttl_hours"], f"{where}.ttl_hours", report))
    found.update(_parse_pattern_and_example(table, where, report))
    if "braze_workspace" in table:
        at = f"{where}.braze_workspace"
        if name := parse_workspace_choice(table["braze_workspace"], at, report, workspaces):
            found["braze_workspace"] = name
    if "notify" in table and (how := parse_notify(table["notify"], f"{where}.notify", report)):
        found["notify"] = how
    return found


def _parse_approvers(value: object, where: str, report: Report) -> _Fields:
    if not isinstance(value, list):
        report(
            where,
            'must be a list of user IDs (U…/W…) and user group IDs (S…) such as ["U0123ABCD"], '
            f"not {type_name(value)}",
        )
        return {}
    if not value:
        report(where, "must not be empty (omit the key to use the defaults)")
        return {}
    ids = [item.strip() for item in value if isinstance(item, str)]
    bad = [item for item in value if not _is_approver_id(item)]
    if bad:
        report(where, f"not user IDs (U…/W…) or user group IDs (S…): {show_list(bad)}")
        return {}
    return {"approvers": tuple(dict.fromkeys(ids))}


def _is_approver_id(item: object) -> bool:
    if not isinstance(item, str):
        return False
    return bool(USER_ID.match(item.strip()) or USERGROUP_ID.match(item.strip()))


def _parse_campaigns(value: object, where: str, report: Report) -> _Fields:
    if value == ANY_CAMPAIGN:
        return {"campaigns": None}
    if not isinstance(value, list):
        report(
            where,
            f'must be a list of campaign IDs, or "{ANY_CAMPAIGN}" for every campaign, '
            f"not {show(value)}",
        )
        return {}
    if not value:
        report(
            where,
            f'must not be empty (write "{ANY_CAMPAIGN}" to allow every campaign, '
            "or omit the key to use the defaults)",
        )
        return {}
    ids = [normalise_campaign_id(item) for item in value if isinstance(item, str)]
    bad = [
        item
        for item in value
        if not (isinstance(item, str) and CAMPAIGN_ID.fullmatch(normalise_campaign_id(item)))
    ]
    if bad:
        report(where, f"not campaign IDs (UUIDs, 8-4-4-4-12 hex digits): {show_list(bad)}")
        return {}
    return {"campaigns": frozenset(ids)}


def _parse_ttl(value: object, where: str, report: Report) -> _Fields:
    if isinstance(value, bool) or not isinstance(value, int | float):
        report(where, f"must be a number of hours, not {type_name(value)}")
        return {}
    if not (math.isfinite(value) and 0 < value <= MAX_TTL_HOURS):
        report(where, f"must be more than 0 and at most {MAX_TTL_HOURS} (30 days), not {value:g}")
        return {}
    return {"ttl": timedelta(hours=value)}


def _parse_pattern_and_example(table: dict[str, Any], where: str, report: Report) -> _Fields:
    has_pattern, has_example = "send_id_pattern" in table, "send_id_example" in table
    if not has_pattern and not has_example:
        return {}
    raw_pattern, example = table.get("send_id_pattern"), table.get("send_id_example")

    if not has_pattern:
        report(
            f"{where}.send_id_example",
            "given without send_id_pattern (set both in the same table)",
        )
        return {}
    if not isinstance(raw_pattern, str):
        report(
            f"{where}.send_id_pattern",
            f"must be a regular expression in a string, not {type_name(raw_pattern)}",
        )
        return {}
    if raw_pattern == NO_PATTERN:
        if has_example:
            report(
                f"{where}.send_id_example",
                'not allowed with send_id_pattern = "" (no naming rule, nothing to exemplify)',
            )
            return {}
        return {"send_id_pattern": None, "send_id_example": None}

    pattern: re.Pattern[str] | None
    try:
        pattern = re.compile(raw_pattern)
    except re.error as error:
        report(f"{where}.send_id_pattern", f"not a valid regular expression ({error})")
        pattern = None

    if not has_example:
        report(
            f"{where}.send_id_example",
            "missing (required with send_id_pattern: the request form shows it to users)",
        )
        return {}
    if not isinstance(example, str):
        report(f"{where}.send_id_example", f"must be a string, not {type_name(example)}")
        return {}
    if not example:
        report(f"{where}.send_id_example", "must not be empty")
        return {}
    if (problem := send_id_problem(example)) is not None:
        report(
            f"{where}.send_id_example",
            f"{show(example)} is not a valid send ID ({_SEND_ID_RULE[problem.code]})",
        )
        return {}
    if pattern is None:
        return {}
    if pattern.fullmatch(example) is None:
        report(f"{where}.send_id_example", f"{show(example)} does not match send_id_pattern")
        return {}
    return {"send_id_pattern": pattern, "send_id_example": example}


_SEND_ID_RULE = {
    problems.SEND_ID_TOO_LONG: f"at most {SEND_ID_MAX} characters",
    problems.SEND_ID_CHARACTERS: "printable ASCII characters only, no spaces",
}


def _bad_channel_message(channel_id: str) -> str:
    if CHANNEL_ID.match(channel_id.upper()):
        return f"not a channel ID (channel IDs are upper case: {toml_key(channel_id.upper())})"
    return (
        "not a channel ID (C… or G…, from the channel's details; channels are matched by ID, "
        "not by name, and direct messages are never permitted)"
    )
