"""The HTTP server: cheroot, a production-grade threaded WSGI server, in a background thread."""

from __future__ import annotations

import logging
import threading
from typing import Any

from cheroot import wsgi

log = logging.getLogger("bot.web")

# Slack's payloads are a few KiB; anything near this is not Slack.
MAX_BODY_BYTES = 256 * 1024


class _Server(wsgi.Server):
    # How long cheroot's connection loop may wait in select() when nothing happens, so also how
    # long stop() waits for it to notice: cheroot's 0.5 s made every stop (each shutdown, each
    # bot a test starts) take up to half a second. Idle, 0.05 s costs 20 wake-ups a second.
    expiration_interval = 0.05

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
