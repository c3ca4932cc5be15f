"""People's and user groups' names, for places that must name them without pinging them.

A mention (``<@U…>``) in a posted message notifies that person; where a channel's policy says
approvers are reached by DM or not at all (`notify`), the card names them as plain text
instead. Names come from Slack (``users.info``, ``usergroups.list``), cached for an hour; a name
Slack will not give is shown as its ID, never as a mention.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.domain.policy import USERGROUP_ID, CachedLookup

log = logging.getLogger("bot.slack")

NAME_TTL_SECONDS = 3600.0
_GROUPS = "usergroups"  # the one cache key of the group handles (one call lists them all)


def person_name(user: dict[str, object]) -> str | None:
    """A users.info `user`'s name as Slack shows it (display name, else real name, else
    handle), or None."""
    profile = user.get("profile")
    profile = profile if isinstance(profile, dict) else {}
    name = profile.get("display_name") or profile.get("real_name") or user.get("name")
    return str(name) if name else None


def group_handle(group: dict[str, object]) -> str | None:
    """A usergroups.list group's handle (as in @marketing-leads), else its name, or None."""
    handle = group.get("handle") or group.get("name")
    return str(handle) if handle else None


class Names:
    def __init__(self, client: WebClient, ttl_seconds: float = NAME_TTL_SECONDS) -> None:
        self._client = client
        self._people = CachedLookup(self._person, ttl_seconds)
        self._groups = CachedLookup(self._group_handles, ttl_seconds)

    def shown(self, ids: Iterable[str]) -> dict[str, str]:
        """Each ID's name as "@name" (plain text; the caller escapes it), or the ID itself."""
        return {i: self._one(i) for i in ids}

    def _one(self, slack_id: str) -> str:
        try:
            if USERGROUP_ID.match(slack_id):
                handle = self._groups(_GROUPS).get(slack_id)
            else:
                handle = self._people(slack_id)
        except (SlackClientError, OSError) as error:
            log.warning("no name for %s: %s", slack_id, type(error).__name__)
            handle = None
        return f"@{handle}" if handle else slack_id

    def _person(self, user_id: str) -> str | None:
        return person_name(self._client.users_info(user=user_id).get("user") or {})

    def _group_handles(self, _key: str) -> dict[str, str]:
        groups = self._client.usergroups_list().get("usergroups") or []
        return {str(g.get("id")): group_handle(g) or str(g.get("id")) for g in groups}
