"""Safe text for Slack's mrkdwn.

Slack parses `<…>` before any formatting, even inside code spans, so `<!channel>` typed by a user
would ping the whole channel. Escaping the three control characters is exactly what Slack asks for
(https://api.slack.com/reference/surfaces/formatting#escaping) and makes any mention or link
token impossible; Slack shows the escaped characters as typed.

Escaping is not all: text a person or Braze wrote (a campaign name, a reject reason, a purpose,
Braze's or Slack's error strings) must also not *look* like the bot's own words. `inert` folds
line breaks (no fake lines), neutralises `*`, `_`, `~` and backticks that could open or close
formatting, and defuses what Slack would turn into a link by itself (a URL, a bare domain, an
e-mail address, `@here`, `#channel`). The bot's mrkdwn text objects are also `verbatim`, which
stops Slack's own auto-linking in blocks (`bot.slack.views.elements`); `inert` keeps the plain
`text` of a message (notifications, fallbacks) just as harmless.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

# Look-alikes that Slack never reads as formatting: U+2217 asterisk operator, U+02CD modifier
# letter low macron, U+223C tilde operator, U+02CB modifier letter grave accent.
_LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
# A formatting character counts only where it can open or close: not between two letters or
# digits (`bf_push_01` keeps its underscores, `_hidden_` does not).
_FORMATTING = re.compile(r"(?<![^\W_])[*_~]|[*_~](?![^\W_])")
# A dot between two letters or digits: what makes a domain (`evil.example`, `a@b.co`) that Slack
# links by itself. Shown as a one-dot leader (U+2024), which no URL detector takes for a dot.
_DOMAIN_DOT = re.compile(r"(?<=[^\W_])\.(?=[^\W_])")
# `scheme://`: a word joiner between the colon and the slashes.
_SCHEME = re.compile(r"(?<=[A-Za-z0-9]):(?=//)")
# `@here`, `@channel`, `@name`, `#channel`: a word joiner after the sign.
_SIGIL = re.compile(r"(?<![^\W_])([@#])(?=[^\W_])")
_WORD_JOINER = "\u2060"
_ONE_DOT_LEADER = "\u2024"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of `&`, `<` and `>` in text it sends (a slash command's words)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def fold(text: str) -> str:
    """`text` on one line: line breaks, control and format characters (bidi overrides,
    zero-width) become spaces, runs of spaces one."""
    cleaned = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    return " ".join(cleaned.split())


def clip(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def defuse_links(text: str) -> str:
    """`text` with nothing Slack would link by itself: URLs, domains, e-mail addresses and
    `@`/`#` names keep their look but not their function."""
    text = _SCHEME.sub(":" + _WORD_JOINER, text)
    text = _DOMAIN_DOT.sub(_ONE_DOT_LEADER, text)
    return _SIGIL.sub(lambda m: m.group(1) + _WORD_JOINER, text)


def inert(text: str, limit: int | None = None) -> str:
    """Foreign text (typed by a person, or from Braze or Slack) for mrkdwn: one line, at most
    `limit` characters, escaped, no formatting, no link, no mention."""
    folded = clip(fold(text), limit)
    neutral = _FORMATTING.sub(lambda m: _LOOKALIKES[m.group(0)], folded)
    neutral = neutral.replace("`", _LOOKALIKES["`"])
    return escape(defuse_links(neutral))


def code(text: str, *, defused: bool = False) -> str:
    """An inline code span of foreign text (an ID). A backtick cannot be escaped in mrkdwn, so
    it is shown as its look-alike (U+02CB); line breaks are folded. Inside the span `*_~` are plain.
    `defused`: also break what could auto-link, for a message's plain `text` (a notification),
    where `verbatim` does not apply; off in blocks, so the span copies exactly."""
    shown = fold(text).replace("`", _LOOKALIKES["`"])
    if defused:
        shown = defuse_links(shown)
    return f"`{escape(shown)}`" if shown else "``"


def user(user_id: str) -> str:
    # IDs come from Slack's own payloads (U…/W…); escaping keeps a forged one from forming a link.
    return f"<@{escape(user_id)}>"


def usergroup(group_id: str) -> str:
    return f"<!subteam^{escape(group_id)}>"


def channel(channel_id: str) -> str:
    return f"<#{escape(channel_id)}>"


def date(moment: datetime, pattern: str = "{date_short_pretty} at {time}") -> str:
    """A date Slack renders in each reader's own time zone and language, with a UTC fallback."""
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{pattern}|{fallback}>"
