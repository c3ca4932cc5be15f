"""Per-person limits on new requests: how many may wait at once, how fast forms may come.

The hard bound on what one person can set in motion is the cap on pending requests, which the
store enforces atomically across replicas. This limit only keeps a burst of submissions (each
may cost a Braze campaign lookup) from one person off the bot, so it is counted per process:
with N replicas a person gets at most N times the rate, still bounded by the cap.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from bot.domain import problems
from bot.domain.models import SendIdRequest
from bot.domain.problems import Problem

WINDOW_SECONDS: Final = 60.0
# Forget people with no submission in the window once this many are remembered (at most once
# a window, so a crowd does not make every submission scan them all).
_PRUNE_ABOVE: Final = 1024


class SubmissionRateLimit:
    """At most `per_minute` submissions per person in any 60 seconds (a sliding window)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}
        self._pruned_at = -math.inf

    def admit(self, person: str) -> int | None:
        """None if `person` may submit now (counted); otherwise the whole seconds until they
        may submit again (not counted: a refused submission does not extend the wait)."""
        now = self._clock()
        with self._lock:
            times = self._seen.setdefault(person, deque())
            while times and now - times[0] >= WINDOW_SECONDS:
                times.popleft()
            if len(times) >= self.per_minute:
                return max(1, math.ceil(times[0] + WINDOW_SECONDS - now))
            times.append(now)
            if len(self._seen) > _PRUNE_ABOVE and now - self._pruned_at >= WINDOW_SECONDS:
                self._forget_idle(now)
            return None

    def _forget_idle(self, now: float) -> None:
        self._pruned_at = now
        idle = [p for p, times in self._seen.items() if now - times[-1] >= WINDOW_SECONDS]
        for person in idle:
            del self._seen[person]


@dataclass(frozen=True, slots=True)
class PersonLimits:
    """The limits every requester has: at most `max_pending` requests waiting at once (None: no
    cap; the store enforces it atomically), and form submissions at the pace of `rate`."""

    max_pending: int | None = None
    rate: SubmissionRateLimit | None = None

    def refusal(
        self,
        requester_id: str,
        pending_count: Callable[[str], int],
        pending_of: Callable[[str], list[SendIdRequest]],
    ) -> Problem | None:
        """Why `requester_id` may not submit now (too fast, or the cap reached), counting this
        submission against the rate. `pending_count` counts their pending requests,
        `pending_of` reads them (only to say which, when the cap is reached)."""
        if self.rate is not None:
            wait = self.rate.admit(requester_id)
            if wait is not None:
                return problems.too_fast(wait)
        # An early answer, before any Braze lookup; the store holds the line on races.
        if self.max_pending is not None and pending_count(requester_id) >= self.max_pending:
            return self.over_cap(pending_of(requester_id))
        return None

    def over_cap(self, pending: list[SendIdRequest]) -> Problem:
        return problems.too_many_pending(pending, self.max_pending or len(pending))


NO_LIMITS: Final = PersonLimits()
