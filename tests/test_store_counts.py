"""The store's counts for metrics, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.models import FailureKind, RequestState
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.store import Store, StoreError
from tests.support import databases
from tests.support.records import new_request

S = RequestState


@pytest.fixture(params=databases.BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with databases.database_url(request.param, tmp_path) as url, Store(url) as opened:
        yield opened


def make(store: Store, send_id: str, workspace: str = DEFAULT_WORKSPACE) -> str:
    return new_request(store, send_id=send_id, workspace=workspace, ttl=timedelta(hours=1)).id


def move(
    store: Store, request_id: str, *path: RequestState, kind: FailureKind | None = None
) -> None:
    """Take the request along `path`; every step entering failed gets `kind`."""
    current = S.PENDING
    for state in path:
        if state is S.FAILED:
            moved = store.transition(request_id, current, state, actor_id="U", failure_kind=kind)
        else:
            moved = store.transition(request_id, current, state, actor_id="U")
        assert moved is not None
        current = state


def test_an_empty_database_counts_zero_in_every_state_and_kind(store: Store) -> None:
    assert store.count_by_state() == dict.fromkeys(RequestState, 0)
    assert store.count_failed_by_kind() == {}
    assert store.count_failed_by_kind(["default", "eu"]) == {
        "default": dict.fromkeys(FailureKind, 0),
        "eu": dict.fromkeys(FailureKind, 0),
    }


def test_requests_are_counted_by_their_current_state(store: Store) -> None:
    make(store, "a")
    make(store, "b")
    move(store, make(store, "c"), S.APPROVED, S.CREATED)
    move(store, make(store, "d"), S.REJECTED)
    move(store, make(store, "e"), S.APPROVED, S.FAILED, kind=FailureKind.QUOTA)

    counts = store.count_by_state()

    assert counts == {
        **dict.fromkeys(RequestState, 0),
        S.PENDING: 2,
        S.CREATED: 1,
        S.REJECTED: 1,
        S.FAILED: 1,
    }


def test_only_requests_that_are_failed_now_count_by_failure_kind(store: Store) -> None:
    move(store, make(store, "a"), S.APPROVED, S.FAILED, kind=FailureKind.AUTH)
    move(store, make(store, "b"), S.APPROVED, S.FAILED, kind=FailureKind.AUTH)
    move(store, make(store, "c"), S.APPROVED, S.FAILED, kind=FailureKind.OUTCOME_UNKNOWN)
    # Failed once, then retried successfully: it no longer counts as failed.
    move(
        store,
        make(store, "d"),
        S.APPROVED,
        S.FAILED,
        S.APPROVED,
        S.CREATED,
        kind=FailureKind.UNAVAILABLE,
    )

    counts = store.count_failed_by_kind([DEFAULT_WORKSPACE])

    assert counts == {
        DEFAULT_WORKSPACE: {
            **dict.fromkeys(FailureKind, 0),
            FailureKind.AUTH: 2,
            FailureKind.OUTCOME_UNKNOWN: 1,
        }
    }


def test_failed_requests_are_counted_per_braze_workspace(store: Store) -> None:
    move(store, make(store, "a"), S.APPROVED, S.FAILED, kind=FailureKind.QUOTA)
    move(store, make(store, "a", workspace="eu"), S.APPROVED, S.FAILED, kind=FailureKind.AUTH)
    # A workspace no longer configured still shows while it has failed requests.
    move(store, make(store, "b", workspace="gone"), S.APPROVED, S.FAILED, kind=FailureKind.AUTH)

    counts = store.count_failed_by_kind([DEFAULT_WORKSPACE, "eu", "apac"])

    zero = dict.fromkeys(FailureKind, 0)
    assert counts == {
        DEFAULT_WORKSPACE: {**zero, FailureKind.QUOTA: 1},
        "eu": {**zero, FailureKind.AUTH: 1},
        "apac": zero,
        "gone": {**zero, FailureKind.AUTH: 1},
    }


def test_counting_a_database_that_went_bad_raises_a_store_error(tmp_path: Path) -> None:
    database = tmp_path / "sendid.db"
    store = Store(f"sqlite:///{database}")
    store.close()  # drops the pooled connections; the next count opens the file again
    for leftover in tmp_path.glob("sendid.db-*"):
        leftover.unlink()
    database.write_bytes(b"not a database" * 1000)

    with pytest.raises(StoreError):
        store.count_by_state()
    with pytest.raises(StoreError):
        store.count_failed_by_kind()
