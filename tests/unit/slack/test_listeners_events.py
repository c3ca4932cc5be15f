"""bot.slack.listeners.events, in-process: the App Home tab; and how every listener gets the
bot's context from Bolt's."""

from __future__ import annotations

import pytest
from slack_bolt import BoltContext
from slack_sdk.models.views import View

from bot.slack.context import bot_context
from bot.slack.views import ids
from tests import slack_requests as sr
from tests.conftest import APPROVER, OUTSIDER
from tests.unit.slack.conftest import Answer, DispatchedBot


def test_opening_the_app_home_shows_an_approver_what_waits_for_them(
    in_process: DispatchedBot,
) -> None:
    request = in_process.pending_request("wave1")
    assert in_process.event(sr.app_home_opened(APPROVER)) == Answer(200, {})
    call = in_process.slack.wait_for_call("views.publish")
    assert call.params["user_id"] == APPROVER
    view = call.params["view"]
    View(**view).validate_json()
    rows = [b for b in view["blocks"] if b["type"] == "actions"]
    assert [b["block_id"] for b in rows] == [ids.row_id(ids.HOME_DECISION_ROW, request.id)]


def test_someone_who_approves_nothing_sees_no_decisions(in_process: DispatchedBot) -> None:
    in_process.pending_request("wave1")
    assert in_process.event(sr.app_home_opened(OUTSIDER)) == Answer(200, {})
    view = in_process.slack.wait_for_call("views.publish").params["view"]
    assert [b for b in view["blocks"] if b["type"] == "actions"] == []


def test_the_messages_tab_is_not_the_bots_to_draw(in_process: DispatchedBot) -> None:
    assert in_process.event(sr.app_home_opened(APPROVER, tab="messages")) == Answer(200, {})
    in_process.slack.assert_no_call("views.publish", within=0.1)


def test_a_listener_outside_build_app_fails_loudly_without_the_bots_context() -> None:
    with pytest.raises(RuntimeError, match="build_app"):
        bot_context(BoltContext())
