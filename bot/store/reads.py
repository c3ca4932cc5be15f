"""Reads for people and for metrics: a channel's history, a person's requests, counts."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from bot.domain.models import FailureKind, RequestState, SendIdRequest
from bot.store.errors import translate_errors
from bot.store.queries import Queries, pending_count_of, pending_of
from bot.store.schema import REQUEST_COLUMNS, requests_table

# Values a row may hold that this version knows (a newer one may have written others).
_STATES = frozenset(state.value for state in RequestState)
_KINDS = frozenset(kind.value for kind in FailureKind)


class RequestReads(Queries):
    @translate_errors
    def recent_in_channel(self, channel_id: str, limit: int = 10) -> list[SendIdRequest]:
        """The channel's most recent requests, newest first."""
        return self._newest(requests_table.c.channel_id == channel_id, limit)

    @translate_errors
    def find_created(self, channel_id: str, send_id: str) -> SendIdRequest | None:
        """The newest request of the channel that created `send_id` (for /sendid stats)."""
        return self._request(
            sa.select(*REQUEST_COLUMNS)
            .where(requests_table.c.channel_id == channel_id)
            .where(requests_table.c.created_send_id == send_id)
            .where(requests_table.c.state == RequestState.CREATED.value)
            .order_by(requests_table.c.created_at.desc())
            .limit(1)
        )

    @translate_errors
    def recent_by_requester(self, requester_id: str, limit: int = 10) -> list[SendIdRequest]:
        """The person's most recent requests in any channel, newest first (App Home)."""
        return self._newest(requests_table.c.requester_id == requester_id, limit)

    def _newest(self, condition: sa.ColumnElement[bool], limit: int) -> list[SendIdRequest]:
        """The `limit` most recent requests that meet `condition`, newest first."""
        return self._requests(
            sa.select(*REQUEST_COLUMNS)
            .where(condition)
            .order_by(requests_table.c.created_at.desc(), requests_table.c.id.desc())
            .limit(limit)
        )

    @translate_errors
    def pending_of(self, requester_id: str) -> list[SendIdRequest]:
        """The person's pending requests, oldest first (the per-person cap)."""
        return self._requests(pending_of(requester_id))

    @translate_errors
    def pending_count(self, requester_id: str) -> int:
        """How many requests the person has pending (the per-person cap, before loading any)."""
        with self._db.connect() as conn:
            return int(conn.execute(pending_count_of(requester_id)).scalar_one())

    @translate_errors
    def in_state(self, state: RequestState) -> list[SendIdRequest]:
        """All requests in ``state``, oldest first."""
        return self._requests(
            sa.select(*REQUEST_COLUMNS)
            .where(requests_table.c.state == state.value)
            .order_by(requests_table.c.created_at, requests_table.c.id)
        )

    @translate_errors
    def count_by_state(self) -> dict[RequestState, int]:
        """How many requests are in each state (every state present, zero if none)."""
        counts = dict.fromkeys(RequestState, 0)
        statement = sa.select(requests_table.c.state, sa.func.count()).group_by(
            requests_table.c.state
        )
        with self._db.connect() as conn:
            for state, count in conn.execute(statement):
                if state in _STATES:
                    counts[RequestState(state)] = int(count)
        return counts

    @translate_errors
    def count_failed_by_kind(
        self, workspaces: Iterable[str] = ()
    ) -> dict[str, dict[FailureKind, int]]:
        """How many ``failed`` requests there are of each failure kind, by Braze workspace:
        every kind of every workspace in `workspaces` (zero if none), and of any other
        workspace with failed requests (one no longer configured, say)."""
        counts = {workspace: dict.fromkeys(FailureKind, 0) for workspace in workspaces}
        statement = (
            sa.select(requests_table.c.workspace, requests_table.c.failure_kind, sa.func.count())
            .where(requests_table.c.state == RequestState.FAILED.value)
            .group_by(requests_table.c.workspace, requests_table.c.failure_kind)
        )
        with self._db.connect() as conn:
            for workspace, kind, count in conn.execute(statement):
                if kind in _KINDS:
                    by_kind = counts.setdefault(workspace, dict.fromkeys(FailureKind, 0))
                    by_kind[FailureKind(kind)] = int(count)
        return counts
