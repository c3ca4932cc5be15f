"""Button clicks on the approval card, its thread and the requester's DM.

Every click is acknowledged at once; the checks (channel, approver, state) run on every click,
because button values and metadata come back from the client and prove nothing on their own.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.models import RequestState, SendIdRequest
from bot.domain.policy import Refusal
from bot.domain.service import quota_problem
from bot.slack import blocks
from bot.slack.context import Actor, BotContext, already_decided_text

REQUEST_ID_MAX = 64


def _request_id(action: dict[str, Any]) -> str | None:
    value = action.get("value")
    if isinstance(value, str) and 0 < len(value) <= REQUEST_ID_MAX and value.isalnum():
        return value
    return None


def register(app: App, ctx: BotContext) -> None:
    def load_decidable(actor: Actor, action: dict[str, Any]) -> SendIdRequest | None:
        """The request if `actor` may decide it here; otherwise tell them why not."""
        request_id = _request_id(action)
        request = ctx.service.store.get(request_id) if request_id else None
        if request is None:
            ctx.messenger.tell(actor.channel_id, actor.user_id, already_decided_text(None))
            return None
        refusal = ctx.policy.refusal_to_decide(actor.user_id, actor.channel_id, request)
        if refusal is not None:
            ctx.messenger.tell(actor.channel_id, actor.user_id, ctx.refusal_text(refusal))
            return None
        return request

    def still_pending(actor: Actor, request: SendIdRequest) -> bool:
        if request.state is not RequestState.PENDING:
            ctx.messenger.tell(actor.channel_id, actor.user_id, already_decided_text(request))
            return False
        expired = ctx.service.expire_if_due(request)
        if expired is not None:
            ctx.settle(expired)
            ctx.messenger.tell(actor.channel_id, actor.user_id, already_decided_text(expired))
            return False
        return True

    def quota_allows(actor: Actor) -> bool:
        # Never spend a Braze call that is known to fail: wait for the quota reset.
        exhausted = ctx.service.quota_exhausted()
        if exhausted is not None:
            ctx.messenger.tell(
                actor.channel_id,
                actor.user_id,
                quota_problem(exhausted) + " The request stays open until then.",
            )
            return False
        return True

    def create_and_report(claimed: SendIdRequest) -> None:
        ctx.messenger.update_card(claimed)  # buttons go away at once
        final, quota = ctx.service.create_in_braze(claimed)
        ctx.settle(final, quota)

    @app.action(blocks.APPROVE)
    def approve(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        actor = Actor.from_body(body)
        with ctx.reporting(actor, "approving the request"):
            request = load_decidable(actor, action)
            if request is None or not still_pending(actor, request) or not quota_allows(actor):
                return
            claim = ctx.service.claim_approval(request.id, actor.user_id)
            if not claim.won or claim.request is None:
                ctx.messenger.tell(
                    actor.channel_id, actor.user_id, already_decided_text(claim.request)
                )
                return
            create_and_report(claim.request)

    @app.action(blocks.REJECT)
    def reject(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        actor = Actor.from_body(body)
        with ctx.reporting(actor, "rejecting the request"):
            request = load_decidable(actor, action)
            if request is None or not still_pending(actor, request):
                return
            ctx.messenger.open_modal(
                str(body["trigger_id"]), blocks.reject_modal(request.channel_id, request.id)
            )

    @app.action(blocks.RETRY)
    def retry(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        actor = Actor.from_body(body)
        with ctx.reporting(actor, "retrying the request"):
            request = load_decidable(actor, action)
            if request is None:
                return
            if request.state is not RequestState.FAILED:
                ctx.messenger.tell(actor.channel_id, actor.user_id, already_decided_text(request))
                return
            if not quota_allows(actor):
                return
            claim = ctx.service.claim_retry(request.id, actor.user_id)
            if not claim.won or claim.request is None:
                ctx.messenger.tell(
                    actor.channel_id,
                    actor.user_id,
                    "Someone else is already retrying this request, or it cannot be retried.",
                )
                return
            create_and_report(claim.request)

    @app.action(blocks.REPOST)
    def repost(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        actor = Actor.from_body(body)
        with ctx.reporting(actor, "posting the approval card again"):
            request_id = _request_id(action)
            request = ctx.service.store.get(request_id) if request_id else None
            if request is None or request.requester_id != actor.user_id:
                ctx.messenger.tell(None, actor.user_id, "Only the requester can post this again.")
                return
            if not ctx.policy.channel_permitted(request.channel_id):
                ctx.messenger.tell(
                    None, actor.user_id, ctx.refusal_text(Refusal.CHANNEL_NOT_PERMITTED)
                )
                return
            if request.state is not RequestState.PENDING or request.card_ts is not None:
                ctx.messenger.tell(None, actor.user_id, already_decided_text(request))
                return
            ts = ctx.messenger.post_card(request)
            if ts is not None:
                ctx.service.store.set_card(request.id, ts)
                ctx.messenger.tell(None, actor.user_id, "Posted the approval card.")
