"""Safe text for Slack's mrkdwn.

Slack parses `<…>` before any formatting, even inside code spans, so `<!channel>` typed by a user
would ping the whole channel. Escaping the three control characters is exactly what Slack asks for
(https://api.slack.com/reference/surfaces/formatting#escaping) and makes any mention or link
impossible; Slack shows the escaped characters as typed.
"""

from __future__ import annotations

from datetime import UTC, datetime


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(text: str) -> str:
    """An inline code span. A backtick cannot be escaped in mrkdwn, so such text goes unwrapped."""
    escaped = escape(text)
    return escaped if "`" in text else f"`{escaped}`"


def user(user_id: str) -> str:
    # IDs come from Slack's own payloads (U…/W…); escaping keeps a forged one from forming a link.
    return f"<@{escape(user_id)}>"


def usergroup(group_id: str) -> str:
    return f"<!subteam^{escape(group_id)}>"


def channel(channel_id: str) -> str:
    return f"<#{escape(channel_id)}>"


def date(moment: datetime, pattern: str = "{date_short_pretty} at {time}") -> str:
    """A date Slack renders in each reader's own time zone and language, with a UTC fallback."""
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{pattern}|{fallback}>"
