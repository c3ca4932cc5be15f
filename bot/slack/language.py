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
LOOKUP_THREADS = 4
# Lookups someone is waiting for run on threads of their own: never behind unhurried ones.
URGENT_LOOKUP_THREADS = 4
# A lookup nobody waits for (the form is open, to be relabelled) waits this long at most for
# the bot to finish answering Slack first (bot.load).
CALM_WAIT_SECONDS = 1.0


class Languages:
    def __init__(
        self,
        fixed: str | None,
        fetch_locale: Callable[[str], str | None],
        ttl_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        wait_until_calm: Callable[[float], object] = lambda longest: None,
    ) -> None:
        self._fixed = fixed
        self._wait_until_calm = wait_until_calm
        self._fetch_locale = fetch_locale
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Translator]] = {}
        # One lookup per person at a time, however many answers are waiting for it; each with
        # whether it is unhurried (waiting for calm).
        self._inflight: dict[str, tuple[Future[Translator], bool]] = {}
        # Few threads: a burst of new people's lookups then runs mostly after their forms
        # have opened instead of competing with them for the GIL (BENCHMARKS.md).
        self._pool = ThreadPoolExecutor(max_workers=LOOKUP_THREADS, thread_name_prefix="locale")
        # A lookup someone waits for (a text answer) must not wait for calm: the answer itself
        # keeps the bot busy, so the two would wait for each other until the calm wait ran out.
        self._urgent = ThreadPoolExecutor(
            max_workers=URGENT_LOOKUP_THREADS, thread_name_prefix="locale-now"
        )
        self.channel = Translator(fixed or DEFAULT_LANGUAGE)

    def for_user(
        self, user_id: str, *, wait: bool = True, timeout: float = LOOKUP_WAIT_SECONDS
    ) -> Translator:
        """The reader's translator. `wait=False` never waits for Slack (for answers that go out
        in the 3-second acknowledgement): it uses the cache, else the workspace language, and
        looks the locale up in the background for next time."""
        now, later = self.now_and_later(user_id, urgent=wait)
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

    def now_and_later(
        self, user_id: str, *, unhurried: bool = False, urgent: bool = False
    ) -> tuple[Translator, Future[Translator] | None]:
        """The translator to use at once, and, when that is only the workspace language
        standing in for a locale not known yet, the lookup under way (else None).
        `unhurried`: nobody waits for the lookup, it may wait until the bot is calm; `urgent`:
        someone waits for it now, it waits for nothing (nor behind unhurried ones)."""
        if self._fixed:
            return self.channel, None
        with self._lock:
            hit = self._cache.get(user_id)
            if hit and self._clock() - hit[0] < self._ttl:
                return hit[1], None
            inflight = self._inflight.get(user_id)
            if inflight is None or (urgent and inflight[1]):
                # None under way, or only one waiting for calm while someone waits for it: this
                # one goes now (the other then finds the locale known and asks Slack nothing).
                pool = self._urgent if urgent else self._pool
                lookup = pool.submit(self._look_up, user_id, unhurried and not urgent)
                self._inflight[user_id] = (lookup, unhurried and not urgent)
            else:
                lookup = inflight[0]
        return self.channel, lookup

    def _look_up(self, user_id: str, unhurried: bool = False) -> Translator:
        if unhurried:
            self._wait_until_calm(CALM_WAIT_SECONDS)
            with self._lock:
                hit = self._cache.get(user_id)
            if hit and self._clock() - hit[0] < self._ttl:
                self._done(user_id, unhurried)
                return hit[1]  # looked up meanwhile by a lookup someone waited for
        try:
            translator = Translator(language_of(self._fetch_locale(user_id)))
        except Exception as error:
            # A missing locale is no reason to fail the answer: fall back, retry next time.
            log.warning("locale of %s unknown (%s); using English", user_id, type(error).__name__)
            self._done(user_id, unhurried)
            return Translator(DEFAULT_LANGUAGE)
        with self._lock:
            self._cache[user_id] = (self._clock(), translator)
        self._done(user_id, unhurried)
        return translator

    def _done(self, user_id: str, unhurried: bool) -> None:
        with self._lock:
            inflight = self._inflight.get(user_id)
            if inflight is not None and inflight[1] == unhurried:  # not the other kind's
                del self._inflight[user_id]
