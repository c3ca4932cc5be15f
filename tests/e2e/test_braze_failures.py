"""What approvers see when Braze fails, per SPEC's failure table."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.domain.models import FailureKind, RequestState, SendIdRequest
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import (
    APPROVE,
    APPROVER,
    BRAZE_KEY,
    CAMPAIGN,
    GROUP_APPROVER,
    REQUESTER,
    RETRY,
    SETUP_FAILURES,
)
from tests.support.driver import SlackDriver
from tests.support.shown import all_text, buttons, form_problems, valid_message
from tests.support.waits import stored, wait_for_state


def approve_and_wait(
    bot: SlackDriver, send_id: str, state: RequestState
) -> tuple[SendIdRequest, SendIdRequest, dict[str, Any]]:
    """Request, approve; (the request, as it ends in `state`, its first thread reply)."""
    request = bot.request(CAMPAIGN, send_id)
    bot.click(APPROVE, request.id, user=APPROVER)
    final = wait_for_state(bot.store, request.id, state)
    reply = bot.wait_for_thread_reply(request)[0].params
    return request, final, reply


def test_a_400_shows_brazes_message_escaped_and_offers_no_retry(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    braze.fail_next(CREATE_PATH, 400, {"message": "Invalid <send_id> & more", "errors": []})
    _, final, reply = approve_and_wait(bot, "bad_1", RequestState.FAILED)
    assert final.failure_kind is FailureKind.REJECTED_BY_BRAZE
    text = all_text(reply)
    assert "Invalid &lt;send_id&gt; &amp; more" in text
    assert buttons(reply.get("blocks")) == []
    assert len(braze.create_calls()) == 1


@pytest.mark.parametrize(("status", "kind", "setting"), SETUP_FAILURES)
def test_configuration_errors_tell_admins_what_to_check_and_never_the_key(
    bot: SlackDriver, braze: BrazeStandIn, status: int, kind: FailureKind, setting: str
) -> None:
    braze.fail_next(CREATE_PATH, status, {"message": f"nope, key {BRAZE_KEY} refused"})
    _, final, reply = approve_and_wait(bot, f"cfg_{status}", RequestState.FAILED)
    assert final.failure_kind is kind
    # The channel hears plain words; the admins (here: the approvers) get the setting by DM.
    assert setting not in all_text(reply)
    dm = bot.slack.wait_for_call(
        "chat.postMessage", predicate=lambda c: c.params["channel"] == APPROVER
    )
    assert setting in all_text(dm.params)
    assert BRAZE_KEY not in all_text([c.params for c in bot.slack.calls])
    assert len(braze.create_calls()) == 1


def test_a_429_records_the_quota_and_refuses_new_approvals_without_calling_braze(
    bot: SlackDriver,
    braze: BrazeStandIn,
) -> None:
    reset = int(time.time()) + 3600
    opened_before = bot.open_form()
    braze.quota_used_up_until(reset)
    _, final, reply = approve_and_wait(bot, "quota_1", RequestState.FAILED)
    assert final.failure_kind is FailureKind.QUOTA
    assert f"<!date^{reset}^" in all_text(reply)
    # A form opened before is refused when sent; /sendid now says so before any form opens.
    body = bot.submit(opened_before, {"campaign_id": CAMPAIGN, "send_id": "quota_3"}).json()
    assert body["response_action"] == "update"  # shown at the top of the form, kept open
    (problem,) = form_problems(body)
    assert f"quota is used up; it resets <!date^{reset}^" in problem
    kept = {b["block_id"]: b["element"] for b in body["view"]["blocks"] if b["type"] == "input"}
    assert kept["campaign_id"]["initial_value"] == CAMPAIGN  # nothing typed is lost
    assert kept["send_id"]["initial_value"] == "quota_3"
    assert body["view"]["private_metadata"] == opened_before["private_metadata"]
    opens = len(bot.slack.calls_to("views.open"))
    assert bot.command().status == 200
    told = bot.wait_for_ephemeral(REQUESTER, "did not open the request form")
    assert f"quota is used up; it resets <!date^{reset}^" in all_text(told.params)
    valid_message(told.params)
    assert len(bot.slack.calls_to("views.open")) == opens
    assert "Used up" in bot.command("quota").json()["text"]
    assert len(braze.create_calls()) == 1


def test_approvals_wait_while_the_quota_is_known_to_be_exhausted(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    waiting = bot.request(CAMPAIGN, "waiting_1")
    reset = int(time.time()) + 3600
    braze.quota_used_up_until(reset)
    _, final, _ = approve_and_wait(bot, "quota_4", RequestState.FAILED)
    assert final.failure_kind is FailureKind.QUOTA
    bot.click(APPROVE, waiting.id, user=APPROVER)
    bot.wait_for_ephemeral(APPROVER, "quota is used up")
    assert stored(bot.store, waiting.id).state is RequestState.PENDING
    assert len(braze.create_calls()) == 1


@pytest.mark.parametrize("status", [500, 503])
def test_a_braze_that_created_and_then_answered_5xx_gets_one_create_and_a_person_decides(
    bot: SlackDriver, braze: BrazeStandIn, status: int
) -> None:
    braze.create_then_fail_next(status)
    request, final, reply = approve_and_wait(bot, f"made_{status}", RequestState.FAILED)
    assert final.failure_kind is FailureKind.OUTCOME_UNKNOWN
    assert braze.created == [(CAMPAIGN, f"made_{status}")]
    assert len(braze.create_calls()) == 1
    assert "Status unknown" in all_text(reply)
    (retry,) = buttons(reply.get("blocks"))
    assert retry["action_id"] == RETRY and "confirm" in retry
    (approved, failed) = bot.store.audit(request.id)[1:]
    assert approved.to_state is RequestState.APPROVED
    assert failed.to_state is RequestState.FAILED and "attempts=1" in failed.detail


def test_braze_unreachable_fails_with_a_retry_button_that_works(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    braze.refuse_connections()
    request, final, reply = approve_and_wait(bot, "down_1", RequestState.FAILED)
    assert final.failure_kind is FailureKind.UNAVAILABLE
    assert "attempts=3" in bot.store.audit(request.id)[-1].detail
    assert braze.create_calls() == []
    (retry,) = buttons(reply.get("blocks"))
    assert retry["action_id"] == RETRY and "confirm" not in retry
    braze.accept_connections()
    bot.click(RETRY, request.id, user=GROUP_APPROVER)
    done = wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    assert len(braze.create_calls()) == 1
    assert "attempts=1" in bot.store.audit(request.id)[-1].detail
    # The approver who signed off stays the approver; the retry is added, in the database too.
    assert (done.decided_by, done.retried_by) == (APPROVER, GROUP_APPROVER)
    retried = f"<@{APPROVER}>, retried by <@{GROUP_APPROVER}>"
    created = valid_message(bot.wait_for_thread_reply(request, 2)[1].params)
    assert "`down_1`" in all_text(created) and retried in all_text(created)
    card = [c for c in bot.slack.calls_to("chat.update") if c.params["ts"] == request.card_ts][-1]
    assert f"Created after approval by {retried}" in all_text(valid_message(card.params))
    assert [e.actor_id for e in bot.store.audit(request.id)[-2:]] == [GROUP_APPROVER] * 2


def test_a_read_timeout_is_outcome_unknown_without_automatic_retry(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    braze.delay_next(CREATE_PATH, 2.0)  # the bot's read timeout is 1 s in tests
    _, final, reply = approve_and_wait(bot, "slow_1", RequestState.FAILED)
    assert final.failure_kind is FailureKind.OUTCOME_UNKNOWN
    assert len(braze.create_calls()) == 1
    assert "Status unknown" in all_text(reply)
    (retry,) = buttons(reply.get("blocks"))
    assert "confirm" in retry  # retry asks first: Braze may have created it


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_error_on_create_is_status_unknown_with_a_confirmed_retry(
    bot: SlackDriver, braze: BrazeStandIn, status: int
) -> None:
    # A gateway's error may hide a created send ID: no automatic retry, a person decides.
    braze.fail_next(CREATE_PATH, status, "<html><body>Bad Gateway</body></html>", times=3)
    _, final, reply = approve_and_wait(bot, f"gateway_{status}", RequestState.FAILED)
    assert final.failure_kind is FailureKind.OUTCOME_UNKNOWN
    assert len(braze.create_calls()) == 1
    text = all_text(reply)
    assert "Status unknown" in text and "at most one unit of today's quota" in text
    (retry,) = buttons(reply.get("blocks"))
    assert "confirm" in retry


def test_a_non_approver_cannot_retry(bot: SlackDriver, braze: BrazeStandIn) -> None:
    braze.fail_next(CREATE_PATH, 503, {"message": "down"})
    request, _, _ = approve_and_wait(bot, "down_2", RequestState.FAILED)
    bot.click(RETRY, request.id, user="U0OUTSIDER")
    bot.wait_for_ephemeral("U0OUTSIDER", "Only approvers")
    assert stored(bot.store, request.id).state is RequestState.FAILED
    assert len(braze.create_calls()) == 1


UNKNOWN_HEADER = {"en": "Send ID status unknown", "de": "Sende-ID: Status unbekannt"}
NOT_CREATED = {"en": ("not created", "did not create"), "de": ("nicht erstellt",)}


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("fault", ["gateway", "timeout"])
def test_an_unknown_outcome_is_shown_as_unknown_on_the_card_in_its_header_and_notification(
    bots: InProcessBots, braze: BrazeStandIn, language: str, fault: str
) -> None:
    bot = bots.start(sendid_language=language)
    if fault == "gateway":
        braze.fail_next(CREATE_PATH, 502, "<html><body>Bad Gateway</body></html>")
    else:
        braze.delay_next(CREATE_PATH, 2.0)  # the bot's read timeout is 1 s in tests
    request, final, reply = approve_and_wait(bot, f"unknown_{fault}", RequestState.FAILED)
    assert final.failure_kind is FailureKind.OUTCOME_UNKNOWN
    card = [c for c in bot.slack.calls_to("chat.update") if c.params["ts"] == request.card_ts][-1]
    shown = valid_message(card.params)
    assert shown["blocks"][0]["text"]["text"] == UNKNOWN_HEADER[language]
    said = all_text([shown, valid_message(reply)])
    assert not any(words in said for words in NOT_CREATED[language]), said
    assert ":grey_question:" in shown["text"] + all_text(shown["blocks"])
    # What to do is said in words a person can act on: retry asks for the same send ID.
    assert {"en": "this same send ID again", "de": "genau dieser Sende-ID"}[language] in said
