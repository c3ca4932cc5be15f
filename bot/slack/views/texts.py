"""Private answers as plain mrkdwn text: refusals, "already decided", history, quota, results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain import problems
from bot.domain.analytics import SEND_ANALYTICS_RETENTION_DAYS, SendStats
from bot.domain.models import FailureKind, QuotaSnapshot, RequestState, SendIdRequest
from bot.domain.policy import Refusal
from bot.domain.problems import Problem
from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md
from bot.slack.views.labels import (
    approvals_progress,
    approved_by,
    campaign_short,
    channels_list,
    date,
    decided_by,
    in_workspace,
    plain_request,
    quota_line,
    request_line,
    rich_request,
    waiting_words,
)

# Braze's message about missing results is quoted, not a novel.
BRAZE_MESSAGE_MAX = 200

_REFUSALS = {
    Refusal.WRONG_CHANNEL: Msg.REFUSAL_WRONG_CHANNEL,
    Refusal.NOT_APPROVER: Msg.REFUSAL_NOT_APPROVER,
    Refusal.SELF_APPROVAL: Msg.REFUSAL_SELF_APPROVAL,
    Refusal.NOT_REQUESTER: Msg.REFUSAL_NOT_REQUESTER,
    Refusal.NOT_ADMIN: Msg.REFUSAL_NOT_ADMIN,
    Refusal.NOT_MEMBER: Msg.REFUSAL_NOT_MEMBER,
}


# Braze's messaging channel keys (/sends/data_series) that have words in the catalogues.
CHANNEL_WORDS = {
    m.value.removeprefix("stats.channel."): m for m in Msg if m.value.startswith("stats.channel.")
}

# Inline form errors are plain text and should stay short: the pending requests named at most.
PENDING_NAMED_MAX = 5


def problem_text(t: Translator, problem: Problem, *, rich: bool = False) -> str:
    """A domain problem in the reader's words: plain text for inline form errors; `rich` for a
    message, where a time shows as a Slack date in the reader's own time zone."""
    params = dict(problem.params)
    if problem.code == problems.QUOTA_USED_UP:
        reset_at, seconds = params.pop("reset_at"), params.pop("seconds_left")
        rich_reset = rich and isinstance(reset_at, datetime)
        params["reset"] = date(t, reset_at) if rich_reset else in_duration(t, int(seconds))  # type: ignore[arg-type,call-overload]
    if problem.code == problems.TOO_MANY_PENDING:
        pending = list(params.pop("pending"))  # type: ignore[call-overload]
        # In a message (mrkdwn) the names are escaped: a campaign name is foreign text.
        name = rich_request if rich else plain_request
        named = [name(t, r) for r in pending[:PENDING_NAMED_MAX]]
        if len(pending) > PENDING_NAMED_MAX:
            named.append("…")
        params.update(count=len(pending), pending="; ".join(named))
        if len(pending) == 1:  # "1 requests" would be wrong: the text for one
            return t(Msg.PROBLEM_TOO_MANY_PENDING_ONE, pending=params["pending"])
    return t(Msg(f"problem.{problem.code}"), **params)


def in_duration(t: Translator, seconds: int) -> str:
    """ "in 3 h 20 min": when something happens, in plain text (rounded up to a minute)."""
    minutes = max(1, -(-seconds // 60))
    if minutes < 60:
        return t(Msg.IN_MINUTES, minutes=minutes)
    return t(Msg.IN_HOURS, hours=minutes // 60, minutes=minutes % 60)


def not_permitted_text(t: Translator, channel_ids: Sequence[str]) -> str:
    return t(Msg.NOT_PERMITTED, channels=channels_list(channel_ids))


def refusal_text(t: Translator, refusal: Refusal, permitted_channels: Sequence[str]) -> str:
    """Why nothing changed, for the person refused."""
    if refusal is Refusal.CHANNEL_NOT_PERMITTED:
        return t(Msg.REFUSAL_CHANNEL, channels=channels_list(permitted_channels))
    return t(_REFUSALS[refusal])


def already_decided_text(t: Translator, request: SendIdRequest | None) -> str:
    """What became of a request someone tried to act on, when it is too late to act."""
    if request is None:
        return t(Msg.ALREADY_UNKNOWN)
    who = decided_by(t, request)
    when = f" {date(t, request.decided_at)}" if request.decided_at else ""
    state = request.state
    if state in (RequestState.APPROVED, RequestState.CREATED, RequestState.FAILED):
        return t(Msg.ALREADY_APPROVED, who=approved_by(t, request), when=when)
    if state is RequestState.REJECTED:
        return t(Msg.ALREADY_REJECTED, who=who, when=when)
    if state is RequestState.EXPIRED:
        return t(Msg.ALREADY_EXPIRED)
    if state is RequestState.CANCELLED:
        return t(Msg.ALREADY_CANCELLED)
    if request.approvals_required > 1:
        return t(
            Msg.ALREADY_PENDING_PROGRESS,
            progress=approvals_progress(t, request),
            waiting=waiting_words(t, request),
        )
    return t(Msg.ALREADY_PENDING)


def approval_counted_text(t: Translator, request: SendIdRequest) -> str:
    """To an approver whose approval counted but was not the last one needed."""
    return t(
        Msg.APPROVAL_COUNTED,
        progress=approvals_progress(t, request),
        waiting=waiting_words(t, request),
    )


def already_counted_text(t: Translator, request: SendIdRequest) -> str:
    """To an approver who clicked Approve again: the same person never counts twice."""
    return t(
        Msg.APPROVAL_ALREADY_COUNTED,
        progress=approvals_progress(t, request),
        waiting=waiting_words(t, request),
    )


def results_unavailable_text(t: Translator, kind: FailureKind, braze_message: str) -> str:
    """Why Braze gave no results for a send ID."""
    if kind is FailureKind.PERMISSION:
        return t(Msg.STATS_FORBIDDEN)
    if kind is FailureKind.REJECTED_BY_BRAZE:
        return t(Msg.STATS_NO_DATA, message=md.inert(braze_message, BRAZE_MESSAGE_MAX))
    return t(Msg.STATS_UNAVAILABLE)


def history_text(t: Translator, requests: Sequence[SendIdRequest]) -> str:
    if not requests:
        return t(Msg.HISTORY_EMPTY)
    lines = [t(Msg.HISTORY_TITLE)]
    lines += [request_line(t, Msg.HISTORY_LINE, r, short=True) for r in requests]
    return "\n".join(lines)


def quota_text(
    t: Translator, quota: QuotaSnapshot | None, now: datetime, workspace: str | None = None
) -> str:
    """`/sendid quota`: what is known of one Braze workspace's quota (named unless None)."""
    if quota is None:
        return in_workspace(t, workspace, t(Msg.QUOTA_NOTHING_KNOWN))
    used_up = t(Msg.QUOTA_USED_UP) if quota.exhausted(now) else ""
    return t(
        Msg.QUOTA_REPORT,
        line=quota_line(t, quota, workspace),
        used_up=used_up,
        seen=date(t, quota.observed_at),
    )


def number(t: Translator, value: int) -> str:
    """A count as the reader's language writes it: 1,234 or 1.234."""
    return f"{value:,}".replace(",", t(Msg.NUMBER_GROUPING))


def channel_words(t: Translator, key: str) -> str:
    """Braze's channel key (`ios_push`) in words (iOS push); an unknown key as Braze sent it."""
    known = CHANNEL_WORDS.get(key)
    return t(known) if known is not None else md.inert(key.replace("_", " "), 40)


def stats_text(t: Translator, request: SendIdRequest, stats: SendStats) -> str:
    """A created send ID's results per messaging channel, from Braze's /sends/data_series."""
    if request.created_send_id is None:
        raise ValueError(f"request {request.id} has created no send ID to show results of")
    days = stats.length
    lines = [
        t(
            Msg.STATS_TITLE,
            send_id=md.code(request.created_send_id),
            campaign=campaign_short(request),
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
                channel=channel_words(t, channel),
                sent=number(t, counts.sent),
                delivered=number(t, counts.delivered),
                opens=number(t, counts.opens),
                clicks=number(t, counts.clicks),
            )
        )
    if totals:
        # Braze's day-level conversions, once: the channels' own would count them again.
        conversions = sum(d.conversions for d in stats.days)
        recipients = sum(d.unique_recipients for d in stats.days)
        lines.append(
            t(
                Msg.STATS_TOTAL,
                conversions=number(t, conversions),
                recipients=number(t, recipients),
            )
        )
    lines.append(t(Msg.STATS_RETENTION, days=SEND_ANALYTICS_RETENTION_DAYS))
    return "\n".join(lines)
