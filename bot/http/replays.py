"""The replay memory: signatures of Slack requests already answered, refused when they come again.

Only verified signatures are remembered (the endpoint checks them first), in the database every
replica shares (the *ledger*: :mod:`bot.store.signatures`) and, as a fast path for what this
process answered, in memory (thread-safe, bounded).

When a request is remembered depends on what a replay of it could do:

- **Interactions** (clicks, form submissions, events) are remembered *before* they are answered:
  insert-if-absent in the ledger, so of two replicas given the same request exactly one acts.
- **Slash commands** are looked up in the ledger (a read) and kept in memory before the answer,
  and written to the ledger just after it (write-behind, batched: one statement for many, at
  most :data:`WRITE_BEHIND_SECONDS` later; a graceful stop writes what is left). A replay to
  this process is refused at once; to another replica or after a restart, once the batch is
  written. What slips through in that moment does little: a form's trigger ID is single-use
  (Slack refuses a second `views.open` for it), and the text answers (`help`, `history`,
  `quota`, `stats`) only read; it is logged when the batch finds it. Writing to the database
  before every `/sendid` was the largest cost the bot added to bare Bolt (~0.3 ms of CPU each;
  a burst is CPU-bound: BENCHMARKS.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Final, Protocol

log = logging.getLogger("bot.web")

# Slack refuses requests older than this; a replay can only matter inside it.
REPLAY_WINDOW_SECONDS: Final = 5 * 60
# Signatures kept in this process as well (a replay is refused without asking the database);
# only verified ones, so bounded by what Slack sends, and at most this many.
REPLAY_MEMORY: Final = 50_000
# A slash command's signature reaches the ledger at most this long after its answer (plus the
# write): the batch gathers what a burst brings meanwhile.
WRITE_BEHIND_SECONDS: Final = 0.05
# Written-behind signatures waiting while the database cannot be reached are kept up to this
# many (the oldest dropped first: they matter least, their window closes first).
WRITE_BEHIND_BACKLOG: Final = 10_000


class SignatureLedger(Protocol):
    """Where answered signatures are kept for every replica (the store)."""

    def remember_signature(self, signature: str, request_timestamp: int) -> bool: ...

    def signature_kept(self, signature: str) -> bool: ...

    def remember_signatures(self, signatures: Sequence[tuple[str, int]]) -> set[str]: ...

    def forget_signature(self, signature: str) -> None: ...


class ReplayGuard:
    """Signatures answered within the replay window: in `ledger` (shared by every replica and
    kept across restarts; the truth) and in memory. :meth:`close` writes what is still behind."""

    def __init__(
        self,
        ledger: SignatureLedger | None = None,
        window: float = REPLAY_WINDOW_SECONDS,
        capacity: int = REPLAY_MEMORY,
        write_behind: float = WRITE_BEHIND_SECONDS,
    ) -> None:
        self._ledger = ledger
        self._window = window
        self._capacity = capacity
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._write_behind = write_behind
        self._behind: list[tuple[str, int]] = []
        self._behind_changed = threading.Condition()
        self._writer: threading.Thread | None = None
        self._closed = False

    def first_time(
        self, signature: str, request_timestamp: int = 0, *, before_answer: bool = True
    ) -> bool:
        """Remember `signature` (verified); False if it was already answered within the window.
        `before_answer=False` (slash commands): the ledger learns it just after (see above)."""
        now = time.monotonic()
        with self._lock:
            while self._seen:
                oldest, seen_at = next(iter(self._seen.items()))
                if now - seen_at <= self._window and len(self._seen) < self._capacity:
                    break
                del self._seen[oldest]
            if signature in self._seen:
                return False
            if not before_answer or self._ledger is None:
                self._seen[signature] = now  # decided here: of two threads, one is first
        if self._ledger is None:
            return True
        if not before_answer:
            # Answered by another replica, or before a restart? A read, without a write lock.
            if self._ledger.signature_kept(signature):
                return False
            self._write_later(signature, request_timestamp)
            return True
        # Outside the lock: of two threads (or replicas) with the same signature, the database
        # tells exactly one "first time".
        if not self._ledger.remember_signature(signature, request_timestamp):
            return False
        with self._lock:  # only what this process answered: another's forget() reaches here
            self._seen[signature] = now
        return True

    def forget(self, signature: str) -> None:
        with self._lock:
            self._seen.pop(signature, None)
        if self._ledger is not None:
            with self._behind_changed:
                self._behind = [(s, t) for s, t in self._behind if s != signature]
            self._ledger.forget_signature(signature)

    def flush(self) -> None:
        """Write every signature still behind now."""
        with self._behind_changed:
            batch, self._behind = self._behind, []
        self._write(batch)

    def close(self) -> None:
        """Stop writing behind, after writing what is left (a graceful stop keeps every one)."""
        with self._behind_changed:
            self._closed = True
            self._behind_changed.notify_all()
        if self._writer is not None:
            self._writer.join(timeout=10)
        self.flush()

    def _write_later(self, signature: str, request_timestamp: int) -> None:
        with self._behind_changed:
            if not self._closed and self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_behind_loop, name="replay-memory", daemon=True
                )
                self._writer.start()
            self._behind.append((signature, request_timestamp))
            del self._behind[:-WRITE_BEHIND_BACKLOG]
            if len(self._behind) == 1:  # the writer sleeps until the first one
                self._behind_changed.notify_all()

    def _write_behind_loop(self) -> None:
        while True:
            with self._behind_changed:
                while not self._behind and not self._closed:
                    self._behind_changed.wait()
                # What the rest of a burst brings goes along; close() cuts the wait short.
                self._wait_unless_closed(self._write_behind)
                if self._closed:
                    return  # close() writes what is left
                batch, self._behind = self._behind, []
            try:
                self._write(batch)
            except Exception:
                log.exception("replay memory unavailable: %d signatures kept to retry", len(batch))
                with self._behind_changed:
                    self._behind = (batch + self._behind)[-WRITE_BEHIND_BACKLOG:]
                    self._wait_unless_closed(1.0)

    def _wait_unless_closed(self, seconds: float) -> None:
        """Wait `seconds` (holding the condition's lock), or less if close() is called."""
        deadline = time.monotonic() + seconds
        while not self._closed and (left := deadline - time.monotonic()) > 0:
            self._behind_changed.wait(left)

    def _write(self, batch: list[tuple[str, int]]) -> None:
        if not batch or self._ledger is None:
            return
        answered_twice = self._ledger.remember_signatures(batch)
        if answered_twice:
            # Another replica answered the same command in the moment before the ledger knew.
            log.warning("%d slash command(s) answered by two replicas", len(answered_twice))
