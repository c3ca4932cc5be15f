"""The main flow in German and in English; private answers follow each reader's Slack locale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slack_sdk.models.views import View

from bot.domain.models import RequestState
from bot.slack.listeners.commands import FORM_LOCALE_WAIT_SECONDS
from tests.standins.slack import SlackStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import (
    APPROVE,
    APPROVER,
    CAMPAIGN,
    CHANNEL,
    OUTSIDER,
    PRIVATE_CHANNEL,
    REQUESTER,
)
from tests.support.shown import all_text, buttons, valid_message
from tests.support.waits import stored, wait_for_state


def input_ids(view: dict[str, Any]) -> list[tuple[str, str]]:
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    return [(b["block_id"], b["element"]["action_id"]) for b in inputs]


def test_with_sendid_language_de_everything_a_person_sees_is_german(
    bots: InProcessBots, slack: SlackStandIn
) -> None:
    bot = bots.start(sendid_language="de")
    view = bot.open_form()
    assert view["title"]["text"] == "Sende-ID anfordern"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Campaign-ID", "Sende-ID", "Zweck"]
    errors = bot.submit(view, {"campaign_id": "falsch", "send_id": "mit leerzeichen"}).json()
    assert "keine Campaign-ID" in errors["errors"]["campaign_id"]
    assert "Leerzeichen" in errors["errors"]["send_id"]

    request = bot.request(CAMPAIGN, "welle_1")
    card = bot.card_posts(CHANNEL)[-1].params
    assert "Sende-ID-Anfrage: wartet auf Freigabe" in all_text(card)
    controls = [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [e["text"]["text"] for e in controls[:2]] == ["Freigeben", "Ablehnen"]
    assert (
        controls[2]["options"][0]["text"]["text"] == "Meine Anfrage zurückziehen (nur Anfragende)"
    )

    bot.click(APPROVE, request.id, user=OUTSIDER)
    assert "Nur Freigebende" in bot.wait_for_ephemeral(OUTSIDER, "Nur").params["text"]

    bot.click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED)
    reply = all_text(bot.wait_for_thread_reply(request)[0].params)
    assert "Sende-ID erstellt" in reply and "Freigegeben von" in reply
    assert "Send ID created" not in reply
    assert "Hilfe" in bot.command("help").json()["text"]
    assert "Letzte Sende-ID-Anfragen" in bot.command("history").json()["text"]
    # No users.info lookups: one language is fixed for the whole workspace.
    assert slack.calls_to("users.info") == []


def test_a_german_requesters_first_form_card_and_its_buttons_are_german_answers_per_reader(
    bots: InProcessBots, slack: SlackStandIn
) -> None:
    """Issue 27, item 5: SENDID_LANGUAGE unset, no channel language: what is posted about a
    request is in its requester's language; private answers in each reader's."""
    slack.users[REQUESTER] = {"locale": "de-DE"}
    slack.users[OUTSIDER] = {"locale": "en-US"}
    bot = bots.start()
    # The very first form waits for users.info: German at once, never relabelled.
    opened = bot.open_form(user=REQUESTER)
    View(**opened).validate_json()
    assert opened["title"]["text"] == "Sende-ID anfordern"
    request = bot.request(CAMPAIGN, "welle_2")
    assert stored(bot.store, request.id).language == "de"
    card = valid_message(bot.card_posts(CHANNEL)[-1].params)
    assert "Sende-ID-Anfrage: wartet auf Freigabe" in all_text(card)
    approve = buttons(card["blocks"])[0]
    assert approve["confirm"]["title"]["text"] == "Diese Sende-ID erstellen?"
    bot.click(APPROVE, request.id, user=OUTSIDER)
    assert "Only approvers" in bot.wait_for_ephemeral(OUTSIDER, "Only").params["text"]
    bot.reject(request.id, user=APPROVER, reason="zu früh")
    wait_for_state(bot.store, request.id, RequestState.REJECTED, announced=True)
    updated = valid_message(bot.slack.calls_to("chat.update")[-1].params)
    assert [b["text"]["text"] for b in buttons(updated["blocks"])] == ["Erneut anfordern"]
    assert "abgelehnt" in all_text(bot.wait_for_thread_reply(request)[0].params)
    assert slack.calls_to("views.update") == []
    # The locale is looked up once per person, then cached.
    looked_up = [c.params["user"] for c in slack.calls_to("users.info")]
    assert sorted(set(looked_up)) == sorted(looked_up)


def test_a_channels_language_in_the_policy_file_decides_what_is_posted_there(
    bots: InProcessBots, slack: SlackStandIn, tmp_path: Path
) -> None:
    slack.users[REQUESTER] = {"locale": "de-DE"}
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[defaults]\nlanguage = "de"\n\n[channels.{CHANNEL}]\nlanguage = "en"\n')
    bot = bots.start(sendid_policy_file=str(policy))
    assert bot.open_form(user=REQUESTER)["title"]["text"] == "Sende-ID anfordern"  # private
    english = bot.request(CAMPAIGN, "channel_en")
    assert "Send ID request: waiting for approval" in all_text(bot.card_posts(CHANNEL)[-1].params)
    slack.users[OUTSIDER] = {"locale": "en-US"}
    german = bot.request(CAMPAIGN, "kanal_de", user=OUTSIDER, channel=PRIVATE_CHANNEL)
    card = valid_message(bot.card_posts(PRIVATE_CHANNEL)[-1].params)
    assert "Sende-ID-Anfrage: wartet auf Freigabe" in all_text(card)
    assert (stored(bot.store, english.id).language, stored(bot.store, german.id).language) == (
        "en",
        "de",
    )


def test_a_form_whose_language_is_slow_to_come_opens_at_once_and_is_relabelled(
    bots: InProcessBots, slack: SlackStandIn
) -> None:
    slack.users[REQUESTER] = {"locale": "de-DE"}
    slack.set_latency(FORM_LOCALE_WAIT_SECONDS + 1, "users.info")
    bot = bots.start()
    opened = bot.open_form(user=REQUESTER)
    assert opened["title"]["text"] == "Request a send ID"
    relabelled = slack.wait_for_call("views.update").params
    view = relabelled["view"]
    View(**view).validate_json()
    assert view["title"]["text"] == "Sende-ID anfordern"  # the requester reads German
    assert view["private_metadata"] == opened["private_metadata"]
    assert input_ids(view) == input_ids(opened) != []  # what was typed stays


def test_a_new_persons_first_private_answer_is_already_in_their_language(
    bots: InProcessBots, slack: SlackStandIn
) -> None:
    slack.users[REQUESTER] = {"locale": "de-DE"}
    bot = bots.start()
    assert "Unterbefehl" in bot.command("status", user=REQUESTER).json()["text"]
    assert len(slack.calls_to("users.info")) == 1


def test_the_main_flow_in_english_shows_no_german(bots: InProcessBots) -> None:
    bot = bots.start(sendid_language="en")
    request = bot.request(CAMPAIGN, "english_1")
    bot.click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED)
    reply = all_text(bot.wait_for_thread_reply(request)[0].params)
    assert "Send ID created" in reply and "Sende-ID" not in reply
