"""Everything that can go wrong when talking to Braze, as one exception hierarchy.

``→ kind`` is the class's ``failure_kind``: the :class:`~bot.domain.models.FailureKind` a request
whose Braze call failed so is failed with. These class attributes are the one table from errors
to failure kinds. ::

    GatewayError                    bot.domain.ports: what the domain knows of any failure
    └── BrazeError                  base: adds .path                          → unexpected
        ├── BrazeRequestRejected    400 (and other 4xx not below): bad request or invalid
        │                           campaign ID; retrying it cannot help  → rejected_by_braze
        ├── BrazeConfigurationError .setting names what the admin should check
        │   ├── BrazeAuthError      401: key invalid or wrong REST instance         → auth
        │   │                       (check BRAZE_API_KEY / BRAZE_REST_ENDPOINT)
        │   ├── BrazePermissionError
        │   │   │                   403: plan or key permission (sends.id.create;
        │   │   │                   campaigns.details for names)              → permission
        │   │   └── BrazeSendStatsPermissionError
        │   │                       403 from /sends/data_series: sends.data_series missing
        │   └── BrazeEndpointNotFound
        │                           404 or a redirect: wrong URL, check BRAZE_REST_ENDPOINT
        │                                                                      → not_found
        ├── BrazeQuotaExceeded      429: .reset_at (aware UTC datetime | None)      → quota
        ├── BrazeUnavailable        connection refused / failed before the request was sent
        │                           (and, for calls without side effects, 5xx and timeouts),
        │                           after the bounded retries                → unavailable
        ├── BrazeOutcomeUnknown     a create that may have reached Braze: any 5xx answer, a
        │                           read or write timeout, a connection lost after sending,
        │                           no whole answer within the deadline; Braze may have
        │                           created it; never retried automatically → outcome_unknown
        └── BrazeUnexpectedResponse 2xx without message "success", or an unreadable body
                                                                                → unexpected

Attributes every error carries:

``message``
    Braze's own text (its ``message`` plus its ``errors``, if any), or our plain description
    when Braze said nothing (timeouts, refused connections). Safe to show to people **after
    escaping** for the target medium; never contains the API key (it is scrubbed out).
``status_code``
    The HTTP status Braze answered with, or ``None`` when no answer arrived.
``quota``
    A :class:`~bot.domain.models.QuotaSnapshot` from the ``X-RateLimit-*`` headers of the
    answer, when present. Only answers to ``POST /sends/id/create`` carry one: other endpoints
    have their own (hourly) limits that say nothing about the daily send-ID quota.
``path``
    The Braze endpoint path that was called (no query string).
``failure_kind``
    The :class:`~bot.domain.models.FailureKind` this error maps to (class attribute; see above).
``attempts``
    How many HTTP attempts the call made before it failed (set by the HTTP layer).

``str(error)`` is a complete, plain sentence for logs and admins, e.g.
``Braze refused the API key (HTTP 401): Invalid API key — check BRAZE_API_KEY and
BRAZE_REST_ENDPOINT``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from bot.domain.models import FailureKind, QuotaSnapshot
from bot.domain.ports import GatewayError

MAX_MESSAGE_LENGTH = 500
REDACTED = "[redacted]"
# Shorter "secrets" are not scrubbed: replacing e.g. "a" everywhere would only garble the text.
_MIN_SECRET_LENGTH = 4


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Remove every occurrence of each secret (of reasonable length) from ``text``."""
    for secret in secrets:
        if secret and len(secret) >= _MIN_SECRET_LENGTH:
            text = text.replace(secret, REDACTED)
    return text


def clip(text: str, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """Collapse runs of whitespace and cut ``text`` to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


class BrazeError(GatewayError):
    """Base of every Braze failure; see the module docstring for the hierarchy."""

    summary: ClassVar[str] = "Braze request failed"

    path: str | None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        quota: QuotaSnapshot | None = None,
        path: str | None = None,
        redact: Iterable[str] = (),
    ) -> None:
        secrets = tuple(redact)
        # Scrub before clipping (a clipped key would no longer match) and after (paranoia).
        self.message = scrub(clip(scrub(message, secrets)), secrets)
        self.status_code = status_code
        self.quota = quota
        self.path = path
        self.attempts = 1
        super().__init__(scrub(self._describe(), secrets))

    def _describe(self) -> str:
        head = self.summary
        if self.status_code is not None:
            head = f"{head} (HTTP {self.status_code})"
        return f"{head}: {self.message}" if self.message else head

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.summary


class BrazeRequestRejected(BrazeError):
    """400 (or another 4xx with no more specific class): Braze refused this input."""

    summary = "Braze rejected the request"
    failure_kind = FailureKind.REJECTED_BY_BRAZE


class BrazeConfigurationError(BrazeError):
    """The bot's Braze settings are wrong; ``setting`` names what an admin should check."""

    summary = "Braze refused the bot's configuration"
    setting: ClassVar[str] = "BRAZE_API_KEY and BRAZE_REST_ENDPOINT"

    def _describe(self) -> str:
        return f"{super()._describe()} — check {self.setting}"


class BrazeAuthError(BrazeConfigurationError):
    """401: the key is invalid, or belongs to another REST instance."""

    summary = "Braze refused the API key"
    failure_kind = FailureKind.AUTH
    setting = "BRAZE_API_KEY and BRAZE_REST_ENDPOINT (the key must belong to that instance)"


class BrazePermissionError(BrazeConfigurationError):
    """403: the plan or the key's permissions do not allow this endpoint."""

    summary = "Braze refused the request for lack of permission"
    failure_kind = FailureKind.PERMISSION
    setting = (
        "the permissions of BRAZE_API_KEY (sends.id.create; campaigns.details for names; a "
        "key's permissions cannot be edited: create a new key, replace it, restart) and the "
        "Braze plan"
    )


class BrazeSendStatsPermissionError(BrazePermissionError):
    """403 from ``GET /sends/data_series``: the key lacks ``sends.data_series`` (or the plan
    does not include it). Creating send IDs is unaffected; only results cannot be shown."""

    setting = "the sends.data_series permission of BRAZE_API_KEY (needed to show send results)"


class BrazeEndpointNotFound(BrazeConfigurationError):
    """404 (or a redirect): the URL is wrong."""

    summary = "Braze endpoint not found"
    failure_kind = FailureKind.NOT_FOUND
    setting = "BRAZE_REST_ENDPOINT (e.g. https://rest.iad-01.braze.com)"


class BrazeQuotaExceeded(BrazeError):
    """429: the daily send-ID quota (or the endpoint's rate limit) is used up."""

    summary = "Braze quota exceeded"
    failure_kind = FailureKind.QUOTA

    reset_at: datetime | None

    def __init__(
        self,
        message: str,
        *,
        reset_at: datetime | None = None,
        status_code: int | None = 429,
        quota: QuotaSnapshot | None = None,
        path: str | None = None,
        redact: Iterable[str] = (),
    ) -> None:
        self.reset_at = reset_at
        super().__init__(message, status_code=status_code, quota=quota, path=path, redact=redact)

    def _describe(self) -> str:
        text = super()._describe()
        if self.reset_at is not None:
            text = f"{text} — resets at {self.reset_at.isoformat()}"
        return text


class BrazeUnavailable(BrazeError):
    """No connection before the request left (or, for calls without side effects, 5xx and
    timeouts), after the bounded retries. Nothing was created; retry later."""

    summary = "Braze is unavailable"
    failure_kind = FailureKind.UNAVAILABLE


class BrazeOutcomeUnknown(BrazeError):
    """The request may have reached Braze but no usable answer came back (a 5xx, a timeout, a
    lost connection): Braze may or may not have acted on it."""

    summary = "Braze did not answer; the outcome is unknown"
    failure_kind = FailureKind.OUTCOME_UNKNOWN


class BrazeUnexpectedResponse(BrazeError):
    """2xx without ``"message": "success"``, or a body that cannot be read."""

    summary = "Braze gave an unexpected answer"
    failure_kind = FailureKind.UNEXPECTED
