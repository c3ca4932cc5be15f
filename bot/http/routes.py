"""The HTTP surface: `POST /slack/events` (Bolt), `GET /healthz`, `GET /readyz`, `GET /metrics`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from slack_bolt import App

from bot.http.server import MAX_BODY_BYTES
from bot.http.slack_endpoint import SlackEndpoint

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

EVENTS_PATH = "/slack/events"

# Given the request's Accept header, the exposition body and its Content-Type.
MetricsRenderer = Callable[[str | None], tuple[bytes, str]]
# Why the bot cannot serve now ("database unreachable", no Socket Mode connection), or None.
NotReady = Callable[[], str | None]


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
        not_ready: NotReady,
        metrics: MetricsRenderer | None = None,
    ) -> None:
        # Not Bolt's own WSGI adapter: malformed bodies and replays are refused before Bolt parses.
        self._slack = SlackEndpoint(bolt_app) if bolt_app else None
        self._not_ready = not_ready
        self._metrics = metrics

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz":
            return _plain(start_response, "200 OK", "ok\n")
        if path == "/readyz":
            problem = self._not_ready()
            if problem is None:
                return _plain(start_response, "200 OK", "ready\n")
            return _plain(start_response, "503 Service Unavailable", f"{problem}\n")
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
