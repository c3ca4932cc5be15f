"""Database URLs for tests: a SQLite file, or an isolated schema in a real PostgreSQL.

Import the helpers (``from tests.support import databases``) and wrap them in fixtures::

    @pytest.fixture(params=databases.BACKENDS)
    def database_url(request, tmp_path):
        with databases.database_url(request.param, tmp_path) as url:
            yield url

PostgreSQL isolation is done in the URL itself (``?options=-csearch_path=<schema>``), so the
URL also works for a bot started as a subprocess via ``SENDID_DATABASE_URL``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.support.prerequisites import skip_unless_required

POSTGRES_URL_ENV = "SENDID_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "SENDID_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def postgres_base_url() -> str:
    return os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)


def _libpq_url(url: str) -> str:
    """psycopg speaks libpq URLs: drop a SQLAlchemy ``+driver`` suffix if one was given."""
    scheme, separator, rest = url.partition("://")
    return scheme.split("+", 1)[0] + separator + rest


@functools.cache
def postgres_unavailable_reason() -> str | None:
    """None when the test PostgreSQL answers; otherwise why not (checked once per session)."""
    try:
        with psycopg.connect(_libpq_url(postgres_base_url()), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL at {postgres_base_url()} unreachable: {error}".strip()
    return None


def require_postgres() -> None:
    """Skip the current test (fail it when SENDID_REQUIRE_POSTGRES=1) without PostgreSQL."""
    reason = postgres_unavailable_reason()
    if reason is not None:
        skip_unless_required(reason, REQUIRE_POSTGRES_ENV)


@contextmanager
def isolated_postgres_url() -> Iterator[str]:
    """A fresh schema for one test, as a URL whose search_path points at it; dropped after."""
    require_postgres()
    base = postgres_base_url()
    schema = "sendid_test_" + secrets.token_hex(6)
    with psycopg.connect(_libpq_url(base), autocommit=True, connect_timeout=3) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    separator = "&" if "?" in base else "?"
    try:
        # Named after the schema: its sessions can be found (end_sessions_of).
        options = quote(f"-csearch_path={schema}")
        yield f"{base}{separator}options={options}&application_name={schema}"
    finally:
        with psycopg.connect(_libpq_url(base), autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def end_sessions_of(url: str) -> int:
    """Cut every session opened with `url` (from :func:`isolated_postgres_url`), as a database
    restart would; how many were cut."""
    name = parse_qs(urlsplit(url).query)["application_name"][0]
    with psycopg.connect(_libpq_url(postgres_base_url()), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (name,),
        ).fetchall()
    return len(rows)


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'sendid.db'}"


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty database of ``backend`` ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path)
    elif backend == "postgresql":
        with isolated_postgres_url() as url:
            yield url
    else:
        raise ValueError(f"unknown backend {backend!r}")


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target (PostgreSQL). :meth:`cut` makes the database
    vanish mid-flight: open connections are dropped, new ones refused; :meth:`restore` listens
    on the same port again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.port = self._listen(0)

    def _listen(self, port: int) -> int:
        listener = socket.create_server(("127.0.0.1", port))  # SO_REUSEADDR on POSIX
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return int(listener.getsockname()[1])

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """The database goes away: every open connection drops, new ones are refused."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, []
        if listener is not None:
            # shutdown() first: close() alone does not wake a thread blocked in accept() on
            # Linux, and that thread would keep the port open.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def restore(self) -> None:
        """The database is back, on the same port."""
        if self._listener is None:
            self._listen(self.port)

    stop = cut


@contextmanager
def proxied_postgres_url() -> Iterator[tuple[TcpProxy, str, str]]:
    """An isolated PostgreSQL schema (as :func:`isolated_postgres_url`) reached through a
    :class:`TcpProxy` that a test can cut: (the proxy, the URL through it, the direct URL)."""
    with isolated_postgres_url() as url:
        real = make_url(url)
        proxy = TcpProxy((real.host or "127.0.0.1", real.port or 5432))
        try:
            yield proxy, real.set(port=proxy.port).render_as_string(hide_password=False), url
        finally:
            proxy.cut()
