"""The replay memory in the database (bot.store.signatures), on SQLite and PostgreSQL: a
signature is answered once, by whichever replica gets it first, and forgotten when it is old."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.http.replays import REPLAY_WINDOW_SECONDS
from bot.store import Store
from tests.support import databases
from tests.support.bots import InProcessBots

SIGNATURE = "a" * 64
NOW = 1_764_000_000


@pytest.fixture(params=databases.BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with databases.database_url(request.param, tmp_path) as url:
        yield url


def test_a_signature_is_new_once_and_then_a_replay(store: Store) -> None:
    assert store.remember_signature(SIGNATURE, NOW)
    assert not store.remember_signature(SIGNATURE, NOW)
    assert store.signatures_kept() == 1


def test_a_forgotten_signature_is_new_again(store: Store) -> None:
    store.remember_signature(SIGNATURE, NOW)
    store.forget_signature(SIGNATURE)
    assert store.remember_signature(SIGNATURE, NOW)


def test_a_signature_is_remembered_across_restarts(database_url: str) -> None:
    with Store(database_url) as before:
        assert before.remember_signature(SIGNATURE, NOW)
    with Store(database_url) as after:
        assert not after.remember_signature(SIGNATURE, NOW)


def test_signatures_older_than_the_cutoff_are_pruned_and_newer_kept(store: Store) -> None:
    store.remember_signature("0" * 64, NOW - 400)
    store.remember_signature("1" * 64, NOW - 10)
    assert store.forget_signatures_before(NOW - 360) == 1
    assert store.signatures_kept() == 1
    assert store.remember_signature("0" * 64, NOW)  # pruned: new again
    assert not store.remember_signature("1" * 64, NOW)


def test_of_replicas_racing_with_one_signature_exactly_one_is_told_first(
    database_url: str,
) -> None:
    replicas = [Store(database_url) for _ in range(4)]
    firsts: list[bool] = []
    start = threading.Barrier(len(replicas) * 4)

    def race(store: Store) -> None:
        start.wait()
        firsts.append(store.remember_signature(SIGNATURE, NOW))

    threads = [threading.Thread(target=race, args=(s,)) for s in replicas for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        for store in replicas:
            store.close()
    assert sorted(firsts) == [False] * 15 + [True]


def test_a_signature_one_replica_answered_is_refused_by_another_until_forgotten(
    database_url: str,
) -> None:
    with Store(database_url) as one, Store(database_url) as other:
        assert one.remember_signature(SIGNATURE, NOW)
        assert not other.remember_signature(SIGNATURE, NOW)
        # A request answered 5xx is forgotten everywhere: Slack's retry gets through.
        one.forget_signature(SIGNATURE)
        assert other.remember_signature(SIGNATURE, NOW)


def test_housekeeping_forgets_signatures_past_slacks_window(bots: InProcessBots) -> None:
    bot = bots.start()
    store, now = bot.store, int(time.time())
    store.remember_signature("0" * 64, now - REPLAY_WINDOW_SECONDS - 120)  # past it
    store.remember_signature("1" * 64, now - REPLAY_WINDOW_SECONDS + 30)  # still inside
    assert bot.runtime.housekeeping.run_once() == []
    assert store.remember_signature("0" * 64, now)
    assert not store.remember_signature("1" * 64, now)


@pytest.mark.postgres
def test_the_replay_memory_keeps_answering_after_the_database_cut_its_connection() -> None:
    with databases.isolated_postgres_url() as url, Store(url) as store:
        assert store.remember_signature("0" * 64, NOW)
        # The database restarts (or an admin ends idle sessions): every connection of this
        # schema's users is cut, the one the replay memory keeps among them.
        databases.end_sessions_of(url)
        assert store.remember_signature("1" * 64, NOW)
        assert not store.remember_signature("0" * 64, NOW)  # what was kept is still kept
        assert store.signatures_kept() == 2


def test_a_kept_signature_is_visible_to_every_other_connection_at_once(database_url: str) -> None:
    with Store(database_url) as writer, Store(database_url) as reader:
        assert writer.remember_signature(SIGNATURE, NOW)
        assert reader.signatures_kept() == 1
        assert not reader.remember_signature(SIGNATURE, NOW)
