"""bot.slack.listeners.actions, in-process: every click is acknowledged at once, then the request
is looked up and who may act is checked, and whatever goes wrong is said privately."""

from __future__ import annotations

import logging

import pytest

from bot.domain.models import RequestState
from bot.i18n import Msg, Translator
from bot.slack.views import ids
from tests.standins.braze import BrazeStandIn
from tests.support.constants import (
    APPROVER,
    CAMPAIGN,
    CHANNEL,
    OTHER_CHANNEL,
    OUTSIDER,
    PRIVATE_CHANNEL,
    REQUESTER,
)
from tests.support.driver import ACKNOWLEDGED, SlackDriver
from tests.support.waits import stored, wait_for_state

t = Translator("en")
PERMITTED = f"<#{CHANNEL}>, <#{PRIVATE_CHANNEL}>"


def test_a_click_is_acknowledged_before_the_approver_check_asks_slack(
    bot_app: SlackDriver, braze: BrazeStandIn
) -> None:
    request = bot_app.request(CAMPAIGN, "wave1")
    slack = bot_app.slack
    assert slack.calls_to("usergroups.users.list") == []  # the group is not cached yet
    slack.set_latency(0.3, "usergroups.users.list")
    assert bot_app.click(ids.APPROVE, request.id, user=OUTSIDER).ack == ACKNOWLEDGED
    # Slack records the group lookup once it has answered: it had not when the ack came back.
    assert slack.calls_to("usergroups.users.list") == []
    assert bot_app.ephemeral_text(OUTSIDER) == t(Msg.REFUSAL_NOT_APPROVER)
    slack.wait_for_call("usergroups.users.list")
    assert stored(bot_app.store, request.id).state is RequestState.PENDING
    assert braze.create_calls() == []


@pytest.mark.parametrize("value", ["r0000000000000", "not-a-request", "r" * 65, ""])
@pytest.mark.parametrize("action_id", [ids.APPROVE, ids.REJECT, ids.RETRY, ids.CANCEL])
def test_a_click_naming_no_known_request_is_answered_privately(
    bot_app: SlackDriver, action_id: str, value: str
) -> None:
    assert bot_app.click(action_id, value, user=APPROVER).ack == ACKNOWLEDGED
    assert bot_app.ephemeral_text(APPROVER) == t(Msg.ALREADY_UNKNOWN)


@pytest.mark.parametrize(
    ("action_id", "requester", "user", "channel", "said"),
    [
        (ids.APPROVE, APPROVER, APPROVER, CHANNEL, t(Msg.REFUSAL_SELF_APPROVAL)),
        (ids.REJECT, REQUESTER, OUTSIDER, CHANNEL, t(Msg.REFUSAL_NOT_APPROVER)),
        (ids.APPROVE, REQUESTER, APPROVER, PRIVATE_CHANNEL, t(Msg.REFUSAL_WRONG_CHANNEL)),
        (
            ids.APPROVE,
            REQUESTER,
            APPROVER,
            OTHER_CHANNEL,
            t(Msg.REFUSAL_CHANNEL, channels=PERMITTED),
        ),
        (ids.CANCEL, REQUESTER, APPROVER, CHANNEL, t(Msg.REFUSAL_NOT_REQUESTER)),
        # Results are refused before anything is said of the request (it is not created).
        (ids.RESULTS, REQUESTER, APPROVER, PRIVATE_CHANNEL, t(Msg.REFUSAL_WRONG_CHANNEL)),
    ],
)
def test_a_refused_click_is_answered_privately_and_changes_nothing(
    bot_app: SlackDriver,
    braze: BrazeStandIn,
    action_id: str,
    requester: str,
    user: str,
    channel: str,
    said: str,
) -> None:
    request = bot_app.request(CAMPAIGN, "wave1", user=requester)
    answer = bot_app.click(action_id, request.id, user=user, channel=channel)
    assert answer.ack == ACKNOWLEDGED
    assert bot_app.ephemeral_text(user) == said
    assert stored(bot_app.store, request.id).state is RequestState.PENDING
    assert braze.create_calls() == braze.data_series_calls() == []
    bot_app.slack.assert_no_call(
        "views.open", lambda c: c.params["trigger_id"] == answer.trigger_id, within=0
    )


def test_an_approval_creates_the_send_id_once_and_says_so_in_the_thread(
    bot_app: SlackDriver, braze: BrazeStandIn
) -> None:
    request = bot_app.request(CAMPAIGN, "wave1")
    assert bot_app.click(ids.APPROVE, request.id, user=APPROVER).ack == ACKNOWLEDGED
    created = wait_for_state(bot_app.store, request.id, RequestState.CREATED)
    assert created.decided_by == APPROVER
    assert [c.json for c in braze.create_calls()] == [
        {"campaign_id": request.campaign_id, "send_id": "wave1"}
    ]
    bot_app.wait_for_thread_reply(request)


def test_an_unreadable_approver_group_is_said_not_hidden(bot_app: SlackDriver) -> None:
    request = bot_app.request(CAMPAIGN, "wave1")
    bot_app.slack.fail_next("usergroups.users.list", "missing_scope")
    assert bot_app.click(ids.APPROVE, request.id, user=OUTSIDER).ack == ACKNOWLEDGED
    answer = bot_app.ephemeral_text(OUTSIDER)
    assert answer.startswith("I could not check who the approvers are")
    assert "missing_scope" in answer
    assert stored(bot_app.store, request.id).state is RequestState.PENDING


def test_a_failure_after_the_ack_is_told_privately_and_logged_with_its_traceback(
    bot_app: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    request = bot_app.request(CAMPAIGN, "wave1")
    bot_app.slack.fail_next("views.open", "invalid_trigger_id")
    with caplog.at_level(logging.ERROR, logger="bot.slack"):
        assert bot_app.click(ids.REJECT, request.id, user=APPROVER).ack == ACKNOWLEDGED
        answer = bot_app.ephemeral_text(APPROVER)
    assert answer == t(Msg.ACTION_FAILED, what=t(Msg.DOING_REJECT))
    assert "SlackApiError" not in answer and "(" not in answer  # no exception class for people
    (logged,) = [r for r in caplog.records if r.getMessage() == f"{Msg.DOING_REJECT} failed"]
    assert logged.exc_info is not None
    assert stored(bot_app.store, request.id).state is RequestState.PENDING


def test_the_reject_button_of_cards_already_posted_opens_the_reason_form(
    bot_app: SlackDriver,
) -> None:
    # Cards posted by any version carry this action ID; it must keep reaching the listener.
    request = bot_app.request(CAMPAIGN, "wave1")
    answer = bot_app.click("sendid_reject", request.id, user=APPROVER)
    assert answer.ack == ACKNOWLEDGED
    view = bot_app.view_for(answer.trigger_id)
    assert view["callback_id"] == ids.REJECT_MODAL != ids.REJECT


def test_a_decision_in_the_app_home_shows_there_at_once(bot_app: SlackDriver) -> None:
    request = bot_app.request(CAMPAIGN, "wave1")
    assert bot_app.home_click(ids.APPROVE, request.id, user=APPROVER).ack == ACKNOWLEDGED
    wait_for_state(bot_app.store, request.id, RequestState.CREATED)
    publish = bot_app.slack.wait_for_call("views.publish")
    assert publish.params["user_id"] == APPROVER


@pytest.mark.parametrize(
    ("user", "said"),
    [
        (OUTSIDER, t(Msg.REFUSAL_NOT_REQUESTER)),
        (REQUESTER, t(Msg.ALREADY_PENDING)),  # its card is up already: nothing to post again
    ],
)
def test_repost_answers_in_the_dm_where_its_button_is(
    bot_app: SlackDriver, user: str, said: str
) -> None:
    request = bot_app.request(CAMPAIGN, "wave1")
    assert bot_app.click(ids.REPOST, request.id, user=user, channel="D0DM").ack == ACKNOWLEDGED
    dm = bot_app.slack.wait_for_call("chat.postMessage", lambda c: c.params["channel"] == user)
    assert dm.params["text"] == said
    bot_app.slack.assert_no_call("chat.postEphemeral", within=0)
