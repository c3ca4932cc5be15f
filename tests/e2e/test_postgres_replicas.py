"""Two `python -m bot` replicas on one PostgreSQL: concurrent Approve clicks on both, one winner.

Skips with the reason when the test PostgreSQL is unreachable; with SENDID_REQUIRE_POSTGRES=1
(CI) it fails instead.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.domain.models import RequestState
from bot.store import Store
from tests import db_fixtures
from tests import slack_requests as sr
from tests.conftest import APPROVER, CAMPAIGN, CHANNEL, GROUP_APPROVER, REQUESTER, all_text
from tests.ops.test_metrics import Scrape
from tests.processes import bot_env, free_port, post
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn

pytestmark = pytest.mark.postgres

CLICKS = 24


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with db_fixtures.isolated_postgres_url() as url:
        yield url


def wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise AssertionError(f"replica exited early:\n{log.read_text()}")
        time.sleep(0.1)
    raise AssertionError(f"replica never became ready:\n{log.read_text()}")


def test_two_replicas_on_one_postgresql_make_exactly_one_braze_call_for_concurrent_approvals(
    slack: SlackStandIn, braze: BrazeStandIn, postgres_url: str, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    logs = [tmp_path / "replica-a.log", tmp_path / "replica-b.log"]
    # Both start at the same moment against an empty schema: creating it must not race either.
    replicas = [
        subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=tmp_path,  # no stray .env
            env=bot_env(slack, braze, postgres_url, port),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    try:
        for port, process, log in zip(ports, replicas, logs, strict=True):
            wait_ready(port, process, log)

        # The request goes through replica A.
        post(ports[0], sr.form_body(sr.slash_command("", user_id=REQUESTER, channel_id=CHANNEL)))
        view = slack.wait_for_call("views.open").params["view"]
        submission = sr.view_submission(
            view, {"campaign_id": CAMPAIGN, "send_id": "replicas_1"}, user_id=REQUESTER
        )
        assert post(ports[0], sr.payload_body(submission)).status_code == 200
        with Store(postgres_url) as store:
            deadline = time.monotonic() + 10
            while not ((found := store.recent_in_channel(CHANNEL, 1)) and found[0].card_ts):
                assert time.monotonic() < deadline, "no card"
                time.sleep(0.05)
        request = found[0]

        # Approvers click on both replicas at once; Braze is slow enough that all clicks land
        # while the winner's call is in flight.
        braze.set_latency(0.3)
        barrier = threading.Barrier(CLICKS)
        statuses: list[int] = []

        def click(index: int) -> None:
            user = (APPROVER, GROUP_APPROVER)[index % 2]
            body = sr.payload_body(
                sr.button_click("sendid_approve", request.id, user_id=user, channel_id=CHANNEL)
            )
            barrier.wait()
            statuses.append(post(ports[(index // 2) % 2], body).status_code)

        threads = [threading.Thread(target=click, args=(i,)) for i in range(CLICKS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200] * CLICKS

        reply = slack.wait_for_call(
            "chat.postMessage",
            predicate=lambda c: c.params.get("thread_ts") == request.card_ts,
            timeout=15,
        )
        losers = slack.wait_for_calls(
            "chat.postEphemeral",
            CLICKS - 1,
            predicate=lambda c: "Already approved by" in str(c.params.get("text")),
            timeout=15,
        )
        time.sleep(0.5)  # anything still to come would show up now

        # Exactly one Braze call, one thread reply, everyone else told privately.
        assert len(braze.create_calls()) == 1
        assert braze.created == [(CAMPAIGN, "replicas_1")]
        replies = [
            c
            for c in slack.calls_to("chat.postMessage")
            if c.params.get("thread_ts") == request.card_ts
        ]
        assert replies == [reply]
        assert len(losers) == CLICKS - 1

        with Store(postgres_url) as store:
            final = store.get(request.id)
            trail = [(a.from_state, a.to_state, a.actor_id) for a in store.audit(request.id)]
        assert final.state is RequestState.CREATED
        winner = final.decided_by
        assert winner in (APPROVER, GROUP_APPROVER)
        assert trail == [
            (None, RequestState.PENDING, REQUESTER),
            (RequestState.PENDING, RequestState.APPROVED, winner),
            (RequestState.APPROVED, RequestState.CREATED, winner),
        ]
        assert "replicas_1" in reply.params["text"] and f"<@{winner}>" in all_text(reply.params)
        # Every loser was told who won.
        assert all(f"<@{winner}>" in str(c.params["text"]) for c in losers)

        # One card, in its final state: no buttons, says created, shows the send ID.
        (card,) = [m for m in slack.messages_in(CHANNEL) if m["ts"] == request.card_ts]
        assert not [b for b in card["blocks"] if b["type"] == "actions"]
        assert "Created" in all_text(card["blocks"])
        assert "replicas_1" in all_text(card["blocks"])
        card_updates = [
            c for c in slack.calls_to("chat.update") if c.params.get("ts") == request.card_ts
        ]
        assert card_updates and card_updates[-1].params["blocks"] == card["blocks"]

        # Both replicas report the shared database the same; Braze calls are counted per replica.
        scrapes = [Scrape(f"http://127.0.0.1:{port}") for port in ports]
        for scrape in scrapes:
            assert scrape.value("sendid_requests", state="created") == 1
            assert scrape.value("sendid_pending_requests") == 0
            assert scrape.value("sendid_braze_quota_remaining") == 99
        assert (
            sum(
                s.value("sendid_braze_requests_total", endpoint="/sends/id/create", status="201")
                for s in scrapes
            )
            == 1
        )
    finally:
        for process in replicas:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in replicas]
    assert codes == [0, 0], "\n".join(log.read_text() for log in logs)
