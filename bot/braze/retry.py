"""How often and how patiently a failed Braze call is tried again."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter.

    Attempt ``n`` (1-based) that failed retryably is followed by a pause drawn uniformly from
    ``[0, min(backoff_max, backoff_base * 2 ** (n - 1))]``. At most ``max_attempts`` attempts
    are made, and no further attempt starts once ``max_total`` seconds (attempts and pauses
    together) would be exceeded — so a give-up takes seconds, not minutes.
    """

    max_attempts: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 4.0
    max_total: float = 20.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.backoff_base < 0 or self.backoff_max < 0 or self.max_total < 0:
            raise ValueError("backoff_base, backoff_max and max_total must not be negative")

    def ceiling(self, attempt: int) -> float:
        """The longest pause after failed attempt number ``attempt`` (1-based)."""
        exponent = min(max(attempt - 1, 0), 62)  # 2**62 is already far beyond any cap
        return float(min(self.backoff_max, self.backoff_base * (2**exponent)))

    def delay(self, attempt: int, rand: float) -> float:
        """The pause after failed attempt ``attempt``, given ``rand`` drawn from [0, 1)."""
        return self.ceiling(attempt) * min(max(rand, 0.0), 1.0)


# Frozen, so one shared instance serves every client that keeps the defaults.
DEFAULT_RETRY = RetryPolicy()
