"""bot.http.server: slow, idle and oversized clients hold no worker, and a stop lets the request
in flight be answered while refusing new ones."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import pytest

from bot.http.server import MAX_HEADER_BYTES, HttpServer
from tests.support.waits import wait_until


def slow_app(release: threading.Event) -> Any:
    """Answers /slow once `release` is set, everything else at once."""

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/slow":
            release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
        return [b"ok\n"]

    return app


@pytest.fixture
def release() -> threading.Event:
    return threading.Event()


@pytest.fixture
def server(release: threading.Event) -> Iterator[HttpServer]:
    # One worker thread: anything that held it would starve the next request.
    started = HttpServer(slow_app(release), "127.0.0.1", 0, threads=1, idle_timeout=1).start()
    yield started
    release.set()
    started.stop()


def closed_by_server_within(conn: socket.socket, seconds: float) -> bool:
    """Whether the server closed `conn` within `seconds` (it may answer first)."""
    conn.settimeout(seconds)
    try:
        while conn.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        pass
    return True


def test_clients_trickling_their_headers_starve_nobody(server: HttpServer) -> None:
    slow = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]
    try:
        for line in range(3):
            for conn in slow:
                conn.sendall(f"GET /healthz HTTP/1.1\r\nX-{line}: y\r\n".encode())
            # The one worker is free: the slow clients are not holding it.
            answer = httpx.get(f"http://127.0.0.1:{server.port}/healthz", timeout=5)
            assert answer.status_code == 200
    finally:
        for conn in slow:
            conn.close()


def test_an_idle_connection_is_closed(server: HttpServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as idle:
        assert closed_by_server_within(idle, 10)


def test_headers_over_the_limit_are_refused_with_431_unread() -> None:
    app = slow_app(threading.Event())
    server = HttpServer(app, "127.0.0.1", 0, threads=1).start()
    try:
        big = "x" * (MAX_HEADER_BYTES + 1)
        response = httpx.get(f"http://127.0.0.1:{server.port}/", headers={"X-Big": big})
        assert response.status_code == 431
        fits = "x" * (MAX_HEADER_BYTES // 2)
        response = httpx.get(f"http://127.0.0.1:{server.port}/", headers={"X-Fits": fits})
        assert response.status_code == 200
    finally:
        server.stop()


def test_a_stop_refuses_new_requests_at_once_and_answers_the_request_in_flight(
    release: threading.Event,
) -> None:
    entered = threading.Event()

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/slow":
            entered.set()
            release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
        return [b"ok\n"]

    server = HttpServer(app, "127.0.0.1", 0, threads=2).start()
    url = f"http://127.0.0.1:{server.port}"
    answers: list[int] = []
    in_flight = threading.Thread(
        target=lambda: answers.append(httpx.get(f"{url}/slow", timeout=10).status_code)
    )
    in_flight.start()
    assert entered.wait(5)  # the request is being worked on
    stopping = threading.Thread(target=server.stop)
    stopping.start()
    wait_until(lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 503, timeout=5)
    assert stopping.is_alive(), "stopped without waiting for the request in flight"
    release.set()
    in_flight.join(5)
    stopping.join(5)
    assert answers == [200] and not stopping.is_alive()
    # Stopped: refused, or (a connection the kernel had queued on the closing socket) reset.
    with pytest.raises((httpx.ConnectError, httpx.ReadError)):
        httpx.get(f"{url}/healthz", timeout=2)
