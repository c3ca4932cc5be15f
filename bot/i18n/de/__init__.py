"""Deutsche Texte. Begriffe wie in Braze' deutscher Dokumentation (Campaign, Sende-ID).

In zwei Hälften wie die englischen: `posted` (was der Bot in Channels, Threads und DMs postet)
und `answers` (was eine Person als Antwort sieht: Formulare, Antworten, Home-Tab)."""

from __future__ import annotations

from bot.i18n.de.answers import ANSWERS
from bot.i18n.de.posted import POSTED
from bot.i18n.de.workflow import WORKFLOW
from bot.i18n.keys import Msg

GERMAN: dict[Msg, str] = POSTED | ANSWERS | WORKFLOW
