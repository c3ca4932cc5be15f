"""`/sendid` and its sub-commands.

`/sendid [campaign_id [send_id]]` opens the request form; a first word naming a sub-command
answers privately instead. A new sub-command is a function taking an `Invocation`, listed in
`ANYWHERE` or `IN_PERMITTED_CHANNELS`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.domain.errors import StorageUnavailable
from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md
from bot.slack.actor import Actor
from bot.slack.context import BotContext, bot_context
from bot.slack.form_metadata import ModalMetadata
from bot.slack.listeners.interaction import reporting
from bot.slack.messenger import OpenedView
from bot.slack.views import ids, modals, texts
from bot.slack.views.labels import shown_workspace

log = logging.getLogger("bot.slack")

COMMAND = "/sendid"
HISTORY_LENGTH = 10
# How long a text answer waits for a new person's locale (users.info): well inside Slack's 3 s.
TEXT_ANSWER_LOCALE_WAIT = 1.0


def register(app: App) -> None:
    app.command(COMMAND)(sendid)


@dataclass
class Invocation:
    """One `/sendid …`, as a sub-command needs it."""

    bot: BotContext
    ack: Ack
    actor: Actor
    words: list[str]

    @cached_property
    def t(self) -> Translator:
        """The reader's language for a text answer in the acknowledgement. A new person's
        locale is waited for briefly (Slack allows 3 s for the acknowledgement), so that even
        the first answer is in their language; the form never asks for this."""
        return self.bot.languages.for_user(self.actor.user_id, timeout=TEXT_ANSWER_LOCALE_WAIT)

    @property
    def channel_id(self) -> str:
        return self.actor.channel_id or ""

    def answer(self, text: str) -> None:
        # Explicitly ephemeral: only the person who typed the command sees it.
        self.ack(text=text, response_type="ephemeral")


SubCommand = Callable[[Invocation], None]
# How long a new person's form waits for their language (users.info) before it opens anyway.
FORM_LOCALE_WAIT_SECONDS = 1.5


def sendid(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    bot = bot_context(context)
    actor = Actor.from_command(command)
    # Slack sends `&`, `<` and `>` escaped: `spring&summer` arrives as `spring&amp;summer`.
    words = md.unescape(str(command.get("text") or "")).split()
    typed = Invocation(bot, ack, actor, words)
    first = words[0].lower() if words else ""
    if first in ANYWHERE:
        ANYWHERE[first](typed)
    elif _is_direct_message(command) or not bot.policy.channel_permitted(actor.channel_id):
        typed.answer(texts.not_permitted_text(typed.t, bot.policy.allowed_channels))
    else:
        IN_PERMITTED_CHANNELS.get(first, open_form)(typed)
    # Acknowledged: now look the locale up for next time, if it is not known yet.
    bot.t_for(actor.user_id, wait=False)


def _is_direct_message(command: dict[str, Any]) -> bool:
    name = str(command.get("channel_name") or "")
    channel_id = str(command.get("channel_id") or "")
    return channel_id.startswith("D") or name == "directmessage" or name.startswith("mpdm-")


# ---- sub-commands ------------------------------------------------------------------------------


def show_help(typed: Invocation) -> None:
    typed.answer(typed.t(Msg.HELP))


def show_history(typed: Invocation) -> None:
    """`/sendid history`: the channel's recent requests."""
    _answer_with(typed, "history", _history)


def show_quota(typed: Invocation) -> None:
    """`/sendid quota`: what is known of today's Braze quota."""
    _answer_with(typed, "quota", _quota)


def show_stats(typed: Invocation) -> None:
    """`/sendid stats <send_id>`: a created send ID's results, privately."""
    if len(typed.words) != 2:
        typed.answer(typed.t(Msg.STATS_USAGE))
        return
    # Braze may take a moment: acknowledge now, answer privately when it has spoken (off
    # Bolt's threads: bot.slack.work).
    typed.ack()
    bot, actor, send_id, channel_id = typed.bot, typed.actor, typed.words[1], typed.channel_id

    def look_up() -> None:
        with reporting(bot, actor, Msg.DOING_RESULTS):
            request = bot.service.created_request(channel_id, send_id)
            if request is None:
                t = bot.t_for(actor.user_id)
                bot.messenger.tell(actor, t(Msg.STATS_UNKNOWN_SEND_ID, send_id=md.code(send_id)))
                return
            bot.show_results(actor, request)

    bot.work.run("stats", look_up)


def open_form(typed: Invocation) -> None:
    """`/sendid [campaign_id [send_id]]`: the request form, pre-filled with what was typed."""
    if len(typed.words) > 2:
        typed.answer(typed.t(Msg.TOO_MANY_WORDS))
        return
    if typed.words and typed.words[0].isalpha():
        # A mistyped sub-command (`/sendid status`), not a campaign ID: those have digits.
        typed.answer(typed.t(Msg.UNKNOWN_WORD, word=md.code(typed.words[0])))
        return
    bot, actor = typed.bot, typed.actor
    campaign_id = typed.words[0] if typed.words else ""
    send_id = typed.words[1] if len(typed.words) > 1 else ""
    with reporting(bot, actor, Msg.DOING_OPEN_FORM):
        open_request_form(bot, actor, typed.channel_id, campaign_id, send_id, ack=typed.ack)


def open_request_form(
    bot: BotContext,
    actor: Actor,
    channel_id: str,
    campaign_id: str,
    send_id: str,
    *,
    ack: Callable[[], object] = lambda: None,
    purpose: str = "",
) -> None:
    """Open the request form for `channel_id`, pre-filled, in answer to `actor`'s trigger (for
    `/sendid`, and for "Request again" on a card); `ack` acknowledges the command first.

    The form opens in the person's language: for someone new, users.info is waited for up to
    FORM_LOCALE_WAIT_SECONDS (Slack's trigger lasts 3 s); slower than that, it opens in the
    workspace language and is relabelled once their language is known."""
    ack()
    # Known before anything is typed: say so instead of a form that cannot be accepted.
    if (blocked := bot.service.form_blocker(channel_id, actor.user_id)) is not None:
        t = bot.t_for(actor.user_id)
        why = texts.problem_text(t, blocked, rich=True)
        bot.messenger.tell(actor, t(Msg.FORM_NOT_OPENED, why=why))
        return
    example = bot.rules_for(channel_id).send_id_example
    sealed = bot.forms.seal(
        ModalMetadata(channel_id), form=ids.REQUEST_MODAL, user_id=actor.user_id
    )

    def form(t: Translator) -> dict[str, Any]:
        return modals.request_modal(
            t, channel_id, campaign_id, send_id, example, private_metadata=sealed, purpose=purpose
        )

    shown, later = bot.languages.now_and_later(actor.user_id)
    if later is not None:
        # Not back in time: it opens in the workspace language, relabelled when it is.
        with contextlib.suppress(TimeoutError):
            shown, later = later.result(timeout=FORM_LOCALE_WAIT_SECONDS), None
    opened = bot.messenger.open_modal(actor.trigger_id, form(shown))
    if later is not None:
        relabel = partial(_relabel, bot, opened, shown, form)
        later.add_done_callback(lambda lookup: relabel(lookup.result()))


def _relabel(
    bot: BotContext,
    opened: OpenedView,
    shown: Translator,
    form: Callable[[Translator], dict[str, Any]],
    t: Translator,
) -> None:
    """The person's language is known: if the form opened in another, show it in theirs
    (Slack keeps what was typed)."""
    if t.language == shown.language or not opened.view_id:
        return
    try:
        bot.messenger.update_modal(opened, form(t))
    except Exception:  # may run in the locale pool: nobody else would log it
        log.exception("form %s not relabelled", opened.view_id)


def _history(typed: Invocation) -> str:
    recent = typed.bot.service.channel_history(typed.channel_id, HISTORY_LENGTH)
    return texts.history_text(typed.t, recent)


def _quota(typed: Invocation) -> str:
    """The quota of the channel's Braze workspace: the one its requests spend."""
    service = typed.bot.service
    workspace = service.workspace_for(typed.channel_id)
    quota = service.quota(workspace)
    return texts.quota_text(typed.t, quota, service.clock(), shown_workspace(workspace))


def _answer_with(typed: Invocation, sub: str, build: Callable[[Invocation], str]) -> None:
    """Answer in the acknowledgement with what `build` says, or that it failed."""
    try:
        text = build(typed)
    except StorageUnavailable:
        # A read: nothing was changed.
        log.warning("/sendid %s: database unreachable", sub)
        text = typed.t(Msg.DATABASE_DOWN)
    except Exception:
        log.exception("/sendid %s failed", sub, extra={"channel": typed.actor.channel_id})
        text = typed.t(Msg.COMMAND_FAILED)
    typed.answer(text)


# Answer wherever they are typed, even where requests are not permitted.
ANYWHERE: dict[str, SubCommand] = {"help": show_help}
# Answer in permitted channels only; any other first word is a campaign ID for the form.
IN_PERMITTED_CHANNELS: dict[str, SubCommand] = {
    "history": show_history,
    "quota": show_quota,
    "stats": show_stats,
}
