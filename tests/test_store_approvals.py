"""The two-person rule in the store (SQLite and PostgreSQL): approvals counted one at a time under
the request's row lock; the N-th distinct one is the one pending -> approved transition."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.models import ApprovalStep, RequestState, SendIdRequest
from bot.store import Store
from tests.support import databases
from tests.support.bots import clean_env
from tests.support.processes import Processes
from tests.support.records import NOW, new_request

S = RequestState
A = ApprovalStep


@pytest.fixture(params=databases.BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with databases.database_url(request.param, tmp_path) as url:
        yield url


def trail(store: Store, request_id: str) -> list[tuple[object, ...]]:
    return [(e.from_state, e.to_state, e.actor_id, e.detail) for e in store.audit(request_id)]


def test_one_approval_is_enough_by_default_as_before(store: Store) -> None:
    request = new_request(store)
    assert request.approvals_required == 1
    step, claimed = store.add_approval(request.id, "U_ANA", now=NOW)
    assert step is A.CLAIMED and claimed is not None
    assert claimed.state is S.APPROVED and claimed.decided_by == "U_ANA"
    assert claimed.approvals == ("U_ANA",) and claimed.attempts == 1
    assert trail(store, request.id)[1] == (S.PENDING, S.APPROVED, "U_ANA", "approved")


def test_the_second_distinct_approval_claims_and_the_first_is_only_counted(store: Store) -> None:
    request = new_request(store, approvals_required=2)
    step, counted = store.add_approval(request.id, "U_ANA", now=NOW)
    assert step is A.COUNTED and counted is not None
    assert counted.state is S.PENDING and counted.approvals == ("U_ANA",)
    assert counted.decided_by is None and counted.attempts == 0
    assert store.get(request.id) == counted

    # The same person again changes nothing and writes no audit row.
    step, again = store.add_approval(request.id, "U_ANA", now=NOW)
    assert step is A.ALREADY_COUNTED and again == counted
    assert len(store.audit(request.id)) == 2

    step, claimed = store.add_approval(request.id, "U_BEN", now=NOW + timedelta(minutes=1))
    assert step is A.CLAIMED and claimed is not None
    assert claimed.state is S.APPROVED and claimed.decided_by == "U_BEN"
    assert claimed.approvals == ("U_ANA", "U_BEN")
    assert trail(store, request.id) == [
        (None, S.PENDING, request.requester_id, "requested"),
        (S.PENDING, S.PENDING, "U_ANA", "approved (1 of 2)"),
        (S.PENDING, S.APPROVED, "U_BEN", "approved (2 of 2)"),
    ]
    # Once claimed, nobody else counts.
    step, after = store.add_approval(request.id, "U_CAT", now=NOW)
    assert step is A.NOT_PENDING and after == claimed


@pytest.mark.parametrize("ended", [S.REJECTED, S.EXPIRED, S.CANCELLED])
def test_an_approval_never_counts_on_a_request_that_left_pending(
    store: Store, ended: RequestState
) -> None:
    request = new_request(store, approvals_required=2)
    store.add_approval(request.id, "U_ANA", now=NOW)
    store.transition(request.id, S.PENDING, ended, actor_id="U_X")
    step, found = store.add_approval(request.id, "U_BEN", now=NOW)
    assert step is A.NOT_PENDING and found is not None
    assert found.state is ended and found.approvals == ("U_ANA",)
    assert [e.actor_id for e in store.audit(request.id)] == [request.requester_id, "U_ANA", "U_X"]


def test_an_unknown_request_counts_nothing(store: Store) -> None:
    assert store.add_approval("rnothere", "U_ANA", now=NOW) == (A.NOT_PENDING, None)


def test_a_claim_undone_before_braze_was_called_can_be_claimed_again_by_a_counted_approver(
    store: Store,
) -> None:
    request = new_request(store, approvals_required=2)
    store.add_approval(request.id, "U_ANA", now=NOW)
    store.add_approval(request.id, "U_BEN", now=NOW)
    undone = store.transition(
        request.id, S.APPROVED, S.PENDING, actor_id="system", decided_by=None, unstarted_only=True
    )
    assert undone is not None and undone.approvals == ("U_ANA", "U_BEN")
    step, claimed = store.add_approval(request.id, "U_ANA", now=NOW)
    assert step is A.CLAIMED and claimed is not None and claimed.decided_by == "U_ANA"
    assert claimed.approvals == ("U_ANA", "U_BEN") and claimed.attempts == 2


def test_of_many_concurrent_approvals_each_person_counts_once_and_one_claims(
    database_url: str,
) -> None:
    """Two stores on one database are two replicas; every click races every other."""
    replicas = [Store(database_url), Store(database_url)]
    try:
        request = new_request(replicas[0], approvals_required=3)
        people = [f"U{i:02d}" for i in range(8)]
        clicks = [(person, replica) for person in people for replica in replicas]  # each twice
        barrier = threading.Barrier(len(clicks))
        steps: list[tuple[str, ApprovalStep, SendIdRequest | None]] = []
        errors: list[BaseException] = []

        def click(person: str, replica: Store) -> None:
            barrier.wait()
            try:
                steps.append((person, *replica.add_approval(request.id, person, now=NOW)))
            except BaseException as error:  # surfaced below; a thread must not swallow it
                errors.append(error)

        threads = [threading.Thread(target=click, args=c) for c in clicks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        claims = [(person, found) for person, step, found in steps if step is A.CLAIMED]
        assert len(claims) == 1
        (winner, claimed), final = claims[0], replicas[1].get(request.id)
        assert final is not None and final == claimed
        assert final.state is S.APPROVED and final.decided_by == winner
        assert len(final.approvals) == 3 and len(set(final.approvals)) == 3
        assert final.approvals[-1] == winner
        counted = [person for person, step, _ in steps if step is A.COUNTED]
        assert sorted(counted) == sorted(final.approvals[:2])
        audit = replicas[0].audit(request.id)
        assert [(e.from_state, e.to_state) for e in audit] == [
            (None, S.PENDING),
            (S.PENDING, S.PENDING),
            (S.PENDING, S.PENDING),
            (S.PENDING, S.APPROVED),
        ]
        assert [e.actor_id for e in audit[1:]] == list(final.approvals)
    finally:
        for replica in replicas:
            replica.close()


def test_the_audit_export_lists_every_approval_with_its_approver(
    store: Store, database_url: str, processes: Processes
) -> None:
    request = new_request(store, approvals_required=2)
    store.add_approval(request.id, "U_ANA", now=NOW + timedelta(minutes=1))
    store.add_approval(request.id, "U_BEN", now=NOW + timedelta(minutes=2))
    env = clean_env(SENDID_DATABASE_URL=database_url)
    since = NOW.date().isoformat()
    done = processes.run_bot("audit", "--since", since, "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["from_state"], r["to_state"], r["actor_id"], r["detail"]) for r in rows] == [
        (None, "pending", request.requester_id, "requested"),
        ("pending", "pending", "U_ANA", "approved (1 of 2)"),
        ("pending", "approved", "U_BEN", "approved (2 of 2)"),
    ]
