"""bot.slack.mrkdwn: escaping user text for Slack's mrkdwn, and the bot's own tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack import mrkdwn as md

MOMENT = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
EPOCH = 1740832200  # MOMENT as UTC epoch seconds


def unescape(text: str) -> str:
    # The inverse of Slack's escaping: &amp; last, so "&amp;lt;" becomes "&lt;", not "<".
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# ---- escape -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a & b", "a &amp; b"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U0APPROVER>", "&lt;@U0APPROVER&gt;"),
        ("<https://evil.example|click>", "&lt;https://evil.example|click&gt;"),
        ("&lt;", "&amp;lt;"),  # already-escaped text is shown as typed, not unescaped
        ("*bold* _it_ ~s~ `c`", "*bold* _it_ ~s~ `c`"),  # only the three control characters
        ("", ""),
    ],
)
def test_escape_replaces_exactly_the_three_control_characters(text: str, escaped: str) -> None:
    assert md.escape(text) == escaped


@settings(max_examples=150)
@given(text=st.text())
def test_escaped_text_has_no_angle_brackets_and_unescapes_to_the_original(text: str) -> None:
    escaped = md.escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert unescape(escaped) == text


@settings(max_examples=150)
@given(text=st.text(alphabet=st.sampled_from("&<>;amplgt#x!@ ")))
def test_every_ampersand_in_escaped_text_starts_an_entity(text: str) -> None:
    escaped = md.escape(text)
    assert re.fullmatch(r"([^&]|&amp;|&lt;|&gt;)*", escaped)
    assert unescape(escaped) == text


# ---- code -------------------------------------------------------------------------------------


def test_code_wraps_text_in_a_code_span() -> None:
    assert md.code("wave1") == "`wave1`"


def test_code_escapes_inside_the_span() -> None:
    assert md.code("<!here>&") == "`&lt;!here&gt;&amp;`"


def test_code_shows_a_backtick_as_its_look_alike_so_the_span_cannot_be_left() -> None:
    assert md.code("a`<b>") == "`a\u02cb&lt;b&gt;`"
    assert md.code("```x```").count("`") == 2


def test_code_folds_line_breaks_and_keeps_urls_copyable_unless_defused() -> None:
    assert md.code("a\nb") == "`a b`"
    assert md.code("https://evil.example") == "`https://evil.example`"
    defused = md.code("https://evil.example", defused=True)
    assert "evil.example" not in defused and "://" not in defused


@given(text=st.text(min_size=1))
def test_code_never_lets_an_angle_bracket_through_nor_a_second_span(text: str) -> None:
    rendered = md.code(text)
    assert "<" not in rendered and ">" not in rendered
    assert rendered.count("`") == 2 and rendered[0] == rendered[-1] == "`"
    assert "\n" not in rendered


# ---- inert: foreign text that can fool nobody ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Black Friday 2026 Push", "Black Friday 2026 Push"),
        ("bf_push_01 a*b", "bf_push_01 a*b"),  # inside a word they format nothing
        ("*urgent* _now_ ~old~", "\u2217urgent\u2217 \u02cdnow\u02cd \u223cold\u223c"),
        ("a `b` c", "a \u02cbb\u02cb c"),
        ("line one\n*Approved by* you", "line one \u2217Approved by\u2217 you"),
        ("<!channel> & co", "&lt;!channel&gt; &amp; co"),
        ("@here #general", "@\u2060here #\u2060general"),
    ],
)
def test_inert_neutralises_formatting_lines_and_mentions(text: str, shown: str) -> None:
    assert md.inert(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "see https://evil.example/login now",
        "go to www.evil.example",
        "evil.example",
        "mail boss@evil.example",
        "ftp://10.0.0.1/x",
    ],
)
def test_inert_leaves_no_url_domain_or_address_slack_would_link(text: str) -> None:
    shown = md.inert(text)
    assert "://" not in shown
    assert not re.search(r"[A-Za-z0-9]\.[A-Za-z0-9]", shown), shown


def test_inert_clips_to_the_limit() -> None:
    assert md.inert("x" * 50, 10) == "x" * 9 + "…"


@settings(max_examples=200)
@given(text=st.text())
def test_inert_text_is_one_line_without_brackets_backticks_or_links(text: str) -> None:
    shown = md.inert(text)
    assert "\n" not in shown and "\r" not in shown
    assert "<" not in shown and ">" not in shown and "`" not in shown
    assert "://" not in shown
    assert not re.search(r"(^|[^\w])[*_~]|[*_~]($|[^\w])", shown.replace("&amp;", "")), shown


# ---- user, channel, date ----------------------------------------------------------------------


def test_user_is_a_mention_token() -> None:
    assert md.user("U0APPROVER") == "<@U0APPROVER>"


def test_a_forged_user_id_cannot_close_the_mention_and_open_another() -> None:
    rendered = md.user("U1><!channel")
    assert rendered == "<@U1&gt;&lt;!channel>"
    assert rendered.count("<") == 1 and rendered.count(">") == 1


def test_channel_is_a_channel_link() -> None:
    assert md.channel("C0CAMPAIGNS") == "<#C0CAMPAIGNS>"
    assert md.channel("C1><!here") == "<#C1&gt;&lt;!here>"


def test_date_is_a_slack_date_token_with_a_utc_fallback() -> None:
    assert md.date(MOMENT) == (
        f"<!date^{EPOCH}^{{date_short_pretty}} at {{time}}|2025-03-01 12:30 UTC>"
    )


def test_date_takes_a_custom_pattern() -> None:
    assert md.date(MOMENT, "{date_short} {time}") == (
        f"<!date^{EPOCH}^{{date_short}} {{time}}|2025-03-01 12:30 UTC>"
    )


def test_date_uses_the_moments_epoch_whatever_its_time_zone() -> None:
    paris = MOMENT.astimezone(timezone(timedelta(hours=1)))
    assert md.date(paris).startswith(f"<!date^{EPOCH}^")


def test_dates_fallback_is_in_utc_whatever_the_moments_time_zone() -> None:
    # Regression: the fallback was formatted in the moment's own zone but labelled UTC.
    paris = MOMENT.astimezone(timezone(timedelta(hours=1)))
    assert md.date(paris).endswith("|2025-03-01 12:30 UTC>")
