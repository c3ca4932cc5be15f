"""Everything the bot posts to Slack, in one place, with Slack's failures turned into decisions.

Posting the card, updating it, replying in its thread and answering privately are the only
Web API writes; each says what it does when Slack refuses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.models import QuotaSnapshot, RequestState, SendIdRequest
from bot.slack.actor import Actor
from bot.slack.language import Languages
from bot.slack.views import card, replies, steps
from bot.slack.views.elements import section

log = logging.getLogger("bot.slack")

# Slack errors that mean "the bot cannot post in this channel" and that the requester can fix.
NOT_IN_CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
# Slack errors that mean the card was deleted: updating it (message_not_found) or replying in
# its thread (thread_not_found) can never succeed, however often it is tried.
CARD_GONE_ERRORS = frozenset({"message_not_found", "thread_not_found"})

# What became of a card update.
CardUpdate = Literal["updated", "gone", "failed", "no card"]


class CardGone(Exception):
    """The request's card was deleted: nothing can be shown on it or in its thread."""


# Slack's limit for a section's text.
SECTION_TEXT_MAX = 3000


def slack_error(error: SlackApiError) -> str:
    response = getattr(error, "response", None)
    try:
        return str(response["error"]) if response is not None else "unknown_error"
    except (KeyError, TypeError):
        return "unknown_error"


@dataclass(frozen=True, slots=True)
class OpenedView:
    """A modal as views.open answered: what views.update needs to replace it safely."""

    view_id: str
    hash: str


class Messenger:
    def __init__(
        self,
        client: WebClient,
        languages: Languages,
        scrub: Callable[[str], str] = str,
    ) -> None:
        self.client = client
        self.languages = languages
        # The log scrubber (bot.logs.Scrubber): Slack's error strings are foreign text, and the
        # bot passes them on to people; a secret echoed in one must not travel with it.
        self.scrub = scrub

    # ---- the card ---------------------------------------------------------------------------

    def post_card(
        self, request: SendIdRequest, facts: card.CardFacts, mention: str = ""
    ) -> str | None:
        """Post the approval card; return its ts, or None after telling the requester the fix.
        `mention`: whom its notification pings besides what the card shows (the approvers)."""
        t = self.languages.for_request(request)
        text = card.card_text(t, request)
        try:
            response = self.client.chat_postMessage(
                channel=request.channel_id,
                text=f"{text} {mention}" if mention else text,
                blocks=card.approval_card(t, request, facts),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            code = slack_error(error)
            log.warning(
                "card not posted: %s",
                code,
                extra={"request_id": request.id, "channel": request.channel_id},
            )
            self.tell_card_not_posted(request, code)
            return None
        return str(response["ts"])

    def tell_card_not_posted(self, request: SendIdRequest, code: str) -> None:
        text, message_blocks = card.card_not_posted_dm(
            self.languages.for_user(request.requester_id),
            request,
            self.scrub(code),
            invite_fixes_it=code in NOT_IN_CHANNEL_ERRORS,
        )
        # A DM from the bot reaches the requester even where the bot cannot post in the channel.
        try:
            self.client.chat_postMessage(
                channel=request.requester_id, text=text, blocks=message_blocks
            )
        except SlackApiError as error:
            log.error(
                "could not tell the requester either: %s",
                slack_error(error),
                extra={"request_id": request.id, "user": request.requester_id},
            )
            raise

    def update_card(self, request: SendIdRequest, facts: card.CardFacts) -> CardUpdate:
        """Show the request's current state on its card (buttons only while pending)."""
        if request.card_ts is None:
            return "no card"
        t = self.languages.for_request(request)
        try:
            self.client.chat_update(
                channel=request.channel_id,
                ts=request.card_ts,
                text=card.card_text(t, request),
                blocks=card.approval_card(t, request, facts),
            )
        except SlackApiError as error:
            # The thread reply still tells the outcome; a stale card is logged loudly.
            code = slack_error(error)
            log.error(
                "card not updated: %s",
                code,
                extra={"request_id": request.id, "channel": request.channel_id},
            )
            return "gone" if code in CARD_GONE_ERRORS else "failed"
        return "updated"

    # ---- the thread -------------------------------------------------------------------------

    def reply(
        self,
        request: SendIdRequest,
        text: str,
        reply_blocks: list[Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Reply in the card's thread (`metadata`: Slack message metadata for other apps).
        Raises CardGone when the card was deleted, and SlackApiError for any other refusal
        (worth another try)."""
        kwargs: dict[str, Any] = {"channel": request.channel_id, "text": text}
        if request.card_ts:
            kwargs["thread_ts"] = request.card_ts
        if reply_blocks:
            kwargs["blocks"] = reply_blocks
        if metadata:
            kwargs["metadata"] = metadata
        try:
            self.client.chat_postMessage(unfurl_links=False, unfurl_media=False, **kwargs)
        except SlackApiError as error:
            if slack_error(error) in CARD_GONE_ERRORS:
                raise CardGone(slack_error(error)) from error
            raise

    def announce(
        self,
        request: SendIdRequest,
        quota: QuotaSnapshot | None,
        people: replies.Addressees | None = None,
    ) -> bool:
        """Reply in the thread with what the request's current state means; False if no reply."""
        reply = replies.reply_for(self.languages.for_request(request), request, quota, people)
        if reply is None:
            return False
        # A created send ID carries it as data too: other apps and workflows need not read text.
        created = request.state is RequestState.CREATED and request.created_send_id
        self.reply(request, *reply, metadata=steps.created_metadata(request) if created else None)
        return True

    # ---- private answers --------------------------------------------------------------------

    def tell(self, actor: Actor, text: str, *, thread_ts: str | None = None) -> None:
        """Answer `actor` privately: ephemeral where they acted (in the thread of `thread_ts`
        if given), a DM where there is no usable channel. The one way the bot answers a person
        (its translator is the caller's)."""
        text = self.scrub(text)
        # The same text as a verbatim section: Slack then links nothing in it by itself.
        shown = [section(text)] if len(text) <= SECTION_TEXT_MAX else None
        if actor.channel_id:
            try:
                self.client.chat_postEphemeral(
                    channel=actor.channel_id,
                    user=actor.user_id,
                    text=text,
                    blocks=shown,
                    thread_ts=thread_ts,
                )
                return
            except SlackApiError as error:
                log.warning("ephemeral not delivered (%s); sending a DM", slack_error(error))
        self.client.chat_postMessage(channel=actor.user_id, text=text, blocks=shown)

    def dm(
        self, user_id: str, text: str, message_blocks: list[Any] | None = None
    ) -> tuple[str, str] | None:
        """A direct message from the bot (chat:write: posting to a user ID opens the DM). Its
        text went through the scrubber like every private answer. Where it landed (the DM's
        channel and ts), or None when Slack refused it (logged): one person's closed DM must
        not keep the others from being told."""
        kwargs: dict[str, Any] = {"channel": user_id, "text": self.scrub(text)}
        if message_blocks:
            kwargs["blocks"] = message_blocks
        try:
            response = self.client.chat_postMessage(
                unfurl_links=False, unfurl_media=False, **kwargs
            )
        except SlackApiError as error:
            log.warning(
                "direct message not delivered: %s", slack_error(error), extra={"user": user_id}
            )
            return None
        return str(response.get("channel") or user_id), str(response.get("ts") or "")

    def close_dm(self, channel: str, ts: str, text: str) -> None:
        """Replace a DM's buttons with what became of its request (logged when Slack refuses:
        a stale button still answers who decided)."""
        try:
            self.client.chat_update(channel=channel, ts=ts, text=text, blocks=[section(text)])
        except SlackApiError as error:
            log.warning("direct message not closed: %s", slack_error(error))

    def permalink(self, request: SendIdRequest) -> str | None:
        """The card's permalink (chat.getPermalink, no scope needed), or None."""
        if request.card_ts is None:
            return None
        try:
            response = self.client.chat_getPermalink(
                channel=request.channel_id, message_ts=request.card_ts
            )
        except SlackApiError as error:
            log.warning("no permalink for the card: %s", slack_error(error))
            return None
        link = response.get("permalink")
        return str(link) if link else None

    # ---- workflow steps ---------------------------------------------------------------------

    def complete_step(self, function_execution_id: str, outputs: dict[str, Any]) -> None:
        """Finish a Workflow Builder step with its outputs (functions.completeSuccess takes the
        bot token, no scope needed). Raises SlackApiError."""
        self.client.functions_completeSuccess(
            function_execution_id=function_execution_id, outputs=outputs
        )

    def fail_step(self, function_execution_id: str, error: str) -> None:
        """Fail a Workflow Builder step with one sentence (functions.completeError). Raises
        SlackApiError."""
        self.client.functions_completeError(
            function_execution_id=function_execution_id, error=self.scrub(error)
        )

    def channel_name(self, channel_id: str) -> str | None:
        """The channel's name (conversations.info), or None when Slack does not say."""
        try:
            response = self.client.conversations_info(channel=channel_id)
        except SlackApiError as error:
            log.info("channel name unknown: %s", slack_error(error))
            return None
        name = (response.get("channel") or {}).get("name")
        return str(name) if name else None

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self.client.views_publish(user_id=user_id, view=view)

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> OpenedView:
        """Open `view` in answer to `trigger_id` (Slack allows 3 s from the click or command)."""
        response = self.client.views_open(trigger_id=trigger_id, view=view)
        shown = response.get("view") or {}
        return OpenedView(str(shown.get("id") or ""), str(shown.get("hash") or ""))

    def update_modal(self, opened: OpenedView, view: dict[str, Any]) -> bool:
        """Replace an open form (what was typed stays: same block and action IDs). With the hash
        Slack refuses if the person changed it meanwhile; closed or changed: left as it is."""
        try:
            self.client.views_update(view_id=opened.view_id, hash=opened.hash, view=view)
            return True
        except SlackApiError as error:
            log.info("form %s not updated (%s)", opened.view_id, slack_error(error))
            return False
