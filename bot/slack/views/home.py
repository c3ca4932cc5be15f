"""The App Home tab: a person's own requests, what they may decide, the quota of each Braze
workspace they can request in, the channels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.models import QuotaSnapshot, RequestState, SendIdRequest
from bot.i18n import Msg, Translator
from bot.slack.views import ids
from bot.slack.views.card import cancel_button, decision_buttons
from bot.slack.views.elements import Block, context, plain_text, section
from bot.slack.views.labels import (
    approvals_progress,
    channels_list,
    date,
    in_workspace,
    request_line,
)

QUOTA_BAR_WIDTH = 20
# Slack allows 100 blocks in a Home tab.
HOME_BLOCKS_MAX = 100


def quota_bar(quota: QuotaSnapshot) -> str:
    """A text bar of the quota used: filled = used, empty = left."""
    if not quota.limit or quota.remaining is None:
        raise ValueError("a quota bar needs a known, positive limit and what remains of it")
    used = max(0, min(quota.limit, quota.limit - quota.remaining))
    filled = round(QUOTA_BAR_WIDTH * used / quota.limit)
    return "█" * filled + "░" * (QUOTA_BAR_WIDTH - filled)


# One Braze workspace's quota bar: the workspace's name (None: not shown) and what is known.
WorkspaceQuota = tuple[str | None, QuotaSnapshot | None]


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


def _to_decide(
    t: Translator, requests: Sequence[SendIdRequest], unreadable: int, viewer: str | None
) -> list[Block]:
    blocks: list[Block] = [{"type": "divider"}, section(t(Msg.HOME_PENDING_TITLE))]
    if not requests and not unreadable:
        blocks.append(context(t(Msg.HOME_PENDING_EMPTY)))
    for request in requests:
        line = request_line(t, Msg.HOME_PENDING_LINE, request)
        blocks.append(section(line))
        if request.state is RequestState.PENDING and request.approvals_required > 1:
            blocks.append(context(approvals_progress(t, request)))
        if request.state is RequestState.PENDING:  # it may have been decided meanwhile
            # Same buttons and rules as on the card; Cancel is the requester's, not here. Who
            # approved already keeps Reject: a second Approve would count nothing.
            elements = decision_buttons(t, request)
            if viewer in request.approvals and request.approvals_missing:
                elements = [e for e in elements if e["action_id"] != ids.APPROVE]
            blocks.append(
                {
                    "type": "actions",
                    "block_id": ids.row_id(ids.HOME_DECISION_ROW, request.id),
                    "elements": elements,
                }
            )
    if unreadable:
        # Requests of private channels the reader is not in: that they exist, nothing more.
        blocks.append(context(t(Msg.HOME_PENDING_UNREADABLE, count=unreadable)))
    return blocks


def _mine(t: Translator, requests: Sequence[SendIdRequest]) -> list[Block]:
    blocks: list[Block] = [{"type": "divider"}, section(t(Msg.HOME_MINE_TITLE))]
    if not requests:
        blocks.append(context(t(Msg.HOME_MINE_EMPTY)))
    for request in requests:
        line = request_line(t, Msg.HOME_MINE_LINE, request, short=True)
        blocks.append(context(line))
        if request.state is RequestState.PENDING:
            # One place to withdraw pending requests (the per-person cap names this tab).
            blocks.append(
                {
                    "type": "actions",
                    "block_id": ids.row_id(ids.HOME_MINE_ROW, request.id),
                    "elements": [cancel_button(t, request)],
                }
            )
    return blocks


def home_view(
    t: Translator,
    *,
    channels: Sequence[str],
    mine: Sequence[SendIdRequest],
    to_decide: Sequence[SendIdRequest] | None,
    quotas: Sequence[WorkspaceQuota],
    unreadable: int = 0,
    viewer: str | None = None,
) -> dict[str, Any]:
    """The App Home tab. `to_decide` is None for people who approve nothing; `quotas` has one
    bar per Braze workspace (each named where there are several); `unreadable` counts the
    requests they may decide in private channels they cannot read (not shown); `viewer`: whose
    tab it is (no Approve on what they approved already)."""
    bars = [in_workspace(t, workspace, _home_quota(t, quota)) for workspace, quota in quotas]
    blocks: list[Block] = [
        {"type": "header", "text": plain_text(t(Msg.HOME_HEADER))},
        section(t(Msg.HOME_INTRO, channels=channels_list(channels))),
        {"type": "divider"},
        section("\n".join([t(Msg.HOME_QUOTA_TITLE), *bars])),
    ]
    if to_decide is not None:
        blocks += _to_decide(t, to_decide, unreadable, viewer)
    blocks += _mine(t, mine)
    # The lists above are bounded well below Slack's limit; the cut is a last guard.
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS_MAX]}
