"""Running the Workflow Builder step as Slack does: an execution starts on the Slack stand-in
(which then accepts its function-scoped token) and its `function_executed` event goes to the bot."""

from __future__ import annotations

import itertools
from typing import Any

from bot.domain.models import SendIdRequest
from tests.standins.slack import SlackStandIn
from tests.support import slack_requests as sr
from tests.support.constants import CAMPAIGN, CHANNEL, REQUESTER
from tests.support.driver import ACKNOWLEDGED, SlackDriver
from tests.support.shown import valid_message
from tests.support.waits import newest_with_card

_executions = itertools.count(1)


def step_event(slack: SlackStandIn, **inputs: str) -> tuple[str, str, dict[str, Any]]:
    """A new execution of the step with `inputs` (by default a valid request in CHANNEL for
    REQUESTER): its ID, its function-scoped token and its function_executed event."""
    execution = f"Fx{next(_executions):06d}WF"
    token = slack.start_execution(execution)
    values = {"campaign_id": CAMPAIGN, "channel_id": CHANNEL, "requester_id": REQUESTER}
    values.update(inputs)
    event = sr.function_executed(values, execution_id=execution, bot_access_token=token)
    return execution, token, event


def start_step(bot: SlackDriver, *, replica: int | None = None, **inputs: str) -> tuple[str, str]:
    """Slack runs the step: its event sent to the bot and acknowledged. Returns the execution
    ID and its function-scoped token."""
    execution, token, event = step_event(bot.slack, **inputs)
    assert bot.event(event, replica=replica).ack == ACKNOWLEDGED
    return execution, token


def step_card(bot: SlackDriver, channel: str = CHANNEL) -> SendIdRequest:
    """The request the step made, once its card is posted (checked against Block Kit)."""
    request = newest_with_card(bot.store, channel)
    valid_message(bot.card_posts(channel)[-1].params)
    return request
