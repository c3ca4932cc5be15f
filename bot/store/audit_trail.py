"""The audit trail: one row per state change, written in the change's own transaction."""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.domain.models import AuditEntry, RequestState
from bot.store.errors import driver_errors_as_store_errors, translate_errors
from bot.store.queries import Queries
from bot.store.schema import audit_log, aware, requests_table, to_audit


def insert_audit(
    conn: Connection,
    request_id: str,
    workspace: str,
    from_state: RequestState | None,
    to_state: RequestState,
    actor_id: str,
    at: datetime,
    detail: str,
) -> None:
    """Write one audit row inside the caller's transaction (the one that changed the request)."""
    # Values as parameters, not in the statement: the statement is then the same every time
    # and compiled once (`.values(...)` made SQLAlchemy build and key a new one each call).
    conn.execute(
        audit_log.insert(),
        {
            "request_id": request_id,
            "workspace": workspace,
            "from_state": None if from_state is None else from_state.value,
            "to_state": to_state.value,
            "actor_id": actor_id,
            "at": at,
            "detail": detail,
        },
    )


def export_select() -> sa.Select[Any]:
    """Audit rows joined with their request: the columns of `python -m bot audit`."""
    return sa.select(
        audit_log.c.request_id,
        requests_table.c.channel_id,
        audit_log.c.workspace,
        requests_table.c.campaign_id,
        requests_table.c.send_id,
        requests_table.c.created_send_id,
        requests_table.c.purpose,
        requests_table.c.requester_id,
        audit_log.c.from_state,
        audit_log.c.to_state,
        audit_log.c.actor_id,
        audit_log.c.at,
        audit_log.c.detail,
    ).join(requests_table, requests_table.c.id == audit_log.c.request_id)


class AuditTrail(Queries):
    @translate_errors
    def audit(self, request_id: str) -> list[AuditEntry]:
        """The request's audit trail, oldest first."""
        with self._db.connect() as conn:
            rows = conn.execute(
                sa.select(audit_log)
                .where(audit_log.c.request_id == request_id)
                .order_by(audit_log.c.id)
            ).mappings()
            return [to_audit(row) for row in rows]

    def audit_rows(
        self, since: datetime, until: datetime | None = None, *, batch_size: int = 500
    ) -> Generator[dict[str, Any], None, None]:
        """Every audit row with ``since <= at < until`` (no upper bound for None), joined with
        its request, oldest first (ties by insertion order), for exports.

        Streams in batches of ``batch_size`` over one read-only connection, held until the
        iterator is exhausted or closed. Each dict has: request_id, channel_id, workspace,
        campaign_id, send_id, created_send_id, purpose, requester_id, from_state (None for the
        creation row), to_state, actor_id, at (aware UTC datetime), detail. Failures raise
        StoreError.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        statement = (
            export_select()
            .where(audit_log.c.at >= aware(since))
            .order_by(audit_log.c.at, audit_log.c.id)
        )
        if until is not None:
            statement = statement.where(audit_log.c.at < aware(until))
        options: dict[str, Any] = {"yield_per": batch_size}
        if not self._db.is_sqlite:
            options["postgresql_readonly"] = True
        return self._stream(statement, options)

    def _stream(
        self, statement: sa.Select[Any], options: dict[str, Any]
    ) -> Generator[dict[str, Any], None, None]:
        # A generator: a decorator would return before the first row is read, so the
        # translation has to wrap the iteration itself.
        with driver_errors_as_store_errors(), self._db.connect() as conn:
            result = conn.execution_options(**options).execute(statement).mappings()
            for row in result:
                yield dict(row)
