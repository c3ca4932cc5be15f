"""Modal submissions: the request form and the reject reason."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.domain.policy import MembershipLookupError
from bot.i18n import Msg
from bot.slack.context import Actor, BotContext
from bot.slack.views import ids, modals, texts

log = logging.getLogger("bot.slack")


def _value(view: dict[str, Any], block_id: str) -> str | None:
    state = (view.get("state") or {}).get("values") or {}
    value = (state.get(block_id) or {}).get(ids.INPUT_ACTION) or {}
    raw = value.get("value")
    return raw if isinstance(raw, str) else None


def register(app: App, ctx: BotContext) -> None:
    @app.view(ids.REQUEST_MODAL)
    def submit_request(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user_id = str((body.get("user") or {}).get("id") or "")
        t = ctx.t_for(user_id, wait=False)  # inline errors go out in the acknowledgement
        meta = modals.ModalMetadata.parse(view.get("private_metadata"))
        # private_metadata travels through the client: re-check the channel it names.
        if meta is None or not ctx.policy.channel_permitted(meta.channel_id):
            ack(response_action="errors", errors={ids.CAMPAIGN_BLOCK: t(Msg.FORM_WRONG_CHANNEL)})
            return
        actor = Actor(user_id, meta.channel_id)
        try:
            outcome = ctx.service.submit(
                channel_id=meta.channel_id,
                requester_id=user_id,
                raw_campaign_id=_value(view, ids.CAMPAIGN_BLOCK),
                raw_send_id=_value(view, ids.SEND_ID_BLOCK),
                # Slack's view ID: a replayed submission carries the same one.
                submission_key=str(view.get("id") or "")[:64] or None,
            )
        except Exception:
            log.exception("saving a request failed", extra={"user": user_id})
            ack(response_action="errors", errors={ids.CAMPAIGN_BLOCK: t(Msg.FORM_SAVE_FAILED)})
            return
        if outcome.replayed:
            ack()  # the original submission made the request and posts its card
            return
        if outcome.problems or outcome.request is None:
            errors = {
                field: texts.problem_text(t, problem) for field, problem in outcome.problems.items()
            }
            ack(response_action="errors", errors=errors)
            return
        ack()
        request = outcome.request
        with ctx.reporting(actor, Msg.DOING_POST_CARD):
            ctx.show_card(request)

    @app.view(ids.REJECT_MODAL)
    def submit_reject(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user_id = str((body.get("user") or {}).get("id") or "")
        t = ctx.t_for(user_id, wait=False)  # inline errors go out in the acknowledgement
        meta = modals.ModalMetadata.parse(view.get("private_metadata"))
        request = ctx.service.get_request(meta.request_id) if meta and meta.request_id else None
        if meta is None or request is None:
            ack(response_action="errors", errors={ids.REASON_BLOCK: t(Msg.FORM_UNKNOWN_REQUEST)})
            return
        actor = Actor(user_id, meta.channel_id)
        try:
            refusal = ctx.policy.refusal_to_decide(user_id, meta.channel_id, request)
        except MembershipLookupError:
            ack(
                response_action="errors",
                errors={ids.REASON_BLOCK: t(Msg.FORM_APPROVERS_UNREADABLE)},
            )
            return
        if refusal is not None:
            ack(
                response_action="errors",
                errors={ids.REASON_BLOCK: ctx.refusal_text(t, refusal)},
            )
            return
        reason = (_value(view, ids.REASON_BLOCK) or "").strip()[: modals.REASON_MAX] or None
        ack()
        with ctx.reporting(actor, Msg.DOING_REJECT):
            claim = ctx.service.reject(request.id, user_id, reason)
            if not claim.won or claim.request is None:
                ctx.messenger.tell(
                    actor.channel_id, user_id, texts.already_decided_text(t, claim.request)
                )
                return
            ctx.settle(claim.request)
