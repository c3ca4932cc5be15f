"""What Braze's ``X-RateLimit-*`` headers say about the daily send-ID quota.

Header names are matched case-insensitively (they may arrive lower-case); a malformed value is
ignored as if absent, so a proxy's odd header never breaks a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from bot.domain.models import QuotaSnapshot


def _parse_count(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def _parse_epoch(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        seconds = float(value.strip())
        if seconds != seconds or seconds < 0:  # NaN or negative
            return None
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def parse_quota(headers: Mapping[str, str], now: datetime | None = None) -> QuotaSnapshot | None:
    """A QuotaSnapshot from ``X-RateLimit-*`` headers, or None when none is usable."""
    lowered = {name.lower(): value for name, value in headers.items()}
    limit = _parse_count(lowered.get("x-ratelimit-limit"))
    remaining = _parse_count(lowered.get("x-ratelimit-remaining"))
    reset_at = _parse_epoch(lowered.get("x-ratelimit-reset"))
    if limit is None and remaining is None and reset_at is None:
        return None
    return QuotaSnapshot(
        limit=limit,
        remaining=remaining,
        reset_at=reset_at,
        observed_at=now or datetime.now(UTC),
    )


def retry_after(headers: Mapping[str, str], now: datetime) -> datetime | None:
    """When a 429 says to try again (``X-RateLimit-Retry-After`` or ``Retry-After`` seconds)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    for name in ("x-ratelimit-retry-after", "retry-after"):
        seconds = _parse_count(lowered.get(name))
        if seconds is not None:
            return now + timedelta(seconds=seconds)
    return None
