"""Two `python -m bot` replicas on one PostgreSQL: concurrent Approve clicks on both, one winner.

Skips with the reason when the test PostgreSQL is unreachable; with SENDID_REQUIRE_POSTGRES=1
(CI) it fails instead.
"""

from __future__ import annotations

import threading
import time

import pytest

from bot.domain.models import RequestState
from bot.domain.workspaces import DEFAULT_WORKSPACE as W
from bot.store import Store
from tests.ops.test_metrics import Scrape
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import bot_env
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN, CHANNEL, GROUP_APPROVER, REQUESTER
from tests.support.driver import SlackDriver
from tests.support.processes import Processes
from tests.support.shown import all_text
from tests.support.waits import stored

pytestmark = pytest.mark.postgres

CLICKS = 24


def test_two_replicas_on_one_postgresql_make_exactly_one_braze_call_for_concurrent_approvals(
    slack: SlackStandIn, braze: BrazeStandIn, postgres_url: str, processes: Processes
) -> None:
    env = bot_env(slack.url, braze.url, postgres_url)
    replicas = [processes.bot(env, name) for name in ("replica-a", "replica-b")]
    # Both start at the same moment against an empty schema: creating it must not race either.
    for replica in replicas:
        replica.start(wait=False)
    store = Store(postgres_url)
    driver = SlackDriver([r.url for r in replicas], slack, store=store)
    try:
        for replica in replicas:
            replica.wait_ready()
        # The request goes through replica A.
        request = driver.request(CAMPAIGN, "replicas_1", replica=0)

        # Approvers click on both replicas at once; Braze is slow enough that all clicks land
        # while the winner's call is in flight.
        braze.set_latency(0.3)
        barrier = threading.Barrier(CLICKS)
        statuses: list[int] = []

        def click(index: int) -> None:
            user = (APPROVER, GROUP_APPROVER)[index % 2]
            barrier.wait()
            statuses.append(driver.click(APPROVE, request.id, user=user, replica=index // 2).status)

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

        final = stored(store, request.id)
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
        scrapes = [Scrape(replica.url) for replica in replicas]
        for scrape in scrapes:
            assert scrape.value("sendid_requests", state="created") == 1
            assert scrape.value("sendid_pending_requests") == 0
            assert scrape.value("sendid_braze_quota_remaining", workspace=W) == 99
        assert (
            sum(
                s.value(
                    "sendid_braze_requests_total", workspace=W, endpoint=CREATE_PATH, status="201"
                )
                for s in scrapes
            )
            == 1
        )
    finally:
        driver.close()
        store.close()
        codes = [replica.stop() for replica in replicas]
    assert codes == [0, 0], "\n".join(replica.log_text() for replica in replicas)
