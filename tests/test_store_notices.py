"""Notices about a request in bot.store, on SQLite and PostgreSQL: a notice is taken once by
one of many concurrent claimers, and a failing reply's attempts are counted atomically."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Store
from tests.support import databases
from tests.support.records import new_request

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=databases.BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with databases.database_url(request.param, tmp_path) as url, Store(url) as opened:
        yield opened


def a_request(store: Store, send_id: str = "wave") -> str:
    return new_request(store, send_id=send_id, campaign_name=None, now=NOW).id


def test_a_notice_is_taken_once_among_concurrent_claimers(store: Store) -> None:
    request_id = a_request(store)
    won: list[bool] = []
    start = threading.Barrier(8)

    def claim() -> None:
        start.wait()
        won.append(store.claim_notice(request_id, "quota_back:1", NOW))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 7 + [True]
    assert store.has_notice(request_id, "quota_back:1")
    assert not store.has_notice(request_id, "quota_back:2")


def test_attempts_at_a_notice_are_counted_across_concurrent_writers(store: Store) -> None:
    request_id = a_request(store)
    counts: list[int] = []
    threads = [
        threading.Thread(target=lambda: counts.append(store.count_notice(request_id, "r", NOW)))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [1, 2, 3, 4, 5, 6]


def test_a_requests_notices_are_listed_by_prefix_oldest_first(store: Store) -> None:
    request_id = a_request(store)
    store.claim_notice(request_id, "dmmsg:D1:1.1", NOW)
    store.claim_notice(request_id, "dm:U1", NOW)
    store.claim_notice(request_id, "dmmsg:D2:2.2", NOW + timedelta(seconds=1))
    store.claim_notice(request_id, "dmmsg_%:x", NOW)  # a LIKE wildcard in a notice is literal
    assert store.notices_of(request_id, "dmmsg:") == ["dmmsg:D1:1.1", "dmmsg:D2:2.2"]
    assert store.notices_of(a_request(store, "wave2"), "dmmsg:") == []
