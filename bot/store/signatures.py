"""Slack request signatures already answered: the replay memory every replica shares.

Insert-if-absent is one statement under the primary key, in its own committed transaction, so
of two replicas (or threads) given the same signature exactly one is told "first time",
whatever the timing, and a restart of the bot forgets nothing.

The commit does not wait for the disk (every Slack request makes one, so that wait would sit on
every acknowledgement): a crash of the machine itself may lose the last moment's signatures.
This memory is the first line of defence, not the last: a decision or a Retry happens only
through a conditional state transition, a submission once per Slack view ID, a form once per
Slack's single-use trigger ID.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.errors import translate_errors
from bot.store.queries import Queries
from bot.store.schema import signatures_table


def _remember(dialect: Any) -> sa.Insert:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: a row back means "first time"."""
    insert: Any = dialect.insert(signatures_table)
    statement: sa.Insert = (
        insert.values(
            signature=sa.bindparam("signature"), request_timestamp=sa.bindparam("timestamp")
        )
        .on_conflict_do_nothing(index_elements=[signatures_table.c.signature])
        .returning(signatures_table.c.signature)
    )
    return statement


# Built once: every Slack request runs one.
_REMEMBER = {"sqlite": _remember(sqlite), "postgresql": _remember(postgresql)}


class SignatureRecords(Queries):
    @translate_errors
    def remember_signature(self, signature: str, request_timestamp: int) -> bool:
        """Keep `signature`; False if it was already kept (a replay)."""
        statement = _REMEMBER["sqlite" if self._db.is_sqlite else "postgresql"]
        parameters = {"signature": signature, "timestamp": request_timestamp}
        with self._db.write(wait_for_disk=False) as conn:
            return conn.execute(statement, parameters).first() is not None

    @translate_errors
    def forget_signature(self, signature: str) -> None:
        """Let `signature` be answered again (its request was not: Slack may retry it)."""
        with self._db.write() as conn:
            conn.execute(signatures_table.delete().where(signatures_table.c.signature == signature))

    @translate_errors
    def forget_signatures_before(self, request_timestamp: int) -> int:
        """Delete the signatures of requests older than `request_timestamp`; how many."""
        with self._db.write() as conn:
            result = conn.execute(
                signatures_table.delete().where(
                    signatures_table.c.request_timestamp < request_timestamp
                )
            )
            return int(result.rowcount)

    @translate_errors
    def signatures_kept(self) -> int:
        """How many signatures are kept (tests and metrics)."""
        with self._db.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(signatures_table))
            return int(count.scalar_one())
