"""A loopback HTTP server standing in for the Braze REST API.

Point a :class:`bot.braze.client.BrazeClient` at :attr:`BrazeStandIn.url` and it talks real HTTP
over 127.0.0.1 to this server, which behaves like the two Braze endpoints the bot uses:

* ``POST /sends/id/create`` — checks the Bearer key and the JSON body, answers
  ``201 {"message": "success", "send_id": ...}`` and counts down a daily quota; every answer
  carries ``X-RateLimit-Limit/Remaining/Reset`` (reset = next UTC midnight, epoch seconds) and
  an exhausted quota answers 429.
* ``GET /campaigns/details?campaign_id=...`` — ``200`` with ``name``/``archived``/``draft``/
  ``channels``/…, ``400`` for an unknown campaign, ``403`` when :attr:`details_forbidden`.
* ``GET /sends/data_series?campaign_id=...&send_id=...&length=...[&ending_at=...]`` — ``200``
  ``{"message": "success", "data": [...]}`` with the days set in :attr:`send_stats` for that
  pair (or :attr:`default_send_stats`), the last ``length`` of them up to ``ending_at``;
  ``400`` for an unknown pair or a bad parameter, ``403`` when :attr:`data_series_forbidden`.
  Days are shaped like Braze's docs: ``{"time": "2025-03-01", "messages": {"email": [
  {"variation_name": ..., "sent": ..., "opens": ...}], ...}, "conversions": ..., ...}``.

Anything else is ``404``. A wrong or missing key is ``401`` (the key is never echoed).

Failures, delays and latency can be injected (:meth:`fail_next`,
:meth:`create_then_fail_next`, :meth:`delay_next`, :meth:`hold_next`, :meth:`trickle_next`,
:meth:`on_next`, :meth:`set_latency`), and
:meth:`refuse_connections` closes the port so that clients see "connection refused" until
:meth:`accept_connections` listens on the same port again.

A call is recorded once its answer has been computed (state such as the quota is already
updated) and *before* any injected delay and before the answer is written, so a request whose
answer the client never waits for (read timeout) still shows up in :attr:`calls` — just like a
Braze that acted on a request whose answer got lost. ``BrazeCall.at`` is the arrival time on the
:func:`time.monotonic` clock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hmac
import json
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from tests.standins.server import HttpStandIn, LoopbackHTTPServer

CREATE_PATH = "/sends/id/create"
DETAILS_PATH = "/campaigns/details"
DATA_SERIES_PATH = "/sends/data_series"
_ROUTES = {CREATE_PATH: "POST", DETAILS_PATH: "GET", DATA_SERIES_PATH: "GET"}
MAX_SEND_ID_LENGTH = 64


@dataclass(frozen=True)
class BrazeCall:
    """One HTTP request as the stand-in saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    json: Any  # the parsed JSON body, or None (no body, or not JSON)
    at: float  # time.monotonic() at arrival
    status: int = 0  # what the stand-in answered (before any delay)


@dataclass
class _Injection:
    times: int
    delay: float
    status: int | None  # None: answer normally (after the delay); _DROP: hang up, no answer
    body: dict[str, Any] | str | None = None
    headers: dict[str, str | None] = field(default_factory=dict)
    act_first: bool = False  # do the work (create the send ID), then answer `status`
    before_answer: Callable[[], object] | None = None  # runs once the work is done
    release: threading.Event | None = None  # the answer waits for it (or the stand-in's stop)
    trickle: float = 0.0  # seconds between the bytes of the answer (0: all at once)


_Answer = tuple[int, dict[str, Any] | str, dict[str, str | None]]
_DROP = -1  # "status" of an injected answer that closes the connection without answering


def _next_utc_midnight(now: float) -> int:
    today = datetime.fromtimestamp(now, tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((today + timedelta(days=1)).timestamp())


class _Server(LoopbackHTTPServer):
    """Keeps its connections, to cut them as a restarting server would."""

    def __init__(self, port: int, stand_in: BrazeStandIn) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(port, _Handler, stand_in)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Cut every open (kept-alive) connection, as a restarting server would."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out and hang up are part of the tests; stay quiet about them.
        return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30  # an idle kept-alive connection is closed after this
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _handle(self) -> None:
        stand_in = self.server.stand_in
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        headers = {name.lower(): value for name, value in self.headers.items()}
        length = int(headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        call = BrazeCall(self.command, split.path, query, headers, body, at=time.monotonic())
        status, payload, extra, delay, injection = stand_in._answer(call, raw)
        stand_in._record(dataclasses.replace(call, status=status))
        if injection is not None and injection.before_answer is not None:
            injection.before_answer()
        if delay > 0:
            stand_in._stopping.wait(delay)
        if injection is not None and injection.release is not None:
            while not (injection.release.is_set() or stand_in._stopping.is_set()):
                injection.release.wait(0.05)
        if status == _DROP:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(payload, str):
            data, content_type = payload.encode(), "text/html; charset=utf-8"
        else:
            data, content_type = json.dumps(payload).encode(), "application/json"
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                if value is not None:
                    self.send_header(name, value)
            self.end_headers()
            if injection is not None and injection.trickle > 0:
                # Byte by byte: every read gets something, so no read timeout ever fires.
                self.wfile.flush()
                for byte in data:
                    if stand_in._stopping.wait(injection.trickle):
                        break
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            else:
                self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    do_GET = _handle
    do_POST = _handle
    do_PUT = _handle
    do_PATCH = _handle
    do_DELETE = _handle


class BrazeStandIn(HttpStandIn[_Server]):
    """A real HTTP server on 127.0.0.1 behaving like the Braze endpoints the bot uses."""

    thread_name = "braze-stand-in"

    def __init__(self, api_key: str = "test-braze-key", daily_limit: int = 100) -> None:
        super().__init__()
        self.api_key = api_key
        self.daily_limit = daily_limit
        self.campaigns: dict[str, dict[str, Any]] = {}
        self.details_forbidden = False
        # GET /sends/data_series: the days Braze would report per (campaign_id, send_id);
        # default_send_stats answers for any other pair (None: such a pair is a 400).
        self.send_stats: dict[tuple[str, str], list[Any]] = {}
        self.default_send_stats: list[Any] | None = None
        self.data_series_forbidden = False
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._calls: list[BrazeCall] = []
        self._created: list[tuple[str, str]] = []
        self._injections: dict[str, deque[_Injection]] = {}
        self._latency = 0.0
        self._remaining = daily_limit
        self._reset_epoch = _next_utc_midnight(time.time())
        self._stopping = threading.Event()

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._require_port()}"

    def start(self) -> Self:
        self._stopping.clear()
        return super().start()

    def stop(self) -> None:
        self._stopping.set()  # answers held back by an injected delay go out at once
        super().stop()

    def refuse_connections(self) -> None:
        """Stop listening (and cut open connections): clients get "connection refused"."""
        super().stop()

    def accept_connections(self) -> None:
        """Listen again on the same port."""
        self._require_port()
        super().start()

    def _listen(self, port: int) -> tuple[_Server, int]:
        server = _Server(port, self)
        return server, server.server_address[1]

    def _close(self, server: _Server) -> None:
        super()._close(server)
        server.drop_connections()

    # -- what happened ------------------------------------------------------------------------

    @property
    def calls(self) -> list[BrazeCall]:
        with self._lock:
            return list(self._calls)

    def create_calls(self) -> list[BrazeCall]:
        return [c for c in self.calls if c.method == "POST" and c.path == CREATE_PATH]

    def data_series_calls(self) -> list[BrazeCall]:
        return [c for c in self.calls if c.path == DATA_SERIES_PATH]

    @property
    def created(self) -> list[tuple[str, str]]:
        """(campaign_id, send_id) pairs created so far."""
        with self._lock:
            return list(self._created)

    @property
    def remaining(self) -> int:
        with self._lock:
            self._roll_day()
            return self._remaining

    def set_remaining(self, remaining: int) -> None:
        with self._lock:
            self._roll_day()
            self._remaining = remaining

    def wait_for_calls(self, path: str, count: int, timeout: float = 5.0) -> list[BrazeCall]:
        """The calls to ``path`` once there are ``count`` of them."""

        def matching() -> list[BrazeCall]:
            return [c for c in self._calls if c.path == path]

        with self._changed:
            if not self._changed.wait_for(lambda: len(matching()) >= count, timeout):
                raise TimeoutError(
                    f"expected {count} call(s) to {path} within {timeout}s, saw {len(matching())}"
                )
            return matching()

    # -- behaviour ----------------------------------------------------------------------------

    def add_campaign(
        self, campaign_id: str, name: str, *, archived: bool = False, draft: bool = False
    ) -> None:
        with self._lock:
            self.campaigns[campaign_id] = {"name": name, "archived": archived, "draft": draft}

    def set_send_stats(self, campaign_id: str, send_id: str, days: list[Any]) -> None:
        """What ``GET /sends/data_series`` reports for this pair: days in Braze's shape (any
        JSON value goes, to imitate odd answers)."""
        with self._lock:
            self.send_stats[(campaign_id, send_id)] = list(days)

    def fail_next(
        self,
        path: str,
        status: int,
        body: dict[str, Any] | str | None = None,
        *,
        times: int = 1,
        delay: float = 0.0,
        headers: Mapping[str, str | None] | None = None,
    ) -> None:
        """Answer the next ``times`` requests to ``path`` with ``status`` and ``body``.

        ``body`` is sent as JSON, or as-is (``text/html``) when it is a string — e.g. a proxy's
        error page. ``headers`` replace the default rate-limit headers of the same name
        (matched case-insensitively); a ``None`` value removes that header.
        """
        if body is None:
            body = {"message": HTTPStatus(status).phrase}
        self._queue(path, _Injection(times, delay, status, body, dict(headers or {})))

    def quota_used_up_until(self, reset: int) -> None:
        """The next creation answers 429: today's quota (of 100) is used up until `reset`
        (epoch seconds), as Braze's X-RateLimit-* headers say."""
        self.fail_next(
            CREATE_PATH,
            429,
            {"message": "rate limited"},
            headers={
                "X-RateLimit-Limit": "100",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset),
            },
        )

    def create_then_fail_next(
        self,
        status: int,
        body: dict[str, Any] | str | None = None,
        *,
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """The next ``times`` creations are made (the send ID exists, the quota is spent), and
        then answered with ``status`` — a Braze that failed after doing the work."""
        if body is None:
            body = {"message": HTTPStatus(status).phrase}
        self._queue(CREATE_PATH, _Injection(times, delay, status, body, act_first=True))

    def drop_next(self, path: str, times: int = 1, *, delay: float = 0.0) -> None:
        """Read the next ``times`` requests to ``path`` (the quota is not touched), then close
        the connection without answering — a connection dropped after the request was sent."""
        self._queue(path, _Injection(times, delay, _DROP))

    def on_next(self, path: str, action: Callable[[], object]) -> None:
        """Answer the next request to ``path`` normally, but run ``action`` first, once the
        work is done (the send ID created): e.g. cut the bot's database at that moment."""
        self._queue(path, _Injection(1, 0.0, None, before_answer=action))

    def hold_next(self, path: str, times: int = 1) -> threading.Event:
        """Answer the next ``times`` requests to ``path`` normally (the work is done at once),
        each only once the returned event is set (or the stand-in stops)."""
        release = threading.Event()
        self._queue(path, _Injection(times, 0.0, None, release=release))
        return release

    def trickle_next(self, path: str, seconds_per_byte: float, times: int = 1) -> None:
        """Answer the next ``times`` requests to ``path`` normally (the work is done at once),
        the body one byte every ``seconds_per_byte``: a slow answer no read timeout catches."""
        self._queue(path, _Injection(times, 0.0, None, trickle=seconds_per_byte))

    def delay_next(self, path: str, seconds: float, times: int = 1) -> None:
        """Answer the next ``times`` requests to ``path`` normally, but ``seconds`` late."""
        self._queue(path, _Injection(times, seconds, None))

    def clear_injections(self) -> None:
        """Forget every failure and delay still queued."""
        with self._lock:
            self._injections.clear()

    def set_latency(self, seconds: float) -> None:
        with self._lock:
            self._latency = seconds

    def _queue(self, path: str, injection: _Injection) -> None:
        if injection.times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._injections.setdefault(path, deque()).append(injection)

    def _record(self, call: BrazeCall) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def _roll_day(self) -> None:
        now = time.time()
        if now >= self._reset_epoch:
            self._remaining = self.daily_limit
            self._reset_epoch = _next_utc_midnight(now)

    def _rate_headers(self) -> dict[str, str | None]:
        return {
            "X-RateLimit-Limit": str(self.daily_limit),
            "X-RateLimit-Remaining": str(max(self._remaining, 0)),
            "X-RateLimit-Reset": str(self._reset_epoch),
        }

    def _answer(
        self, request: BrazeCall, raw: bytes
    ) -> tuple[int, dict[str, Any] | str, dict[str, str | None], float, _Injection | None]:
        with self._lock:
            self._roll_day()
            delay = self._latency
            injection: _Injection | None = None
            queue = self._injections.get(request.path)
            if queue:
                injection = queue[0]
                injection.times -= 1
                if injection.times <= 0:
                    queue.popleft()
                delay += injection.delay
            if injection is not None and injection.act_first:
                self._respond(request, raw)
            if injection is not None and injection.status is not None:
                status = injection.status
                payload = (
                    injection.body
                    if isinstance(injection.body, str)
                    else dict(injection.body or {})
                )
                extra = self._rate_headers()
                overrides = {name.lower() for name in injection.headers}
                extra = {k: v for k, v in extra.items() if k.lower() not in overrides}
                extra.update(injection.headers)
            else:
                status, payload, extra = self._respond(request, raw)
        return status, payload, extra, delay, injection

    def _respond(self, request: BrazeCall, raw: bytes) -> _Answer:
        expected_method = _ROUTES.get(request.path)
        if expected_method is None:
            return self._reply(404, {"message": "Not Found"})
        if request.method != expected_method:
            return self._reply(405, {"message": "Method Not Allowed"})
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer "):
            return self._reply(401, {"message": "Invalid API key: no Bearer key was given"})
        given = authorization.removeprefix("Bearer ").encode()
        if not hmac.compare_digest(given, self.api_key.encode()):
            return self._reply(
                401, {"message": "Invalid API key: not valid for this REST endpoint"}
            )
        if request.path == CREATE_PATH:
            return self._create(request.json, raw)
        if request.path == DATA_SERIES_PATH:
            return self._data_series(request.query)
        return self._details(request.query)

    def _reply(self, status: int, payload: dict[str, Any]) -> _Answer:
        return status, payload, self._rate_headers()

    def _forbidden(self, permission: str) -> _Answer:
        """403, as Braze answers a key without `permission`."""
        return self._reply(
            403, {"message": f"Forbidden: the API key lacks the {permission} permission"}
        )

    def _create(self, body: Any, raw: bytes) -> _Answer:
        if self._remaining <= 0:
            return self._reply(
                429, {"message": f"Rate limit of {self.daily_limit} send IDs per day exceeded"}
            )
        if not isinstance(body, dict):
            what = "Invalid JSON body" if raw else "A JSON body is required"
            return self._reply(400, {"message": what})
        campaign_id = body.get("campaign_id")
        if not isinstance(campaign_id, str) or not campaign_id:
            return self._reply(
                400,
                {"message": "Invalid request", "errors": ["campaign_id is required (string)"]},
            )
        send_id = body.get("send_id")
        if send_id is not None and (
            not isinstance(send_id, str)
            or not send_id
            or len(send_id) > MAX_SEND_ID_LENGTH
            or not send_id.isascii()
        ):
            return self._reply(
                400,
                {
                    "message": "Invalid request",
                    "errors": [f"send_id must be 1-{MAX_SEND_ID_LENGTH} ASCII characters"],
                },
            )
        if self.campaigns and campaign_id not in self.campaigns:
            return self._reply(400, {"message": "Invalid campaign_id"})
        if send_id is None:
            send_id = secrets.token_hex(16)
        self._remaining -= 1
        self._created.append((campaign_id, send_id))
        return self._reply(201, {"message": "success", "send_id": send_id})

    def _details(self, query: dict[str, str]) -> _Answer:
        if self.details_forbidden:
            return self._forbidden("campaigns.details")
        campaign_id = query.get("campaign_id", "")
        if not campaign_id:
            return self._reply(400, {"message": "campaign_id is required"})
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            return self._reply(400, {"message": "Invalid campaign_id"})
        return self._reply(
            200,
            {
                "message": "success",
                "created_at": "2024-01-01T00:00:00+00:00",
                "updated_at": "2024-01-02T00:00:00+00:00",
                "name": campaign.get("name"),
                "description": "",
                "archived": bool(campaign.get("archived", False)),
                "draft": bool(campaign.get("draft", False)),
                "schedule_type": "api_triggered",
                "channels": list(campaign.get("channels", ["email"])),
                "first_sent": None,
                "last_sent": None,
                "tags": [],
                "teams": [],
                "messages": {},
                "conversion_behaviors": [],
            },
        )

    def _data_series(self, query: dict[str, str]) -> _Answer:
        if self.data_series_forbidden:
            return self._forbidden("sends.data_series")
        campaign_id = query.get("campaign_id", "")
        send_id = query.get("send_id", "")
        if not campaign_id or not send_id:
            return self._reply(400, {"message": "campaign_id and send_id are required"})
        try:
            length = int(query.get("length", ""))
        except ValueError:
            length = 0
        if not 1 <= length <= 100:
            return self._reply(400, {"message": "length must be between 1 and 100"})
        ending: date | None = None
        if "ending_at" in query:
            try:
                ending = datetime.fromisoformat(query["ending_at"]).date()
            except ValueError:
                return self._reply(400, {"message": "ending_at must be an ISO 8601 datetime"})
        days = self.send_stats.get((campaign_id, send_id), self.default_send_stats)
        if days is None:
            return self._reply(400, {"message": "Invalid campaign_id or send_id"})
        if ending is not None:
            days = [d for d in days if not _after(d, ending)]
        # A deep copy: later changes to send_stats must not alter an answer already given.
        data = json.loads(json.dumps(days[-length:]))
        return self._reply(200, {"message": "success", "data": data})


def _after(day: Any, ending: date) -> bool:
    """Whether the day (Braze's "time", an ISO date) lies after ``ending``; unknown: no."""
    if not isinstance(day, dict):
        return False
    try:
        return date.fromisoformat(str(day.get("time", ""))[:10]) > ending
    except ValueError:
        return False
