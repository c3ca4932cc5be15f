"""The HTTP server: waitress, through `waitress.create_server` and its documented settings, in a
background thread.

Why waitress: one event loop reads and parses every connection, and a worker thread sees a
request only once it has arrived whole. A slow or idle client holds a socket, never a thread,
so clients trickling their headers (slowloris) cannot starve ``/healthz`` or Slack's requests;
idle connections are closed after ``channel_timeout``, and at most ``connection_limit`` are open.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Final

import waitress

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    WsgiApp = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]

log = logging.getLogger("bot.web")

SERVER: Final = "waitress"

# Slack's payloads are a few KiB; anything near this is not Slack.
MAX_BODY_BYTES: Final = 256 * 1024
# Slack's headers are under 1 KiB; 16 KiB leaves room for proxies' and tracers' additions.
MAX_HEADER_BYTES: Final = 16 * 1024
# Open connections at once; beyond it new ones wait in the listen backlog until some close.
CONNECTION_LIMIT: Final = 1000
# A connection that sends nothing for this long is closed: longer than the 60 s idle time-out
# of common load balancers, so they never send a request on a connection being closed.
IDLE_TIMEOUT_SECONDS: Final = 75
# A stop waits this long for requests in flight to be answered.
STOP_TIMEOUT_SECONDS: Final = 10.0


class HttpServer:
    """waitress in a background thread, so `python -m bot` and the tests can start and stop it.

    A stop answers new requests 503 at once (Slack retries them, a load balancer moves on), lets
    the requests in flight be answered, then closes the listening socket and the workers."""

    def __init__(
        self,
        app: WsgiApp,
        host: str,
        port: int,
        threads: int = 100,
        *,
        connection_limit: int = CONNECTION_LIMIT,
        idle_timeout: int = IDLE_TIMEOUT_SECONDS,
    ) -> None:
        self._app = app
        self._in_flight = 0
        self._stopping = False
        self._changed = threading.Condition()
        # Threads run requests that have arrived: each form submission holds one for its
        # time-boxed validation. A deep listen backlog, so a burst of Slack requests is queued,
        # not dropped.
        self._server = waitress.create_server(
            self._serve,
            host=host,
            port=port,
            threads=threads,
            backlog=1024,
            connection_limit=connection_limit,
            channel_timeout=idle_timeout,
            cleanup_interval=1,
            max_request_header_size=MAX_HEADER_BYTES,
            max_request_body_size=MAX_BODY_BYTES + 1,  # waitress refuses from this size on
            # select() cannot watch descriptors above 1023; poll() can (connection_limit).
            asyncore_use_poll=True,
            # A client resetting its connection is not the bot's problem: no traceback for it.
            log_socket_errors=False,
            ident="sendid-bot",
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    def start(self) -> HttpServer:
        # Bound and listening already (port 0 picked a free one): `port` is known.
        self._thread = threading.Thread(target=self._server.run, name="http", daemon=True)
        self._thread.start()
        log.info("listening on port %s", self.port)
        return self

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Answer new requests 503, wait for those in flight (up to `timeout`), then close."""
        with self._changed:
            self._stopping = True
            self._changed.wait_for(lambda: self._in_flight == 0, timeout)
        # The workers first (they finish sending what they answered), then the listening socket.
        self._server.task_dispatcher.shutdown()
        self._server.close()

    def _serve(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with self._changed:
            stopping = self._stopping
            if not stopping:
                self._in_flight += 1
        if stopping:
            body = b"stopping\n"
            start_response(
                "503 Service Unavailable",
                [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))],
            )
            return [body]
        try:
            # Every app here answers with a list: once it returns, the request is answered.
            return self._app(environ, start_response)
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()
