"""Fixtures of the end-to-end tests that more than one module uses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import databases


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty schema of the test PostgreSQL, dropped after the test; skips (fails with
    SENDID_REQUIRE_POSTGRES=1) without PostgreSQL."""
    with databases.isolated_postgres_url() as url:
        yield url
