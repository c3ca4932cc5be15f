"""The base of the store's query groups: the database they share, and reading requests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.domain.models import RequestState, SendIdRequest
from bot.store.engine import Database
from bot.store.schema import REQUEST_COLUMNS, requests_table, to_request


def pending_of(requester_id: str) -> sa.Select[Any]:
    """The person's pending requests, oldest first (what the per-person cap counts)."""
    return (
        sa.select(*REQUEST_COLUMNS)
        .where(requests_table.c.requester_id == requester_id)
        .where(requests_table.c.state == RequestState.PENDING.value)
        .order_by(requests_table.c.created_at, requests_table.c.id)
    )


def pending_count_of(requester_id: str) -> sa.Select[Any]:
    """How many pending requests the person has (the per-person cap, without loading them)."""
    return (
        sa.select(sa.func.count())
        .select_from(requests_table)
        .where(requests_table.c.requester_id == requester_id)
        .where(requests_table.c.state == RequestState.PENDING.value)
    )


def update_of(request_id: str) -> sa.Update:
    """An UPDATE of the one request `request_id` (conditions on its state go in ``.where``)."""
    return requests_table.update().where(requests_table.c.id == request_id)


class Queries:
    """Each group of queries (lifecycle, reads, housekeeping, quota, audit) extends this;
    :class:`~bot.store.store.Store` combines them over one :class:`Database`."""

    _db: Database

    def _requests(self, statement: sa.Select[Any]) -> list[SendIdRequest]:
        with self._db.connect() as conn:
            return [to_request(row) for row in conn.execute(statement).mappings()]

    def _request(self, statement: sa.Select[Any]) -> SendIdRequest | None:
        with self._db.connect() as conn:
            row = conn.execute(statement).mappings().first()
        return None if row is None else to_request(row)
