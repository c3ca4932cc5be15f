"""The Workflow Builder step "Create a Braze send ID" (`function_executed`, callback ID
`create_send_id`): the form's use case through another entrance.

Bolt acknowledges the event itself (`app.function`); the checks and the card run on the bot's
pool. A refusal fails the step at once with Bolt's `fail` and posts nothing; an accepted
request posts the same card as the form and the step waits for its end, which finishes it
(`bot.slack.steps`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, BoltContext, Fail
from slack_sdk.errors import SlackApiError

from bot.domain.errors import StorageUnavailable
from bot.domain.models import StepOrigin
from bot.domain.policy import CHANNEL_ID, USER_ID
from bot.domain.workflow_steps import CREATE_SEND_ID
from bot.i18n import Msg, Translator
from bot.slack.actor import Actor
from bot.slack.context import BotContext, bot_context
from bot.slack.listeners.interaction import reporting
from bot.slack.views import steps

log = logging.getLogger("bot.slack")

# Slack's execution IDs ("Fx…"); the submission key "step:<id>" fits its 64-character column.
EXECUTION_ID = re.compile(r"^[A-Za-z0-9]{1,58}$")
# The order a refusal names the form's problems in (the first one is the step's error).
FIELDS = ("campaign_id", "send_id", "purpose")


def register(app: App) -> None:
    app.function(CREATE_SEND_ID)(create_send_id)


def create_send_id(
    event: dict[str, Any], inputs: dict[str, Any], fail: Fail, context: BoltContext
) -> None:
    """Take the step's request (Bolt acknowledged the event already)."""
    bot = bot_context(context)
    bot.work.run("workflow step", lambda: take_step(bot, event, inputs, fail))


def _text(inputs: dict[str, Any], name: str) -> str | None:
    value = inputs.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def take_step(bot: BotContext, event: dict[str, Any], inputs: dict[str, Any], fail: Fail) -> None:
    execution_id = str(event.get("function_execution_id") or "")
    if not EXECUTION_ID.match(execution_id):
        log.warning("function_executed without a usable execution ID; ignored")
        return
    workflow_execution = event.get("workflow_execution_id")
    t = bot.languages.channel
    channel_id = _text(inputs, "channel_id") or ""
    requester_id = _text(inputs, "requester_id") or ""
    where = {"function_execution_id": execution_id, "channel": channel_id, "user": requester_id}

    def refuse(error: str) -> None:
        log.info("workflow step refused", extra=where)
        try:
            fail(error=error)
        except SlackApiError:
            log.exception("workflow step refusal not delivered", extra=where)

    for name, value, pattern in (
        ("channel_id", channel_id, CHANNEL_ID),
        ("requester_id", requester_id, USER_ID),
    ):
        if not pattern.match(value):
            refuse(t(Msg.STEP_INPUT_MISSING, name=name))
            return
    if not bot.policy.channel_permitted(channel_id):
        shown = bot.messenger.channel_name(channel_id)
        refuse(steps.not_permitted_error(t, channel_id, shown, bot.policy.allowed_channels))
        return
    # What is posted about the request, and the step's refusals, in the request's language:
    # the channel's, else the workspace's, else the requester's (looked up: no /sendid did).
    bot.t_for(requester_id)
    language = bot.languages.for_posting(channel_id, requester_id)
    t = Translator(language)
    campaign_id = _text(inputs, "campaign_id") or ""
    try:
        outcome = bot.service.submit(
            channel_id=channel_id,
            requester_id=requester_id,
            raw_campaign_id=campaign_id,
            raw_send_id=_text(inputs, "send_id"),
            raw_purpose=_text(inputs, "purpose"),
            # Slack re-delivers an event it thinks was lost: the same execution, no new request.
            submission_key=f"step:{execution_id}",
            step=StepOrigin(execution_id, str(workflow_execution) if workflow_execution else None),
            language=language,
        )
    except StorageUnavailable:
        log.exception("workflow step: database unreachable", extra=where)
        refuse(t(Msg.STEP_DATABASE_DOWN))
        return
    except Exception:
        log.exception("workflow step: request not taken", extra=where)
        refuse(t(Msg.STEP_NOT_TAKEN))
        return
    if outcome.replayed:
        log.info("workflow step delivered again; its first delivery acts", extra=where)
        return
    if outcome.request is None:
        field = next((f for f in FIELDS if f in outcome.problems), None)
        problem = outcome.problems[field] if field else next(iter(outcome.problems.values()))
        refuse(steps.refused_error(t, campaign_id, problem))
        return
    request = outcome.request
    # As after the form: a card Slack refuses is told to the requester with the fix, and the
    # step waits for the request's end (housekeeping posts a card a crash lost).
    with reporting(bot, Actor(requester_id, channel_id), Msg.DOING_POST_CARD):
        bot.show_card(request)
