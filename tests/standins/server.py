"""What every stand-in server shares: it listens on 127.0.0.1, a daemon thread serves it, `with`
starts and stops it, and once stopped it can listen again on the same port.

A stand-in says how it listens (:meth:`LoopbackServer._listen`); HTTP stand-ins build on
:class:`LoopbackHTTPServer` and :class:`HttpStandIn`.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Protocol, Self, TypeVar


class Servable(Protocol):
    def serve_forever(self) -> None: ...

    def shutdown(self) -> None: ...


S = TypeVar("S", bound=Servable)


class LoopbackServer(ABC, Generic[S]):
    """Start, stop and `with` for a server of type `S`, served by a daemon thread."""

    thread_name = "stand-in"

    def __init__(self) -> None:
        self.port: int | None = None  # kept when stopped: start() listens on it again
        self._server: S | None = None
        self._thread: threading.Thread | None = None

    @property
    def listening(self) -> bool:
        return self._server is not None

    def start(self) -> Self:
        if self._server is None:
            server, self.port = self._listen(self.port or 0)
            thread = threading.Thread(
                target=self._serve, args=(server,), name=self.thread_name, daemon=True
            )
            self._server, self._thread = server, thread
            thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            self._close(server)
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _require_port(self) -> int:
        if self.port is None:
            raise RuntimeError(f"the {self.thread_name} has not been started")
        return self.port

    @abstractmethod
    def _listen(self, port: int) -> tuple[S, int]:
        """A server bound to 127.0.0.1:`port` (0: any free port), and the port it got."""

    def _serve(self, server: S) -> None:
        server.serve_forever()

    def _close(self, server: S) -> None:
        server.shutdown()


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server for a stand-in; its handler reaches the stand-in as
    ``self.server.stand_in``."""

    daemon_threads = True
    allow_reuse_address = True  # listen again on the same port at once
    # A burst of concurrent clients (the load tests) must not overflow the listen backlog (5).
    request_queue_size = 256

    def __init__(self, port: int, handler: type[BaseHTTPRequestHandler], stand_in: Any) -> None:
        self.stand_in = stand_in
        super().__init__(("127.0.0.1", port), handler)


H = TypeVar("H", bound=LoopbackHTTPServer)


class HttpStandIn(LoopbackServer[H]):
    """A stand-in served by a :class:`LoopbackHTTPServer` (or a subclass)."""

    def _serve(self, server: H) -> None:
        server.serve_forever(poll_interval=0.05)  # stops promptly

    def _close(self, server: H) -> None:
        server.shutdown()
        server.server_close()
