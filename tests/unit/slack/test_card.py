"""The approval card (issue 11): its header, fields, approvers, quota, buttons and sentence."""

from __future__ import annotations

import dataclasses
import json

import pytest
from slack_sdk.models.views import View

from bot.domain import problems
from bot.domain.models import RequestState
from bot.domain.validation import check_form
from bot.i18n import CATALOGUES, SUPPORTED_LANGUAGES, Msg, Translator
from bot.slack import mrkdwn as md
from bot.slack.listeners import commands
from bot.slack.views import card, ids, labels, modals, replies, texts
from tests.support.constants import APPROVER, APPROVER_GROUP, CAMPAIGN, REQUESTER
from tests.support.shown import valid_blocks
from tests.unit.slack.test_blocks import (
    CREATED_AT,
    QUOTA,
    RESET_AT,
    decided,
    flat,
    make_request,
    mrkdwn_texts,
)

S = RequestState
t = Translator("en")
de = Translator("de")
FACTS = card.CardFacts(approver_ids=[APPROVER], approver_group_ids=[APPROVER_GROUP], quota=QUOTA)


def fields_of(blocks: list[dict[str, object]]) -> dict[str, str]:
    """The card's fields by their bold label."""
    (section,) = [b for b in blocks if b["type"] == "section" and "fields" in b]
    pairs = [f["text"].split("\n", 1) for f in section["fields"]]  # type: ignore[attr-defined]
    return {label.strip("*"): value for label, value in pairs}


def shown(state: RequestState, tr: Translator = t, **changes: object) -> list[dict[str, object]]:
    request = make_request() if state is S.PENDING else decided(state, **changes)
    return valid_blocks(card.approval_card(tr, request, FACTS))


@pytest.mark.parametrize(
    ("state", "en", "german"),
    [
        (
            S.PENDING,
            "Send ID request: waiting for approval",
            "Sende-ID-Anfrage: wartet auf Freigabe",
        ),
        (S.APPROVED, "Send ID request: approved, creating…", "Sende-ID-Anfrage: freigegeben"),
        (S.CREATED, "Send ID created", "Sende-ID erstellt"),
        (S.FAILED, "Send ID not created", "Sende-ID nicht erstellt"),
        (S.REJECTED, "Send ID request rejected", "Sende-ID-Anfrage abgelehnt"),
        (S.EXPIRED, "Send ID request expired", "Sende-ID-Anfrage abgelaufen"),
        (S.CANCELLED, "Send ID request cancelled", "Sende-ID-Anfrage zurückgezogen"),
    ],
)
def test_the_cards_header_says_its_state_in_both_languages(
    state: RequestState, en: str, german: str
) -> None:
    assert shown(state, created_send_id="x")[0]["text"]["text"] == en  # type: ignore[index]
    header = shown(state, de, created_send_id="x")[0]["text"]["text"]  # type: ignore[index]
    assert header.startswith(german)


def test_a_pending_card_names_campaign_send_id_requester_approvers_expiry_and_quota() -> None:
    fields = fields_of(shown(S.PENDING))
    assert fields["Campaign"] == f"Spring Sale &lt;VIP&gt; &amp; friends (`{CAMPAIGN}`)"
    assert fields["Send ID"] == "`wave1`"
    assert fields["Requested by"] == f"<@{REQUESTER}>"
    assert fields["Approvers"] == f"<@{APPROVER}>, <!subteam^{APPROVER_GROUP}>"
    assert fields["Expires"] == md.date(make_request().expires_at)
    assert fields["Quota"].startswith("Quota left today: 99 of 100")


def test_the_quota_is_left_out_when_unknown_and_once_the_request_is_decided() -> None:
    unknown = card.approval_card(t, make_request(), dataclasses.replace(FACTS, quota=None))
    assert "Quota" not in fields_of(unknown)
    assert "Quota" not in fields_of(shown(S.REJECTED))
    assert "Expires" not in fields_of(shown(S.REJECTED))


def test_the_quota_on_the_card_is_the_requests_own_workspaces_and_named_unless_default() -> None:
    request = make_request(workspace="eu")
    fields = fields_of(card.approval_card(t, request, FACTS))
    assert fields["Quota"].startswith("Braze workspace *eu*: Quota left today: 99")


def test_a_long_approver_list_is_cut_and_counted_and_an_empty_one_says_so() -> None:
    many = card.CardFacts(approver_ids=[f"U0{n:04d}" for n in range(13)])
    approvers = fields_of(card.approval_card(t, make_request(), many))["Approvers"]
    assert approvers.count("<@") == 10 and approvers.endswith(" and 3 more")
    nobody = fields_of(card.approval_card(t, make_request()))["Approvers"]
    assert "nobody" in nobody


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("state", list(RequestState))
def test_every_state_has_a_valid_card_and_a_sentence_for_notifications(
    language: str, state: RequestState
) -> None:
    tr = Translator(language)
    request = decided(state, created_send_id="gen-1")
    valid_blocks(card.approval_card(tr, request, FACTS))
    text = card.card_text(tr, request)
    assert f"<@{REQUESTER}>" in text and "Spring Sale" in text
    assert request.id not in text and not text.endswith(f": {state.value}")


def test_the_sentence_names_the_campaign_id_when_braze_gave_no_name() -> None:
    text = card.card_text(t, make_request(campaign_name=None))
    assert text == f"<@{REQUESTER}> asks for a send ID for `{CAMPAIGN}`"
    german = card.card_text(de, make_request())
    assert (
        german
        == f"<@{REQUESTER}> bittet um eine Sende-ID für Spring Sale &lt;VIP&gt; &amp; friends"
    )


def test_the_card_is_valid_block_kit_with_hostile_text() -> None:
    request = make_request(campaign_name="x\n*y* https://a.example " + "z" * 400, send_id="a`b")
    blocks = valid_blocks(card.approval_card(t, request, FACTS))
    assert all("://" not in text for text in mrkdwn_texts(blocks))
    assert CREATED_AT  # the fixtures' moment, for the reader


# ---- the purpose -------------------------------------------------------------------------------


def test_the_request_form_has_an_optional_multiline_purpose_field() -> None:
    for tr, label in ((t, "Purpose"), (de, "Zweck")):
        view = modals.request_modal(tr, "C0CAMPAIGNS", private_metadata="sealed")
        View(**view).validate_json()
        (purpose,) = [b for b in view["blocks"] if b.get("block_id") == ids.PURPOSE_BLOCK]
        assert purpose["optional"] is True and purpose["label"]["text"] == label
        assert purpose["element"]["multiline"] is True


def test_a_purpose_is_shown_on_the_card_inert_and_on_one_line() -> None:
    request = make_request(purpose="Second wave\n*EU* only, see https://x.example <!here>")
    blocks = valid_blocks(card.approval_card(t, request, FACTS))
    (shown_purpose,) = [text for text in mrkdwn_texts(blocks) if text.startswith("*Purpose*")]
    _label, value = shown_purpose.split("\n")
    assert value.startswith("Second wave \u2217EU\u2217 only")
    assert "://" not in value and "&lt;!here&gt;" in value
    assert not any("Purpose" in text for text in mrkdwn_texts(shown(S.PENDING)))


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_a_purpose_over_300_characters_is_refused_with_its_length(language: str) -> None:
    assert check_form(CAMPAIGN, None, "x" * 300)[1] == {}
    _clean, found = check_form(CAMPAIGN, None, "  " + "x" * 301 + "  ")
    error = texts.problem_text(Translator(language), found["purpose"])
    assert "300" in error and "301" in error
    assert check_form(CAMPAIGN, None, "   ")[0].purpose is None


# ---- the success reply: the JSON to use next -------------------------------------------------


def snippet_of(blocks: list[dict[str, object]]) -> str:
    (text,) = [t for t in mrkdwn_texts(blocks) if "```" in t]
    return text.split("```")[1]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("send_id", ["bf-push-01", "a`b```c<d>&e", "https://x.example"])
def test_the_created_reply_carries_the_json_for_the_next_call_exactly(
    language: str, send_id: str
) -> None:
    request = decided(S.CREATED, created_send_id=send_id)
    text, reply = replies.created_reply(Translator(language), request, QUOTA)
    valid_blocks(reply)
    snippet = snippet_of(reply)
    assert "`" not in snippet
    shown = snippet.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert json.loads(shown) == {"campaign_id": CAMPAIGN, "send_id": send_id}
    assert "/campaigns/trigger/send" in flat(reply)
    assert any("14" in t and "*" in t for t in mrkdwn_texts(reply))
    assert "://" not in text  # the notification links nothing


def test_the_created_reply_says_where_to_see_results_in_both_languages() -> None:
    request = decided(S.CREATED, created_send_id="wave1")
    english = flat(replies.created_reply(t, request, QUOTA)[1])
    german = flat(replies.created_reply(de, request, QUOTA)[1])
    assert "*Show results* below, for 14 days after the send" in english
    assert "*Ergebnisse anzeigen*" in german and "14 Tage" in german


# ---- German, and the usage line ---------------------------------------------------------------


def test_german_puts_the_date_where_german_does_and_says_heute_noch_frei() -> None:
    line = labels.quota_line(de, QUOTA)
    assert line == f"Heute noch frei: 99 von 100, wird {labels.date(de, RESET_AT)} zurückgesetzt."
    used_up = dataclasses.replace(QUOTA, remaining=0)
    problem = texts.problem_text(de, problems.quota_problem(used_up, CREATED_AT), rich=True)
    assert problem.endswith(f"es wird {labels.date(de, RESET_AT)} zurückgesetzt.")


def test_german_says_du_and_names_brazes_german_menu() -> None:
    german = " ".join(CATALOGUES["de"].values())
    assert "Sie " not in german.replace("Sie funktionieren", "").replace(". Sie ", ". ")
    assert "Bitte " not in german and "bitte erneut" not in german
    assert "Einstellungen > APIs und Bezeichner" in german and "Settings" not in german
    assert "Anfrage einer Sende-ID" not in german


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_usage_line_lists_every_sub_command(language: str) -> None:
    usage = Translator(language)(Msg.TOO_MANY_WORDS)
    for word in [*commands.ANYWHERE, *commands.IN_PERMITTED_CHANNELS]:
        assert f"`/sendid {word}" in usage, word


@pytest.mark.parametrize(
    ("tr", "words"),
    [
        (t, f"Created after approval by <@{APPROVER}>, retried by <@U0RETRY>."),
        (de, f"<@{APPROVER}>, erneut versucht von <@U0RETRY>"),
    ],
)
def test_a_retried_request_keeps_its_approver_and_adds_who_retried(
    tr: Translator, words: str
) -> None:
    request = decided(S.CREATED, created_send_id="x", retried_by="U0RETRY")
    assert words in flat(valid_blocks(card.approval_card(tr, request, FACTS)))
    _, reply = replies.created_reply(tr, request, QUOTA)
    assert f"<@{APPROVER}>" in flat(valid_blocks(reply)) and "<@U0RETRY>" in flat(reply)
