"""SIGTERM (docker stop, a Kubernetes rollout): stop taking requests, finish the Braze call in
flight, record its outcome, reply in the thread, exit 0."""

from __future__ import annotations

import signal
import time

import httpx

from bot.domain.models import RequestState
from bot.store import Store
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import bot_env
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN, CHANNEL
from tests.support.driver import SlackDriver
from tests.support.processes import Processes
from tests.support.waits import stored

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
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str, processes: Processes
) -> None:
    bot = processes.bot(bot_env(slack.url, braze.url, database_url)).start()
    with Store(database_url) as store, SlackDriver(bot.url, slack, store=store) as driver:
        request_id = driver.request(CAMPAIGN, "in_flight_1").id
        braze.delay_next(CREATE_PATH, BRAZE_DELAY)  # Braze takes its time to answer
        assert driver.click(APPROVE, request_id, user=APPROVER).status == 200
        (call,) = braze.wait_for_calls(CREATE_PATH, 1)
        assert stored(store, request_id).state is RequestState.APPROVED  # in flight

        bot.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        # New requests are refused at once, while the Braze call is still in flight.
        while not refuses_connections(bot.port):
            assert time.monotonic() - signalled < BRAZE_DELAY / 2, "still taking requests"
            time.sleep(0.05)
        assert bot.running, "exited before Braze answered"
        assert bot.wait(timeout=30) == 0, bot.log_text()
        assert time.monotonic() - call.at >= BRAZE_DELAY  # it waited for Braze's answer

        request = stored(store, request_id)
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
    assert '"message": "stopped"' in bot.log_text()
