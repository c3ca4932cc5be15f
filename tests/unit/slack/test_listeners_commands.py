"""bot.slack.listeners.commands, in-process: what `/sendid` answers in its acknowledgement, and
what it does after."""

from __future__ import annotations

from typing import Any

import pytest

from bot.i18n import Msg, Translator
from bot.slack.views import ids
from tests.conftest import CAMPAIGN, CHANNEL, OTHER_CHANNEL, PRIVATE_CHANNEL, REQUESTER
from tests.unit.slack.conftest import Answer, DispatchedBot

t = Translator("en")
ACKNOWLEDGED = Answer(200, {})
PERMITTED = f"<#{CHANNEL}>, <#{PRIVATE_CHANNEL}>"


def privately(text: str) -> Answer:
    """An acknowledgement that answers only the person who typed the command."""
    return Answer(200, {"text": text, "response_type": "ephemeral"})


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


@pytest.mark.parametrize("channel", [CHANNEL, OTHER_CHANNEL, "D0DM"])
def test_help_is_answered_in_the_acknowledgement_wherever_it_is_typed(
    in_process: DispatchedBot, channel: str
) -> None:
    assert in_process.command("help", channel=channel) == privately(t(Msg.HELP))


@pytest.mark.parametrize("text", ["", "history", "quota", f"{CAMPAIGN} wave1"])
@pytest.mark.parametrize("channel", [OTHER_CHANNEL, "D0DM"])
def test_outside_the_permitted_channels_the_answer_names_them_and_no_form_opens(
    in_process: DispatchedBot, channel: str, text: str
) -> None:
    answer = in_process.command(text, channel=channel)
    assert answer == privately(t(Msg.NOT_PERMITTED, channels=PERMITTED))
    in_process.slack.assert_no_call("views.open", within=0.05)


def test_the_form_opens_prefilled_with_what_was_typed(in_process: DispatchedBot) -> None:
    assert in_process.command(f"{CAMPAIGN} wave1") == ACKNOWLEDGED
    view = in_process.opened_view()
    assert view["callback_id"] == ids.REQUEST_MODAL
    fields = inputs(view)
    assert fields[ids.CAMPAIGN_BLOCK]["initial_value"] == CAMPAIGN
    assert fields[ids.SEND_ID_BLOCK]["initial_value"] == "wave1"


def test_more_than_two_words_get_the_usage_and_no_form(in_process: DispatchedBot) -> None:
    assert in_process.command(f"{CAMPAIGN} wave1 extra") == privately(t(Msg.TOO_MANY_WORDS))
    in_process.slack.assert_no_call("views.open", within=0.05)


def test_history_lists_the_channels_requests_in_the_acknowledgement(
    in_process: DispatchedBot,
) -> None:
    in_process.pending_request("wave1")
    answer = in_process.command("history")
    lines = str(answer.body["text"]).splitlines()
    assert lines[0] == t(Msg.HISTORY_TITLE)
    assert len(lines) == 2 and f"<@{REQUESTER}>" in lines[1] and "`wave1`" in lines[1]
    assert answer.body["response_type"] == "ephemeral"


def test_quota_says_nothing_is_known_before_braze_has_answered(in_process: DispatchedBot) -> None:
    assert in_process.command("QUOTA") == privately(t(Msg.QUOTA_NOTHING_KNOWN))


@pytest.mark.parametrize("text", ["stats", "stats a b"])
def test_stats_needs_exactly_one_send_id(in_process: DispatchedBot, text: str) -> None:
    assert in_process.command(text) == privately(t(Msg.STATS_USAGE))


def test_stats_of_a_send_id_never_created_here_is_answered_after_the_ack(
    in_process: DispatchedBot,
) -> None:
    assert in_process.command("stats nope") == ACKNOWLEDGED
    assert in_process.ephemeral_to(REQUESTER) == t(Msg.STATS_UNKNOWN_SEND_ID, send_id="`nope`")
    assert in_process.braze.data_series_calls() == []
