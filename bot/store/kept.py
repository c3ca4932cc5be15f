"""A DBAPI connection kept for one statement run on every Slack request (the replay memory).

SQLAlchemy's checkout, transaction and event machinery cost twice such a statement's own CPU
(~0.27 ms a call on SQLite), and the acknowledgement of every request waits for it. So the
statement runs on a DBAPI connection kept outside the pool (a setting made on it reaches no other
query), in autocommit mode: each statement is its own transaction, committed when it returns.
A kept connection found dead when a statement is sent (the database restarted, an admin ended
the session) is replaced once; nothing was written on it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.engine import Engine

from bot.store.errors import StoreError


class KeptConnection:
    """Thread-safe: statements take turns on the one connection (after `serialise`)."""

    def __init__(
        self,
        engine: Engine,
        *,
        setup: Callable[[Any], None],
        serialise: contextlib.AbstractContextManager[Any] | None = None,
    ) -> None:
        self._engine = engine
        self._setup = setup  # run on each new connection (a cursor), after autocommit is on
        self._serialise = serialise or contextlib.nullcontext()
        self._connection: Any = None
        self._lock = threading.Lock()

    def run(self, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Run one driver-level statement; the rows it returns. Raises StoreError."""
        dbapi_error = self._engine.dialect.loaded_dbapi.Error
        with self._serialise, self._lock:
            for fresh in (self._connection is None, True):
                connection = self._connection or self._connect()
                self._connection = connection
                cursor = connection.cursor()
                try:
                    cursor.execute(sql, parameters)
                    return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
                except dbapi_error as error:
                    gone = self._engine.dialect.is_disconnect(error, connection, cursor)
                    self._drop()
                    if fresh or not gone:
                        raise StoreError(f"database error: {error!r}") from error
                finally:
                    cursor.close()
        raise AssertionError("unreachable")  # pragma: no cover

    def _connect(self) -> Any:
        connection = self._engine.raw_connection()
        if self._engine.dialect.name != "sqlite":  # sqlite3: autocommit already (engine.py)
            driver: Any = connection.dbapi_connection
            driver.autocommit = True
        connection.detach()  # never back into the pool: its settings are for it alone
        cursor = connection.cursor()
        try:
            self._setup(cursor)
        finally:
            cursor.close()
        return connection

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.invalidate()

    def close(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()
