"""bot.http.server: slow, idle and oversized clients are cut off without holding a worker, and a
stop lets the request in flight be answered while refusing new connections."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import pytest

from bot.http.server import BUSY_TASKS, MAX_HEADER_BYTES, HttpServer


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
    started = HttpServer(
        slow_app(release), "127.0.0.1", 0, threads=1, idle_timeout=1, request_deadline=0.5
    ).start()
    yield started
    release.set()
    started.stop()


def closed_by_server_within(conn: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed `conn` (it may answer first), or None."""
    started = time.monotonic()
    conn.settimeout(seconds)
    try:
        while conn.recv(65536):
            pass
    except TimeoutError:
        return None
    except OSError:
        pass
    return time.monotonic() - started


def trickle_until_closed(conn: socket.socket, seconds: float) -> float | None:
    """Send a header line every 0.2 s (more often than the idle time-out); the seconds until
    the server closed the connection, or None."""
    started = time.monotonic()
    conn.settimeout(0.2)
    line = 0
    while time.monotonic() - started < seconds:
        try:
            line += 1
            conn.sendall(f"X-{line}: y\r\n".encode())
            if conn.recv(65536) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except OSError:
            return time.monotonic() - started
    return None


def test_a_client_trickling_its_headers_is_cut_off_and_starves_nobody(
    server: HttpServer,
) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        # The one worker is free: the slow client is not holding it.
        assert httpx.get(f"http://127.0.0.1:{server.port}/healthz", timeout=2).status_code == 200
        # Never idle, yet cut off: the request must arrive whole within its deadline.
        assert trickle_until_closed(slow, 4) is not None


def test_an_idle_connection_is_closed(server: HttpServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as idle:
        assert closed_by_server_within(idle, 4) is not None


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


def test_a_stop_refuses_new_connections_at_once_and_answers_the_request_in_flight(
    release: threading.Event,
) -> None:
    server = HttpServer(slow_app(release), "127.0.0.1", 0, threads=2).start()
    url = f"http://127.0.0.1:{server.port}"
    answers: list[int] = []
    in_flight = threading.Thread(
        target=lambda: answers.append(httpx.get(f"{url}/slow", timeout=10).status_code)
    )
    in_flight.start()
    time.sleep(0.3)  # the request is being worked on
    stopping = threading.Thread(target=server.stop)
    stopping.start()
    time.sleep(0.3)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/healthz", timeout=1)
    assert stopping.is_alive(), "stopped without waiting for the request in flight"
    release.set()
    in_flight.join(5)
    stopping.join(5)
    assert answers == [200] and not stopping.is_alive()


def test_while_many_requests_are_being_worked_on_the_server_keeps_answering_the_rest(
    release: threading.Event,
) -> None:
    # Busy (the loop pauses a moment after each pass): new connections, requests and answers
    # still go through, and the stop still waits for the requests in flight.
    server = HttpServer(slow_app(release), "127.0.0.1", 0, threads=BUSY_TASKS + 4).start()
    url = f"http://127.0.0.1:{server.port}"
    answers: list[int] = []

    def ask_slow() -> None:
        answers.append(httpx.get(f"{url}/slow", timeout=10).status_code)

    slow = [threading.Thread(target=ask_slow) for _ in range(BUSY_TASKS + 1)]
    for thread in slow:
        thread.start()
    try:
        time.sleep(0.3)  # every slow request is being worked on
        quick = [httpx.get(f"{url}/healthz", timeout=2).status_code for _ in range(20)]
        assert quick == [200] * 20
        assert answers == []
    finally:
        release.set()
        for thread in slow:
            thread.join(5)
        server.stop()
    assert answers == [200] * (BUSY_TASKS + 1)
