"""The approval card in the channel, and the DM that replaces it when Slack refused to post it.

The card says, at a glance: its state (header), what is asked (campaign, send ID, purpose), who
asked and who may decide (the channel's approvers), until when, and how much of today's Braze
quota is left in the request's workspace. Its `text` is the sentence a notification shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.models import QuotaSnapshot, RequestState, SendIdRequest
from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md
from bot.slack.views import ids
from bot.slack.views.elements import (
    Block,
    button,
    confirmation,
    context,
    field,
    plain_text,
    section,
)
from bot.slack.views.labels import (
    approvals_progress,
    approved_by,
    campaign_label,
    date,
    decided_by,
    quota_line,
    reason_suffix,
    send_id_label,
    shown_workspace,
    waiting_words,
)

# Slack's error codes are short words; anything longer is cut.
SLACK_ERROR_MAX = 100
# A notification names the campaign in a few words.
TEXT_CAMPAIGN_MAX = 80
# Approvers named on the card; a longer list ends in "and N more".
APPROVERS_SHOWN_MAX = 10
# The form takes 300 characters; an older or edited row is cut to what a card can hold.
PURPOSE_SHOWN_MAX = 500
# States that end a request without a send ID (a failure only when no retry can mend it).
AGAIN_STATES = frozenset({RequestState.REJECTED, RequestState.EXPIRED, RequestState.CANCELLED})
# States whose card still shows the quota: the decision (or a retry) spends it.
QUOTA_STATES = frozenset({RequestState.PENDING, RequestState.APPROVED, RequestState.FAILED})


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What the card shows beyond the request itself: the channel's approvers (from its
    policy) and what is known of the quota of the request's Braze workspace."""

    approver_ids: Sequence[str] = ()
    approver_group_ids: Sequence[str] = ()
    quota: QuotaSnapshot | None = None
    # A Workflow Builder step asked (for its requester), not the person with /sendid.
    via_workflow: bool = False
    # The approvers by name, not mention, where they must not be pinged (None: mentions).
    approver_names: Mapping[str, str] | None = None


NO_FACTS = CardFacts()
NAME_SHOWN_MAX = 80  # a person's or group's name on the card


def status_line(t: Translator, request: SendIdRequest) -> str:
    state = request.state
    who = decided_by(t, request)
    approver = approved_by(t, request)
    when = date(t, request.decided_at) if request.decided_at else ""
    if state is RequestState.PENDING and request.approvals_required > 1:
        return t(
            Msg.STATUS_PENDING_PROGRESS,
            progress=approvals_progress(t, request),
            waiting=waiting_words(t, request),
            expires=date(t, request.expires_at),
        )
    if state is RequestState.PENDING:
        return t(Msg.STATUS_PENDING, expires=date(t, request.expires_at))
    if state is RequestState.APPROVED:
        return t(Msg.STATUS_APPROVED, who=approver, when=when)
    if state is RequestState.CREATED:
        return t(Msg.STATUS_CREATED, who=approver, send_id=send_id_label(t, request))
    if request.outcome_unknown:
        return t(Msg.STATUS_UNKNOWN, who=approver)
    if state is RequestState.FAILED:
        return t(Msg.STATUS_FAILED, who=approver)
    if state is RequestState.REJECTED:
        return t(Msg.STATUS_REJECTED, who=who, when=when, reason=reason_suffix(t, request))
    if state is RequestState.EXPIRED and request.approvals and request.approvals_required > 1:
        return t(Msg.STATUS_EXPIRED_PARTIAL, progress=approvals_progress(t, request))
    if state is RequestState.EXPIRED:
        return t(Msg.STATUS_EXPIRED)
    return t(Msg.STATUS_CANCELLED, who=who)


def card_text(t: Translator, request: SendIdRequest) -> str:
    """The card's notification text: one sentence a person would write ("Mia asks for a send
    ID for Black Friday 2026 Push"), foreign text inert."""
    return t(
        Msg.CARD_TEXT_UNKNOWN
        if request.outcome_unknown
        else Msg(f"card.text.{request.state.value}"),
        requester=md.user(request.requester_id),
        campaign=campaign_words(request),
        who=approved_by(t, request),
    )


def campaign_words(request: SendIdRequest) -> str:
    """The campaign as a notification names it: its name, else its ID."""
    name = md.inert(request.campaign_name or "", TEXT_CAMPAIGN_MAX)
    return name or md.code(request.campaign_id)


def header(t: Translator, request: SendIdRequest) -> Block:
    """The card's state at a glance; a failure that may have created the send ID says "status
    unknown", never "not created"."""
    key = (
        Msg.CARD_HEADER_UNKNOWN
        if request.outcome_unknown
        else Msg(f"card.header.{request.state.value}")
    )
    return {"type": "header", "text": plain_text(t(key))}


def approvers_label(t: Translator, facts: CardFacts) -> str:
    """The channel's approvers (people, then groups) as mentions, or by name where
    `facts.approver_names` has them; None configured: "nobody"."""
    if facts.approver_names is not None:
        names = facts.approver_names
        ids = [*facts.approver_ids, *facts.approver_group_ids]
        mentions = [md.inert(names.get(i, i), NAME_SHOWN_MAX) for i in ids]
    else:
        mentions = [md.user(u) for u in facts.approver_ids]
        mentions += [md.usergroup(g) for g in facts.approver_group_ids]
    if not mentions:
        return t(Msg.CARD_NO_APPROVERS)
    shown = ", ".join(mentions[:APPROVERS_SHOWN_MAX])
    more = len(mentions) - APPROVERS_SHOWN_MAX
    return shown + (t(Msg.CARD_MORE_APPROVERS, count=more) if more > 0 else "")


def _fields(t: Translator, request: SendIdRequest, facts: CardFacts) -> list[dict[str, str]]:
    fields = [
        field(f"{t(Msg.FIELD_CAMPAIGN)}\n{campaign_label(request)}"),
        field(f"{t(Msg.FIELD_SEND_ID)}\n{send_id_label(t, request)}"),
        field(f"{t(Msg.FIELD_REQUESTED_BY)}\n{md.user(request.requester_id)}"),
        field(f"{t(Msg.FIELD_REQUESTED_AT)}\n{date(t, request.created_at)}"),
        field(f"{t(Msg.FIELD_APPROVERS)}\n{approvers_label(t, facts)}"),
    ]
    if request.state is RequestState.PENDING:
        fields.append(field(f"{t(Msg.FIELD_EXPIRES)}\n{date(t, request.expires_at)}"))
    known = facts.quota is not None and facts.quota.remaining is not None
    if known and request.state in QUOTA_STATES:
        line = quota_line(t, facts.quota, shown_workspace(request.workspace))
        fields.append(field(f"{t(Msg.FIELD_QUOTA)}\n{line}"))
    return fields


def decision_buttons(t: Translator, request: SendIdRequest) -> list[dict[str, Any]]:
    """Approve (with a confirmation) and Reject, as on the card and in the App Home. Where
    more approvals are needed than the next one, the confirmation says Braze is not called
    yet (a click that turns out to be the last one after all is simply the last)."""
    more_needed = request.approvals_missing > 1
    approve_confirmation = confirmation(
        t,
        Msg.CONFIRM_APPROVE_TITLE_PARTIAL if more_needed else Msg.CONFIRM_APPROVE_TITLE,
        Msg.CONFIRM_APPROVE_TEXT_PARTIAL if more_needed else Msg.CONFIRM_APPROVE_TEXT,
        Msg.BUTTON_APPROVE,
        count=len(request.approvals) + 1,
        required=request.approvals_required,
    )
    return [
        button(
            ids.APPROVE,
            t(Msg.BUTTON_APPROVE),
            request.id,
            style="primary",
            confirm=approve_confirmation,
        ),
        button(ids.REJECT, t(Msg.BUTTON_REJECT), request.id, style="danger"),
    ]


def cancel_menu(t: Translator, request: SendIdRequest) -> dict[str, Any]:
    """The card's "⋯" menu with the requester's Cancel: approvers see Approve and Reject as the
    card's buttons; anyone else who picks it is told privately that it is the requester's."""
    option = {"text": plain_text(t(Msg.CANCEL_MINE)), "value": request.id}
    return {
        "type": "overflow",
        "action_id": ids.CANCEL_MENU,
        "options": [option],
        "confirm": confirmation(
            t, Msg.CONFIRM_CANCEL_TITLE, Msg.CONFIRM_CANCEL_TEXT, Msg.BUTTON_CANCEL
        ),
    }


def cancel_button(t: Translator, request: SendIdRequest) -> dict[str, Any]:
    """The requester's Cancel (with a confirmation), on the card and in their App Home."""
    return button(
        ids.CANCEL,
        t(Msg.BUTTON_CANCEL),
        request.id,
        confirm=confirmation(
            t, Msg.CONFIRM_CANCEL_TITLE, Msg.CONFIRM_CANCEL_TEXT, Msg.BUTTON_CANCEL
        ),
    )


def approval_card(
    t: Translator, request: SendIdRequest, facts: CardFacts = NO_FACTS
) -> list[Block]:
    blocks: list[Block] = [
        header(t, request),
        {"type": "section", "fields": _fields(t, request, facts)},
    ]
    if request.purpose:
        purpose = md.inert(request.purpose, PURPOSE_SHOWN_MAX)
        blocks.append(section(f"{t(Msg.FIELD_PURPOSE)}\n{purpose}"))
    if facts.via_workflow:
        blocks.append(context(t(Msg.CARD_VIA_WORKFLOW, requester=md.user(request.requester_id))))
    blocks.append(context(status_line(t, request)))
    if request.state is RequestState.PENDING:
        blocks.append(
            {
                "type": "actions",
                "block_id": ids.row_id(ids.DECISION_ROW, request.id),
                "elements": [*decision_buttons(t, request), cancel_menu(t, request)],
            }
        )
    elif may_be_asked_again(request):
        again = button(ids.REQUEST_AGAIN, t(Msg.BUTTON_REQUEST_AGAIN), request.id)
        blocks.append(
            {
                "type": "actions",
                "block_id": ids.row_id(ids.AGAIN_ROW, request.id),
                "elements": [again],
            }
        )
    return blocks


def may_be_asked_again(request: SendIdRequest) -> bool:
    """Whether the request ended without a send ID for good: rejected, expired, cancelled, or
    failed in a way no retry can mend. Then the card offers "Request again"."""
    if request.state is RequestState.FAILED:
        return request.failure_kind is not None and not request.failure_kind.retry_allowed
    return request.state in AGAIN_STATES


def card_not_posted_dm(
    t: Translator, request: SendIdRequest, slack_error: str, *, invite_fixes_it: bool
) -> tuple[str, list[Block]]:
    """Tell the requester, by DM, why the card is missing, what fixes it, and offer to post it
    again (the request is saved either way)."""
    if invite_fixes_it:
        fix = t(Msg.CARD_NOT_IN_CHANNEL, channel=md.channel(request.channel_id))
    else:
        fix = t(Msg.CARD_SLACK_REFUSED, error=md.inert(slack_error, SLACK_ERROR_MAX))
    text = t(Msg.CARD_SAVED, campaign=md.code(request.campaign_id), fix=fix)
    repost = button(ids.REPOST, t(Msg.BUTTON_REPOST), request.id)
    return text, [section(text), {"type": "actions", "elements": [repost]}]
