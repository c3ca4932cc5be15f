"""bot.http.slack_payloads: what reaches Bolt, parsed by field name, in the shapes it reads."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from bot.http.slack_payloads import Malformed, check_shape, parse
from tests.support import slack_requests as sr
from tests.support.constants import APPROVE


def test_a_form_mentioning_payload_is_still_a_form() -> None:
    # Bolt looked for the substring "payload" and parsed such a slash command as {}.
    fields = sr.slash_command("payload", user_id="U1", channel_id="C1", channel_name="payload-x")
    assert parse(urlencode(fields), "application/x-www-form-urlencoded") == fields


def test_an_interactive_payload_is_parsed_from_its_field() -> None:
    payload = sr.button_click(APPROVE, "r1", user_id="U1", channel_id="C1")
    assert parse(urlencode({"payload": json.dumps(payload)}), None) == payload


@pytest.mark.parametrize(
    "body",
    [
        sr.slash_command("", user_id="U1", channel_id="C1"),
        sr.button_click(APPROVE, "r1", user_id="U1", channel_id="C1"),
        sr.view_submission({"callback_id": "x"}, {"campaign_id": None}, user_id="U1"),
        sr.app_home_opened("U1"),
        sr.home_click(APPROVE, "r1", user_id="U1"),
        {"type": "url_verification", "challenge": "abc", "token": "t"},
        {"ssl_check": "1", "token": "t"},
    ],
)
def test_the_shapes_slack_sends_pass(body: dict[str, object]) -> None:
    check_shape(body)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"type": "shortcut", "callback_id": "x"},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [], "trigger_id": "t"},
        {"type": "block_actions", "user": "U1", "actions": [{"action_id": "a"}], "trigger_id": "t"},
        {"type": "view_submission", "user": {"id": "U1"}, "view": {"callback_id": "x"}},
        {"type": "event_callback", "event": None},
        {"command": "/sendid", "user_id": "U1", "channel_id": "C1", "trigger_id": ""},
        {
            "command": "/sendid",
            "user_id": "U1",
            "channel_id": "C1",
            "trigger_id": "t",
            "response_urls": None,
        },
    ],
)
def test_malformed_shapes_are_refused(body: dict[str, object]) -> None:
    with pytest.raises(Malformed):
        check_shape(body)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (urlencode(sr.slash_command("\x00", user_id="U1", channel_id="C1")), None),
        (urlencode({"payload": json.dumps({"type": "block_actions", "x": ["a\x00"]})}), None),
        (urlencode({"payload": '{"type": "view_submission", "k\\u0000": 1}'}), None),
        (json.dumps({"type": "event_callback", "event": {"text": "\x00"}}), "application/json"),
    ],
    # Named: a body's trigger ID holds the time, and xdist's workers must collect the same IDs.
    ids=["slash command", "in a list", "in a key", "json event"],
)
def test_a_nul_character_anywhere_is_refused(body: str, content_type: str | None) -> None:
    with pytest.raises(Malformed):
        parse(body, content_type)


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul_character() -> None:
    payload = {"type": "block_actions", "text": "C:\\u0000"}
    assert parse(urlencode({"payload": json.dumps(payload)}), None) == payload
