"""Deleting what is past the retention period (``SENDID_RETENTION_DAYS``): ended requests with
their audit rows and notices, each request's audit trail handed back first, for the export."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.domain.models import RequestState
from bot.store.audit_trail import export_select
from bot.store.errors import translate_errors
from bot.store.queries import Queries
from bot.store.schema import (
    audit_log,
    aware,
    notices_table,
    requests_table,
    workflow_steps_table,
)


class RetentionQueries(Queries):
    @translate_errors
    def delete_ended_before(
        self, cutoff: datetime, states: Iterable[RequestState], limit: int
    ) -> list[list[dict[str, Any]]]:
        """Delete up to `limit` requests in `states` (ended ones) last changed before `cutoff`,
        oldest first, with their audit rows and notices, in one transaction; return each one's
        audit trail as the audit export's rows (``at`` as ISO 8601 text), oldest first.

        Read through ix_requests_state_updated: only what is due. Replicas never delete the
        same request twice: PostgreSQL locks the rows it takes and
        skips those another replica has locked; SQLite serialises writers."""
        ended = [state.value for state in states]
        due = sa.and_(
            requests_table.c.state.in_(ended), requests_table.c.updated_at < aware(cutoff)
        )
        with self._db.write() as conn:
            ids = list(
                conn.execute(
                    sa.select(requests_table.c.id)
                    .where(due)
                    .order_by(requests_table.c.updated_at, requests_table.c.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                ).scalars()
            )
            if not ids:
                return []
            trails: dict[str, list[dict[str, Any]]] = {request_id: [] for request_id in ids}
            rows = conn.execute(
                export_select()
                .where(audit_log.c.request_id.in_(ids))
                .order_by(audit_log.c.request_id, audit_log.c.id)
            ).mappings()
            for row in rows:
                trails[row["request_id"]].append(
                    {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}
                )
            conn.execute(notices_table.delete().where(notices_table.c.request_id.in_(ids)))
            conn.execute(
                workflow_steps_table.delete().where(workflow_steps_table.c.request_id.in_(ids))
            )
            conn.execute(audit_log.delete().where(audit_log.c.request_id.in_(ids)))
            conn.execute(requests_table.delete().where(requests_table.c.id.in_(ids)).where(due))
        return list(trails.values())
