"""Creating a send ID in Braze for a claimed approval, and recording what Braze said.

Part of :class:`bot.domain.service.SendIdService` (a base class, like the sweeps): the one
place that calls Braze's create and turns its answer into a transition.

The contract: one claim is at most one Braze create call (the HTTP layer never re-sends a
create that may have left). What Braze answered is recorded even while the database is
unreachable: a created send ID is logged with its request *before* it is recorded, and the
transition is tried again, with growing pauses, until it is written or the service stops (then
logged as not recorded, and :class:`~bot.domain.errors.UnrecordedCreation` raised).

A success is recorded even when it comes late: after the create's deadline made the request
*outcome unknown*, or after a recovery sweep did (failed as outcome unknown → created). Whoever
records an outcome announces it; a caller whose outcome someone else recorded first does not
(``CreateOutcome.recorded``), so nothing is said twice. Late successes go to
``on_late_creation`` (the Slack layer announces them).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple, TypeVar

from bot.domain.errors import NotCalled, StorageUnavailable, UnrecordedCreation
from bot.domain.models import FailureKind, QuotaSnapshot, RequestState, SendIdRequest
from bot.domain.ports import BrazeGateway, CreatedSendId, GatewayError, RequestRepository
from bot.domain.sweeps import SYSTEM_ACTOR

log = logging.getLogger("bot.service")

T = TypeVar("T")

# Pauses between attempts at recording Braze's answer while the database is unreachable: from
# the first, doubling up to the longest (each with jitter), for as long as the service runs.
RECORD_PAUSE_FIRST = 0.2
RECORD_PAUSE_MAX = 30.0


class CreateOutcome(NamedTuple):
    """The request as it ended, what is known of the quota, and whether this call recorded that
    outcome (False: someone else moved the request first, and says what became of it)."""

    request: SendIdRequest
    quota: QuotaSnapshot | None
    recorded: bool


class Creation:
    """What the service does with a claimed approval; `SendIdService` provides the rest."""

    _store: RequestRepository
    clock: Callable[[], datetime]
    # Set when the bot stops: recording gives up (and says so) instead of waiting on.
    stopping: threading.Event
    # Told of a success recorded after its caller gave up (the deadline): it announces it.
    on_late_creation: Callable[[SendIdRequest, QuotaSnapshot | None], object]

    def _gateway(self, workspace: str) -> BrazeGateway:
        raise NotImplementedError

    def create_in_braze(self, request: SendIdRequest) -> tuple[SendIdRequest, QuotaSnapshot | None]:
        """:meth:`create_and_record`'s request and quota."""
        outcome = self.create_and_record(request)
        return outcome.request, outcome.quota

    def create_and_record(self, request: SendIdRequest) -> CreateOutcome:
        """Call Braze once for a request this caller has claimed (state approved).

        Returns the request in its final state (created or failed), what is known of the
        quota, and whether this call recorded it. The call's start is recorded first (only if
        the claim still stands, so a claim recovery undid never calls Braze); NotCalled if that
        cannot be written. Raises UnrecordedCreation if Braze created the send ID but the
        service stopped before the database took it.
        """
        if request.state is not RequestState.APPROVED:
            # Calling Braze for anything else could create a send ID nobody approved.
            raise ValueError(
                f"request {request.id} is {request.state.value}: only a claimed approval may "
                "call Braze"
            )
        try:
            started = self._store.start_call(request.id, self.clock())
        except StorageUnavailable as error:
            raise NotCalled(request.id) from error
        if started is None:
            # Undone meanwhile (recovery found it stuck before its call) and said so there.
            log.warning("claim undone before its Braze call", extra={"request_id": request.id})
            return CreateOutcome(self._settled(request.id, None), None, recorded=False)
        # The workspace stored with the request, whatever the channel's workspace is now.
        try:
            created = self._gateway(request.workspace).create_send_id(
                request.campaign_id,
                request.send_id,
                late=lambda late: self._record_late(request, late),
            )
        except GatewayError as error:
            return self._record_failure(request, error)
        return self._record_creation(request, created)

    def _record_late(self, request: SendIdRequest, created: CreatedSendId) -> None:
        outcome = self._record_creation(request, created, late=True)
        if outcome.recorded:
            self.on_late_creation(outcome.request, outcome.quota)

    def _actor(self, request: SendIdRequest) -> str:
        # Whoever's click made this call: the retrier, else the approver.
        return request.retried_by or request.decided_by or SYSTEM_ACTOR

    def _record_creation(
        self, request: SendIdRequest, created: CreatedSendId, *, late: bool = False
    ) -> CreateOutcome:
        where = {
            "request_id": request.id,
            "campaign_id": request.campaign_id,
            "send_id": created.send_id,
            "workspace": request.workspace,
        }
        # Before anything is written: if the database never takes it, the log still has it.
        log.info(
            "braze created send ID %s for request %s (campaign %s)%s; recording it",
            created.send_id,
            request.id,
            request.campaign_id,
            " after the call gave up waiting" if late else "",
            extra=where,
        )
        actor = self._actor(request)
        detail = f"send ID created: {created.send_id}; attempts={created.attempts}"

        def record() -> SendIdRequest | None:
            done = self._store.transition(
                request.id,
                RequestState.APPROVED,
                RequestState.CREATED,
                actor_id=actor,
                detail=detail,
                now=self.clock(),
                created_send_id=created.send_id,
                failure_kind=None,
                failure_message=None,
            )
            if done is not None:
                return done
            # Marked outcome unknown meanwhile (the deadline, or a recovery sweep): the success
            # still counts. The failure kind stays, so the reply says "created after all".
            return self._store.transition(
                request.id,
                RequestState.FAILED,
                RequestState.CREATED,
                actor_id=actor,
                detail=f"{detail}; Braze's answer came after the outcome was marked unknown",
                now=self.clock(),
                created_send_id=created.send_id,
                failed_as=(FailureKind.OUTCOME_UNKNOWN,),
            )

        try:
            done = self._until_recorded(f"send ID {created.send_id}", request.id, record)
        except StorageUnavailable:
            log.error(
                "send ID %s was created in Braze for request %s (campaign %s) but is NOT "
                "recorded: the database stayed unreachable until the bot stopped; record it by "
                "hand",
                created.send_id,
                request.id,
                request.campaign_id,
                extra=where,
            )
            raise UnrecordedCreation(request.id, created.send_id) from None
        self._keep_quota(request.workspace, created.quota)
        if done is None:
            log.warning(
                "send ID %s not recorded: the request moved on", created.send_id, extra=where
            )
        else:
            log.info("send id created", extra=where)  # recorded (name kept for log queries)
        return CreateOutcome(self._settled(request.id, done), created.quota, done is not None)

    def _record_failure(self, request: SendIdRequest, error: GatewayError) -> CreateOutcome:
        kind = error.failure_kind
        quota = error.quota
        if kind is FailureKind.QUOTA:
            quota = QuotaSnapshot(
                limit=quota.limit if quota else None,
                remaining=0,
                reset_at=error.reset_at or (quota.reset_at if quota else None),
                observed_at=self.clock(),
            )
        log.warning(
            "braze create failed",
            extra={
                "request_id": request.id,
                "workspace": request.workspace,
                "failure": kind.value,
                "status": error.status_code,
            },
        )

        # A setup failure waits for an admin's retry for the request's time to live again;
        # then it expires (housekeeping), freeing its pair: Braze created nothing.
        ttl = request.expires_at - request.created_at
        deadline = self.clock() + ttl if kind.needs_admin else request.expires_at

        def record() -> SendIdRequest | None:
            return self._store.transition(
                request.id,
                RequestState.APPROVED,
                RequestState.FAILED,
                actor_id=self._actor(request),
                detail=f"{kind.value}: attempts={error.attempts}; {error.message}"[:500],
                now=self.clock(),
                failure_kind=kind,
                failure_message=error.message,
                expires_at=deadline,
            )

        # Not recorded by the time the bot stops: the claim stays in flight, and recovery
        # makes it "status unknown" (never "not created").
        failed = self._until_recorded(f"failure {kind.value}", request.id, record)
        self._keep_quota(request.workspace, quota)
        return CreateOutcome(self._settled(request.id, failed), quota, failed is not None)

    def _keep_quota(self, workspace: str, quota: QuotaSnapshot | None) -> None:
        """Remember what Braze said of the quota; the outcome is recorded already, so a
        database failure here only loses an observation (logged)."""
        if quota is None:
            return
        try:
            self._store.record_quota(workspace, quota)
        except StorageUnavailable:
            log.warning("quota observation not recorded (database unreachable)")

    def _until_recorded(self, what: str, request_id: str, write: Callable[[], T]) -> T:
        """`write()` until the database takes it; while it is unreachable, again after a pause
        that doubles up to RECORD_PAUSE_MAX. Raises the last StorageUnavailable once the
        service stops."""
        pause = RECORD_PAUSE_FIRST
        while True:
            try:
                return write()
            except StorageUnavailable as error:
                if self.stopping.is_set():
                    raise
                wait = pause * (0.5 + random.random() / 2)
                log.warning(
                    "%s of request %s not recorded yet (%s); trying again in %.1f s",
                    what,
                    request_id,
                    type(error).__name__,
                    wait,
                    extra={"request_id": request_id},
                )
                if self.stopping.wait(wait):
                    raise
                pause = min(pause * 2, RECORD_PAUSE_MAX)

    def _settled(self, request_id: str, won: SendIdRequest | None) -> SendIdRequest:
        if won is not None:
            return won
        # Another replica or the recovery sweep moved the row meanwhile.
        current = self._store.get(request_id)
        if current is None:
            raise LookupError(f"request {request_id} vanished while its Braze call was recorded")
        return current
