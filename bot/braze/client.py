"""A small synchronous Braze REST client: create send IDs, look up campaign details, read a
send ID's analytics.

It knows nothing of Slack. Every failure is raised as one of the exceptions in
:mod:`bot.braze.errors`. Retries are bounded and only happen where they cannot
create a second send ID:

* 5xx answers (Braze advises retrying them with exponential backoff), and
* connection failures where the request was certainly not sent
  (``httpx.ConnectError``, ``ConnectTimeout``, ``PoolTimeout``).

A read timeout or a connection dropped after ``POST /sends/id/create`` was sent becomes
:class:`~bot.braze.errors.BrazeOutcomeUnknown` at once: Braze may have created the ID, and
only a person may decide to try again. ``GET /campaigns/details`` and ``GET /sends/data_series``
have no side effect, so there such failures are retried like any other and end as
``BrazeUnavailable``.

The client is thread-safe (one ``httpx.Client`` with a connection pool).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from types import TracebackType
from typing import Any, Final, NoReturn
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
    BrazeSendStatsPermissionError,
    BrazeUnavailable,
    BrazeUnexpectedResponse,
    clip,
)
from bot.domain.models import QuotaSnapshot

__all__ = [
    "DEFAULT_TIMEOUT",
    "SEND_ANALYTICS_RETENTION_DAYS",
    "BrazeClient",
    "BrazeSendStatsPermissionError",
    "CallObserver",
    "CampaignDetails",
    "ChannelCounts",
    "CreatedSendId",
    "DayStats",
    "RetryPolicy",
    "SendStats",
    "parse_quota",
]

logger = logging.getLogger("bot.braze")

DEFAULT_TIMEOUT = httpx.Timeout(connect=3.0, read=10.0, write=5.0, pool=3.0)
CREATE_PATH = "/sends/id/create"
DETAILS_PATH = "/campaigns/details"
# Export send analytics. Request and response as documented by Braze at
# https://www.braze.com/docs/api/endpoints/export/campaigns/get_send_analytics/
# (source: github.com/braze-inc/braze-docs, _docs/_api/endpoints/export/campaigns/
# get_send_analytics.md; per-channel count names from get_campaign_analytics.md).
DATA_SERIES_PATH = "/sends/data_series"
# "Braze stores send analytics for 14 days after the send" (same page).
SEND_ANALYTICS_RETENTION_DAYS = 14
# Braze's bounds for the `length` parameter ("between 1 and 100 (inclusive)").
_DATA_SERIES_MAX_DAYS = 100
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


# Called once per HTTP attempt with (method, path, status, seconds). ``status`` is the HTTP status
# code ("201", "429", …) or, when no answer came, the transport failure in snake case
# ("connect_error", "read_timeout", …). Metrics hang off this hook; the client stays unaware.
CallObserver = Callable[[str, str, str, float], None]


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


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

    @classmethod
    def from_variations(cls, variations: object) -> ChannelCounts:
        """Sum Braze's variation entries (a list of objects; one bare object is accepted)."""
        if isinstance(variations, dict):
            variations = [variations]
        if not isinstance(variations, list):
            return cls()
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
        return cls(**totals, revenue=revenue)


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
    """``GET /sends/data_series`` for one campaign/send ID pair, days oldest first.

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


def _parse_day(entry: dict[str, Any]) -> DayStats:
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
            channels[str(channel)] = ChannelCounts.from_variations(variations)
    return DayStats(
        date=day,
        channels=channels,
        conversions=_count(entry.get("conversions")),
        unique_recipients=_count(entry.get("unique_recipients")),
        revenue=_amount(entry.get("revenue")),
    )


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
    """Sync client for the Braze endpoints the bot needs.

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
        observer: CallObserver | None = None,
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

    def send_data_series(
        self,
        campaign_id: str,
        send_id: str,
        *,
        days: int = SEND_ANALYTICS_RETENTION_DAYS,
        ending_at: datetime | None = None,
        timeout: float | None = None,
    ) -> SendStats:
        """``GET /sends/data_series``: daily analytics of one send ID, the last ``days`` days
        (1-100) up to ``ending_at`` (aware; default: Braze's now).

        Retried like :meth:`campaign_details` (no side effect), within the optional total time
        box ``timeout``. 400 → BrazeRequestRejected (unknown campaign/send ID pair);
        403 → BrazeSendStatsPermissionError (the key lacks ``sends.data_series``); 429 →
        BrazeQuotaExceeded (the endpoint's hourly limit, not the send-ID quota).
        """
        if not 1 <= days <= _DATA_SERIES_MAX_DAYS:
            raise ValueError(f"days must be between 1 and {_DATA_SERIES_MAX_DAYS}")
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive")
        params = {"campaign_id": campaign_id, "send_id": send_id, "length": str(days)}
        if ending_at is not None:
            if ending_at.tzinfo is None or ending_at.utcoffset() is None:
                raise ValueError("ending_at must be timezone-aware")
            params["ending_at"] = ending_at.astimezone(UTC).isoformat(timespec="seconds")
        try:
            response, _ = self._call(
                "GET",
                DATA_SERIES_PATH,
                params=params,
                idempotent=True,
                time_box=timeout,
                with_quota=False,
            )
        except BrazePermissionError as error:
            raise BrazeSendStatsPermissionError(
                error.message,
                status_code=error.status_code,
                path=error.path,
                redact=self._secrets,
            ) from error
        payload = self._success_payload(response, None, DATA_SERIES_PATH)
        data = payload.get("data")
        if data is None:
            data = []
        if not isinstance(data, list):
            raise self._error(
                BrazeUnexpectedResponse,
                f'"data" is a {type(data).__name__}, not a list of days',
                DATA_SERIES_PATH,
                status=response.status_code,
            )
        parsed = [_parse_day(entry) for entry in data if isinstance(entry, dict)]
        # Oldest first; a day without a readable date keeps its place after the dated ones.
        parsed.sort(key=lambda d: (d.date is None, d.date or date.min))
        return SendStats(
            campaign_id=campaign_id,
            send_id=send_id,
            days=parsed,
            length=days,
            ending_at=None if ending_at is None else ending_at.astimezone(UTC),
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
                logger.exception("braze call observer failed")
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
