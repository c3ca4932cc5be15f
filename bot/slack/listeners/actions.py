"""Button clicks on the approval card, its thread, the App Home and the requester's DM.

Every click is acknowledged at once; the checks (channel, approver, state) run on every click,
because button values come back from the client and prove nothing on their own. The opening
they share (acknowledge, load the request, check who may act) is `interaction.request_button`.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.domain.errors import NotCalled, StorageUnavailable, UnrecordedCreation
from bot.domain.models import ApprovalStep, RequestState, SendIdRequest
from bot.domain.policy import Policy, Refusal
from bot.domain.problems import quota_problem
from bot.i18n import Msg
from bot.slack import mrkdwn as md
from bot.slack.actor import Actor
from bot.slack.context import BotContext
from bot.slack.form_metadata import ModalMetadata
from bot.slack.listeners.commands import open_request_form
from bot.slack.listeners.interaction import request_button
from bot.slack.views import ids, modals, texts
from bot.slack.views.card import may_be_asked_again
from bot.slack.views.labels import request_state_name

log = logging.getLogger("bot.slack")


def register(app: App) -> None:
    app.action(ids.APPROVE)(approve)
    app.action(ids.REJECT)(reject)
    app.action(ids.RETRY)(retry)
    app.action(ids.CANCEL)(cancel)
    app.action(ids.CANCEL_MENU)(cancel)
    app.action(ids.REQUEST_AGAIN)(request_again)
    app.action(ids.RESULTS)(results)
    app.action(ids.REPOST)(repost)


# ---- who may act ---------------------------------------------------------------------------------


def may_decide(policy: Policy, actor: Actor, request: SendIdRequest) -> Refusal | None:
    refusal = policy.refusal_to_decide(actor.user_id, actor.channel_for(request), request)
    return refusal or _from_outside(policy, actor, request)


def may_retry(policy: Policy, actor: Actor, request: SendIdRequest) -> Refusal | None:
    refusal = policy.refusal_to_retry(actor.user_id, actor.channel_for(request), request)
    return refusal or _from_outside(policy, actor, request)


def _from_outside(policy: Policy, actor: Actor, request: SendIdRequest) -> Refusal | None:
    """A click in the App Home or a DM counts as made in the request's channel only for those
    who can read it (a private channel: its members); a click in the channel itself needs no
    such check."""
    if actor.from_home or actor.from_dm:
        return policy.refusal_from_outside(actor.user_id, request)
    return None


def may_cancel(policy: Policy, actor: Actor, request: SendIdRequest) -> Refusal | None:
    return policy.refusal_to_cancel(actor.user_id, actor.channel_for(request), request)


def may_ask_again(policy: Policy, actor: Actor, request: SendIdRequest) -> Refusal | None:
    return policy.refusal_to_ask_again(actor.channel_id, request)


def may_see_results(policy: Policy, actor: Actor, request: SendIdRequest) -> Refusal | None:
    return policy.refusal_to_see_results(actor.channel_id, request)


def may_repost(policy: Policy, actor: Actor, request: SendIdRequest) -> Refusal | None:
    return policy.refusal_to_repost(actor.user_id, request)


# ---- the listeners -------------------------------------------------------------------------------


@request_button(Msg.DOING_APPROVE, may_decide, on_card=True)
def approve(bot: BotContext, actor: Actor, request: SendIdRequest) -> None:
    """The approval that completes the request's approvals (the first one, where one is
    enough) wins and calls Braze; an earlier one is counted and shown on the card; later clicks
    hear who decided."""
    if not _still_pending(bot, actor, request) or not _quota_allows(bot, actor, request):
        return
    claim = bot.service.claim_approval(request.id, actor.user_id)
    t = bot.t_for(actor.user_id)
    if claim.won and claim.request is not None:
        _create_and_report(bot, actor, claim.request)
    elif claim.step is ApprovalStep.COUNTED and claim.request is not None:
        bot.messenger.tell(actor, texts.approval_counted_text(t, claim.request))
        try:
            # "1 of 2 approvals: @ana", as it is now: another click may have moved it on.
            bot.update_card(bot.service.get_request(request.id) or claim.request)
        except Exception:
            # The approval is counted either way; the next update of the card shows it.
            log.exception("card not updated after an approval", extra={"request_id": request.id})
    elif claim.step is ApprovalStep.ALREADY_COUNTED and claim.request is not None:
        bot.messenger.tell(actor, texts.already_counted_text(t, claim.request))
    else:
        _tell_decided(bot, actor, claim.request)
    _refresh_home(bot, actor)


@request_button(Msg.DOING_REJECT, may_decide, on_card=True)
def reject(bot: BotContext, actor: Actor, request: SendIdRequest) -> None:
    """Ask for an optional reason; the rejection itself happens when the modal is submitted."""
    if not _still_pending(bot, actor, request):
        return
    sealed = bot.forms.seal(
        ModalMetadata(request.channel_id, request.id), form=ids.REJECT_MODAL, user_id=actor.user_id
    )
    view = modals.reject_modal(bot.t_for(actor.user_id), request, private_metadata=sealed)
    bot.messenger.open_modal(actor.trigger_id, view)


@request_button(Msg.DOING_RETRY, may_retry)
def retry(bot: BotContext, actor: Actor, request: SendIdRequest) -> None:
    """Call Braze again for a failed request; one retry at a time."""
    if actor.click_key and not bot.service.notices.first_delivery(request.id, actor.click_key):
        # The same click again (Slack re-delivered it): its first delivery is answered.
        log.info("retry click delivered again; ignored", extra={"request_id": request.id})
        return
    if request.state is not RequestState.FAILED:
        _tell_decided(bot, actor, request)
        return
    if not _quota_allows(bot, actor, request):
        return
    claim = bot.service.claim_retry(request.id, actor.user_id)
    if not claim.won or claim.request is None:
        bot.messenger.tell(actor, bot.t_for(actor.user_id)(Msg.RETRY_TAKEN))
        return
    _create_and_report(bot, actor, claim.request)


@request_button(Msg.DOING_CANCEL, may_cancel, on_card=True)
def cancel(bot: BotContext, actor: Actor, request: SendIdRequest) -> None:
    """The requester withdraws a pending request."""
    claim = bot.service.cancel(request.id, actor.user_id)
    if not claim.won or claim.request is None:
        _tell_decided(bot, actor, claim.request)
    else:
        bot.settle(claim.request)
    _refresh_home(bot, actor)


@request_button(Msg.DOING_REQUEST_AGAIN, may_ask_again)
def request_again(bot: BotContext, actor: Actor, request: SendIdRequest) -> None:
    """Open the form pre-filled with what an ended request asked for; the clicker requests."""
    if not may_be_asked_again(request):
        _tell_decided(bot, actor, request)
        return
    open_request_form(
        bot,
        actor,
        request.channel_id,
        request.campaign_id,
        request.send_id or "",
        purpose=request.purpose or "",
    )


@request_button(Msg.DOING_RESULTS, may_see_results)
def results(bot: BotContext, actor: Actor, request: SendIdRequest) -> None:
    """A created send ID's results, privately, in the card's thread (where the button is)."""
    if request.state is not RequestState.CREATED:
        _tell_decided(bot, actor, request)
        return
    bot.show_results(actor, request, in_thread=True)


@request_button(Msg.DOING_REPOST, may_repost, answer_in_dm=True)
def repost(bot: BotContext, actor: Actor, request: SendIdRequest) -> None:
    """Post a card Slack refused earlier (the button is in the requester's DM)."""
    if request.state is not RequestState.PENDING or request.card_ts is not None:
        _tell_decided(bot, actor, request)
        return
    shown = bot.show_card(request)
    if shown == "posted":
        bot.messenger.tell(actor, bot.t_for(actor.user_id)(Msg.REPOST_DONE))
    elif shown == "elsewhere":
        bot.messenger.tell(actor, bot.t_for(actor.user_id)(Msg.REPOST_UNDER_WAY))


# ---- steps the listeners share -------------------------------------------------------------------


def _tell_decided(bot: BotContext, actor: Actor, request: SendIdRequest | None) -> None:
    bot.messenger.tell(actor, texts.already_decided_text(bot.t_for(actor.user_id), request))


def _still_pending(bot: BotContext, actor: Actor, request: SendIdRequest) -> bool:
    """Whether `request` can still be decided; otherwise the actor hears why not."""
    if request.state is not RequestState.PENDING:
        _tell_decided(bot, actor, request)
        return False
    expired = bot.service.expire_if_due(request)
    if expired is not None:
        bot.settle(expired)
        _tell_decided(bot, actor, expired)
        return False
    return True


def _quota_allows(bot: BotContext, actor: Actor, request: SendIdRequest) -> bool:
    # Never spend a Braze call that is known to fail: wait for the quota reset of the request's
    # own workspace (another workspace running out changes nothing here).
    exhausted = bot.service.quota_exhausted(request.workspace)
    if exhausted is None:
        return True
    t = bot.t_for(actor.user_id)
    problem = texts.problem_text(t, quota_problem(exhausted, bot.service.clock()), rich=True)
    bot.messenger.tell(actor, t(Msg.QUOTA_WAIT, problem=problem))
    return False


def _create_and_report(bot: BotContext, actor: Actor, claimed: SendIdRequest) -> None:
    try:
        bot.update_card(claimed)  # buttons go away at once
    except Exception:
        # Slack (or the quota read) failing must not stop an approval: the outcome shows on
        # the card when it is settled.
        log.exception("card not updated before the Braze call", extra={"request_id": claimed.id})
    try:
        final, quota, recorded = bot.service.create_and_record(claimed)
    except NotCalled:
        # Braze was not called: undo the claim now if the database lets us (recovery does it
        # later otherwise), and say exactly that.
        t = bot.t_for(actor.user_id)
        bot.messenger.tell(actor, t(Msg.NOT_CALLED_TOLD))
        try:
            undone = bot.service.undo_claim(claimed, "its start could not be recorded")
        except StorageUnavailable:
            return
        if undone is not None:
            bot.show_undone(undone)
        return
    except UnrecordedCreation as lost:
        # The bot is stopping with its database away: the send ID exists, unrecorded.
        t = bot.t_for(actor.user_id)
        bot.messenger.tell(actor, t(Msg.UNRECORDED_CREATION, send_id=md.code(lost.send_id)))
        return
    if not recorded:
        # Someone else recorded the outcome first (a late answer, a recovery sweep) and says
        # it: saying it again would post a second, maybe stale, reply.
        log.info("outcome recorded elsewhere; not announced again", extra={"request_id": final.id})
        return
    try:
        bot.settle_latest(final, quota)
    except SlackApiError:
        # Braze has answered: "failed, try again" would be untrue. Say what became of it; the
        # reply follows in the thread once Slack takes it (housekeeping tries again).
        t = bot.t_for(actor.user_id)
        bot.messenger.tell(actor, t(Msg.REPLY_DELAYED, state=request_state_name(t, final)))


def _refresh_home(bot: BotContext, actor: Actor) -> None:
    # A decision made in the App Home shows there at once (the card is updated by settle).
    if actor.from_home:
        bot.publish_home_soon(actor.user_id)
