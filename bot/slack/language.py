"""Which language each reader gets.

What is posted about a request (its card, its thread) is in the request's language, chosen once
when it is made (`for_posting`): the channel's (`language` in the policy file), else
SENDID_LANGUAGE, else the requester's. Private messages (ephemeral answers, modals, DMs) use the
reader's Slack locale from `users.info`, cached, unless SENDID_LANGUAGE fixes one language for
everyone. Anything else posted in a channel uses the workspace language (SENDID_LANGUAGE, else
English).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from bot.domain.models import SendIdRequest
from bot.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, Translator, language_of

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
        channel_language: Callable[[str], str | None] = lambda _channel_id: None,
    ) -> None:
        self._fixed = fixed
        self._fetch_locale = fetch_locale
        self._channel_language = channel_language
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Translator]] = {}
        self._inflight: dict[str, Future[Translator]] = {}
        self._pool = ThreadPoolExecutor(max_workers=LOOKUP_THREADS, thread_name_prefix="locale")
        self.channel = Translator(fixed or DEFAULT_LANGUAGE)

    def for_posting(self, channel_id: str, requester_id: str) -> str:
        """The language of what will be posted about a new request of `requester_id` in
        `channel_id`: the channel's, else the workspace-wide one, else the requester's as known
        now (their /sendid looked it up; no Slack call here), else English."""
        return (
            self._channel_language(channel_id) or self._fixed or self.known(requester_id).language
        )

    def for_request(self, request: SendIdRequest) -> Translator:
        """The translator of everything posted about `request` (card, thread replies): its
        own language; for a request from before languages were kept, its channel's, else the
        workspace language."""
        if request.language in SUPPORTED_LANGUAGES:
            return Translator(request.language)
        return Translator(self._channel_language(request.channel_id) or self.channel.language)

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
