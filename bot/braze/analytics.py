"""Reading Braze's ``GET /sends/data_series`` answer into :mod:`bot.domain.analytics` values.

Request and response as documented by Braze at
https://www.braze.com/docs/api/endpoints/export/campaigns/get_send_analytics/ (source:
github.com/braze-inc/braze-docs, _docs/_api/endpoints/export/campaigns/get_send_analytics.md;
per-channel count names from get_campaign_analytics.md). Braze's JSON is read leniently: an
unusable count is 0 and an unreadable day keeps its place without a date, so one odd field never
hides the rest.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any, Final

from bot.domain.analytics import ChannelCounts, DayStats

# Per-channel count names differ (email: opens/clicks; push: total_opens/body_clicks; content
# cards: total_clicks; WhatsApp: read). Each ChannelCounts field takes, per variation, the first
# of its names that is present.
_COUNT_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "sent": ("sent",),
    "delivered": ("delivered",),
    "opens": ("opens", "total_opens", "read"),
    "unique_opens": ("unique_opens",),
    "clicks": ("clicks", "body_clicks", "total_clicks"),
    "unique_clicks": ("unique_clicks",),
    "conversions": ("conversions",),
    "bounces": ("bounces",),
    "unsubscribes": ("unsubscribes",),
    "unique_recipients": ("unique_recipients",),
}


def _count(value: object) -> int:
    """A non-negative count from a JSON value; anything unusable counts 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value > 0 else 0
    if isinstance(value, str):
        try:
            return max(int(value.strip()), 0)
        except ValueError:
            return 0
    return 0


def _amount(value: object) -> float:
    """A money amount from a JSON value; anything unusable counts 0.0."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0.0
    try:
        number = float(value)
    except ValueError:
        return 0.0
    return number if math.isfinite(number) else 0.0


def channel_counts(variations: object) -> ChannelCounts:
    """Sum Braze's variation entries (a list of objects; one bare object is accepted)."""
    if isinstance(variations, dict):
        variations = [variations]
    if not isinstance(variations, list):
        return ChannelCounts()
    totals = dict.fromkeys(_COUNT_NAMES, 0)
    revenue = 0.0
    for variation in variations:
        if not isinstance(variation, dict):
            continue
        for name, keys in _COUNT_NAMES.items():
            key = next((k for k in keys if k in variation), None)
            if key is not None:
                totals[name] += _count(variation[key])
        revenue += _amount(variation.get("revenue"))
    return ChannelCounts(**totals, revenue=revenue)


def _day(entry: dict[str, Any]) -> DayStats:
    day: date | None = None
    time_text = entry.get("time")
    if isinstance(time_text, str):
        try:
            day = date.fromisoformat(time_text.strip()[:10])
        except ValueError:
            day = None
    messages = entry.get("messages")
    channels: dict[str, ChannelCounts] = {}
    if isinstance(messages, dict):
        for channel, variations in messages.items():
            channels[str(channel)] = channel_counts(variations)
    return DayStats(
        date=day,
        channels=channels,
        conversions=_count(entry.get("conversions")),
        unique_recipients=_count(entry.get("unique_recipients")),
        revenue=_amount(entry.get("revenue")),
    )


def days_from(data: list[Any]) -> list[DayStats]:
    """The days of Braze's ``data`` list, oldest first; entries that are not objects are skipped
    and a day without a readable date keeps its place after the dated ones."""
    parsed = [_day(entry) for entry in data if isinstance(entry, dict)]
    parsed.sort(key=lambda d: (d.date is None, d.date or date.min))
    return parsed
