"""What approvers see when Braze fails, per SPEC's failure table."""

from __future__ import annotations

import time

import pytest

from bot.domain.models import FailureKind, RequestState
from tests.conftest import (
    APPROVER,
    BRAZE_KEY,
    CAMPAIGN,
    GROUP_APPROVER,
    BotHarness,
    all_text,
    wait_for_state,
)

CREATE = "/sends/id/create"


def approve_and_wait(bot: BotHarness, send_id: str, state: RequestState):
    request = bot.request(CAMPAIGN, send_id)
    bot.click("sendid_approve", request.id, user=APPROVER)
    final = wait_for_state(bot, request.id, state)
    reply = bot.wait_for_thread_reply(request)[0].params
    return request, final, reply


def buttons(reply: dict) -> list[dict]:
    return [e for b in reply.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


def test_a_400_shows_brazes_message_escaped_and_offers_no_retry(bot: BotHarness) -> None:
    bot.braze.fail_next(CREATE, 400, {"message": "Invalid <send_id> & more", "errors": []})
    _, final, reply = approve_and_wait(bot, "bad_1", RequestState.FAILED)
    assert final.failure_kind is FailureKind.REJECTED_BY_BRAZE
    text = all_text(reply)
    assert "Invalid &lt;send_id&gt; &amp; more" in text
    assert buttons(reply) == []
    assert len(bot.braze.create_calls()) == 1


@pytest.mark.parametrize(
    ("status", "kind", "setting"),
    [
        (401, FailureKind.AUTH, "BRAZE_API_KEY"),
        (403, FailureKind.PERMISSION, "sends.id.create"),
        (404, FailureKind.NOT_FOUND, "BRAZE_REST_ENDPOINT"),
    ],
)
def test_configuration_errors_tell_admins_what_to_check_and_never_the_key(
    bot: BotHarness, status: int, kind: FailureKind, setting: str
) -> None:
    bot.braze.fail_next(CREATE, status, {"message": f"nope, key {BRAZE_KEY} refused"})
    _, final, reply = approve_and_wait(bot, f"cfg_{status}", RequestState.FAILED)
    assert final.failure_kind is kind
    text = all_text(reply)
    assert setting in text
    assert BRAZE_KEY not in all_text([c.params for c in bot.slack.calls])
    assert len(bot.braze.create_calls()) == 1


def test_a_429_records_the_quota_and_refuses_new_approvals_without_calling_braze(
    bot: BotHarness,
) -> None:
    reset = int(time.time()) + 3600
    bot.braze.fail_next(
        CREATE,
        429,
        {"message": "rate limited"},
        headers={
            "X-RateLimit-Limit": "100",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset),
        },
    )
    _, final, reply = approve_and_wait(bot, "quota_1", RequestState.FAILED)
    assert final.failure_kind is FailureKind.QUOTA
    assert f"<!date^{reset}^" in all_text(reply)
    # New submissions are refused inline; approvals of waiting requests are refused privately.
    view = bot.open_form()
    body = bot.submit(view, {"campaign_id": CAMPAIGN, "send_id": "quota_3"}).json()
    assert "quota is used up" in body["errors"]["campaign_id"]
    assert "Used up" in bot.command("quota").json()["text"]
    assert len(bot.braze.create_calls()) == 1


def test_approvals_wait_while_the_quota_is_known_to_be_exhausted(bot: BotHarness) -> None:
    waiting = bot.request(CAMPAIGN, "waiting_1")
    reset = int(time.time()) + 3600
    bot.braze.fail_next(
        CREATE,
        429,
        {"message": "rate limited"},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
    )
    _, final, _ = approve_and_wait(bot, "quota_4", RequestState.FAILED)
    assert final.failure_kind is FailureKind.QUOTA
    bot.click("sendid_approve", waiting.id, user=APPROVER)
    bot.wait_for_ephemeral(APPROVER, "quota is used up")
    assert bot.store.get(waiting.id).state is RequestState.PENDING
    assert len(bot.braze.create_calls()) == 1


def test_a_500_is_retried_with_backoff_and_then_succeeds(bot: BotHarness) -> None:
    bot.braze.fail_next(CREATE, 500, {"message": "oops"})
    _, final, reply = approve_and_wait(bot, "flaky_1", RequestState.CREATED)
    assert final.created_send_id == "flaky_1"
    assert len(bot.braze.create_calls()) == 2
    assert "`flaky_1`" in all_text(reply)


def test_persistent_5xx_fails_with_a_retry_button_that_works(bot: BotHarness) -> None:
    bot.braze.fail_next(CREATE, 503, {"message": "down"}, times=3)
    request, final, reply = approve_and_wait(bot, "down_1", RequestState.FAILED)
    assert final.failure_kind is FailureKind.UNAVAILABLE
    assert len(bot.braze.create_calls()) == 3
    (retry,) = buttons(reply)
    assert retry["action_id"] == "sendid_retry" and "confirm" not in retry
    bot.click("sendid_retry", request.id, user=GROUP_APPROVER)
    done = wait_for_state(bot, request.id, RequestState.CREATED)
    assert done.decided_by == GROUP_APPROVER
    assert len(bot.braze.create_calls()) == 4
    assert "`down_1`" in all_text(bot.wait_for_thread_reply(request, 2)[1].params)


def test_a_read_timeout_is_outcome_unknown_without_automatic_retry(bot: BotHarness) -> None:
    bot.braze.delay_next(CREATE, 2.0)  # the bot's read timeout is 1 s in tests
    _, final, reply = approve_and_wait(bot, "slow_1", RequestState.FAILED)
    assert final.failure_kind is FailureKind.OUTCOME_UNKNOWN
    assert len(bot.braze.create_calls()) == 1
    assert "outcome is unknown" in all_text(reply)
    (retry,) = buttons(reply)
    assert "confirm" in retry  # retry asks first: Braze may have created it


def test_a_non_approver_cannot_retry(bot: BotHarness) -> None:
    bot.braze.fail_next(CREATE, 503, {"message": "down"}, times=3)
    request, _, _ = approve_and_wait(bot, "down_2", RequestState.FAILED)
    bot.click("sendid_retry", request.id, user="U0OUTSIDER")
    bot.wait_for_ephemeral("U0OUTSIDER", "Only approvers")
    assert bot.store.get(request.id).state is RequestState.FAILED
    assert len(bot.braze.create_calls()) == 3
