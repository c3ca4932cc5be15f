"""The Workflow Builder step "Create a Braze send ID": the same checks, card and approval as
/sendid, and the step finished exactly once (functions.completeSuccess / completeError)."""

from __future__ import annotations

import logging

import pytest

from bot.domain.models import RequestState
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support import slack_requests as sr
from tests.support.bots import InProcessBots
from tests.support.constants import (
    APPROVE,
    APPROVER,
    BOT_TOKEN,
    CAMPAIGN,
    CANCEL_MENU,
    CHANNEL,
    OTHER_CHANNEL,
    PRIVATE_CHANNEL,
    REQUESTER,
    RETRY,
)
from tests.support.driver import ACKNOWLEDGED, SlackDriver
from tests.support.shown import all_text, buttons, valid_message
from tests.support.waits import stored, wait_for_state, wait_until
from tests.support.workflow_steps import start_step, step_card, step_event


def test_approval_creates_once_replies_and_completes_the_step_with_its_outputs(
    bot: SlackDriver, braze: BrazeStandIn, slack: SlackStandIn
) -> None:
    execution, _ = start_step(bot, send_id="wf_wave_1", purpose="Spring push")
    request = step_card(bot)
    assert (request.requester_id, request.send_id, request.purpose) == (
        REQUESTER,
        "wf_wave_1",
        "Spring push",
    )
    card = bot.card_posts(CHANNEL)[-1]
    assert card.token == BOT_TOKEN  # an ordinary card, which the bot can update for days
    assert "Requested through a workflow" in all_text(card.params["blocks"])
    assert f"<@{REQUESTER}>" in all_text(card.params["blocks"])
    assert slack.finish_calls(execution) == []  # the step waits for the decision

    assert bot.click(APPROVE, request.id, user=APPROVER, ts=request.card_ts or "").status == 200
    outcome = slack.wait_for_finish(execution)
    (done,) = slack.finish_calls(execution)
    assert done.method == "functions.completeSuccess" and done.token == BOT_TOKEN
    outputs = dict(outcome["outputs"])
    link = outputs.pop("request_link")
    assert outputs == {"send_id": "wf_wave_1", "campaign_id": CAMPAIGN, "approver_id": APPROVER}
    # The card's permalink, as chat.getPermalink gave it for the card's ts.
    assert link.endswith(f"/archives/{CHANNEL}/p" + (request.card_ts or "").replace(".", ""))
    assert len(braze.create_calls()) == 1
    assert stored(bot.store, request.id).state is RequestState.CREATED
    # The thread reply as for /sendid, before the step went on, carrying its metadata.
    (reply,) = bot.thread_replies(request)
    valid_message(reply.params)
    assert reply.at <= done.at
    assert reply.params["metadata"] == {
        "event_type": "sendid_created",
        "event_payload": {
            "campaign_id": CAMPAIGN,
            "send_id": "wf_wave_1",
            "request_id": request.id,
            "channel_id": CHANNEL,
        },
    }
    assert bot.runtime.housekeeping.run_once() == []  # nothing left to finish
    assert len(slack.finish_calls(execution)) == 1


def test_reject_fails_the_step_naming_who_and_why_and_braze_is_never_called(
    bot: SlackDriver, braze: BrazeStandIn, slack: SlackStandIn
) -> None:
    execution, _ = start_step(bot, send_id="wf_reject")
    request = step_card(bot)
    assert bot.reject(request.id, user=APPROVER, reason="Wrong <campaign> @here").status == 200
    outcome = slack.wait_for_finish(execution)
    assert outcome["error"].startswith(f"<@{APPROVER}> rejected the send ID request")
    assert "Wrong &lt;campaign&gt;" in outcome["error"] and "<!here>" not in outcome["error"]
    (done,) = slack.finish_calls(execution)
    assert done.method == "functions.completeError"
    assert braze.create_calls() == []
    wait_for_state(bot.store, request.id, RequestState.REJECTED, announced=True)


def test_cancel_by_the_requester_fails_the_step(bot: SlackDriver, slack: SlackStandIn) -> None:
    execution, _ = start_step(bot)
    request = step_card(bot)
    assert bot.choose(CANCEL_MENU, request.id, user=REQUESTER).status == 200
    outcome = slack.wait_for_finish(execution)
    assert outcome["error"] == (
        f"<@{REQUESTER}> cancelled the send ID request for campaign `{CAMPAIGN}`."
    )


def test_a_channel_that_is_not_permitted_fails_the_step_at_once_and_posts_nothing(
    bot: SlackDriver, braze: BrazeStandIn, slack: SlackStandIn
) -> None:
    slack.channels[OTHER_CHANNEL] = {"name": "growth"}
    execution, token = start_step(bot, channel_id=OTHER_CHANNEL)
    outcome = slack.wait_for_finish(execution)
    assert outcome["error"] == (
        "#growth is not a channel where send IDs may be requested; these are: "
        f"<#{CHANNEL}>, <#{PRIVATE_CHANNEL}>."
    )
    (done,) = slack.finish_calls(execution)
    # Bolt's own fail(), with the step's function-scoped token.
    assert done.method == "functions.completeError" and done.token == token
    slack.assert_no_call("chat.postMessage")
    assert bot.store.recent_in_channel(OTHER_CHANNEL) == []
    assert braze.create_calls() == []


def test_what_the_form_would_refuse_fails_the_step_with_the_forms_reason(
    bot: SlackDriver, slack: SlackStandIn
) -> None:
    execution, _ = start_step(bot, campaign_id="not-a-campaign")
    error = slack.wait_for_finish(execution)["error"]
    assert error.startswith("No send ID was requested for campaign `not-a-campaign`: ")
    assert "Campaign ID" in error or "campaign ID" in error
    bad_requester, _ = start_step(bot, requester_id="not a user")
    assert "requester_id" in slack.wait_for_finish(bad_requester)["error"]
    slack.assert_no_call("chat.postMessage")


def test_a_pair_already_in_flight_is_refused_like_in_the_form(
    bot: SlackDriver, slack: SlackStandIn
) -> None:
    bot.request(CAMPAIGN, "taken_1")
    execution, _ = start_step(bot, send_id="taken_1")
    assert "No send ID was requested" in slack.wait_for_finish(execution)["error"]
    assert len(bot.card_posts(CHANNEL)) == 1


def test_a_redelivered_execution_makes_one_request_and_one_card(
    bot: SlackDriver, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack")
    execution, token, event = step_event(slack)
    assert bot.event(event).ack == ACKNOWLEDGED
    step_card(bot)
    # Slack sends the event again (a new event ID) when it thinks the first was lost.
    inputs = event["event"]["inputs"]
    again = sr.function_executed(inputs, execution_id=execution, bot_access_token=token)
    assert bot.event(again).ack == ACKNOWLEDGED
    wait_until(lambda: any("delivered again" in r.getMessage() for r in caplog.records))
    assert len(bot.card_posts(CHANNEL)) == 1
    assert len(bot.store.recent_in_channel(CHANNEL)) == 1
    assert slack.finish_calls(execution) == []


def test_a_click_with_function_data_and_its_token_works_like_any_click(
    bot: SlackDriver, braze: BrazeStandIn, slack: SlackStandIn
) -> None:
    execution, token = start_step(bot, send_id="wf_scoped")
    request = step_card(bot)
    # Function-scoped interactivity: a click on a message posted with the step's token.
    click = sr.function_scoped(
        sr.button_click(APPROVE, request.id, user_id=APPROVER, channel_id=CHANNEL),
        execution_id=execution,
        bot_access_token=token,
    )
    assert bot.post(sr.payload_body(click)).status == 200
    assert slack.wait_for_finish(execution)["outputs"]["send_id"] == "wf_scoped"
    assert len(braze.create_calls()) == 1 and len(slack.finish_calls(execution)) == 1


def test_a_braze_failure_a_retry_can_fix_keeps_the_step_waiting_until_it_succeeds(
    bot: SlackDriver, braze: BrazeStandIn, slack: SlackStandIn
) -> None:
    execution, _ = start_step(bot, send_id="wf_retry")
    request = step_card(bot)
    braze.fail_next(CREATE_PATH, 503)  # outcome unknown: only a person may retry
    bot.click(APPROVE, request.id, user=APPROVER)
    failed = wait_for_state(bot.store, request.id, RequestState.FAILED, announced=True)
    assert failed.failure_kind is not None and failed.failure_kind.retry_allowed
    assert bot.runtime.housekeeping.run_once() == []
    assert slack.finish_calls(execution) == []  # still waiting: a Retry can mend it

    reply = bot.wait_for_thread_reply(request)[0]
    assert any(b.get("action_id") == RETRY for b in buttons(reply.params.get("blocks")))
    bot.click(RETRY, request.id, user=APPROVER, ts=request.card_ts or "")
    outcome = slack.wait_for_finish(execution)
    assert outcome["outputs"]["send_id"] == "wf_retry"
    assert len(braze.create_calls()) == 2 and len(slack.finish_calls(execution)) == 1


def test_in_german_the_step_is_told_in_german(bots: InProcessBots, slack: SlackStandIn) -> None:
    bot = bots.start(sendid_language="de")
    execution, _ = start_step(bot)
    request = step_card(bot)
    assert "Per Workflow angefragt" in all_text(bot.card_posts(CHANNEL)[-1].params["blocks"])
    bot.reject(request.id, user=APPROVER, reason="Falsche Campaign")
    error = slack.wait_for_finish(execution)["error"]
    assert error == (
        f"<@{APPROVER}> hat die Sende-ID-Anfrage für die Campaign `{CAMPAIGN}` abgelehnt. "
        "Begründung: Falsche Campaign"
    )
    refused, _ = start_step(bot, channel_id=OTHER_CHANNEL)
    assert "dürfen keine Sende-IDs angefordert werden" in slack.wait_for_finish(refused)["error"]
