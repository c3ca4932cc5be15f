"""The Workflow Builder step a request came from, and the claim that finishes it once.

The row is written with its request (``RequestLifecycle.create_request``). Finishing is one
conditional ``UPDATE``: only an unfinished step that nobody has claimed since the lease began
can be claimed, and the outcome the first claim stored is kept (COALESCE), so a later claimer
after a crash sends the very same completion or failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from bot.domain.models import FailureKind, RequestState, SendIdRequest
from bot.domain.workflow_steps import StepVerdict, WorkflowStep
from bot.store.errors import translate_errors
from bot.store.queries import Queries
from bot.store.schema import REQUEST_COLUMNS, aware, requests_table, workflow_steps_table

_steps = workflow_steps_table


def _to_step(row: RowMapping) -> WorkflowStep:
    verdict = row["verdict"]
    return WorkflowStep(
        request_id=row["request_id"],
        function_execution_id=row["function_execution_id"],
        workflow_execution_id=row["workflow_execution_id"],
        verdict=None if verdict is None else StepVerdict(verdict),
        outcome=row["outcome"],
        finished_at=row["finished_at"],
    )


def _of(request_id: str) -> Any:
    return _steps.c.request_id == request_id


class WorkflowStepRecords(Queries):
    @translate_errors
    def workflow_step(self, request_id: str) -> WorkflowStep | None:
        with self._db.connect() as conn:
            row = conn.execute(sa.select(_steps).where(_of(request_id))).mappings().first()
        return None if row is None else _to_step(row)

    @translate_errors
    def claim_step_finish(
        self,
        request_id: str,
        verdict: StepVerdict,
        outcome: str,
        now: datetime,
        lease_since: datetime,
    ) -> WorkflowStep | None:
        """Take the finishing of the step: the step with the first outcome ever claimed, or
        None (finished, or claimed by someone since `lease_since`)."""
        statement = (
            _steps.update()
            .where(_of(request_id))
            .where(_steps.c.finished_at.is_(None))
            .where(
                sa.or_(_steps.c.finishing_at.is_(None), _steps.c.finishing_at < aware(lease_since))
            )
            .values(
                finishing_at=aware(now),
                verdict=sa.func.coalesce(_steps.c.verdict, verdict.value),
                outcome=sa.func.coalesce(_steps.c.outcome, outcome),
            )
        )
        with self._db.write() as conn:
            if conn.execute(statement).rowcount != 1:
                return None
            row = conn.execute(sa.select(_steps).where(_of(request_id))).mappings().one()
        return _to_step(row)

    @translate_errors
    def finish_step(self, request_id: str, now: datetime) -> None:
        with self._db.write() as conn:
            conn.execute(
                _steps.update()
                .where(_of(request_id))
                .where(_steps.c.finished_at.is_(None))
                .values(finished_at=aware(now))
            )

    @translate_errors
    def release_step_finish(self, request_id: str) -> None:
        with self._db.write() as conn:
            conn.execute(
                _steps.update()
                .where(_of(request_id))
                .where(_steps.c.finished_at.is_(None))
                .values(finishing_at=None)
            )

    @translate_errors
    def unfinished_steps(
        self,
        states: Iterable[RequestState],
        failed_as: Iterable[FailureKind],
        ended_before: datetime,
        lease_since: datetime,
    ) -> list[SendIdRequest]:
        """Read through ix_workflow_steps_unfinished: only steps still to finish."""
        requests = requests_table.c
        statement = (
            sa.select(*REQUEST_COLUMNS)
            .select_from(requests_table.join(_steps, _steps.c.request_id == requests.id))
            .where(_steps.c.finished_at.is_(None))
            .where(
                sa.or_(_steps.c.finishing_at.is_(None), _steps.c.finishing_at < aware(lease_since))
            )
            .where(requests.state.in_([s.value for s in states]))
            .where(
                sa.or_(
                    requests.state != RequestState.FAILED.value,
                    requests.failure_kind.in_([k.value for k in failed_as]),
                )
            )
            .where(
                sa.or_(
                    requests.announced_state == requests.state,
                    requests.updated_at < aware(ended_before),
                )
            )
            .order_by(requests.updated_at, requests.id)
        )
        return self._requests(statement)
