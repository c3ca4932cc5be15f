"""A Braze create has a hard total deadline (bot.braze.deadline), against the real stand-in.

httpx's timeouts apply per read, so an answer trickled byte by byte never trips them: only the
deadline ends the wait. Past it, a request that may have left is "outcome unknown" and a
success that still arrives is handed on; one that never left is "unavailable" and is never
sent afterwards.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from bot.braze import BrazeClient, RetryPolicy, errors
from bot.domain.ports import CreatedSendId
from tests.standins.braze import CREATE_PATH, BrazeStandIn

KEY = "braze-key-0123456789abcdef"
CAMPAIGN = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def braze() -> Iterator[BrazeStandIn]:
    with BrazeStandIn(api_key=KEY) as stand_in:
        yield stand_in


def client_for(braze: BrazeStandIn, deadline: float, **options: object) -> BrazeClient:
    return BrazeClient(
        braze.url,
        KEY,
        create_deadline=deadline,
        timeout=httpx.Timeout(2.0, read=1.0),
        retry=RetryPolicy(max_attempts=50, backoff_base=0.05, backoff_max=0.1, max_total=60),
        **options,  # type: ignore[arg-type]
    )


def test_a_trickled_answer_is_outcome_unknown_at_the_deadline_and_its_success_comes_late(
    braze: BrazeStandIn,
) -> None:
    # 0.05 s a byte: every read gets a byte well within the 1 s read timeout.
    braze.trickle_next(CREATE_PATH, 0.05)
    arrived = threading.Event()
    late: list[CreatedSendId] = []

    def take(created: CreatedSendId) -> None:
        late.append(created)
        arrived.set()

    with client_for(braze, deadline=0.5) as client:
        with pytest.raises(errors.BrazeOutcomeUnknown) as caught:
            client.create_send_id(CAMPAIGN, "trickled", late=take)
        assert "within 0.5 s" in caught.value.message
        assert late == []  # the answer is still trickling in
        assert arrived.wait(30)
    assert [c.send_id for c in late] == ["trickled"]
    assert len(braze.create_calls()) == 1


def test_an_answer_within_the_deadline_is_returned_as_usual(braze: BrazeStandIn) -> None:
    with client_for(braze, deadline=5.0) as client:
        created = client.create_send_id(CAMPAIGN, "quick")
    assert created.send_id == "quick" and created.attempts == 1


def test_a_refused_connection_past_the_deadline_is_unavailable_and_never_sent_later(
    braze: BrazeStandIn,
) -> None:
    braze.refuse_connections()
    with client_for(braze, deadline=0.3) as client:
        with pytest.raises(errors.BrazeUnavailable) as caught:
            client.create_send_id(CAMPAIGN, "never")
        assert "could not send the request" in caught.value.message
        braze.accept_connections()
        # The call's thread was between refused attempts: it must not send it now.
        time.sleep(0.5)  # longer than its pauses between attempts
    assert braze.calls == []


def test_an_error_within_the_deadline_is_raised_as_it_is(braze: BrazeStandIn) -> None:
    braze.fail_next(CREATE_PATH, 400, {"message": "Invalid campaign_id"})
    with client_for(braze, deadline=5.0) as client, pytest.raises(errors.BrazeRequestRejected):
        client.create_send_id(CAMPAIGN, "bad")
