"""How a request and its parts read in mrkdwn: dates, campaign, send ID, people, quota."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.models import QuotaSnapshot, RequestState, SendIdRequest
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md

# Braze's campaign names are short; a longer one is cut rather than crowd the card.
CAMPAIGN_NAME_MAX = 200


def plain(text: str, limit: int) -> str:
    """`text` for a plain-text place (an inline form error): line breaks, control and format
    characters (bidi overrides, zero-width) become spaces, so it can fake no line and reorder
    nothing; at most `limit` characters."""
    return md.clip(md.fold(text), limit)


def plain_request(t: Translator, request: SendIdRequest) -> str:
    """A request in plain text: campaign (name, else ID) / send ID."""
    campaign = plain(request.campaign_name or request.campaign_id, 40)
    send_id = request.send_id or t(Msg.GENERATED_BY_BRAZE).strip("_*")
    return f"{campaign} / {plain(send_id, 64)}"


def rich_request(t: Translator, request: SendIdRequest) -> str:
    """A request in a message (mrkdwn, escaped): campaign / send ID."""
    return f"{campaign_short(request)} / {send_id_label(t, request)}"


def either(t: Translator, people: Sequence[str]) -> str:
    """ "@a, @b or @c": several people, any one of whom may act (so a sentence about them
    takes a singular verb, in German too); "someone" for nobody."""
    if not people:
        return t(Msg.ANYONE)
    if len(people) == 1:
        return people[0]
    return f"{', '.join(people[:-1])} {t(Msg.OR)} {people[-1]}"


def date(t: Translator, moment: datetime, short: bool = False) -> str:
    return md.date(moment, t(Msg.DATE_SHORT if short else Msg.DATE_PRETTY))


def state_name(t: Translator, state: RequestState) -> str:
    return t(Msg(f"state.{state.value}"))


def request_state_name(t: Translator, request: SendIdRequest) -> str:
    """The request's state in a word or two: "status unknown" where it failed in a way that
    admits Braze may have created the send ID; a pending one needing several approvals says how
    far it is ("pending, 1 of 2 approvals: @ana")."""
    if request.state is RequestState.PENDING and request.approvals_required > 1:
        return t(Msg.STATE_PENDING_PROGRESS, progress=approvals_progress(t, request))
    return t(Msg.STATE_UNKNOWN) if request.outcome_unknown else state_name(t, request.state)


def approvals_progress(t: Translator, request: SendIdRequest) -> str:
    """How far a request needing several approvals is: "1 of 2 approvals: @ana" (named as the
    card names approvers; shown on updates and in private answers, which ping nobody)."""
    count, required = len(request.approvals), request.approvals_required
    if not request.approvals:
        return t(Msg.APPROVALS_NONE, required=required)
    who = ", ".join(md.user(a) for a in request.approvals)
    return t(Msg.APPROVALS_PROGRESS, count=count, required=required, who=who)


def approvals_count(t: Translator, request: SendIdRequest) -> str:
    """How far it is, without names: for thread replies, where a name would ping."""
    count, required = len(request.approvals), request.approvals_required
    return t(Msg.APPROVALS_COUNT, count=count, required=required)


def waiting_words(t: Translator, request: SendIdRequest) -> str:
    """What a pending request still waits for: "waiting for one more approver" (none: its
    claim was undone before Braze was called, and the next Approve claims it again)."""
    missing = request.approvals_missing
    if missing == 0:
        return t(Msg.WAITING_NONE)
    if missing == 1:
        return t(Msg.WAITING_ONE_MORE)
    return t(Msg.WAITING_MORE, count=missing)


def channels_list(channel_ids: Sequence[str]) -> str:
    return ", ".join(md.channel(c) for c in channel_ids)


def campaign_label(request: SendIdRequest) -> str:
    name = md.inert(request.campaign_name or "", CAMPAIGN_NAME_MAX)
    return f"{name} ({md.code(request.campaign_id)})" if name else md.code(request.campaign_id)


def campaign_short(request: SendIdRequest) -> str:
    """The campaign in a line of a list: its name, else the start of its ID (the card and its
    thread show the whole ID)."""
    name = md.inert(request.campaign_name or "", CAMPAIGN_NAME_MAX)
    return name or md.code(f"{request.campaign_id[:8]}…")


def send_id_label(t: Translator, request: SendIdRequest) -> str:
    if request.created_send_id:
        return md.code(request.created_send_id)
    return md.code(request.send_id) if request.send_id else t(Msg.GENERATED_BY_BRAZE)


def decided_by(t: Translator, request: SendIdRequest) -> str:
    return md.user(request.decided_by) if request.decided_by else t(Msg.SOMEONE)


def approved_by(t: Translator, request: SendIdRequest) -> str:
    """Who approved it (every approver where it took several), and who clicked the last Retry
    where someone did: the approvers who signed off stay named."""
    several = request.approvals_required > 1 and len(request.approvals) > 1
    approver = (
        ", ".join(md.user(a) for a in request.approvals) if several else decided_by(t, request)
    )
    if not request.retried_by:
        return approver
    return t(Msg.RETRIED_BY, approver=approver, retrier=md.user(request.retried_by))


def reason_suffix(t: Translator, request: SendIdRequest) -> str:
    if not request.reject_reason:
        return ""
    return t(Msg.REASON_SUFFIX, reason=md.inert(request.reject_reason))


def shown_workspace(workspace: str) -> str | None:
    """The Braze workspace's name where a text should name it: every one but the default (an
    installation with one workspace never sees a name)."""
    return None if workspace == DEFAULT_WORKSPACE else workspace


def in_workspace(t: Translator, workspace: str | None, text: str) -> str:
    """`text` (about one Braze workspace, its quota) naming the workspace; None: unnamed."""
    if workspace is None:
        return text
    return t(Msg.IN_WORKSPACE, workspace=md.inert(workspace), text=text)


def quota_line(t: Translator, quota: QuotaSnapshot | None, workspace: str | None = None) -> str:
    """What is known of a workspace's quota today (naming `workspace` unless None)."""
    if quota is None or quota.remaining is None:
        return in_workspace(t, workspace, t(Msg.QUOTA_UNKNOWN))
    limit = t(Msg.QUOTA_OF_LIMIT, limit=quota.limit) if quota.limit is not None else ""
    reset = t(Msg.QUOTA_RESETS, when=date(t, quota.reset_at)) if quota.reset_at else ""
    line = t(Msg.QUOTA_LINE, remaining=quota.remaining, limit=limit, reset=reset)
    return in_workspace(t, workspace, line)


def request_line(t: Translator, line: Msg, request: SendIdRequest, *, short: bool = False) -> str:
    """One request as a line of a list; the catalogue text `line` picks what it shows of it
    (`when`, `requester`, `channel`, `campaign`, `send_id`, `state`)."""
    return t(
        line,
        when=date(t, request.created_at, short=short),
        requester=md.user(request.requester_id),
        channel=md.channel(request.channel_id),
        campaign=campaign_short(request),
        send_id=send_id_label(t, request),
        state=request_state_name(t, request),
    )
