"""Issue 27, item 6: at start-up the bot asks Slack about its channels, approvers and admins and
says in one plain line where /sendid works, plus one line per problem, with what to do."""

from __future__ import annotations

import logging

import pytest
from slack_sdk import WebClient

from bot.slack.setup_check import check_setup
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import running_bot
from tests.support.constants import (
    APPROVER,
    APPROVER_GROUP,
    BOT_TOKEN,
    CHANNEL,
    GROUP_APPROVER,
    PRIVATE_CHANNEL,
)
from tests.support.waits import wait_until

ANN = {"name": "ann.k", "profile": {"display_name": "ann", "real_name": "Ann K"}}


def client(slack: SlackStandIn, token: str = BOT_TOKEN) -> WebClient:
    return WebClient(token=token, base_url=slack.url)


def named(slack: SlackStandIn) -> None:
    slack.users[APPROVER] = dict(ANN)
    slack.usergroup_handles[APPROVER_GROUP] = "marketing-leads"
    slack.channels[CHANNEL] = {"name": "mkt-campaigns"}


def test_a_good_setup_is_one_line_with_channel_names_people_and_group_sizes(
    slack: SlackStandIn,
) -> None:
    named(slack)
    slack.usergroups[APPROVER_GROUP] = [GROUP_APPROVER, "U0LEAD2"]
    report = check_setup(
        client(slack),
        {CHANNEL: [APPROVER, APPROVER_GROUP], PRIVATE_CHANNEL: [APPROVER_GROUP]},
        admins=[APPROVER],
    )
    assert report.summary == (
        "ready: /sendid works in #mkt-campaigns (approvers @ann, @marketing-leads (2)); "
        "#channel-g0private (approvers @marketing-leads (2)); admins @ann"
    )
    assert report.problems == ()


def test_each_problem_is_one_line_saying_what_to_do(slack: SlackStandIn) -> None:
    named(slack)
    slack.unknown_ids |= {"C0TYPO", "U0GONE"}
    slack.channels[PRIVATE_CHANNEL] = {"name": "crm", "is_member": False}
    slack.users["U0LEFT"] = {"name": "bob", "deleted": True}
    slack.usergroups["S0EMPTY"] = []
    slack.usergroup_handles["S0EMPTY"] = "nobody-yet"
    report = check_setup(
        client(slack),
        {
            CHANNEL: [APPROVER, "U0GONE"],
            PRIVATE_CHANNEL: ["U0LEFT", "S0EMPTY", "S0NOSUCH"],
            "C0TYPO": [APPROVER],
        },
    )
    # What Slack could not name stays an ID in the summary; the problems say why.
    assert report.summary == (
        "ready: /sendid works in #mkt-campaigns (approvers @ann, U0GONE); "
        "#crm (approvers @bob, @nobody-yet (0), S0NOSUCH); C0TYPO (approvers @ann)"
    )
    assert sorted(report.problems) == sorted(
        [
            "S0NOSUCH: Slack knows no such user group; check the approver IDs "
            "(a group's ID is in its page's URL, S…)",
            "@nobody-yet (S0EMPTY) has nobody in it: nobody can approve",
            "U0GONE: Slack knows no such person; a person's ID is in their profile "
            "(⋮ → Copy member ID)",
            "@bob (U0LEFT) is deactivated in Slack and cannot approve",
            "#crm (G0PRIVATE): the bot is not a member, so it cannot post request cards "
            "there; invite it (/invite and the app's name, in #crm)",
            "C0TYPO: Slack shows the bot no such channel; check SENDID_ALLOWED_CHANNELS "
            "(a channel's ID is at the bottom of its details), or invite the bot if it is "
            "private",
        ]
    )


def test_when_slack_refuses_the_check_says_so_once_and_nothing_else(
    slack: SlackStandIn,
) -> None:
    report = check_setup(client(slack, token="xoxb-not-the-bot"), {CHANNEL: [APPROVER]})
    assert report.summary == (
        "the setup could not be checked against Slack (invalid_auth); "
        "requests are taken all the same"
    )
    assert report.problems == ()


def test_the_running_bot_logs_the_summary_after_it_started(
    slack: SlackStandIn,
    braze: BrazeStandIn,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.setup")
    named(slack)
    slack.unknown_ids.add(PRIVATE_CHANNEL)
    with running_bot(slack, braze, database_url, runtime_options={"check_setup_at_start": True}):
        summary = wait_until(
            lambda: next((r for r in caplog.records if r.getMessage().startswith("ready: ")), None)
        )
        warning = wait_until(
            lambda: next((r for r in caplog.records if r.levelno == logging.WARNING), None)
        )
    assert summary.getMessage().startswith(
        "ready: /sendid works in #mkt-campaigns (approvers @ann, @marketing-leads (1)); G0PRIVATE"
    )
    assert warning.getMessage().startswith("setup: G0PRIVATE: Slack shows the bot no such channel")
