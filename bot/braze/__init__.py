"""Braze REST client (knows nothing of Slack). Its failures are the classes in
:mod:`bot.braze.errors` (import them from there: one place names them).

``client`` has the calls; ``http`` is how they travel (timeouts, the ``retry`` policy, failures
as errors); ``analytics`` and ``quota`` read Braze's answers and headers into domain values.
"""

from bot.braze.client import BrazeClient, BrazeClients
from bot.braze.retry import RetryPolicy

__all__ = ["BrazeClient", "BrazeClients", "RetryPolicy"]
