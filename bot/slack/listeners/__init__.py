"""Thin Slack listeners, named top-level functions grouped by surface (as Bolt registers them):
`commands` (slash command), `views` (modal submissions), `actions` (button clicks), `events`
(Events API), `functions` (the Workflow Builder step). Each module has `register(app)`;
`interaction` is the opening they share.

Listeners talk to use cases only (`BotContext.service`, never the store) and get the
`BotContext` from Bolt's `context` (`bot.slack.context.bot_context`).
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import actions, commands, events, functions, views


def register_listeners(app: App) -> None:
    for surface in (commands, views, actions, events, functions):
        surface.register(app)
