"""SIGTERM (docker stop, a Kubernetes rollout): stop taking requests, finish the Braze call in
flight, record its outcome, reply in the thread, exit 0."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx

from bot.domain.models import RequestState
from bot.store import Store
from tests import slack_requests as sr
from tests.conftest import APPROVER, CAMPAIGN, CHANNEL, REQUESTER
from tests.processes import bot_env, free_port, post, start_process, wait_for_card
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn

BRAZE_DELAY = 2.0


def refuses_connections(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5)
    except httpx.ConnectError:
        return True
    except httpx.HTTPError:
        return False
    return False


def test_sigterm_during_a_slow_braze_call_finishes_it_records_it_and_exits_0(
    slack: SlackStandIn, braze: BrazeStandIn, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'shutdown.db'}"
    port = free_port()
    log = tmp_path / "bot.log"
    process = start_process(bot_env(slack, braze, database_url, port), port, log)
    try:
        post(port, sr.form_body(sr.slash_command("", user_id=REQUESTER, channel_id=CHANNEL)))
        view = slack.wait_for_call("views.open").params["view"]
        submission = sr.view_submission(
            view, {"campaign_id": CAMPAIGN, "send_id": "in_flight_1"}, user_id=REQUESTER
        )
        post(port, sr.payload_body(submission))
        request_id = wait_for_card(database_url)

        braze.delay_next("/sends/id/create", BRAZE_DELAY)  # Braze takes its time to answer
        click = sr.button_click("sendid_approve", request_id, user_id=APPROVER, channel_id=CHANNEL)
        assert post(port, sr.payload_body(click)).status_code == 200
        (call,) = braze.wait_for_calls("/sends/id/create", 1)
        with Store(database_url) as store:
            assert store.get(request_id).state is RequestState.APPROVED  # in flight

        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        # New requests are refused at once, while the Braze call is still in flight.
        while not refuses_connections(port):
            assert time.monotonic() - signalled < BRAZE_DELAY / 2, "still taking requests"
            time.sleep(0.05)
        assert process.poll() is None, "exited before Braze answered"
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 0, log.read_text()
    assert time.monotonic() - call.at >= BRAZE_DELAY  # it waited for Braze's answer

    with Store(database_url) as store:
        request = store.get(request_id)
        trail = [(a.from_state, a.to_state) for a in store.audit(request_id)]
    assert request.state is RequestState.CREATED
    assert request.created_send_id == "in_flight_1"
    assert trail[-2:] == [
        (RequestState.PENDING, RequestState.APPROVED),
        (RequestState.APPROVED, RequestState.CREATED),
    ]
    replies = [
        c
        for c in slack.calls_to("chat.postMessage")
        if c.params.get("thread_ts") == request.card_ts
    ]
    assert len(replies) == 1 and "in_flight_1" in replies[0].params["text"]
    (card,) = [m for m in slack.messages_in(CHANNEL) if m["ts"] == request.card_ts]
    assert not [b for b in card["blocks"] if b["type"] == "actions"]
    assert len(braze.create_calls()) == 1
    assert '"message": "stopped"' in log.read_text()
