"""The two-person rule in the database: one Approve click, counted or claimed atomically.

A request needs ``approvals_required`` distinct approvers. Each click runs in one write
transaction holding the request's row (SQLite: the write lock taken at BEGIN; PostgreSQL:
``SELECT … FOR UPDATE``), so clicks on one request, on any thread or replica, are counted one
after the other: a person counts once, nothing counts on a request that left *pending*, and of two
last approvals at once exactly one makes the pending → approved transition (and so the one Braze
call). Every counted approval is an audit row (pending → pending, "approved (1 of 2)").
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bot.domain.models import ApprovalStep, RequestState, SendIdRequest
from bot.store.audit_trail import insert_audit
from bot.store.errors import translate_errors
from bot.store.lifecycle import RequestLifecycle
from bot.store.queries import update_of
from bot.store.schema import aware, requests_table, to_request, utcnow


def approval_detail(count: int, required: int) -> str:
    """The audit detail of an approval: "approved" alone where one is enough (as always)."""
    return "approved" if required <= 1 else f"approved ({count} of {required})"


class RequestApprovals(RequestLifecycle):
    @translate_errors
    def add_approval(
        self, request_id: str, approver_id: str, *, now: datetime | None = None
    ) -> tuple[ApprovalStep, SendIdRequest | None]:
        """Count `approver_id`'s approval of a pending request; with it the request has its
        `approvals_required`, claim the approval (pending → approved, `decided_by` this
        approver). Returns what happened and the request as it is now (None: unknown).

        An approver already counted on a pending request that has all its approvals (a claim
        undone because Braze was never called) claims it again: they may try again, as a single
        approver always could."""
        now = utcnow() if now is None else aware(now)
        with self._db.write() as conn:
            locked = (
                sa.select(requests_table)
                .where(requests_table.c.id == request_id)
                .with_for_update()  # PostgreSQL; SQLite holds the database's write lock already
            )
            row = conn.execute(locked).mappings().first()
            if row is None:
                return ApprovalStep.NOT_PENDING, None
            request = to_request(row)
            if request.state is not RequestState.PENDING:
                return ApprovalStep.NOT_PENDING, request
            counted = approver_id in request.approvals
            approvals = request.approvals if counted else (*request.approvals, approver_id)
            required = request.approvals_required
            if len(approvals) < required:
                if counted:
                    return ApprovalStep.ALREADY_COUNTED, request
                conn.execute(
                    update_of(request_id)
                    .where(requests_table.c.state == RequestState.PENDING.value)
                    .values(approvals=" ".join(approvals), updated_at=now)
                )
                detail = approval_detail(len(approvals), required)
                insert_audit(
                    conn,
                    request_id,
                    request.workspace,
                    RequestState.PENDING,
                    RequestState.PENDING,
                    approver_id,
                    now,
                    detail,
                )
                counted_request = to_request(
                    conn.execute(sa.select(requests_table).where(requests_table.c.id == request_id))
                    .mappings()
                    .one()
                )
                return ApprovalStep.COUNTED, counted_request
            # The N-th distinct approval: the one conditional transition every claim makes.
            claim = (
                update_of(request_id)
                .where(requests_table.c.state == RequestState.PENDING.value)
                .values(
                    state=RequestState.APPROVED.value,
                    previous_state=requests_table.c.state,
                    updated_at=now,
                    attempts=requests_table.c.attempts + 1,
                    calling_since=None,
                    decided_by=approver_id,
                    decided_at=now,
                    approvals=" ".join(approvals),
                )
            )
            detail = approval_detail(len(approvals), required)
            claimed = self._apply(
                conn, claim, request_id, RequestState.APPROVED, approver_id, now, detail
            )
            if claimed is None:  # cannot happen under the row lock; never claim twice
                return ApprovalStep.NOT_PENDING, request
            return ApprovalStep.CLAIMED, claimed
