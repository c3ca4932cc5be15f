"""Braze REST client (knows nothing of Slack). See :mod:`bot.braze.errors` for the failures."""

from bot.braze.client import (
    SEND_ANALYTICS_RETENTION_DAYS,
    BrazeClient,
    CampaignDetails,
    ChannelCounts,
    CreatedSendId,
    DayStats,
    RetryPolicy,
    SendStats,
)
from bot.braze.errors import (
    BrazeAuthError,
    BrazeConfigurationError,
    BrazeEndpointNotFound,
    BrazeError,
    BrazeOutcomeUnknown,
    BrazePermissionError,
    BrazeQuotaExceeded,
    BrazeRequestRejected,
    BrazeSendStatsPermissionError,
    BrazeUnavailable,
    BrazeUnexpectedResponse,
)

__all__ = [
    "SEND_ANALYTICS_RETENTION_DAYS",
    "BrazeAuthError",
    "BrazeClient",
    "BrazeConfigurationError",
    "BrazeEndpointNotFound",
    "BrazeError",
    "BrazeOutcomeUnknown",
    "BrazePermissionError",
    "BrazeQuotaExceeded",
    "BrazeRequestRejected",
    "BrazeSendStatsPermissionError",
    "BrazeUnavailable",
    "BrazeUnexpectedResponse",
    "CampaignDetails",
    "ChannelCounts",
    "CreatedSendId",
    "DayStats",
    "RetryPolicy",
    "SendStats",
]
