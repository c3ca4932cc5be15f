"""Messages to people outside the card's thread: the admins' DM after a setup failure, the
approvers' DM at request time, and the thread line that mentions approvers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.models import FailureKind, SendIdRequest
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.i18n import Msg, Translator
from bot.slack import mrkdwn as md
from bot.slack.views import ids
from bot.slack.views.card import decision_buttons, status_line
from bot.slack.views.elements import Block, context, section
from bot.slack.views.labels import campaign_label, date, send_id_label
from bot.slack.views.replies import BRAZE_MESSAGE_MAX, retry_row

_ADMIN_DETAIL = {
    FailureKind.AUTH: Msg.ADMIN_AUTH,
    FailureKind.PERMISSION: Msg.ADMIN_PERMISSION,
    FailureKind.NOT_FOUND: Msg.ADMIN_NOT_FOUND,
    FailureKind.WORKSPACE_UNKNOWN: Msg.ADMIN_WORKSPACE_UNKNOWN,
}


@dataclass(frozen=True, slots=True)
class KeySetting:
    """Where a Braze workspace's key and endpoint are set (names only, never a value)."""

    workspace: str
    key_variable: str  # the environment variable holding its key


def mentions(user_ids: Sequence[str], group_ids: Sequence[str]) -> str:
    """People and user groups as Slack mentions, people first."""
    return " ".join([md.user(u) for u in user_ids] + [md.usergroup(g) for g in group_ids])


def card_link(t: Translator, permalink: str | None) -> str:
    """A link to the request's card (Slack's own permalink), or nothing when there is none."""
    if not permalink:
        return ""
    return f"<{md.escape(permalink)}|{t(Msg.LINK_TO_CARD)}>"


def admin_setup_dm(
    t: Translator, request: SendIdRequest, setting: KeySetting, permalink: str | None
) -> tuple[str, list[Block]]:
    """The admins' DM after Braze refused the bot's setup (401/403/404, or the request's
    workspace is gone): what to fix, where, and the Retry that only admins are offered."""
    detail = _setup_detail(t, request, setting)
    head = t(
        Msg.ADMIN_SETUP_HEAD,
        requester=md.user(request.requester_id),
        campaign=campaign_label(request),
        channel=md.channel(request.channel_id),
        detail=detail,
    )
    next_step = t(
        Msg.ADMIN_SETUP_NEXT, card=card_link(t, permalink) or md.channel(request.channel_id)
    )
    blocks = [section(head), section(next_step), retry_row(t, request)]
    return t(Msg.ADMIN_SETUP_TEXT), blocks


def admin_setup_dm_outside(
    t: Translator, request: SendIdRequest, setting: KeySetting
) -> tuple[str, list[Block]]:
    """The same DM for an admin who cannot read the request's private channel: what to fix,
    and nothing of the request (no requester, campaign or send ID, no button)."""
    detail = _setup_detail(t, request, setting)
    line = t(Msg.ADMIN_SETUP_OUTSIDE, channel=md.channel(request.channel_id), detail=detail)
    return t(Msg.ADMIN_SETUP_TEXT), [section(line)]


def _setup_detail(t: Translator, request: SendIdRequest, setting: KeySetting) -> str:
    """What an admin fixes after a setup failure: the setting or permission, and Braze's words."""
    kind = request.failure_kind or FailureKind.AUTH
    workspace = md.escape(setting.workspace)
    if setting.workspace == DEFAULT_WORKSPACE:
        endpoint = t(Msg.ADMIN_ENDPOINT_DEFAULT)
    else:
        endpoint = t(Msg.ADMIN_ENDPOINT_WORKSPACE, workspace=workspace)
    detail = t(
        _ADMIN_DETAIL.get(kind, Msg.ADMIN_AUTH),
        variable=f"`{md.escape(setting.key_variable)}`",
        endpoint=endpoint,
        workspace=workspace,
    )
    if request.failure_message and kind is not FailureKind.WORKSPACE_UNKNOWN:
        message = md.inert(request.failure_message, BRAZE_MESSAGE_MAX)
        detail += t(Msg.FAILED_BRAZE_SAID, message=message)
    return detail


def approvers_mentioned(
    t: Translator, request: SendIdRequest, user_ids: Sequence[str], group_ids: Sequence[str]
) -> str:
    """The card's first thread message: the approvers it mentions are asked to decide."""
    return t(
        Msg.NOTIFY_MENTION,
        approvers=mentions(user_ids, group_ids),
        requester=md.user(request.requester_id),
        campaign=campaign_label(request),
        expires=date(t, request.expires_at),
    )


def approver_dm(
    t: Translator, request: SendIdRequest, permalink: str | None
) -> tuple[str, list[Block]]:
    """An approver's DM at request time: what is asked, a link to the card, and the same
    Approve and Reject as on the card (a click here acts exactly like one there)."""
    line = t(
        Msg.NOTIFY_DM,
        requester=md.user(request.requester_id),
        campaign=campaign_label(request),
        channel=md.channel(request.channel_id),
        send_id=send_id_label(t, request),
        card=card_link(t, permalink) or md.channel(request.channel_id),
        expires=date(t, request.expires_at),
    )
    text = t(
        Msg.NOTIFY_DM_TEXT,
        requester=md.user(request.requester_id),
        campaign=campaign_label(request),
    )
    row = {
        "type": "actions",
        "block_id": ids.row_id(ids.DECISION_ROW, request.id),
        "elements": decision_buttons(t, request),
    }
    if request.approvals_required > 1:  # how many approvals it takes, as the card says
        return text, [section(line), context(status_line(t, request)), row]
    return text, [section(line), row]


def outcome_dm(
    t: Translator,
    request: SendIdRequest,
    text: str,
    outcome: list[Block] | None,
    *,
    card_gone: bool = True,
) -> tuple[str, list[Block]]:
    """A request's outcome by DM, as its thread cannot take it (the card is gone, or Slack kept
    refusing the reply): a line saying why it comes here, then the thread reply it replaces,
    without buttons (they act only in the card's channel)."""
    decided = md.user(request.decided_by) if request.decided_by else t(Msg.SOMEONE)
    why = t(
        Msg.LOST_CARD_DM if card_gone else Msg.LOST_REPLY_DM,
        channel=md.channel(request.channel_id),
        requester=md.user(request.requester_id),
        approver=decided,
    )
    kept = [b for b in outcome or [section(text)] if b.get("type") != "actions"]
    return f"{why} {text}", [context(why), *kept]
