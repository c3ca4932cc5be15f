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

import functools
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import psycopg
import pytest
from psycopg import sql

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
