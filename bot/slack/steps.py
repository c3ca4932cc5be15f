"""Finishing the Workflow Builder step a request came from, once it has ended.

Called where a request's outcome is shown (`BotContext.settle`, after its thread reply) and by
housekeeping for whatever that missed (a crash, a restart, Slack refusing). The store's claim
makes it happen once across threads, replicas and restarts; the outcome fixed by the first
claim is the one sent, so a step is completed or failed, never both.

Later finishes (an approval click, housekeeping, another replica) call the Web API methods
`functions.completeSuccess` / `functions.completeError` with the bot's own token: the
step's short-lived token is neither stored nor needed.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.domain.models import SendIdRequest
from bot.domain.service import SendIdService
from bot.domain.workflow_steps import StepVerdict, outcome_of, verdict
from bot.slack.language import Languages
from bot.slack.messenger import Messenger, slack_error
from bot.slack.views import steps

log = logging.getLogger("bot.slack")

# Slack's answers that mean the execution can no longer be finished by anyone (finished
# already, timed out or gone), or never with this outcome: trying again cannot help.
STEP_OVER_ERRORS = frozenset(
    {
        "execution_not_in_running_state",
        "function_execution_not_found",
        "parameter_validation_failed",
    }
)


class StepFinisher:
    def __init__(self, service: SendIdService, messenger: Messenger, languages: Languages) -> None:
        self.service = service
        self.messenger = messenger
        self.languages = languages

    def finish(self, request: SendIdRequest) -> bool:
        """Complete or fail the request's step if it has one, the request has ended and nobody
        finished it yet; True if this call did. Raises what Slack or the database raised
        (the claim is given back, so the next housekeeping round tries again)."""
        ending = verdict(request)
        if ending is None:
            return False
        step = self.service.workflow_step(request.id)
        if step is None or step.finished_at is not None:
            return False
        if ending is StepVerdict.COMPLETE:
            outcome = outcome_of(
                ending,
                outputs=steps.step_outputs(request, self.messenger.permalink(request)),
                error="",
            )
        else:
            outcome = outcome_of(
                ending,
                outputs={},
                error=steps.step_error(self.languages.for_request(request), request),
            )
        claimed = self.service.claim_step_finish(request.id, ending, outcome)
        if claimed is None:
            return False  # finished, or someone else is finishing it right now
        where = {"request_id": request.id, "function_execution_id": claimed.function_execution_id}
        try:
            if claimed.verdict is StepVerdict.COMPLETE:
                self.messenger.complete_step(claimed.function_execution_id, claimed.outputs)
            else:
                self.messenger.fail_step(claimed.function_execution_id, claimed.error)
        except SlackApiError as error:
            code = slack_error(error)
            if code not in STEP_OVER_ERRORS:
                self.service.release_step_finish(request.id)
                raise
            log.warning("workflow step not finished: %s", code, extra=where)
        except BaseException:
            self.service.release_step_finish(request.id)
            raise
        else:
            log.info("workflow step finished: %s", claimed.verdict, extra=where)
        self.service.step_finished(request.id)
        return True

    def finish_quietly(self, request: SendIdRequest) -> None:
        """:meth:`finish`, a failure logged (housekeeping tries again)."""
        try:
            self.finish(request)
        except Exception:
            log.exception("workflow step not finished yet", extra={"request_id": request.id})
