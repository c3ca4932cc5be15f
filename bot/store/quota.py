"""The last known Braze quota: one row that every replica shares, newest observation wins."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.domain.models import QuotaSnapshot
from bot.store.errors import translate_errors
from bot.store.queries import Queries
from bot.store.schema import aware, quota_table


class QuotaRecords(Queries):
    @translate_errors
    def record_quota(self, snapshot: QuotaSnapshot) -> None:
        """Keep ``snapshot`` unless a newer observation (by observed_at) is already stored."""
        values = {
            "id": 1,
            "quota_limit": snapshot.limit,
            "remaining": snapshot.remaining,
            "reset_at": snapshot.reset_at,
            "observed_at": aware(snapshot.observed_at),
        }
        # One atomic upsert; both dialects spell it INSERT … ON CONFLICT DO UPDATE … WHERE.
        insert = sqlite_insert if self._db.is_sqlite else postgresql_insert
        statement = insert(quota_table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[quota_table.c.id],
            set_={k: statement.excluded[k] for k in values if k != "id"},
            # Ties go to the later writer: the same instant observed again is no staler.
            where=quota_table.c.observed_at <= statement.excluded.observed_at,
        )
        with self._db.write() as conn:
            conn.execute(statement)

    @translate_errors
    def quota(self) -> QuotaSnapshot | None:
        with self._db.connect() as conn:
            row = conn.execute(sa.select(quota_table)).mappings().first()
        if row is None:
            return None
        return QuotaSnapshot(
            limit=row["quota_limit"],
            remaining=row["remaining"],
            reset_at=row["reset_at"],
            observed_at=row["observed_at"],
        )
