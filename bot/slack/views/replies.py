"""Replies in a card's thread: what happened to the request, and the reminder."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.analytics import SEND_ANALYTICS_RETENTION_DAYS
from bot.domain.models import FailureKind, QuotaSnapshot, RequestState, SendIdRequest
from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md
from bot.slack.views import ids, labels
from bot.slack.views.card import campaign_words
from bot.slack.views.elements import Block, button, confirmation, context, field, section

# Braze's message is quoted, not a novel.
BRAZE_MESSAGE_MAX = 400


def reply_for(
    t: Translator,
    request: SendIdRequest,
    quota: QuotaSnapshot | None,
    people: Addressees | None = None,
) -> tuple[str, list[Block] | None] | None:
    """The thread reply saying what the request's state means (text, blocks); None while
    there is nothing to say (pending, or approved with Braze's answer still to come)."""
    if request.state is RequestState.CREATED:
        return created_reply(t, request, quota)
    if request.state is RequestState.FAILED:
        return failed_reply(t, request, quota, people)
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
    # Created after the thread said "status unknown" (Braze's answer came late): say so.
    after_all = (
        [context(t(Msg.CREATED_AFTER_ALL))]
        if request.failure_kind is FailureKind.OUTCOME_UNKNOWN
        else []
    )
    blocks = [
        section(t(Msg.CREATED_HEAD, send_id=send_id)),
        *after_all,
        {
            "type": "section",
            "fields": [
                field(f"{t(Msg.FIELD_CAMPAIGN)}\n{labels.campaign_label(request)}"),
                field(f"{t(Msg.FIELD_REQUESTED_BY)}\n{md.user(request.requester_id)}"),
                field(f"{t(Msg.FIELD_APPROVED_BY)}\n{labels.approved_by(t, request)}"),
                # The quota of the request's own Braze workspace (named unless the default).
                field(
                    f"{t(Msg.FIELD_QUOTA)}\n"
                    f"{labels.quota_line(t, quota, labels.shown_workspace(request.workspace))}"
                ),
            ],
        },
        section(f"{t(Msg.USAGE_HINT)}\n{next_call_snippet(request)}"),
        context(t(Msg.CREATED_RESULTS_HINT, days=SEND_ANALYTICS_RETENTION_DAYS)),
        {
            "type": "actions",
            "block_id": ids.row_id(ids.RESULTS_ROW, request.id),
            "elements": [button(ids.RESULTS, t(Msg.BUTTON_RESULTS), request.id)],
        },
    ]
    text = t(
        Msg.CREATED_TEXT,
        requester=md.user(request.requester_id),
        send_id=md.code(request.created_send_id, defused=True),
        campaign=campaign_words(request),
    )
    return text, blocks


def next_call_snippet(request: SendIdRequest) -> str:
    """The JSON to put into the next Braze call, as a code block that copies exactly: JSON's
    own escape for a backtick (so no ``` can close the block), Slack's for `<`, `>`, `&`."""
    body = json.dumps({"campaign_id": request.campaign_id, "send_id": request.created_send_id})
    return "```" + md.escape(body.replace("`", "\\u0060")) + "```"


def failure_words(t: Translator, kind: FailureKind) -> str:
    return t(Msg(f"failure.{kind.value}"))


@dataclass(frozen=True, slots=True)
class Addressees:
    """Who a failure reply names (mentions, "" for nobody), and until when the request's Braze
    workspace has no quota left (None: it has, or nothing is known)."""

    # Who owns the retry (mentioned): the approver who approved it, or who retried it last;
    # the other approvers may retry too, and read it in the thread.
    retrier: str = ""
    admins: str = ""  # SENDID_ADMINS, or the channel's approvers where it is unset
    quota_back_at: datetime | None = None


def failed_reply(
    t: Translator,
    request: SendIdRequest,
    quota: QuotaSnapshot | None,
    people: Addressees | None = None,
) -> tuple[str, list[Block]]:
    """Why the send ID was not created (or that it may have been: status unknown), naming the
    requester and who acts next. A Retry button only where a retry can succeed now: never after
    Braze refused the input, never while the quota is used up; after a setup failure for the
    admins alone (checked on click), so that one always has a working Retry, whether or not
    their DM reached them."""
    people = people or Addressees()
    kind = request.failure_kind or FailureKind.UNEXPECTED
    named = {
        "requester": md.user(request.requester_id),
        "send_id": labels.send_id_label(t, request),
        "campaign": labels.campaign_label(request),
    }
    retrier = people.retrier
    retry_next = t(Msg.FAILED_RETRY_NEXT, approver=retrier) if retrier else ""
    retry_next = retry_next or t(Msg.FAILED_RETRY_HINT)
    offer_retry = kind.retry_allowed
    detail = ""
    if request.failure_message and kind in (FailureKind.REJECTED_BY_BRAZE, FailureKind.UNEXPECTED):
        message = md.inert(request.failure_message, BRAZE_MESSAGE_MAX)
        detail = t(Msg.FAILED_BRAZE_SAID, message=message)
    if kind.may_have_created:
        # Never "not created": Braze may have created it (a 5xx, a timeout, an unreadable answer).
        head = t(Msg.UNKNOWN_HEAD, detail=detail, **named)
        # Without a send ID of our own, a retry cannot ask for "the same" one: Braze makes a
        # new one, and one it may have made the first time stays unused.
        unknown_next = Msg.UNKNOWN_NEXT if request.send_id else Msg.UNKNOWN_NEXT_GENERATED
        next_step = t(unknown_next, approver=retrier or t(Msg.ANYONE))
    else:
        words = t(Msg.FAILED_SETUP_WORDS) if kind.needs_admin else failure_words(t, kind)
        head = t(Msg.FAILED_HEAD, words=words, detail=detail, **named)
        next_step = retry_next
        if kind is FailureKind.REJECTED_BY_BRAZE:
            next_step = t(Msg.FAILED_REJECTED_NEXT, requester=named["requester"])
        elif kind.needs_admin:
            next_step = t(
                Msg.FAILED_SETUP_NEXT,
                admins=people.admins or t(Msg.SOMEONE),
                until=labels.date(t, request.expires_at),
            )
        elif kind is FailureKind.QUOTA and people.quota_back_at is not None:
            offer_retry = False
            next_step = t(
                Msg.FAILED_QUOTA_NEXT,
                when=labels.date(t, people.quota_back_at),
                approver=retrier or t(Msg.ANYONE),
            )
    # The notification text is the message itself: it names the same people, so they are told.
    text = f"{head}\n{next_step}"
    blocks: list[Block] = [section(text)]
    if offer_retry:
        blocks.append(retry_row(t, request))
    return text, blocks


def retry_row(t: Translator, request: SendIdRequest) -> Block:
    """The Retry button (asking first where Braze may have created the send ID already)."""
    kind = request.failure_kind or FailureKind.UNEXPECTED
    retry = button(ids.RETRY, t(Msg.BUTTON_RETRY), request.id)
    if kind.retry_needs_confirmation:
        text = Msg.CONFIRM_RETRY_TEXT if request.send_id else Msg.CONFIRM_RETRY_TEXT_GENERATED
        retry["confirm"] = confirmation(t, Msg.CONFIRM_RETRY_TITLE, text, Msg.BUTTON_RETRY)
    return {
        "type": "actions",
        "block_id": ids.row_id(ids.RETRY_ROW, request.id),
        "elements": [retry],
    }


def quota_back_reply(
    t: Translator, request: SendIdRequest, retrier: str
) -> tuple[str, list[Block]]:
    """The quota of the request's workspace is back: whoever owns its retry (`retrier`,
    mentioned; any approver may) can retry now."""
    line = t(Msg.QUOTA_BACK_REPLY, approver=retrier or t(Msg.ANYONE))
    return f"{t(Msg.QUOTA_BACK_TEXT)} {retrier}", [section(line), retry_row(t, request)]


def rejected_reply(t: Translator, request: SendIdRequest) -> str:
    return t(
        Msg.REJECTED_REPLY,
        who=labels.decided_by(t, request),
        requester=md.user(request.requester_id),
        reason=labels.reason_suffix(t, request),
    )


def expired_reply(t: Translator, request: SendIdRequest) -> str:
    """Pending and undecided, or failed (a setup failure) and not retried in time."""
    if request.approvals and not request.failure_kind and request.approvals_required > 1:
        # Some approved: "nobody decided" would be untrue.
        return t(
            Msg.EXPIRED_PARTIAL_REPLY,
            progress=labels.approvals_count(t, request),
            requester=md.user(request.requester_id),
        )
    words = Msg.EXPIRED_UNRETRIED_REPLY if request.failure_kind else Msg.EXPIRED_REPLY
    return t(words, requester=md.user(request.requester_id))


def cancelled_reply(t: Translator, request: SendIdRequest) -> str:
    return t(Msg.CANCELLED_REPLY, requester=md.user(request.requester_id))


def not_called_reply(
    t: Translator, request: SendIdRequest, approvers: Sequence[str], retrier: str
) -> str:
    """A claimed approval was undone because Braze was never called: back to approvable by any
    of `approvers` (mentions), or retryable by `retrier` (who owns the retry) as before."""
    if request.state is RequestState.PENDING:
        next_step = t(Msg.NOT_CALLED_APPROVE_AGAIN, approvers=labels.either(t, approvers))
    else:
        next_step = t(Msg.NOT_CALLED_RETRY_AGAIN, approver=retrier or t(Msg.ANYONE))
    return t(Msg.NOT_CALLED_REPLY, next=next_step)


def reminder_reply(
    t: Translator, request: SendIdRequest, user_ids: Sequence[str], group_ids: Sequence[str]
) -> str:
    """The half-TTL reminder, naming the approvers who have not approved yet."""
    mentions = [md.user(u) for u in user_ids] + [md.usergroup(g) for g in group_ids]
    expires = labels.date(t, request.expires_at)
    if request.approvals_required > 1:
        return t(
            Msg.REMINDER_REPLY_PROGRESS,
            # Counted, not named: a reply pings whom it names, and they have done their part.
            progress=labels.approvals_count(t, request),
            waiting=labels.waiting_words(t, request),
            approvers=labels.either(t, mentions),
            expires=expires,
        )
    return t(Msg.REMINDER_REPLY, approvers=labels.either(t, mentions), expires=expires)
