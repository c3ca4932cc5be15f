"""Braze answering slowly under two replicas: a create never outlives its claim.

A Braze answer trickled byte by byte never trips httpx's per-read timeout. The create's hard
deadline (SENDID_BRAZE_CREATE_DEADLINE_SECONDS) ends the wait: the request says "status
unknown" once, the other replica's recovery leaves it alone (the stale-claim time is longer
than the deadline, as settings insist), and when the 201 finally arrives the send ID is
recorded and the thread says it was created after all.
"""

from __future__ import annotations

from datetime import timedelta

from bot.domain.models import FailureKind, RequestState
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN
from tests.support.shown import all_text, valid_message
from tests.support.waits import wait_for_state

SLOW = {
    "sendid_braze_create_deadline_seconds": 1.0,
    "sendid_stale_claim_seconds": 1.5,
    "runtime_options": {"sweep_every": 0.1, "lost_reply_after": timedelta(seconds=30)},
}


def test_a_trickled_answer_is_unknown_once_then_created_after_all(
    bots: InProcessBots, braze: BrazeStandIn
) -> None:
    first = bots.start(**SLOW)  # type: ignore[arg-type]
    bots.start(**SLOW)  # type: ignore[arg-type]  # a second replica, sweeping the same database
    request = first.request(CAMPAIGN, "trickled_1")
    # ~45 bytes at 0.1 s each: about 4.5 s in all, each read well within the 1 s read timeout.
    braze.trickle_next(CREATE_PATH, 0.1)
    assert first.click(APPROVE, request.id, user=APPROVER).status == 200

    unknown = wait_for_state(first.store, request.id, RequestState.FAILED, announced=True)
    assert unknown.failure_kind is FailureKind.OUTCOME_UNKNOWN
    done = wait_for_state(first.store, request.id, RequestState.CREATED, announced=True)
    assert done.created_send_id == "trickled_1"

    replies = [valid_message(c.params) for c in first.wait_for_thread_reply(request, 2)]
    assert "Status unknown" in all_text(replies[0])
    assert "`trickled_1`" in all_text(replies[1]) and "created after all" in all_text(replies[1])
    assert len(first.thread_replies(request)) == 2  # nothing said twice
    card = [c for c in first.slack.calls_to("chat.update") if c.params["ts"] == request.card_ts]
    assert valid_message(card[-1].params)["blocks"][0]["text"]["text"] == "Send ID created"
    assert len(braze.create_calls()) == 1 and braze.created == [(CAMPAIGN, "trickled_1")]
    trail = [(e.from_state, e.to_state) for e in first.store.audit(request.id)]
    assert trail[-2:] == [
        (RequestState.APPROVED, RequestState.FAILED),
        (RequestState.FAILED, RequestState.CREATED),
    ]
