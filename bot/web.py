"""The HTTP surface: `POST /slack/events` (Bolt), `GET /healthz`, `GET /readyz`, `GET /metrics`.

Served by cheroot, a production-grade threaded WSGI server.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from cheroot import wsgi
from slack_bolt import App

from bot.inbound import SlackEndpoint

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger("bot.web")

EVENTS_PATH = "/slack/events"
# Slack's payloads are a few KiB; anything near this is not Slack.
MAX_BODY_BYTES = 256 * 1024

# Given the request's Accept header, the exposition body and its Content-Type.
MetricsRenderer = Callable[[str | None], tuple[bytes, str]]


def _plain(
    start_response: StartResponse,
    status: str,
    text: str,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    body = text.encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response(status, headers + (extra or []))
    return [body]


class WebApp:
    """Routes requests; the Slack endpoint exists only in HTTP mode."""

    def __init__(
        self,
        bolt_app: App | None,
        ready: Callable[[], bool],
        metrics: MetricsRenderer | None = None,
    ) -> None:
        # Not Bolt's own WSGI adapter: malformed bodies and replays are refused before Bolt parses.
        self._slack = SlackEndpoint(bolt_app) if bolt_app else None
        self._ready = ready
        self._metrics = metrics

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz":
            return _plain(start_response, "200 OK", "ok\n")
        if path == "/readyz":
            if self._ready():
                return _plain(start_response, "200 OK", "ready\n")
            return _plain(start_response, "503 Service Unavailable", "database unreachable\n")
        if path == "/metrics" and self._metrics is not None:
            body, content_type = self._metrics(environ.get("HTTP_ACCEPT"))
            start_response(
                "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))]
            )
            return [body]
        if path == EVENTS_PATH and self._slack is not None:
            if method != "POST":
                return _plain(
                    start_response, "405 Method Not Allowed", "POST only\n", [("Allow", "POST")]
                )
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return _plain(start_response, "400 Bad Request", "bad Content-Length\n")
            if length > MAX_BODY_BYTES:
                return _plain(start_response, "413 Content Too Large", "body too large\n")
            return self._slack(environ, start_response)
        return _plain(start_response, "404 Not Found", "not found\n")


class _Server(wsgi.Server):
    def error_log(self, msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
        # cheroot writes straight to stderr by default: route it through logging (format, scrubber).
        log.log(level, "%s", msg, exc_info=traceback)


class HttpServer:
    """cheroot in a background thread, so `python -m bot` and the tests can start and stop it."""

    def __init__(self, app: Any, host: str, port: int, threads: int = 100) -> None:
        # A deep listen backlog: cheroot's default of 5 makes the kernel drop most of a burst of
        # Slack requests, which clients then retry 1-15 s later (measured in BENCHMARKS.md).
        # Threads: each form submission holds one for its time-boxed validation.
        self._server = _Server(
            (host, port),
            app,
            numthreads=threads,
            request_queue_size=1024,
            shutdown_timeout=10,
        )
        self._server.max_request_body_size = MAX_BODY_BYTES
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.bind_addr[1])

    def start(self) -> HttpServer:
        self._server.prepare()  # binds now, so `port` is known (port 0 picks a free one)
        self._thread = threading.Thread(target=self._server.serve, name="http", daemon=True)
        self._thread.start()
        log.info("listening on port %s", self.port)
        return self

    def stop(self) -> None:
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=15)
