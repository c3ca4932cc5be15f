"""Notices about a request outside its thread (see :mod:`bot.domain.notices`): claimed once by
one replica (an INSERT that a second one finds taken), or counted (a failing reply's attempts)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.store.errors import translate_errors
from bot.store.queries import Queries
from bot.store.schema import aware, notices_table


class NoticeRecords(Queries):
    @translate_errors
    def claim_notice(self, request_id: str, notice: str, now: datetime) -> bool:
        """Take `notice` for the request; False if it was taken before (by any replica)."""
        insert = sqlite_insert if self._db.is_sqlite else postgresql_insert
        statement = (
            insert(notices_table)
            .values(request_id=request_id, notice=notice, attempts=1, at=aware(now))
            .on_conflict_do_nothing(index_elements=["request_id", "notice"])
            # A row comes back only when this insert made it (rowcount is not reliable for
            # INSERT … ON CONFLICT on every driver).
            .returning(notices_table.c.request_id)
        )
        with self._db.write() as conn:
            return conn.execute(statement).first() is not None

    @translate_errors
    def has_notice(self, request_id: str, notice: str) -> bool:
        with self._db.connect() as conn:
            found = conn.execute(
                sa.select(notices_table.c.request_id)
                .where(notices_table.c.request_id == request_id)
                .where(notices_table.c.notice == notice)
            ).first()
        return found is not None

    @translate_errors
    def notices_of(self, request_id: str, prefix: str) -> list[str]:
        with self._db.connect() as conn:
            rows = conn.execute(
                sa.select(notices_table.c.notice)
                .where(notices_table.c.request_id == request_id)
                .where(notices_table.c.notice.startswith(prefix, autoescape=True))
                .order_by(notices_table.c.at, notices_table.c.notice)
            )
            return [str(row[0]) for row in rows]

    @translate_errors
    def count_notice(self, request_id: str, notice: str, now: datetime) -> int:
        """One more attempt at `notice` (atomically); how many there have been, this one too."""
        insert = sqlite_insert if self._db.is_sqlite else postgresql_insert
        values = insert(notices_table).values(
            request_id=request_id, notice=notice, attempts=1, at=aware(now)
        )
        statement = values.on_conflict_do_update(
            index_elements=["request_id", "notice"],
            set_={"attempts": notices_table.c.attempts + 1, "at": values.excluded.at},
        ).returning(notices_table.c.attempts)
        with self._db.write() as conn:
            return int(conn.execute(statement).scalar_one())
