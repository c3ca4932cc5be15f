"""Braze REST client (knows nothing of Slack). See :mod:`bot.braze.errors` for the failures.

``client`` has the calls; ``http`` is how they travel (timeouts, the ``retry`` policy, failures
as errors); ``analytics`` and ``quota`` read Braze's answers and headers into domain values.
"""

from bot.braze.client import BrazeClient, BrazeClients
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
from bot.braze.retry import RetryPolicy

__all__ = [
    "BrazeAuthError",
    "BrazeClient",
    "BrazeClients",
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
    "RetryPolicy",
]
