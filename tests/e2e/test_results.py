"""Send results in Slack: "Show results" on the created reply, and `/sendid stats <send_id>`."""

from __future__ import annotations

from typing import Any

from bot.domain.models import RequestState, SendIdRequest
from tests.standins.braze import BrazeStandIn
from tests.support.bots import InProcessBots
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
from tests.support.shown import valid_blocks
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
    answer = bot.wait_for_ephemeral(OUTSIDER, "Results of send ID").params
    text = answer["text"]
    assert answer["thread_ts"] == request.card_ts  # in the card's thread, where the button is
    valid_blocks(answer["blocks"])
    assert "*Email*: 1,010 sent · 1,000 delivered · 402 opens · 50 clicks\n" in text
    assert "*iOS push*: 200 sent · 180 delivered · 30 opens · 9 clicks\n" in text
    assert text.count("conversions") == 1 and "Total conversions: 8" in text
    assert "14 days" in text
    # One pair of brackets at most (issue 27, item 8): the campaign by name.
    assert "*Results of send ID `results_1`* for Spring Sale &lt;VIP&gt; &amp; friends," in text
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
    answer = bot.wait_for_ephemeral(REQUESTER, "Results of send ID").params
    assert "`results_2`" in answer["text"] and "1,010 sent" in answer["text"]
    assert "thread_ts" not in answer  # typed in the channel: answered there


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


def test_results_in_german_name_the_channels_in_words_and_group_digits_with_dots(
    bots: InProcessBots,
) -> None:
    bot = bots.start(sendid_language="de")
    request, _ = created(bot, "ergebnisse_1")
    bots.braze.set_send_stats(CAMPAIGN, "ergebnisse_1", DAYS)
    bot.click(RESULTS, request.id, user=OUTSIDER)
    answer = bot.wait_for_ephemeral(OUTSIDER, "Ergebnisse der Sende-ID").params
    assert answer["thread_ts"] == request.card_ts
    text = answer["text"]
    assert "*E-Mail*: 1.010 gesendet · 1.000 zugestellt · 402 Öffnungen · 50 Klicks" in text
    assert "*iOS-Push*: 200 gesendet" in text
    assert "eindeutige Empfänger: 1.160" in text
