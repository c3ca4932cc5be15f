"""`/sendid` and its sub-commands."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.i18n import Msg
from bot.slack import mrkdwn as md
from bot.slack.context import Actor, BotContext
from bot.slack.views import modals, texts

log = logging.getLogger("bot.slack")

COMMAND = "/sendid"


def answer(ack: Ack, text: str) -> None:
    # Explicitly ephemeral: only the person who typed the command sees it.
    ack(text=text, response_type="ephemeral")


def _is_direct_message(command: dict[str, Any]) -> bool:
    name = str(command.get("channel_name") or "")
    channel_id = str(command.get("channel_id") or "")
    return channel_id.startswith("D") or name == "directmessage" or name.startswith("mpdm-")


def register(app: App, ctx: BotContext) -> None:
    @app.command(COMMAND)
    def sendid(ack: Ack, command: dict[str, Any]) -> None:
        words = str(command.get("text") or "").split()
        channel_id = str(command.get("channel_id") or "")
        actor = Actor(user_id=str(command.get("user_id") or ""), channel_id=channel_id)
        sub = words[0].lower() if words else ""
        # Answers in the acknowledgement must not wait for users.info (Slack allows 3 s).
        t = ctx.t_for(actor.user_id, wait=False)

        if sub == "help":
            answer(ack, t(Msg.HELP))
            return
        if _is_direct_message(command) or not ctx.policy.channel_permitted(channel_id):
            answer(ack, texts.not_permitted_text(t, ctx.policy.allowed_channels))
            return
        if sub in ("history", "quota"):
            try:
                if sub == "history":
                    recent = ctx.service.channel_history(channel_id, 10)
                    text = texts.history_text(t, recent)
                else:
                    text = texts.quota_text(t, ctx.service.quota(), ctx.service.clock())
            except Exception:
                log.exception("/sendid %s failed", sub, extra={"channel": channel_id})
                text = t(Msg.COMMAND_FAILED)
            answer(ack, text)
            return
        if sub == "stats":
            if len(words) != 2:
                answer(ack, t(Msg.STATS_USAGE))
                return
            # Braze may take a moment: acknowledge now, answer privately when it has spoken.
            ack()
            with ctx.reporting(actor, Msg.DOING_RESULTS):
                request = ctx.service.created_request(channel_id, words[1])
                if request is None:
                    ctx.tell(actor, Msg.STATS_UNKNOWN_SEND_ID, send_id=md.code(words[1]))
                    return
                ctx.show_results(actor, request)
            return
        if len(words) > 2:
            answer(ack, t(Msg.TOO_MANY_WORDS))
            return

        # Acknowledge first: the trigger_id stays valid for 3 s, views.open is fast.
        ack()
        campaign_id = words[0] if words else ""
        send_id = words[1] if len(words) > 1 else ""
        with ctx.reporting(actor, Msg.DOING_OPEN_FORM):
            example = ctx.rules_for(channel_id).send_id_example
            # The trigger_id dies 3 s after the command: wait only briefly for the locale.
            t = ctx.t_for(actor.user_id, timeout=0.3)
            view = modals.request_modal(t, channel_id, campaign_id, send_id, example)
            ctx.messenger.open_modal(str(command["trigger_id"]), view)
