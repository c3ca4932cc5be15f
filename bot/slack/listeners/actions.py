"""Button clicks on the approval card, its thread and the requester's DM.

Every click is acknowledged at once; the checks (channel, approver, state) run on every click,
because button values and metadata come back from the client and prove nothing on their own.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.models import RequestState, SendIdRequest
from bot.domain.policy import Refusal
from bot.domain.problems import quota_problem
from bot.i18n import Msg
from bot.slack.context import Actor, BotContext
from bot.slack.views import ids, modals, texts

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
        request = ctx.service.get_request(request_id) if request_id else None
        if request is None:
            tell(actor, texts.already_decided_text(ctx.t_for(actor.user_id), None))
            return None
        refusal = ctx.policy.refusal_to_decide(actor.user_id, actor.channel_for(request), request)
        if refusal is not None:
            tell(actor, ctx.refusal_text(ctx.t_for(actor.user_id), refusal))
            return None
        return request

    def refresh_home(actor: Actor) -> None:
        # A decision made in the App Home shows there at once (the card is updated by settle).
        if actor.from_home:
            ctx.publish_home(actor.user_id)

    def tell(actor: Actor, text: str) -> None:
        ctx.messenger.tell(actor.channel_id, actor.user_id, text)

    def tell_decided(actor: Actor, request: SendIdRequest | None) -> None:
        tell(actor, texts.already_decided_text(ctx.t_for(actor.user_id), request))

    def still_pending(actor: Actor, request: SendIdRequest) -> bool:
        if request.state is not RequestState.PENDING:
            tell_decided(actor, request)
            return False
        expired = ctx.service.expire_if_due(request)
        if expired is not None:
            ctx.settle(expired)
            tell_decided(actor, expired)
            return False
        return True

    def quota_allows(actor: Actor) -> bool:
        # Never spend a Braze call that is known to fail: wait for the quota reset.
        exhausted = ctx.service.quota_exhausted()
        if exhausted is not None:
            t = ctx.t_for(actor.user_id)
            problem = texts.problem_text(t, quota_problem(exhausted))
            tell(actor, t(Msg.QUOTA_WAIT, problem=problem))
            return False
        return True

    def create_and_report(claimed: SendIdRequest) -> None:
        ctx.messenger.update_card(claimed)  # buttons go away at once
        final, quota = ctx.service.create_in_braze(claimed)
        ctx.settle(final, quota)

    @app.action(ids.APPROVE)
    def approve(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        actor = Actor.from_body(body)
        with ctx.reporting(actor, Msg.DOING_APPROVE):
            request = load_decidable(actor, action)
            if request is None or not still_pending(actor, request) or not quota_allows(actor):
                return
            claim = ctx.service.claim_approval(request.id, actor.user_id)
            if not claim.won or claim.request is None:
                tell_decided(actor, claim.request)
                refresh_home(actor)
                return
            create_and_report(claim.request)
            refresh_home(actor)

    @app.action(ids.REJECT)
    def reject(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        actor = Actor.from_body(body)
        with ctx.reporting(actor, Msg.DOING_REJECT):
            request = load_decidable(actor, action)
            if request is None or not still_pending(actor, request):
                return
            view = modals.reject_modal(ctx.t_for(actor.user_id), request.channel_id, request.id)
            ctx.messenger.open_modal(str(body["trigger_id"]), view)

    @app.action(ids.RETRY)
    def retry(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        actor = Actor.from_body(body)
        with ctx.reporting(actor, Msg.DOING_RETRY):
            request = load_decidable(actor, action)
            if request is None:
                return
            if request.state is not RequestState.FAILED:
                tell_decided(actor, request)
                return
            if not quota_allows(actor):
                return
            claim = ctx.service.claim_retry(request.id, actor.user_id)
            if not claim.won or claim.request is None:
                ctx.tell(actor, Msg.RETRY_TAKEN)
                return
            create_and_report(claim.request)

    @app.action(ids.CANCEL)
    def cancel(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        actor = Actor.from_body(body)
        with ctx.reporting(actor, Msg.DOING_CANCEL):
            request_id = _request_id(action)
            request = ctx.service.get_request(request_id) if request_id else None
            if request is None:
                tell_decided(actor, None)
                return
            refusal = ctx.policy.refusal_to_cancel(actor.user_id, actor.channel_id, request)
            if refusal is not None:
                tell(actor, ctx.refusal_text(ctx.t_for(actor.user_id), refusal))
                return
            claim = ctx.service.cancel(request.id, actor.user_id)
            if not claim.won or claim.request is None:
                tell_decided(actor, claim.request)
                return
            ctx.settle(claim.request)

    @app.action(ids.RESULTS)
    def results(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        actor = Actor.from_body(body)
        with ctx.reporting(actor, Msg.DOING_RESULTS):
            request_id = _request_id(action)
            request = ctx.service.get_request(request_id) if request_id else None
            if request is None or request.state is not RequestState.CREATED:
                tell_decided(actor, request)
                return
            # Results are for the channel's members: the click must come from that channel.
            refusal = None
            if not ctx.policy.channel_permitted(actor.channel_id):
                refusal = Refusal.CHANNEL_NOT_PERMITTED
            elif actor.channel_id != request.channel_id:
                refusal = Refusal.WRONG_CHANNEL
            if refusal is not None:
                tell(actor, ctx.refusal_text(ctx.t_for(actor.user_id), refusal))
                return
            ctx.show_results(actor, request)

    @app.action(ids.REPOST)
    def repost(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        actor = Actor.from_body(body)
        with ctx.reporting(actor, Msg.DOING_REPOST):
            t = ctx.t_for(actor.user_id)
            # The button lives in the requester's DM: answers go there too.
            dm = Actor(actor.user_id, None)
            request_id = _request_id(action)
            request = ctx.service.get_request(request_id) if request_id else None
            if request is None or request.requester_id != actor.user_id:
                tell(dm, t(Msg.REPOST_ONLY_REQUESTER))
                return
            if not ctx.policy.channel_permitted(request.channel_id):
                tell(dm, ctx.refusal_text(t, Refusal.CHANNEL_NOT_PERMITTED))
                return
            if request.state is not RequestState.PENDING or request.card_ts is not None:
                tell(dm, texts.already_decided_text(t, request))
                return
            if ctx.show_card(request) is not None:
                tell(dm, t(Msg.REPOST_DONE))
