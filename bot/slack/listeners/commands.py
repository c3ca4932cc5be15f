"""`/sendid` and its sub-commands."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.slack import blocks
from bot.slack.context import Actor, BotContext

log = logging.getLogger("bot.slack")

COMMAND = "/sendid"
USAGE = "Usage: `/sendid`, `/sendid <campaign_id> [send_id]`, `/sendid history`, `/sendid quota`."


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

        if sub == "help":
            answer(ack, blocks.HELP_TEXT)
            return
        if _is_direct_message(command) or not ctx.policy.channel_permitted(channel_id):
            answer(ack, blocks.not_permitted_text(ctx.policy.allowed_channels))
            return
        if sub in ("history", "quota"):
            try:
                if sub == "history":
                    text = blocks.history_text(ctx.service.store.recent_in_channel(channel_id, 10))
                else:
                    text = blocks.quota_text(ctx.service.quota(), ctx.service.clock())
            except Exception:
                log.exception("/sendid %s failed", sub, extra={"channel": channel_id})
                text = "Sorry, that failed (an internal error, logged for the admin). Try again."
            answer(ack, text)
            return
        if len(words) > 2:
            answer(ack, f"Too many words. {USAGE}")
            return

        # Acknowledge first: the trigger_id stays valid for 3 s, views.open is fast.
        ack()
        campaign_id = words[0] if words else ""
        send_id = words[1] if len(words) > 1 else ""
        with ctx.reporting(actor, "opening the send ID form"):
            ctx.messenger.open_modal(
                str(command["trigger_id"]), blocks.request_modal(channel_id, campaign_id, send_id)
            )
