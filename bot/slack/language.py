"""Which language each reader gets.

Messages posted into a channel (cards, thread replies) use the workspace language
(SENDID_LANGUAGE, else English). Private ones (ephemeral answers, modals, DMs) use the reader's
Slack locale from `users.info`, cached, unless SENDID_LANGUAGE fixes one language for everyone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.i18n import DEFAULT_LANGUAGE, Translator, language_of

log = logging.getLogger("bot.slack")


class Languages:
    def __init__(
        self,
        fixed: str | None,
        fetch_locale: Callable[[str], str | None],
        ttl_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fixed = fixed
        self._fetch_locale = fetch_locale
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Translator]] = {}
        self.channel = Translator(fixed or DEFAULT_LANGUAGE)

    def for_user(self, user_id: str) -> Translator:
        if self._fixed:
            return self.channel
        now = self._clock()
        with self._lock:
            hit = self._cache.get(user_id)
            if hit and now - hit[0] < self._ttl:
                return hit[1]
        try:
            translator = Translator(language_of(self._fetch_locale(user_id)))
        except Exception as error:
            # A missing locale is no reason to fail the answer: fall back, retry next time.
            log.warning("locale of %s unknown (%s); using English", user_id, type(error).__name__)
            return Translator(DEFAULT_LANGUAGE)
        with self._lock:
            self._cache[user_id] = (now, translator)
        return translator
