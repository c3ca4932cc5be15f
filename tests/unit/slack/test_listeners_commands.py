"""bot.slack.listeners.commands, in-process: what `/sendid` answers in its acknowledgement, and
what it does after."""

from __future__ import annotations

from typing import Any

import pytest

from bot.i18n import Msg, Translator
from bot.slack.views import ids
from tests.standins.braze import BrazeStandIn
from tests.support.constants import CAMPAIGN, CHANNEL, OTHER_CHANNEL, PRIVATE_CHANNEL, REQUESTER
from tests.support.driver import ACKNOWLEDGED, Ack, SlackDriver

t = Translator("en")
PERMITTED = f"<#{CHANNEL}>, <#{PRIVATE_CHANNEL}>"


def privately(text: str) -> Ack:
    """An acknowledgement that answers only the person who typed the command."""
    return Ack(200, {"text": text, "response_type": "ephemeral"})


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


@pytest.mark.parametrize("channel", [CHANNEL, OTHER_CHANNEL, "D0DM"])
def test_help_is_answered_in_the_acknowledgement_wherever_it_is_typed(
    bot_app: SlackDriver, channel: str
) -> None:
    assert bot_app.command("help", channel=channel).ack == privately(t(Msg.HELP))


@pytest.mark.parametrize("text", ["", "history", "quota", f"{CAMPAIGN} wave1"])
@pytest.mark.parametrize("channel", [OTHER_CHANNEL, "D0DM"])
def test_outside_the_permitted_channels_the_answer_names_them_and_no_form_opens(
    bot_app: SlackDriver, channel: str, text: str
) -> None:
    answer = bot_app.command(text, channel=channel)
    assert answer.ack == privately(t(Msg.NOT_PERMITTED, channels=PERMITTED))
    bot_app.slack.assert_no_call("views.open", within=0.05)


def test_the_form_opens_prefilled_with_what_was_typed(bot_app: SlackDriver) -> None:
    answer = bot_app.command(f"{CAMPAIGN} wave1")
    assert answer.ack == ACKNOWLEDGED
    view = bot_app.view_for(answer.trigger_id)
    assert view["callback_id"] == ids.REQUEST_MODAL
    fields = inputs(view)
    assert fields[ids.CAMPAIGN_BLOCK]["initial_value"] == CAMPAIGN
    assert fields[ids.SEND_ID_BLOCK]["initial_value"] == "wave1"


def test_more_than_two_words_get_the_usage_and_no_form(bot_app: SlackDriver) -> None:
    assert bot_app.command(f"{CAMPAIGN} wave1 extra").ack == privately(t(Msg.TOO_MANY_WORDS))
    bot_app.slack.assert_no_call("views.open", within=0.05)


def test_history_lists_the_channels_requests_in_the_acknowledgement(
    bot_app: SlackDriver,
) -> None:
    bot_app.request(CAMPAIGN, "wave1")
    answer = bot_app.command("history").ack
    assert answer.status == 200 and answer.body["response_type"] == "ephemeral"
    lines = str(answer.body["text"]).splitlines()
    assert lines[0] == t(Msg.HISTORY_TITLE)
    assert len(lines) == 2 and f"<@{REQUESTER}>" in lines[1] and "`wave1`" in lines[1]


def test_quota_says_nothing_is_known_before_braze_has_answered(bot_app: SlackDriver) -> None:
    assert bot_app.command("QUOTA").ack == privately(t(Msg.QUOTA_NOTHING_KNOWN))


@pytest.mark.parametrize("text", ["stats", "stats a b"])
def test_stats_needs_exactly_one_send_id(bot_app: SlackDriver, text: str) -> None:
    assert bot_app.command(text).ack == privately(t(Msg.STATS_USAGE))


def test_stats_of_a_send_id_never_created_here_is_answered_after_the_ack(
    bot_app: SlackDriver, braze: BrazeStandIn
) -> None:
    assert bot_app.command("stats nope").ack == ACKNOWLEDGED
    assert bot_app.ephemeral_text(REQUESTER) == t(Msg.STATS_UNKNOWN_SEND_ID, send_id="`nope`")
    assert braze.data_series_calls() == []
