"""The database connection: engine creation, the SQLite and PostgreSQL hooks, write transactions.

``sqlite:///:memory:`` works only from a single thread (each pooled connection would see its own
empty database); use a file path for anything concurrent.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import ConnectionPoolEntry

from bot.database_url import masked

_SQLITE_BUSY_TIMEOUT_MS: Final = 30_000
_PG_CONNECT_TIMEOUT_S: Final = 10
# Execution option read by the SQLite "begin" hook: write transactions take the write lock up front.
_IMMEDIATE: Final = "sendid_begin_immediate"


def normalise_url(url: str | URL) -> URL:
    """Parse a database URL; plain ``postgresql://`` / ``postgres://`` mean psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


class Database:
    """One engine per process, and the write transactions every store query goes through."""

    def __init__(self, url: str | URL) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        # SQLite has one writer at a time anyway; queueing this process's writers on a lock
        # beats letting them poll in SQLite's busy handler (1-100 ms sleeps) under bursts.
        self._sqlite_writer: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if self.is_sqlite else contextlib.nullcontext()
        )
        self.engine = _sqlite_engine(self.url) if self.is_sqlite else _postgresql_engine(self.url)
        # For writes that need not wait for the disk (`write(wait_for_disk=False)`). SQLite sets
        # that per connection, so such writes get connections of their own (an in-memory
        # database has no disk to wait for, and must stay one engine to stay one database).
        self._unsynced = (
            _sqlite_engine(self.url, synchronous="NORMAL")
            if self.is_sqlite and not _in_memory(self.url)
            else self.engine
        )
        # UPDATE … RETURNING: PostgreSQL always, SQLite from 3.35 (the dialect checks the library
        # version). Without it the row is re-read inside the same, already write-locked transaction.
        self.update_returning = bool(self.engine.dialect.update_returning)

    def display_url(self) -> str:
        """The URL without its password or any other credential (bot.database_url), for
        messages."""
        return masked(self.url.render_as_string(hide_password=False))

    def connect(self) -> Connection:
        """A connection for reads (use as a context manager)."""
        return self.engine.connect()

    @contextmanager
    def write(self, *, wait_for_disk: bool = True) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back on any exception.

        `wait_for_disk=False`: the commit returns before the disk has it. Every connection (every
        replica) sees the write at once and a crash of the bot cannot undo it; a crash of the
        machine (or of the PostgreSQL server) a moment later may."""
        with (
            self._sqlite_writer,
            (self.engine if wait_for_disk else self._unsynced).connect() as conn,
        ):
            conn.execution_options(**{_IMMEDIATE: True})
            with conn.begin():
                if not wait_for_disk and not self.is_sqlite:
                    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                yield conn

    def ping(self) -> bool:
        """True when the database answers ``SELECT 1``. Never raises (used by GET /readyz)."""
        try:
            with self.engine.connect() as conn:
                return conn.execute(sa.select(sa.literal(1))).scalar() == 1
        except Exception:
            return False

    def close(self) -> None:
        self._unsynced.dispose()
        self.engine.dispose()


def _postgresql_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        # libpq waits forever for an unresponsive host; start-up and /readyz must not.
        connect_args["connect_timeout"] = _PG_CONNECT_TIMEOUT_S
    # pre_ping: a replica survives a database restart instead of failing on stale sockets.
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _in_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _sqlite_engine(url: URL, synchronous: str | None = None) -> Engine:
    # File databases get a QueuePool and check_same_thread=False from the dialect (sized here
    # so that a burst of Slack handler threads waits on SQLite's lock, not on the pool);
    # :memory: gets one connection per thread. The sqlite3 timeout is the busy timeout.
    in_memory = _in_memory(url)
    pool_options: dict[str, Any] = {} if in_memory else {"pool_size": 5, "max_overflow": 20}
    engine = sa.create_engine(
        url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_MS / 1000}, **pool_options
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module (its legacy mode does not BEGIN
        # before SELECT or DDL); the "begin" hook below emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_TIMEOUT_MS}")
            # WAL: readers never block the writer and vice versa; persistent once set.
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            if synchronous is not None:  # FULL otherwise: a commit waits for the disk
                cursor.execute(f"PRAGMA synchronous = {synchronous}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Write transactions take the write lock at BEGIN, waiting up to the busy timeout. A
        # deferred transaction that read first and then wrote could fail at once with
        # SQLITE_BUSY_SNAPSHOT (the busy handler is not consulted for that upgrade).
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
