"""Requests survive a restart of the bot: a real `python -m bot` process, stopped and started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.domain.models import RequestState
from bot.store import Store
from tests import slack_requests as sr
from tests.conftest import (
    APPROVER,
    BOT_TOKEN,
    BRAZE_KEY,
    CAMPAIGN,
    CHANNEL,
    REQUESTER,
)
from tests.processes import bot_env, free_port, post, start_process
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn


def test_a_pending_request_survives_a_restart_and_can_then_be_approved(
    slack: SlackStandIn, braze: BrazeStandIn, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'restart.db'}"
    port = free_port()
    env = bot_env(slack, braze, database_url, port)
    log = tmp_path / "bot.log"

    first = start_process(env, port, log)
    try:
        post(port, sr.form_body(sr.slash_command("", user_id=REQUESTER, channel_id=CHANNEL)))
        view = slack.wait_for_call("views.open").params["view"]
        submission = sr.view_submission(
            view, {"campaign_id": CAMPAIGN, "send_id": "restart_1"}, user_id=REQUESTER
        )
        assert post(port, sr.payload_body(submission)).status_code == 200
        slack.wait_for_call(
            "chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL
        )
        time.sleep(0.3)
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=20) == 0

    with Store(database_url) as store:
        (pending,) = store.recent_in_channel(CHANNEL)
    assert pending.state is RequestState.PENDING and pending.card_ts

    second = start_process(env, port, log)
    try:
        click = sr.button_click("sendid_approve", pending.id, user_id=APPROVER, channel_id=CHANNEL)
        assert post(port, sr.payload_body(click)).status_code == 200
        reply = slack.wait_for_call(
            "chat.postMessage", predicate=lambda c: c.params.get("thread_ts") == pending.card_ts
        )
        assert "restart_1" in reply.params["text"]
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0
    assert len(braze.create_calls()) == 1
    with Store(database_url) as store:
        assert store.get(pending.id).state is RequestState.CREATED
    assert BRAZE_KEY not in log.read_text() and BOT_TOKEN not in log.read_text()


def test_missing_settings_stop_start_up_with_exit_code_2_and_one_line_each(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SENDID_", "BRAZE_"))}
    env["SLACK_BOT_TOKEN"] = "xoxp-wrong-kind-secret-value"
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
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
    slack: SlackStandIn, braze: BrazeStandIn, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'crash.db'}"
    port = free_port()
    env = bot_env(slack, braze, database_url, port)
    env["SENDID_STALE_CLAIM_SECONDS"] = "1"
    log = tmp_path / "bot.log"

    first = start_process(env, port, log)
    try:
        post(port, sr.form_body(sr.slash_command("", user_id=REQUESTER, channel_id=CHANNEL)))
        view = slack.wait_for_call("views.open").params["view"]
        submission = sr.view_submission(
            view, {"campaign_id": CAMPAIGN, "send_id": "crash_1"}, user_id=REQUESTER
        )
        post(port, sr.payload_body(submission))
        slack.wait_for_call(
            "chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL
        )
        time.sleep(0.3)
        with Store(database_url) as store:
            (request,) = store.recent_in_channel(CHANNEL)
        braze.delay_next("/sends/id/create", 30)  # Braze receives the call, then hangs
        click = sr.button_click("sendid_approve", request.id, user_id=APPROVER, channel_id=CHANNEL)
        post(port, sr.payload_body(click))
        braze.wait_for_calls("/sends/id/create", 1)
    finally:
        first.kill()  # SIGKILL: no chance to record Braze's answer
        first.wait(timeout=10)
    with Store(database_url) as store:
        assert store.get(request.id).state is RequestState.APPROVED

    time.sleep(1.1)  # older than the stale-claim threshold
    second = start_process(env, port, log)
    try:
        with Store(database_url) as store:
            recovered = store.get(request.id)
        assert recovered.state is RequestState.FAILED
        assert (
            recovered.failure_kind is not None and recovered.failure_kind.value == "outcome_unknown"
        )
        reply = slack.wait_for_call(
            "chat.postMessage", predicate=lambda c: c.params.get("thread_ts") == request.card_ts
        )
        assert "outcome is unknown" in reply.params["text"]
        retry = [e for b in reply.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert retry and "confirm" in retry[0]
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
    assert len(braze.create_calls()) == 1
