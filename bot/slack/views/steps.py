"""What a Workflow Builder step gets back (its outputs, or one sentence why it failed), and the
message metadata of a created send ID. Pure: data in, Slack-shaped data out.

A step's error is shown by Slack to the workflow's owner; like every text the bot sends, what
others typed in it is inert (no mention, no link, no formatting).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.models import FailureKind, RequestState, SendIdRequest
from bot.domain.problems import Problem
from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md
from bot.slack.views.labels import channels_list, decided_by, reason_suffix
from bot.slack.views.texts import problem_text

# Slack's message metadata event type of a created send ID (other apps and workflows react to
# it without reading the text).
CREATED_EVENT_TYPE = "sendid_created"
# Braze's message in a step's error is cut to this.
BRAZE_MESSAGE_MAX = 300
# A channel name as Slack gives it is short; anything longer is cut.
CHANNEL_NAME_MAX = 80


def step_outputs(request: SendIdRequest, permalink: str | None) -> dict[str, Any]:
    """The step's outputs for a created request (manifest: functions.create_send_id)."""
    outputs: dict[str, Any] = {
        "send_id": request.created_send_id or "",
        "campaign_id": request.campaign_id,
        "approver_id": request.decided_by or "",
    }
    if permalink:
        outputs["request_link"] = permalink
    return outputs


def campaign_words(request: SendIdRequest) -> str:
    return md.code(request.campaign_id)


def step_error(t: Translator, request: SendIdRequest) -> str:
    """Why the request's step failed, naming who and why (an ended request only)."""
    campaign = campaign_words(request)
    who = decided_by(t, request)
    if request.state is RequestState.REJECTED:
        return t(Msg.STEP_REJECTED, who=who, campaign=campaign, reason=reason_suffix(t, request))
    if request.state is RequestState.CANCELLED:
        return t(Msg.STEP_CANCELLED, who=who, campaign=campaign)
    if request.state is RequestState.FAILED and request.failure_kind is not None:
        if request.failure_kind is FailureKind.REJECTED_BY_BRAZE:
            message = md.inert(request.failure_message or "", BRAZE_MESSAGE_MAX)
            return t(Msg.STEP_BRAZE_REFUSED, who=who, campaign=campaign, message=message)
        return t(Msg.STEP_SETUP_FAILED, who=who, campaign=campaign)
    return t(Msg.STEP_EXPIRED, campaign=campaign)


def channel_shown(channel_id: str, name: str | None) -> str:
    """The channel as a step's error names it: `#name` where Slack told its name."""
    if name:
        return "#" + md.inert(name, CHANNEL_NAME_MAX)
    return md.channel(channel_id)


def not_permitted_error(
    t: Translator, channel_id: str, name: str | None, permitted: Sequence[str]
) -> str:
    return t(
        Msg.STEP_NOT_PERMITTED,
        channel=channel_shown(channel_id, name),
        channels=channels_list(permitted),
    )


def refused_error(t: Translator, campaign_id: str, problem: Problem) -> str:
    """A form's problem (the same checks) as the step's error."""
    campaign = md.code(campaign_id) if campaign_id else "–"
    return t(Msg.STEP_REFUSED, campaign=campaign, problem=problem_text(t, problem))


def created_metadata(request: SendIdRequest) -> dict[str, Any]:
    """Slack message metadata of the created reply (`chat.postMessage`'s `metadata`)."""
    return {
        "event_type": CREATED_EVENT_TYPE,
        "event_payload": {
            "campaign_id": request.campaign_id,
            "send_id": request.created_send_id or "",
            "request_id": request.id,
            "channel_id": request.channel_id,
        },
    }
