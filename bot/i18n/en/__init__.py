"""English texts (the fallback for every other language).

In two halves by where a text shows, as in every language: `posted` (the card, thread replies and
DMs: what the bot posts) and `answers` (forms, answers to /sendid and to clicks, App Home and
form errors: what one person is answered). A key belongs in exactly one of them."""

from __future__ import annotations

from bot.i18n.en.answers import ANSWERS
from bot.i18n.en.posted import POSTED
from bot.i18n.en.workflow import WORKFLOW
from bot.i18n.keys import Msg

ENGLISH: dict[Msg, str] = POSTED | ANSWERS | WORKFLOW
