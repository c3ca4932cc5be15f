"""bot.slack.listeners.events, in-process: the App Home tab; and how every listener gets the
bot's context from Bolt's."""

from __future__ import annotations

import pytest
from slack_bolt import BoltContext

from bot.slack.context import bot_context
from bot.slack.views import ids
from tests.support import slack_requests as sr
from tests.support.constants import APPROVER, CAMPAIGN, OUTSIDER
from tests.support.driver import ACKNOWLEDGED, SlackDriver


def test_opening_the_app_home_shows_an_approver_what_waits_for_them(
    bot_app: SlackDriver,
) -> None:
    request = bot_app.request(CAMPAIGN, "wave1")
    view = bot_app.open_home(APPROVER)  # checked against Slack's view model
    rows = [b for b in view["blocks"] if b["type"] == "actions"]
    assert [b["block_id"] for b in rows] == [ids.row_id(ids.HOME_DECISION_ROW, request.id)]


def test_someone_who_approves_nothing_sees_no_decisions(bot_app: SlackDriver) -> None:
    bot_app.request(CAMPAIGN, "wave1")
    view = bot_app.open_home(OUTSIDER)
    assert [b for b in view["blocks"] if b["type"] == "actions"] == []


def test_the_messages_tab_is_not_the_bots_to_draw(bot_app: SlackDriver) -> None:
    assert bot_app.event(sr.app_home_opened(APPROVER, tab="messages")).ack == ACKNOWLEDGED
    bot_app.slack.assert_no_call("views.publish", within=0.1)


def test_a_listener_outside_build_app_fails_loudly_without_the_bots_context() -> None:
    with pytest.raises(RuntimeError, match="build_app"):
        bot_context(BoltContext())
