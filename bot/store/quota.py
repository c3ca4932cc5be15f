"""The last known Braze quota of each workspace: one row per workspace that every replica shares,
newest observation wins."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RowMapping

from bot.domain.models import QuotaSnapshot
from bot.store.errors import translate_errors
from bot.store.queries import Queries
from bot.store.schema import aware, quota_table


class QuotaRecords(Queries):
    @translate_errors
    def record_quota(self, workspace: str, snapshot: QuotaSnapshot) -> None:
        """Keep ``snapshot`` as `workspace`'s quota unless a newer observation (by observed_at)
        is already stored."""
        values = {
            "workspace": workspace,
            "quota_limit": snapshot.limit,
            "remaining": snapshot.remaining,
            "reset_at": snapshot.reset_at,
            "observed_at": aware(snapshot.observed_at),
        }
        # One atomic upsert; both dialects spell it INSERT … ON CONFLICT DO UPDATE … WHERE.
        insert = sqlite_insert if self._db.is_sqlite else postgresql_insert
        statement = insert(quota_table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[quota_table.c.workspace],
            set_={k: statement.excluded[k] for k in values if k != "workspace"},
            # Ties go to the later writer: the same instant observed again is no staler.
            where=quota_table.c.observed_at <= statement.excluded.observed_at,
        )
        with self._db.write() as conn:
            conn.execute(statement)

    @translate_errors
    def quota(self, workspace: str) -> QuotaSnapshot | None:
        """What Braze last said of `workspace`'s quota; None before it said anything."""
        with self._db.connect() as conn:
            row = (
                conn.execute(sa.select(quota_table).where(quota_table.c.workspace == workspace))
                .mappings()
                .first()
            )
        return None if row is None else _snapshot(row)

    @translate_errors
    def quotas(self) -> dict[str, QuotaSnapshot]:
        """Every workspace's last known quota, by workspace name (for metrics)."""
        with self._db.connect() as conn:
            rows = conn.execute(sa.select(quota_table).order_by(quota_table.c.workspace))
            return {row["workspace"]: _snapshot(row) for row in rows.mappings()}


def _snapshot(row: RowMapping) -> QuotaSnapshot:
    return QuotaSnapshot(
        limit=row["quota_limit"],
        remaining=row["remaining"],
        reset_at=row["reset_at"],
        observed_at=row["observed_at"],
    )
