"""The replay memory in the database (bot.store.signatures), on SQLite and PostgreSQL: a
signature is answered once, by whichever replica gets it first, and forgotten when it is old."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.http.replays import REPLAY_WINDOW_SECONDS, ReplayGuard
from bot.store import Store
from bot.store.errors import StoreError
from bot.store.schema import signatures_table
from tests.support import databases
from tests.support.bots import InProcessBots
from tests.support.waits import wait_until

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


def test_a_burst_of_threads_is_written_together_and_each_signature_is_first_exactly_once(
    store: Store,
) -> None:
    # 60 threads, 20 signatures three times each: written in shared transactions (group
    # commit), yet every signature is "first time" for exactly one of its three callers.
    signatures = [f"{i:064x}" for i in range(20)] * 3
    firsts: list[tuple[str, bool]] = []
    start = threading.Barrier(len(signatures))

    def remember(signature: str) -> None:
        start.wait()
        firsts.append((signature, store.remember_signature(signature, NOW)))

    threads = [threading.Thread(target=remember, args=(s,)) for s in signatures]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(firsts) == len(signatures)
    assert sorted(s for s, first in firsts if first) == sorted(set(signatures))
    assert store.signatures_kept() == 20


def test_a_burst_of_lookups_each_learns_whether_its_own_signature_is_kept(
    store: Store,
) -> None:
    # 60 threads at once, looked up together (group read): each answer is its own signature's.
    kept = [f"{i:064x}" for i in range(0, 40, 2)]
    assert store.remember_signatures([(s, NOW) for s in kept]) == set()
    asked = [f"{i:064x}" for i in range(40)] + kept  # some asked twice in one burst
    answers: list[tuple[str, bool]] = []
    start = threading.Barrier(len(asked))

    def look_up(signature: str) -> None:
        start.wait()
        answers.append((signature, store.signature_kept(signature)))

    threads = [threading.Thread(target=look_up, args=(s,)) for s in asked]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers) == sorted((s, s in kept) for s in asked)


def test_a_lookup_the_database_cannot_answer_fails_every_caller_of_its_batch(
    database_url: str,
) -> None:
    with Store(database_url) as store, Store(database_url) as admin:
        assert not store.signature_kept(SIGNATURE)  # its connection is open
        with admin._db.write() as conn:  # the table is gone: no lookup can be answered
            conn.execute(sa.text(f"DROP TABLE {signatures_table.name}"))
        failures: list[BaseException] = []
        start = threading.Barrier(8)

        def look_up() -> None:
            start.wait()
            try:
                store.signature_kept(SIGNATURE)
            except StoreError as error:
                failures.append(error)

        threads = [threading.Thread(target=look_up) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(failures) == 8  # none told "not kept"


def test_the_guard_refuses_what_another_replica_answered(database_url: str) -> None:
    with Store(database_url) as one, Store(database_url) as other:
        first, second = ReplayGuard(one), ReplayGuard(other)
        assert first.first_time(SIGNATURE, NOW)
        assert not second.first_time(SIGNATURE, NOW)
        # A request answered 5xx is forgotten everywhere: Slack's retry gets through.
        first.forget(SIGNATURE)
        assert second.first_time(SIGNATURE, NOW)


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


def test_a_slash_command_is_refused_here_at_once_and_by_another_replica_once_written(
    database_url: str,
) -> None:
    with Store(database_url) as one, Store(database_url) as other:
        here, there = ReplayGuard(one, write_behind=60), ReplayGuard(other)
        assert here.first_time(SIGNATURE, NOW, before_answer=False)
        assert not here.first_time(SIGNATURE, NOW, before_answer=False)  # in memory at once
        here.flush()
        assert not there.first_time(SIGNATURE, NOW)
        here.close()


def test_a_slash_commands_signature_reaches_the_database_moments_after_its_answer(
    store: Store,
) -> None:
    guard = ReplayGuard(store, write_behind=0.01)
    for n in range(20):  # a burst: written together
        assert guard.first_time(f"{n:064x}", NOW, before_answer=False)
    wait_until(lambda: store.signatures_kept() == 20, timeout=5)
    guard.close()


def test_a_graceful_stop_writes_the_signatures_still_behind(store: Store) -> None:
    guard = ReplayGuard(store, write_behind=60)
    assert guard.first_time(SIGNATURE, NOW, before_answer=False)
    assert store.signatures_kept() == 0
    guard.close()
    assert store.signatures_kept() == 1
    assert not store.remember_signature(SIGNATURE, NOW)


def test_a_command_two_replicas_answered_before_either_wrote_it_is_logged(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with Store(database_url) as one, Store(database_url) as other:
        first, second = ReplayGuard(one, write_behind=60), ReplayGuard(other, write_behind=60)
        assert first.first_time(SIGNATURE, NOW, before_answer=False)
        assert second.first_time(SIGNATURE, NOW, before_answer=False)
        first.close()
        with caplog.at_level(logging.WARNING, logger="bot.web"):
            second.close()
    assert "answered by two replicas" in caplog.text
