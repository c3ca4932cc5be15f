"""manifest.yml: valid for Slack, exactly the scopes the code needs, and our command."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml
from slack_sdk import WebClient

from bot.domain.models import RequestState, SendIdRequest
from bot.domain.workflow_steps import CREATE_SEND_ID
from bot.slack.listeners.commands import ANYWHERE, COMMAND, IN_PERMITTED_CHANNELS
from bot.slack.views.steps import step_outputs
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
    # Finishing a Workflow Builder step: "Bot tokens: No scope required" (Slack's method pages).
    "functions_completeSuccess": None,
    "functions_completeError": None,
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
        if "app.function(" in path.read_text():
            listened.add("function_executed")  # what a custom step's listener receives
    assert listened, "the scan found no event listeners: the pattern is broken"
    events = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert events == listened
    assert manifest()["features"]["app_home"]["home_tab_enabled"] is True


def test_the_commands_usage_hint_names_every_sub_command() -> None:
    (command,) = [c for c in manifest()["features"]["slash_commands"] if c["command"] == COMMAND]
    hint = command["usage_hint"]
    assert {word for word in (*ANYWHERE, *IN_PERMITTED_CHANNELS) if word not in hint} == set()


def test_the_manifest_declares_the_workflow_step_the_code_registers() -> None:
    data = manifest()
    step = data["functions"][CREATE_SEND_ID]
    assert step["title"] == "Create a Braze send ID" and step["description"]
    inputs, outputs = step["input_parameters"], step["output_parameters"]
    assert {name: p["type"] for name, p in inputs.items()} == {
        "campaign_id": "string",
        "send_id": "string",
        "purpose": "string",
        "channel_id": "slack#/types/channel_id",
        "requester_id": "slack#/types/user_id",
    }
    required = {name for name, p in inputs.items() if p.get("is_required")}
    assert required == {"campaign_id", "channel_id", "requester_id"}
    assert {name: p["type"] for name, p in outputs.items()} == {
        "send_id": "string",
        "campaign_id": "string",
        "approver_id": "slack#/types/user_id",
        "request_link": "string",
    }
    # What Slack requires of an app with custom steps (its custom-steps guide).
    assert data["settings"]["org_deploy_enabled"] is True
    assert data["settings"]["function_runtime"] == "remote"
    # Outputs the step completes with are exactly the declared ones (the view decides them).
    shown = set(step_outputs(_created(), "https://x.slack.com/archives/C1/p1"))
    assert shown == set(outputs)
    assert {n for n, p in outputs.items() if p.get("is_required")} <= shown - {"request_link"}


def _created() -> SendIdRequest:
    now = datetime.now(UTC)
    return SendIdRequest(
        id="r1",
        channel_id="C1",
        workspace="default",
        requester_id="U1",
        campaign_id="c1",
        send_id=None,
        campaign_name=None,
        state=RequestState.CREATED,
        created_at=now,
        updated_at=now,
        expires_at=now,
        decided_by="U2",
        created_send_id="s1",
    )
