"""The two forms: the send ID request, and the optional reason for a rejection.

What a form remembers of where it was opened comes sealed (`bot.slack.form_metadata`)."""

from __future__ import annotations

from typing import Any

from bot.domain.models import SendIdRequest
from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md
from bot.slack.views import ids, labels
from bot.slack.views.card import PURPOSE_SHOWN_MAX
from bot.slack.views.elements import Block, context, plain_text, section

REASON_MAX = 500
# What `/sendid <campaign> <send_id>` pre-fills at most (IDs are far shorter anyway).
PREFILL_MAX = 150


def request_modal(
    t: Translator,
    channel_id: str,
    campaign_id: str = "",
    send_id: str = "",
    naming_example: str | None = None,
    *,
    private_metadata: str,
    purpose: str = "",
    problem: str = "",
) -> dict[str, Any]:
    """The request form for `channel_id`, pre-filled with what is given. With a channel naming
    rule the send ID is required and its example is shown (a Braze-generated ID could not follow
    the rule). `private_metadata`: the sealed channel (`bot.slack.form_metadata`). `problem`
    (mrkdwn): what is wrong with the form as a whole, shown at its top."""
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
    # No max_length: a longer purpose gets the bot's own inline error, in the reader's words.
    purpose_field = _free_text(
        ids.PURPOSE_BLOCK,
        t(Msg.MODAL_PURPOSE_LABEL),
        t(Msg.MODAL_PURPOSE_HINT),
        initial=purpose,
        prefill_max=len(purpose),  # a stored purpose is within the bot's own limit: all of it
        placeholder=plain_text(t(Msg.MODAL_PURPOSE_PLACEHOLDER)),
    )
    where = context(t(Msg.MODAL_REQUEST_CONTEXT, channel=md.channel(channel_id)))
    return _modal(
        t,
        ids.REQUEST_MODAL,
        private_metadata,
        (Msg.MODAL_REQUEST_TITLE, Msg.MODAL_REQUEST_SUBMIT, Msg.MODAL_CANCEL),
        [
            *([section(f":warning: {problem}")] if problem else []),
            campaign,
            send,
            purpose_field,
            where,
        ],
    )


def reject_modal(t: Translator, request: SendIdRequest, *, private_metadata: str) -> dict[str, Any]:
    """The optional reason of rejecting `request`, which the form names (who asked, for what,
    where, why); `private_metadata` seals the channel and request."""
    what = t(
        Msg.MODAL_REJECT_WHAT,
        requester=md.user(request.requester_id),
        campaign=labels.campaign_label(request),
        send_id=labels.send_id_label(t, request),
        channel=md.channel(request.channel_id),
    )
    if request.purpose:
        what += f"\n{t(Msg.FIELD_PURPOSE)}\n{md.inert(request.purpose, PURPOSE_SHOWN_MAX)}"
    reason = _free_text(
        ids.REASON_BLOCK, t(Msg.MODAL_REASON_LABEL), t(Msg.MODAL_REASON_HINT), max_length=REASON_MAX
    )
    return _modal(
        t,
        ids.REJECT_MODAL,
        private_metadata,
        (Msg.MODAL_REJECT_TITLE, Msg.MODAL_REJECT_SUBMIT, Msg.MODAL_BACK),
        [section(what), reason],
    )


def _free_text(block_id: str, label: str, hint: str, **element: Any) -> Block:
    """An optional multiline input for a few sentences."""
    return _text_field(block_id, label, hint, optional=True, multiline=True, **element)


def _text_field(
    block_id: str,
    label: str,
    hint: str,
    *,
    optional: bool = False,
    initial: str = "",
    prefill_max: int = 0,
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
        text_input["initial_value"] = initial[: prefill_max or PREFILL_MAX]
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain_text(label),
        "element": text_input,
        "hint": plain_text(hint),
    }


def _modal(
    t: Translator,
    callback_id: str,
    private_metadata: str,
    words: tuple[Msg, Msg, Msg],
    blocks: list[Any],
) -> dict[str, Any]:
    """A modal form; `words`: its title, submit and close buttons' texts."""
    title, submit, close = (plain_text(t(msg)) for msg in words)
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "title": title,
        "submit": submit,
        "close": close,
        "blocks": blocks,
    }
