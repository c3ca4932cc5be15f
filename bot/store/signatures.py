"""Slack request signatures already answered: the replay memory every replica shares.

Insert-if-absent is one statement under the primary key, so of two replicas (or threads) given
the same signature exactly one is told "first time", whatever the timing.

Every Slack request remembers its signature before it is answered, so this write is on the path
of every acknowledgement. One transaction each (one commit, one fsync, one SQLite writer at a
time) made a burst of 100 requests queue ~0.5 s for it alone; so concurrent callers' signatures
go into one statement together (group commit, :class:`_GroupCommit`): each caller still gets
its answer only once its row is committed, and a signature given twice in one batch is "first
time" for exactly one of them.

The commit does not wait for the disk (``Database.run_unsynced``): every replica sees it at once
and a restart of the bot keeps it, but a crash of the machine itself may lose the last moment's
signatures, so a replay of those few requests would pass this check. That is a deliberate
trade: this memory is the first line of defence, not the last. What a replay could do twice is
guarded durably elsewhere: a decision or a Retry only by a conditional state transition and a
per-click claim (``request_notices``), a submission by its unique view ID, a form by Slack's
single-use trigger ID.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from bot.store.errors import translate_errors
from bot.store.queries import Queries
from bot.store.schema import signatures_table

# Rows per INSERT: 2 parameters each, far below SQLite's and PostgreSQL's limits.
_ROWS_PER_STATEMENT = 200


@functools.cache
def _select_sql(rows: int, placeholder: str) -> str:
    """SELECT of those of `rows` signatures that are kept (driver-level, built once per count)."""
    marks = ", ".join([placeholder] * rows)
    table = signatures_table.name
    return f"SELECT signature FROM {table} WHERE signature IN ({marks})"  # noqa: S608


@functools.cache
def _insert_sql(rows: int, placeholder: str) -> str:
    """INSERT of `rows` signatures that skips those already kept and returns the new ones.

    Driver-level SQL, built once per row count: one statement per batch instead of one per
    request, and no SQLAlchemy compilation on the acknowledgement's path (it cost ~0.3 ms of
    CPU per request). SQLite has had ON CONFLICT … RETURNING since 3.35."""
    values = ", ".join([f"({placeholder}, {placeholder})"] * rows)
    table = signatures_table.name
    # Only the table's own name and placeholders go into the text; the values are parameters.
    return (
        f"INSERT INTO {table} (signature, request_timestamp) VALUES {values} "  # noqa: S608
        "ON CONFLICT (signature) DO NOTHING RETURNING signature"
    )


@dataclass(eq=False)
class _Waiting:
    signature: str
    request_timestamp: int
    done: bool = False
    first: bool = False  # written by this batch (a write), or kept already (a read)
    error: BaseException | None = None


@dataclass(eq=False)
class _GroupCommit:
    """Signatures waiting to be written, and the lock of the one batch being written."""

    pending: list[_Waiting] = field(default_factory=list)
    pending_lock: threading.Lock = field(default_factory=threading.Lock)
    writing: threading.Lock = field(default_factory=threading.Lock)


class SignatureRecords(Queries):
    def _group(self, name: str = "_group_commit") -> _GroupCommit:
        group = self.__dict__.get(name)
        if group is None:  # first use: setdefault keeps one however many threads race here
            group = self.__dict__.setdefault(name, _GroupCommit())
        return group

    def _together(
        self, group: _GroupCommit, mine: _Waiting, run: Callable[[list[_Waiting]], None]
    ) -> None:
        """Run `mine` in a batch: whoever holds `group.writing` runs every one pending at that
        moment in one statement; a caller whose entry a batch took meanwhile just reads its
        answer. Raises what the batch raised."""
        with group.pending_lock:
            group.pending.append(mine)
        with group.writing:
            if not mine.done:
                with group.pending_lock:
                    batch, group.pending = group.pending, []
                run(batch)
        if mine.error is not None:
            raise mine.error

    @translate_errors
    def remember_signature(self, signature: str, request_timestamp: int) -> bool:
        """Keep `signature`; False if it was already kept (a replay)."""
        mine = _Waiting(signature, request_timestamp)
        self._together(self._group(), mine, self._write_batch)
        return mine.first

    @translate_errors
    def signature_kept(self, signature: str) -> bool:
        """Whether `signature` is kept (answered already), without keeping it.

        Concurrent lookups go into one statement as well (a group read): one each made the
        threads of a burst queue for the kept connection and then for the GIL after every
        database call, ~14 thread switches and ~0.1 ms of CPU per `/sendid` (BENCHMARKS.md)."""
        mine = _Waiting(signature, 0)
        self._together(self._group("_group_read"), mine, self._read_batch)
        return mine.first

    @translate_errors
    def remember_signatures(self, signatures: Sequence[tuple[str, int]]) -> set[str]:
        """Keep each (signature, request timestamp) in one go; those that were kept already."""
        batch = [_Waiting(signature, timestamp) for signature, timestamp in signatures]
        with self._group().writing:
            self._write_batch(batch)
        for waiting in batch:
            if waiting.error is not None:
                raise waiting.error
        firsts = {w.signature for w in batch if w.first}
        return {w.signature for w in batch if w.signature not in firsts}

    def _read_batch(self, batch: list[_Waiting]) -> None:
        unique = list({w.signature: w for w in batch}.values())

        def select(rows: list[_Waiting], placeholder: str) -> list[tuple[Any, ...]]:
            sql = _select_sql(len(rows), placeholder)
            return self._db.run_kept(sql, tuple(w.signature for w in rows))

        self._in_statements(batch, unique, select, answered=batch)

    def _write_batch(self, batch: list[_Waiting]) -> None:
        # A signature given twice in one batch is written (and "first time") once.
        unique = list({w.signature: w for w in reversed(batch)}.values())

        def insert(rows: list[_Waiting], placeholder: str) -> list[tuple[Any, ...]]:
            parameters = tuple(v for w in rows for v in (w.signature, w.request_timestamp))
            return self._db.run_unsynced(_insert_sql(len(rows), placeholder), parameters)

        self._in_statements(batch, unique, insert, answered=unique)

    def _in_statements(
        self,
        batch: list[_Waiting],
        unique: list[_Waiting],
        statement: Callable[[list[_Waiting], str], list[tuple[Any, ...]]],
        *,
        answered: list[_Waiting],
    ) -> None:
        """Run `statement` over `unique` (at most _ROWS_PER_STATEMENT rows each); each of
        `answered` is `first` if its signature came back. Every caller in `batch` is done
        afterwards, and learns the error if there was one."""
        placeholder = "?" if self._db.is_sqlite else "%s"
        try:
            returned: set[str] = set()
            for at in range(0, len(unique), _ROWS_PER_STATEMENT):
                rows = unique[at : at + _ROWS_PER_STATEMENT]
                returned.update(str(signature) for (signature,) in statement(rows, placeholder))
            for waiting in answered:
                waiting.first = waiting.signature in returned
        except BaseException as error:  # every caller in the batch learns it failed
            for waiting in batch:
                waiting.error = error
        finally:
            for waiting in batch:
                waiting.done = True

    @translate_errors
    def forget_signature(self, signature: str) -> None:
        """Let `signature` be answered again (its request was not: Slack may retry it)."""
        with self._db.write() as conn:
            conn.execute(signatures_table.delete().where(signatures_table.c.signature == signature))

    @translate_errors
    def forget_signatures_before(self, request_timestamp: int) -> int:
        """Delete the signatures of requests older than `request_timestamp`; how many."""
        with self._db.write() as conn:
            result = conn.execute(
                signatures_table.delete().where(
                    signatures_table.c.request_timestamp < request_timestamp
                )
            )
            return int(result.rowcount)

    @translate_errors
    def signatures_kept(self) -> int:
        """How many signatures are kept (tests and metrics)."""
        with self._db.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(signatures_table))
            return int(count.scalar_one())
