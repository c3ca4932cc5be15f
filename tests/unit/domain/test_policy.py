"""bot.domain.policy: which channels, which approvers, and the user-group cache."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.models import RequestState, SendIdRequest
from bot.domain.policy import (
    ApproverSet,
    CachedGroupMembers,
    MembershipLookupError,
    Policy,
    Refusal,
)
from bot.domain.workspaces import DEFAULT_WORKSPACE
from tests.support.constants import (
    APPROVER,
    APPROVER_GROUP,
    CHANNEL,
    GROUP_APPROVER,
    OTHER_CHANNEL,
    OUTSIDER,
    PRIVATE_CHANNEL,
    REQUESTER,
)

DM = "D0DIRECT"
ENTERPRISE_APPROVER = "W0GRIDLEAD"
OTHER_GROUP = "S0LEADS"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class GroupDirectory:
    """A real fetch function for CachedGroupMembers: answers from a dict and counts its calls."""

    def __init__(self, groups: dict[str, list[str]]) -> None:
        self.groups = groups
        self.calls: list[str] = []
        self.failing = False

    def __call__(self, group_id: str) -> Iterable[str]:
        self.calls.append(group_id)
        if self.failing:
            raise MembershipLookupError(f"usergroups.users.list failed for {group_id}")
        return list(self.groups.get(group_id, []))


def make_request(
    *,
    channel_id: str = CHANNEL,
    requester_id: str = REQUESTER,
    state: RequestState = RequestState.PENDING,
) -> SendIdRequest:
    return SendIdRequest(
        id="r0123456789ab",
        channel_id=channel_id,
        workspace=DEFAULT_WORKSPACE,
        requester_id=requester_id,
        campaign_id="3f1c9e2a-5b7d-4c8e-9a10-1b2c3d4e5f60",
        send_id="wave1",
        campaign_name=None,
        state=state,
        created_at=NOW,
        updated_at=NOW,
        expires_at=NOW + timedelta(hours=24),
    )


def make_policy(
    directory: GroupDirectory | None = None,
    *,
    channels: Iterable[str] = (CHANNEL, PRIVATE_CHANNEL),
    users: Iterable[str] = (APPROVER, ENTERPRISE_APPROVER),
    groups: Iterable[str] = (APPROVER_GROUP,),
    allow_self_approval: bool = False,
    clock: FakeClock | None = None,
) -> Policy:
    directory = directory or GroupDirectory({APPROVER_GROUP: [GROUP_APPROVER]})
    members = CachedGroupMembers(directory, ttl_seconds=60, clock=clock or FakeClock())
    return Policy(
        channels,
        ApproverSet(frozenset(users), frozenset(groups)),
        members,
        allow_self_approval=allow_self_approval,
    )


# ---- channels ---------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", [CHANNEL, PRIVATE_CHANNEL])
def test_a_listed_channel_id_is_permitted(channel: str) -> None:
    assert make_policy().channel_permitted(channel)


@pytest.mark.parametrize(
    "channel", [OTHER_CHANNEL, None, "", "campaigns", "#campaigns", CHANNEL.lower()]
)
def test_anything_but_a_listed_channel_id_is_not_permitted(channel: str | None) -> None:
    assert not make_policy().channel_permitted(channel)


def test_a_direct_message_is_never_permitted_even_when_listed() -> None:
    policy = make_policy(channels=(CHANNEL, DM))
    assert not policy.channel_permitted(DM)
    assert policy.channel_permitted(CHANNEL)


def test_the_allowed_channels_keep_their_order_without_duplicates() -> None:
    policy = make_policy(channels=(PRIVATE_CHANNEL, CHANNEL, PRIVATE_CHANNEL))
    assert policy.allowed_channels == (PRIVATE_CHANNEL, CHANNEL)


# ---- approvers --------------------------------------------------------------------------------


@pytest.mark.parametrize("user", [APPROVER, ENTERPRISE_APPROVER])
def test_a_listed_user_id_is_an_approver_without_any_group_lookup(user: str) -> None:
    directory = GroupDirectory({APPROVER_GROUP: [GROUP_APPROVER]})
    assert make_policy(directory).is_approver(user)
    assert directory.calls == []


def test_a_member_of_a_listed_user_group_is_an_approver() -> None:
    directory = GroupDirectory({APPROVER_GROUP: [GROUP_APPROVER]})
    assert make_policy(directory).is_approver(GROUP_APPROVER)
    assert directory.calls == [APPROVER_GROUP]


def test_a_member_of_any_one_of_several_groups_is_an_approver() -> None:
    directory = GroupDirectory({APPROVER_GROUP: [], OTHER_GROUP: [GROUP_APPROVER]})
    assert make_policy(directory, groups=(APPROVER_GROUP, OTHER_GROUP)).is_approver(GROUP_APPROVER)


def test_someone_in_no_list_and_no_group_is_not_an_approver() -> None:
    directory = GroupDirectory({APPROVER_GROUP: [GROUP_APPROVER], OTHER_GROUP: ["U0SOMEONE"]})
    assert not make_policy(directory, groups=(APPROVER_GROUP, OTHER_GROUP)).is_approver(OUTSIDER)
    assert sorted(directory.calls) == [APPROVER_GROUP, OTHER_GROUP]


def test_a_failed_group_lookup_propagates_as_membership_lookup_error() -> None:
    directory = GroupDirectory({APPROVER_GROUP: [GROUP_APPROVER]})
    directory.failing = True
    policy = make_policy(directory)
    with pytest.raises(MembershipLookupError):
        policy.is_approver(GROUP_APPROVER)
    with pytest.raises(MembershipLookupError):
        policy.refusal_to_decide(GROUP_APPROVER, CHANNEL, make_request())


def test_a_failed_group_lookup_is_not_cached_and_is_tried_again() -> None:
    directory = GroupDirectory({APPROVER_GROUP: [GROUP_APPROVER]})
    directory.failing = True
    policy = make_policy(directory)
    with pytest.raises(MembershipLookupError):
        policy.is_approver(GROUP_APPROVER)
    directory.failing = False
    assert policy.is_approver(GROUP_APPROVER)
    assert directory.calls == [APPROVER_GROUP, APPROVER_GROUP]


# ---- the group cache --------------------------------------------------------------------------


def test_group_members_are_fetched_once_within_the_ttl() -> None:
    clock = FakeClock()
    directory = GroupDirectory({APPROVER_GROUP: [GROUP_APPROVER, APPROVER]})
    members = CachedGroupMembers(directory, ttl_seconds=60, clock=clock)
    first = members(APPROVER_GROUP)
    clock.now += 59.9
    second = members(APPROVER_GROUP)
    assert first == second == frozenset({GROUP_APPROVER, APPROVER})
    assert directory.calls == [APPROVER_GROUP]


def test_group_members_are_fetched_again_once_the_ttl_has_passed() -> None:
    clock = FakeClock()
    directory = GroupDirectory({APPROVER_GROUP: [GROUP_APPROVER]})
    members = CachedGroupMembers(directory, ttl_seconds=60, clock=clock)
    assert members(APPROVER_GROUP) == frozenset({GROUP_APPROVER})
    directory.groups[APPROVER_GROUP] = [OUTSIDER]  # someone was added to / removed from the group
    clock.now += 60
    assert members(APPROVER_GROUP) == frozenset({OUTSIDER})
    assert directory.calls == [APPROVER_GROUP, APPROVER_GROUP]
    clock.now += 30
    assert members(APPROVER_GROUP) == frozenset({OUTSIDER})
    assert directory.calls == [APPROVER_GROUP, APPROVER_GROUP]


def test_each_group_is_cached_separately() -> None:
    clock = FakeClock()
    directory = GroupDirectory({APPROVER_GROUP: [GROUP_APPROVER], OTHER_GROUP: [APPROVER]})
    members = CachedGroupMembers(directory, ttl_seconds=60, clock=clock)
    assert members(APPROVER_GROUP) == frozenset({GROUP_APPROVER})
    assert members(OTHER_GROUP) == frozenset({APPROVER})
    assert members(APPROVER_GROUP) == frozenset({GROUP_APPROVER})
    assert directory.calls == [APPROVER_GROUP, OTHER_GROUP]


def test_a_burst_of_approver_checks_costs_one_group_lookup() -> None:
    directory = GroupDirectory({APPROVER_GROUP: [GROUP_APPROVER]})
    policy = make_policy(directory)
    results = [policy.is_approver(user) for _ in range(20) for user in (GROUP_APPROVER, OUTSIDER)]
    assert results == [True, False] * 20
    assert directory.calls == [APPROVER_GROUP]


# ---- who may decide ---------------------------------------------------------------------------


def test_an_approver_in_the_request_channel_may_decide() -> None:
    assert make_policy().refusal_to_decide(APPROVER, CHANNEL, make_request()) is None


def test_a_group_member_in_the_request_channel_may_decide() -> None:
    assert make_policy().refusal_to_decide(GROUP_APPROVER, CHANNEL, make_request()) is None


def test_a_non_approver_is_refused() -> None:
    refusal = make_policy().refusal_to_decide(OUTSIDER, CHANNEL, make_request())
    assert refusal is Refusal.NOT_APPROVER


def test_an_approver_may_not_approve_their_own_request_by_default() -> None:
    request = make_request(requester_id=APPROVER)
    assert make_policy().refusal_to_decide(APPROVER, CHANNEL, request) is Refusal.SELF_APPROVAL


def test_a_group_member_may_not_approve_their_own_request_by_default() -> None:
    request = make_request(requester_id=GROUP_APPROVER)
    refusal = make_policy().refusal_to_decide(GROUP_APPROVER, CHANNEL, request)
    assert refusal is Refusal.SELF_APPROVAL


def test_self_approval_is_allowed_when_configured() -> None:
    request = make_request(requester_id=APPROVER)
    policy = make_policy(allow_self_approval=True)
    assert policy.refusal_to_decide(APPROVER, CHANNEL, request) is None


def test_allowing_self_approval_does_not_make_a_requester_an_approver() -> None:
    request = make_request(requester_id=OUTSIDER)
    policy = make_policy(allow_self_approval=True)
    assert policy.refusal_to_decide(OUTSIDER, CHANNEL, request) is Refusal.NOT_APPROVER


def test_a_click_in_another_permitted_channel_is_the_wrong_channel() -> None:
    refusal = make_policy().refusal_to_decide(APPROVER, PRIVATE_CHANNEL, make_request())
    assert refusal is Refusal.WRONG_CHANNEL


def test_a_click_in_a_channel_that_is_not_permitted_is_refused() -> None:
    refusal = make_policy().refusal_to_decide(APPROVER, OTHER_CHANNEL, make_request())
    assert refusal is Refusal.CHANNEL_NOT_PERMITTED


def test_a_request_of_a_channel_no_longer_permitted_cannot_be_decided() -> None:
    request = make_request(channel_id=OTHER_CHANNEL)
    refusal = make_policy().refusal_to_decide(APPROVER, OTHER_CHANNEL, request)
    assert refusal is Refusal.CHANNEL_NOT_PERMITTED


def test_a_click_from_a_dm_is_refused_even_if_the_dm_is_listed() -> None:
    request = make_request(channel_id=DM)
    policy = make_policy(channels=(CHANNEL, DM))
    assert policy.refusal_to_decide(APPROVER, DM, request) is Refusal.CHANNEL_NOT_PERMITTED


def test_the_channel_is_checked_before_any_group_lookup() -> None:
    directory = GroupDirectory({APPROVER_GROUP: [GROUP_APPROVER]})
    directory.failing = True  # a lookup would raise
    refusal = make_policy(directory).refusal_to_decide(
        GROUP_APPROVER, OTHER_CHANNEL, make_request()
    )
    assert refusal is Refusal.CHANNEL_NOT_PERMITTED
    assert directory.calls == []
