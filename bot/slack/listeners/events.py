"""Events API: the App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.slack.context import bot_context


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)


def home_opened(event: dict[str, Any], context: BoltContext) -> None:
    """Show the person their App Home (Bolt acknowledged the event before this runs)."""
    if event.get("tab", "home") != "home":  # only the Home tab is ours
        return
    user_id = str(event.get("user") or "")
    if user_id:
        bot_context(context).publish_home_soon(user_id)
