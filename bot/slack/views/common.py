"""The pieces every view uses: Block Kit elements, dates, and how a request is labelled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.models import QuotaSnapshot, RequestState, SendIdRequest
from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md

Block = dict[str, Any]


def plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def field(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def button(action_id: str, text: str, request_id: str, **extra: Any) -> dict[str, Any]:
    """A button about one request: its value is the request ID, read back by the listener."""
    return {
        "type": "button",
        "action_id": action_id,
        "text": plain_text(text),
        "value": request_id,
        **extra,
    }


def confirmation(t: Translator, title: Msg, text: Msg, confirm: Msg) -> dict[str, Any]:
    """The dialog Slack shows before a button's click is sent."""
    return {
        "title": plain_text(t(title)),
        "text": plain_text(t(text)),
        "confirm": plain_text(t(confirm)),
        "deny": plain_text(t(Msg.MODAL_BACK)),
    }


def date(t: Translator, moment: datetime, short: bool = False) -> str:
    return md.date(moment, t(Msg.DATE_SHORT if short else Msg.DATE_PRETTY))


def state_name(t: Translator, state: RequestState) -> str:
    return t(Msg(f"state.{state.value}"))


def channels_list(channel_ids: Sequence[str]) -> str:
    return ", ".join(md.channel(c) for c in channel_ids)


def campaign_label(request: SendIdRequest) -> str:
    if request.campaign_name:
        return f"{md.escape(request.campaign_name)} ({md.code(request.campaign_id)})"
    return md.code(request.campaign_id)


def send_id_label(t: Translator, request: SendIdRequest) -> str:
    if request.created_send_id:
        return md.code(request.created_send_id)
    return md.code(request.send_id) if request.send_id else t(Msg.GENERATED_BY_BRAZE)


def decided_by(t: Translator, request: SendIdRequest) -> str:
    return md.user(request.decided_by) if request.decided_by else t(Msg.SOMEONE)


def reason_suffix(t: Translator, request: SendIdRequest) -> str:
    if not request.reject_reason:
        return ""
    return t(Msg.REASON_SUFFIX, reason=md.escape(request.reject_reason))


def quota_line(t: Translator, quota: QuotaSnapshot | None) -> str:
    if quota is None or quota.remaining is None:
        return t(Msg.QUOTA_UNKNOWN)
    limit = t(Msg.QUOTA_OF_LIMIT, limit=quota.limit) if quota.limit is not None else ""
    reset = t(Msg.QUOTA_RESETS, when=date(t, quota.reset_at)) if quota.reset_at else ""
    return t(Msg.QUOTA_LINE, remaining=quota.remaining, limit=limit, reset=reset)
