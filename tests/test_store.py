"""bot.store against SQLite (a file) and PostgreSQL (an isolated schema per test)."""

from __future__ import annotations

import socket
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.domain.errors import DuplicatePairError, DuplicateSubmissionError
from bot.domain.models import FailureKind, QuotaSnapshot, RequestState, SendIdRequest
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.store import (
    SCHEMA_VERSION,
    Store,
    StoreError,
    UnknownRequestError,
    normalise_url,
)
from tests.support import databases
from tests.support.bots import clean_env
from tests.support.processes import Processes
from tests.support.records import NOW, TTL, new_request

S = RequestState
W = DEFAULT_WORKSPACE


@pytest.fixture(params=databases.BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every test here runs on SQLite and on PostgreSQL (the conftest's store uses this)."""
    with databases.database_url(request.param, tmp_path) as url:
        yield url


def approve(store: Store, request_id: str, actor: str = "U_APP") -> SendIdRequest | None:
    return store.transition(
        request_id, [S.PENDING, S.FAILED], S.APPROVED, actor_id=actor, decided_by=actor
    )


def fail(store: Store, request_id: str, kind: FailureKind) -> SendIdRequest | None:
    return store.transition(
        request_id,
        S.APPROVED,
        S.FAILED,
        actor_id="system",
        failure_kind=kind,
        failure_message=f"braze said {kind.value}",
    )


# How far the first request got before a second one asks for the same pair.
def _stay_pending(store: Store, request_id: str) -> None:
    pass


def _approve(store: Store, request_id: str) -> None:
    assert approve(store, request_id)


def _create(store: Store, request_id: str) -> None:
    _approve(store, request_id)
    assert store.transition(
        request_id, S.APPROVED, S.CREATED, actor_id="system", created_send_id="spring"
    )


def _fail_with(kind: FailureKind) -> Callable[[Store, str], None]:
    def step(store: Store, request_id: str) -> None:
        _approve(store, request_id)
        assert fail(store, request_id, kind)

    return step


def _end_in(state: RequestState) -> Callable[[Store, str], None]:
    def step(store: Store, request_id: str) -> None:
        assert store.transition(request_id, S.PENDING, state, actor_id="U_APP")

    return step


HOLDING = {
    "pending": _stay_pending,
    "approved": _approve,
    "created": _create,
    "failed-unavailable": _fail_with(FailureKind.UNAVAILABLE),
    "failed-outcome-unknown": _fail_with(FailureKind.OUTCOME_UNKNOWN),
    "failed-quota": _fail_with(FailureKind.QUOTA),
}

FREEING = {
    "rejected": _end_in(S.REJECTED),
    "expired": _end_in(S.EXPIRED),
    "cancelled": _end_in(S.CANCELLED),
    "failed-400": _fail_with(FailureKind.REJECTED_BY_BRAZE),
}


# -- round trip --------------------------------------------------------------------------------


def test_a_created_request_reads_back_identically_with_aware_utc_datetimes(store: Store) -> None:
    plus_two = timezone(timedelta(hours=2))
    created = new_request(store, now=NOW.astimezone(plus_two))

    loaded = store.get(created.id)

    assert loaded == created
    assert loaded.state is S.PENDING
    assert loaded.id.startswith("r") and len(loaded.id) == 13
    assert loaded.created_at == NOW and loaded.created_at.tzinfo is UTC
    assert loaded.updated_at.tzinfo is UTC
    assert loaded.expires_at == NOW + TTL and loaded.expires_at.tzinfo is UTC
    assert (loaded.campaign_id, loaded.send_id, loaded.campaign_name) == (
        "cmp-1",
        "spring",
        "Spring sale",
    )
    assert loaded.attempts == 0
    assert loaded.decided_by is None and loaded.failure_kind is None


def test_an_unknown_request_id_reads_as_none(store: Store) -> None:
    assert store.get("r000000000000") is None


def test_naive_datetimes_are_refused_as_a_programming_error(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        new_request(store, now=datetime(2025, 3, 1, 12))  # deliberately naive


def test_send_ids_with_markup_characters_are_stored_verbatim(store: Store) -> None:
    created = new_request(store, send_id="<b>&amp;'\"")
    assert store.get(created.id) == created


def test_the_card_ts_is_remembered(store: Store) -> None:
    created = new_request(store)
    store.set_card(created.id, "1700000000.000100")
    loaded = store.get(created.id)
    assert loaded is not None and loaded.card_ts == "1700000000.000100"


def test_setting_the_card_of_an_unknown_request_raises(store: Store) -> None:
    with pytest.raises(UnknownRequestError):
        store.set_card("r000000000000", "1.2")


# -- campaign/send ID pairs ---------------------------------------------------------------------


@pytest.mark.parametrize("progress", HOLDING.values(), ids=HOLDING.keys())
def test_a_pair_is_refused_while_another_request_holds_it(
    store: Store, progress: Callable[[Store, str], None]
) -> None:
    first = new_request(store)
    progress(store, first.id)
    holder = store.get(first.id)
    assert holder is not None

    with pytest.raises(DuplicatePairError) as refused:
        new_request(store, requester_id="U_OTHER")

    assert refused.value.existing_request_id == first.id
    assert refused.value.existing_state is holder.state
    assert [r.id for r in store.recent_in_channel("C1")] == [first.id]


@pytest.mark.parametrize("progress", HOLDING.values(), ids=HOLDING.keys())
def test_the_holder_of_a_pair_can_be_looked_up_before_creating(
    store: Store, progress: Callable[[Store, str], None]
) -> None:
    first = new_request(store)
    progress(store, first.id)

    assert store.pair_holder(W, "cmp-1", "spring") == store.get(first.id)
    assert store.pair_holder(W, "cmp-1", "other") is None
    assert store.pair_holder(W, "cmp-2", "spring") is None


@pytest.mark.parametrize("ending", FREEING.values(), ids=FREEING.keys())
def test_a_pair_that_was_freed_has_no_holder(
    store: Store, ending: Callable[[Store, str], None]
) -> None:
    first = new_request(store)
    ending(store, first.id)
    assert store.pair_holder(W, "cmp-1", "spring") is None


def test_a_missing_send_id_has_no_holder(store: Store) -> None:
    new_request(store, send_id=None)
    assert store.pair_holder(W, "cmp-1", None) is None


@pytest.mark.parametrize("ending", FREEING.values(), ids=FREEING.keys())
def test_a_pair_is_free_again_once_its_request_ended_without_creating_it(
    store: Store, ending: Callable[[Store, str], None]
) -> None:
    first = new_request(store)
    ending(store, first.id)

    second = new_request(store, requester_id="U_OTHER")

    assert second.id != first.id
    with pytest.raises(DuplicatePairError) as refused:
        new_request(store)
    assert refused.value.existing_request_id == second.id


def test_a_missing_send_id_never_conflicts(store: Store) -> None:
    first = new_request(store, send_id=None)
    second = new_request(store, send_id=None)
    assert approve(store, first.id) and approve(store, second.id)
    assert new_request(store, send_id=None).send_id is None


def test_the_same_send_id_under_another_campaign_is_a_different_pair(store: Store) -> None:
    new_request(store, campaign_id="cmp-1", send_id="spring")
    assert new_request(store, campaign_id="cmp-2", send_id="spring").campaign_id == "cmp-2"
    assert new_request(store, campaign_id="cmp-1", send_id="summer").send_id == "summer"


def test_the_same_pair_in_another_braze_workspace_is_a_different_pair(store: Store) -> None:
    first = new_request(store, send_id="spring")
    other = new_request(store, send_id="spring", workspace="eu")
    assert (first.workspace, other.workspace) == (W, "eu")
    assert store.pair_holder(W, "cmp-1", "spring") == store.get(first.id)
    assert store.pair_holder("eu", "cmp-1", "spring") == store.get(other.id)
    with pytest.raises(DuplicatePairError) as refused:
        new_request(store, send_id="spring", workspace="eu")
    assert refused.value.existing_request_id == other.id


def test_a_retry_reclaims_its_pair_in_its_own_workspace(store: Store) -> None:
    first = new_request(store, workspace="eu")
    _fail_with(FailureKind.REJECTED_BY_BRAZE)(store, first.id)  # frees the pair
    assert store.pair_holder("eu", "cmp-1", "spring") is None
    assert approve(store, first.id)
    assert store.pair_holder("eu", "cmp-1", "spring") == store.get(first.id)
    assert store.pair_holder(W, "cmp-1", "spring") is None


def test_every_audit_row_names_the_requests_workspace(store: Store) -> None:
    request = new_request(store, workspace="eu")
    assert approve(store, request.id)
    assert [entry.workspace for entry in store.audit(request.id)] == ["eu", "eu"]


def test_retrying_a_failed_request_keeps_holding_its_pair(store: Store) -> None:
    first = new_request(store)
    _fail_with(FailureKind.UNAVAILABLE)(store, first.id)

    retried = approve(store, first.id, actor="U_APP2")

    assert retried is not None and retried.state is S.APPROVED
    with pytest.raises(DuplicatePairError):
        new_request(store)


def test_retrying_a_400_failure_whose_pair_was_taken_meanwhile_is_refused(store: Store) -> None:
    first = new_request(store)
    _fail_with(FailureKind.REJECTED_BY_BRAZE)(store, first.id)
    second = new_request(store, requester_id="U_OTHER")

    with pytest.raises(DuplicatePairError) as refused:
        approve(store, first.id)

    assert refused.value.existing_request_id == second.id
    unchanged = store.get(first.id)
    assert unchanged is not None and unchanged.state is S.FAILED and unchanged.attempts == 1
    assert [e.to_state for e in store.audit(first.id)] == [S.PENDING, S.APPROVED, S.FAILED]


def test_two_racing_requests_for_the_same_pair_let_exactly_one_succeed(database_url: str) -> None:
    # Separate Store instances: separate engines and connections, like separate replicas.
    racers = 8
    stores = [Store(database_url) for _ in range(racers)]
    barrier = threading.Barrier(racers)
    outcomes: list[object] = [None] * racers

    def race(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = new_request(stores[i], requester_id=f"U{i}")
        except DuplicatePairError as refused:
            outcomes[i] = refused

    try:
        threads = [threading.Thread(target=race, args=(i,)) for i in range(racers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [o for o in outcomes if isinstance(o, SendIdRequest)]
        losers = [o for o in outcomes if isinstance(o, DuplicatePairError)]
        assert len(winners) == 1 and len(losers) == racers - 1
        assert {loser.existing_request_id for loser in losers} == {winners[0].id}
        assert [r.id for r in stores[0].in_state(S.PENDING)] == [winners[0].id]
    finally:
        for s in stores:
            s.close()


# -- transitions --------------------------------------------------------------------------------


def test_only_one_of_many_concurrent_approvals_wins(store: Store) -> None:
    request = new_request(store)
    racers = 20
    barrier = threading.Barrier(racers)
    results: list[SendIdRequest | None] = [None] * racers
    errors: list[BaseException] = []

    def race(i: int) -> None:
        barrier.wait()
        try:
            results[i] = approve(store, request.id, actor=f"U{i:02d}")
        except BaseException as error:  # surfaced below; a thread must not swallow it
            errors.append(error)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    winner = winners[0]
    assert winner.state is S.APPROVED and winner.attempts == 1
    assert store.get(request.id) == winner
    approvals = [e for e in store.audit(request.id) if e.to_state is S.APPROVED]
    assert len(approvals) == 1
    assert approvals[0].actor_id == winner.decided_by
    assert approvals[0].from_state is S.PENDING


_RACER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from bot.domain.models import RequestState as S
    from bot.store import Store

    url, request_id, actor, go = sys.argv[1:]
    store = Store(url)
    while not Path(go).exists():
        time.sleep(0.001)
    won = store.transition(request_id, S.PENDING, S.APPROVED, actor_id=actor, decided_by=actor)
    store.close()
    print("won" if won else "lost")
    """
)


def test_only_one_of_several_processes_approving_at_once_wins(
    store: Store, database_url: str, tmp_path: Path, processes: Processes
) -> None:
    request = new_request(store)
    go = tmp_path / "go"
    racers = [
        processes.child(
            [sys.executable, "-c", _RACER, database_url, request.id, f"U_P{i}", str(go)],
            clean_env(),
            f"racer-{i}",
        ).start()
        for i in range(4)
    ]
    time.sleep(1.5)  # let every process import and open its Store, so they start together
    go.touch()
    codes = [racer.wait(timeout=60) for racer in racers]
    outputs = [racer.log_text().strip() for racer in racers]

    assert codes == [0, 0, 0, 0], outputs
    assert sorted(outputs) == ["lost", "lost", "lost", "won"]
    approvals = [e for e in store.audit(request.id) if e.to_state is S.APPROVED]
    assert len(approvals) == 1


def test_a_transition_from_an_unexpected_state_changes_nothing(store: Store) -> None:
    request = new_request(store)
    assert store.transition(request.id, S.PENDING, S.REJECTED, actor_id="U_APP")

    assert approve(store, request.id) is None

    loaded = store.get(request.id)
    assert loaded is not None and loaded.state is S.REJECTED and loaded.attempts == 0
    assert [e.to_state for e in store.audit(request.id)] == [S.PENDING, S.REJECTED]


def test_a_transition_of_an_unknown_request_returns_none(store: Store) -> None:
    assert approve(store, "r000000000000") is None
    assert store.audit("r000000000000") == []


@pytest.mark.parametrize(
    ("from_states", "to_state"),
    [
        (S.PENDING, S.CREATED),
        (S.CREATED, S.APPROVED),
        ([S.PENDING, S.APPROVED], S.REJECTED),
        (S.EXPIRED, S.PENDING),
        ([], S.APPROVED),
    ],
)
def test_an_illegal_transition_raises_before_touching_the_database(
    store: Store, from_states: RequestState | list[RequestState], to_state: RequestState
) -> None:
    request = new_request(store)
    with pytest.raises(ValueError):
        store.transition(request.id, from_states, to_state, actor_id="U_APP")
    assert store.get(request.id) == request


def test_entering_failed_without_a_failure_kind_raises(store: Store) -> None:
    request = new_request(store)
    assert approve(store, request.id)
    with pytest.raises(ValueError, match="failure_kind"):
        store.transition(request.id, S.APPROVED, S.FAILED, actor_id="system")


def test_the_audit_trail_records_every_transition_oldest_first(store: Store) -> None:
    request = new_request(store, requester_id="U_REQ")
    later = NOW + timedelta(minutes=5)
    store.transition(
        request.id,
        S.PENDING,
        S.APPROVED,
        actor_id="U_APP",
        decided_by="U_APP",
        detail="approved via card",
        now=later,
    )
    store.transition(
        request.id,
        S.APPROVED,
        S.FAILED,
        actor_id="system",
        detail="braze 503",
        now=later + timedelta(seconds=3),
        failure_kind=FailureKind.UNAVAILABLE,
    )
    store.transition(
        request.id,
        S.FAILED,
        S.APPROVED,
        actor_id="U_APP2",
        detail="retry",
        now=later + timedelta(minutes=1),
    )

    trail = [
        (e.from_state, e.to_state, e.actor_id, e.at, e.detail) for e in store.audit(request.id)
    ]

    assert trail == [
        (None, S.PENDING, "U_REQ", NOW, "requested"),
        (S.PENDING, S.APPROVED, "U_APP", later, "approved via card"),
        (S.APPROVED, S.FAILED, "system", later + timedelta(seconds=3), "braze 503"),
        (S.FAILED, S.APPROVED, "U_APP2", later + timedelta(minutes=1), "retry"),
    ]
    assert all(e.request_id == request.id and e.at.tzinfo is UTC for e in store.audit(request.id))


def test_the_audit_row_names_the_state_the_request_really_left(store: Store) -> None:
    request = new_request(store)
    assert approve(store, request.id)
    assert fail(store, request.id, FailureKind.UNAVAILABLE)

    # Both PENDING and FAILED are acceptable sources; the row must say which one it was.
    assert approve(store, request.id)

    assert store.audit(request.id)[-1].from_state is S.FAILED


def test_without_update_returning_the_previous_state_is_still_recorded(store: Store) -> None:
    # Old SQLite (< 3.35) has no RETURNING; force the fallback path that re-reads the row.
    store._db.update_returning = False
    request = new_request(store)
    assert approve(store, request.id)
    assert fail(store, request.id, FailureKind.UNAVAILABLE)

    retried = approve(store, request.id, actor="U_APP2")

    assert retried is not None and retried.state is S.APPROVED and retried.attempts == 2
    assert store.audit(request.id)[-1].from_state is S.FAILED
    assert approve(store, request.id) is None


def test_entering_approved_counts_attempts_and_records_the_approver(store: Store) -> None:
    request = new_request(store)
    at = NOW + timedelta(minutes=1)

    first = store.transition(
        request.id, S.PENDING, S.APPROVED, actor_id="U_APP", decided_by="U_APP", now=at
    )
    assert first is not None
    assert (first.attempts, first.decided_by, first.decided_at, first.updated_at) == (
        1,
        "U_APP",
        at,
        at,
    )

    fail(store, request.id, FailureKind.UNAVAILABLE)
    second = approve(store, request.id, actor="U_APP2")
    assert second is not None and second.attempts == 2 and second.decided_by == "U_APP2"


def test_only_the_fields_passed_explicitly_are_updated(store: Store) -> None:
    request = new_request(store)
    store.set_card(request.id, "1.1")
    approved = approve(store, request.id)
    assert approved is not None

    failed = fail(store, request.id, FailureKind.OUTCOME_UNKNOWN)
    assert failed is not None
    assert failed.decided_by == approved.decided_by and failed.decided_at == approved.decided_at
    assert failed.card_ts == "1.1"
    assert failed.failure_kind is FailureKind.OUTCOME_UNKNOWN
    assert failed.failure_message == "braze said outcome_unknown"

    # A retry that explicitly clears the failure, leaving everything else alone.
    retried = store.transition(
        request.id,
        S.FAILED,
        S.APPROVED,
        actor_id="U_APP",
        failure_kind=None,
        failure_message=None,
    )
    assert retried is not None
    assert retried.failure_kind is None and retried.failure_message is None
    assert retried.decided_by == approved.decided_by and retried.card_ts == "1.1"

    created = store.transition(
        request.id, S.APPROVED, S.CREATED, actor_id="system", created_send_id="spring"
    )
    assert created is not None and created.created_send_id == "spring"


def test_a_rejection_keeps_its_reason_and_who_decided(store: Store) -> None:
    request = new_request(store)
    rejected = store.transition(
        request.id,
        S.PENDING,
        S.REJECTED,
        actor_id="U_APP",
        decided_by="U_APP",
        reject_reason="wrong campaign",
    )
    assert rejected is not None
    assert (rejected.state, rejected.reject_reason, rejected.decided_by) == (
        S.REJECTED,
        "wrong campaign",
        "U_APP",
    )
    assert rejected.attempts == 0


# -- queries ------------------------------------------------------------------------------------


def test_due_for_expiry_lists_only_pending_requests_past_their_deadline(store: Store) -> None:
    old = new_request(store, send_id="a", now=NOW - timedelta(hours=25))
    exactly_due = new_request(store, send_id="b", now=NOW - TTL)
    fresh = new_request(store, send_id="c", now=NOW - timedelta(hours=1))
    old_but_approved = new_request(store, send_id="d", now=NOW - timedelta(hours=30))
    approve(store, old_but_approved.id)

    due = store.due_for_expiry(NOW)

    assert [r.id for r in due] == [old.id, exactly_due.id]
    assert fresh.id not in {r.id for r in due}
    # The same instant in another zone means the same thing.
    plus_five = timezone(timedelta(hours=5))
    assert [r.id for r in store.due_for_expiry(NOW.astimezone(plus_five))] == [
        old.id,
        exactly_due.id,
    ]


def test_recent_in_channel_lists_the_newest_first_and_respects_the_limit(store: Store) -> None:
    made = [new_request(store, send_id=f"s{i}", now=NOW + timedelta(minutes=i)) for i in range(5)]
    new_request(store, send_id="elsewhere", channel_id="C2", now=NOW + timedelta(hours=1))

    assert [r.id for r in store.recent_in_channel("C1")] == [r.id for r in reversed(made)]
    assert [r.id for r in store.recent_in_channel("C1", limit=2)] == [made[4].id, made[3].id]
    assert store.recent_in_channel("C_EMPTY") == []


def test_in_state_lists_the_requests_in_that_state(store: Store) -> None:
    first = new_request(store, send_id="a")
    second = new_request(store, send_id="b", now=NOW + timedelta(seconds=1))
    approve(store, first.id)

    assert [r.id for r in store.in_state(S.APPROVED)] == [first.id]
    assert [r.id for r in store.in_state(S.PENDING)] == [second.id]
    assert store.in_state(S.CREATED) == []


# -- quota --------------------------------------------------------------------------------------


def test_no_quota_is_known_before_any_observation(store: Store) -> None:
    assert store.quota(W) is None


def test_the_newest_quota_observation_wins(store: Store) -> None:
    reset = datetime(2025, 3, 2, tzinfo=UTC)
    newer = QuotaSnapshot(limit=100, remaining=40, reset_at=reset, observed_at=NOW)
    older = QuotaSnapshot(
        limit=100, remaining=60, reset_at=reset, observed_at=NOW - timedelta(minutes=1)
    )
    newest = QuotaSnapshot(
        limit=None, remaining=0, reset_at=None, observed_at=NOW + timedelta(minutes=1)
    )

    store.record_quota(W, newer)
    store.record_quota(W, older)
    assert store.quota(W) == newer

    store.record_quota(W, newest)
    assert store.quota(W) == newest


def test_each_braze_workspace_keeps_its_own_quota(store: Store) -> None:
    used_up = QuotaSnapshot(limit=100, remaining=0, reset_at=None, observed_at=NOW)
    plenty = QuotaSnapshot(limit=200, remaining=150, reset_at=None, observed_at=NOW)
    store.record_quota("eu", used_up)
    store.record_quota(W, plenty)
    # An older observation of one workspace never replaces another's newer one.
    store.record_quota(W, replace(used_up, observed_at=NOW - timedelta(hours=1)))
    assert store.quota("eu") == used_up
    assert store.quota(W) == plenty
    assert store.quota("apac") is None
    assert store.quotas() == {W: plenty, "eu": used_up}


def test_the_quota_is_shared_between_stores_on_the_same_database(database_url: str) -> None:
    snapshot = QuotaSnapshot(limit=100, remaining=7, reset_at=None, observed_at=NOW)
    with Store(database_url) as one, Store(database_url) as other:
        one.record_quota(W, snapshot)
        assert other.quota(W) == snapshot


# -- lifecycle, schema, health ------------------------------------------------------------------


def test_data_survives_reopening_the_store(database_url: str) -> None:
    with Store(database_url) as first:
        request = new_request(first)
        approve(first, request.id)
        first.record_quota(
            W, QuotaSnapshot(limit=100, remaining=99, reset_at=None, observed_at=NOW)
        )
        trail = first.audit(request.id)
        before = first.get(request.id)

    with Store(database_url) as reopened:
        loaded = reopened.get(request.id)
        assert loaded == before and loaded is not None and loaded.state is S.APPROVED
        assert reopened.audit(request.id) == trail
        assert reopened.quota(W) is not None
        with pytest.raises(DuplicatePairError):
            new_request(reopened)


def test_the_schema_version_is_recorded_once_however_often_the_store_opens(
    database_url: str,
) -> None:
    for _ in range(3):
        Store(database_url).close()
    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            versions = conn.exec_driver_sql("SELECT version FROM schema_version").scalars().all()
    finally:
        engine.dispose()
    assert versions == [SCHEMA_VERSION]


def test_a_database_written_by_newer_code_is_refused(database_url: str) -> None:
    Store(database_url).close()
    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO schema_version (version, applied_at) "
                "VALUES (99, '2030-01-01 00:00:00')"
            )
    finally:
        engine.dispose()

    with pytest.raises(StoreError, match="newer"):
        Store(database_url)


def test_an_in_memory_sqlite_store_works_within_one_thread() -> None:
    with Store("sqlite:///:memory:") as memory:
        request = new_request(memory)
        assert approve(memory, request.id)
        assert memory.get(request.id) is not None and memory.ping()


def test_ping_is_true_for_a_reachable_database(store: Store) -> None:
    assert store.ping() is True


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_opening_an_unreachable_database_raises_a_store_error_naming_it() -> None:
    port = _closed_port()
    with pytest.raises(StoreError, match=str(port)):
        Store(f"postgresql://postgres:hunter2@127.0.0.1:{port}/test")


def test_opening_an_unreachable_database_does_not_reveal_the_password() -> None:
    with pytest.raises(StoreError) as refused:
        Store(f"postgresql://postgres:hunter2@127.0.0.1:{_closed_port()}/test")
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    "credentials",
    [
        "?password=hunter2-in-query",
        "?sslmode=disable&password=hunter2-in-query",
        "?PASSWORD=hunter2-in-query",
        "?sslpassword=hunter2-in-query",
        "?passfile=/run/secrets/hunter2-in-query",
        "?password=hunter2%2Din%2Dquery",
    ],
)
def test_a_password_in_the_query_string_is_masked_in_the_store_error(credentials: str) -> None:
    """Issue 24, item 6: before, only a password written as user:password@ was masked."""
    with pytest.raises(StoreError) as refused:
        Store(f"postgresql://postgres@127.0.0.1:{_closed_port()}/test{credentials}")
    shown = str(refused.value)
    assert "hunter2" not in shown
    assert "=***" in shown and "cannot open database postgresql+psycopg://postgres@127" in shown


def test_opening_a_sqlite_file_in_a_missing_directory_raises_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        Store(f"sqlite:///{tmp_path / 'missing' / 'sendid.db'}")


@pytest.mark.postgres
def test_ping_turns_false_without_raising_when_the_database_goes_away() -> None:
    with databases.isolated_postgres_url() as url:
        real = normalise_url(url)
        proxy = databases.TcpProxy((real.host or "127.0.0.1", real.port or 5432))
        try:
            store = Store(real.set(port=proxy.port))
            assert store.ping() is True
            new_request(store)  # leaves a pooled connection behind, as a running bot would

            proxy.stop()

            assert store.ping() is False  # at once: no hang (pytest-timeout would say)
            store.close()
        finally:
            proxy.stop()


# -- URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///sendid.db", "sqlite"),
    ],
)
def test_postgres_urls_are_served_by_psycopg_3(given: str, driver: str) -> None:
    assert normalise_url(given).drivername == driver


def test_a_replayed_submission_key_is_refused_and_names_the_request_it_made(store: Store) -> None:
    def submit_the_form() -> SendIdRequest:
        return new_request(store, send_id=None, campaign_name=None, submission_key="V0FORM1")

    first = submit_the_form()
    with pytest.raises(DuplicateSubmissionError) as caught:
        submit_the_form()  # the same form (the same view ID) again
    assert caught.value.existing_request_id == first.id
    assert [r.id for r in store.recent_in_channel("C1")] == [first.id]
    # Another form (another view ID) with the same blank send ID is a new request.
    other = new_request(store, send_id=None)
    assert other.id != first.id
