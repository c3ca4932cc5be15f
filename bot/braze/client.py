"""A small synchronous Braze REST client: create send IDs, look up campaign details.

It knows nothing of Slack. Every failure is raised as one of the exceptions in
:mod:`bot.braze.errors`. Retries are bounded and only happen where they cannot
create a second send ID:

* 5xx answers (Braze advises retrying them with exponential backoff), and
* connection failures where the request was certainly not sent
  (``httpx.ConnectError``, ``ConnectTimeout``, ``PoolTimeout``).

A read timeout or a connection dropped after ``POST /sends/id/create`` was sent becomes
:class:`~bot.braze.errors.BrazeOutcomeUnknown` at once: Braze may have created the ID, and
only a person may decide to try again. ``GET /campaigns/details`` has no side effect, so
there such failures are retried like any other and end as ``BrazeUnavailable``.

The client is thread-safe (one ``httpx.Client`` with a connection pool).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from types import TracebackType
from typing import Any, NoReturn
from urllib.parse import quote

import httpx

from bot.braze.errors import (
    BrazeAuthError,
    BrazeEndpointNotFound,
    BrazeError,
    BrazeOutcomeUnknown,
    BrazePermissionError,
    BrazeQuotaExceeded,
    BrazeRequestRejected,
    BrazeUnavailable,
    BrazeUnexpectedResponse,
    clip,
)
from bot.domain.models import QuotaSnapshot

__all__ = [
    "DEFAULT_TIMEOUT",
    "BrazeClient",
    "CampaignDetails",
    "CreatedSendId",
    "RetryPolicy",
    "parse_quota",
]

logger = logging.getLogger("bot.braze")

DEFAULT_TIMEOUT = httpx.Timeout(connect=3.0, read=10.0, write=5.0, pool=3.0)
CREATE_PATH = "/sends/id/create"
DETAILS_PATH = "/campaigns/details"
# The smallest time slice worth starting another attempt in, inside a time box.
_MIN_ATTEMPT_SECONDS = 0.05
_LOOPBACK_NAMES = frozenset({"localhost"})


def _user_agent() -> str:
    try:
        version = metadata.version("sendid-bot")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"sendid-bot/{version} (Slack Send ID bot) httpx/{httpx.__version__}"


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


@dataclass(frozen=True)
class CreatedSendId:
    send_id: str
    quota: QuotaSnapshot | None


@dataclass(frozen=True)
class CampaignDetails:
    campaign_id: str
    name: str | None
    archived: bool
    draft: bool


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
    """A QuotaSnapshot from ``X-RateLimit-*`` headers, or None when none is usable.

    Header names are matched case-insensitively; a malformed value is ignored as if absent.
    """
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


def _retry_after(headers: Mapping[str, str], now: datetime) -> datetime | None:
    lowered = {name.lower(): value for name, value in headers.items()}
    for name in ("x-ratelimit-retry-after", "retry-after"):
        seconds = _parse_count(lowered.get(name))
        if seconds is not None:
            return now + timedelta(seconds=seconds)
    return None


def _braze_text(response: httpx.Response) -> str:
    """Braze's own words from an answer: its message plus its errors, if any."""
    fallback = f"HTTP {response.status_code} {response.reason_phrase}".strip()
    try:
        body = response.json()
    except ValueError:
        return fallback
    if not isinstance(body, dict):
        return fallback
    parts: list[str] = []
    message = body.get("message")
    if isinstance(message, str) and message.strip():
        parts.append(message.strip())
    errors = body.get("errors")
    if isinstance(errors, list | tuple) and errors:
        rendered = [
            e if isinstance(e, str) else json.dumps(e, ensure_ascii=False, default=str)
            for e in errors
        ]
        parts.append("; ".join(rendered))
    elif isinstance(errors, str) and errors.strip():
        parts.append(errors.strip())
    return clip(": ".join(parts)) if parts else fallback


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Retryable(Exception):
    """Internal: an attempt failed in a way that may be retried; carries the final error."""

    def __init__(self, error: BrazeError) -> None:
        super().__init__(str(error))
        self.error = error


class BrazeClient:
    """Sync client for the two Braze endpoints the bot needs.

    ``sleep`` and ``rng`` are seams for tests (record the backoff pauses, make jitter
    deterministic); production code leaves them alone.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: httpx.Timeout | None = None,
        retry: RetryPolicy = RetryPolicy(),  # frozen, so sharing the default is harmless
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        url = httpx.URL(base_url.strip().rstrip("/"))
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("the Braze REST endpoint must be an http(s) URL with a host")
        if url.scheme == "http" and not _is_loopback(url.host):
            raise ValueError("the Braze REST endpoint must use https (plain http: loopback only)")
        if not api_key:
            raise ValueError("the Braze API key must not be empty")
        self._base_url = str(url).rstrip("/")
        self._api_key = api_key
        self._secrets = (api_key, quote(api_key, safe=""))
        self._retry = retry
        self._sleep = sleep
        self._rng = rng
        self._http = httpx.Client(
            base_url=self._base_url,
            timeout=timeout or DEFAULT_TIMEOUT,
            transport=transport,
            follow_redirects=False,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": _user_agent(),
            },
        )

    # -- public API -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._base_url

    def create_send_id(self, campaign_id: str, send_id: str | None = None) -> CreatedSendId:
        """``POST /sends/id/create``; ``send_id=None`` lets Braze generate one.

        Never retried once the request may have reached Braze without an answer.
        """
        body: dict[str, str] = {"campaign_id": campaign_id}
        if send_id is not None:
            body["send_id"] = send_id
        response, quota = self._call(
            "POST", CREATE_PATH, json_body=body, idempotent=False, time_box=None, with_quota=True
        )
        payload = self._success_payload(response, quota, CREATE_PATH)
        returned = payload.get("send_id")
        if isinstance(returned, str) and returned:
            return CreatedSendId(send_id=returned, quota=quota)
        if send_id is not None and "send_id" not in payload:
            # Braze said "success" for the ID we chose but did not echo it back.
            return CreatedSendId(send_id=send_id, quota=quota)
        raise BrazeUnexpectedResponse(
            'Braze said "success" but returned no usable send_id',
            status_code=response.status_code,
            quota=quota,
            path=CREATE_PATH,
            redact=self._secrets,
        )

    def campaign_details(
        self, campaign_id: str, *, timeout: float | None = None
    ) -> CampaignDetails:
        """``GET /campaigns/details``. ``timeout`` is a total time box for the whole lookup.

        Inside the box, transient failures (5xx, refused connections, timeouts — the call has
        no side effect) are retried per the retry policy; no attempt or pause starts past it.
        Each attempt's httpx timeouts (connect, write, read, pool) are set to the time left, so
        only a server that trickles its answer byte by byte could overrun the box.

        400 → BrazeRequestRejected (Braze does not know the campaign);
        403 → BrazePermissionError (the key lacks ``campaigns.details``).
        """
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive")
        response, _ = self._call(
            "GET",
            DETAILS_PATH,
            params={"campaign_id": campaign_id},
            idempotent=True,
            time_box=timeout,
            with_quota=False,
        )
        payload = self._success_payload(response, None, DETAILS_PATH)
        name = payload.get("name")
        return CampaignDetails(
            campaign_id=campaign_id,
            name=name if isinstance(name, str) and name.strip() else None,
            archived=payload.get("archived") is True,
            draft=payload.get("draft") is True,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BrazeClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"BrazeClient(base_url={self._base_url!r}, retry={self._retry!r})"

    # -- internals --------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, str] | None = None,
        idempotent: bool,
        time_box: float | None,
        with_quota: bool,
    ) -> tuple[httpx.Response, QuotaSnapshot | None]:
        started = time.monotonic()
        deadline = started + time_box if time_box is not None else None
        attempt = 0
        slept = 0.0
        while True:
            attempt += 1
            try:
                return self._attempt(
                    method,
                    path,
                    json_body=json_body,
                    params=params,
                    idempotent=idempotent,
                    deadline=deadline,
                    with_quota=with_quota,
                    attempt=attempt,
                )
            except _Retryable as failure:
                delay = self._retry.delay(attempt, self._rng())
                now = time.monotonic()
                elapsed = max(now - started, slept)
                if (
                    attempt >= self._retry.max_attempts
                    or elapsed + delay > self._retry.max_total
                    or (deadline is not None and now + delay + _MIN_ATTEMPT_SECONDS > deadline)
                ):
                    logger.warning(
                        "braze %s %s giving up after %d attempt(s): %s",
                        method,
                        path,
                        attempt,
                        type(failure.error).__name__,
                    )
                    raise failure.error from failure.__cause__
                logger.info(
                    "braze %s %s retrying in %.2fs after attempt %d", method, path, delay, attempt
                )
                self._sleep(delay)
                slept += delay

    def _attempt(
        self,
        method: str,
        path: str,
        *,
        json_body: Any,
        params: dict[str, str] | None,
        idempotent: bool,
        deadline: float | None,
        with_quota: bool,
        attempt: int,
    ) -> tuple[httpx.Response, QuotaSnapshot | None]:
        timeout: httpx.Timeout | None = None
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Retryable(self._error(BrazeUnavailable, "the time box ran out", path))
            timeout = httpx.Timeout(remaining)
        t0 = time.monotonic()
        try:
            if timeout is None:
                response = self._http.request(method, path, json=json_body, params=params)
            else:
                response = self._http.request(
                    method, path, json=json_body, params=params, timeout=timeout
                )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            self._log(method, path, None, t0, attempt, type(exc).__name__)
            # Certainly not sent: safe to retry even for POST.
            error = self._error(BrazeUnavailable, self._describe_transport(exc), path)
            raise _Retryable(error) from exc
        except httpx.UnsupportedProtocol as exc:
            self._log(method, path, None, t0, attempt, type(exc).__name__)
            self._raise(BrazeEndpointNotFound, self._describe_transport(exc), path, exc)
        except httpx.HTTPError as exc:
            # Read/write timeouts, dropped connections, protocol errors: the request may
            # have reached Braze.
            self._log(method, path, None, t0, attempt, type(exc).__name__)
            if idempotent:
                error = self._error(BrazeUnavailable, self._describe_transport(exc), path)
                raise _Retryable(error) from exc
            self._raise(
                BrazeOutcomeUnknown,
                f"{self._describe_transport(exc)}; Braze may have acted on the request",
                path,
                exc,
            )
        self._log(method, path, response.status_code, t0, attempt, None)
        quota = parse_quota(response.headers) if with_quota else None
        status = response.status_code
        if 200 <= status < 300:
            return response, quota
        if status >= 500:
            error = self._error(
                BrazeUnavailable, _braze_text(response), path, status=status, quota=quota
            )
            raise _Retryable(error)
        raise self._status_error(response, quota, path)

    def _status_error(
        self, response: httpx.Response, quota: QuotaSnapshot | None, path: str
    ) -> BrazeError:
        status = response.status_code
        text = _braze_text(response)
        if status == 429:
            now = datetime.now(UTC)
            # Read the reset time even where the snapshot itself is not kept (other endpoints).
            seen = quota or parse_quota(response.headers, now)
            reset_at = seen.reset_at if seen is not None else None
            if reset_at is None:
                reset_at = _retry_after(response.headers, now)
            return BrazeQuotaExceeded(
                text,
                reset_at=reset_at,
                status_code=status,
                quota=quota,
                path=path,
                redact=self._secrets,
            )
        if 300 <= status < 400:
            location = response.headers.get("location", "")
            text = f"Braze answered with a redirect (HTTP {status})" + (
                f" to {location}" if location else ""
            )
            return self._error(BrazeEndpointNotFound, text, path, status=status, quota=quota)
        error_class: type[BrazeError] = {
            401: BrazeAuthError,
            403: BrazePermissionError,
            404: BrazeEndpointNotFound,
        }.get(status, BrazeRequestRejected if 400 <= status < 500 else BrazeUnexpectedResponse)
        return self._error(error_class, text, path, status=status, quota=quota)

    def _success_payload(
        self, response: httpx.Response, quota: QuotaSnapshot | None, path: str
    ) -> dict[str, Any]:
        try:
            payload = response.json()
        except ValueError as exc:
            self._raise(
                BrazeUnexpectedResponse,
                f"unreadable body (HTTP {response.status_code})",
                path,
                exc,
                status=response.status_code,
                quota=quota,
            )
        if not isinstance(payload, dict) or payload.get("message") != "success":
            raise self._error(
                BrazeUnexpectedResponse,
                _braze_text(response)
                if isinstance(payload, dict) and payload.get("message")
                else f'no "success" message (HTTP {response.status_code})',
                path,
                status=response.status_code,
                quota=quota,
            )
        return payload

    def _error(
        self,
        error_class: type[BrazeError],
        message: str,
        path: str,
        *,
        status: int | None = None,
        quota: QuotaSnapshot | None = None,
    ) -> BrazeError:
        return error_class(
            message, status_code=status, quota=quota, path=path, redact=self._secrets
        )

    def _raise(
        self,
        error_class: type[BrazeError],
        message: str,
        path: str,
        cause: BaseException,
        *,
        status: int | None = None,
        quota: QuotaSnapshot | None = None,
    ) -> NoReturn:
        raise self._error(error_class, message, path, status=status, quota=quota) from cause

    @staticmethod
    def _describe_transport(exc: httpx.HTTPError) -> str:
        kinds: list[tuple[type[httpx.HTTPError], str]] = [
            (httpx.ConnectTimeout, "timed out connecting to Braze"),
            (httpx.PoolTimeout, "no free connection to Braze in time"),
            (httpx.ConnectError, "could not connect to Braze"),
            (httpx.ReadTimeout, "timed out waiting for Braze's answer"),
            (httpx.WriteTimeout, "timed out sending the request to Braze"),
            (httpx.RemoteProtocolError, "Braze closed the connection without a proper answer"),
            (httpx.ReadError, "the connection to Braze broke while reading the answer"),
            (httpx.WriteError, "the connection to Braze broke while sending the request"),
            (httpx.UnsupportedProtocol, "the Braze REST endpoint URL is not usable"),
        ]
        for kind, text in kinds:
            if isinstance(exc, kind):
                return text
        return f"the request to Braze failed ({type(exc).__name__})"

    @staticmethod
    def _log(
        method: str,
        path: str,
        status: int | None,
        t0: float,
        attempt: int,
        failure: str | None,
    ) -> None:
        latency_ms = (time.monotonic() - t0) * 1000
        if failure is None:
            logger.info(
                "braze %s %s status=%s latency_ms=%.0f attempt=%d",
                method,
                path,
                status,
                latency_ms,
                attempt,
            )
        else:
            logger.warning(
                "braze %s %s failed=%s latency_ms=%.0f attempt=%d",
                method,
                path,
                failure,
                latency_ms,
                attempt,
            )
