"""The use cases housekeeping runs on a schedule: reminders, expiry, recovery of approvals a
crash interrupted, and finding cards and replies that never reached Slack. Part of
:class:`bot.domain.service.SendIdService` (a base class, so housekeeping still has the one entry
point); kept apart because none of it is a person's action.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from bot.domain.models import FailureKind, RequestState, SendIdRequest
from bot.domain.ports import RequestRepository

log = logging.getLogger("bot.service")
# Each request deleted after the retention period leaves its audit trail here, first.
retention_log = logging.getLogger("bot.retention")

SYSTEM_ACTOR = "system"
# Requests deleted per housekeeping round once past the retention period (a backlog goes over
# several rounds; each round stays short).
RETENTION_BATCH = 500
# The states a request ends in; only these are ever deleted.
ENDED_STATES = (
    RequestState.CREATED,
    RequestState.FAILED,
    RequestState.REJECTED,
    RequestState.EXPIRED,
    RequestState.CANCELLED,
)

# The states whose outcome is replied in the request's thread.
ANNOUNCED_STATES = (
    RequestState.CREATED,
    RequestState.FAILED,
    RequestState.REJECTED,
    RequestState.EXPIRED,
    RequestState.CANCELLED,
)


class Recovered(NamedTuple):
    """An interrupted approval as recovery left it, and whether its Braze call had started
    (True: outcome unknown; False: back where it was before the claim, nothing created)."""

    request: SendIdRequest
    braze_called: bool


class Sweeps:
    """What housekeeping asks of the service; `SendIdService` provides the store and clock."""

    _store: RequestRepository
    clock: Callable[[], datetime]

    def take_due_reminders(self) -> list[SendIdRequest]:
        """Pending requests past half their time to live, each handed out once (atomically)."""
        now = self.clock()
        due = []
        for request in self._store.in_state(RequestState.PENDING):
            halfway = request.created_at + (request.expires_at - request.created_at) / 2
            due_now = request.reminded_at is None and request.card_ts and now >= halfway
            # claim_reminder is atomic: of several replicas, exactly one sends it.
            if due_now and self._store.claim_reminder(request.id, now):
                due.append(request)
        return due

    def expire_if_due(self, request: SendIdRequest) -> SendIdRequest | None:
        if request.state is not RequestState.PENDING or request.expires_at > self.clock():
            return None
        return self._store.transition(
            request.id,
            RequestState.PENDING,
            RequestState.EXPIRED,
            actor_id=SYSTEM_ACTOR,
            detail="not decided in time",
            now=self.clock(),
        )

    def expire_due(self) -> list[SendIdRequest]:
        """Expire every overdue pending request, and every setup failure nobody retried in time
        (its pair is freed, so the same send ID can be asked for again)."""
        expired = []
        for request in self._store.due_for_expiry(self.clock()):
            done = self.expire_if_due(request)
            if done is not None:
                expired.append(done)
        for request in self._store.unretried_setup_failures(self.clock()):
            done = self._store.transition(
                request.id,
                RequestState.FAILED,
                RequestState.EXPIRED,
                actor_id=SYSTEM_ACTOR,
                detail="setup failure not retried in time",
                now=self.clock(),
            )
            if done is not None:
                expired.append(done)
        return expired

    def recover_stale_approvals(self, older_than: timedelta) -> list[Recovered]:
        """Settle approvals a crash interrupted (claimed or calling for over `older_than`).

        `approved` means "approval claimed, Braze call in flight". A call that started longer
        ago than any Braze create can last (the create deadline is shorter than `older_than`)
        belongs to a process that died before recording Braze's answer: Braze may or may not
        have created the ID, so it becomes failed/outcome unknown and only a person may retry.
        A claim whose call never started (the bot died, or a Slack call hung, before it) never
        reached Braze: it goes back to where it was (:meth:`undo_claim`), nothing unknown.
        """
        cutoff = self.clock() - older_than
        recovered = []
        for request in self._store.in_state(RequestState.APPROVED):
            if request.updated_at > cutoff:
                continue  # possibly still in flight in another replica
            if request.calling_since is None:
                undone = self.undo_claim(request, "interrupted before Braze was called")
                if undone is not None:
                    log.warning(
                        "claim undone: Braze never called", extra={"request_id": request.id}
                    )
                    recovered.append(Recovered(undone, braze_called=False))
                continue
            failed = self._store.transition(
                request.id,
                RequestState.APPROVED,
                RequestState.FAILED,
                actor_id=SYSTEM_ACTOR,
                detail="outcome_unknown: interrupted while calling Braze (bot restarted)",
                now=self.clock(),
                failure_kind=FailureKind.OUTCOME_UNKNOWN,
                failure_message="The bot stopped while calling Braze.",
            )
            if failed is not None:
                log.warning("interrupted approval recovered", extra={"request_id": request.id})
                recovered.append(Recovered(failed, braze_called=True))
        return recovered

    def undo_claim(self, request: SendIdRequest, why: str) -> SendIdRequest | None:
        """A claimed approval whose Braze call never started goes back: a first approval to
        pending (approvable again), a retry to its earlier failure (retryable again). Only while
        no call has started (one that starts meanwhile wins); None if it did or moved on."""
        if request.failure_kind is None:
            return self._store.transition(
                request.id,
                RequestState.APPROVED,
                RequestState.PENDING,
                actor_id=SYSTEM_ACTOR,
                detail=f"not called: {why}; waiting for approval again",
                now=self.clock(),
                decided_by=None,
                unstarted_only=True,
            )
        return self._store.transition(
            request.id,
            RequestState.APPROVED,
            RequestState.FAILED,
            actor_id=SYSTEM_ACTOR,
            detail=f"not called: {why}; back to {request.failure_kind.value}",
            now=self.clock(),
            failure_kind=request.failure_kind,
            failure_message=request.failure_message,
            retried_by=None,
            unstarted_only=True,
        )

    def take_unshown(self, older_than: timedelta) -> list[SendIdRequest]:
        """Pending requests stored over `older_than` ago that nobody has seen (a crash before
        the card), each handed out once; `give_back_unshown` returns one whose showing failed."""
        return self._store.claim_unshown(self.clock() - older_than)

    def give_back_unshown(self, request_id: str) -> None:
        self._store.mark_announced(request_id, None)

    def forget_ended(self, retention: timedelta) -> int:
        """Delete the requests that ended (last changed) more than `retention` ago, with their
        audit rows and notices, up to RETENTION_BATCH a call; returns how many. Each one's
        audit trail goes to the log first, as one line (logger ``bot.retention``, field
        ``audit``: the rows `python -m bot audit --format json` prints): the export that
        outlives the database. Pending and approved requests are never deleted."""
        cutoff = self.clock() - retention
        trails = self._store.delete_ended_before(cutoff, ENDED_STATES, RETENTION_BATCH)
        for trail in trails:
            retention_log.info(
                "audit trail of a request deleted after the retention period",
                extra={"request_id": trail[0]["request_id"] if trail else "", "audit": trail},
            )
        return len(trails)

    def lost_replies(self, older_than: timedelta) -> list[SendIdRequest]:
        """Requests whose outcome was never replied in their thread, `older_than` after it."""
        return self._store.unannounced(ANNOUNCED_STATES, self.clock() - older_than)
