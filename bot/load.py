"""How busy the bot is answering Slack, so that work nobody is waiting for can stand aside.

Slack gives every request 3 seconds and a burst of them (a launch morning: many marketers type
`/sendid` at once) is CPU-bound on one GIL. Looking up a new marketer's language with
`users.info` costs as much CPU as opening their form, yet nobody waits for it: the form opens
in the workspace language and is relabelled once the locale is known. So the lookups wait
until the answers are out (:meth:`AnswerLoad.wait_until_calm`), at most a second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

# Calm: no Slack request has been in progress for this long (the listeners' Slack calls that
# follow the acknowledgements go out within it).
SETTLE_SECONDS: Final = 0.02


class AnswerLoad:
    """Slack requests being answered right now (thread-safe)."""

    def __init__(self, settle: float = SETTLE_SECONDS) -> None:
        self._settle = settle
        self._in_progress = 0
        self._last_change = time.monotonic()
        self._changed = threading.Condition()

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Around the answer to one Slack request."""
        with self._changed:
            self._in_progress += 1
            self._last_change = time.monotonic()
        try:
            yield
        finally:
            with self._changed:
                self._in_progress -= 1
                self._last_change = time.monotonic()
                # Waiters only care once nothing is in progress: waking them at every answer
                # of a burst handed the GIL to each and back for nothing (BENCHMARKS.md).
                if self._in_progress == 0:
                    self._changed.notify_all()

    @property
    def in_progress(self) -> int:
        return self._in_progress

    def wait_until_calm(self, longest: float) -> bool:
        """Wait until no Slack request has been in progress for a moment, at most `longest`
        seconds; True if it is calm, False if the wait ran out."""
        deadline = time.monotonic() + longest
        with self._changed:
            while True:
                now = time.monotonic()
                quiet_for = now - self._last_change
                if self._in_progress == 0 and quiet_for >= self._settle:
                    return True
                if now >= deadline:
                    return False
                # Busy: woken when a request ends; idle: once it has been for `settle`.
                busy = self._in_progress > 0
                self._changed.wait(
                    deadline - now if busy else min(self._settle - quiet_for, deadline - now)
                )
