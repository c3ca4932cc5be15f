"""The HTTP endpoint itself: signatures, health, readiness, sizes."""

from __future__ import annotations

import time

from tests import slack_requests as sr
from tests.conftest import CAMPAIGN, CHANNEL, REQUESTER, BotHarness


def command_body(text: str = "") -> bytes:
    return sr.form_body(sr.slash_command(text, user_id=REQUESTER, channel_id=CHANNEL))


def test_a_wrong_signature_is_refused_with_401_and_nothing_happens(bot: BotHarness) -> None:
    response = bot.post_events(command_body(), secret="not-the-secret")
    assert response.status_code == 401
    bot.slack.assert_no_call("views.open")


def test_an_unsigned_request_is_refused_with_401(bot: BotHarness) -> None:
    assert bot.post_events(command_body(), signed=False).status_code == 401
    bot.slack.assert_no_call("views.open")


def test_a_stale_timestamp_is_refused_even_with_a_valid_signature(bot: BotHarness) -> None:
    response = bot.post_events(command_body(), timestamp=int(time.time()) - 10 * 60)
    assert response.status_code == 401
    bot.slack.assert_no_call("views.open")


def test_a_tampered_body_does_not_match_its_signature(bot: BotHarness) -> None:
    body = command_body()
    headers = sr.signature_headers("test-signing-secret-0123456789abcdef", body)
    tampered = body.replace(b"U0MARKETER", b"U0APPROVER")
    response = bot.http.post(
        "/slack/events",
        content=tampered,
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401


def test_a_forged_approval_click_is_refused_and_braze_is_not_called(bot: BotHarness) -> None:
    request = bot.request(CAMPAIGN, "forged_1")
    payload = sr.button_click(
        "sendid_approve", request.id, user_id="U0APPROVER", channel_id=CHANNEL
    )
    response = bot.post_events(sr.payload_body(payload), secret="guessed")
    assert response.status_code == 401
    time.sleep(0.3)
    assert bot.braze.create_calls() == []
    assert bot.store.get(request.id).state.value == "pending"


def test_healthz_answers_ok(bot: BotHarness) -> None:
    response = bot.http.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok\n")


def test_readyz_answers_ready_when_the_database_is_reachable(bot: BotHarness) -> None:
    assert bot.http.get("/readyz").status_code == 200


def test_an_oversized_body_is_refused_with_413_before_parsing(bot: BotHarness) -> None:
    response = bot.post_events(b"payload=" + b"x" * (300 * 1024))
    assert response.status_code == 413
    bot.slack.assert_no_call("views.open")


def test_unknown_paths_are_404_and_get_on_events_is_405(bot: BotHarness) -> None:
    assert bot.http.get("/nope").status_code == 404
    assert bot.http.get("/slack/events").status_code == 405
