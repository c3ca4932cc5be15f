"""Events API: the App Home tab."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.slack.context import BotContext

log = logging.getLogger("bot.slack")


def register(app: App, ctx: BotContext) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        # Events are acknowledged by Bolt before this runs; only the Home tab is ours.
        if event.get("tab", "home") != "home":
            return
        user_id = str(event.get("user") or "")
        if user_id:
            ctx.publish_home(user_id)
