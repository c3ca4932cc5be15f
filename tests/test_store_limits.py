"""The per-person cap on pending requests in bot.store, on SQLite and PostgreSQL: counted inside
the insert, so no race of one person's submissions (threads, replicas) can exceed it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.errors import DuplicateSubmissionError, PendingLimitError
from bot.domain.models import RequestState, SendIdRequest
from bot.store import Store
from tests.support import databases
from tests.support.records import NOW, new_request

S = RequestState
CAP = 5


@pytest.fixture(params=databases.BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with databases.database_url(request.param, tmp_path) as url:
        yield url


def submit(
    store: Store,
    n: int,
    requester: str = "U_REQ",
    *,
    cap: int | None = CAP,
    submission_key: str | None = None,
) -> SendIdRequest:
    return new_request(
        store,
        requester_id=requester,
        send_id=f"{requester}-{n}",
        now=NOW + timedelta(seconds=n),
        submission_key=submission_key,
        max_pending=cap,
    )


def test_the_next_request_over_the_cap_is_refused_naming_the_pending_ones(store: Store) -> None:
    made = [submit(store, n) for n in range(CAP)]
    with pytest.raises(PendingLimitError) as refused:
        submit(store, CAP)
    assert [r.id for r in refused.value.pending] == [r.id for r in made]  # oldest first
    assert [r.id for r in store.pending_of("U_REQ")] == [r.id for r in made]
    assert len(store.recent_by_requester("U_REQ", 50)) == CAP


def test_another_persons_requests_never_count_against_the_cap(store: Store) -> None:
    for n in range(CAP):
        submit(store, n, "U_BUSY")
    assert submit(store, 0, "U_OTHER").state is S.PENDING


def test_a_decided_request_frees_its_place(store: Store) -> None:
    made = [submit(store, n) for n in range(CAP)]
    assert store.transition(made[0].id, S.PENDING, S.CANCELLED, actor_id="U_REQ")
    assert store.transition(made[1].id, S.PENDING, S.APPROVED, actor_id="U_APP")
    assert submit(store, CAP).state is S.PENDING
    assert submit(store, CAP + 1).state is S.PENDING
    with pytest.raises(PendingLimitError):
        submit(store, CAP + 2)


def test_the_pending_count_counts_only_the_persons_requests_still_waiting(store: Store) -> None:
    made = [submit(store, n) for n in range(3)]
    submit(store, 0, "U_OTHER")
    assert store.transition(made[0].id, S.PENDING, S.CANCELLED, actor_id="U_REQ")
    assert store.pending_count("U_REQ") == len(store.pending_of("U_REQ")) == 2
    assert store.pending_count("U_NOBODY") == 0


def test_without_a_cap_nothing_is_counted(store: Store) -> None:
    for n in range(CAP + 3):
        submit(store, n, cap=None)
    assert len(store.pending_of("U_REQ")) == CAP + 3


def test_a_replay_of_the_last_allowed_submission_is_a_replay_not_one_too_many(
    store: Store,
) -> None:
    for n in range(CAP - 1):
        submit(store, n)
    last = submit(store, CAP - 1, submission_key="V_LAST")
    with pytest.raises(DuplicateSubmissionError) as replay:
        submit(store, CAP - 1, submission_key="V_LAST")
    assert replay.value.existing_request_id == last.id


def race(stores: list[Store], first: int) -> list[object]:
    """Every store submits one request of U_REQ at the same moment; what each got."""
    barrier = threading.Barrier(len(stores))
    outcomes: list[object] = [None] * len(stores)

    def one(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = submit(stores[i], first + i)
        except BaseException as error:  # surfaced by the caller; a thread must not swallow it
            outcomes[i] = error

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_a_race_of_one_persons_submissions_on_many_replicas_never_exceeds_the_cap(
    database_url: str,
) -> None:
    # Separate Store instances: separate engines and connections, like separate replicas.
    racers = 16
    stores = [Store(database_url) for _ in range(racers)]
    try:
        for round_, allowed in enumerate((CAP, 0)):  # the second round finds the cap full
            outcomes = race(stores, round_ * racers)
            stored = [o for o in outcomes if isinstance(o, SendIdRequest)]
            refused = [o for o in outcomes if isinstance(o, PendingLimitError)]
            assert len(stored) + len(refused) == racers, outcomes
            assert len(stored) == allowed
            assert all(len(r.pending) == CAP for r in refused)
        assert len(stores[0].pending_of("U_REQ")) == CAP
        # Meanwhile nobody else was held up by it.
        assert submit(stores[0], 0, "U_OTHER").state is S.PENDING
    finally:
        for store in stores:
            store.close()
