"""The request lifecycle as use cases: submit, decide, create in Braze, expire, and the reads and
records around them.

`SendIdService` is the one entry point: the Slack layer and housekeeping never reach the request
repository or the Braze gateways (`bot.domain.ports`) themselves. Every state change goes through
the repository's atomic conditional transition, so exactly one caller wins, across threads,
processes and restarts. This module knows nothing of Slack.

Braze workspaces (`bot.domain.workspaces`): a request is made in its channel's workspace and
keeps it; every Braze call for it (lookup, creation, results) goes to that workspace's gateway,
and quota and duplicate pairs are per workspace.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from bot.domain import problems
from bot.domain.analytics import SEND_ANALYTICS_RETENTION_DAYS, SendStats
from bot.domain.cache import SingleFlightCache
from bot.domain.creation import Creation
from bot.domain.errors import (
    DuplicatePairError,
    DuplicateSubmissionError,
    PendingLimitError,
    UnknownWorkspaceError,
)
from bot.domain.limits import NO_LIMITS, PersonLimits
from bot.domain.lookups import CampaignLookups
from bot.domain.models import (
    ApprovalStep,
    NewRequest,
    QuotaSnapshot,
    RequestState,
    SendIdRequest,
    StepOrigin,
)
from bot.domain.notices import NoticeBook
from bot.domain.policy_file import (
    EMPTY_POLICY_FILE,
    ChannelRules,
    campaign_allowed_problem,
    send_id_pattern_problem,
)
from bot.domain.ports import BrazeGateway, RequestRepository
from bot.domain.problems import Problem
from bot.domain.sweeps import Sweeps
from bot.domain.validation import check_form
from bot.domain.workflow_steps import WorkflowSteps

log = logging.getLogger("bot.service")

# How long Braze's results of one send ID are kept before they are asked for again.
RESULTS_TTL_SECONDS = 60.0
# A card post claimed this long ago without its card recorded belongs to a poster that died
# (longer than a post can take with the Slack client's timeouts, retries and waits).
CARD_POST_LEASE = timedelta(minutes=5)


# The key of a problem about the whole form, not one of its fields.
FORM: Final = "form"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """Either a new pending request, or problems to show in the form: per field (the field's
    name), or about the whole form (FORM: the person's limits, the quota)."""

    request: SendIdRequest | None = None
    problems: dict[str, Problem] = field(default_factory=dict)
    replayed: bool = False  # this very submission already created a request (a replay)


@dataclass(frozen=True, slots=True)
class Claim:
    """The result of trying to claim a decision: `won` or the request as someone else left it."""

    won: bool
    request: SendIdRequest | None
    # What an Approve click did: claimed (won), counted (more approvals needed), counted
    # before, or too late. None for the other decisions.
    step: ApprovalStep | None = None


class SendIdService(Creation, Sweeps, WorkflowSteps):
    def __init__(
        self,
        store: RequestRepository,
        gateways: Mapping[str, BrazeGateway],
        *,
        ttl: timedelta,
        lookup_timeout: float = 0.8,
        clock: Callable[[], datetime] = utcnow,
        rules_for: Callable[[str], ChannelRules] = EMPTY_POLICY_FILE.rules_for,
        limits: PersonLimits = NO_LIMITS,
    ) -> None:
        """`gateways`: one per Braze workspace, by name ("default" included)."""
        self._store = store
        self._gateways = gateways
        self.ttl = ttl
        # The campaign lookup runs inside Slack's 3-second window for view submissions.
        self._lookups = CampaignLookups(self._gateway, timeout=lookup_timeout)
        self.clock = clock
        # The channel's rules from the policy file (allow-list, naming rule, TTL, workspace).
        self.rules_for = rules_for
        # Per person: requests waiting at once, form submissions a minute.
        self.limits = limits
        # Who was told what outside the thread (DMs, the quota-back notice, failing replies).
        self.notices = NoticeBook(store, lambda: self.clock())
        # Whether a workflow step made a request (never changes once stored).
        self._origins: dict[str, bool] = {}
        # Set by stop(): work that waits for the database gives up (and says so).
        self.stopping = threading.Event()
        # A success Braze reports after the create gave up waiting; the Slack layer announces
        # it (until it hooks in, housekeeping re-posts the reply).
        self.on_late_creation = lambda request, quota: None
        # How many different people could approve a request of (channel, requester); None:
        # cannot be counted. Wired to the Slack layer's Policy (bot.slack.app).
        self.possible_approvers: Callable[[str, str], int | None] = lambda channel, user: None
        # Braze's results change slowly and its answer can take seconds: one fetch serves all.
        self._results: SingleFlightCache[tuple[str, str, str], SendStats] = SingleFlightCache(
            RESULTS_TTL_SECONDS
        )

    def stop(self) -> None:
        """The bot is stopping: recording Braze's answers stops waiting for the database."""
        self.stopping.set()

    def _gateway(self, workspace: str) -> BrazeGateway:
        gateway = self._gateways.get(workspace)
        if gateway is None:
            raise UnknownWorkspaceError(workspace)
        return gateway

    def workspace_for(self, channel_id: str) -> str:
        """The Braze workspace a new request in the channel is made in."""
        return self.rules_for(channel_id).braze_workspace

    # ---- submission -------------------------------------------------------------------------

    def submit(
        self,
        *,
        channel_id: str,
        requester_id: str,
        raw_campaign_id: str | None,
        raw_send_id: str | None,
        submission_key: str | None = None,
        raw_purpose: str | None = None,
        language: str | None = None,
        step: StepOrigin | None = None,
    ) -> SubmitOutcome:
        """One use case for every entrance: the form, and a workflow step (`step`: the request
        then finishes that step; its execution ID is the submission key, so a re-delivered
        execution makes no second request)."""
        # The person's own limits come first: no form they send could pass them.
        store = self._store
        if limited := self.limits.refusal(requester_id, store.pending_count, store.pending_of):
            log.info("submission refused by a per-person limit", extra={"user": requester_id})
            return SubmitOutcome(problems={FORM: limited})
        clean, found = check_form(raw_campaign_id, raw_send_id, raw_purpose)
        rules = self.rules_for(channel_id)
        workspace = rules.braze_workspace
        if "campaign_id" not in found and (p := campaign_allowed_problem(rules, clean.campaign_id)):
            found["campaign_id"] = p
        if "send_id" not in found and (p := send_id_pattern_problem(rules, clean.send_id)):
            found["send_id"] = p
        if found:
            return SubmitOutcome(problems=found)
        others = self.possible_approvers(channel_id, requester_id)
        if others is not None and others < rules.approvals_required:
            # Could never be approved: said now, not after it waited out its lifetime.
            impossible = {"required": rules.approvals_required, "others": others}
            return SubmitOutcome(
                problems={FORM: Problem(problems.APPROVALS_IMPOSSIBLE, impossible)}
            )
        if exhausted := self.quota_exhausted(workspace):
            return SubmitOutcome(problems={FORM: problems.quota_problem(exhausted, self.clock())})
        if clean.send_id is not None:
            holder = self._store.pair_holder(workspace, clean.campaign_id, clean.send_id)
            if holder is not None:
                return SubmitOutcome(problems={"send_id": problems.duplicate_problem(holder)})
        name, problem = self._lookups.lookup(workspace, clean.campaign_id)
        if problem:
            return SubmitOutcome(problems={"campaign_id": problem})
        try:
            new = NewRequest(
                channel_id=channel_id,
                workspace=workspace,
                requester_id=requester_id,
                campaign_id=clean.campaign_id,
                send_id=clean.send_id,
                campaign_name=name,
                ttl=rules.ttl or self.ttl,
                purpose=clean.purpose,
                submission_key=submission_key,
                language=language,
                step=step,
                approvals_required=rules.approvals_required,
            )
            request = self._store.create_request(
                new, now=self.clock(), max_pending=self.limits.max_pending
            )
        except PendingLimitError as full:
            # Lost a race with the person's own concurrent submissions: the store counted.
            return SubmitOutcome(problems={FORM: self.limits.over_cap(full.pending)})
        except DuplicateSubmissionError:
            # A replay of a submission that already made its request (maybe on another
            # replica): nothing new to store, and nothing to tell the user.
            return SubmitOutcome(replayed=True)
        except DuplicatePairError as dup:
            # Lost a race with an identical submission: the unique pair key decided.
            held = self._store.get(dup.existing_request_id)
            return SubmitOutcome(problems={"send_id": problems.duplicate_problem(held)})
        log.info(
            "request created",
            extra={
                "request_id": request.id,
                "channel": channel_id,
                "user": requester_id,
                "workspace": workspace,
            },
        )
        return SubmitOutcome(request=request)

    def form_blocker(self, channel_id: str, requester_id: str) -> Problem | None:
        """Why any request form `requester_id` could send in `channel_id` now would be refused
        (the channel's Braze quota used up until its reset, or their pending requests at the
        cap), else None. Read-only: counts nothing against the submission rate."""
        if exhausted := self.quota_exhausted(self.workspace_for(channel_id)):
            return problems.quota_problem(exhausted, self.clock())
        cap = self.limits.max_pending
        if cap is not None and self._store.pending_count(requester_id) >= cap:
            return self.limits.over_cap(self._store.pending_of(requester_id))
        return None

    # ---- reading requests -------------------------------------------------------------------

    def get_request(self, request_id: str) -> SendIdRequest | None:
        return self._store.get(request_id)

    def channel_history(self, channel_id: str, limit: int = 10) -> list[SendIdRequest]:
        """The channel's most recent requests, newest first."""
        return self._store.recent_in_channel(channel_id, limit)

    def requests_of(self, requester_id: str, limit: int = 10) -> list[SendIdRequest]:
        """The person's most recent requests in any channel, newest first."""
        return self._store.recent_by_requester(requester_id, limit)

    def pending_requests(self) -> list[SendIdRequest]:
        """Every request waiting for a decision, oldest first."""
        return self._store.in_state(RequestState.PENDING)

    def created_request(self, channel_id: str, send_id: str) -> SendIdRequest | None:
        """The channel's newest request that created `send_id`, if any."""
        return self._store.find_created(channel_id, send_id)

    # ---- what people have been shown --------------------------------------------------------

    def claim_card_post(self, request_id: str, lease: timedelta = CARD_POST_LEASE) -> bool:
        """Take the posting of the request's card, like every other transition: of concurrent
        posters (the form, housekeeping in any replica, a Post again click) one wins. A claim
        older than `lease` has lapsed (its poster died); `release_card_post` gives it back."""
        now = self.clock()
        return self._store.claim_card_post(request_id, now, now - lease)

    def release_card_post(self, request_id: str) -> None:
        self._store.release_card_post(request_id)

    def record_card(self, request_id: str, card_ts: str) -> None:
        """The request's approval card was posted (message `card_ts` in its channel)."""
        self._store.set_card(request_id, card_ts)

    def card_seen(self, request: SendIdRequest, card_ts: str) -> SendIdRequest:
        """Someone clicked the request's card (message `card_ts`) before its ts was recorded:
        record it now (only where none is), and return the request as it is now."""
        self._store.set_card_if_unknown(request.id, card_ts)
        return self._store.get(request.id) or request

    def record_reply(self, request_id: str, state: RequestState) -> None:
        """The thread reply for `state` was posted; housekeeping re-posts replies never recorded."""
        self._store.mark_announced(request_id, state)

    # ---- quota ------------------------------------------------------------------------------

    def quota(self, workspace: str) -> QuotaSnapshot | None:
        """What is known of the Braze workspace's quota today."""
        return self._store.quota(workspace)

    def quotas_of(self, channel_ids: Iterable[str]) -> dict[str, QuotaSnapshot | None]:
        """Each Braze workspace's quota the channels use, in the order they first name them."""
        workspaces = dict.fromkeys(self.workspace_for(channel) for channel in channel_ids)
        return {workspace: self._store.quota(workspace) for workspace in workspaces}

    def quota_exhausted(self, workspace: str) -> QuotaSnapshot | None:
        """The workspace's quota if it is used up until its reset, else None. Another
        workspace's quota never matters here."""
        snapshot = self._store.quota(workspace)
        if snapshot is not None and snapshot.exhausted(self.clock()):
            return snapshot
        return None

    # ---- decisions --------------------------------------------------------------------------

    def claim_approval(self, request_id: str, approver_id: str) -> Claim:
        """Count `approver_id`'s approval; `won` when it is the request's last one needed (the
        caller then calls Braze), else `step` says what became of the click."""
        step, request = self._store.add_approval(request_id, approver_id, now=self.clock())
        if step is ApprovalStep.COUNTED and request is not None:
            log.info(
                "approval counted",
                extra={
                    "request_id": request_id,
                    "user": approver_id,
                    "workspace": request.workspace,
                },
            )
        return Claim(won=step is ApprovalStep.CLAIMED, request=request, step=step)

    def _decide(
        self,
        request_id: str,
        from_state: RequestState,
        to_state: RequestState,
        actor_id: str,
        detail: str,
        **fields: str | None,
    ) -> Claim:
        """One atomic decision by `actor_id`; the loser gets the request as the winner left it."""
        won = self._store.transition(
            request_id,
            from_state,
            to_state,
            actor_id=actor_id,
            detail=detail,
            now=self.clock(),
            decided_by=actor_id,
            **fields,  # type: ignore[arg-type]
        )
        return Claim(won=won is not None, request=won or self._store.get(request_id))

    def claim_retry(self, request_id: str, retrier_id: str) -> Claim:
        """Claim a failed request for another Braze call by `retrier_id`. The approver who
        signed off stays `decided_by`; the retrier is `retried_by` (and the audit's actor)."""
        current = self._store.get(request_id)
        if (
            current is None
            or current.failure_kind is None
            or not current.failure_kind.retry_allowed
        ):
            return Claim(won=False, request=current)
        won = self._store.transition(
            request_id,
            RequestState.FAILED,
            RequestState.APPROVED,
            actor_id=retrier_id,
            detail="retry",
            now=self.clock(),
            retried_by=retrier_id,
        )
        return Claim(won=won is not None, request=won or self._store.get(request_id))

    def reject(self, request_id: str, actor_id: str, reason: str | None) -> Claim:
        detail = f"rejected: {reason}" if reason else "rejected"
        return self._decide(
            request_id,
            RequestState.PENDING,
            RequestState.REJECTED,
            actor_id,
            detail,
            reject_reason=reason,
        )

    def cancel(self, request_id: str, requester_id: str) -> Claim:
        """The requester withdraws their own pending request (the caller checked who it is)."""
        return self._decide(
            request_id,
            RequestState.PENDING,
            RequestState.CANCELLED,
            requester_id,
            "cancelled by the requester",
        )

    # ---- results ----------------------------------------------------------------------------

    def send_results(self, request: SendIdRequest) -> SendStats:
        """Braze's analytics of a created send ID over its retention window, kept for
        RESULTS_TTL_SECONDS and fetched once for everyone asking at the same time.

        Raises GatewayError."""
        send_id = request.created_send_id
        if send_id is None:
            raise ValueError(f"request {request.id} has created no send ID to show results of")
        gateway = self._gateway(request.workspace)
        return self._results.get(
            (request.workspace, request.campaign_id, send_id),
            lambda: gateway.send_data_series(
                request.campaign_id, send_id, days=SEND_ANALYTICS_RETENTION_DAYS
            ),
        )
