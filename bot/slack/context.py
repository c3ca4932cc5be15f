"""What every listener needs, built once by `build_app` and handed to each `register`."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bot.domain.models import FailureKind, QuotaSnapshot, SendIdRequest
from bot.domain.policy import MembershipLookupError, Policy, Refusal
from bot.domain.policy_file import EMPTY_POLICY_FILE, ChannelRules
from bot.domain.ports import GatewayError
from bot.domain.service import SendIdService
from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md
from bot.slack.language import Languages
from bot.slack.messenger import Messenger
from bot.slack.views import home, texts

log = logging.getLogger("bot.slack")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who clicked or submitted, and where (from Slack's payload)."""

    user_id: str
    channel_id: str | None
    from_home: bool = False  # clicked in the App Home tab, where there is no channel

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Actor:
        user = body.get("user") or {}
        channel = body.get("channel") or {}
        container = body.get("container") or {}
        view = body.get("view") or {}
        from_home = container.get("type") == "view" and view.get("type") == "home"
        return cls(
            user_id=str(user.get("id") or body.get("user_id") or ""),
            channel_id=None
            if from_home
            else (channel.get("id") if isinstance(channel, dict) else None)
            or body.get("channel_id"),
            from_home=from_home,
        )

    def channel_for(self, request: SendIdRequest) -> str | None:
        """Where the click counts as made: the request's own channel for App Home clicks."""
        return request.channel_id if self.from_home else self.channel_id


@dataclass
class BotContext:
    policy: Policy
    service: SendIdService
    messenger: Messenger
    languages: Languages
    rules_for: Callable[[str], ChannelRules] = EMPTY_POLICY_FILE.rules_for

    def t_for(self, user_id: str, *, wait: bool = True, timeout: float = 3.0) -> Translator:
        """The translator for a private answer to `user_id` (`wait=False` in ack paths)."""
        return self.languages.for_user(user_id, wait=wait, timeout=timeout)

    def tell(self, actor: Actor, msg: Msg, **params: object) -> None:
        """A private answer to the actor, in their language."""
        self.messenger.tell(
            actor.channel_id, actor.user_id, self.t_for(actor.user_id)(msg, **params)
        )

    def publish_home(self, user_id: str) -> None:
        """Show `user_id` their App Home: own requests, what they may decide, quota, channels."""
        t = self.t_for(user_id)
        to_decide = None
        if self.policy.approves_anywhere(user_id):
            to_decide = [
                r
                for r in self.service.pending_requests()
                if r.card_ts and self.policy.refusal_to_decide(user_id, r.channel_id, r) is None
            ][:20]
        view = home.home_view(
            t,
            channels=self.policy.allowed_channels,
            mine=self.service.requests_of(user_id, 10),
            to_decide=to_decide,
            quota=self.service.quota(),
        )
        self.messenger.publish_home(user_id, view)

    def show_results(self, actor: Actor, request: SendIdRequest) -> None:
        """Tell `actor` privately how the created send ID is doing (Braze /sends/data_series)."""
        t = self.t_for(actor.user_id)
        try:
            stats = self.service.send_results(request)
        except GatewayError as error:
            if error.failure_kind is FailureKind.PERMISSION:
                text = t(Msg.STATS_FORBIDDEN)
            elif error.failure_kind is FailureKind.REJECTED_BY_BRAZE:
                text = t(Msg.STATS_NO_DATA, message=md.escape(error.message[:200]))
            else:
                log.warning("results unavailable: %s", type(error).__name__)
                text = t(Msg.STATS_UNAVAILABLE)
        else:
            text = texts.stats_text(t, request, stats)
        self.messenger.tell(actor.channel_id, actor.user_id, text)

    def settle(self, request: SendIdRequest, quota: QuotaSnapshot | None = None) -> None:
        """Show a decided request's state on its card and in its thread, and remember the reply.

        The remembered state lets housekeeping re-post a reply that a crash or Slack outage lost.
        """
        self.messenger.update_card(request)
        if self.messenger.announce(request, quota):
            self.service.record_reply(request.id, request.state)

    def show_card(self, request: SendIdRequest) -> str | None:
        """Post the request's approval card and remember where it is; None when Slack refused
        it and the requester was told the fix instead (see `Messenger.post_card`)."""
        ts = self.messenger.post_card(request)
        if ts is not None:
            self.service.record_card(request.id, ts)
        return ts

    def refusal_text(self, t: Translator, refusal: Refusal) -> str:
        return texts.refusal_text(t, refusal, self.policy.allowed_channels)

    @contextlib.contextmanager
    def reporting(self, actor: Actor, what: Msg) -> Iterator[None]:
        """Turn an unexpected failure into a visible answer, and log it with its traceback.

        A button that silently did nothing is worse than one that visibly failed.
        """
        try:
            yield
        except MembershipLookupError as error:
            self.tell(actor, Msg.APPROVERS_UNREADABLE, error=md.escape(str(error)))
        except Exception as error:
            log.exception(
                "%s failed", what.value, extra={"user": actor.user_id, "channel": actor.channel_id}
            )
            with contextlib.suppress(Exception):
                t = self.t_for(actor.user_id)
                self.tell(actor, Msg.ACTION_FAILED, what=t(what), error=type(error).__name__)
