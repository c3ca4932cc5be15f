"""`POST /slack/events` before Bolt: refuse what is not a well-formed Slack request, and replays.

:class:`SlackEndpoint` replaces Bolt's WSGI adapter (see :mod:`bot.http.slack_payloads` for
why): it parses the body itself, answers malformed requests 400 (401 for an unusable
timestamp header, 415 for a content type Slack never sends) and hands only the rest to Bolt,
which still checks the signature and the timestamp window.

Replays: Slack's five-minute timestamp window is the replay defence it documents. Inside the
window the state transitions are conditional, so a replayed click cannot decide twice, but a
replayed form submission with a blank send ID would store a second request, and a replayed
Retry click on a failed request would call Braze again. So a signature already answered in this
process within the window is refused (409); one answered 401 or 5xx is forgotten. The memory is
per process: a replay sent to another replica is not caught by this (the conditional
transitions still are).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse

from bot.http.slack_payloads import check_shape, parse

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

# Slack refuses requests older than this; a replay can only matter inside it.
REPLAY_WINDOW_SECONDS: Final = 5 * 60
# Bounded memory however many requests arrive (a few MB at most).
REPLAY_MEMORY: Final = 50_000
# Slack sends nothing else.
_CONTENT_TYPES: Final = frozenset({"application/x-www-form-urlencoded", "application/json"})


class ReplayGuard:
    """Signatures answered within the replay window, in this process (thread-safe, bounded)."""

    def __init__(
        self, window: float = REPLAY_WINDOW_SECONDS, capacity: int = REPLAY_MEMORY
    ) -> None:
        self._window = window
        self._capacity = capacity
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, signature: str) -> bool:
        """Remember `signature`; False if it was already seen within the window."""
        now = time.monotonic()
        with self._lock:
            while self._seen:
                oldest, seen_at = next(iter(self._seen.items()))
                if now - seen_at <= self._window and len(self._seen) < self._capacity:
                    break
                del self._seen[oldest]
            if signature in self._seen:
                return False
            self._seen[signature] = now
            return True

    def forget(self, signature: str) -> None:
        with self._lock:
            self._seen.pop(signature, None)


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            headers[key.lower().replace("_", "-")] = value
        elif key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
    return headers


def _answer(start_response: StartResponse, status: int, body: str) -> Iterable[bytes]:
    response = WsgiHttpResponse(
        status=status, headers={"content-type": ["text/plain; charset=utf-8"]}, body=body + "\n"
    )
    start_response(response.status, response.get_headers())
    return response.get_body()


class SlackEndpoint:
    """WSGI app for `POST /slack/events`: malformed → 400, replay → 409, the rest → Bolt."""

    def __init__(self, app: App, replays: ReplayGuard | None = None) -> None:
        self._app = app
        self._replays = replays or ReplayGuard()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        headers = _headers(environ)
        timestamp = headers.get("x-slack-request-timestamp")
        if timestamp is not None and not (timestamp.isascii() and timestamp.isdigit()):
            return _answer(start_response, 401, "invalid request")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        content_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type not in _CONTENT_TYPES:
            return _answer(start_response, 415, "unsupported content type")
        try:
            text = raw.decode("utf-8")
            body = parse(text, content_type)
            check_shape(body)
        except (ValueError, RecursionError):  # Malformed, JSON and Unicode errors among them
            return _answer(start_response, 400, "malformed request")

        signature = headers.get("x-slack-signature") or ""
        replay_checked = bool(signature) and self._replays.first_time(signature)
        if signature and not replay_checked:
            return _answer(start_response, 409, "replayed request")
        # Bolt takes a parsed body only in its Socket Mode flavour; switched back to HTTP mode with
        # the raw text, it verifies the signature over that text and dispatches on our parse.
        bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
        request = BoltRequest(
            body=body,
            query=environ.get("QUERY_STRING", ""),
            headers=bolt_headers,
            mode="socket_mode",
        )
        request.mode = "http"
        request.raw_body = text
        response = self._app.dispatch(request)
        if replay_checked and (response.status == 401 or response.status >= 500):
            # Not Slack's (do not let it shadow a real one), or not answered: a retry may come.
            self._replays.forget(signature)
        wsgi_response = WsgiHttpResponse(
            status=response.status, headers=response.headers, body=response.body
        )
        start_response(wsgi_response.status, wsgi_response.get_headers())
        return wsgi_response.get_body()
