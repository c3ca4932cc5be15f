"""Braze REST client (knows nothing of Slack). See :mod:`bot.braze.errors` for the failures."""

from bot.braze.client import BrazeClient, CampaignDetails, CreatedSendId, RetryPolicy
from bot.braze.errors import (
    BrazeAuthError,
    BrazeConfigurationError,
    BrazeEndpointNotFound,
    BrazeError,
    BrazeOutcomeUnknown,
    BrazePermissionError,
    BrazeQuotaExceeded,
    BrazeRequestRejected,
    BrazeUnavailable,
    BrazeUnexpectedResponse,
)

__all__ = [
    "BrazeAuthError",
    "BrazeClient",
    "BrazeConfigurationError",
    "BrazeEndpointNotFound",
    "BrazeError",
    "BrazeOutcomeUnknown",
    "BrazePermissionError",
    "BrazeQuotaExceeded",
    "BrazeRequestRejected",
    "BrazeUnavailable",
    "BrazeUnexpectedResponse",
    "CampaignDetails",
    "CreatedSendId",
    "RetryPolicy",
]
