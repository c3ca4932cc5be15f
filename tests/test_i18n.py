"""Both catalogues are complete and agree on placeholders; every domain code has a text."""

from __future__ import annotations

import string

import pytest

from bot.domain import problems
from bot.domain.models import FailureKind, RequestState
from bot.i18n import CATALOGUES, ENGLISH_TRANSLATOR, Msg, Translator, de, en, language_of


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_every_key_exists_in_every_catalogue(language: str) -> None:
    assert set(CATALOGUES[language]) == set(Msg)


def test_a_text_stands_in_one_half_of_a_catalogue_and_in_the_same_half_in_every_language() -> None:
    # Posted (card, replies, DMs) or answered to one person (forms, answers, App Home).
    assert not set(en.POSTED) & set(en.ANSWERS)
    assert not set(de.POSTED) & set(de.ANSWERS)
    assert (set(de.POSTED), set(de.ANSWERS)) == (set(en.POSTED), set(en.ANSWERS))
    assert not (set(en.POSTED) | set(en.ANSWERS)) & set(en.WORKFLOW)
    assert set(de.WORKFLOW) == set(en.WORKFLOW)


@pytest.mark.parametrize("msg", list(Msg))
def test_each_text_has_the_same_placeholders_in_every_language(msg: Msg) -> None:
    expected = placeholders(CATALOGUES["en"][msg])
    for language, catalogue in CATALOGUES.items():
        assert placeholders(catalogue[msg]) == expected, f"{language}: {msg}"


def test_the_german_catalogue_is_a_translation_not_a_copy() -> None:
    same = [m for m in Msg if CATALOGUES["de"][m] == CATALOGUES["en"][m]]
    # Only texts with no words in them (date tokens, field labels like *Campaign*) may match.
    assert set(same) <= {
        Msg.DATE_SHORT,
        Msg.FIELD_CAMPAIGN,
        Msg.HISTORY_LINE,
        Msg.HOME_HEADER,  # the app's name
        Msg.HOME_MINE_LINE,
        Msg.ADMIN_ENDPOINT_DEFAULT,  # the setting's name
        # Brand and channel names German keeps as they are.
        Msg.STATS_CHANNEL_SMS,
        Msg.STATS_CHANNEL_LINE,
        Msg.STATS_CHANNEL_WEBHOOK,
        Msg.STATS_CHANNEL_WHATS_APP,
    }, same


def test_every_problem_code_of_the_domain_has_a_text() -> None:
    for code in problems.ALL_CODES:
        assert Msg(f"problem.{code}") in CATALOGUES["en"]


def test_every_state_and_failure_kind_has_a_text() -> None:
    for state in RequestState:
        assert Msg(f"state.{state.value}") in CATALOGUES["de"]
    for kind in FailureKind:
        assert Msg(f"failure.{kind.value}") in CATALOGUES["de"]


def test_slack_date_tokens_survive_formatting() -> None:
    assert Translator("de")(Msg.DATE_PRETTY) == "{date_short_pretty} um {time}"
    assert ENGLISH_TRANSLATOR(Msg.DATE_PRETTY) == "{date_short_pretty} at {time}"


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("de-DE", "de"),
        ("de-AT", "de"),
        ("de_CH", "de"),
        ("en-GB", "en"),
        ("fr-FR", "en"),
        (None, "en"),
    ],
)
def test_slack_locales_map_to_a_supported_language_with_english_as_fallback(
    locale: str | None, language: str
) -> None:
    assert language_of(locale) == language


def test_an_unknown_language_falls_back_to_english() -> None:
    assert Translator("fr")(Msg.BUTTON_APPROVE) == "Approve"
