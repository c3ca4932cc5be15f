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

Pure domain: what a workspace is and which REST endpoints it may have; the policy file's
sections are checked in :mod:`bot.domain.policy_file`.
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
