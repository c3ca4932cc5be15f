"""What every listener does around its own work, written once.

Slack wants every interaction acknowledged within 3 seconds, and what comes after the
acknowledgement may wait on Slack (`usergroups.users.list` for the approver check, `users.info`
for the reader's language) or on Braze. So a button listener acknowledges first, in Bolt's
listener thread, and hands the rest to the bot's own pool (:mod:`bot.slack.work`): it looks the
request up and checks who may act there, so no acknowledgement waits behind slow work. That is why
:func:`request_button` is a decorator and not Bolt listener middleware or a matcher: those run
in the request thread before the listener, so before the acknowledgement.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.domain.errors import StorageUnavailable
from bot.domain.models import SendIdRequest
from bot.domain.policy import MembershipLookupError, Policy, Refusal
from bot.i18n import Msg
from bot.slack import mrkdwn as md
from bot.slack.actor import Actor
from bot.slack.context import BotContext, bot_context
from bot.slack.views import texts

log = logging.getLogger("bot.slack")

REQUEST_ID_MAX = 64

# A listener's own work once the request is known and the actor may act on it.
RequestHandler = Callable[[BotContext, Actor, SendIdRequest], None]
# Why `actor` may not act on `request`, or None when they may.
WhoMayAct = Callable[[Policy, Actor, SendIdRequest], Refusal | None]
# What Bolt calls: it passes the arguments named in the signature.
ButtonListener = Callable[[Ack, dict[str, Any], dict[str, Any], BoltContext], None]


@contextlib.contextmanager
def reporting(bot: BotContext, actor: Actor, doing: Msg) -> Iterator[None]:
    """Turn an unexpected failure into a visible private answer, and log it with its traceback.

    A button that silently did nothing is worse than one that visibly failed.
    """
    try:
        yield
    except MembershipLookupError as error:
        t = bot.t_for(actor.user_id)
        bot.messenger.tell(actor, t(Msg.APPROVERS_UNREADABLE, error=md.inert(str(error), 200)))
    except StorageUnavailable:
        # Something may have been written before the database went: say only what is known.
        log.exception("%s: database unreachable", doing.value, extra={"user": actor.user_id})
        with contextlib.suppress(Exception):
            t = bot.t_for(actor.user_id)
            bot.messenger.tell(actor, t(Msg.DATABASE_LOST, what=t(doing)))
    except Exception:
        log.exception(
            "%s failed", doing.value, extra={"user": actor.user_id, "channel": actor.channel_id}
        )
        # Telling may fail for the same reason (Slack down); the traceback is logged above.
        with contextlib.suppress(Exception):
            t = bot.t_for(actor.user_id)
            text = t(Msg.ACTION_FAILED, what=t(doing))
            bot.messenger.tell(actor, text)


def request_id_of(action: dict[str, Any]) -> str | None:
    """The request ID a button (or overflow option) carries, if it looks like one (values come
    from the client)."""
    value = action.get("value")
    selected = action.get("selected_option")  # an overflow menu's choice
    if value is None and isinstance(selected, dict):
        value = selected.get("value")
    if isinstance(value, str) and 0 < len(value) <= REQUEST_ID_MAX and value.isalnum():
        return value
    return None


def _on_its_card(actor: Actor, request: SendIdRequest) -> bool:
    """The click was on a message in the request's own channel (the card, for a card button)."""
    return bool(actor.message_ts) and actor.channel_id == request.channel_id and not actor.from_dm


def request_button(
    doing: Msg, may_act: WhoMayAct, *, answer_in_dm: bool = False, on_card: bool = False
) -> Callable[[RequestHandler], ButtonListener]:
    """Make `handle(bot, actor, request)` a Bolt listener for a button naming a request.

    The listener acknowledges at once, reports any failure of `doing` privately, loads the
    request the button names and asks `may_act` whether the clicker may act on it; an unknown
    request or a refusal is answered privately and `handle` is not called. `answer_in_dm`:
    the button lives in the bot's DM, so answers go there as messages. `on_card`: in a
    channel the button lives on the request's card, so a click on it there tells where the
    card is even before the bot recorded it (a click right after the card appeared).
    """

    def decorate(handle: RequestHandler) -> ButtonListener:
        def listener(
            ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
        ) -> None:
            ack()
            bot = bot_context(context)
            actor = Actor.from_body(body)
            if answer_in_dm:
                actor = actor.in_dm()
            # Everything after the acknowledgement runs off Bolt's threads (bot.slack.work).
            bot.work.run(doing.value, lambda: act(bot, actor, action))

        def act(bot: BotContext, actor: Actor, action: dict[str, Any]) -> None:
            with reporting(bot, actor, doing):
                request_id = request_id_of(action)
                try:
                    request = bot.service.get_request(request_id) if request_id else None
                except StorageUnavailable:
                    # Nothing was written yet: that much is known.
                    log.warning("database unreachable at a click", extra={"user": actor.user_id})
                    bot.messenger.tell(actor, bot.t_for(actor.user_id)(Msg.DATABASE_DOWN))
                    return
                if request is None:
                    t = bot.t_for(actor.user_id)
                    bot.messenger.tell(actor, texts.already_decided_text(t, None))
                    return
                refusal = may_act(bot.policy, actor, request)
                # A DM click stands for the card only where the bot sent this person that DM
                # (an approver's or admin's notice); any other DM is no channel at all.
                dm_unknown = actor.from_dm and not answer_in_dm
                if (
                    refusal is None
                    and dm_unknown
                    and not bot.service.notices.was_dmed(request.id, actor.user_id)
                ):
                    refusal = Refusal.WRONG_CHANNEL
                if refusal is not None:
                    bot.messenger.tell(actor, bot.refusal_text(bot.t_for(actor.user_id), refusal))
                    return
                if on_card and request.card_ts is None and _on_its_card(actor, request):
                    request = bot.service.card_seen(request, actor.message_ts)
                handle(bot, actor, request)

        # Named after `handle` for Bolt's logs. Not functools.wraps: Bolt reads the parameters
        # to pass through inspect.unwrap, which would find `handle`'s instead of these.
        listener.__name__ = listener.__qualname__ = handle.__name__
        listener.__module__ = handle.__module__
        listener.__doc__ = handle.__doc__
        return listener

    return decorate
