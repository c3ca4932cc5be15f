"""The workflow step finishes exactly once whatever happens between its card and its end:
expiry, a setup failure, Slack refusing the completion, a restart, two replicas, Socket Mode."""

from __future__ import annotations

import pytest

from bot.domain.models import FailureKind, RequestState
from bot.runtime import BotRuntime
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.standins.socket_mode import SocketModeStandIn
from tests.support import slack_requests as sr
from tests.support.bots import InProcessBots
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN, CHANNEL, RETRY
from tests.support.shown import valid_message
from tests.support.waits import newest_with_card, wait_for_state
from tests.support.workflow_steps import start_step, step_card, step_event

FAST = {"sweep_every": 0.1}


def test_expiry_fails_the_step(bots: InProcessBots, slack: SlackStandIn) -> None:
    bot = bots.start(runtime_options=FAST, sendid_request_ttl_hours=2 / 3600)
    execution, _ = start_step(bot)
    request = step_card(bot)
    error = slack.wait_for_finish(execution)["error"]
    assert error == (
        f"Nobody decided the send ID request for campaign `{CAMPAIGN}` in time, so it expired "
        "and no send ID was created."
    )
    wait_for_state(bot.store, request.id, RequestState.EXPIRED, announced=True)
    assert len(slack.finish_calls(execution)) == 1


def test_a_setup_failure_tells_the_admins_and_fails_the_step_once_even_if_retried_later(
    bots: InProcessBots, slack: SlackStandIn, braze: BrazeStandIn
) -> None:
    bot = bots.start()
    braze.fail_next(CREATE_PATH, 401, {"message": "Invalid API key"})
    execution, _ = start_step(bot, send_id="wf_setup")
    request = step_card(bot)
    bot.click(APPROVE, request.id, user=APPROVER)
    error = slack.wait_for_finish(execution)["error"]
    assert "an admin must fix" in error and f"<@{APPROVER}>" in error
    failed = wait_for_state(bot.store, request.id, RequestState.FAILED, announced=True)
    assert failed.failure_kind is FailureKind.AUTH
    # The admins (by default the approvers) got their DM, as for any request.
    slack.wait_for_call("chat.postMessage", predicate=lambda c: c.params["channel"] == APPROVER)
    # The admin fixes the key and retries: the send ID is created, the step stays failed.
    bot.click(RETRY, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    assert bot.runtime.housekeeping.run_once() == []
    (done,) = slack.finish_calls(execution)
    assert done.method == "functions.completeError"


def test_a_completion_slack_refuses_is_sent_again_by_housekeeping_once(
    bots: InProcessBots, slack: SlackStandIn, braze: BrazeStandIn
) -> None:
    bot = bots.start(runtime_options=FAST)
    execution, _ = start_step(bot, send_id="wf_later")
    request = step_card(bot)
    slack.fail_next("functions.completeSuccess", "internal_error")
    bot.click(APPROVE, request.id, user=APPROVER)
    assert slack.wait_for_finish(execution)["outputs"]["send_id"] == "wf_later"
    first, second = slack.finish_calls(execution)  # refused, then taken by housekeeping
    assert first.params == second.params
    assert bot.runtime.housekeeping.run_once() == []
    assert len(slack.finish_calls(execution)) == 2 and len(braze.create_calls()) == 1


def test_a_restart_between_card_and_approval_still_completes_the_step_once(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str
) -> None:
    with InProcessBots(slack, braze, database_url) as before:
        bot = before.start()
        execution, _ = start_step(bot, send_id="wf_restart")
        request = step_card(bot)
    with InProcessBots(slack, braze, database_url) as after:
        bot = after.start()
        bot.click(APPROVE, request.id, user=APPROVER, ts=request.card_ts or "")
        assert slack.wait_for_finish(execution)["outputs"]["send_id"] == "wf_restart"
        wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
        assert bot.runtime.housekeeping.run_once() == []
    assert len(slack.finish_calls(execution)) == 1 and len(braze.create_calls()) == 1


@pytest.mark.postgres
def test_two_replicas_finish_the_step_once(
    slack: SlackStandIn, braze: BrazeStandIn, postgres_url: str
) -> None:
    with InProcessBots(slack, braze, postgres_url) as bots:
        a = bots.start(runtime_options=FAST)
        b = bots.start(runtime_options=FAST)
        execution, _ = start_step(a, send_id="wf_replicas")
        request = step_card(a)
        # Approved through replica B while both sweep several times a second.
        b.click(APPROVE, request.id, user=APPROVER, ts=request.card_ts or "")
        assert slack.wait_for_finish(execution)["outputs"]["send_id"] == "wf_replicas"
        wait_for_state(a.store, request.id, RequestState.CREATED, announced=True)
        for bot in (a, b):
            assert bot.runtime.housekeeping.run_once() == []
        assert a.store.workflow_step(request.id).finished_at is not None  # type: ignore[union-attr]
    assert len(slack.finish_calls(execution)) == 1 and len(braze.create_calls()) == 1


def test_socket_mode_delivers_the_step_and_completes_it(
    socket_bot: tuple[BotRuntime, SocketModeStandIn], slack: SlackStandIn, braze: BrazeStandIn
) -> None:
    runtime, socket_mode = socket_bot
    execution, _, event = step_event(slack, send_id="wf_socket")
    socket_mode.wait_for_ack(socket_mode.send_envelope("events_api", event))
    request = newest_with_card(runtime.store, CHANNEL)
    click = sr.button_click(APPROVE, request.id, user_id=APPROVER, channel_id=CHANNEL)
    socket_mode.wait_for_ack(socket_mode.send_envelope("interactive", click))
    assert slack.wait_for_finish(execution)["outputs"]["send_id"] == "wf_socket"
    reply = slack.wait_for_call(
        "chat.postMessage", predicate=lambda c: c.params.get("thread_ts") == request.card_ts
    )
    assert valid_message(reply.params)["metadata"]["event_type"] == "sendid_created"
    assert len(slack.finish_calls(execution)) == 1 and len(braze.create_calls()) == 1
