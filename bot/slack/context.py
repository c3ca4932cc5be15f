"""`BotContext`: what every listener and housekeeping job needs, built once by `build_app`.

Listeners get it from Bolt's `context` (:func:`bot_context`), where the global middleware made
by :func:`provide_bot_context` put it for every request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Literal

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk.errors import SlackApiError

from bot.domain import notify
from bot.domain.errors import StorageUnavailable
from bot.domain.models import QuotaSnapshot, RequestState, SendIdRequest
from bot.domain.policy import MembershipLookupError, Policy, Refusal
from bot.domain.policy_file import EMPTY_POLICY_FILE, ChannelRules
from bot.domain.ports import GatewayError
from bot.domain.service import SendIdService
from bot.i18n import Msg, Translator
from bot.slack.actor import Actor
from bot.slack.form_metadata import FormSeal
from bot.slack.language import Languages
from bot.slack.messenger import CardGone, CardUpdate, Messenger
from bot.slack.names import Names
from bot.slack.notifier import Notifier
from bot.slack.steps import StepFinisher
from bot.slack.views import home, replies, texts
from bot.slack.views.card import CardFacts
from bot.slack.work import Work

log = logging.getLogger("bot.slack")

# What became of an attempt to post a request's card.
CardShown = Literal["posted", "refused", "elsewhere"]

# Under this key in Bolt's per-request context.
_CONTEXT_KEY = "sendid_bot"

# How many requests the App Home lists: one screen, well within Slack's 100 blocks.
HOME_TO_DECIDE = 20
HOME_MINE = 10
# Per-request settle locks kept at most (each is held only while one outcome is shown).
SETTLE_LOCKS_MAX = 10_000


@dataclass
class BotContext:
    policy: Policy
    service: SendIdService
    messenger: Messenger
    languages: Languages
    # Seals what a form remembers of where it was opened (its private_metadata).
    forms: FormSeal
    # Who is told what beyond the card: failure mentions, admins' DMs, approvers at request time.
    notifier: Notifier
    # Counts a thread reply Slack refused, by what happened next (/metrics): card_gone,
    # retry, given_up. The runtime wires it to its metrics.
    count_reply_failure: Callable[[str], object] = lambda outcome: None
    # Counts a Slack request refused by the bot itself (/metrics): foreign (another team, app
    # or enterprise). The runtime wires it to its metrics.
    count_refused_request: Callable[[str], object] = lambda reason: None
    rules_for: Callable[[str], ChannelRules] = EMPTY_POLICY_FILE.rules_for
    # Finishes the Workflow Builder step a request came from, once it has ended.
    steps: StepFinisher | None = None
    # Names people without pinging them (the card's approvers where notify is "dm" or "none").
    names: Names | None = None
    # Where the work after an acknowledgement runs (Bolt's own threads only acknowledge).
    work: Work = field(default_factory=Work)
    _settle_locks: dict[str, threading.RLock] = field(default_factory=dict, init=False, repr=False)
    _settle_locks_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False
    )

    def t_for(self, user_id: str, *, wait: bool = True, timeout: float = 3.0) -> Translator:
        """The translator for a private answer to `user_id` (`wait=False` in ack paths)."""
        return self.languages.for_user(user_id, wait=wait, timeout=timeout)

    def refusal_text(self, t: Translator, refusal: Refusal) -> str:
        return texts.refusal_text(t, refusal, self.policy.allowed_channels)

    def publish_home_soon(self, user_id: str) -> None:
        """Publish `user_id`'s App Home off the request thread, coalesced per person."""
        self.work.publish_home(user_id, self.publish_home)

    def publish_home(self, user_id: str) -> None:
        """Show `user_id` their App Home: own requests, what they may decide, quota, channels."""
        t = self.t_for(user_id)
        to_decide: list[SendIdRequest] | None = None
        unreadable = 0
        if self.policy.approves_anywhere(user_id):
            to_decide = []
            for r in self.service.pending_requests():
                if not r.card_ts or self.policy.refusal_to_decide(user_id, r.channel_id, r):
                    continue
                if self._may_read(user_id, r.channel_id):
                    to_decide.append(r)
                else:
                    unreadable += 1
            to_decide = to_decide[:HOME_TO_DECIDE]
        # One bar per Braze workspace of the channels where requests can be made, each named
        # where there are several.
        quotas = self.service.quotas_of(self.policy.allowed_channels)
        named = len(quotas) > 1
        view = home.home_view(
            t,
            channels=self.policy.allowed_channels,
            mine=self.service.requests_of(user_id, HOME_MINE),
            to_decide=to_decide,
            quotas=[(name if named else None, quota) for name, quota in quotas.items()],
            unreadable=unreadable,
            viewer=user_id,
        )
        self.messenger.publish_home(user_id, view)

    def _may_read(self, user_id: str, channel_id: str) -> bool:
        """Whether the App Home may show `user_id` a request of `channel_id`: a private
        channel's requests only to its members. Unknown (Slack failed, a scope is missing)
        counts as no: what the request says stays in its channel."""
        try:
            return self.policy.may_read_channel(user_id, channel_id)
        except MembershipLookupError as error:
            log.warning("channel members unreadable, its requests hidden in App Home: %s", error)
            return False

    def show_results(
        self, actor: Actor, request: SendIdRequest, *, in_thread: bool = False
    ) -> None:
        """Tell `actor` privately how the created send ID is doing (Braze /sends/data_series),
        on the results pool; `in_thread`: in the card's thread, where the Show results button
        is. One lookup per person at a time: another is answered "still fetching"."""
        if not self.work.run_results(
            actor.user_id, lambda: self._show_results(actor, request, in_thread)
        ):
            self.messenger.tell(actor, self.t_for(actor.user_id)(Msg.RESULTS_BUSY))

    def _show_results(self, actor: Actor, request: SendIdRequest, in_thread: bool) -> None:
        t = self.t_for(actor.user_id)
        try:
            stats = self.service.send_results(request)
        except GatewayError as error:
            log.warning("results unavailable: %s", type(error).__name__)
            text = texts.results_unavailable_text(t, error.failure_kind, error.message)
        else:
            text = texts.stats_text(t, request, stats)
        thread = request.card_ts if in_thread and actor.channel_id == request.channel_id else None
        self.messenger.tell(actor, text, thread_ts=thread)

    def settle_latest(self, request: SendIdRequest, quota: QuotaSnapshot | None = None) -> None:
        """:meth:`settle` `request`, unless it has moved on since (a late Braze answer recorded
        meanwhile): then its newer state is announced by whoever recorded it. One at a time per
        request in this process, so a late "created" is never followed by an older reply."""
        with self._settle_lock(request.id):
            try:
                current = self.service.get_request(request.id) or request
            except StorageUnavailable:
                current = request
            if current.state is not request.state:
                log.info(
                    "request moved on; its newer state is announced",
                    extra={"request_id": request.id},
                )
                return
            self.settle(request, quota)

    def announce_late_creation(
        self, request: SendIdRequest, quota: QuotaSnapshot | None = None
    ) -> None:
        """A success Braze reported after the bot gave up waiting (the service's
        ``on_late_creation``): show it; housekeeping re-posts the reply if Slack refuses."""
        try:
            self.settle_latest(request, quota)
        except Exception:
            log.exception("late creation not announced yet", extra={"request_id": request.id})

    def _settle_lock(self, request_id: str) -> threading.RLock:
        with self._settle_locks_lock:
            lock = self._settle_locks.get(request_id)
            if lock is None:
                if len(self._settle_locks) > SETTLE_LOCKS_MAX:
                    self._settle_locks.clear()  # only ever held briefly; a fresh one is as good
                lock = self._settle_locks[request_id] = threading.RLock()
            return lock

    def settle_unannounced(
        self, request: SendIdRequest, quota: QuotaSnapshot | None = None
    ) -> None:
        """:meth:`settle` a request whose reply seemed lost, unless it was announced (or moved
        on) meanwhile: a reply still being posted in this process is waited for, not repeated."""
        with self._settle_lock(request.id):
            try:
                current = self.service.get_request(request.id) or request
            except StorageUnavailable:
                current = request
            if current.state is not request.state or current.announced_state is current.state:
                return
            self.settle(current, quota)

    def settle(self, request: SendIdRequest, quota: QuotaSnapshot | None = None) -> None:
        """Show a decided request's state on its card and in its thread, and remember the reply;
        one at a time per request in this process.

        The remembered state lets housekeeping re-post a reply that a crash or Slack outage lost.
        """
        with self._settle_lock(request.id):
            try:
                current = self.service.get_request(request.id)
            except StorageUnavailable:
                current = None
            # Announced meanwhile (housekeeping found it "lost" while this thread was slow to
            # get here, or another thread): its reply is never posted twice.
            if current is not None and current.state is request.state is current.announced_state:
                return
            self._settle(request, quota)

    def _settle(self, request: SendIdRequest, quota: QuotaSnapshot | None) -> None:
        card = self.update_card(request)
        failed = request.state is RequestState.FAILED
        people = self.notifier.addressees(request) if failed else None
        try:
            if card == "gone":
                raise CardGone("message_not_found")
            announced = self.messenger.announce(request, quota, people)
        except CardGone:
            # Deleted card: its thread can never take the reply. The truth goes by DM.
            self.count_reply_failure("card_gone")
            announced = self.notifier.deliver_by_dm(request, quota, people)
        except SlackApiError:
            if not self.service.notices.reply_failed(request):
                self.count_reply_failure("retry")
                raise  # housekeeping tries again next round
            log.error(
                "thread reply given up after repeated failures", extra={"request_id": request.id}
            )
            self.count_reply_failure("given_up")
            announced = self.notifier.deliver_by_dm(request, quota, people, card_gone=False)
        # DMs with buttons about it (approvers', admins') show the outcome instead, before any
        # new admin DM below is sent.
        self.notifier.close_dms(request)
        if announced:
            self.service.record_reply(request.id, request.state)
            if failed and request.failure_kind is not None and request.failure_kind.needs_admin:
                # After the thread reply is recorded, so a re-post never DMs them twice.
                self.notifier.tell_admins(request)
        # Where every outcome is shown, after its reply: a workflow's step ends with it.
        if self.steps is not None:
            self.steps.finish_quietly(request)

    def show_undone(self, request: SendIdRequest) -> None:
        """A claim undone before Braze was called: the card shows its state again (Approve
        back for a first approval) and the thread says nothing was created and who acts."""
        self.update_card(request)
        text = replies.not_called_reply(
            self.languages.for_request(request),
            request,
            self.notifier.approver_mention_list(request),
            self.notifier.retry_owner(request),
        )
        try:
            self.messenger.reply(request, text)
        except (SlackApiError, CardGone):
            log.exception("undone claim not said in the thread", extra={"request_id": request.id})

    def card_facts(self, request: SendIdRequest) -> CardFacts:
        """What the card shows beyond the request: its channel's approvers, its workspace's
        quota."""
        approvers = self.policy.approvers_for(request.channel_id)
        user_ids, group_ids = sorted(approvers.user_ids), sorted(approvers.group_ids)
        # Mentions in a posted card ping; only a channel whose approvers are pinged gets them.
        quiet = self.rules_for(request.channel_id).notify != notify.MENTION
        names = self.names.shown([*user_ids, *group_ids]) if quiet and self.names else None
        return CardFacts(
            approver_ids=user_ids,
            approver_group_ids=group_ids,
            quota=self.service.quota(request.workspace),
            via_workflow=self.service.made_by_workflow(request.id),
            approver_names=names,
        )

    def update_card(self, request: SendIdRequest) -> CardUpdate:
        """Show the request's current state on its card."""
        return self.messenger.update_card(request, self.card_facts(request))

    def show_card(self, request: SendIdRequest, lease: timedelta | None = None) -> CardShown:
        """Post the request's approval card and remember where it is: "posted"; "refused" when
        Slack refused it and the requester was told the fix instead (see
        `Messenger.post_card`); "elsewhere" when someone else is posting it (or has), so it is
        never posted twice (`lease`: how long another's claim to post it holds; by default the
        service's). Raises SlackApiError when Slack refused and the requester could not be told
        either."""
        claimed = (
            self.service.claim_card_post(request.id)
            if lease is None
            else self.service.claim_card_post(request.id, lease)
        )
        if not claimed:
            log.info("card posted by someone else", extra={"request_id": request.id})
            return "elsewhere"
        mention = self.notifier.card_mentions(request)
        try:
            ts = self.messenger.post_card(request, self.card_facts(request), mention)
        except BaseException:
            self.service.release_card_post(request.id)
            raise
        if ts is None:
            self.service.release_card_post(request.id)  # the requester may post it again
            return "refused"
        self.service.record_card(request.id, ts)
        try:
            self.notifier.at_request_time(replace(request, card_ts=ts))
        except (SlackApiError, MembershipLookupError, CardGone):
            # The card is up and recorded; the half-TTL reminder mentions them later.
            log.exception("approvers not reached at request time", extra={"request_id": request.id})
        return "posted"


class ProvideBotContext(Middleware):
    """A global Bolt middleware handing `bot` to every listener through Bolt's `context`."""

    def __init__(self, bot: BotContext) -> None:
        self._bot = bot

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context[_CONTEXT_KEY] = self._bot
        return next()


def provide_bot_context(bot: BotContext) -> Middleware:
    """The middleware that hands `bot` to every listener (register with `app.middleware`)."""
    return ProvideBotContext(bot)


def bot_context(context: BoltContext) -> BotContext:
    """The `BotContext` that :func:`provide_bot_context` put into Bolt's `context`."""
    bot = context.get(_CONTEXT_KEY)
    if not isinstance(bot, BotContext):
        raise RuntimeError("no BotContext in Bolt's context: build the app with build_app")
    return bot
