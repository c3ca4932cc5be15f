"""Braze workspaces: where (REST endpoint, API key) a channel's campaigns live.

``default`` is the workspace of ``BRAZE_API_KEY`` and ``BRAZE_REST_ENDPOINT``. The policy file
names any others, and a channel (or ``[defaults]``) picks one::

    [workspaces.eu]
    rest_endpoint = "https://rest.fra-01.braze.eu"
    api_key_env = "BRAZE_API_KEY_EU"     # the NAME of the variable that holds the key

    [channels.C0123456789]
    braze_workspace = "eu"

The file never holds a key: whoever starts the bot reads the variables it names
(:mod:`bot.configuration`). Each workspace has its own daily quota, its own duplicate-pair rule
and its own metrics, and a request keeps the workspace it was made in for good, so a later change
of the file never sends its approval or retry to another workspace.

Pure domain: parsing and checking the file's workspace sections; problems go to a ``report``
callback, one line each (see :mod:`bot.domain.policy_file`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from bot.domain.policy_lines import Report, did_you_mean, show, toml_key, type_name

DEFAULT_WORKSPACE: Final = "default"
# Names show in metrics labels, log fields and Slack messages: short, and bare TOML keys.
WORKSPACE_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")
# What an environment variable's name may be (POSIX: letters, digits, underscores).
VARIABLE_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
WORKSPACE_KEYS: Final = ("rest_endpoint", "api_key_env")


@dataclass(frozen=True)
class WorkspaceSection:
    """One ``[workspaces.<name>]`` of the policy file: where the workspace is, and which
    environment variable holds its key (the key itself is never in the file)."""

    name: str
    rest_endpoint: str  # a Braze REST base URL, without a trailing slash
    api_key_env: str


# ---- Braze REST endpoints ------------------------------------------------------------------------


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is this machine (``localhost`` or a loopback address)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def rest_endpoint_problem(url: str) -> str | None:
    """Why ``url`` cannot be a Braze REST endpoint (None: it can). HTTPS only, except on
    loopback (tests, a local proxy): the key travels in every request's header."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be a URL such as https://rest.iad-01.braze.com"
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        return "must use https (plain http is allowed only for loopback)"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "must be the instance's base URL, without a path"
    return None


def normalise_rest_endpoint(url: str) -> str:
    return url.strip().rstrip("/")


# ---- the policy file's sections ------------------------------------------------------------------


def parse_workspaces(value: object, report: Report) -> dict[str, WorkspaceSection]:
    """The valid ``[workspaces.<name>]`` sections (problems go to ``report``)."""
    if not isinstance(value, dict):
        report(
            "workspaces",
            "must be a table of workspace sections such as [workspaces.eu], "
            f"not {type_name(value)}",
        )
        return {}
    found: dict[str, WorkspaceSection] = {}
    for name, table in value.items():
        where = f"workspaces.{toml_key(name)}"
        if name == DEFAULT_WORKSPACE:
            report(
                where,
                f'"{DEFAULT_WORKSPACE}" is the workspace of BRAZE_API_KEY and '
                "BRAZE_REST_ENDPOINT and cannot be redefined; give this one another name",
            )
            continue
        if not WORKSPACE_NAME.fullmatch(name):
            report(where, "not a workspace name (1-32 letters, digits, - or _)")
            continue
        section = _parse_section(name, table, where, report)
        if section is not None:
            found[name] = section
    return found


def _parse_section(name: str, table: object, where: str, report: Report) -> WorkspaceSection | None:
    if not isinstance(table, dict):
        report(where, f"must be a table with rest_endpoint and api_key_env, not {type_name(table)}")
        return None
    for key in table:
        if key not in WORKSPACE_KEYS:
            hint = did_you_mean(key, WORKSPACE_KEYS)
            report(
                f"{where}.{toml_key(key)}",
                f"unknown key ({hint}known: {', '.join(WORKSPACE_KEYS)})",
            )
    endpoint = _parse_endpoint(table.get("rest_endpoint"), f"{where}.rest_endpoint", report)
    variable = _parse_variable(table.get("api_key_env"), f"{where}.api_key_env", report)
    if endpoint is None or variable is None:
        return None
    return WorkspaceSection(name=name, rest_endpoint=endpoint, api_key_env=variable)


def _parse_endpoint(value: object, where: str, report: Report) -> str | None:
    if value is None:
        report(where, 'missing (required, e.g. rest_endpoint = "https://rest.fra-01.braze.eu")')
        return None
    if not isinstance(value, str):
        report(where, f"must be a URL in a string, not {type_name(value)}")
        return None
    problem = rest_endpoint_problem(value)
    if problem is not None:
        report(where, f"{show(value)} {problem}")
        return None
    return normalise_rest_endpoint(value)


def _parse_variable(value: object, where: str, report: Report) -> str | None:
    if value is None:
        report(
            where,
            "missing (required: the name of the environment variable that holds the "
            'workspace\'s API key, e.g. api_key_env = "BRAZE_API_KEY_EU")',
        )
        return None
    if not isinstance(value, str):
        report(where, f"must be a variable name in a string, not {type_name(value)}")
        return None
    if not VARIABLE_NAME.fullmatch(value):
        # Most likely the key itself was pasted here: never echo it.
        report(
            where,
            "must be the NAME of an environment variable (letters, digits and _), such as "
            "BRAZE_API_KEY_EU, never the key itself",
        )
        return None
    return value


def parse_workspace_choice(
    value: object, where: str, report: Report, known: Collection[str]
) -> str | None:
    """A ``braze_workspace`` value: "default" or the name of one of the ``known`` sections."""
    if not isinstance(value, str):
        report(where, f'must be a workspace name in a string such as "eu", not {type_name(value)}')
        return None
    if not WORKSPACE_NAME.fullmatch(value):
        report(where, f"{show(value)} is not a workspace name (1-32 letters, digits, - or _)")
        return None
    if value != DEFAULT_WORKSPACE and value not in known:
        names = [DEFAULT_WORKSPACE, *sorted(known)]
        report(
            where,
            f"unknown workspace {show(value)} ({did_you_mean(value, names)}known: "
            f"{', '.join(names)}; add a [workspaces.<name>] section for a new one)",
        )
        return None
    return value


def unused_workspaces(
    sections: Mapping[str, WorkspaceSection], used: Collection[str]
) -> list[tuple[str, str]]:
    """``(where, message)`` for each section no permitted channel uses: a warning, not an
    error (a workspace can be set up before its channels move to it)."""
    return [
        (
            f"workspaces.{name}",
            f'no channel uses this workspace (set braze_workspace = "{name}" in [defaults] or '
            "in a channel's section, or remove the section)",
        )
        for name in sections
        if name not in used
    ]
