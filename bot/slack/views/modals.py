"""The two forms: the send ID request, and the optional reason for a rejection."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md
from bot.slack.views import ids
from bot.slack.views.common import context, plain_text

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
    campaign_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.INPUT_ACTION,
        "placeholder": plain_text("1a2b3c4d-0000-4000-8000-123456789abc"),
    }
    send_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.INPUT_ACTION,
        "placeholder": plain_text(
            naming_example if naming_example else t(Msg.MODAL_SEND_ID_PLACEHOLDER)
        ),
    }
    send_id_hint = (
        t(Msg.MODAL_SEND_ID_HINT_RULE, example=naming_example)
        if naming_example
        else t(Msg.MODAL_SEND_ID_HINT)
    )
    # Slack rejects an empty initial_value, so only pre-fill what was given.
    if campaign_id:
        campaign_input["initial_value"] = campaign_id[:PREFILL_MAX]
    if send_id:
        send_input["initial_value"] = send_id[:PREFILL_MAX]
    return {
        "type": "modal",
        "callback_id": ids.REQUEST_MODAL,
        "private_metadata": ModalMetadata(channel_id).dump(),
        "title": plain_text(t(Msg.MODAL_REQUEST_TITLE)),
        "submit": plain_text(t(Msg.MODAL_REQUEST_SUBMIT)),
        "close": plain_text(t(Msg.MODAL_CANCEL)),
        "blocks": [
            {
                "type": "input",
                "block_id": ids.CAMPAIGN_BLOCK,
                "label": plain_text(t(Msg.MODAL_CAMPAIGN_LABEL)),
                "element": campaign_input,
                "hint": plain_text(t(Msg.MODAL_CAMPAIGN_HINT)),
            },
            {
                "type": "input",
                "block_id": ids.SEND_ID_BLOCK,
                "optional": naming_example is None,
                "label": plain_text(t(Msg.MODAL_SEND_ID_LABEL)),
                "element": send_input,
                "hint": plain_text(send_id_hint),
            },
            context(t(Msg.MODAL_REQUEST_CONTEXT, channel=md.channel(channel_id))),
        ],
    }


def reject_modal(t: Translator, channel_id: str, request_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.REJECT_MODAL,
        "private_metadata": ModalMetadata(channel_id, request_id).dump(),
        "title": plain_text(t(Msg.MODAL_REJECT_TITLE)),
        "submit": plain_text(t(Msg.MODAL_REJECT_SUBMIT)),
        "close": plain_text(t(Msg.MODAL_BACK)),
        "blocks": [
            {
                "type": "input",
                "block_id": ids.REASON_BLOCK,
                "optional": True,
                "label": plain_text(t(Msg.MODAL_REASON_LABEL)),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.INPUT_ACTION,
                    "multiline": True,
                    "max_length": REASON_MAX,
                },
                "hint": plain_text(t(Msg.MODAL_REASON_HINT)),
            }
        ],
    }
