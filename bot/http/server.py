"""The HTTP server: waitress in a background thread.

Why waitress: one event loop reads and parses every connection, and a worker thread sees a
request only once it has arrived whole. A slow or idle client holds a socket, never a thread,
so 120 clients trickling their headers (slowloris) cannot starve ``/healthz`` or Slack's
requests, as they starved cheroot's thread per connection (issue 13; the figures are in
BENCHMARKS.md, "Slow clients"). On top of waitress's own limits this adds a deadline for a
request to arrive whole (waitress only times out connections that send nothing at all) and a
graceful stop.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Final

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer

log = logging.getLogger("bot.web")

SERVER: Final = "waitress"

# Slack's payloads are a few KiB; anything near this is not Slack.
MAX_BODY_BYTES: Final = 256 * 1024
# Slack's headers are under 1 KiB; 16 KiB leaves room for proxies' and tracers' additions.
# Longer ones are refused (431) after reading 16 KiB, however long they claim to be.
MAX_HEADER_BYTES: Final = 16 * 1024
# Open connections at once; beyond it new ones wait in the listen backlog until some close.
CONNECTION_LIMIT: Final = 1000
# A connection that sends nothing for this long is closed: longer than the 60 s idle time-out
# of common load balancers, so they never send a request on a connection being closed.
IDLE_TIMEOUT_SECONDS: Final = 75
# From its first byte, a request must have arrived whole within this (Slack's arrive in
# milliseconds); a client trickling its headers or body is cut off.
REQUEST_DEADLINE_SECONDS: Final = 10.0
# A stop waits this long for requests in flight to be answered.
STOP_TIMEOUT_SECONDS: Final = 10.0
# While this many requests are being worked on, the event loop pauses after each pass for
# BUSY_PAUSE_SECONDS, so that one pass sends many answers and takes many new requests: every
# pass walks every open connection in Python, and with a pass per answer a burst of 50 cost the
# loop 0.44-0.49 ms of CPU per request, bare Bolt's 0.27 (BENCHMARKS.md). Below it, no pause:
# a lone request is never held up.
BUSY_TASKS: Final = 4
BUSY_PAUSE_SECONDS: Final = 0.001


class _Parser(HTTPRequestParser):
    def __init__(self, adj: Any) -> None:
        super().__init__(adj)
        self.started = time.time()  # waitress's maintenance clock


class _Channel(HTTPChannel):
    parser_class = _Parser


class _Server(TcpWSGIServer):
    channel_class = _Channel
    request_deadline = REQUEST_DEADLINE_SECONDS

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # idle connections
        cutoff = now - self.request_deadline
        for channel in list(self.active_channels.values()):
            request = channel.request  # the one still arriving, if any
            if not channel.requests and request is not None and request.started < cutoff:
                channel.will_close = True

    def run(self) -> None:
        # waitress's own loop (wasyncore.loop), with the pause while busy.
        poll = wasyncore.poll2 if self.adj.asyncore_use_poll else wasyncore.poll
        timeout = self.adj.asyncore_loop_timeout
        tasks = self.task_dispatcher
        try:
            while self._map:
                poll(timeout, self._map)
                if tasks.active_count >= BUSY_TASKS:
                    time.sleep(BUSY_PAUSE_SECONDS)
        except (SystemExit, KeyboardInterrupt):
            tasks.shutdown()

    def busy(self) -> bool:
        """A request is queued or running, or an answer not yet sent."""
        tasks = self.task_dispatcher
        if tasks.queue or tasks.active_count:
            return True
        return any(c.requests or c.total_outbufs_len for c in list(self.active_channels.values()))


class HttpServer:
    """waitress in a background thread, so `python -m bot` and the tests can start and stop it."""

    def __init__(
        self,
        app: Any,
        host: str,
        port: int,
        threads: int = 100,
        *,
        connection_limit: int = CONNECTION_LIMIT,
        idle_timeout: int = IDLE_TIMEOUT_SECONDS,
        request_deadline: float = REQUEST_DEADLINE_SECONDS,
    ) -> None:
        # Threads run requests that have arrived: each form submission holds one for its
        # time-boxed validation (BENCHMARKS.md). A deep listen backlog: the default drops most of
        # a burst of Slack requests, which clients retry 1-15 s later (measured there).
        self._server = _Server(
            app,
            map={},
            host=host,
            port=port,
            threads=threads,
            backlog=1024,
            connection_limit=connection_limit,
            channel_timeout=idle_timeout,
            cleanup_interval=1,  # how often deadlines are checked (waitress: whole seconds)
            max_request_header_size=MAX_HEADER_BYTES,
            max_request_body_size=MAX_BODY_BYTES + 1,  # waitress refuses from this size on
            # select() cannot watch descriptors above 1023; poll() can (connection_limit).
            asyncore_use_poll=True,
            # A client resetting its connection is not the bot's problem: no traceback for it.
            log_socket_errors=False,
            ident="sendid-bot",
        )
        self._server.request_deadline = request_deadline
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
        """Refuse new connections at once, let the requests in flight be answered (up to
        `timeout`), then close every connection and the worker threads."""
        server = self._server
        if self._thread is None or not self._thread.is_alive():
            server.task_dispatcher.shutdown(timeout=0)
            server.close()
            return
        # The loop thread owns its sockets: changes go to it through waitress's trigger.
        closed = threading.Event()

        def stop_listening() -> None:
            server.accepting = False
            # The listening socket alone (the server's own close() also closes the trigger).
            wasyncore.dispatcher.close(server)
            closed.set()

        server.trigger.pull_trigger(stop_listening)
        closed.wait(2)
        deadline = time.monotonic() + timeout
        while server.busy() and time.monotonic() < deadline:
            time.sleep(0.01)
        # Every connection and the trigger: the loop ends when it has nothing left to watch.
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map, ignore_all=True))
        self._thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=1)
