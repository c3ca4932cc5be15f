"""Thin Slack listeners grouped by surface; each module has `register(app, ctx)`."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.context import BotContext
from bot.slack.listeners import actions, commands, events, views


def register_listeners(app: App, ctx: BotContext) -> None:
    commands.register(app, ctx)
    views.register(app, ctx)
    actions.register(app, ctx)
    events.register(app, ctx)
