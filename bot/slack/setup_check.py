"""The start-up check of the setup against Slack: one plain summary, and a line per problem.

Settings only prove IDs are well formed. Whether Slack knows them, whether the bot is in each
permitted channel (``chat:write`` posts only where the bot is a member) and whether each
approver group has anyone in it is asked here, once, after the bot has started: a slow or
failing Slack delays nothing and stops nothing (each problem is a warning that says what to do).

    ready: /sendid works in #mkt-campaigns (approvers @ann, @marketing-leads (12)); ...
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.policy import USERGROUP_ID
from bot.slack.names import group_handle, person_name

log = logging.getLogger("bot.setup")

# Where an admin finds a person's ID, for the line that says Slack does not know one.
_FIND_IDS = "a person's ID is in their profile (⋮ → Copy member ID)"


@dataclass(frozen=True, slots=True)
class SetupReport:
    """What the check found: the summary line and one line per problem (both plain text)."""

    summary: str
    problems: tuple[str, ...] = ()


@dataclass(slots=True)
class _Names:
    """What Slack said about each ID (a display name, or None when it is a problem)."""

    people: dict[str, str | None] = field(default_factory=dict)
    groups: dict[str, tuple[str, int] | None] = field(default_factory=dict)


def check_setup(
    client: WebClient,
    channel_approvers: Mapping[str, Sequence[str]],
    admins: Sequence[str] = (),
) -> SetupReport:
    """Ask Slack about every permitted channel (keys, in order) and every approver and admin ID;
    never raises. `channel_approvers`: each permitted channel's approver IDs (U…/W…/S…)."""
    problems: list[str] = []
    try:
        names = _look_up_people_and_groups(
            client, [*(a for ids in channel_approvers.values() for a in ids), *admins], problems
        )
        channels = [
            _describe_channel(client, channel_id, approvers, names, problems)
            for channel_id, approvers in channel_approvers.items()
        ]
    # Slack refusing (a token, a scope) or unreachable (OSError): say it once.
    except (SlackClientError, OSError) as error:
        return SetupReport(
            summary="the setup could not be checked against Slack "
            f"({_reason(error)}); requests are taken all the same",
            problems=(),
        )
    summary = "ready: /sendid works in " + "; ".join(channels)
    if admins:
        summary += "; admins " + ", ".join(_who(a, names) for a in admins)
    return SetupReport(summary=summary, problems=tuple(problems))


def log_setup(report: SetupReport) -> None:
    log.info("%s", report.summary)
    for problem in report.problems:
        log.warning("setup: %s", problem)


def _look_up_people_and_groups(
    client: WebClient, ids: Iterable[str], problems: list[str]
) -> _Names:
    names = _Names()
    wanted = list(dict.fromkeys(ids))
    groups = [i for i in wanted if USERGROUP_ID.match(i)]
    if groups:
        # One call for every group: its handle and how many people are in it.
        listed = client.usergroups_list(include_count=True, include_disabled=True)
        known = {str(g.get("id")): g for g in listed.get("usergroups") or []}
        for group_id in groups:
            group = known.get(group_id)
            if group is None:
                problems.append(
                    f"{group_id}: Slack knows no such user group; check the approver IDs "
                    "(a group's ID is in its page's URL, S…)"
                )
                names.groups[group_id] = None
                continue
            handle = group_handle(group) or group_id
            count = int(group.get("user_count") or 0)
            names.groups[group_id] = (handle, count)
            if group.get("date_delete"):
                problems.append(f"@{handle} ({group_id}) is disabled: nobody in it can approve")
            elif count == 0:
                problems.append(f"@{handle} ({group_id}) has nobody in it: nobody can approve")
    for user_id in (i for i in wanted if not USERGROUP_ID.match(i)):
        names.people[user_id] = _person(client, user_id, problems)
    return names


def _person(client: WebClient, user_id: str, problems: list[str]) -> str | None:
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError as error:
        if _reason(error) != "user_not_found":
            raise
        problems.append(f"{user_id}: Slack knows no such person; {_FIND_IDS}")
        return None
    name = person_name(user) or user_id
    if user.get("deleted"):
        problems.append(f"@{name} ({user_id}) is deactivated in Slack and cannot approve")
    return name


def _describe_channel(
    client: WebClient,
    channel_id: str,
    approvers: Sequence[str],
    names: _Names,
    problems: list[str],
) -> str:
    try:
        channel = client.conversations_info(channel=channel_id).get("channel") or {}
    except SlackApiError as error:
        if _reason(error) != "channel_not_found":
            raise
        problems.append(
            f"{channel_id}: Slack shows the bot no such channel; check SENDID_ALLOWED_CHANNELS "
            "(a channel's ID is at the bottom of its details), or invite the bot if it is private"
        )
        shown = channel_id
    else:
        shown = "#" + str(channel.get("name") or channel_id)
        if channel.get("is_archived"):
            problems.append(f"{shown} ({channel_id}) is archived: nobody can use /sendid there")
        elif channel.get("is_member") is False:
            problems.append(
                f"{shown} ({channel_id}): the bot is not a member, so it cannot post request "
                f"cards there; invite it (/invite and the app's name, in {shown})"
            )
    return f"{shown} (approvers {', '.join(_who(a, names) for a in approvers)})"


def _who(approver_id: str, names: _Names) -> str:
    if USERGROUP_ID.match(approver_id):
        group = names.groups.get(approver_id)
        return approver_id if group is None else f"@{group[0]} ({group[1]})"
    name = names.people.get(approver_id)
    return approver_id if name is None else f"@{name}"


def _reason(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or "refused")
    return type(error).__name__
