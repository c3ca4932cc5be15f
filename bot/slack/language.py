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
from concurrent.futures import Future, ThreadPoolExecutor

from bot.i18n import DEFAULT_LANGUAGE, Translator, language_of

log = logging.getLogger("bot.slack")

LOOKUP_WAIT_SECONDS = 3.0
# Lookups run here, one per person at a time, however many answers wait for it.
LOOKUP_THREADS = 8


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
        self._inflight: dict[str, Future[Translator]] = {}
        self._pool = ThreadPoolExecutor(max_workers=LOOKUP_THREADS, thread_name_prefix="locale")
        self.channel = Translator(fixed or DEFAULT_LANGUAGE)

    def for_user(
        self, user_id: str, *, wait: bool = True, timeout: float = LOOKUP_WAIT_SECONDS
    ) -> Translator:
        """The reader's translator. `wait=False` never waits for Slack (for answers that go out
        in the 3-second acknowledgement): it uses the cache, else the workspace language, and
        looks the locale up in the background for next time."""
        now, later = self.now_and_later(user_id)
        if later is None or not wait:
            return now
        try:
            return later.result(timeout=timeout)
        except Exception:  # failed, or not back in time: the workspace language
            return self.channel

    def known(self, user_id: str) -> Translator:
        """The reader's translator if known (cached, or one language for all), else the
        workspace language; starts no lookup, costs no Slack call."""
        if self._fixed:
            return self.channel
        with self._lock:
            hit = self._cache.get(user_id)
        if hit and self._clock() - hit[0] < self._ttl:
            return hit[1]
        return self.channel

    def now_and_later(self, user_id: str) -> tuple[Translator, Future[Translator] | None]:
        """The translator to use at once, and, when that is only the workspace language
        standing in for a locale not known yet, the lookup under way (else None)."""
        if self._fixed:
            return self.channel, None
        with self._lock:
            hit = self._cache.get(user_id)
            if hit and self._clock() - hit[0] < self._ttl:
                return hit[1], None
            lookup = self._inflight.get(user_id)
            if lookup is None:
                lookup = self._pool.submit(self._look_up, user_id)
                self._inflight[user_id] = lookup
        return self.channel, lookup

    def _look_up(self, user_id: str) -> Translator:
        try:
            translator = Translator(language_of(self._fetch_locale(user_id)))
        except Exception as error:
            # A missing locale is no reason to fail the answer: fall back, retry next time.
            log.warning("locale of %s unknown (%s); using English", user_id, type(error).__name__)
            translator = Translator(DEFAULT_LANGUAGE)
        else:
            with self._lock:
                self._cache[user_id] = (self._clock(), translator)
        finally:
            with self._lock:
                self._inflight.pop(user_id, None)
        return translator
