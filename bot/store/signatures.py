"""Slack request signatures already answered: the replay memory every replica shares.

Insert-if-absent is one statement under the primary key, so of two replicas (or threads) given
the same signature exactly one is told "first time", whatever the timing.

Every Slack request remembers its signature before it is answered, so this write is on the path
of every acknowledgement. One transaction each (one commit, one fsync, one SQLite writer at a
time) made a burst of 100 requests queue ~0.5 s for it alone; so concurrent callers' signatures
go into one transaction together (group commit, :class:`_GroupCommit`): each caller still gets
its answer only once its row is committed, and a signature given twice in one batch is "first
time" for exactly one of them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from bot.store.errors import translate_errors
from bot.store.queries import Queries
from bot.store.schema import signatures_table

# Built once: building and hashing the statement for every request cost ~0.1 ms of CPU each.
_SQLITE_INSERT = (
    sqlite_insert(signatures_table)
    .values(
        signature=sa.bindparam("signature"), request_timestamp=sa.bindparam("request_timestamp")
    )
    .on_conflict_do_nothing(index_elements=[signatures_table.c.signature])
)
_POSTGRESQL_INSERT = (
    postgresql_insert(signatures_table)
    .values(
        signature=sa.bindparam("signature"), request_timestamp=sa.bindparam("request_timestamp")
    )
    .on_conflict_do_nothing(index_elements=[signatures_table.c.signature])
    .returning(signatures_table.c.signature)
)


@dataclass(eq=False)
class _Waiting:
    signature: str
    request_timestamp: int
    done: bool = False
    first: bool = False
    error: BaseException | None = None


@dataclass(eq=False)
class _GroupCommit:
    """Signatures waiting to be written, and the lock of the one batch being written."""

    pending: list[_Waiting] = field(default_factory=list)
    pending_lock: threading.Lock = field(default_factory=threading.Lock)
    writing: threading.Lock = field(default_factory=threading.Lock)


class SignatureRecords(Queries):
    _group_commit: _GroupCommit

    @translate_errors
    def remember_signature(self, signature: str, request_timestamp: int) -> bool:
        """Keep `signature`; False if it was already kept (a replay)."""
        group = self.__dict__.get("_group_commit")
        if group is None:  # first use: setdefault keeps one however many threads race here
            group = self.__dict__.setdefault("_group_commit", _GroupCommit())
        mine = _Waiting(signature, request_timestamp)
        with group.pending_lock:
            group.pending.append(mine)
        # Whoever holds `writing` writes every signature pending at that moment, in one
        # transaction; a caller whose signature a writer took meanwhile just reads its answer.
        with group.writing:
            if not mine.done:
                with group.pending_lock:
                    batch, group.pending = group.pending, []
                self._write_batch(batch)
        if mine.error is not None:
            raise mine.error
        return mine.first

    def _write_batch(self, batch: list[_Waiting]) -> None:
        try:
            with self._db.write() as conn:
                firsts = [self._insert(conn, w.signature, w.request_timestamp) for w in batch]
            for waiting, first in zip(batch, firsts, strict=True):
                waiting.first = first
        except BaseException as error:  # every caller in the batch learns it failed
            for waiting in batch:
                waiting.error = error
        finally:
            for waiting in batch:
                waiting.done = True

    def _insert(self, conn: Connection, signature: str, request_timestamp: int) -> bool:
        values = {"signature": signature, "request_timestamp": request_timestamp}
        if self._db.is_sqlite:  # sqlite3 counts the rows an INSERT wrote (0: ignored)
            return conn.execute(_SQLITE_INSERT, values).rowcount == 1
        # psycopg reports no row count here: the inserted row comes back, or none.
        return conn.execute(_POSTGRESQL_INSERT, values).first() is not None

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
