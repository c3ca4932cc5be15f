"""Block Kit, built by pure functions: data in, Slack JSON out. No I/O here.

Every user-supplied or Braze-supplied string that lands in mrkdwn goes through `mrkdwn.escape`
(or `mrkdwn.code`); plain_text fields are not parsed by Slack and are left as typed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.models import FailureKind, QuotaSnapshot, RequestState, SendIdRequest
from bot.slack import mrkdwn as md

Block = dict[str, Any]

REQUEST_MODAL = "sendid_request"
REJECT_MODAL = "sendid_reject"
APPROVE = "sendid_approve"
REJECT = "sendid_reject"
RETRY = "sendid_retry"
REPOST = "sendid_repost"
CAMPAIGN_BLOCK = "campaign_id"
SEND_ID_BLOCK = "send_id"
REASON_BLOCK = "reason"
INPUT_ACTION = "value"
REASON_MAX = 500

USAGE_HINT = (
    "Use it as `send_id` in `/campaigns/trigger/send` or `/messages/send` to track this send "
    "separately in Braze's analytics."
)


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


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
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("channel_id"), str):
            return None
        request_id = data.get("request_id")
        return cls(data["channel_id"], request_id if isinstance(request_id, str) else None)


def request_modal(channel_id: str, campaign_id: str = "", send_id: str = "") -> dict[str, Any]:
    campaign_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION,
        "placeholder": _text("1a2b3c4d-0000-4000-8000-123456789abc"),
    }
    send_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION,
        "placeholder": _text("e.g. spring_sale_2026_wave1"),
    }
    # Slack rejects an empty initial_value, so only pre-fill what was given.
    if campaign_id:
        campaign_input["initial_value"] = campaign_id[:150]
    if send_id:
        send_input["initial_value"] = send_id[:150]
    return {
        "type": "modal",
        "callback_id": REQUEST_MODAL,
        "private_metadata": ModalMetadata(channel_id).dump(),
        "title": _text("Request a send ID"),
        "submit": _text("Request"),
        "close": _text("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": CAMPAIGN_BLOCK,
                "label": _text("Campaign ID"),
                "element": campaign_input,
                "hint": _text("The API campaign's identifier, from its page in Braze."),
            },
            {
                "type": "input",
                "block_id": SEND_ID_BLOCK,
                "optional": True,
                "label": _text("Send ID"),
                "element": send_input,
                "hint": _text(
                    "Optional. Leave blank and Braze generates one. "
                    "1–64 printable ASCII characters, no spaces."
                ),
            },
            _context(f"An approver signs off in {md.channel(channel_id)} before Braze is called."),
        ],
    }


def reject_modal(channel_id: str, request_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": REJECT_MODAL,
        "private_metadata": ModalMetadata(channel_id, request_id).dump(),
        "title": _text("Reject request"),
        "submit": _text("Reject"),
        "close": _text("Back"),
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": True,
                "label": _text("Reason"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": INPUT_ACTION,
                    "multiline": True,
                    "max_length": REASON_MAX,
                },
                "hint": _text("Optional. Shown to the requester in the request's thread."),
            }
        ],
    }


# ---- the approval card ----------------------------------------------------------------------


def campaign_label(request: SendIdRequest) -> str:
    if request.campaign_name:
        return f"{md.escape(request.campaign_name)} ({md.code(request.campaign_id)})"
    return md.code(request.campaign_id)


def send_id_label(request: SendIdRequest) -> str:
    if request.created_send_id:
        return md.code(request.created_send_id)
    return md.code(request.send_id) if request.send_id else "_generated by Braze_"


def _status_line(request: SendIdRequest) -> str:
    state = request.state
    who = md.user(request.decided_by) if request.decided_by else "someone"
    when = md.date(request.decided_at) if request.decided_at else ""
    if state is RequestState.PENDING:
        expires = md.date(request.expires_at)
        return f":hourglass_flowing_sand: Waiting for an approver. Expires {expires}."
    if state is RequestState.APPROVED:
        return f":gear: Approved by {who} {when}; creating the send ID in Braze…"
    if state is RequestState.CREATED:
        return (
            f":white_check_mark: Created after approval by {who}. Send ID {send_id_label(request)}."
        )
    if state is RequestState.FAILED:
        return f":warning: Approved by {who}, but Braze did not create it. See the thread."
    if state is RequestState.REJECTED:
        reason = f" Reason: {md.escape(request.reject_reason)}" if request.reject_reason else ""
        return f":no_entry_sign: Rejected by {who} {when}.{reason}"
    if state is RequestState.EXPIRED:
        return ":hourglass: Expired: nobody decided in time. Run `/sendid` again if still needed."
    return f":heavy_multiplication_x: Cancelled by {who}."


def card_text(request: SendIdRequest) -> str:
    """Notification / fallback text; mrkdwn-escaped like everything else."""
    return (
        f"Send ID request by {md.user(request.requester_id)} for campaign "
        f"{campaign_label(request)}: {request.state.value}"
    )


def approval_card(request: SendIdRequest) -> list[Block]:
    blocks: list[Block] = [
        {"type": "header", "text": _text("Send ID request")},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Campaign*\n{campaign_label(request)}"},
                {"type": "mrkdwn", "text": f"*Send ID*\n{send_id_label(request)}"},
                {"type": "mrkdwn", "text": f"*Requested by*\n{md.user(request.requester_id)}"},
                {"type": "mrkdwn", "text": f"*Requested*\n{md.date(request.created_at)}"},
            ],
        },
        _context(_status_line(request)),
    ]
    if request.state is RequestState.PENDING:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"decide:{request.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": APPROVE,
                        "style": "primary",
                        "text": _text("Approve"),
                        "value": request.id,
                        "confirm": {
                            "title": _text("Create this send ID?"),
                            "text": _text(
                                "Braze is called once and the send ID counts against "
                                "today's quota of send IDs."
                            ),
                            "confirm": _text("Approve"),
                            "deny": _text("Back"),
                        },
                    },
                    {
                        "type": "button",
                        "action_id": REJECT,
                        "style": "danger",
                        "text": _text("Reject"),
                        "value": request.id,
                    },
                ],
            }
        )
    return blocks


# ---- thread replies -------------------------------------------------------------------------


def quota_line(quota: QuotaSnapshot | None) -> str:
    if quota is None or quota.remaining is None:
        return "Quota left today: unknown."
    limit = f" of {quota.limit}" if quota.limit is not None else ""
    reset = f", resets {md.date(quota.reset_at)}" if quota.reset_at else ""
    return f"Quota left today: {quota.remaining}{limit}{reset}."


def created_reply(request: SendIdRequest, quota: QuotaSnapshot | None) -> tuple[str, list[Block]]:
    assert request.created_send_id is not None
    text = f"Send ID created: {md.code(request.created_send_id)}"
    blocks = [
        _section(f":white_check_mark: *Send ID created:* {md.code(request.created_send_id)}"),
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Campaign*\n{campaign_label(request)}"},
                {"type": "mrkdwn", "text": f"*Requested by*\n{md.user(request.requester_id)}"},
                {
                    "type": "mrkdwn",
                    "text": f"*Approved by*\n{md.user(request.decided_by or 'unknown')}",
                },
                {"type": "mrkdwn", "text": f"*Quota*\n{quota_line(quota)}"},
            ],
        },
        _context(USAGE_HINT),
    ]
    return text, blocks


FAILURE_WORDS: dict[FailureKind, str] = {
    FailureKind.REJECTED_BY_BRAZE: "Braze refused the request",
    FailureKind.AUTH: (
        "Braze did not accept the bot's API key. An admin should check BRAZE_API_KEY and that "
        "BRAZE_REST_ENDPOINT is this workspace's Braze instance"
    ),
    FailureKind.PERMISSION: (
        "Braze says the API key may not do this. An admin should give the key the "
        "`sends.id.create` permission (and check the plan)"
    ),
    FailureKind.NOT_FOUND: (
        "Braze answered 'not found' for the endpoint. An admin should check BRAZE_REST_ENDPOINT"
    ),
    FailureKind.QUOTA: "Today's Braze quota of send IDs is used up",
    FailureKind.UNAVAILABLE: "Braze could not be reached or had an error, even after retrying",
    FailureKind.OUTCOME_UNKNOWN: (
        "Braze did not answer in time, so the outcome is unknown: the send ID may have been "
        "created. Check in Braze before retrying"
    ),
    FailureKind.UNEXPECTED: "Braze gave an answer the bot could not read; the outcome is unknown",
}


def failed_reply(request: SendIdRequest, quota: QuotaSnapshot | None) -> tuple[str, list[Block]]:
    kind = request.failure_kind or FailureKind.UNEXPECTED
    words = FAILURE_WORDS[kind]
    detail = ""
    if request.failure_message and kind in (FailureKind.REJECTED_BY_BRAZE, FailureKind.UNEXPECTED):
        detail = f"\n>Braze said: {md.escape(request.failure_message[:400])}"
    if kind is FailureKind.QUOTA and quota is not None and quota.reset_at is not None:
        words += f" until {md.date(quota.reset_at)}; approvals wait until then"
    text = f"Send ID not created: {words}."
    blocks: list[Block] = [_section(f":warning: *Send ID not created.* {words}.{detail}")]
    if kind.retry_allowed:
        button: dict[str, Any] = {
            "type": "button",
            "action_id": RETRY,
            "text": _text("Retry"),
            "value": request.id,
        }
        if kind.retry_needs_confirmation:
            button["confirm"] = {
                "title": _text("Retry although it may exist?"),
                "text": _text(
                    "Braze may already have created this send ID. Retry only after checking "
                    "in Braze that it does not exist."
                ),
                "confirm": _text("Retry"),
                "deny": _text("Back"),
            }
        blocks.append({"type": "actions", "block_id": f"retry:{request.id}", "elements": [button]})
        blocks.append(_context("Approvers can retry."))
    return text, blocks


def rejected_reply(request: SendIdRequest) -> str:
    who = md.user(request.decided_by or "unknown")
    reason = f" Reason: {md.escape(request.reject_reason)}" if request.reject_reason else ""
    return f":no_entry_sign: {who} rejected this request, {md.user(request.requester_id)}.{reason}"


def expired_reply(request: SendIdRequest) -> str:
    return (
        f":hourglass: This request expired: nobody decided in time. "
        f"{md.user(request.requester_id)}, run `/sendid` again if it is still needed."
    )


# ---- ephemeral answers ----------------------------------------------------------------------


def channels_list(channel_ids: Sequence[str]) -> str:
    return ", ".join(md.channel(c) for c in channel_ids)


def not_permitted_text(channel_ids: Sequence[str]) -> str:
    return (
        f"`/sendid` does not work here. It works in these channels: {channels_list(channel_ids)}."
    )


HELP_TEXT = (
    "*Send ID bot* creates Braze send IDs after an approver signs off.\n"
    "• `/sendid` opens the request form.\n"
    "• `/sendid <campaign_id> [send_id]` opens it pre-filled.\n"
    "• `/sendid history` shows recent requests in this channel (only to you).\n"
    "• `/sendid quota` shows what is known of today's Braze send ID quota.\n"
    "• `/sendid help` shows this.\n"
    "Leave the send ID blank and Braze generates one. Approvers click *Approve* on the card; "
    "the result is posted in the card's thread."
)


def history_text(requests: Sequence[SendIdRequest]) -> str:
    if not requests:
        return "No send ID requests in this channel yet."
    lines = ["*Recent send ID requests in this channel:*"]
    for r in requests:
        lines.append(
            f"• {md.date(r.created_at, '{date_short} {time}')} {md.user(r.requester_id)} "
            f"{campaign_label(r)} → {send_id_label(r)}: *{r.state.value}*"
        )
    return "\n".join(lines)


def quota_text(quota: QuotaSnapshot | None, now: datetime) -> str:
    if quota is None:
        return (
            "Nothing is known yet of today's Braze send ID quota (at most 100 per day unless "
            "Braze raised it); it is read from Braze's answers to each creation."
        )
    state = " *Used up.*" if quota.exhausted(now) else ""
    seen = md.date(quota.observed_at, "{date_short_pretty} at {time}")
    return f"{quota_line(quota)}{state} (as Braze reported {seen})"
