"""Braze workspaces: where (REST endpoint, API key) a channel's campaigns live.

``default`` is the workspace of ``BRAZE_API_KEY`` and ``BRAZE_REST_ENDPOINT``; the policy file
(:mod:`bot.domain.policy_file`) names any others in ``[workspaces.<name>]`` sections, each with
its ``rest_endpoint`` and ``api_key_env`` (the NAME of the variable holding its key: the file
never holds a key), and a channel or ``[defaults]`` picks one with ``braze_workspace``. Each
workspace has its own daily quota, duplicate-pair rule and metrics, and a request keeps the
workspace it was made in for good, so a later change of the file never sends its approval or
retry to another workspace.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

DEFAULT_WORKSPACE: Final = "default"
# Names show in metrics labels, log fields and Slack messages: short, and bare TOML keys.
WORKSPACE_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")


@dataclass(frozen=True)
class WorkspaceSection:
    """One ``[workspaces.<name>]`` of the policy file: where the workspace is, and which
    environment variable holds its key (the key itself is never in the file)."""

    name: str
    rest_endpoint: str  # a Braze REST base URL, without a trailing slash
    api_key_env: str


# ---- Braze REST endpoints and keys ---------------------------------------------------------------

# Braze's documented REST hosts, one per instance: the only places a Braze key is ever sent
# (plus loopback, for tests and a local proxy). docs/operations.md maps dashboards to them.
BRAZE_REST_HOSTS: Final = frozenset(
    [f"rest.iad-{n:02d}.braze.com" for n in range(1, 9)]
    + [
        "rest.us-10.braze.com",
        "rest.fra-01.braze.eu",
        "rest.fra-02.braze.eu",
        "rest.au-01.braze.com",
        "rest.id-01.braze.com",
        "rest.jp-01.braze.com",
        "rest.kr-01.braze.com",
    ]
)
# The variables a Braze key may be read from: BRAZE_API_KEY, or BRAZE_API_KEY_<SUFFIX>.
KEY_VARIABLE: Final = re.compile(r"BRAZE_API_KEY(?:_[A-Z0-9][A-Z0-9_]{0,99})?")
DEFAULT_KEY_VARIABLE: Final = "BRAZE_API_KEY"


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
    """Why ``url`` cannot be a Braze REST endpoint (None: it can). One of Braze's documented
    REST hosts over https (default port), or loopback (tests, a local proxy; plain http allowed
    there): the key travels in every request's header, so no other host ever gets it."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be a URL such as https://rest.iad-01.braze.com"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "must be the instance's base URL, without a path"
    if is_loopback(parts.hostname):
        return None
    if parts.scheme == "http":
        return "must use https (plain http is allowed only for loopback)"
    try:
        default_port = parts.port in (None, 443)
    except ValueError:  # not a number
        default_port = False
    braze_host = parts.hostname in BRAZE_REST_HOSTS and parts.username is None
    if not (braze_host and default_port):
        return (
            "is not a Braze REST endpoint (Braze's REST hosts are rest.iad-01 … rest.iad-08"
            ".braze.com, rest.us-10.braze.com, rest.fra-01.braze.eu, rest.fra-02.braze.eu, "
            "rest.au-01.braze.com, rest.id-01.braze.com, rest.jp-01.braze.com and "
            "rest.kr-01.braze.com; the API key is sent to no other host)"
        )
    return None


def key_variable_problem(name: str) -> str | None:
    """Why the variable ``name`` cannot hold a Braze key (None: it can). Only variables named
    for Braze keys: naming any other (a cloud secret, a database password) would send its value
    to Braze in every request's header."""
    if KEY_VARIABLE.fullmatch(name):
        return None
    return (
        f"{name} is not a Braze key variable: name it {DEFAULT_KEY_VARIABLE}_<SUFFIX> (capitals, "
        "digits and _), such as BRAZE_API_KEY_EU; the bot sends a workspace's key to Braze "
        "with every call, so it reads no other variable"
    )


def normalise_rest_endpoint(url: str) -> str:
    return url.strip().rstrip("/")


def same_endpoint(one: str, other: str) -> bool:
    """Whether two valid endpoints name the same place (scheme and host case aside)."""
    return normalise_rest_endpoint(one).lower() == normalise_rest_endpoint(other).lower()
