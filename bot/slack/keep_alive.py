"""Slack Web API calls over kept-alive connections.

slack_sdk's `WebClient` opens a new connection for every call (``urllib.request.urlopen``):
TCP (and TLS) set-up, a new opener, header parsing through the email package. On the path
of every `/sendid` that cost ~0.4 ms of CPU of the ~0.7 ms a `views.open` takes — more than
anything else the bot adds to bare Bolt. :class:`KeepAliveWebClient` is the same client (same
methods, retry handlers, errors, responses) with only the innermost step replaced: the request
goes over an idle connection from a small pool when there is one.

A kept connection idle for a while that the server has meanwhile closed is found before it
is used (it reads as ready: EOF) and dropped. If sending on a kept connection fails, the
request never left and goes out on a new connection. If the answer does not come, nothing is
sent again here: the server may have read the request before dropping the connection, so
slack_sdk's retry handlers decide, as they do for its own client (sending it once more here as
well made three attempts where slack_sdk makes two). Proxies (`WebClient.proxy`) keep
slack_sdk's own path.

A call with a JSON body (`views.open`, `chat.postMessage`, … — everything on the path of a
`/sendid` or an approval) or with form fields (`users.info`, …) skips slack_sdk's layers in
between when Slack answers 200: the
body is sent and the answer read and checked (`SlackResponse.validate`: the same response, the
same `SlackApiError`) without the copies, the request objects and the retry bookkeeping
around them, ~0.15 ms of CPU of a `views.open`'s ~0.4 ms. Anything else — another status, a
connection error — goes on through slack_sdk's own path as the outcome of its first attempt
(nothing is sent twice), and its retry handlers decide as before.

Answers are read by http.client with one step replaced: their headers are parsed without the
email package (:mod:`bot.slack.response_headers`, ~0.1 ms of CPU less per call).

Such a call can also be started (:meth:`KeepAliveWebClient.start_json_call`) and its answer
read later: over a kept connection the request is sent at once, so `/sendid` acknowledges
after its form's `views.open` is on its way, not before (bot.slack.messenger.open_modal).
"""

from __future__ import annotations

import http.client
import io
import json as jsonlib
import select
import ssl
import threading
import time
import urllib.error
from collections import deque
from typing import Any, Final
from urllib.parse import urlencode, urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.web import SlackResponse
from slack_sdk.web.internal_utils import _get_url, convert_bool_to_0_or_1

from bot.slack.response_headers import LightResponse

# Idle connections kept per server: more than the threads that call Slack at once (64
# listeners, 8 locale lookups: bot.slack.app, bot.slack.language), so that in a burst no form's
# views.open has to connect anew after its acknowledgement (with 64 kept, a few did).
MAX_IDLE: Final = 100
# A connection idle longer than this is closed rather than reused (servers drop idle ones).
IDLE_SECONDS: Final = 30.0
# A connection idle for less than this is used without looking whether the server closed it:
# the look is a system call (it hands Python's GIL to another thread and back, ~0.03 ms in a
# burst), and a connection closed so soon is caught by the one retry below all the same.
CHECK_AFTER_SECONDS: Final = 1.0
# Failures that mean a reused connection was closed by the server before it answered.
_STALE: Final = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def _closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """True if an idle connection has something to read: EOF (closed) or stray bytes."""
    sock = connection.sock
    if sock is None:
        return True
    # poll, not select: the server's own connections can push descriptors past select's 1024.
    poller = select.poll()
    try:
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


# An HTTP answer: status, reason, headers, body.
_Answer = tuple[int, str, http.client.HTTPMessage, bytes]
# What a request came to other than a response: an answer, or the error that ended it.
_Outcome = _Answer | BaseException


def _charset(content_type: str) -> str:
    """The charset parameter of a Content-Type header, utf-8 if none (the email package's
    parser, which http.client offers, takes ~0.03 ms for this)."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip(' "'):
            return value.strip(' "')
    return "utf-8"


class ConnectionPool:
    """Idle HTTP(S) connections by (scheme, host, port), thread-safe."""

    def __init__(self, ssl_context: ssl.SSLContext | None, timeout: float) -> None:
        self._ssl = ssl_context
        self._timeout = timeout
        self._idle: dict[tuple[str, str, int], deque[tuple[http.client.HTTPConnection, float]]]
        self._idle = {}
        self._lock = threading.Lock()

    def request(self, url: str, body: bytes | None, headers: dict[str, str]) -> _Answer:
        """POST `body` to `url`; status, reason, headers and the whole body of the answer."""
        return self.start(url, body, headers).finish()

    def start(self, url: str, body: bytes | None, headers: dict[str, str]) -> Exchange:
        """POST `body` to `url` over a kept connection now; the answer is read by `finish()`.
        Without an idle kept connection, connecting and sending wait for `finish()` too: what
        the caller does in between (the command's acknowledgement) never waits for a connect."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise SlackRequestError(f"Invalid URL detected: {url}")
        key = (scheme, parts.hostname, parts.port or (443 if scheme == "https" else 80))
        target = parts.path or "/"
        if parts.query:
            target = f"{target}?{parts.query}"
        exchange = Exchange(self, key, target, body, headers)
        kept = self._take(key)
        if kept is not None:
            exchange.send(kept)
        return exchange

    def _receive(
        self, key: tuple[str, str, int], connection: http.client.HTTPConnection
    ) -> _Answer:
        try:
            response = connection.getresponse()
            data = response.read()
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            self._give_back(key, connection)
        return response.status, response.reason, response.msg, data

    def _take(self, key: tuple[str, str, int]) -> http.client.HTTPConnection | None:
        """An idle kept connection to `key` that the server has not closed, if there is one."""
        now = time.monotonic()
        with self._lock:
            idle = self._idle.get(key)
            while idle:
                connection, since = idle.pop()
                idle_for = now - since
                if idle_for < CHECK_AFTER_SECONDS:
                    return connection
                if idle_for <= IDLE_SECONDS and not _closed_by_peer(connection):
                    return connection
                connection.close()
        return None

    def _give_back(self, key: tuple[str, str, int], connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, deque())
            if len(idle) < MAX_IDLE:
                idle.append((connection, time.monotonic()))
                return
        connection.close()

    def _connect(self, key: tuple[str, str, int]) -> http.client.HTTPConnection:
        scheme, host, port = key
        connection: http.client.HTTPConnection
        if scheme == "https":
            context = self._ssl or ssl.create_default_context()
            connection = http.client.HTTPSConnection(
                host, port, timeout=self._timeout, context=context
            )
        else:
            # http.client sets TCP_NODELAY: its separate header and body writes are not held back.
            connection = http.client.HTTPConnection(host, port, timeout=self._timeout)
        connection.response_class = LightResponse  # headers read without the email package
        return connection

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection, _ in connections:
                connection.close()


class Exchange:
    """One request of a :class:`ConnectionPool`: sent (over a kept connection) or not yet."""

    def __init__(
        self,
        pool: ConnectionPool,
        key: tuple[str, str, int],
        target: str,
        body: bytes | None,
        headers: dict[str, str],
    ) -> None:
        self._pool, self._key, self._target = pool, key, target
        self._body, self._headers = body, headers
        self._kept: http.client.HTTPConnection | None = None  # sent on it, answer not read

    def send(self, kept: http.client.HTTPConnection) -> None:
        try:
            kept.request("POST", self._target, body=self._body, headers=self._headers)
        except _STALE:
            kept.close()  # closed by the server while idle: `finish` sends on a new one
            return
        except BaseException:
            kept.close()
            raise
        self._kept = kept

    def finish(self) -> _Answer:
        """The answer: status, reason, headers and the whole body."""
        if self._kept is not None:
            return self._pool._receive(self._key, self._kept)
        connection = self._pool._connect(self._key)
        try:
            connection.request("POST", self._target, body=self._body, headers=self._headers)
        except BaseException:
            connection.close()
            raise
        return self._pool._receive(self._key, connection)


class PendingCall:
    """A Web API call sent by :meth:`KeepAliveWebClient.start_json_call` (or its form-encoded
    twin), its answer not read."""

    def __init__(
        self,
        client: KeepAliveWebClient,
        api_method: str,
        arguments: dict[str, Any],
        req_args: dict[str, Any],
        exchange: Exchange | None,
    ) -> None:
        self._client, self._api_method, self._arguments = client, api_method, arguments
        self._req_args, self._exchange = req_args, exchange

    def result(self) -> SlackResponse:
        """Slack's response, checked as slack_sdk checks it (raises `SlackApiError`)."""
        client = self._client
        outcome: SlackResponse | _Outcome | None = None
        if self._exchange is not None:
            try:
                outcome = client._checked(self._exchange.finish(), self._req_args)
            except _STALE as error:  # on a new connection: slack_sdk's handlers retry those
                outcome = error
            if isinstance(outcome, SlackResponse):
                return outcome
        # Not a 200 (or not a plain call): slack_sdk's path takes this as its first attempt's
        # outcome (nothing is sent twice), so its retry handlers and errors are as always.
        client._first.outcome = outcome
        try:
            return WebClient.api_call(client, self._api_method, **self._arguments)
        finally:
            client._first.outcome = None


class KeepAliveWebClient(WebClient):
    """slack_sdk's `WebClient`, its HTTP requests sent over kept-alive connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool = ConnectionPool(self.ssl, float(self.timeout))
        self._urls: dict[str, str] = {}
        # What the quick path got instead of a 200, handed to slack_sdk's path in this thread.
        self._first = threading.local()

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        auth: dict[str, str] | None = None,
    ) -> SlackResponse:
        if not (files or headers or auth):
            if json is not None and not (data or params) and "token" not in json:
                return self.start_json_call(api_method, json).result()
            form = {k: v for k, v in {**(params or {}), **(data or {})}.items() if v is not None}
            if json is None and form and "token" not in form:
                arguments = {"http_verb": http_verb, "params": params, "data": data}
                return self._start(api_method, arguments, form=form).result()
        return super().api_call(
            api_method,
            http_verb=http_verb,
            files=files,
            data=data,
            params=params,
            json=json,
            headers=headers,
            auth=auth,
        )

    def start_json_call(self, api_method: str, body: dict[str, Any]) -> PendingCall:
        """Send `body` to `api_method` now if a kept connection is idle (else when the answer is
        asked for); `.result()` reads and checks the answer. What the caller does in between
        happens once the request is on its way: `/sendid` acknowledges there, so that its form
        is not held up by the acknowledgement's sending (BENCHMARKS.md)."""
        return self._start(api_method, {"json": body}, json=body)

    def _start(
        self,
        api_method: str,
        arguments: dict[str, Any],
        *,
        json: dict[str, Any] | None = None,
        form: dict[str, Any] | None = None,
    ) -> PendingCall:
        """Send a JSON body or form fields as slack_sdk would; `arguments`: slack_sdk's
        `api_call` arguments for the same call, should its path have to take over."""
        url = self._urls.get(api_method)
        if url is None:
            url = self._urls[api_method] = _get_url(self.base_url, api_method)
        headers = self._build_urllib_request_headers(
            token=self.token or "",
            has_json=json is not None,
            has_files=False,
            additional_headers={},
        )
        req_args: dict[str, Any]
        if json is not None:
            payload = jsonlib.dumps(json).encode()
            req_args = {"headers": headers, "json": json, "params": {}, "data": {}}
        else:
            fields = convert_bool_to_0_or_1(form) or {}
            payload = urlencode(fields).encode()
            req_args = {"headers": headers, "json": None, "params": fields, "data": {}}
        exchange = None
        if self.proxy is None and not self.default_params:
            exchange = self._pool.start(url, payload, headers)
        req_args["url"] = url
        return PendingCall(self, api_method, arguments, req_args, exchange)

    def _checked(self, answer: _Answer, req_args: dict[str, Any]) -> SlackResponse | _Answer:
        """The checked response if Slack answered 200 with JSON, else the answer as it came."""
        status, _, response_headers, raw = answer
        if status != 200:
            return answer
        try:
            charset = _charset(response_headers.get("Content-Type") or "")
            data = jsonlib.loads(raw.decode(charset))
        except (UnicodeDecodeError, LookupError, ValueError):
            return answer
        arguments = {k: v for k, v in req_args.items() if k != "url"}
        return SlackResponse(
            client=self,
            http_verb="POST",
            api_url=req_args["url"],
            req_args=arguments,
            data=data,
            headers=dict(response_headers),
            status_code=status,
        ).validate()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        outcome: _Outcome | None = getattr(self._first, "outcome", None)
        self._first.outcome = None
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome is None:
            if self.proxy is not None:
                return super()._perform_urllib_http_request_internal(url, req)
            data = req.data if isinstance(req.data, bytes) else None
            headers = {name: str(value) for name, value in req.header_items()}
            outcome = self._pool.request(url, data, headers)
        status, reason, response_headers, body = outcome
        if status >= 400:
            # slack_sdk's retry handlers and error responses expect urllib's HTTPError here.
            raise urllib.error.HTTPError(url, status, reason, response_headers, io.BytesIO(body))
        content_type = response_headers.get("Content-Type") or ""
        if content_type.split(";")[0].strip().lower() == "application/gzip":
            return {"status": status, "headers": response_headers, "body": body}
        return {
            "status": status,
            "headers": response_headers,
            "body": body.decode(_charset(content_type)),
        }

    def close(self) -> None:
        """Close the kept connections."""
        self._pool.close()
