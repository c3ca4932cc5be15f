"""Block Kit elements, as every view builds them."""

from __future__ import annotations

from typing import Any

from bot.i18n import Msg, Translator

Block = dict[str, Any]


def plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def field(text: str) -> dict[str, Any]:
    """A mrkdwn text object. `verbatim`: Slack links no bare URL, channel name or mention in it
    by itself; only the bot's own `<…>` tokens (people, channels, dates) are links."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> Block:
    return {"type": "section", "text": field(text)}


def context(text: str) -> Block:
    return {"type": "context", "elements": [field(text)]}


def button(action_id: str, text: str, request_id: str, **extra: Any) -> dict[str, Any]:
    """A button about one request: its value is the request ID, read back by the listener."""
    return {
        "type": "button",
        "action_id": action_id,
        "text": plain_text(text),
        "value": request_id,
        **extra,
    }


def confirmation(
    t: Translator, title: Msg, text: Msg, confirm: Msg, **params: object
) -> dict[str, Any]:
    """The dialog Slack shows before a button's click is sent (`params`: the text's)."""
    return {
        "title": plain_text(t(title)),
        "text": plain_text(t(text, **params)),
        "confirm": plain_text(t(confirm)),
        "deny": plain_text(t(Msg.MODAL_BACK)),
    }
