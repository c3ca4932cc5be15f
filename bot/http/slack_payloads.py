"""The shape of the Slack requests this bot handles, checked before Bolt sees them.

Bolt's WSGI adapter parses the body before it checks the signature, and its parsers, context
extractors and listener matchers index into the payload without checking types. A `payload` that
is not a JSON object, an empty `actions` list, a `view` that is a string, a body that is not
UTF-8 … each raised inside Bolt and became a 500 with a traceback, for anyone, signed or not.
Bolt also decides "form or interactive payload" by looking for the *substring* ``payload``
anywhere in a form body, so a slash command typed in a channel named ``#payload-team`` (or with
``payload`` in its text) reached no listener at all (`slack_bolt.request.internals.parse_body`;
worth reporting at github.com/slackapi/bolt-python/issues; tests/reliability/test_abuse.py
fails if Bolt parses our bodies again).

:func:`parse` reads the body by field name; :func:`check_shape` checks the shape of the fields
that Bolt and the listeners read. Only the request types this bot handles pass: slash
commands, ``block_actions``, ``view_submission``/``view_closed``, Events API callbacks,
``url_verification`` and ``ssl_check``; a listener for another type needs its shape added here.
"""

from __future__ import annotations

import json
from typing import Any, Final
from urllib.parse import parse_qsl

# Deeper than any Slack payload this bot reads.
_MAX_DEPTH: Final = 8

# Fields Bolt reads as "a string, or an object whose `id` is a string".
_ID_HOLDERS: Final = ("user", "team", "enterprise", "channel")
# Fields Bolt reads as objects, following some of them (the nested ones are checked in turn).
_OBJECTS: Final = ("view", "container", "state", "function_data")
_NESTED: Final = ("event", "message", "previous_message", "item", "assistant_thread")
# Fields Bolt or the listeners use as strings.
_STRINGS: Final = (
    "type",
    "user_id",
    "channel_id",
    "team_id",
    "enterprise_id",
    "thread_ts",
    "response_url",
    "trigger_id",
    "function_execution_id",
    "bot_access_token",
    "command",
    "text",
    "channel_name",
)
_PAYLOAD_TYPES: Final = frozenset(
    {"block_actions", "view_submission", "view_closed", "url_verification", "event_callback"}
)


class Malformed(ValueError):
    """The request is not a well-formed Slack request of a kind this bot handles."""


def parse(body: str, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt would see it, decided by field name (not by substring). A NUL
    character anywhere is refused: PostgreSQL text cannot hold it, and no Slack field needs it."""
    if not body:
        return {}
    json_text: str | None = body
    if not (content_type == "application/json" or body.startswith("{")):
        fields = dict(parse_qsl(body, keep_blank_values=True))
        if any("\x00" in name or "\x00" in value for name, value in fields.items()):
            raise Malformed("NUL character")
        json_text = fields.get("payload")
    parsed: Any = fields if json_text is None else json.loads(json_text)
    if not isinstance(parsed, dict):
        raise Malformed("the body is not an object")
    # In JSON a NUL can only be written as an escape (json.loads refuses a raw one): the
    # search through every string is needed only if that escape is there.
    if json_text is not None and "\\u0000" in json_text and _has_nul(parsed):
        raise Malformed("NUL character")
    return parsed


def _string(value: Any, where: str) -> None:
    if value is not None and not isinstance(value, str):
        raise Malformed(f"{where} is not a string")


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(f"{where} is not an object")
    return value


def _check_fields(data: dict[str, Any], where: str, depth: int = 0) -> None:
    """The fields Bolt's context extractors read, wherever they recurse."""
    if depth > _MAX_DEPTH:
        raise Malformed(f"{where} is nested too deeply")
    for name in _STRINGS:
        _string(data.get(name), f"{where}.{name}")
    for name in _ID_HOLDERS:
        value = data.get(name)
        if isinstance(value, dict):
            _string(value.get("id"), f"{where}.{name}.id")
            _string(value.get("team_id"), f"{where}.{name}.team_id")
            _string(value.get("enterprise_id"), f"{where}.{name}.enterprise_id")
        else:
            _string(value, f"{where}.{name}")
    # Present means an object, null included: Bolt reads some as `body.get("event", {})`.
    for name in _OBJECTS:
        if name in data:
            _object(data[name], f"{where}.{name}")
    for name in _NESTED:
        if name in data:
            _check_fields(_object(data[name], f"{where}.{name}"), f"{where}.{name}", depth + 1)
    for name in ("authorizations", "response_urls"):
        if name not in data or (name == "authorizations" and data[name] is None):
            continue  # Bolt reads `response_urls` whenever the key is there, even when null
        items = data[name]
        if not isinstance(items, list):
            raise Malformed(f"{where}.{name} is not a list")
        for index, item in enumerate(items):
            _check_fields(_object(item, f"{where}.{name}[{index}]"), f"{where}.{name}", depth + 1)
    view = data.get("view")
    if isinstance(view, dict):
        for name in ("app_installed_team_id", "team_id", "callback_id", "type", "private_metadata"):
            _string(view.get(name), f"{where}.view.{name}")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _check_user(body: dict[str, Any]) -> None:
    user = _object(body.get("user"), "user")
    if not isinstance(user.get("id"), str) or not user["id"]:
        raise Malformed("user.id is not a user ID")


def _check_view(view: Any) -> None:
    view = _object(view, "view")
    for name in ("callback_id", "type"):
        if not isinstance(view.get(name), str):
            raise Malformed(f"view.{name} is not a string")
    state = view.get("state")
    if state is None:
        return
    values = _object(state, "view.state").get("values")
    if values is None:
        return
    for block_id, block in _object(values, "view.state.values").items():
        for action_id, element in _object(block, f"view.state.values.{block_id}").items():
            _object(element, f"view.state.values.{block_id}.{action_id}")


def check_shape(body: dict[str, Any]) -> None:
    """Raise Malformed unless `body` has the shape of a request this bot handles (NUL
    characters are :func:`parse`'s business)."""
    _check_fields(body, "body")
    kind = body.get("type")
    if kind is None:
        if "ssl_check" in body:
            return
        if "command" not in body:
            raise Malformed("neither a slash command nor an interactive payload")
        for name in ("command", "user_id", "channel_id", "trigger_id"):
            if not isinstance(body.get(name), str) or not body[name]:
                raise Malformed(f"slash command without {name}")
        return
    if kind not in _PAYLOAD_TYPES:
        raise Malformed(f"unhandled payload type {kind[:40]!r}")
    if kind == "url_verification":
        if not isinstance(body.get("challenge"), str):
            raise Malformed("url_verification without a challenge")
        return
    if kind == "event_callback":
        if not isinstance(_object(body.get("event"), "event").get("type"), str):
            raise Malformed("event without a type")
        return
    _check_user(body)
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            raise Malformed("block_actions without actions")
        for action in actions:
            action = _object(action, "actions[]")
            if not isinstance(action.get("action_id"), str):
                raise Malformed("an action without action_id")
            for name in ("block_id", "value"):
                _string(action.get(name), f"actions[].{name}")
        if not isinstance(body.get("trigger_id"), str) or not body["trigger_id"]:
            raise Malformed("block_actions without trigger_id")
        return
    _check_view(body.get("view"))
