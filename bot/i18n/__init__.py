"""Every text the bot shows a person, in English and German.

A small typed catalogue rather than gettext: the keys are an enum (`Msg`), so a typo is a type
error rather than a silently untranslated string; there is no compile step for .mo files; and a
test proves that both catalogues have every key with the same placeholders. English is the
fallback. Placeholders use `str.format`; literal braces (Slack's date tokens) are doubled.

Values put into placeholders are already Slack-safe (escaped by the caller); the catalogue
texts themselves are trusted mrkdwn or plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n.de import GERMAN
from bot.i18n.en import ENGLISH
from bot.i18n.keys import Msg

CATALOGUES: dict[str, dict[Msg, str]] = {"en": ENGLISH, "de": GERMAN}
DEFAULT_LANGUAGE = "en"
SUPPORTED_LANGUAGES = tuple(CATALOGUES)


def language_of(locale: str | None) -> str:
    """Slack's locale ("de-DE", "en-US", …) → a supported language; English otherwise."""
    prefix = (locale or "").replace("_", "-").split("-")[0].lower()
    return prefix if prefix in CATALOGUES else DEFAULT_LANGUAGE


@dataclass(frozen=True, slots=True)
class Translator:
    language: str = DEFAULT_LANGUAGE

    def __call__(self, msg: Msg, **params: object) -> str:
        catalogue = CATALOGUES.get(self.language, ENGLISH)
        text = catalogue.get(msg) or ENGLISH[msg]
        return text.format(**params)


ENGLISH_TRANSLATOR = Translator(DEFAULT_LANGUAGE)

__all__ = [
    "CATALOGUES",
    "DEFAULT_LANGUAGE",
    "ENGLISH_TRANSLATOR",
    "SUPPORTED_LANGUAGES",
    "Msg",
    "Translator",
    "language_of",
]
