"""What a created send ID achieved: counts per day and messaging channel.

Value types only; :mod:`bot.braze.analytics` reads them from Braze's ``GET /sends/data_series``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

# "Braze stores send analytics for 14 days after the send" (Braze's send analytics docs).
SEND_ANALYTICS_RETENTION_DAYS = 14


@dataclass(frozen=True)
class ChannelCounts:
    """One messaging channel's counts, summed over its variations (a missing count is 0).

    ``opens`` is email ``opens``, push ``total_opens`` or WhatsApp ``read``; ``clicks`` is
    email/SMS/in-app ``clicks``, push ``body_clicks`` or content-card ``total_clicks``;
    ``conversions`` is the primary conversion event; ``revenue`` is in USD.
    """

    sent: int = 0
    delivered: int = 0
    opens: int = 0
    unique_opens: int = 0
    clicks: int = 0
    unique_clicks: int = 0
    conversions: int = 0
    bounces: int = 0
    unsubscribes: int = 0
    unique_recipients: int = 0
    revenue: float = 0.0

    def __add__(self, other: ChannelCounts) -> ChannelCounts:
        if not isinstance(other, ChannelCounts):
            return NotImplemented
        return ChannelCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


@dataclass(frozen=True)
class DayStats:
    """One day of a send's analytics. ``channels`` maps Braze's channel name (``email``,
    ``ios_push``, ``android_push``, ``webhook``, …, unknown names kept as they are) to counts.
    ``conversions``, ``unique_recipients`` and ``revenue`` are Braze's day-level figures."""

    date: date | None  # Braze's "time"; None when missing or unreadable
    channels: dict[str, ChannelCounts]
    conversions: int = 0
    unique_recipients: int = 0
    revenue: float = 0.0


@dataclass(frozen=True)
class SendStats:
    """One campaign/send ID pair's analytics, days oldest first.

    Braze keeps send analytics for :data:`SEND_ANALYTICS_RETENTION_DAYS` days after the send;
    older sends come back with no (or empty) days.
    """

    campaign_id: str
    send_id: str
    days: list[DayStats]
    length: int  # the number of days asked for
    ending_at: datetime | None  # the end asked for; None: Braze's "now"

    def totals_by_channel(self) -> dict[str, ChannelCounts]:
        """Each channel's counts summed over all days, channels in first-seen order."""
        totals: dict[str, ChannelCounts] = {}
        for day in self.days:
            for channel, counts in day.channels.items():
                totals[channel] = totals.get(channel, ChannelCounts()) + counts
        return totals

    def totals(self) -> ChannelCounts:
        """Everything summed over all days and channels."""
        total = ChannelCounts()
        for counts in self.totals_by_channel().values():
            total += counts
        return total
