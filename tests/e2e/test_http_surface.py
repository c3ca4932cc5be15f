"""The HTTP endpoint itself: signatures, health, readiness, sizes."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.domain.models import RequestState
from tests.standins.braze import BrazeStandIn
from tests.support import slack_requests as sr
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN, CHANNEL, REQUESTER, SIGNING_SECRET
from tests.support.driver import FORM, SlackDriver
from tests.support.waits import stored


def command_body(text: str = "") -> bytes:
    return sr.form_body(sr.slash_command(text, user_id=REQUESTER, channel_id=CHANNEL))


def test_a_wrong_signature_is_refused_with_401_and_nothing_happens(bot: SlackDriver) -> None:
    response = bot.post(command_body(), secret="not-the-secret")
    assert response.status == 401
    bot.slack.assert_no_call("views.open")


def test_an_unsigned_request_is_refused_with_401(bot: SlackDriver) -> None:
    assert bot.post(command_body(), signed=False).status == 401
    bot.slack.assert_no_call("views.open")


def test_a_stale_timestamp_is_refused_even_with_a_valid_signature(bot: SlackDriver) -> None:
    response = bot.post(command_body(), timestamp=int(time.time()) - 10 * 60)
    assert response.status == 401
    bot.slack.assert_no_call("views.open")


def test_a_tampered_body_does_not_match_its_signature(bot: SlackDriver) -> None:
    body = command_body()
    headers = sr.signature_headers(SIGNING_SECRET, body)
    tampered = body.replace(REQUESTER.encode(), APPROVER.encode())
    response = bot.send(tampered, {**headers, "Content-Type": FORM})
    assert response.status == 401


def test_a_forged_approval_click_is_refused_and_braze_is_not_called(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request = bot.request(CAMPAIGN, "forged_1")
    payload = sr.button_click(APPROVE, request.id, user_id=APPROVER, channel_id=CHANNEL)
    response = bot.post(sr.payload_body(payload), secret="guessed")
    assert response.status == 401
    time.sleep(0.3)
    assert braze.create_calls() == []
    assert stored(bot.store, request.id).state is RequestState.PENDING


def test_healthz_answers_ok(bot: SlackDriver) -> None:
    response = bot.get("/healthz")
    assert (response.status, response.text) == (200, "ok\n")


def test_readyz_answers_ready_when_the_database_is_reachable(bot: SlackDriver) -> None:
    assert bot.get("/readyz").status == 200


def test_an_oversized_body_is_refused_with_413_before_parsing(bot: SlackDriver) -> None:
    response = bot.post(b"payload=" + b"x" * (300 * 1024))
    assert response.status == 413
    bot.slack.assert_no_call("views.open")


def test_unknown_paths_are_404_and_get_on_events_is_405(bot: SlackDriver) -> None:
    assert bot.get("/nope").status == 404
    assert bot.get("/slack/events").status == 405


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_health_readiness_and_metrics_answer_get_and_head_only(bot: SlackDriver, path: str) -> None:
    with httpx.Client(base_url=bot.url, timeout=5) as client:
        got = client.get(path)
        head = client.head(path)
        assert got.status_code == head.status_code == 200
        # HEAD: GET's headers, no body (metrics change between two scrapes: their length too).
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        if path != "/metrics":
            assert head.headers["content-length"] == str(len(got.content))
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            refused = client.request(method, path, content=b"x")
            assert refused.status_code == 405, method
            assert refused.headers["allow"] == "GET, HEAD"


def test_a_request_without_signature_headers_is_401_whatever_its_body(bot: SlackDriver) -> None:
    # Checked before the body: junk, a wrong content type, an ssl_check alike.
    for body, content_type in (
        (b"%%%", FORM),
        (b"ssl_check=1&token=x", FORM),
        (b"{}", "text/plain"),
        (b"payload=[]", FORM),
    ):
        assert bot.post(body, content_type=content_type, signed=False).status == 401, body
    bot.slack.assert_no_call("views.open")


def test_a_signature_header_of_the_wrong_shape_is_401(bot: SlackDriver) -> None:
    body = command_body()
    good = sr.signature_headers(SIGNING_SECRET, body)
    for signature in (
        good["X-Slack-Signature"] + "0",
        good["X-Slack-Signature"][:-1],
        "v0=" + "g" * 64,
        "V0=" + "a" * 64,
        "v0=" + "a" * 1000,
    ):
        headers = {**good, "X-Slack-Signature": signature, "Content-Type": FORM}
        assert bot.send(body, headers).status == 401, signature
