"""Requests made by a Workflow Builder step, and finishing that step exactly once.

A step execution (Slack's `function_executed`) becomes an ordinary request with its
`StepOrigin` stored beside it. When the request reaches an end, its step is finished: completed
with the created send ID, or failed with one sentence. Finishing is a claim in the store (one
conditional update), so of every thread, replica and restart exactly one finishes it, and the
outcome claimed first is the one ever sent: a step is never both completed and failed.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain.models import SETUP_FAILURES, FailureKind, RequestState, SendIdRequest
from bot.domain.ports import RequestRepository

# The custom step's callback ID in the manifest (`functions.create_send_id`).
CREATE_SEND_ID = "create_send_id"

# A claim to finish a step this old belongs to a finisher that died (longer than one Slack
# call can take with the client's timeout and retries).
STEP_FINISH_LEASE = timedelta(minutes=2)

# Failures that end a step: a retry cannot help (Braze refused the input), or only an admin can
# (a setup failure, which the admins are told of as for any request).
FAILED_FOR_GOOD = frozenset({FailureKind.REJECTED_BY_BRAZE, *SETUP_FAILURES})
# States in which a step may have to be finished (FAILED only as FAILED_FOR_GOOD).
ENDING_STATES = (
    RequestState.CREATED,
    RequestState.FAILED,
    RequestState.REJECTED,
    RequestState.EXPIRED,
    RequestState.CANCELLED,
)


class StepVerdict(enum.StrEnum):
    COMPLETE = "complete"
    FAIL = "fail"


def verdict(request: SendIdRequest) -> StepVerdict | None:
    """How the request's step ends now, or None while it still waits (pending, approved, or
    failed in a way a Retry can still mend: quota, Braze unavailable, outcome unknown)."""
    if request.state is RequestState.CREATED:
        return StepVerdict.COMPLETE
    if request.state in (RequestState.REJECTED, RequestState.EXPIRED, RequestState.CANCELLED):
        return StepVerdict.FAIL
    if request.state is RequestState.FAILED and request.failure_kind in FAILED_FOR_GOOD:
        return StepVerdict.FAIL
    return None


@dataclass(frozen=True, slots=True)
class WorkflowStep:
    """A request's step, as stored: its execution, and once claimed how it ends (`outcome`:
    the outputs for COMPLETE, the error sentence for FAIL)."""

    request_id: str
    function_execution_id: str
    workflow_execution_id: str | None
    verdict: StepVerdict | None = None
    outcome: str | None = None  # JSON: {"outputs": {...}} or {"error": "..."}
    finished_at: datetime | None = None

    @property
    def outputs(self) -> dict[str, Any]:
        return dict(json.loads(self.outcome or "{}").get("outputs") or {})

    @property
    def error(self) -> str:
        return str(json.loads(self.outcome or "{}").get("error") or "")


def outcome_of(verdict: StepVerdict, *, outputs: dict[str, Any], error: str) -> str:
    """What a claim stores: the outputs to complete with, or the error to fail with."""
    if verdict is StepVerdict.COMPLETE:
        return json.dumps({"outputs": outputs}, sort_keys=True)
    return json.dumps({"error": error})


# Requests whose origin (form or workflow) is remembered in memory, at most.
ORIGINS_KEPT = 10_000


class WorkflowSteps:
    """What the service does for requests made by a workflow step (`SendIdService` provides the
    store and clock)."""

    _store: RequestRepository
    clock: Callable[[], datetime]
    _origins: dict[str, bool]

    def workflow_step(self, request_id: str) -> WorkflowStep | None:
        """The step the request came from, if a workflow made it."""
        return self._store.workflow_step(request_id)

    def made_by_workflow(self, request_id: str) -> bool:
        """Whether a workflow step made the request. It never changes, so it is read once per
        request and process: the card, updated at every decision, costs no extra query."""
        known = self._origins.get(request_id)
        if known is None:
            known = self._store.workflow_step(request_id) is not None
            if len(self._origins) >= ORIGINS_KEPT:
                self._origins.clear()  # a fresh read is as good
            self._origins[request_id] = known
        return known

    def claim_step_finish(
        self, request_id: str, step_verdict: StepVerdict, outcome: str
    ) -> WorkflowStep | None:
        """Take the finishing of the request's step: the step with the outcome to send (the
        first one ever claimed, whatever this caller offers), or None when it is finished or
        someone else is finishing it (a claim older than STEP_FINISH_LEASE has lapsed)."""
        now = self.clock()
        return self._store.claim_step_finish(
            request_id, step_verdict, outcome, now, now - STEP_FINISH_LEASE
        )

    def step_finished(self, request_id: str) -> None:
        """Slack took the step's completion (or said the execution is over)."""
        self._store.finish_step(request_id, self.clock())

    def release_step_finish(self, request_id: str) -> None:
        """Slack could not be told now: the next housekeeping round tries again."""
        self._store.release_step_finish(request_id)

    def steps_to_finish(self, grace: timedelta) -> list[SendIdRequest]:
        """Requests that ended with their step unfinished and nobody finishing it: their thread
        reply is posted, or they ended over `grace` ago (a crash, a restart, a lost reply)."""
        now = self.clock()
        return self._store.unfinished_steps(
            ENDING_STATES, FAILED_FOR_GOOD, now - grace, now - STEP_FINISH_LEASE
        )
