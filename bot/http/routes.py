"""The HTTP surface: `POST /slack/events` (Bolt), `GET /healthz`, `GET /readyz`, `GET /metrics`
(or `/metrics` alone on a port of its own: :func:`metrics_app`). Health, readiness and metrics
answer GET and HEAD only (405 otherwise, with an Allow header)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.http.server import MAX_BODY_BYTES
from bot.http.slack_endpoint import SlackEndpoint

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

EVENTS_PATH = "/slack/events"
METRICS_PATH = "/metrics"
_READ_ONLY = ("GET", "HEAD")
_PLAIN_TEXT = "text/plain; charset=utf-8"

# Given the request's Accept header, the exposition body and its Content-Type.
MetricsRenderer = Callable[[str | None], tuple[bytes, str]]
# Why the bot cannot serve now ("database unreachable", no Socket Mode connection), or None.
NotReady = Callable[[], str | None]


def _send(
    environ: WSGIEnvironment,
    start_response: StartResponse,
    status: str,
    body: bytes,
    content_type: str = _PLAIN_TEXT,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    start_response(status, headers + (extra or []))
    # HEAD: the headers GET would get, no body (waitress would send one if given).
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def _not_read_only(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes] | None:
    """405 unless the method is GET or HEAD."""
    if environ.get("REQUEST_METHOD", "GET") in _READ_ONLY:
        return None
    allow = [("Allow", ", ".join(_READ_ONLY))]
    return _send(
        environ, start_response, "405 Method Not Allowed", b"GET or HEAD only\n", extra=allow
    )


def _metrics(
    render: MetricsRenderer, environ: WSGIEnvironment, start_response: StartResponse
) -> list[bytes]:
    refused = _not_read_only(environ, start_response)
    if refused is not None:
        return refused
    body, content_type = render(environ.get("HTTP_ACCEPT"))
    return _send(environ, start_response, "200 OK", body, content_type)


def metrics_app(render: MetricsRenderer) -> Callable[[WSGIEnvironment, StartResponse], list[bytes]]:
    """`/metrics` alone, for SENDID_METRICS_PORT (everything else 404)."""

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        if environ.get("PATH_INFO", "") == METRICS_PATH:
            return _metrics(render, environ, start_response)
        return _send(environ, start_response, "404 Not Found", b"not found\n")

    return app


@dataclass(frozen=True)
class WebApp:
    """Routes requests; the Slack endpoint exists only in HTTP mode, `/metrics` only when
    `metrics` is given (not when it has a port of its own)."""

    # Not Bolt's own WSGI adapter: forged, replayed and malformed requests are refused before
    # Bolt parses anything.
    slack: SlackEndpoint | None
    not_ready: NotReady
    metrics: MetricsRenderer | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in ("/healthz", "/readyz"):
            refused = _not_read_only(environ, start_response)
            if refused is not None:
                return refused
            problem = None if path == "/healthz" else self.not_ready()
            if problem is not None:
                body = f"{problem}\n".encode()
                return _send(environ, start_response, "503 Service Unavailable", body)
            return _send(
                environ, start_response, "200 OK", b"ok\n" if path == "/healthz" else b"ready\n"
            )
        if path == METRICS_PATH and self.metrics is not None:
            return _metrics(self.metrics, environ, start_response)
        if path == EVENTS_PATH and self.slack is not None:
            if environ.get("REQUEST_METHOD") != "POST":
                allow = [("Allow", "POST")]
                return _send(
                    environ, start_response, "405 Method Not Allowed", b"POST only\n", extra=allow
                )
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return _send(environ, start_response, "400 Bad Request", b"bad Content-Length\n")
            if length > MAX_BODY_BYTES:
                return _send(environ, start_response, "413 Content Too Large", b"body too large\n")
            return self.slack(environ, start_response)
        return _send(environ, start_response, "404 Not Found", b"not found\n")
