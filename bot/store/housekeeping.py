"""What the housekeeping jobs ask of the database: overdue requests, and atomic claims on the
work a crash or a Slack outage left undone (each taken by exactly one replica)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from bot.domain.models import SETUP_FAILURES, FailureKind, RequestState, SendIdRequest
from bot.store.errors import translate_errors
from bot.store.queries import Queries, update_of
from bot.store.schema import REQUEST_COLUMNS, aware, requests_table


class HousekeepingQueries(Queries):
    @translate_errors
    def due_for_expiry(self, now: datetime) -> list[SendIdRequest]:
        """Pending requests whose deadline has passed (``expires_at <= now``), oldest first."""
        return self._requests(
            sa.select(*REQUEST_COLUMNS)
            .where(requests_table.c.state == RequestState.PENDING.value)
            .where(requests_table.c.expires_at <= aware(now))
            .order_by(requests_table.c.expires_at, requests_table.c.id)
        )

    @translate_errors
    def unretried_setup_failures(self, now: datetime) -> list[SendIdRequest]:
        """Requests failed by a setup failure (bot.domain.models.SETUP_FAILURES) whose deadline
        to be retried (``expires_at``) has passed, the oldest failure first. The database reads
        only the setup failures still failed (ix_requests_state_kind_updated: they expire, so
        they are few); the deadline is compared here, as a condition on it would have SQLite
        walk (state, expires_at) through every old failure instead."""
        failed = self._requests(
            sa.select(*REQUEST_COLUMNS)
            .where(requests_table.c.state == RequestState.FAILED.value)
            .where(requests_table.c.failure_kind.in_([kind.value for kind in SETUP_FAILURES]))
            .order_by(requests_table.c.failure_kind, requests_table.c.updated_at)
        )
        due = [request for request in failed if request.expires_at <= aware(now)]
        return sorted(due, key=lambda request: (request.updated_at, request.id))

    @translate_errors
    def claim_reminder(self, request_id: str, now: datetime) -> bool:
        """Atomically take the one reminder a pending request gets; False if already taken."""
        with self._db.write() as conn:
            result = conn.execute(
                update_of(request_id)
                .where(requests_table.c.state == RequestState.PENDING.value)
                .where(requests_table.c.reminded_at.is_(None))
                .values(reminded_at=aware(now))
            )
            return result.rowcount == 1

    @translate_errors
    def claim_unshown(self, older_than: datetime) -> list[SendIdRequest]:
        """Take the pending requests stored before `older_than` that nobody has seen: no card,
        and the requester never told why (the bot stopped between storing and posting).

        Each is taken by one conditional UPDATE (announced_state := pending), so across replicas
        exactly one shows it; ``mark_announced(id, None)`` gives it back if showing failed.
        """
        pending = RequestState.PENDING.value
        unseen = sa.and_(
            requests_table.c.state == pending,
            requests_table.c.card_ts.is_(None),
            requests_table.c.announced_state.is_(None),
        )
        candidates = self._requests(
            sa.select(*REQUEST_COLUMNS)
            .where(unseen)
            .where(requests_table.c.created_at < aware(older_than))
            .order_by(requests_table.c.created_at)
        )
        taken = []
        for request in candidates:
            with self._db.write() as conn:
                result = conn.execute(
                    update_of(request.id).where(unseen).values(announced_state=pending)
                )
            if result.rowcount == 1:
                taken.append(request)
        return taken

    @translate_errors
    def quota_failures_since(self, since: datetime) -> list[SendIdRequest]:
        """Requests failed on Braze's quota, last changed after `since`, whose failure reply is
        posted (what "the quota is back" announces), oldest first. Filtered by the database
        through ix_requests_state_kind_updated: older failures are never read."""
        return self._requests(
            sa.select(*REQUEST_COLUMNS)
            .where(requests_table.c.state == RequestState.FAILED.value)
            .where(requests_table.c.failure_kind == FailureKind.QUOTA.value)
            .where(requests_table.c.updated_at > aware(since))
            .where(requests_table.c.announced_state == RequestState.FAILED.value)
            .order_by(requests_table.c.updated_at, requests_table.c.id)
        )

    @translate_errors
    def claim_card_post(self, request_id: str, now: datetime, lease_since: datetime) -> bool:
        """Take the posting of a pending request's card: only while it has no card and nobody
        took it since `lease_since` (a poster that died lets go that way). Of concurrent
        posters (threads, replicas, a housekeeping round and a Post again click) one wins."""
        with self._db.write() as conn:
            result = conn.execute(
                update_of(request_id)
                .where(requests_table.c.state == RequestState.PENDING.value)
                .where(requests_table.c.card_ts.is_(None))
                .where(
                    sa.or_(
                        requests_table.c.card_posting_at.is_(None),
                        requests_table.c.card_posting_at < aware(lease_since),
                    )
                )
                .values(card_posting_at=aware(now))
            )
            return result.rowcount == 1

    @translate_errors
    def release_card_post(self, request_id: str) -> None:
        """The card was not posted (Slack refused it): someone may try again at once."""
        with self._db.write() as conn:
            conn.execute(update_of(request_id).values(card_posting_at=None))

    @translate_errors
    def unannounced(
        self, states: Iterable[RequestState], older_than: datetime
    ) -> list[SendIdRequest]:
        """Requests in `states`, last changed before `older_than`, whose reply was never posted."""
        announced = requests_table.c.announced_state
        return self._requests(
            sa.select(*REQUEST_COLUMNS)
            # UNANNOUNCED, the condition of the partial index ix_requests_unannounced
            .where(sa.or_(announced.is_(None), announced != requests_table.c.state))
            .where(requests_table.c.state.in_([s.value for s in states]))
            .where(requests_table.c.updated_at < aware(older_than))
            .where(requests_table.c.card_ts.is_not(None))
            .order_by(requests_table.c.updated_at)
        )
