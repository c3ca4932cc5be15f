"""HTTP to Braze: one pooled ``httpx.Client``, bounded retries, and every failure as one of the
exceptions in :mod:`bot.braze.errors`.

A non-idempotent call (creating a send ID) is sent again automatically only where the request
certainly never left: connection refused, a failed name lookup, a connect or pool timeout
(``httpx.ConnectError``, ``ConnectTimeout``, ``PoolTimeout``). Everything after the request may
have left — any 5xx answer (Braze, or a proxy in front of it, may have created the send ID before
failing), a read or write timeout, a connection lost — becomes
:class:`~bot.braze.errors.BrazeOutcomeUnknown` at once, and a person decides. Idempotent calls
(lookups, results) retry 5xx and timeouts like any transient failure and end as
``BrazeUnavailable``. Every outcome says how many HTTP attempts it took (``attempts``).
"""

from __future__ import annotations

import ipaddress
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, NamedTuple, NoReturn, TypedDict
from urllib.parse import quote

import httpx

from bot.braze.answers import braze_text, describe_transport
from bot.braze.deadline import SendGuard
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
)
from bot.braze.quota import parse_quota, retry_after
from bot.braze.retry import DEFAULT_RETRY, RetryPolicy
from bot.domain.models import QuotaSnapshot

logger = logging.getLogger("bot.braze")

DEFAULT_TIMEOUT = httpx.Timeout(connect=3.0, read=10.0, write=5.0, pool=3.0)
# The smallest time slice worth starting another attempt in, inside a time box.
_MIN_ATTEMPT_SECONDS = 0.05
_LOOPBACK_NAMES = frozenset({"localhost"})


def _user_agent() -> str:
    try:
        version = metadata.version("sendid-bot")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"sendid-bot/{version} (Slack Send ID bot) httpx/{httpx.__version__}"


# Called once per HTTP attempt with (method, path, status, seconds). ``status`` is the HTTP status
# code ("201", "429", …) or, when no answer came, the transport failure in snake case
# ("connect_error", "read_timeout", …). Metrics hang off this hook; the client stays unaware.
CallObserver = Callable[[str, str, str, float], None]


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


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


class Answered(NamedTuple):
    """Braze's 2xx answer, the quota its headers report (only where asked for), and how many
    HTTP attempts it took (1 unless a failure before the request left was retried)."""

    response: httpx.Response
    quota: QuotaSnapshot | None
    attempts: int


class HttpOptions(TypedDict, total=False):
    """The optional keyword arguments of :class:`BrazeHttp` (and so of ``BrazeClient``)."""

    timeout: httpx.Timeout | None
    retry: RetryPolicy
    sleep: Callable[[float], None]
    transport: httpx.BaseTransport | None
    rng: Callable[[], float]
    observer: CallObserver | None
    workspace: str | None


class BrazeHttp:
    """Calls to one Braze REST endpoint with one API key; thread-safe (pooled connections).

    ``sleep`` and ``rng`` are seams for tests (record the backoff pauses, make jitter
    deterministic); production code leaves them alone. ``workspace`` names the Braze workspace
    in every log line (never the key).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: httpx.Timeout | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        rng: Callable[[], float] = random.random,
        observer: CallObserver | None = None,
        workspace: str | None = None,
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
        self._observer = observer
        self.workspace = workspace
        self._log_fields = {} if workspace is None else {"workspace": workspace}
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

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def retry(self) -> RetryPolicy:
        return self._retry

    @property
    def secrets(self) -> tuple[str, ...]:
        """What every error message is scrubbed of (the key, also URL-encoded)."""
        return self._secrets

    def close(self) -> None:
        self._http.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, str] | None = None,
        idempotent: bool,
        time_box: float | None,
        with_quota: bool,
        guard: SendGuard | None = None,
    ) -> Answered:
        """Braze's 2xx answer to ``method path`` and the quota its headers report (only with
        ``with_quota``), after at most the retry policy's attempts, all within the optional
        total ``time_box`` (seconds). Anything else raises a BrazeError whose ``attempts`` says
        how many HTTP attempts were made. ``guard`` sees each attempt start sending and stops
        the attempts once its caller gave up (:mod:`bot.braze.deadline`)."""
        started = time.monotonic()
        deadline = started + time_box if time_box is not None else None
        attempt = 0
        slept = 0.0
        while True:
            attempt += 1
            if guard is not None:
                guard.check()
            try:
                response, quota = self._attempt(
                    method,
                    path,
                    json_body=json_body,
                    params=params,
                    idempotent=idempotent,
                    deadline=deadline,
                    with_quota=with_quota,
                    attempt=attempt,
                    guard=guard,
                )
                return Answered(response, quota, attempt)
            except BrazeError as error:
                error.attempts = attempt
                raise
            except _Retryable as failure:
                failure.error.attempts = attempt
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
                        extra=self._log_fields,
                    )
                    raise failure.error from failure.__cause__
                logger.info(
                    "braze %s %s retrying in %.2fs after attempt %d",
                    method,
                    path,
                    delay,
                    attempt,
                    extra=self._log_fields,
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
        guard: SendGuard | None,
    ) -> tuple[httpx.Response, QuotaSnapshot | None]:
        options: dict[str, Any] = {"json": json_body, "params": params}
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Retryable(self.error(BrazeUnavailable, "the time box ran out", path))
            options["timeout"] = httpx.Timeout(remaining)
        if guard is not None:
            options["extensions"] = {"trace": guard.trace}  # httpx's documented extension
        t0 = time.monotonic()
        try:
            response = self._http.request(method, path, **options)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            self._log(method, path, None, t0, attempt, type(exc).__name__)
            # Certainly not sent: safe to retry even for POST.
            error = self.error(BrazeUnavailable, describe_transport(exc), path)
            raise _Retryable(error) from exc
        except httpx.UnsupportedProtocol as exc:
            self._log(method, path, None, t0, attempt, type(exc).__name__)
            self._raise(BrazeEndpointNotFound, describe_transport(exc), path, exc)
        except httpx.HTTPError as exc:
            # Read/write timeouts, dropped connections, protocol errors: the request may
            # have reached Braze.
            self._log(method, path, None, t0, attempt, type(exc).__name__)
            if idempotent:
                error = self.error(BrazeUnavailable, describe_transport(exc), path)
                raise _Retryable(error) from exc
            self._raise(
                BrazeOutcomeUnknown,
                f"{describe_transport(exc)}; Braze may have acted on the request",
                path,
                exc,
            )
        self._log(method, path, response.status_code, t0, attempt, None)
        quota = parse_quota(response.headers) if with_quota else None
        status = response.status_code
        if 200 <= status < 300:
            return response, quota
        if status >= 500 and not idempotent:
            # The request arrived: Braze (or a gateway in front of it) may have created the send
            # ID before failing. Never sent again on its own; a person decides.
            raise self.error(
                BrazeOutcomeUnknown,
                f"{braze_text(response)}; Braze may have acted on the request",
                path,
                status=status,
                quota=quota,
            )
        if status >= 500:
            error = self.error(
                BrazeUnavailable, braze_text(response), path, status=status, quota=quota
            )
            raise _Retryable(error)
        raise self._status_error(response, quota, path)

    def _status_error(
        self, response: httpx.Response, quota: QuotaSnapshot | None, path: str
    ) -> BrazeError:
        status = response.status_code
        text = braze_text(response)
        if status == 429:
            now = datetime.now(UTC)
            # Read the reset time even where the snapshot itself is not kept (other endpoints).
            seen = quota or parse_quota(response.headers, now)
            reset_at = seen.reset_at if seen is not None else None
            if reset_at is None:
                reset_at = retry_after(response.headers, now)
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
            return self.error(BrazeEndpointNotFound, text, path, status=status, quota=quota)
        error_class: type[BrazeError] = {
            401: BrazeAuthError,
            403: BrazePermissionError,
            404: BrazeEndpointNotFound,
        }.get(status, BrazeRequestRejected if 400 <= status < 500 else BrazeUnexpectedResponse)
        return self.error(error_class, text, path, status=status, quota=quota)

    def success_payload(
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
            raise self.error(
                BrazeUnexpectedResponse,
                braze_text(response)
                if isinstance(payload, dict) and payload.get("message")
                else f'no "success" message (HTTP {response.status_code})',
                path,
                status=response.status_code,
                quota=quota,
            )
        return payload

    def error(
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
        raise self.error(error_class, message, path, status=status, quota=quota) from cause

    def _log(
        self,
        method: str,
        path: str,
        status: int | None,
        t0: float,
        attempt: int,
        failure: str | None,
    ) -> None:
        seconds = time.monotonic() - t0
        latency_ms = seconds * 1000
        if self._observer is not None:
            try:
                self._observer(
                    method, path, str(status) if failure is None else _snake(failure), seconds
                )
            except Exception:
                # Counting must never change the outcome of a Braze call.
                logger.exception("braze call observer failed", extra=self._log_fields)
        if failure is None:
            logger.info(
                "braze %s %s status=%s latency_ms=%.0f attempt=%d",
                method,
                path,
                status,
                latency_ms,
                attempt,
                extra=self._log_fields,
            )
        else:
            logger.warning(
                "braze %s %s failed=%s latency_ms=%.0f attempt=%d",
                method,
                path,
                failure,
                latency_ms,
                attempt,
                extra=self._log_fields,
            )
