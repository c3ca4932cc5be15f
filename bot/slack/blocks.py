"""Block Kit, built by pure functions: data in, Slack JSON out. No I/O here.

Every user-supplied or Braze-supplied string that lands in mrkdwn goes through `mrkdwn.escape`
(or `mrkdwn.code`); plain_text fields are not parsed by Slack and are left as typed. Every text
a person reads comes from the catalogue through the `Translator` passed in (`bot.i18n`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.analytics import SEND_ANALYTICS_RETENTION_DAYS, SendStats
from bot.domain.models import FailureKind, QuotaSnapshot, RequestState, SendIdRequest
from bot.domain.problems import Problem
from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md

Block = dict[str, Any]

REQUEST_MODAL = "sendid_request"
REJECT_MODAL = "sendid_reject"
APPROVE = "sendid_approve"
REJECT = "sendid_reject"
RETRY = "sendid_retry"
REPOST = "sendid_repost"
CANCEL = "sendid_cancel"
RESULTS = "sendid_results"
CAMPAIGN_BLOCK = "campaign_id"
SEND_ID_BLOCK = "send_id"
REASON_BLOCK = "reason"
INPUT_ACTION = "value"
REASON_MAX = 500


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _field(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def date(t: Translator, moment: datetime, short: bool = False) -> str:
    return md.date(moment, t(Msg.DATE_SHORT if short else Msg.DATE_PRETTY))


def problem_text(t: Translator, problem: Problem) -> str:
    return t(Msg(f"problem.{problem.code}"), **problem.params)


def state_name(t: Translator, state: RequestState) -> str:
    return t(Msg(f"state.{state.value}"))


# ---- modals ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModalMetadata:
    """What travels through the client in `private_metadata`: re-checked on submit."""

    channel_id: str
    request_id: str | None = None

    def dump(self) -> str:
        return json.dumps({"channel_id": self.channel_id, "request_id": self.request_id})

    @classmethod
    def parse(cls, raw: str | None) -> ModalMetadata | None:
        try:
            data = json.loads(raw or "")
        except (ValueError, RecursionError):  # garbage, or nesting deep enough to blow the stack
            return None
        if not isinstance(data, dict) or not isinstance(data.get("channel_id"), str):
            return None
        request_id = data.get("request_id")
        return cls(data["channel_id"], request_id if isinstance(request_id, str) else None)


def request_modal(
    t: Translator,
    channel_id: str,
    campaign_id: str = "",
    send_id: str = "",
    naming_example: str | None = None,
) -> dict[str, Any]:
    """The request form. With a channel naming rule the send ID is required and its example
    is shown (a Braze-generated ID could not follow the rule)."""
    campaign_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION,
        "placeholder": _text("1a2b3c4d-0000-4000-8000-123456789abc"),
    }
    send_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION,
        "placeholder": _text(
            naming_example if naming_example else t(Msg.MODAL_SEND_ID_PLACEHOLDER)
        ),
    }
    send_id_hint = (
        t(Msg.MODAL_SEND_ID_HINT_RULE, example=naming_example)
        if naming_example
        else t(Msg.MODAL_SEND_ID_HINT)
    )
    # Slack rejects an empty initial_value, so only pre-fill what was given.
    if campaign_id:
        campaign_input["initial_value"] = campaign_id[:150]
    if send_id:
        send_input["initial_value"] = send_id[:150]
    return {
        "type": "modal",
        "callback_id": REQUEST_MODAL,
        "private_metadata": ModalMetadata(channel_id).dump(),
        "title": _text(t(Msg.MODAL_REQUEST_TITLE)),
        "submit": _text(t(Msg.MODAL_REQUEST_SUBMIT)),
        "close": _text(t(Msg.MODAL_CANCEL)),
        "blocks": [
            {
                "type": "input",
                "block_id": CAMPAIGN_BLOCK,
                "label": _text(t(Msg.MODAL_CAMPAIGN_LABEL)),
                "element": campaign_input,
                "hint": _text(t(Msg.MODAL_CAMPAIGN_HINT)),
            },
            {
                "type": "input",
                "block_id": SEND_ID_BLOCK,
                "optional": naming_example is None,
                "label": _text(t(Msg.MODAL_SEND_ID_LABEL)),
                "element": send_input,
                "hint": _text(send_id_hint),
            },
            _context(t(Msg.MODAL_REQUEST_CONTEXT, channel=md.channel(channel_id))),
        ],
    }


def reject_modal(t: Translator, channel_id: str, request_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": REJECT_MODAL,
        "private_metadata": ModalMetadata(channel_id, request_id).dump(),
        "title": _text(t(Msg.MODAL_REJECT_TITLE)),
        "submit": _text(t(Msg.MODAL_REJECT_SUBMIT)),
        "close": _text(t(Msg.MODAL_BACK)),
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": True,
                "label": _text(t(Msg.MODAL_REASON_LABEL)),
                "element": {
                    "type": "plain_text_input",
                    "action_id": INPUT_ACTION,
                    "multiline": True,
                    "max_length": REASON_MAX,
                },
                "hint": _text(t(Msg.MODAL_REASON_HINT)),
            }
        ],
    }


# ---- the approval card ----------------------------------------------------------------------


def campaign_label(request: SendIdRequest) -> str:
    if request.campaign_name:
        return f"{md.escape(request.campaign_name)} ({md.code(request.campaign_id)})"
    return md.code(request.campaign_id)


def send_id_label(t: Translator, request: SendIdRequest) -> str:
    if request.created_send_id:
        return md.code(request.created_send_id)
    return md.code(request.send_id) if request.send_id else t(Msg.GENERATED_BY_BRAZE)


def _reason(t: Translator, request: SendIdRequest) -> str:
    if not request.reject_reason:
        return ""
    return t(Msg.REASON_SUFFIX, reason=md.escape(request.reject_reason))


def _who(t: Translator, request: SendIdRequest) -> str:
    return md.user(request.decided_by) if request.decided_by else t(Msg.SOMEONE)


def _status_line(t: Translator, request: SendIdRequest) -> str:
    state = request.state
    who = _who(t, request)
    when = date(t, request.decided_at) if request.decided_at else ""
    if state is RequestState.PENDING:
        return t(Msg.STATUS_PENDING, expires=date(t, request.expires_at))
    if state is RequestState.APPROVED:
        return t(Msg.STATUS_APPROVED, who=who, when=when)
    if state is RequestState.CREATED:
        return t(Msg.STATUS_CREATED, who=who, send_id=send_id_label(t, request))
    if state is RequestState.FAILED:
        return t(Msg.STATUS_FAILED, who=who)
    if state is RequestState.REJECTED:
        return t(Msg.STATUS_REJECTED, who=who, when=when, reason=_reason(t, request))
    if state is RequestState.EXPIRED:
        return t(Msg.STATUS_EXPIRED)
    return t(Msg.STATUS_CANCELLED, who=who)


def card_text(t: Translator, request: SendIdRequest) -> str:
    """Notification / fallback text; mrkdwn-escaped like everything else."""
    return t(
        Msg.CARD_TEXT,
        requester=md.user(request.requester_id),
        campaign=campaign_label(request),
        state=state_name(t, request.state),
    )


def decision_buttons(t: Translator, request: SendIdRequest) -> list[dict[str, Any]]:
    """Approve (with a confirmation) and Reject, as on the card and in the App Home."""
    return [
        {
            "type": "button",
            "action_id": APPROVE,
            "style": "primary",
            "text": _text(t(Msg.BUTTON_APPROVE)),
            "value": request.id,
            "confirm": {
                "title": _text(t(Msg.CONFIRM_APPROVE_TITLE)),
                "text": _text(t(Msg.CONFIRM_APPROVE_TEXT)),
                "confirm": _text(t(Msg.BUTTON_APPROVE)),
                "deny": _text(t(Msg.MODAL_BACK)),
            },
        },
        {
            "type": "button",
            "action_id": REJECT,
            "style": "danger",
            "text": _text(t(Msg.BUTTON_REJECT)),
            "value": request.id,
        },
    ]


def approval_card(t: Translator, request: SendIdRequest) -> list[Block]:
    blocks: list[Block] = [
        {"type": "header", "text": _text(t(Msg.CARD_HEADER))},
        {
            "type": "section",
            "fields": [
                _field(f"{t(Msg.FIELD_CAMPAIGN)}\n{campaign_label(request)}"),
                _field(f"{t(Msg.FIELD_SEND_ID)}\n{send_id_label(t, request)}"),
                _field(f"{t(Msg.FIELD_REQUESTED_BY)}\n{md.user(request.requester_id)}"),
                _field(f"{t(Msg.FIELD_REQUESTED_AT)}\n{date(t, request.created_at)}"),
            ],
        },
        _context(_status_line(t, request)),
    ]
    if request.state is RequestState.PENDING:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"decide:{request.id}",
                "elements": [
                    *decision_buttons(t, request),
                    {
                        "type": "button",
                        "action_id": CANCEL,
                        "text": _text(t(Msg.BUTTON_CANCEL)),
                        "value": request.id,
                        "confirm": {
                            "title": _text(t(Msg.CONFIRM_CANCEL_TITLE)),
                            "text": _text(t(Msg.CONFIRM_CANCEL_TEXT)),
                            "confirm": _text(t(Msg.BUTTON_CANCEL)),
                            "deny": _text(t(Msg.MODAL_BACK)),
                        },
                    },
                ],
            }
        )
    return blocks


# ---- thread replies -------------------------------------------------------------------------


def quota_line(t: Translator, quota: QuotaSnapshot | None) -> str:
    if quota is None or quota.remaining is None:
        return t(Msg.QUOTA_UNKNOWN)
    limit = t(Msg.QUOTA_OF_LIMIT, limit=quota.limit) if quota.limit is not None else ""
    reset = t(Msg.QUOTA_RESETS, when=date(t, quota.reset_at)) if quota.reset_at else ""
    return t(Msg.QUOTA_LINE, remaining=quota.remaining, limit=limit, reset=reset)


def created_reply(
    t: Translator, request: SendIdRequest, quota: QuotaSnapshot | None
) -> tuple[str, list[Block]]:
    if request.created_send_id is None:
        raise ValueError(f"request {request.id} has created no send ID to announce")
    send_id = md.code(request.created_send_id)
    blocks = [
        _section(t(Msg.CREATED_HEAD, send_id=send_id)),
        {
            "type": "section",
            "fields": [
                _field(f"{t(Msg.FIELD_CAMPAIGN)}\n{campaign_label(request)}"),
                _field(f"{t(Msg.FIELD_REQUESTED_BY)}\n{md.user(request.requester_id)}"),
                _field(f"{t(Msg.FIELD_APPROVED_BY)}\n{_who(t, request)}"),
                _field(f"{t(Msg.FIELD_QUOTA)}\n{quota_line(t, quota)}"),
            ],
        },
        _context(t(Msg.USAGE_HINT)),
        {
            "type": "actions",
            "block_id": f"results:{request.id}",
            "elements": [
                {
                    "type": "button",
                    "action_id": RESULTS,
                    "text": _text(t(Msg.BUTTON_RESULTS)),
                    "value": request.id,
                }
            ],
        },
    ]
    return t(Msg.CREATED_TEXT, send_id=send_id), blocks


def failure_words(t: Translator, kind: FailureKind) -> str:
    return t(Msg(f"failure.{kind.value}"))


def failed_reply(
    t: Translator, request: SendIdRequest, quota: QuotaSnapshot | None
) -> tuple[str, list[Block]]:
    kind = request.failure_kind or FailureKind.UNEXPECTED
    words = failure_words(t, kind)
    detail = ""
    if request.failure_message and kind in (FailureKind.REJECTED_BY_BRAZE, FailureKind.UNEXPECTED):
        detail = t(Msg.FAILED_BRAZE_SAID, message=md.escape(request.failure_message[:400]))
    if kind is FailureKind.QUOTA and quota is not None and quota.reset_at is not None:
        words += t(Msg.FAILED_QUOTA_UNTIL, when=date(t, quota.reset_at))
    blocks: list[Block] = [_section(t(Msg.FAILED_HEAD, words=words, detail=detail))]
    if kind.retry_allowed:
        button: dict[str, Any] = {
            "type": "button",
            "action_id": RETRY,
            "text": _text(t(Msg.BUTTON_RETRY)),
            "value": request.id,
        }
        if kind.retry_needs_confirmation:
            button["confirm"] = {
                "title": _text(t(Msg.CONFIRM_RETRY_TITLE)),
                "text": _text(t(Msg.CONFIRM_RETRY_TEXT)),
                "confirm": _text(t(Msg.BUTTON_RETRY)),
                "deny": _text(t(Msg.MODAL_BACK)),
            }
        blocks.append({"type": "actions", "block_id": f"retry:{request.id}", "elements": [button]})
        blocks.append(_context(t(Msg.FAILED_RETRY_HINT)))
    return t(Msg.FAILED_TEXT, words=words), blocks


def rejected_reply(t: Translator, request: SendIdRequest) -> str:
    return t(
        Msg.REJECTED_REPLY,
        who=_who(t, request),
        requester=md.user(request.requester_id),
        reason=_reason(t, request),
    )


def expired_reply(t: Translator, request: SendIdRequest) -> str:
    return t(Msg.EXPIRED_REPLY, requester=md.user(request.requester_id))


def cancelled_reply(t: Translator, request: SendIdRequest) -> str:
    return t(Msg.CANCELLED_REPLY, requester=md.user(request.requester_id))


def reminder_reply(
    t: Translator, request: SendIdRequest, user_ids: Sequence[str], group_ids: Sequence[str]
) -> str:
    mentions = [md.user(u) for u in user_ids] + [md.usergroup(g) for g in group_ids]
    return t(Msg.REMINDER_REPLY, approvers=" ".join(mentions), expires=date(t, request.expires_at))


def stats_text(t: Translator, request: SendIdRequest, stats: SendStats) -> str:
    """A created send ID's results per messaging channel, from Braze's /sends/data_series."""
    if request.created_send_id is None:
        raise ValueError(f"request {request.id} has created no send ID to show results of")
    days = stats.length
    lines = [
        t(
            Msg.STATS_TITLE,
            send_id=md.code(request.created_send_id),
            campaign=campaign_label(request),
            days=days,
        )
    ]
    totals = stats.totals_by_channel()
    if not totals:
        lines.append(t(Msg.STATS_EMPTY, days=days))
    for channel, counts in sorted(totals.items()):
        lines.append(
            t(
                Msg.STATS_LINE,
                channel=md.escape(channel),
                sent=f"{counts.sent:,}",
                delivered=f"{counts.delivered:,}",
                opens=f"{counts.opens:,}",
                clicks=f"{counts.clicks:,}",
                conversions=f"{counts.conversions:,}",
            )
        )
    if totals:
        conversions = sum(d.conversions for d in stats.days)
        recipients = sum(d.unique_recipients for d in stats.days)
        lines.append(
            t(Msg.STATS_TOTAL, conversions=f"{conversions:,}", recipients=f"{recipients:,}")
        )
    lines.append(t(Msg.STATS_RETENTION, days=SEND_ANALYTICS_RETENTION_DAYS))
    return "\n".join(lines)


# ---- App Home -------------------------------------------------------------------------------

QUOTA_BAR_WIDTH = 20


def quota_bar(quota: QuotaSnapshot) -> str:
    """A text bar of the quota used: filled = used, empty = left."""
    if not quota.limit or quota.remaining is None:
        raise ValueError("a quota bar needs a known, positive limit and what remains of it")
    used = max(0, min(quota.limit, quota.limit - quota.remaining))
    filled = round(QUOTA_BAR_WIDTH * used / quota.limit)
    return "█" * filled + "░" * (QUOTA_BAR_WIDTH - filled)


def _home_quota(t: Translator, quota: QuotaSnapshot | None) -> str:
    if quota is None or quota.remaining is None or not quota.limit:
        return t(Msg.HOME_QUOTA_UNKNOWN)
    reset = t(Msg.QUOTA_RESETS, when=date(t, quota.effective_reset))
    used = max(0, quota.limit - quota.remaining)
    return t(
        Msg.HOME_QUOTA_BAR,
        bar=quota_bar(quota),
        used=used,
        remaining=quota.remaining,
        limit=quota.limit,
        reset=reset,
    )


def home_view(
    t: Translator,
    *,
    channels: Sequence[str],
    mine: Sequence[SendIdRequest],
    to_decide: Sequence[SendIdRequest] | None,
    quota: QuotaSnapshot | None,
) -> dict[str, Any]:
    """The App Home tab. `to_decide` is None for people who approve nothing."""
    blocks: list[Block] = [
        {"type": "header", "text": _text(t(Msg.HOME_HEADER))},
        _section(t(Msg.HOME_INTRO, channels=channels_list(channels))),
        {"type": "divider"},
        _section(f"{t(Msg.HOME_QUOTA_TITLE)}\n{_home_quota(t, quota)}"),
    ]
    if to_decide is not None:
        blocks += [{"type": "divider"}, _section(t(Msg.HOME_PENDING_TITLE))]
        if not to_decide:
            blocks.append(_context(t(Msg.HOME_PENDING_EMPTY)))
        for request in to_decide:
            line = t(
                Msg.HOME_PENDING_LINE,
                requester=md.user(request.requester_id),
                channel=md.channel(request.channel_id),
                campaign=campaign_label(request),
                send_id=send_id_label(t, request),
                when=date(t, request.created_at),
            )
            blocks.append(_section(line))
            if request.state is RequestState.PENDING:  # it may have been decided meanwhile
                # Same buttons and rules as on the card; Cancel is the requester's, not here.
                buttons = decision_buttons(t, request)
                blocks.append(
                    {"type": "actions", "block_id": f"home:{request.id}", "elements": buttons}
                )
    blocks += [{"type": "divider"}, _section(t(Msg.HOME_MINE_TITLE))]
    if not mine:
        blocks.append(_context(t(Msg.HOME_MINE_EMPTY)))
    for request in mine:
        blocks.append(
            _context(
                t(
                    Msg.HOME_MINE_LINE,
                    when=date(t, request.created_at, short=True),
                    channel=md.channel(request.channel_id),
                    campaign=campaign_label(request),
                    send_id=send_id_label(t, request),
                    state=state_name(t, request.state),
                )
            )
        )
    # Slack allows 100 blocks in a Home tab; the lists above are bounded well below that.
    return {"type": "home", "blocks": blocks[:100]}


# ---- ephemeral answers ----------------------------------------------------------------------


def channels_list(channel_ids: Sequence[str]) -> str:
    return ", ".join(md.channel(c) for c in channel_ids)


def not_permitted_text(t: Translator, channel_ids: Sequence[str]) -> str:
    return t(Msg.NOT_PERMITTED, channels=channels_list(channel_ids))


def history_text(t: Translator, requests: Sequence[SendIdRequest]) -> str:
    if not requests:
        return t(Msg.HISTORY_EMPTY)
    lines = [t(Msg.HISTORY_TITLE)]
    for r in requests:
        lines.append(
            t(
                Msg.HISTORY_LINE,
                when=date(t, r.created_at, short=True),
                requester=md.user(r.requester_id),
                campaign=campaign_label(r),
                send_id=send_id_label(t, r),
                state=state_name(t, r.state),
            )
        )
    return "\n".join(lines)


def quota_text(t: Translator, quota: QuotaSnapshot | None, now: datetime) -> str:
    if quota is None:
        return t(Msg.QUOTA_NOTHING_KNOWN)
    used_up = t(Msg.QUOTA_USED_UP) if quota.exhausted(now) else ""
    return t(
        Msg.QUOTA_REPORT,
        line=quota_line(t, quota),
        used_up=used_up,
        seen=date(t, quota.observed_at),
    )
