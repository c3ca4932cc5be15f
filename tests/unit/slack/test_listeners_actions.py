"""bot.slack.listeners.actions, in-process: every click is acknowledged at once, then the request
is looked up and who may act is checked, and whatever goes wrong is said privately."""

from __future__ import annotations

import logging

import pytest

from bot.domain.models import RequestState
from bot.i18n import Msg, Translator
from bot.slack.views import ids
from tests import slack_requests as sr
from tests.conftest import (
    APPROVER,
    CHANNEL,
    OTHER_CHANNEL,
    OUTSIDER,
    PRIVATE_CHANNEL,
    REQUESTER,
)
from tests.unit.slack.conftest import Answer, DispatchedBot

t = Translator("en")
ACKNOWLEDGED = Answer(200, {})
PERMITTED = f"<#{CHANNEL}>, <#{PRIVATE_CHANNEL}>"


def test_a_click_is_acknowledged_before_the_approver_check_asks_slack(
    in_process: DispatchedBot,
) -> None:
    request = in_process.pending_request("wave1")
    slack = in_process.slack
    assert slack.calls_to("usergroups.users.list") == []  # the group is not cached yet
    slack.set_latency(0.3, "usergroups.users.list")
    assert in_process.click(ids.APPROVE, request.id, user=OUTSIDER) == ACKNOWLEDGED
    # Slack records the group lookup once it has answered: it had not when the ack came back.
    assert slack.calls_to("usergroups.users.list") == []
    assert in_process.ephemeral_to(OUTSIDER) == t(Msg.REFUSAL_NOT_APPROVER)
    slack.wait_for_call("usergroups.users.list")
    assert in_process.stored(request.id).state is RequestState.PENDING
    assert in_process.braze.create_calls() == []


@pytest.mark.parametrize("value", ["r0000000000000", "not-a-request", "r" * 65, ""])
@pytest.mark.parametrize("action_id", [ids.APPROVE, ids.REJECT, ids.RETRY, ids.CANCEL])
def test_a_click_naming_no_known_request_is_answered_privately(
    in_process: DispatchedBot, action_id: str, value: str
) -> None:
    assert in_process.click(action_id, value, user=APPROVER) == ACKNOWLEDGED
    assert in_process.ephemeral_to(APPROVER) == t(Msg.ALREADY_UNKNOWN)


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
    in_process: DispatchedBot, action_id: str, requester: str, user: str, channel: str, said: str
) -> None:
    request = in_process.pending_request("wave1", requester=requester)
    assert in_process.click(action_id, request.id, user=user, channel=channel) == ACKNOWLEDGED
    assert in_process.ephemeral_to(user) == said
    assert in_process.stored(request.id).state is RequestState.PENDING
    assert in_process.braze.create_calls() == in_process.braze.data_series_calls() == []
    in_process.slack.assert_no_call("views.open", within=0)


def test_an_approval_creates_the_send_id_once_and_says_so_in_the_thread(
    in_process: DispatchedBot,
) -> None:
    request = in_process.pending_request("wave1")
    assert in_process.click(ids.APPROVE, request.id, user=APPROVER) == ACKNOWLEDGED
    created = in_process.wait_for(request.id, lambda r: r.state is RequestState.CREATED)
    assert created.decided_by == APPROVER
    assert [c.json for c in in_process.braze.create_calls()] == [
        {"campaign_id": request.campaign_id, "send_id": "wave1"}
    ]
    in_process.slack.wait_for_call(
        "chat.postMessage", lambda c: c.params.get("thread_ts") == request.card_ts
    )


def test_an_unreadable_approver_group_is_said_not_hidden(in_process: DispatchedBot) -> None:
    request = in_process.pending_request("wave1")
    in_process.slack.fail_next("usergroups.users.list", "missing_scope")
    assert in_process.click(ids.APPROVE, request.id, user=OUTSIDER) == ACKNOWLEDGED
    answer = in_process.ephemeral_to(OUTSIDER)
    assert answer.startswith("I could not check who the approvers are")
    assert "missing_scope" in answer
    assert in_process.stored(request.id).state is RequestState.PENDING


def test_a_failure_after_the_ack_is_told_privately_and_logged_with_its_traceback(
    in_process: DispatchedBot, caplog: pytest.LogCaptureFixture
) -> None:
    request = in_process.pending_request("wave1")
    in_process.slack.fail_next("views.open", "invalid_trigger_id")
    with caplog.at_level(logging.ERROR, logger="bot.slack"):
        assert in_process.click(ids.REJECT, request.id, user=APPROVER) == ACKNOWLEDGED
        answer = in_process.ephemeral_to(APPROVER)
    assert answer == t(Msg.ACTION_FAILED, what=t(Msg.DOING_REJECT), error="SlackApiError")
    (logged,) = [r for r in caplog.records if r.getMessage() == f"{Msg.DOING_REJECT} failed"]
    assert logged.exc_info is not None
    assert in_process.stored(request.id).state is RequestState.PENDING


def test_the_reject_button_of_cards_already_posted_opens_the_reason_form(
    in_process: DispatchedBot,
) -> None:
    # Cards posted by any version carry this action ID; it must keep reaching the listener.
    request = in_process.pending_request("wave1")
    assert in_process.click("sendid_reject", request.id, user=APPROVER) == ACKNOWLEDGED
    view = in_process.opened_view()
    assert view["callback_id"] == ids.REJECT_MODAL != ids.REJECT


def test_a_decision_in_the_app_home_shows_there_at_once(in_process: DispatchedBot) -> None:
    request = in_process.pending_request("wave1")
    payload = sr.home_click(ids.APPROVE, request.id, user_id=APPROVER)
    assert in_process.interact(payload) == ACKNOWLEDGED
    in_process.wait_for(request.id, lambda r: r.state is RequestState.CREATED)
    publish = in_process.slack.wait_for_call("views.publish")
    assert publish.params["user_id"] == APPROVER


@pytest.mark.parametrize(
    ("user", "said"),
    [
        (OUTSIDER, t(Msg.REFUSAL_NOT_REQUESTER)),
        (REQUESTER, t(Msg.ALREADY_PENDING)),  # its card is up already: nothing to post again
    ],
)
def test_repost_answers_in_the_dm_where_its_button_is(
    in_process: DispatchedBot, user: str, said: str
) -> None:
    request = in_process.pending_request("wave1")
    assert in_process.click(ids.REPOST, request.id, user=user, channel="D0DM") == ACKNOWLEDGED
    dm = in_process.slack.wait_for_call("chat.postMessage", lambda c: c.params["channel"] == user)
    assert dm.params["text"] == said
    in_process.slack.assert_no_call("chat.postEphemeral", within=0)
