"""What every listener needs, built once by `build_app` and handed to each `register`."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.domain.models import QuotaSnapshot, RequestState, SendIdRequest
from bot.domain.policy import MembershipLookupError, Policy, Refusal
from bot.domain.service import SendIdService
from bot.slack import mrkdwn as md
from bot.slack.messenger import Messenger

log = logging.getLogger("bot.slack")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who clicked or submitted, and where (from Slack's payload)."""

    user_id: str
    channel_id: str | None

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Actor:
        user = body.get("user") or {}
        channel = body.get("channel") or {}
        return cls(
            user_id=str(user.get("id") or body.get("user_id") or ""),
            channel_id=(channel.get("id") if isinstance(channel, dict) else None)
            or body.get("channel_id"),
        )


@dataclass
class BotContext:
    policy: Policy
    service: SendIdService
    messenger: Messenger

    def settle(self, request: SendIdRequest, quota: QuotaSnapshot | None = None) -> None:
        """Show a decided request's state on its card and in its thread, and remember the reply.

        The remembered state lets the sweeper post a reply that a crash or Slack outage lost.
        """
        self.messenger.update_card(request)
        if self.messenger.announce(request, quota):
            self.service.store.mark_announced(request.id, request.state)

    def refusal_text(self, refusal: Refusal) -> str:
        if refusal is Refusal.CHANNEL_NOT_PERMITTED:
            return "Send ID requests are not permitted in this channel. They work in: " + ", ".join(
                md.channel(c) for c in self.policy.allowed_channels
            )
        if refusal is Refusal.WRONG_CHANNEL:
            return "That button belongs to a request in another channel; nothing was changed."
        if refusal is Refusal.NOT_APPROVER:
            return "Only approvers can decide send ID requests; nothing was changed."
        if refusal is Refusal.SELF_APPROVAL:
            return "You made this request, so another approver has to decide it."
        return "Only the requester can do that."

    @contextlib.contextmanager
    def reporting(self, actor: Actor, what: str) -> Iterator[None]:
        """Turn an unexpected failure into a visible answer, and log it with its traceback.

        A button that silently did nothing is worse than one that visibly failed.
        """
        try:
            yield
        except MembershipLookupError as error:
            self.messenger.tell(
                actor.channel_id,
                actor.user_id,
                f"I could not check who the approvers are ({md.escape(str(error))}). "
                "Nothing was changed; try again in a minute.",
            )
        except Exception as error:
            log.exception(
                "%s failed", what, extra={"user": actor.user_id, "channel": actor.channel_id}
            )
            with contextlib.suppress(Exception):
                self.messenger.tell(
                    actor.channel_id,
                    actor.user_id,
                    f"Sorry, {what} failed ({type(error).__name__}). Nothing was lost: the "
                    "request keeps its state. Try again, or ask an admin to check the bot's logs.",
                )


def already_decided_text(request: SendIdRequest | None) -> str:
    if request is None:
        return "I do not know that request any more; nothing was changed."
    who = md.user(request.decided_by) if request.decided_by else "someone"
    when = f" {md.date(request.decided_at)}" if request.decided_at else ""
    state = request.state
    if state in (RequestState.APPROVED, RequestState.CREATED, RequestState.FAILED):
        return f"Already approved by {who}{when}; nothing was changed."
    if state is RequestState.REJECTED:
        return f"Already rejected by {who}{when}; nothing was changed."
    if state is RequestState.EXPIRED:
        return "This request has expired; nothing was changed. Run `/sendid` to ask again."
    if state is RequestState.CANCELLED:
        return "This request was cancelled; nothing was changed."
    return "This request is still waiting for an approver."
