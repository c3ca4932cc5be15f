"""Typed records of the request lifecycle.

    pending → approved → created | failed
    pending → rejected | expired | cancelled
    failed  → approved            (retry)
    failed  → expired             (a setup failure nobody retried in time: frees its pair)
    failed  → created             (Braze's answer came after all: outcome unknown only)
    approved → pending | failed   (the claim undone: Braze was never called)

``approved`` means "approval claimed, Braze call in flight".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta


class RequestState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CREATED = "created"
    FAILED = "failed"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


ALLOWED_TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    RequestState.PENDING: frozenset(
        {
            RequestState.APPROVED,
            RequestState.REJECTED,
            RequestState.EXPIRED,
            RequestState.CANCELLED,
        }
    ),
    RequestState.APPROVED: frozenset(
        {RequestState.CREATED, RequestState.FAILED, RequestState.PENDING}
    ),
    # failed → created: a success Braze reports after the request was marked outcome unknown;
    # failed → expired: a setup failure nobody retried in time.
    RequestState.FAILED: frozenset(
        {RequestState.APPROVED, RequestState.CREATED, RequestState.EXPIRED}
    ),
    RequestState.CREATED: frozenset(),
    RequestState.REJECTED: frozenset(),
    RequestState.EXPIRED: frozenset(),
    RequestState.CANCELLED: frozenset(),
}


class ApprovalStep(enum.StrEnum):
    """What one Approve click did (the two-person rule: a request may need N approvals)."""

    CLAIMED = "claimed"  # the N-th distinct approval: pending → approved; this caller calls Braze
    COUNTED = "counted"  # one more approval, still fewer than N: the request stays pending
    ALREADY_COUNTED = "already_counted"  # this person had approved already: nothing changed
    NOT_PENDING = "not_pending"  # decided, expired or cancelled meanwhile (or unknown)


class FailureKind(enum.StrEnum):
    """Why a request is ``failed``; decides whether a Retry makes sense."""

    REJECTED_BY_BRAZE = "rejected_by_braze"  # 400: retrying the same input cannot help
    AUTH = "auth"  # 401: key or instance wrong
    PERMISSION = "permission"  # 403: plan or key permission
    NOT_FOUND = "not_found"  # 404: endpoint URL wrong
    QUOTA = "quota"  # 429
    UNAVAILABLE = "unavailable"  # 5xx / connection refused, after bounded retries
    OUTCOME_UNKNOWN = "outcome_unknown"  # read timeout: Braze may have created it
    UNEXPECTED = "unexpected"  # 2xx without "success", or a body we cannot read
    # The request's Braze workspace is no longer configured: Braze was not called.
    WORKSPACE_UNKNOWN = "workspace_unknown"

    @property
    def retry_allowed(self) -> bool:
        return self is not FailureKind.REJECTED_BY_BRAZE

    @property
    def may_have_created(self) -> bool:
        """Braze may have created the send ID (the request may have reached it and no usable
        answer came back): the outcome is unknown, never "not created"."""
        return self in (FailureKind.OUTCOME_UNKNOWN, FailureKind.UNEXPECTED)

    @property
    def retry_needs_confirmation(self) -> bool:
        return self.may_have_created

    @property
    def needs_admin(self) -> bool:
        """A setup failure (key refused, permission missing, wrong instance, workspace gone):
        nothing an approver does can help until an admin fixes the bot's Braze connection, so
        only admins are offered a retry."""
        return self in SETUP_FAILURES


SETUP_FAILURES = frozenset(
    {
        FailureKind.AUTH,
        FailureKind.PERMISSION,
        FailureKind.NOT_FOUND,
        FailureKind.WORKSPACE_UNKNOWN,
    }
)


@dataclass(frozen=True, slots=True)
class SendIdRequest:
    id: str
    channel_id: str
    workspace: str  # the Braze workspace it was made in; every Braze call for it goes there
    requester_id: str
    campaign_id: str
    send_id: str | None  # None: Braze generates one
    campaign_name: str | None
    state: RequestState
    created_at: datetime  # timezone-aware UTC
    updated_at: datetime
    # Pending: when it expires undecided. Failed by a setup failure: when it expires unretried
    # (the request's time to live again, counted from the failure).
    expires_at: datetime
    card_ts: str | None = None  # ts of the approval card in channel_id
    decided_by: str | None = None  # approver (or rejecter / canceller) user ID
    decided_at: datetime | None = None
    retried_by: str | None = None  # who clicked the last Retry; decided_by stays the approver
    reject_reason: str | None = None
    purpose: str | None = None  # what the requester typed it is for (optional, ≤ 300 chars)
    created_send_id: str | None = None  # what Braze returned
    failure_kind: FailureKind | None = None
    failure_message: str | None = None
    attempts: int = 0  # approvals and retries claimed for this request
    calling_since: datetime | None = None  # when the claim's Braze call started (None: not yet)
    announced_state: RequestState | None = None  # the state whose thread reply was posted
    reminded_at: datetime | None = None  # when the half-TTL reminder went out
    # The language of everything posted about it (card, thread), chosen when it was made; None
    # for requests older than that choice (bot.slack.language.Languages.for_request).
    language: str | None = None
    # How many distinct approvers must approve before Braze is called (the channel's
    # approvals_required when it was made; 1 for requests made before there was a choice).
    approvals_required: int = 1
    # Who has approved so far, in order (each person once); the last one claimed the approval.
    approvals: tuple[str, ...] = ()

    @property
    def approvals_missing(self) -> int:
        """How many approvals a pending request still waits for (0 once it has them all)."""
        return max(self.approvals_required - len(self.approvals), 0)

    @property
    def outcome_unknown(self) -> bool:
        """Failed in a way that admits Braze may have created the send ID after all."""
        return (
            self.state is RequestState.FAILED
            and self.failure_kind is not None
            and self.failure_kind.may_have_created
        )


@dataclass(frozen=True, slots=True)
class NewRequest:
    """A checked submission, for the repository to keep as a pending request."""

    channel_id: str
    workspace: str  # the Braze workspace of channel_id when it was submitted
    requester_id: str
    campaign_id: str
    send_id: str | None  # None: Braze generates one
    campaign_name: str | None
    ttl: timedelta  # how long it stays pending
    purpose: str | None = None
    submission_key: str | None = None  # the form's view ID: one request per form
    language: str | None = None  # of what is posted about it (see SendIdRequest)
    step: StepOrigin | None = None  # made by a workflow step, which it finishes
    approvals_required: int = 1  # distinct approvers needed before Braze is called

    def pending(self, request_id: str, now: datetime) -> SendIdRequest:
        """This request as stored under `request_id` at `now`: pending until its TTL ends."""
        return SendIdRequest(
            id=request_id,
            channel_id=self.channel_id,
            workspace=self.workspace,
            requester_id=self.requester_id,
            campaign_id=self.campaign_id,
            send_id=self.send_id,
            campaign_name=self.campaign_name,
            purpose=self.purpose,
            language=self.language,
            state=RequestState.PENDING,
            created_at=now,
            updated_at=now,
            expires_at=now + self.ttl,
            approvals_required=self.approvals_required,
        )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    request_id: str
    workspace: str  # the request's Braze workspace
    from_state: RequestState | None  # None for the creation row
    to_state: RequestState
    actor_id: str  # Slack user ID, or "system"
    at: datetime
    detail: str


@dataclass(frozen=True, slots=True)
class QuotaSnapshot:
    """What is known of today's Braze send-ID quota (from X-RateLimit-* headers or a 429)."""

    limit: int | None
    remaining: int | None
    reset_at: datetime | None
    observed_at: datetime

    def exhausted(self, now: datetime) -> bool:
        if self.remaining is None or self.remaining > 0:
            return False
        return now < self.effective_reset

    @property
    def effective_reset(self) -> datetime:
        """When the quota is back. Without Braze's reset header: the next UTC midnight after the
        observation (the quota is daily), so a 429 never blocks approvals forever."""
        if self.reset_at is not None:
            return self.reset_at
        observed = self.observed_at.astimezone(UTC)
        return datetime.combine(observed.date() + timedelta(days=1), time.min, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class StepOrigin:
    """The Workflow Builder step execution a request came from (Slack's `function_executed`):
    the request finishes it (bot.domain.workflow_steps)."""

    function_execution_id: str
    workflow_execution_id: str | None = None
