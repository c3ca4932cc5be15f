"""Issue 24, item 7: housekeeping reads only what it acts on, and deletes what is past the
retention period, on SQLite and PostgreSQL.

Before, the quota-is-back job read every failed request ever stored, every round, in every
replica (100,000 stored requests: 1.5 s a round on either database, measured at 7707aad), and
nothing ever deleted a request, an audit row or a notice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.domain.models import FailureKind, RequestState, SendIdRequest
from bot.domain.notices import QUOTA_BACK_WITHIN, NoticeBook
from bot.domain.sweeps import ENDED_STATES, RETENTION_BATCH
from bot.store import SCHEMA_VERSION, Store, normalise_url
from tests.support import databases
from tests.support.records import new_request

S = RequestState
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
RETENTION = timedelta(days=30)


@pytest.fixture(params=databases.BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with databases.database_url(request.param, tmp_path) as url, Store(url) as opened:
        yield opened


def ended(store: Store, send_id: str, at: datetime, kind: FailureKind | None = None) -> str:
    """A request made and approved at `at`, then created (or failed with `kind`) at `at`, its
    reply posted; its ID."""
    request = new_request(store, send_id=send_id, now=at)
    store.transition(request.id, S.PENDING, S.APPROVED, actor_id="U_APP", now=at)
    if kind is None:
        store.transition(
            request.id, S.APPROVED, S.CREATED, actor_id="U_APP", now=at, created_send_id=send_id
        )
        store.mark_announced(request.id, S.CREATED)
    else:
        store.transition(
            request.id, S.APPROVED, S.FAILED, actor_id="U_APP", now=at, failure_kind=kind
        )
        store.mark_announced(request.id, S.FAILED)
    return request.id


class Reading:
    """How many request rows a piece of work read from the store."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rows = 0
        original = store._requests  # the one way the store's queries read requests

        def counted(statement: sa.Select[Any]) -> list[SendIdRequest]:
            found = original(statement)
            self.rows += len(found)
            return found

        monkeypatch.setattr(store, "_requests", counted)


def test_the_quota_is_back_job_reads_only_recent_quota_failures(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = NOW - QUOTA_BACK_WITHIN - timedelta(hours=1)
    for n in range(300):
        ended(store, f"old_{n}", old - timedelta(minutes=n), FailureKind.QUOTA)
    for n in range(50):
        ended(store, f"other_{n}", NOW - timedelta(hours=1), FailureKind.UNAVAILABLE)
    recent = ended(store, "recent", NOW - timedelta(hours=1), FailureKind.QUOTA)
    reading = Reading(store, monkeypatch)
    back = NoticeBook(store, lambda: NOW).take_quota_back(lambda workspace: None)
    assert [r.id for r in back] == [recent]
    assert reading.rows == 1  # before: all 351 failed requests, every round


def test_ended_requests_past_the_retention_go_with_their_audit_rows_and_notices(
    store: Store,
) -> None:
    cutoff = NOW - RETENTION
    gone = [
        ended(store, "old_created", cutoff - timedelta(days=1)),
        ended(store, "old_failed", cutoff - timedelta(days=2), FailureKind.OUTCOME_UNKNOWN),
    ]
    store.claim_notice(gone[0], "dm:U_APP", cutoff)
    kept = [
        ended(store, "young_created", cutoff + timedelta(hours=1)),
        new_request(store, send_id="old_pending", now=cutoff - timedelta(days=5)).id,
    ]
    store.claim_notice(kept[0], "dm:U_APP", NOW)

    trails = store.delete_ended_before(cutoff, ENDED_STATES, RETENTION_BATCH)

    assert [[row["to_state"] for row in trail] for trail in trails] == [
        ["pending", "approved", "failed"],
        ["pending", "approved", "created"],
    ]
    first = trails[1][0]
    assert first["request_id"] == gone[0] and first["send_id"] == "old_created"
    assert first["at"] == (cutoff - timedelta(days=1)).isoformat()
    assert [store.get(i) for i in gone] == [None, None]
    assert [store.audit(i) for i in gone] == [[], []]
    assert not store.has_notice(gone[0], "dm:U_APP")
    assert all(store.get(i) is not None for i in kept)  # too young, or not ended
    assert store.has_notice(kept[0], "dm:U_APP") and len(store.audit(kept[0])) == 3
    # The pair the deleted request created is not remembered any more.
    assert store.pair_holder("default", "cmp-1", "old_created") is None
    assert store.delete_ended_before(cutoff, ENDED_STATES, RETENTION_BATCH) == []


def test_a_backlog_is_deleted_a_batch_a_round(store: Store) -> None:
    for n in range(7):
        ended(store, f"old_{n}", NOW - RETENTION - timedelta(days=1, minutes=n))
    counts = [len(store.delete_ended_before(NOW - RETENTION, ENDED_STATES, 3)) for _ in range(4)]
    assert counts == [3, 3, 1, 0]


def test_the_service_logs_each_deleted_trail_before_it_is_gone(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.domain.service import SendIdService

    request_id = ended(store, "logged", NOW - RETENTION - timedelta(days=1))
    service = SendIdService(store, {}, ttl=timedelta(hours=24), clock=lambda: NOW)
    with caplog.at_level(logging.INFO, logger="bot.retention"):
        assert service.forget_ended(RETENTION) == 1
    (record,) = caplog.records
    assert record.getMessage() == "audit trail of a request deleted after the retention period"
    assert record.__dict__["request_id"] == request_id
    assert [row["to_state"] for row in record.__dict__["audit"]] == [
        "pending",
        "approved",
        "created",
    ]


def test_housekeeping_finds_its_work_through_indexes_on_a_new_and_an_upgraded_database(
    store: Store,
) -> None:
    engine = sa.create_engine(normalise_url(store.url))
    try:
        names = {index["name"] for index in sa.inspect(engine).get_indexes("requests")}
    finally:
        engine.dispose()
    assert {
        "ix_requests_state_kind_updated",
        "ix_requests_state_updated",
        "ix_requests_unannounced",
    } <= names
    assert SCHEMA_VERSION >= 8  # the version that added them
