"""What the card and its replies show (issue 11), over signed requests, in English and German:
the card's header, approvers, quota and purpose; which controls exist in which state; the
requester's Cancel in the card's menu; Request again and its pre-filled form."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.domain.models import RequestState, SendIdRequest
from tests.standins.braze import BrazeStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import (
    APPROVE,
    APPROVER,
    APPROVER_GROUP,
    CAMPAIGN,
    CANCEL_MENU,
    CHANNEL,
    OTHER_CHANNEL,
    OUTSIDER,
    REQUEST_AGAIN,
    REQUESTER,
)
from tests.support.driver import SlackDriver
from tests.support.shown import all_text, buttons, valid_blocks
from tests.support.waits import newest_with_card, stored, wait_for_state

WORDS = {
    "en": {
        "header": "Send ID request: waiting for approval",
        "purpose": "*Purpose*",
        "too_long": "Keep the purpose to 300 characters; this one has 301.",
        "sentence": "asks for a send ID for Spring Sale",
        "again": "Request again",
        "refused": "Only the requester",
    },
    "de": {
        "header": "Sende-ID-Anfrage: wartet auf Freigabe",
        "purpose": "*Zweck*",
        "too_long": "Der Zweck darf höchstens 300 Zeichen haben; dieser hat 301.",
        "sentence": "bittet um eine Sende-ID für Spring Sale",
        "again": "Erneut anfordern",
        "refused": "Das kann nur die anfragende Person",
    },
}


@pytest.fixture(params=["en", "de"])
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def lang_bot(bots: InProcessBots, language: str) -> SlackDriver:
    return bots.start(sendid_language=language)


def latest_card(bot: SlackDriver, request: SendIdRequest) -> dict[str, Any]:
    """The card as it stands in the channel (posted, then updated), checked against Block Kit."""
    (card,) = [m for m in bot.slack.messages_in(CHANNEL) if m.get("ts") == request.card_ts]
    valid_blocks(card["blocks"])
    return card


def submit_with_purpose(bot: SlackDriver, purpose: str, send_id: str) -> Any:
    view = bot.open_form()
    values = {"campaign_id": CAMPAIGN, "send_id": send_id, "purpose": purpose}
    return bot.submit(view, values)


def test_the_card_shows_state_approvers_purpose_and_a_sentence_for_notifications(
    lang_bot: SlackDriver, language: str
) -> None:
    words = WORDS[language]
    answer = submit_with_purpose(lang_bot, "Second wave\n*EU* only <!here> https://x.example", "p1")
    assert answer.accepted_submission, answer
    request = newest_with_card(lang_bot.store, CHANNEL)
    assert request.purpose == "Second wave\n*EU* only <!here> https://x.example"
    card = latest_card(lang_bot, request)
    assert card["blocks"][0]["text"]["text"] == words["header"]
    assert words["sentence"] in card["text"] and request.id not in card["text"]
    shown = all_text(card["blocks"])
    assert f"<@{APPROVER}>" in shown and f"<!subteam^{APPROVER_GROUP}>" in shown
    (purpose,) = [
        b["text"]["text"] for b in card["blocks"] if words["purpose"] in str(b.get("text"))
    ]
    assert "Second wave \u2217EU\u2217 only &lt;!here&gt;" in purpose and "://" not in purpose
    assert "<!here>" not in shown


def test_a_purpose_over_300_characters_is_refused_inline(
    lang_bot: SlackDriver, language: str
) -> None:
    answer = submit_with_purpose(lang_bot, "x" * 301, "p2")
    errors = answer.json()["errors"]
    assert errors == {"purpose": WORDS[language]["too_long"]}
    assert lang_bot.store.recent_in_channel(CHANNEL, 1) == []


def test_the_card_shows_the_quota_left_in_its_workspace_once_braze_has_told_it(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    first = bot.request(CAMPAIGN, "quota_1")
    assert "Quota left today" not in all_text(latest_card(bot, first)["blocks"])  # not known
    bot.click(APPROVE, first.id, user=APPROVER)
    wait_for_state(bot.store, first.id, RequestState.CREATED)
    second = bot.request(CAMPAIGN, "quota_2")
    assert "Quota left today: 99 of 100" in all_text(latest_card(bot, second)["blocks"])


def test_cancel_is_in_the_cards_menu_and_refused_privately_to_anyone_but_the_requester(
    lang_bot: SlackDriver, language: str
) -> None:
    words = WORDS[language]
    request = lang_bot.request(CAMPAIGN, "menu_1")
    card = latest_card(lang_bot, request)
    (menu,) = [c for c in buttons(card["blocks"]) if c["type"] == "overflow"]
    assert menu["action_id"] == CANCEL_MENU and "confirm" in menu
    assert [o["value"] for o in menu["options"]] == [request.id]
    lang_bot.choose(CANCEL_MENU, request.id, user=APPROVER)
    assert (
        words["refused"] in lang_bot.wait_for_ephemeral(APPROVER, words["refused"]).params["text"]
    )
    assert stored(lang_bot.store, request.id).state is RequestState.PENDING
    lang_bot.choose(CANCEL_MENU, request.id, user=REQUESTER)
    wait_for_state(lang_bot.store, request.id, RequestState.CANCELLED, announced=True)
    again = buttons(latest_card(lang_bot, request)["blocks"])
    assert [(b["action_id"], b["text"]["text"]) for b in again] == [(REQUEST_AGAIN, words["again"])]


def test_request_again_opens_the_form_prefilled_for_whoever_clicks_and_they_request(
    lang_bot: SlackDriver, language: str
) -> None:
    # A long purpose (the form allows 300 characters): Request again keeps all of it.
    purpose = "Second wave of the Black Friday push, EU only. " * 6
    form = lang_bot.open_form()
    values = {"campaign_id": CAMPAIGN, "send_id": "again_1", "purpose": purpose}
    assert lang_bot.submit(form, values).accepted_submission
    request = newest_with_card(lang_bot.store, CHANNEL)
    lang_bot.reject(request.id, user=APPROVER, reason="wrong wave")
    wait_for_state(lang_bot.store, request.id, RequestState.REJECTED, announced=True)
    clicked = lang_bot.click(REQUEST_AGAIN, request.id, user=OUTSIDER)
    view = lang_bot.view_for(clicked.trigger_id)
    View(**view).validate_json()
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["campaign_id"]["initial_value"] == CAMPAIGN
    assert inputs["send_id"]["initial_value"] == "again_1"
    assert inputs["purpose"]["initial_value"] == purpose.strip()  # issue 27, item 8
    answer = lang_bot.submit(view, {"campaign_id": CAMPAIGN, "send_id": "again_1"}, user=OUTSIDER)
    assert answer.accepted_submission, answer
    renewed = newest_with_card(lang_bot.store, CHANNEL)
    assert renewed.id != request.id and renewed.requester_id == OUTSIDER
    assert renewed.send_id == "again_1" and renewed.channel_id == CHANNEL


def test_request_again_is_refused_from_another_channel_and_while_still_pending(
    bot: SlackDriver,
) -> None:
    request = bot.request(CAMPAIGN, "again_2")
    bot.click(REQUEST_AGAIN, request.id, user=OUTSIDER)  # a forged click: still pending
    assert "still waiting" in bot.wait_for_ephemeral(OUTSIDER, "still waiting").params["text"]
    bot.reject(request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.REJECTED)
    bot.click(REQUEST_AGAIN, request.id, user=OUTSIDER, channel=OTHER_CHANNEL)
    bot.wait_for_ephemeral(OUTSIDER, "not permitted")
    assert bot.slack.calls_to("views.open")[-1].params["view"]["callback_id"] != "sendid_request"
