"""Send results in Slack: "Show results" on the created reply, and `/sendid stats <send_id>`."""

from __future__ import annotations

from typing import Any

from bot.domain.models import RequestState, SendIdRequest
from tests.standins.braze import BrazeStandIn
from tests.support.constants import (
    APPROVE,
    APPROVER,
    CAMPAIGN,
    OTHER_CHANNEL,
    OUTSIDER,
    REQUESTER,
    RESULTS,
)
from tests.support.driver import SlackDriver
from tests.support.waits import wait_for_state

DAYS = [
    {
        "time": "2026-11-20",
        "messages": {
            "email": [
                {"variation_name": "A", "sent": 1000, "delivered": 990, "opens": 400, "clicks": 50}
            ],
            "ios_push": [{"sent": 200, "delivered": 180, "total_opens": 30, "body_clicks": 9}],
        },
        "conversions": 7,
        "unique_recipients": 1150,
    },
    {
        "time": "2026-11-21",
        "messages": {"email": [{"variation_name": "A", "sent": 10, "delivered": 10, "opens": 2}]},
        "conversions": 1,
        "unique_recipients": 10,
    },
]


def created(bot: SlackDriver, send_id: str) -> tuple[SendIdRequest, dict[str, Any]]:
    request = bot.request(CAMPAIGN, send_id)
    bot.click(APPROVE, request.id, user=APPROVER)
    done = wait_for_state(bot.store, request.id, RequestState.CREATED)
    return done, bot.wait_for_thread_reply(request)[0].params


def test_the_created_reply_offers_results_and_they_show_per_channel(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request, reply = created(bot, "results_1")
    (button,) = [
        e
        for b in reply["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == RESULTS
    ]
    braze.set_send_stats(CAMPAIGN, "results_1", DAYS)
    bot.click(RESULTS, button["value"], user=OUTSIDER)
    text = bot.wait_for_ephemeral(OUTSIDER, "Results of send ID").params["text"]
    assert "*email*: 1,010 sent · 1,000 delivered · 402 opens · 50 clicks" in text
    assert "*ios_push*: 200 sent · 180 delivered · 30 opens · 9 clicks" in text
    assert "Total conversions: 8" in text
    assert "14 days" in text
    (call,) = braze.data_series_calls()
    assert call.query["campaign_id"] == CAMPAIGN and call.query["send_id"] == "results_1"
    assert call.query["length"] == "14"
    assert request.created_send_id == "results_1"


def test_sendid_stats_shows_the_same_results_privately(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    created(bot, "results_2")
    braze.set_send_stats(CAMPAIGN, "results_2", DAYS)
    response = bot.command("stats results_2", user=REQUESTER)
    assert response.status == 200 and response.text == ""  # answered once Braze has spoken
    text = bot.wait_for_ephemeral(REQUESTER, "Results of send ID").params["text"]
    assert "`results_2`" in text and "1,010 sent" in text


def test_a_key_without_sends_data_series_is_explained_not_crashed_on(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request, _ = created(bot, "results_3")
    braze.data_series_forbidden = True
    bot.click(RESULTS, request.id, user=REQUESTER)
    text = bot.wait_for_ephemeral(REQUESTER, "sends.data_series").params["text"]
    assert "permission" in text


def test_a_send_id_braze_has_no_data_for_says_so(bot: SlackDriver) -> None:
    request, _ = created(bot, "results_4")
    bot.click(RESULTS, request.id, user=REQUESTER)  # the stand-in has no data: 400
    assert "no results" in bot.wait_for_ephemeral(REQUESTER, "no results").params["text"]


def test_stats_for_a_send_id_this_bot_did_not_create_here_is_refused(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    bot.command("stats never_made", user=REQUESTER)
    bot.wait_for_ephemeral(REQUESTER, "created no send ID")
    assert "Usage" in bot.command("stats", user=REQUESTER).json()["text"]
    assert braze.data_series_calls() == []


def test_results_buttons_clicked_from_another_channel_are_refused(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request, _ = created(bot, "results_5")
    bot.click(RESULTS, request.id, user=OUTSIDER, channel=OTHER_CHANNEL)
    bot.wait_for_ephemeral(OUTSIDER, "not permitted")
    assert braze.data_series_calls() == []
