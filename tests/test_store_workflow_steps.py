"""A request's Workflow Builder step in bot.store, on SQLite and PostgreSQL: stored with the
request, finished by one of many concurrent claimers, its first outcome kept for ever, a dead
finisher's claim taken over after the lease, and housekeeping's query."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.errors import DuplicateSubmissionError
from bot.domain.models import FailureKind, RequestState, StepOrigin
from bot.domain.workflow_steps import ENDING_STATES, FAILED_FOR_GOOD, StepVerdict
from bot.store import Store
from tests.support import databases
from tests.support.records import new_request

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)
DONE = '{"outputs": {"send_id": "s"}}'
FAILED = '{"error": "no"}'


@pytest.fixture(params=databases.BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with databases.database_url(request.param, tmp_path) as url, Store(url) as opened:
        yield opened


def step_request(store: Store, execution: str = "Fx1", send_id: str = "wave") -> str:
    request = new_request(
        store,
        send_id=send_id,
        campaign_name=None,
        now=NOW,
        step=StepOrigin(execution, "Wx1"),
        submission_key=f"step:{execution}",
    )
    return request.id


def test_the_step_is_stored_with_its_request_and_a_form_request_has_none(store: Store) -> None:
    request_id = step_request(store)
    step = store.workflow_step(request_id)
    assert step is not None
    assert (step.function_execution_id, step.workflow_execution_id) == ("Fx1", "Wx1")
    assert step.verdict is None and step.finished_at is None
    assert store.audit(request_id)[0].detail == "requested by a workflow step"
    form = new_request(store, send_id="other", campaign_name=None, now=NOW)
    assert store.workflow_step(form.id) is None


def test_the_same_execution_makes_no_second_request(store: Store) -> None:
    step_request(store, "Fx9", "first")
    with pytest.raises(DuplicateSubmissionError):
        step_request(store, "Fx9", "second")


def test_one_of_many_concurrent_finishers_wins(store: Store) -> None:
    request_id = step_request(store)
    won: list[bool] = []
    start = threading.Barrier(8)

    def claim(n: int) -> None:
        start.wait()
        verdict = StepVerdict.COMPLETE if n % 2 else StepVerdict.FAIL
        outcome = DONE if n % 2 else FAILED
        won.append(
            store.claim_step_finish(request_id, verdict, outcome, NOW, NOW - LEASE) is not None
        )

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 7 + [True]


def test_a_claim_taken_over_after_the_lease_keeps_the_first_outcome(store: Store) -> None:
    request_id = step_request(store)
    first = store.claim_step_finish(request_id, StepVerdict.FAIL, FAILED, NOW, NOW - LEASE)
    assert first is not None and first.error == "no"
    # The finisher died; within the lease nobody may take over, after it someone may, and
    # sends what the first claim fixed, whatever the request looks like now.
    later = NOW + timedelta(seconds=30)
    assert (
        store.claim_step_finish(request_id, StepVerdict.COMPLETE, DONE, later, later - LEASE)
        is None
    )
    much_later = NOW + LEASE + timedelta(seconds=1)
    taken = store.claim_step_finish(
        request_id, StepVerdict.COMPLETE, DONE, much_later, much_later - LEASE
    )
    assert taken is not None and taken.verdict is StepVerdict.FAIL and taken.error == "no"
    store.finish_step(request_id, much_later)
    never = much_later + LEASE * 2
    assert (
        store.claim_step_finish(request_id, StepVerdict.FAIL, FAILED, never, never - LEASE) is None
    )


def test_a_released_claim_can_be_taken_again_at_once(store: Store) -> None:
    request_id = step_request(store)
    assert store.claim_step_finish(request_id, StepVerdict.COMPLETE, DONE, NOW, NOW - LEASE)
    store.release_step_finish(request_id)
    again = store.claim_step_finish(request_id, StepVerdict.FAIL, FAILED, NOW, NOW - LEASE)
    assert again is not None and again.verdict is StepVerdict.COMPLETE


def test_housekeeping_finds_ended_requests_whose_step_is_unfinished(store: Store) -> None:
    rejected = step_request(store, "Fx1", "a")
    retryable = step_request(store, "Fx2", "b")
    for_good = step_request(store, "Fx3", "c")
    pending = step_request(store, "Fx4", "d")
    later = NOW + timedelta(minutes=1)
    store.transition(rejected, RequestState.PENDING, RequestState.REJECTED, actor_id="U1", now=NOW)
    for request_id, kind in ((retryable, FailureKind.UNAVAILABLE), (for_good, FailureKind.AUTH)):
        store.transition(
            request_id, RequestState.PENDING, RequestState.APPROVED, actor_id="U1", now=NOW
        )
        store.transition(
            request_id,
            RequestState.APPROVED,
            RequestState.FAILED,
            actor_id="system",
            now=NOW,
            failure_kind=kind,
        )

    def due(ended_before: datetime) -> set[str]:
        found = store.unfinished_steps(ENDING_STATES, FAILED_FOR_GOOD, ended_before, later - LEASE)
        return {r.id for r in found}

    assert due(NOW) == set()  # no reply posted yet, and they ended just now
    assert due(later) == {rejected, for_good}  # ended long enough ago
    store.mark_announced(rejected, RequestState.REJECTED)
    assert due(NOW) == {rejected}  # its reply is posted
    store.claim_step_finish(rejected, StepVerdict.FAIL, FAILED, later, later - LEASE)
    assert due(later) == {for_good}  # someone is finishing it
    assert pending not in due(later) and retryable not in due(later)


def test_a_step_request_past_the_retention_period_is_deleted_with_its_step(store: Store) -> None:
    request_id = step_request(store)
    store.transition(
        request_id, RequestState.PENDING, RequestState.REJECTED, actor_id="U1", now=NOW
    )
    (trail,) = store.delete_ended_before(NOW + timedelta(days=1), ENDING_STATES, 10)
    assert trail[0]["request_id"] == request_id
    assert store.get(request_id) is None and store.workflow_step(request_id) is None
