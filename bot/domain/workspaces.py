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
