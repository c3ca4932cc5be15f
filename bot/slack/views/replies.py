"""Replies in a card's thread: what happened to the request, and the reminder."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.models import FailureKind, QuotaSnapshot, RequestState, SendIdRequest
from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md
from bot.slack.views import ids
from bot.slack.views.elements import Block, button, confirmation, context, field, section
from bot.slack.views.labels import (
    campaign_label,
    date,
    decided_by,
    quota_line,
    reason_suffix,
    shown_workspace,
)

# Braze's message is quoted, not a novel.
BRAZE_MESSAGE_MAX = 400


def reply_for(
    t: Translator, request: SendIdRequest, quota: QuotaSnapshot | None
) -> tuple[str, list[Block] | None] | None:
    """The thread reply saying what the request's state means (text, blocks); None while
    there is nothing to say (pending, or approved with Braze's answer still to come)."""
    if request.state is RequestState.CREATED:
        return created_reply(t, request, quota)
    if request.state is RequestState.FAILED:
        return failed_reply(t, request, quota)
    if request.state is RequestState.REJECTED:
        return rejected_reply(t, request), None
    if request.state is RequestState.EXPIRED:
        return expired_reply(t, request), None
    if request.state is RequestState.CANCELLED:
        return cancelled_reply(t, request), None
    return None


def created_reply(
    t: Translator, request: SendIdRequest, quota: QuotaSnapshot | None
) -> tuple[str, list[Block]]:
    if request.created_send_id is None:
        raise ValueError(f"request {request.id} has created no send ID to announce")
    send_id = md.code(request.created_send_id)
    blocks = [
        section(t(Msg.CREATED_HEAD, send_id=send_id)),
        {
            "type": "section",
            "fields": [
                field(f"{t(Msg.FIELD_CAMPAIGN)}\n{campaign_label(request)}"),
                field(f"{t(Msg.FIELD_REQUESTED_BY)}\n{md.user(request.requester_id)}"),
                field(f"{t(Msg.FIELD_APPROVED_BY)}\n{decided_by(t, request)}"),
                # The quota of the request's own Braze workspace (named unless the default).
                field(
                    f"{t(Msg.FIELD_QUOTA)}\n"
                    f"{quota_line(t, quota, shown_workspace(request.workspace))}"
                ),
            ],
        },
        context(t(Msg.USAGE_HINT)),
        {
            "type": "actions",
            "block_id": ids.row_id(ids.RESULTS_ROW, request.id),
            "elements": [button(ids.RESULTS, t(Msg.BUTTON_RESULTS), request.id)],
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
        message = md.inert(request.failure_message, BRAZE_MESSAGE_MAX)
        detail = t(Msg.FAILED_BRAZE_SAID, message=message)
    if kind is FailureKind.QUOTA and quota is not None and quota.reset_at is not None:
        words += t(Msg.FAILED_QUOTA_UNTIL, when=date(t, quota.reset_at))
    blocks: list[Block] = [section(t(Msg.FAILED_HEAD, words=words, detail=detail))]
    if kind.retry_allowed:
        retry = button(ids.RETRY, t(Msg.BUTTON_RETRY), request.id)
        if kind.retry_needs_confirmation:
            retry["confirm"] = confirmation(
                t, Msg.CONFIRM_RETRY_TITLE, Msg.CONFIRM_RETRY_TEXT, Msg.BUTTON_RETRY
            )
        blocks.append(
            {
                "type": "actions",
                "block_id": ids.row_id(ids.RETRY_ROW, request.id),
                "elements": [retry],
            }
        )
        blocks.append(context(t(Msg.FAILED_RETRY_HINT)))
    return t(Msg.FAILED_TEXT, words=words), blocks


def rejected_reply(t: Translator, request: SendIdRequest) -> str:
    return t(
        Msg.REJECTED_REPLY,
        who=decided_by(t, request),
        requester=md.user(request.requester_id),
        reason=reason_suffix(t, request),
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
