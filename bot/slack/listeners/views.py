"""Modal submissions: the request form and the reject reason.

Both answer in the acknowledgement (inline errors under a field, or closing the modal), so
everything before `ack` is bounded: form validation is time-boxed by the service.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.domain.errors import StorageUnavailable
from bot.domain.policy import MembershipLookupError
from bot.domain.service import FORM
from bot.i18n import Msg, Translator
from bot.slack.actor import Actor
from bot.slack.context import BotContext, bot_context
from bot.slack.form_metadata import ModalMetadata
from bot.slack.listeners.interaction import reporting
from bot.slack.views import ids, modals, texts

log = logging.getLogger("bot.slack")

# Slack's view IDs are short; anything longer is not one.
SUBMISSION_KEY_MAX = 64


def register(app: App) -> None:
    app.view(ids.REQUEST_MODAL)(submit_request)
    app.view(ids.REJECT_MODAL)(submit_reject)


@dataclass(frozen=True, slots=True)
class Submission:
    """One submitted modal, as its listener needs it."""

    bot: BotContext
    ack: Ack
    user_id: str
    view: dict[str, Any]
    # Where the modal was opened; None unless private_metadata is the bot's own seal, for this
    # form and this person (it travels through the client, which may have changed it).
    meta: ModalMetadata | None
    # For inline errors, which go out in the acknowledgement: never waits for users.info.
    t: Translator

    @classmethod
    def of(
        cls, form: str, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
    ) -> Submission:
        """The submission of `form` (its callback ID)."""
        bot = bot_context(context)
        user_id = str((body.get("user") or {}).get("id") or "")
        meta = bot.forms.open(view.get("private_metadata"), form=form, user_id=user_id)
        return cls(bot, ack, user_id, view, meta, bot.t_for(user_id, wait=False))

    def value(self, block_id: str) -> str | None:
        """What was typed into the input of `block_id`."""
        values = (self.view.get("state") or {}).get("values") or {}
        element = (values.get(block_id) or {}).get(ids.INPUT_ACTION) or {}
        raw = element.get("value")
        return raw if isinstance(raw, str) else None

    def show_errors(self, errors: dict[str, str]) -> None:
        """Keep the modal open, with each error under its field (block ID)."""
        self.ack(response_action="errors", errors=errors)

    def show_request_form_problem(self, channel_id: str, problem: str) -> None:
        """Keep the request form open, `problem` (mrkdwn) at its top: it is about the form as a
        whole, not one field. Same blocks and seal, so what was typed stays."""
        view = modals.request_modal(
            self.t,
            channel_id,
            self.value(ids.CAMPAIGN_BLOCK) or "",
            self.value(ids.SEND_ID_BLOCK) or "",
            self.bot.rules_for(channel_id).send_id_example,
            private_metadata=str(self.view.get("private_metadata") or ""),
            purpose=self.value(ids.PURPOSE_BLOCK) or "",
            problem=problem,
        )
        self.ack(response_action="update", view=view)

    def verified(self, error_block: str) -> ModalMetadata | None:
        """Where the form was opened, if its seal holds; else None, and the form says so under
        `error_block` (edited, for another form or person, or by an older version)."""
        if self.meta is None:
            self.show_errors({error_block: self.t(Msg.FORM_NOT_VERIFIED)})
        return self.meta


def submit_request(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Validate and store the request, then post its approval card."""
    form = Submission.of(ids.REQUEST_MODAL, ack, body, view, context)
    meta = form.verified(ids.CAMPAIGN_BLOCK)
    if meta is None:
        return
    bot, t = form.bot, form.t
    # Sealed where it was opened, but the channel may have lost its permission since.
    if not bot.policy.channel_permitted(meta.channel_id):
        form.show_request_form_problem(meta.channel_id, t(Msg.FORM_WRONG_CHANNEL))
        return
    try:
        outcome = bot.service.submit(
            channel_id=meta.channel_id,
            requester_id=form.user_id,
            raw_campaign_id=form.value(ids.CAMPAIGN_BLOCK),
            raw_send_id=form.value(ids.SEND_ID_BLOCK),
            raw_purpose=form.value(ids.PURPOSE_BLOCK),
            # Slack's view ID: a replayed submission carries the same one.
            submission_key=str(view.get("id") or "")[:SUBMISSION_KEY_MAX] or None,
            language=bot.languages.for_posting(meta.channel_id, form.user_id),
        )
    except StorageUnavailable:
        log.exception("saving a request failed: database unreachable", extra={"user": form.user_id})
        form.show_request_form_problem(meta.channel_id, t(Msg.FORM_DATABASE_DOWN))
        return
    except Exception:
        log.exception("saving a request failed", extra={"user": form.user_id})
        form.show_request_form_problem(meta.channel_id, t(Msg.FORM_SAVE_FAILED))
        return
    if outcome.replayed:
        ack()  # the original submission made the request and posts its card
        return
    if (whole := outcome.problems.get(FORM)) is not None:
        form.show_request_form_problem(meta.channel_id, texts.problem_text(t, whole, rich=True))
        return
    if outcome.problems or outcome.request is None:
        form.show_errors(
            {field: texts.problem_text(t, problem) for field, problem in outcome.problems.items()}
        )
        return
    ack()
    request, actor = outcome.request, Actor(form.user_id, meta.channel_id)

    def post_card() -> None:
        with reporting(bot, actor, Msg.DOING_POST_CARD):
            bot.show_card(request)

    bot.work.run("post card", post_card)


def submit_reject(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Reject the request, with the reason typed (if any)."""
    form = Submission.of(ids.REJECT_MODAL, ack, body, view, context)
    meta = form.verified(ids.REASON_BLOCK)
    if meta is None:
        return
    bot, t = form.bot, form.t
    try:
        request = bot.service.get_request(meta.request_id) if meta.request_id else None
    except StorageUnavailable:
        form.show_errors({ids.REASON_BLOCK: t(Msg.DATABASE_DOWN)})  # a read: nothing changed
        return
    if request is None:
        form.show_errors({ids.REASON_BLOCK: t(Msg.FORM_UNKNOWN_REQUEST)})
        return
    # The reject button checked this too, but the form may be submitted much later.
    try:
        refusal = bot.policy.refusal_to_decide(form.user_id, meta.channel_id, request)
    except MembershipLookupError:
        form.show_errors({ids.REASON_BLOCK: t(Msg.FORM_APPROVERS_UNREADABLE)})
        return
    if refusal is not None:
        form.show_errors({ids.REASON_BLOCK: bot.refusal_text(t, refusal)})
        return
    reason = (form.value(ids.REASON_BLOCK) or "").strip()[: modals.REASON_MAX] or None
    ack()
    actor = Actor(form.user_id, meta.channel_id)

    def decide() -> None:
        with reporting(bot, actor, Msg.DOING_REJECT):
            claim = bot.service.reject(request.id, form.user_id, reason)
            if not claim.won or claim.request is None:
                bot.messenger.tell(actor, texts.already_decided_text(t, claim.request))
                return
            bot.settle(claim.request)

    bot.work.run("reject", decide)
