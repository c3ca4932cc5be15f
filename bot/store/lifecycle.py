"""The request lifecycle in the database: create, look up, and the atomic transitions.

Every state change is ONE conditional ``UPDATE … WHERE id = :id AND state IN (…)`` plus its audit
row, in the same transaction: of many concurrent callers (threads, processes, replicas) exactly
one wins; the others get ``None``.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final, Literal

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, RowMapping

from bot.domain.errors import DuplicatePairError, DuplicateSubmissionError, PendingLimitError
from bot.domain.models import (
    ALLOWED_TRANSITIONS,
    FailureKind,
    NewRequest,
    RequestState,
    SendIdRequest,
)
from bot.store.audit_trail import insert_audit
from bot.store.errors import StoreError, UnknownRequestError, translate_errors
from bot.store.queries import Queries, pending_count_of, pending_of, update_of
from bot.store.schema import (
    PAIR_SEPARATOR,
    REQUEST_COLUMNS,
    aware,
    pair_key,
    request_row,
    requests_table,
    to_request,
    utcnow,
    workflow_steps_table,
)

# States in which a request no longer holds its campaign/send ID pair. FAILED frees it only for
# REJECTED_BY_BRAZE (Braze refused the input, so nothing was created and a retry cannot help).
_FREEING_STATES: Final = frozenset(
    {RequestState.REJECTED, RequestState.EXPIRED, RequestState.CANCELLED}
)


class _Unset(enum.Enum):
    UNSET = enum.auto()


# Sentinel for transition(): "leave this column alone", as opposed to None ("set it to NULL").
_UNSET: Final = _Unset.UNSET

# First key of the PostgreSQL advisory lock that serialises one requester's inserts ("SDIP");
# the second is a hash of the requester. (Two-key locks never collide with one-key ones.)
_PG_REQUESTER_LOCK_SPACE: Final = 0x53444950


def _requester_lock_key(requester_id: str) -> int:
    """A stable signed 32-bit key for `requester_id`, the same in every replica."""
    digest = hashlib.blake2b(requester_id.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


class RequestLifecycle(Queries):
    @translate_errors
    def create_request(
        self, new: NewRequest, *, now: datetime | None = None, max_pending: int | None = None
    ) -> SendIdRequest:
        """Store `new` as a pending request of its Braze workspace, or raise DuplicatePairError
        if the pair is held in that workspace, DuplicateSubmissionError if its `submission_key`
        (the form's view ID) already made one, or PendingLimitError if the requester already has
        `max_pending` pending requests (in any workspace).

        The cap is counted inside the insert's transaction, with the requester's inserts
        serialised (SQLite: the write lock taken at BEGIN; PostgreSQL: an advisory lock per
        requester), so concurrent submissions on any thread or replica cannot exceed it."""
        now = utcnow() if now is None else aware(now)
        key = pair_key(new.workspace, new.campaign_id, new.send_id)
        submission_key = new.submission_key
        # A few rounds: after a unique violation the holder may free the pair before we look it
        # up (then inserting again is right), and a random ID may (very rarely) collide.
        for _ in range(5):
            request = new.pending("r" + secrets.token_hex(6), now)
            try:
                with self._db.write() as conn:
                    if max_pending is not None:
                        self._check_pending_cap(conn, new.requester_id, submission_key, max_pending)
                    row = request_row(request) | {"pair_key": key, "submission_key": submission_key}
                    conn.execute(requests_table.insert(), row)  # compiled once: see insert_audit
                    if new.step is not None:
                        # In the same transaction: a request of a step always knows its step.
                        conn.execute(
                            workflow_steps_table.insert(),
                            {
                                "request_id": request.id,
                                "function_execution_id": new.step.function_execution_id,
                                "workflow_execution_id": new.step.workflow_execution_id,
                            },
                        )
                    insert_audit(
                        conn,
                        request.id,
                        new.workspace,
                        None,
                        RequestState.PENDING,
                        new.requester_id,
                        now,
                        "requested" if new.step is None else "requested by a workflow step",
                    )
                return request
            except exc.IntegrityError:
                if submission_key is not None:
                    earlier = self._made_by_submission(submission_key)
                    if earlier is not None:
                        raise DuplicateSubmissionError(earlier) from None
                holder = self._holder_of(key)
                if holder is not None:
                    raise DuplicatePairError(holder.id, holder.state) from None
        raise StoreError("could not store the request (the pair kept changing hands)")

    def _check_pending_cap(
        self, conn: Connection, requester_id: str, submission_key: str | None, cap: int
    ) -> None:
        """Raise PendingLimitError if `requester_id` has `cap` pending requests (in `conn`'s
        write transaction, after taking the requester's lock)."""
        if not self._db.is_sqlite:
            # Held to the end of the transaction: the next insert of this requester (on any
            # replica) counts only after this one committed or rolled back.
            key = _requester_lock_key(requester_id)
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_REQUESTER_LOCK_SPACE, key)))
        if submission_key is not None:
            # A replay of the submission that made the last allowed request is a replay, not
            # one too many (checked again by the unique index at insert).
            earlier = conn.execute(
                sa.select(requests_table.c.id).where(
                    requests_table.c.submission_key == submission_key
                )
            ).scalar()
            if earlier is not None:
                raise DuplicateSubmissionError(str(earlier))
        # READ COMMITTED: this statement sees every insert committed before the lock was ours.
        if conn.execute(pending_count_of(requester_id)).scalar_one() >= cap:
            rows = conn.execute(pending_of(requester_id)).mappings()
            raise PendingLimitError([to_request(row) for row in rows])

    def _made_by_submission(self, submission_key: str) -> str | None:
        with self._db.connect() as conn:
            found = conn.execute(
                sa.select(requests_table.c.id).where(
                    requests_table.c.submission_key == submission_key
                )
            ).scalar()
        return None if found is None else str(found)

    @translate_errors
    def pair_holder(
        self, workspace: str, campaign_id: str, send_id: str | None
    ) -> SendIdRequest | None:
        """The live request holding this pair in `workspace`, if any (None for send_id None:
        never held).

        A cheap pre-check for form validation; create_request stays the authority on races.
        """
        return self._holder_of(pair_key(workspace, campaign_id, send_id))

    def _holder_of(self, key: str | None) -> SendIdRequest | None:
        if key is None:
            return None
        return self._request(sa.select(*REQUEST_COLUMNS).where(requests_table.c.pair_key == key))

    @translate_errors
    def get(self, request_id: str) -> SendIdRequest | None:
        return self._request(sa.select(*REQUEST_COLUMNS).where(requests_table.c.id == request_id))

    @translate_errors
    def set_card(self, request_id: str, card_ts: str) -> None:
        """Remember the ts of the request's approval card (raises UnknownRequestError)."""
        with self._db.write() as conn:
            result = conn.execute(update_of(request_id).values(card_ts=card_ts))
            if result.rowcount != 1:
                raise UnknownRequestError(request_id)

    @translate_errors
    def start_call(self, request_id: str, now: datetime) -> SendIdRequest | None:
        """The claimed approval's Braze call starts now: only if the request is still approved
        with no call started (the claim was not undone meanwhile). None otherwise."""
        statement = (
            update_of(request_id)
            .where(requests_table.c.state == RequestState.APPROVED.value)
            .where(requests_table.c.calling_since.is_(None))
            .values(calling_since=aware(now), updated_at=aware(now))
        )
        with self._db.write() as conn:
            if conn.execute(statement).rowcount != 1:
                return None
            row = (
                conn.execute(sa.select(*REQUEST_COLUMNS).where(requests_table.c.id == request_id))
                .mappings()
                .one()
            )
            return to_request(row)

    @translate_errors
    def set_card_if_unknown(self, request_id: str, card_ts: str) -> bool:
        """Remember the card's ts where none is remembered yet; False if one already was."""
        with self._db.write() as conn:
            result = conn.execute(
                update_of(request_id)
                .where(requests_table.c.card_ts.is_(None))
                .values(card_ts=card_ts)
            )
            return result.rowcount == 1

    @translate_errors
    def mark_announced(self, request_id: str, state: RequestState | None) -> None:
        """Record that the thread reply for `state` has been posted (None: nothing posted)."""
        with self._db.write() as conn:
            conn.execute(
                update_of(request_id).values(announced_state=None if state is None else state.value)
            )

    @translate_errors
    def transition(
        self,
        request_id: str,
        from_states: RequestState | Iterable[RequestState],
        to_state: RequestState,
        *,
        actor_id: str,
        detail: str = "",
        now: datetime | None = None,
        decided_by: str | Literal[_Unset.UNSET] | None = _UNSET,
        retried_by: str | Literal[_Unset.UNSET] | None = _UNSET,
        reject_reason: str | Literal[_Unset.UNSET] | None = _UNSET,
        created_send_id: str | Literal[_Unset.UNSET] | None = _UNSET,
        failure_kind: FailureKind | Literal[_Unset.UNSET] | None = _UNSET,
        failure_message: str | Literal[_Unset.UNSET] | None = _UNSET,
        expires_at: datetime | Literal[_Unset.UNSET] = _UNSET,
        failed_as: Iterable[FailureKind] | None = None,
        unstarted_only: bool = False,
    ) -> SendIdRequest | None:
        """Move a request to ``to_state`` if it is in one of ``from_states``; audit it.

        Returns the updated request if this caller won, None if the request was not in an
        expected state (someone else won) or does not exist. Only the optional fields passed
        explicitly are written. Entering APPROVED counts an attempt and re-claims the pair
        (DuplicatePairError if, after a REJECTED_BY_BRAZE failure, another request took it).
        Entering FAILED requires a failure_kind. ``failed_as``: a request in FAILED matches only
        if it failed as one of these kinds; ``unstarted_only``: only while no Braze call has
        started for the claim (calling_since is NULL). Illegal transitions raise ValueError.
        """
        sources = (from_states,) if isinstance(from_states, RequestState) else tuple(from_states)
        if not sources:
            raise ValueError("from_states is empty")
        for source in sources:
            if to_state not in ALLOWED_TRANSITIONS[source]:
                raise ValueError(f"illegal transition {source.value} -> {to_state.value}")
        if to_state is RequestState.FAILED and not isinstance(failure_kind, FailureKind):
            # Whether the pair is freed depends on the kind; a stale kind must not decide it.
            raise ValueError("entering failed requires a failure_kind")
        now = utcnow() if now is None else aware(now)

        values: dict[str, Any] = {
            "state": to_state.value,
            # SQL evaluates every SET expression against the row as it was before the UPDATE.
            "previous_state": requests_table.c.state,
            "updated_at": now,
        }
        if to_state is RequestState.APPROVED:
            values["attempts"] = requests_table.c.attempts + 1
            values["calling_since"] = None  # this claim's Braze call has not started
            # Normally a no-op (the request already holds its pair); after a 400 freed it, a retry
            # must hold it again. NULL when send_id is NULL (NULL || x is NULL on both backends).
            values["pair_key"] = (
                requests_table.c.workspace
                + PAIR_SEPARATOR
                + requests_table.c.campaign_id
                + PAIR_SEPARATOR
                + requests_table.c.send_id
            )
        if to_state in _FREEING_STATES or (
            to_state is RequestState.FAILED and failure_kind is FailureKind.REJECTED_BY_BRAZE
        ):
            values["pair_key"] = None
        if decided_by is not _UNSET:
            values["decided_by"] = decided_by
            values["decided_at"] = None if decided_by is None else now
        if retried_by is not _UNSET:
            values["retried_by"] = retried_by
        if reject_reason is not _UNSET:
            values["reject_reason"] = reject_reason
        if created_send_id is not _UNSET:
            values["created_send_id"] = created_send_id
        if failure_kind is not _UNSET:
            values["failure_kind"] = None if failure_kind is None else failure_kind.value
        if failure_message is not _UNSET:
            values["failure_message"] = failure_message
        if expires_at is not _UNSET:
            values["expires_at"] = aware(expires_at)

        statement = (
            update_of(request_id)
            .where(requests_table.c.state.in_([s.value for s in sources]))
            .values(**values)
        )
        if unstarted_only:
            statement = statement.where(requests_table.c.calling_since.is_(None))
        if failed_as is not None:
            statement = statement.where(
                sa.or_(
                    requests_table.c.state != RequestState.FAILED.value,
                    requests_table.c.failure_kind.in_([k.value for k in failed_as]),
                )
            )
        try:
            with self._db.write() as conn:
                return self._apply(conn, statement, request_id, to_state, actor_id, now, detail)
        except exc.IntegrityError:
            # Only the pair re-claim on entering APPROVED can violate a constraint here.
            current = self.get(request_id)
            holder = (
                None
                if current is None
                else self.pair_holder(current.workspace, current.campaign_id, current.send_id)
            )
            if holder is None:
                raise
            raise DuplicatePairError(holder.id, holder.state) from None

    def _apply(
        self,
        conn: Connection,
        statement: sa.Update,
        request_id: str,
        to_state: RequestState,
        actor_id: str,
        now: datetime,
        detail: str,
    ) -> SendIdRequest | None:
        """Run a transition's conditional UPDATE in `conn` and write its audit row; None if it
        matched nothing."""
        row: RowMapping | None
        if self._db.update_returning:
            row = conn.execute(statement.returning(*requests_table.c)).mappings().first()
        else:
            if conn.execute(statement).rowcount != 1:
                return None
            # Still the same transaction, write lock held: nobody changed it since.
            row = (
                conn.execute(sa.select(requests_table).where(requests_table.c.id == request_id))
                .mappings()
                .one()
            )
        if row is None:
            return None
        insert_audit(
            conn,
            request_id,
            row["workspace"],
            RequestState(row["previous_state"]),
            to_state,
            actor_id,
            now,
            detail,
        )
        return to_request(row)
