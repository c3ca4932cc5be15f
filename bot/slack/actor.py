"""Who is acting in a Slack interaction, and where."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bot.domain.models import SendIdRequest


@dataclass(frozen=True, slots=True)
class Actor:
    """Who clicked, typed or submitted, where (from Slack's payload), and the trigger Slack gave
    for opening a modal in answer ("" where there is none)."""

    user_id: str
    channel_id: str | None
    from_home: bool = False  # clicked in the App Home tab, where there is no channel
    trigger_id: str = ""
    # Clicked in the bot's DM (an approver's or admin's notice): it counts as made in the
    # request's own channel, like the App Home, and is answered there by DM.
    from_dm: bool = False
    # This very click: Slack delivers an interaction again (in Socket Mode possibly to another
    # replica) when its acknowledgement was late; the same click keeps the same key.
    click_key: str = ""
    # The message the click was on (Slack's container.message_ts), "" where it was not on a
    # message in a channel (App Home, a modal).
    message_ts: str = ""

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Actor:
        """The actor of a block action (a click on a message or in the App Home)."""
        user = body.get("user") or {}
        channel = body.get("channel") or {}
        container = body.get("container") or {}
        view = body.get("view") or {}
        from_home = container.get("type") == "view" and view.get("type") == "home"
        channel_id = None if from_home else _channel_id(channel) or body.get("channel_id")
        # Direct-message conversation IDs start with D; the bot's DM is never a permitted channel.
        from_dm = isinstance(channel_id, str) and channel_id.startswith("D")
        user_id = str(user.get("id") or body.get("user_id") or "")
        return cls(
            user_id=user_id,
            channel_id=None if from_dm else channel_id,
            from_home=from_home,
            trigger_id=str(body.get("trigger_id") or ""),
            from_dm=from_dm,
            click_key=_click_key(user_id, body.get("actions")),
            message_ts=_message_ts(container, channel_id),
        )

    @classmethod
    def from_command(cls, command: dict[str, Any]) -> Actor:
        """The actor of a slash command."""
        return cls(
            user_id=str(command.get("user_id") or ""),
            channel_id=str(command.get("channel_id") or ""),
            trigger_id=str(command.get("trigger_id") or ""),
        )

    def in_dm(self) -> Actor:
        """The same actor, answered by direct message rather than in a channel."""
        return replace(self, channel_id=None)

    def channel_for(self, request: SendIdRequest) -> str | None:
        """Where the click counts as made: the request's own channel for App Home clicks."""
        return request.channel_id if self.from_home or self.from_dm else self.channel_id


def _click_key(user_id: str, actions: object) -> str:
    """Who clicked which button when (Slack's `action_ts`), or "" where Slack gave no time."""
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        return ""
    action = actions[0]
    clicked_at = action.get("action_ts")
    if not isinstance(clicked_at, str) or not clicked_at:
        return ""
    return f"{user_id}|{action.get('action_id')}|{action.get('value')}|{clicked_at}"


def _message_ts(container: dict[str, Any], channel_id: object) -> str:
    """The ts of the (non-ephemeral) message in `channel_id` that was clicked, or ""."""
    if container.get("type") != "message" or container.get("is_ephemeral") is True:
        return ""
    if container.get("channel_id") not in (None, channel_id):
        return ""
    ts = container.get("message_ts")
    return ts if isinstance(ts, str) and 0 < len(ts) <= 32 else ""


def _channel_id(channel: object) -> str | None:
    return str(channel.get("id") or "") or None if isinstance(channel, dict) else None
