"""Slack-shaped request bodies and their signatures, as Slack sends them to `POST /slack/events`."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from tests.standins.slack import APP_ID, TEAM_DOMAIN, TEAM_ID

_triggers = itertools.count(1)


def signature_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 over "v0:<timestamp>:<body>" with the signing secret."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def trigger_id() -> str:
    return f"{next(_triggers)}.{int(time.time())}.trigger"


def slash_command(
    text: str = "", *, user_id: str, channel_id: str, channel_name: str = "campaigns"
) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": "/sendid",
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": "http://127.0.0.1:9/commands/response",
        "trigger_id": trigger_id(),
    }


def form_body(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()


def payload_body(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def view_submission(
    view: dict[str, Any], values: Mapping[str, str | None], *, user_id: str
) -> dict[str, Any]:
    """Submit `view` (as the bot opened it) with the given block_id → typed value."""
    state = {
        block_id: {"value": {"type": "plain_text_input", "value": value}}
        for block_id, value in values.items()
    }
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": trigger_id(),
        "view": {
            # Slack gives every opened view its own ID; a replay repeats the same body.
            "id": view.get("id") or f"V{next(_triggers):010d}",
            "team_id": TEAM_ID,
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view.get("private_metadata", ""),
            "blocks": view.get("blocks", []),
            "state": {"values": state},
            "hash": "1700000000.abcdef",
            "app_id": APP_ID,
            "bot_id": "B0BOT",
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }


def button_click(
    action_id: str, value: str, *, user_id: str, channel_id: str, message_ts: str = "1.1"
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id(),
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "channel": {"id": channel_id, "name": "campaigns"},
        "message": {"type": "message", "ts": message_ts, "text": "card"},
        "response_url": "http://127.0.0.1:9/actions/response",
        "actions": [
            {
                "action_id": action_id,
                "block_id": f"decide:{value}",
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
        "is_enterprise_install": False,
    }


def overflow_choice(
    action_id: str, value: str, *, user_id: str, channel_id: str, message_ts: str = "1.1"
) -> dict[str, Any]:
    """An option picked from an overflow menu ("⋯") on a message: the option's value."""
    payload = button_click(
        action_id, value, user_id=user_id, channel_id=channel_id, message_ts=message_ts
    )
    (action,) = payload["actions"]
    del action["value"]
    action["type"] = "overflow"
    action["selected_option"] = {"text": {"type": "plain_text", "text": "…"}, "value": value}
    return payload


def app_home_opened(user_id: str, tab: str = "home") -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D0HOME",
            "tab": tab,
            "event_ts": f"{time.time():.6f}",
        },
        "type": "event_callback",
        "event_id": f"Ev{next(_triggers):08d}",
        "event_time": int(time.time()),
    }


def home_click(action_id: str, value: str, *, user_id: str) -> dict[str, Any]:
    """A button clicked in the App Home tab: no channel, the container is the home view."""
    payload = button_click(action_id, value, user_id=user_id, channel_id="C0IGNORED")
    del payload["channel"]
    del payload["message"]
    payload["container"] = {"type": "view", "view_id": "V0HOME"}
    payload["view"] = {"id": "V0HOME", "type": "home", "blocks": [], "state": {"values": {}}}
    return payload


def in_enterprise(payload: dict[str, Any], enterprise_id: str | None) -> dict[str, Any]:
    """`payload` as Slack sends it from a workspace of the Enterprise Grid org `enterprise_id`
    (None: unchanged): a command's `enterprise_id` field, an event's, or an interaction's
    `enterprise` and `team.enterprise_id`."""
    if enterprise_id is None:
        return payload
    if "command" in payload or payload.get("type") == "event_callback":
        payload["enterprise_id"] = enterprise_id
        return payload
    payload["enterprise"] = {"id": enterprise_id, "name": "Send ID Test Org"}
    if isinstance(payload.get("team"), dict):
        payload["team"] = {**payload["team"], "enterprise_id": enterprise_id}
    return payload


def function_executed(
    inputs: dict[str, Any],
    *,
    execution_id: str,
    bot_access_token: str,
    callback_id: str = "create_send_id",
    workflow_execution_id: str = "Wx0TEST",
) -> dict[str, Any]:
    """Slack's `function_executed` event for a step of a workflow (as its reference page shows
    it): the function, its inputs, the execution IDs and the step's function-scoped token."""
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": {
            "type": "function_executed",
            "function": {
                "id": "Fn0TEST",
                "callback_id": callback_id,
                "title": "Create a Braze send ID",
                "description": "Asks an approver, then creates a Braze send ID",
                "type": "app",
                "input_parameters": [],
                "output_parameters": [],
                "app_id": APP_ID,
                "date_created": 1_700_000_000,
                "date_updated": 1_700_000_000,
                "date_deleted": 0,
            },
            "inputs": inputs,
            "function_execution_id": execution_id,
            "workflow_execution_id": workflow_execution_id,
            "event_ts": f"{time.time():.6f}",
            "bot_access_token": bot_access_token,
        },
        "type": "event_callback",
        "event_id": f"Ev{next(_triggers):08d}",
        "event_time": int(time.time()),
    }


def function_scoped(
    payload: dict[str, Any], *, execution_id: str, bot_access_token: str
) -> dict[str, Any]:
    """`payload` (a click) on a message posted with a step's token: Slack adds the step's
    execution (`function_data`) and its token ("function-scoped interactivity")."""
    payload["function_data"] = {
        "execution_id": execution_id,
        "function": {"callback_id": "create_send_id"},
        "inputs": {},
    }
    payload["bot_access_token"] = bot_access_token
    return payload
