"""Requests survive a restart of the bot: a real `python -m bot` process, stopped and started."""

from __future__ import annotations

import time

from bot.domain.models import FailureKind, RequestState
from bot.store import Store
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import bot_env, clean_env
from tests.support.constants import APPROVE, APPROVER, BOT_TOKEN, BRAZE_KEY, CAMPAIGN, CHANNEL
from tests.support.driver import SlackDriver
from tests.support.processes import Processes
from tests.support.shown import buttons
from tests.support.waits import stored


def test_a_pending_request_survives_a_restart_and_can_then_be_approved(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str, processes: Processes
) -> None:
    bot = processes.bot(bot_env(slack.url, braze.url, database_url))
    with Store(database_url) as store, SlackDriver(bot.url, slack, store=store) as driver:
        bot.start()
        try:
            driver.request(CAMPAIGN, "restart_1")
        finally:
            assert bot.stop() == 0

        (pending,) = store.recent_in_channel(CHANNEL)
        assert pending.state is RequestState.PENDING and pending.card_ts

        bot.start()
        try:
            assert driver.click(APPROVE, pending.id, user=APPROVER).status == 200
            (reply,) = driver.wait_for_thread_reply(pending)
            assert "restart_1" in reply.params["text"]
        finally:
            assert bot.stop() == 0
        assert len(braze.create_calls()) == 1
        assert stored(store, pending.id).state is RequestState.CREATED
    assert BRAZE_KEY not in bot.log_text() and BOT_TOKEN not in bot.log_text()


def test_missing_settings_stop_start_up_with_exit_code_2_and_one_line_each(
    processes: Processes,
) -> None:
    env = clean_env(SLACK_BOT_TOKEN="xoxp-wrong-kind-secret-value")
    result = processes.run_bot(env=env, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert any("SLACK_BOT_TOKEN" in line and "xoxb-" in line for line in lines)
    for name in (
        "BRAZE_API_KEY",
        "BRAZE_REST_ENDPOINT",
        "SENDID_ALLOWED_CHANNELS",
        "SENDID_APPROVERS",
    ):
        assert sum(name in line for line in lines) == 1
    assert "xoxp-wrong-kind-secret-value" not in result.stderr


def test_an_approval_interrupted_by_a_crash_becomes_outcome_unknown_on_restart(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str, processes: Processes
) -> None:
    env = bot_env(
        slack.url,
        braze.url,
        database_url,
        SENDID_STALE_CLAIM_SECONDS="1",
        SENDID_BRAZE_CREATE_DEADLINE_SECONDS="0.8",
    )
    bot = processes.bot(env)
    with Store(database_url) as store, SlackDriver(bot.url, slack, store=store) as driver:
        bot.start()
        try:
            request = driver.request(CAMPAIGN, "crash_1")
            braze.delay_next(CREATE_PATH, 30)  # Braze receives the call, then hangs
            driver.click(APPROVE, request.id, user=APPROVER)
            braze.wait_for_calls(CREATE_PATH, 1)
        finally:
            bot.kill()  # SIGKILL: no chance to record Braze's answer
        assert stored(store, request.id).state is RequestState.APPROVED

        time.sleep(1.1)  # older than the stale-claim threshold
        bot.start()
        try:
            recovered = stored(store, request.id)
            assert recovered.state is RequestState.FAILED
            assert recovered.failure_kind is FailureKind.OUTCOME_UNKNOWN
            (reply,) = driver.wait_for_thread_reply(request)
            assert "Status unknown" in reply.params["text"]
            retry = buttons(reply.params["blocks"])
            assert retry and "confirm" in retry[0]
        finally:
            bot.stop(timeout=20)
    assert len(braze.create_calls()) == 1
