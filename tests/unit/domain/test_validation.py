"""bot.domain.validation: the request form's input rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import problems as codes
from bot.domain.problems import Problem
from bot.domain.validation import (
    SEND_ID_MAX,
    CleanInput,
    campaign_id_problem,
    check_form,
    normalise_campaign_id,
    normalise_optional,
    send_id_problem,
)
from tests.support.constants import CAMPAIGN

PRINTABLE_NO_SPACE = "".join(chr(c) for c in range(0x21, 0x7F))
valid_send_ids = st.text(alphabet=PRINTABLE_NO_SPACE, min_size=1, max_size=SEND_ID_MAX)
outside_range = st.characters(blacklist_categories=(), min_codepoint=0).filter(
    lambda ch: not 0x21 <= ord(ch) <= 0x7E
)


# ---- campaign ID ------------------------------------------------------------------------------


def test_a_lower_case_uuid_is_a_valid_campaign_id() -> None:
    assert campaign_id_problem(CAMPAIGN) is None


@pytest.mark.parametrize(
    "raw",
    [
        CAMPAIGN.upper(),
        f"  {CAMPAIGN}  ",
        f"\t{CAMPAIGN.upper()}\n",
        f"\u00a0{CAMPAIGN}\u2003",  # no-break and em spaces pasted from a web page
    ],
)
def test_a_campaign_id_is_stripped_and_lower_cased(raw: str) -> None:
    clean, problems = check_form(raw, None)
    assert problems == {}
    assert clean.campaign_id == CAMPAIGN


def test_normalising_a_missing_campaign_id_gives_an_empty_string() -> None:
    assert normalise_campaign_id(None) == ""
    assert normalise_campaign_id("   ") == ""


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_an_empty_campaign_id_asks_for_one(raw: str | None) -> None:
    _, problems = check_form(raw, None)
    assert problems == {"campaign_id": Problem(codes.CAMPAIGN_MISSING)}


@pytest.mark.parametrize(
    "raw",
    [
        CAMPAIGN[:-1],  # 35 characters
        CAMPAIGN + "0",  # 37 characters
        CAMPAIGN.replace("-", ""),  # 32 hex digits, no hyphens
        "{" + CAMPAIGN + "}",  # braces as some tools print GUIDs
        CAMPAIGN.replace("a", "g"),  # not hex
        CAMPAIGN.replace("-", "_"),
        CAMPAIGN[:8] + " " + CAMPAIGN[9:],  # inner space instead of a hyphen
        CAMPAIGN.replace("3", "\uff13"),  # a full-width digit
        CAMPAIGN.replace("3", "\u0663"),  # an Arabic-Indic digit (matches \d, not [0-9])
        "spring_sale",
        "https://dashboard.braze.com/campaigns/" + CAMPAIGN,
    ],
)
def test_a_campaign_id_that_is_not_uuid_shaped_is_refused(raw: str) -> None:
    _, problems = check_form(raw, None)
    assert problems == {"campaign_id": Problem(codes.CAMPAIGN_MALFORMED)}


def test_campaign_id_problem_refuses_a_trailing_newline_on_its_own() -> None:
    # Regression: the pattern ended in `$`, which also matches before a trailing newline.
    # check_form strips first, so only a direct caller was exposed; the rule itself was wrong.
    assert campaign_id_problem(CAMPAIGN + "\n") == Problem(codes.CAMPAIGN_MALFORMED)


# ---- send ID ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "send_id",
    [
        "a",
        "spring_sale_2026_wave1",
        "x" * SEND_ID_MAX,
        "<!channel>",
        "a&b",
        "a>b<c",
        "`code`",
        "\"quoted\"'single'",
        PRINTABLE_NO_SPACE[:SEND_ID_MAX],
        PRINTABLE_NO_SPACE[-SEND_ID_MAX:],
    ],
)
def test_printable_ascii_send_ids_are_accepted_unchanged(send_id: str) -> None:
    assert send_id_problem(send_id) is None
    clean, problems = check_form(CAMPAIGN, send_id)
    assert problems == {}
    assert clean.send_id == send_id


def test_a_send_id_of_65_characters_is_refused_with_its_length() -> None:
    problem = send_id_problem("x" * (SEND_ID_MAX + 1))
    assert problem is not None
    assert problem.code == codes.SEND_ID_TOO_LONG
    assert dict(problem.params) == {"maximum": 64, "length": 65}


@pytest.mark.parametrize(
    "send_id",
    [
        "spring sale",  # inner space
        "spring\tsale",
        "a\x00b",  # NUL
        "a\x1bb",  # ESC
        "a\x7fb",  # DEL
        "caf\u00e9",  # non-ASCII letter
        "sale\u2013one",  # en dash
        "\U0001f389party",  # emoji
        "a\u200bb",  # zero-width space
    ],
)
def test_control_characters_whitespace_and_non_ascii_in_a_send_id_are_refused(
    send_id: str,
) -> None:
    assert send_id_problem(send_id) == Problem(codes.SEND_ID_CHARACTERS)
    _, problems = check_form(CAMPAIGN, send_id)
    assert problems == {"send_id": Problem(codes.SEND_ID_CHARACTERS)}


@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n"])
def test_a_blank_send_id_means_braze_generates_one(raw: str | None) -> None:
    assert normalise_optional(raw) is None
    clean, problems = check_form(CAMPAIGN, raw)
    assert problems == {}
    assert clean == CleanInput(CAMPAIGN, None)


def test_surrounding_whitespace_of_a_send_id_is_trimmed_but_its_case_is_kept() -> None:
    clean, problems = check_form(CAMPAIGN, "  Spring_SALE \n")
    assert problems == {}
    assert clean.send_id == "Spring_SALE"


def test_no_send_id_has_no_problem() -> None:
    assert send_id_problem(None) is None


# ---- check_form combinations ------------------------------------------------------------------


def test_check_form_reports_both_fields_when_both_are_wrong() -> None:
    clean, problems = check_form("nope", "has space")
    assert problems == {
        "campaign_id": Problem(codes.CAMPAIGN_MALFORMED),
        "send_id": Problem(codes.SEND_ID_CHARACTERS),
    }
    assert clean == CleanInput("nope", "has space")


def test_check_form_reports_only_the_campaign_id_when_only_it_is_wrong() -> None:
    _, problems = check_form("nope", "fine")
    assert set(problems) == {"campaign_id"}


def test_check_form_reports_only_the_send_id_when_only_it_is_wrong() -> None:
    _, problems = check_form(CAMPAIGN, "x" * 65)
    assert set(problems) == {"send_id"}
    assert problems["send_id"].code == codes.SEND_ID_TOO_LONG


def test_check_form_returns_clean_values_and_no_problems_for_good_input() -> None:
    clean, problems = check_form(f" {CAMPAIGN.upper()} ", " wave1 ")
    assert problems == {}
    assert clean == CleanInput(CAMPAIGN, "wave1")


# ---- properties -------------------------------------------------------------------------------


@settings(max_examples=150)
@given(send_id=valid_send_ids)
def test_every_printable_ascii_send_id_of_1_to_64_characters_is_accepted_unchanged(
    send_id: str,
) -> None:
    assert send_id_problem(send_id) is None
    clean, problems = check_form(CAMPAIGN, send_id)
    assert problems == {}
    assert clean.send_id == send_id


@settings(max_examples=150)
@given(
    before=st.text(alphabet=PRINTABLE_NO_SPACE, max_size=30),
    bad=outside_range,
    after=st.text(alphabet=PRINTABLE_NO_SPACE, max_size=30),
)
def test_any_send_id_with_a_character_outside_0x21_to_0x7e_is_refused(
    before: str, bad: str, after: str
) -> None:
    assert send_id_problem(before + bad + after) is not None


@settings(max_examples=150)
@given(
    before=st.text(alphabet=PRINTABLE_NO_SPACE, min_size=1, max_size=30),
    bad=outside_range,
    after=st.text(alphabet=PRINTABLE_NO_SPACE, min_size=1, max_size=30),
)
def test_check_form_refuses_a_send_id_with_such_a_character_inside_it(
    before: str, bad: str, after: str
) -> None:
    # Only *surrounding* whitespace is trimmed; anything inside is the user's and must be refused.
    _, problems = check_form(CAMPAIGN, before + bad + after)
    assert "send_id" in problems


@given(uuid=st.uuids())
def test_every_uuid_in_any_case_is_a_valid_campaign_id(uuid: object) -> None:
    text = str(uuid)
    for variant in (text, text.upper()):
        clean, problems = check_form(variant, None)
        assert "campaign_id" not in problems
        assert clean.campaign_id == text
