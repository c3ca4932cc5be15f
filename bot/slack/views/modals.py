"""The two forms: the send ID request, and the optional reason for a rejection."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md
from bot.slack.views import ids
from bot.slack.views.elements import Block, context, plain_text

REASON_MAX = 500
# Slack refuses a longer initial_value in a plain_text_input.
PREFILL_MAX = 150


@dataclass(frozen=True, slots=True)
class ModalMetadata:
    """What travels through the client in `private_metadata`: re-checked on submit."""

    channel_id: str
    request_id: str | None = None

    def dump(self) -> str:
        return json.dumps({"channel_id": self.channel_id, "request_id": self.request_id})

    @classmethod
    def parse(cls, raw: str | None) -> ModalMetadata | None:
        try:
            data = json.loads(raw or "")
        except (ValueError, RecursionError):  # garbage, or nesting deep enough to blow the stack
            return None
        if not isinstance(data, dict) or not isinstance(data.get("channel_id"), str):
            return None
        request_id = data.get("request_id")
        return cls(data["channel_id"], request_id if isinstance(request_id, str) else None)


def request_modal(
    t: Translator,
    channel_id: str,
    campaign_id: str = "",
    send_id: str = "",
    naming_example: str | None = None,
) -> dict[str, Any]:
    """The request form. With a channel naming rule the send ID is required and its example
    is shown (a Braze-generated ID could not follow the rule)."""
    campaign = _text_field(
        ids.CAMPAIGN_BLOCK,
        t(Msg.MODAL_CAMPAIGN_LABEL),
        t(Msg.MODAL_CAMPAIGN_HINT),
        initial=campaign_id,
        placeholder=plain_text("1a2b3c4d-0000-4000-8000-123456789abc"),
    )
    send = _text_field(
        ids.SEND_ID_BLOCK,
        t(Msg.MODAL_SEND_ID_LABEL),
        t(Msg.MODAL_SEND_ID_HINT_RULE, example=naming_example)
        if naming_example
        else t(Msg.MODAL_SEND_ID_HINT),
        optional=naming_example is None,
        initial=send_id,
        placeholder=plain_text(naming_example or t(Msg.MODAL_SEND_ID_PLACEHOLDER)),
    )
    where = context(t(Msg.MODAL_REQUEST_CONTEXT, channel=md.channel(channel_id)))
    return {
        "type": "modal",
        "callback_id": ids.REQUEST_MODAL,
        "private_metadata": ModalMetadata(channel_id).dump(),
        "title": plain_text(t(Msg.MODAL_REQUEST_TITLE)),
        "submit": plain_text(t(Msg.MODAL_REQUEST_SUBMIT)),
        "close": plain_text(t(Msg.MODAL_CANCEL)),
        "blocks": [campaign, send, where],
    }


def reject_modal(t: Translator, channel_id: str, request_id: str) -> dict[str, Any]:
    reason = _text_field(
        ids.REASON_BLOCK,
        t(Msg.MODAL_REASON_LABEL),
        t(Msg.MODAL_REASON_HINT),
        optional=True,
        multiline=True,
        max_length=REASON_MAX,
    )
    return {
        "type": "modal",
        "callback_id": ids.REJECT_MODAL,
        "private_metadata": ModalMetadata(channel_id, request_id).dump(),
        "title": plain_text(t(Msg.MODAL_REJECT_TITLE)),
        "submit": plain_text(t(Msg.MODAL_REJECT_SUBMIT)),
        "close": plain_text(t(Msg.MODAL_BACK)),
        "blocks": [reason],
    }


def _text_field(
    block_id: str,
    label: str,
    hint: str,
    *,
    optional: bool = False,
    initial: str = "",
    **element: Any,
) -> Block:
    """An input block around one plain_text_input, read back as `ids.INPUT_ACTION`."""
    text_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.INPUT_ACTION,
        **element,
    }
    # Slack rejects an empty initial_value, so only pre-fill what was given.
    if initial:
        text_input["initial_value"] = initial[:PREFILL_MAX]
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain_text(label),
        "element": text_input,
        "hint": plain_text(hint),
    }
