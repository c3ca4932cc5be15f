"""What the domain needs from the outside world, stated as interfaces.

The service depends on these, never on an adapter: ``bot.store.Store`` is the
:class:`RequestRepository`, ``bot.braze.BrazeClient`` the :class:`BrazeGateway` (its errors
subclass :class:`GatewayError`). Dependencies point inward: adapters import the domain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from bot.domain.analytics import SendStats
from bot.domain.models import (
    ApprovalStep,
    FailureKind,
    NewRequest,
    QuotaSnapshot,
    RequestState,
    SendIdRequest,
)

if TYPE_CHECKING:
    from bot.domain.workflow_steps import StepVerdict, WorkflowStep


@dataclass(frozen=True)
class CreatedSendId:
    send_id: str
    quota: QuotaSnapshot | None  # what the answer said of the daily quota, if anything
    attempts: int = 1  # HTTP attempts it took (more only after failures before sending)


@dataclass(frozen=True)
class CampaignDetails:
    campaign_id: str
    name: str | None
    archived: bool
    draft: bool


class GatewayError(Exception):
    """Base of every failure of the Braze gateway (see :mod:`bot.braze.errors` for the whole
    hierarchy). Subclasses set the attributes below.

    ``failure_kind`` (per class) is what a request whose Braze call hit this error is failed
    with: the one table from errors to failure kinds. ``message`` is safe to show after
    escaping; ``status_code`` is the HTTP status (None without an answer); ``quota`` is what
    the answer's headers said of the daily quota; ``reset_at`` is when the quota is back, for
    quota errors that say so; ``attempts`` is how many HTTP attempts were made.
    """

    failure_kind: ClassVar[FailureKind] = FailureKind.UNEXPECTED

    message: str
    status_code: int | None
    quota: QuotaSnapshot | None
    reset_at: datetime | None = None
    attempts: int = 1


class BrazeGateway(Protocol):
    """The Braze calls the domain makes; every failure raises a :class:`GatewayError`."""

    def create_send_id(
        self,
        campaign_id: str,
        send_id: str | None = None,
        *,
        late: Callable[[CreatedSendId], object] | None = None,
    ) -> CreatedSendId:
        """Create a send ID (None: Braze generates one). Never retried once it may have
        reached Braze unanswered (that failure is ``FailureKind.OUTCOME_UNKNOWN``); where the
        call gave up waiting, a success that arrives afterwards is handed to ``late``."""
        ...

    def campaign_details(
        self, campaign_id: str, *, timeout: float | None = None
    ) -> CampaignDetails:
        """The campaign's name and status, within ``timeout`` seconds in all."""
        ...

    def send_data_series(self, campaign_id: str, send_id: str, *, days: int) -> SendStats:
        """A created send ID's analytics over the last ``days`` days."""
        ...


class RequestRepository(Protocol):
    """Where requests, their audit trail and the last known quota are kept.

    Every transition is atomic and conditional on the request's current state, so of many
    concurrent callers (threads, processes, replicas) exactly one wins.
    """

    def create_request(
        self, new: NewRequest, *, now: datetime | None = None, max_pending: int | None = None
    ) -> SendIdRequest:
        """Store `new` as a pending request of its Braze workspace. Raises DuplicatePairError if
        a live request holds the pair in that workspace, DuplicateSubmissionError if its
        `submission_key` already made a request, PendingLimitError if the requester already
        has `max_pending` pending requests (counted atomically with the insert, across threads
        and replicas)."""
        ...

    def pending_of(self, requester_id: str) -> list[SendIdRequest]:
        """The person's pending requests (in every workspace), oldest first."""
        ...

    def pending_count(self, requester_id: str) -> int:
        """How many requests the person has pending (in every workspace)."""
        ...

    def get(self, request_id: str) -> SendIdRequest | None: ...

    def pair_holder(
        self, workspace: str, campaign_id: str, send_id: str | None
    ) -> SendIdRequest | None:
        """The live request holding this campaign/send ID pair in `workspace`, if any."""
        ...

    def transition(
        self,
        request_id: str,
        from_states: RequestState | Iterable[RequestState],
        to_state: RequestState,
        *,
        actor_id: str,
        detail: str = "",
        now: datetime | None = None,
        decided_by: str | None = ...,
        retried_by: str | None = ...,
        reject_reason: str | None = ...,
        created_send_id: str | None = ...,
        failure_kind: FailureKind | None = ...,
        failure_message: str | None = ...,
        expires_at: datetime = ...,
        failed_as: Iterable[FailureKind] | None = None,
        unstarted_only: bool = False,
    ) -> SendIdRequest | None:
        """Move the request to `to_state` if it is in one of `from_states`, with its audit row;
        None if it was not (someone else won). Fields left out stay as they are."""
        ...

    def add_approval(
        self, request_id: str, approver_id: str, *, now: datetime | None = None
    ) -> tuple[ApprovalStep, SendIdRequest | None]:
        """Count one approver's approval of a pending request, atomically; the one that
        completes its `approvals_required` claims it (pending → approved). An approver counts
        once; nothing counts on a request that is no longer pending."""
        ...

    def start_call(self, request_id: str, now: datetime) -> SendIdRequest | None:
        """Mark the claimed approval's Braze call as started, only if the request is still
        approved with no call started; None otherwise (the claim was undone)."""
        ...

    def set_card(self, request_id: str, card_ts: str) -> None:
        """Remember where the request's approval card is (its message ts)."""
        ...

    def set_card_if_unknown(self, request_id: str, card_ts: str) -> bool:
        """Remember the card's ts where none is remembered yet; False if one already was."""
        ...

    def mark_announced(self, request_id: str, state: RequestState | None) -> None:
        """Remember that the thread reply for `state` is posted (None: nothing posted)."""
        ...

    def in_state(self, state: RequestState) -> list[SendIdRequest]:
        """Oldest first."""
        ...

    def recent_in_channel(self, channel_id: str, limit: int = 10) -> list[SendIdRequest]:
        """Newest first."""
        ...

    def recent_by_requester(self, requester_id: str, limit: int = 10) -> list[SendIdRequest]:
        """Newest first, in any channel."""
        ...

    def find_created(self, channel_id: str, send_id: str) -> SendIdRequest | None:
        """The newest request of the channel that created `send_id`."""
        ...

    def due_for_expiry(self, now: datetime) -> list[SendIdRequest]:
        """Pending requests whose deadline has passed."""
        ...

    def quota_failures_since(self, since: datetime) -> list[SendIdRequest]:
        """Requests failed on the quota after `since` whose failure reply is posted."""
        ...

    def delete_ended_before(
        self, cutoff: datetime, states: Iterable[RequestState], limit: int
    ) -> list[list[dict[str, Any]]]:
        """Delete up to `limit` requests in `states` last changed before `cutoff`, with their
        audit rows and notices; each one's audit trail (the export's rows), oldest first."""
        ...

    def unretried_setup_failures(self, now: datetime) -> list[SendIdRequest]:
        """Requests failed by a setup failure whose deadline to be retried has passed."""
        ...

    def claim_reminder(self, request_id: str, now: datetime) -> bool:
        """Take the one reminder a pending request gets; False if already taken."""
        ...

    def claim_unshown(self, older_than: datetime) -> list[SendIdRequest]:
        """Take the pending requests stored before `older_than` that nobody has seen (no card,
        requester never told); each is taken once across replicas. ``mark_announced(id, None)``
        gives one back."""
        ...

    def claim_card_post(self, request_id: str, now: datetime, lease_since: datetime) -> bool:
        """Take the posting of a pending request's card (no card yet, nobody posting since
        `lease_since`); of concurrent posters exactly one wins."""
        ...

    def release_card_post(self, request_id: str) -> None:
        """Let go of the card's posting (it was not posted)."""
        ...

    def unannounced(
        self, states: Iterable[RequestState], older_than: datetime
    ) -> list[SendIdRequest]:
        """Requests in `states`, last changed before `older_than`, whose reply was not posted."""
        ...

    def quota(self, workspace: str) -> QuotaSnapshot | None:
        """What Braze last said of the workspace's daily quota (None: nothing yet)."""
        ...

    def record_quota(self, workspace: str, snapshot: QuotaSnapshot) -> None:
        """Keep `snapshot` as the workspace's quota unless a newer observation is kept."""
        ...

    def claim_notice(self, request_id: str, notice: str, now: datetime) -> bool:
        """Take `notice` for the request once across replicas; False if already taken."""
        ...

    def has_notice(self, request_id: str, notice: str) -> bool:
        """Whether `notice` was taken for the request."""
        ...

    def notices_of(self, request_id: str, prefix: str) -> list[str]:
        """The request's notices that start with `prefix`, oldest first."""
        ...

    def count_notice(self, request_id: str, notice: str, now: datetime) -> int:
        """Count one more attempt at `notice`; the attempts so far, this one included."""
        ...

    # ---- workflow steps (bot.domain.workflow_steps) ----------------------------------------

    def workflow_step(self, request_id: str) -> WorkflowStep | None:
        """The step execution the request came from (stored with it by create_request)."""
        ...

    def claim_step_finish(
        self,
        request_id: str,
        verdict: StepVerdict,
        outcome: str,
        now: datetime,
        lease_since: datetime,
    ) -> WorkflowStep | None:
        """Take the finishing of the request's step (not finished, nobody finishing it since
        `lease_since`), keeping the first outcome ever claimed; the step, or None."""
        ...

    def finish_step(self, request_id: str, now: datetime) -> None:
        """The step is finished (Slack took it, or the execution is over)."""
        ...

    def release_step_finish(self, request_id: str) -> None:
        """Let go of the claim (Slack was not told); its outcome stays."""
        ...

    def unfinished_steps(
        self,
        states: Iterable[RequestState],
        failed_as: Iterable[FailureKind],
        ended_before: datetime,
        lease_since: datetime,
    ) -> list[SendIdRequest]:
        """Requests in `states` (FAILED only as one of `failed_as`) whose step is unfinished
        and unclaimed since `lease_since`, and whose reply is posted or that ended before
        `ended_before`."""
        ...
