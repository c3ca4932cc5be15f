"""Who may do what, where. Channel and approver checks run on every interaction."""

from __future__ import annotations

import enum
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.domain.models import SendIdRequest

T = TypeVar("T")

# The shapes of the Slack IDs a policy names: channels (C…/G…; never DMs), people, user groups.
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


class Refusal(enum.StrEnum):
    CHANNEL_NOT_PERMITTED = "channel_not_permitted"
    WRONG_CHANNEL = "wrong_channel"  # the button names a request of another channel
    NOT_APPROVER = "not_approver"
    SELF_APPROVAL = "self_approval"
    NOT_REQUESTER = "not_requester"
    NOT_ADMIN = "not_admin"  # a retry only an admin may make (the bot's Braze setup failed)
    # Acting from outside a private channel (App Home, DM) on its request, without being a
    # member (or with membership unknown)
    NOT_MEMBER = "not_member"


class MembershipLookupError(Exception):
    """A user group's members could not be read (Slack API failure)."""


@dataclass(frozen=True, slots=True)
class ApproverSet:
    user_ids: frozenset[str]
    group_ids: frozenset[str]


class CachedLookup(Generic[T]):
    """A lookup by ID (a Slack call), cached briefly so a burst of clicks costs one call.
    Failures are not cached: the next caller asks again."""

    def __init__(
        self,
        fetch: Callable[[str], T],
        ttl_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, T]] = {}

    def __call__(self, key: str) -> T:
        now = self._clock()
        with self._lock:
            hit = self._cache.get(key)
            if hit and now - hit[0] < self._ttl:
                return hit[1]
        value = self._fetch(key)
        with self._lock:
            self._cache[key] = (now, value)
        return value


class CachedGroupMembers(CachedLookup[frozenset[str]]):
    """User-group members (`usergroups.users.list`), cached briefly."""

    def __init__(
        self,
        fetch: Callable[[str], Iterable[str]],
        ttl_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(lambda group_id: frozenset(fetch(group_id)), ttl_seconds, clock)


# Who can read a channel: its members if it is private, None if anyone in the workspace can.
ChannelAudience = Callable[[str], frozenset[str] | None]


def everyone(channel_id: str) -> frozenset[str] | None:
    """A channel audience for when nothing is known: every channel readable by everyone."""
    return None


class Policy:
    def __init__(
        self,
        allowed_channels: Iterable[str],
        approvers: ApproverSet,
        group_members: Callable[[str], frozenset[str]],
        allow_self_approval: bool = False,
        channel_approvers: Mapping[str, ApproverSet] | None = None,
        channel_audience: ChannelAudience = everyone,
        admins: ApproverSet | None = None,
    ) -> None:
        self.allowed_channels: tuple[str, ...] = tuple(dict.fromkeys(allowed_channels))
        self._allowed = frozenset(self.allowed_channels)
        self._approvers = approvers
        # Per-channel approvers from the policy file; other channels use `approvers`.
        self._channel_approvers = dict(channel_approvers or {})
        self._group_members = group_members
        self._channel_audience = channel_audience
        self.allow_self_approval = allow_self_approval
        # SENDID_ADMINS; None: each channel's approvers are its admins.
        self._admins = admins

    def channel_permitted(self, channel_id: str | None) -> bool:
        # Matched by ID only; DMs ("D…") are never permitted even if misconfigured.
        if not channel_id or channel_id.startswith("D"):
            return False
        return channel_id in self._allowed

    def is_approver(self, user_id: str, channel_id: str | None = None) -> bool:
        """Whether `user_id` approves in `channel_id` (in any channel when None).

        Raises MembershipLookupError when a user group cannot be read.
        """
        sets = [self.approvers_for(channel_id)] if channel_id else self._all_approver_sets()
        for approvers in sets:
            if user_id in approvers.user_ids:
                return True
            if any(user_id in self._group_members(g) for g in sorted(approvers.group_ids)):
                return True
        return False

    def _all_approver_sets(self) -> list[ApproverSet]:
        unique = {id(s): s for s in (self.approvers_for(c) for c in self.allowed_channels)}
        return list(unique.values())

    def approves_anywhere(self, user_id: str) -> bool:
        return self.is_approver(user_id)

    def approvers_for(self, channel_id: str) -> ApproverSet:
        return self._channel_approvers.get(channel_id, self._approvers)

    def possible_approvers(self, channel_id: str, requester_id: str) -> int | None:
        """How many different people could approve `requester_id`'s request in `channel_id`
        (the requester only with self-approval); None when a user group makes it uncountable
        here (its members are read only when someone clicks)."""
        approvers = self.approvers_for(channel_id)
        if approvers.group_ids:
            return None
        people = set(approvers.user_ids)
        if not self.allow_self_approval:
            people.discard(requester_id)
        return len(people)

    def admins_for(self, channel_id: str) -> ApproverSet:
        """Who fixes the bot's Braze setup for `channel_id`'s requests: SENDID_ADMINS, or the
        channel's approvers when it is unset."""
        return self._admins if self._admins is not None else self.approvers_for(channel_id)

    def is_admin(self, user_id: str, channel_id: str) -> bool:
        """Raises MembershipLookupError when a user group cannot be read."""
        admins = self.admins_for(channel_id)
        if user_id in admins.user_ids:
            return True
        return any(user_id in self._group_members(g) for g in sorted(admins.group_ids))

    def members_of(self, group_id: str) -> frozenset[str]:
        """A user group's members (cached). Raises MembershipLookupError."""
        return self._group_members(group_id)

    def may_read_channel(self, user_id: str, channel_id: str) -> bool:
        """Whether `user_id` can read what is posted in `channel_id` (a private channel: only
        its members). Raises MembershipLookupError when that cannot be found out."""
        audience = self._channel_audience(channel_id)
        return audience is None or user_id in audience

    def refusal_from_outside(self, user_id: str, request: SendIdRequest) -> Refusal | None:
        """Why `user_id` may not act on `request` from outside its channel (the App Home, a
        DM): a private channel's requests are for its members only, and membership that cannot
        be read counts as none (what the request says stays in its channel)."""
        try:
            readable = self.may_read_channel(user_id, request.channel_id)
        except MembershipLookupError:
            readable = False
        return None if readable else Refusal.NOT_MEMBER

    def refusal_to_cancel(
        self, user_id: str, channel_id: str | None, request: SendIdRequest
    ) -> Refusal | None:
        if not self.channel_permitted(channel_id) or channel_id != request.channel_id:
            return Refusal.WRONG_CHANNEL
        if user_id != request.requester_id:
            return Refusal.NOT_REQUESTER
        return None

    def refusal_to_see_results(
        self, channel_id: str | None, request: SendIdRequest
    ) -> Refusal | None:
        """Results are for the request's channel: asked from anywhere else, they are refused."""
        if not self.channel_permitted(channel_id):
            return Refusal.CHANNEL_NOT_PERMITTED
        if channel_id != request.channel_id:
            return Refusal.WRONG_CHANNEL
        return None

    def refusal_to_repost(self, user_id: str, request: SendIdRequest) -> Refusal | None:
        """Only the requester may post a lost card again, and only into a permitted channel."""
        if user_id != request.requester_id:
            return Refusal.NOT_REQUESTER
        if not self.channel_permitted(request.channel_id):
            return Refusal.CHANNEL_NOT_PERMITTED
        return None

    def refusal_to_retry(
        self, user_id: str, channel_id: str | None, request: SendIdRequest
    ) -> Refusal | None:
        """Why `user_id` may not retry the failed `request`. After a setup failure only an
        admin may (from anywhere they were offered it: their DM); otherwise the approvers, as
        for a decision."""
        kind = request.failure_kind
        if kind is None or not kind.needs_admin:
            return self.refusal_to_decide(user_id, channel_id, request)
        if not self.channel_permitted(request.channel_id):
            return Refusal.CHANNEL_NOT_PERMITTED
        if channel_id is not None and channel_id != request.channel_id:
            return Refusal.WRONG_CHANNEL
        if not self.is_admin(user_id, request.channel_id):
            return Refusal.NOT_ADMIN
        return None

    def refusal_to_decide(
        self, user_id: str, channel_id: str | None, request: SendIdRequest
    ) -> Refusal | None:
        """Why `user_id`, clicking in `channel_id`, may not approve/reject/retry `request`."""
        if not self.channel_permitted(channel_id) or not self.channel_permitted(request.channel_id):
            return Refusal.CHANNEL_NOT_PERMITTED
        if channel_id != request.channel_id:
            return Refusal.WRONG_CHANNEL
        if not self.is_approver(user_id, request.channel_id):
            return Refusal.NOT_APPROVER
        if user_id == request.requester_id and not self.allow_self_approval:
            return Refusal.SELF_APPROVAL
        return None

    def refusal_to_ask_again(
        self, channel_id: str | None, request: SendIdRequest
    ) -> Refusal | None:
        """Anyone may ask again for what an ended request asked, in its own channel while
        requests are permitted there (the form is checked again when it is submitted)."""
        return self.refusal_to_see_results(channel_id, request)
