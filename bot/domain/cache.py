"""A small cache for slow, side-effect-free reads (Braze results): each value is kept for a
while, and callers asking for the same key at the same time share one fetch."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Flight(Generic[V]):
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: V | None = None
        self.error: BaseException | None = None


class SingleFlightCache(Generic[K, V]):
    """Values by key for `ttl` seconds (at most `max_entries`, the oldest dropped first). A
    failed fetch is not kept: its error goes to everyone who waited for it, and the next
    caller fetches again."""

    def __init__(
        self, ttl: float, *, max_entries: int = 1000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._values: dict[K, tuple[float, V]] = {}
        self._flights: dict[K, _Flight[V]] = {}

    def get(self, key: K, fetch: Callable[[], V]) -> V:
        with self._lock:
            hit = self._values.get(key)
            if hit is not None and self._clock() - hit[0] < self._ttl:
                return hit[1]
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value  # type: ignore[return-value]
        try:
            value = fetch()
        except BaseException as error:
            flight.error = error
            raise
        else:
            flight.value = value
            with self._lock:
                self._values[key] = (self._clock(), value)
                while len(self._values) > self._max:
                    self._values.pop(next(iter(self._values)))
            return value
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.done.set()
