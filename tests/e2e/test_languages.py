"""The main flow in German and in English; private answers follow each reader's Slack locale."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.views import View

from bot.domain.models import RequestState
from tests.standins.slack import SlackStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN, CHANNEL, OUTSIDER, REQUESTER
from tests.support.shown import all_text
from tests.support.waits import wait_for_state


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


def test_private_answers_follow_the_readers_locale_while_the_card_uses_the_workspace_default(
    bots: InProcessBots, slack: SlackStandIn
) -> None:
    slack.users[REQUESTER] = {"locale": "de-DE"}
    slack.users[OUTSIDER] = {"locale": "en-US"}
    bot = bots.start()
    # The first form opens at once in the workspace language, then, once users.info has told
    # the requester's locale, shows itself in German (the same form: same seal, same inputs).
    opened = bot.open_form(user=REQUESTER)
    assert opened["title"]["text"] == "Request a send ID"
    relabelled = slack.wait_for_call("views.update").params
    view = relabelled["view"]
    View(**view).validate_json()
    assert view["title"]["text"] == "Sende-ID anfordern"  # the requester reads German
    assert view["private_metadata"] == opened["private_metadata"]
    assert input_ids(view) == input_ids(opened) != []  # what was typed stays
    # Known now: the next form opens in German straight away, and is not updated.
    assert bot.open_form(user=REQUESTER)["title"]["text"] == "Sende-ID anfordern"
    request = bot.request(CAMPAIGN, "mixed_1")
    assert len(slack.calls_to("views.update")) == 1
    card = all_text(bot.card_posts(CHANNEL)[-1].params)
    assert "Send ID request" in card  # the channel gets the workspace language
    bot.click(APPROVE, request.id, user=OUTSIDER)
    assert "Only approvers" in bot.wait_for_ephemeral(OUTSIDER, "Only").params["text"]
    assert "funktioniert hier nicht" in bot.command("", channel="C0RANDOM").json()["text"]
    # The locale is looked up once per person, then cached.
    looked_up = [c.params["user"] for c in slack.calls_to("users.info")]
    assert sorted(set(looked_up)) == sorted(looked_up)


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
