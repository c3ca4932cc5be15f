"""manifest.yml: valid for Slack, exactly the scopes the code needs, and our command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml
from slack_sdk import WebClient

from bot.slack.listeners.commands import ANYWHERE, COMMAND, IN_PERMITTED_CHANNELS
from tests.support.prerequisites import skip_unless_required

ROOT = Path(__file__).resolve().parents[1]
VALIDATOR = ROOT.parent / "shared" / "slack-manifest-schema" / "validate.py"

# Bot-token scopes each Web API method needs (from each method's page in Slack's reference).
# None: the method needs no scope (views.* work off a trigger_id; auth.test any token). The
# conversations.* methods need the scope of the channel's kind: channels:read for public
# channels, groups:read for private ones (the bot asks about both kinds).
METHOD_SCOPES: dict[str, str | tuple[str, ...] | None] = {
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_getPermalink": None,  # "No scope required" (Slack's method page)
    "views_open": None,
    "views_publish": None,
    "views_update": None,
    "usergroups_users_list": "usergroups:read",
    "usergroups_list": "usergroups:read",
    "users_info": "users:read",
    "conversations_info": ("channels:read", "groups:read"),
    "conversations_members": ("channels:read", "groups:read"),
    "auth_test": None,
    "bots_info": "users:read",  # the app ID of the bot user (start-up: whose requests to take)
}


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def web_api_methods_called_by_the_code() -> set[str]:
    called = set()
    for path in (ROOT / "bot").rglob("*.py"):
        text = path.read_text()
        called |= set(re.findall(r"client\.([a-z]+_[A-Za-z_]+)\(", text))
    # Web API methods only: a Socket Mode client's own (is_connected, …) need no scope.
    return {method for method in called if hasattr(WebClient, method)}


def test_the_manifest_is_valid_against_slacks_official_schema() -> None:
    # The schema lives beside the repository (../shared), which CI has and a fresh clone does
    # not: skip visibly there, and never in CI (.ci/run sets SENDID_REQUIRE_SHARED=1).
    if not VALIDATOR.is_file():
        skip_unless_required(
            f"Slack's manifest schema validator is not at {VALIDATOR} (../shared is absent)",
            "SENDID_REQUIRE_SHARED",
        )
    result = subprocess.run(
        [sys.executable, str(VALIDATOR), str(ROOT / "manifest.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_web_api_method_the_code_calls_is_covered_by_the_manifests_scopes() -> None:
    called = web_api_methods_called_by_the_code()
    assert called, "the scan found no Web API calls: the pattern is broken"
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add these methods and their scopes to METHOD_SCOPES: {unknown}"
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    needed = scopes_needed(called)
    assert needed <= scopes, f"missing scopes: {needed - scopes}"


def scopes_needed(methods: set[str]) -> set[str]:
    needed: set[str] = set()
    for method in methods:
        scope = METHOD_SCOPES[method]
        needed |= {scope} if isinstance(scope, str) else set(scope or ())
    return needed


def test_the_manifest_asks_for_no_scope_the_code_does_not_need() -> None:
    called = web_api_methods_called_by_the_code()
    needed = scopes_needed(called) | {"commands"}  # commands: the slash command
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed


def test_the_manifests_slash_command_is_the_one_the_code_registers() -> None:
    commands = [c["command"] for c in manifest()["features"]["slash_commands"]]
    assert commands == [COMMAND]


def test_interactivity_is_on_because_buttons_and_modals_need_it() -> None:
    assert manifest()["settings"]["interactivity"]["is_enabled"] is True


def test_the_manifest_subscribes_to_exactly_the_events_the_code_listens_to() -> None:
    listened = set()
    for path in (ROOT / "bot").rglob("*.py"):
        listened |= set(re.findall(r'app\.event\("([a-z_]+)"\)', path.read_text()))
    assert listened, "the scan found no event listeners: the pattern is broken"
    events = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert events == listened
    assert manifest()["features"]["app_home"]["home_tab_enabled"] is True


def test_the_commands_usage_hint_names_every_sub_command() -> None:
    (command,) = [c for c in manifest()["features"]["slash_commands"] if c["command"] == COMMAND]
    hint = command["usage_hint"]
    assert {word for word in (*ANYWHERE, *IN_PERMITTED_CHANNELS) if word not in hint} == set()
