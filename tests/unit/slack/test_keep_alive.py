"""Slack Web API calls over kept-alive connections behave exactly like slack_sdk's own."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.slack.keep_alive import KeepAliveWebClient
from tests.standins.server import HttpStandIn, LoopbackHTTPServer
from tests.standins.slack import SlackStandIn
from tests.support.constants import BOT_TOKEN


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: LoopbackHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.server.stand_in.opened(self.connection)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.server.stand_in.hang_up_now():
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class ConnectionCountingServer(HttpStandIn[LoopbackHTTPServer]):
    """Answers every Web API method with ok; counts connections and can drop the idle ones,
    as Slack does with connections left idle too long."""

    def __init__(self) -> None:
        super().__init__()
        self.connections: list[socket.socket] = []
        self.hang_ups = 0  # requests to answer by closing the connection instead
        self._lock = threading.Lock()

    def _listen(self, port: int) -> tuple[LoopbackHTTPServer, int]:
        server = LoopbackHTTPServer(port, _Handler, self)
        return server, server.server_address[1]

    def opened(self, connection: socket.socket) -> None:
        with self._lock:
            self.connections.append(connection)

    def hang_up_now(self) -> bool:
        with self._lock:
            if self.hang_ups:
                self.hang_ups -= 1
                return True
            return False

    def drop_connections(self) -> None:
        with self._lock:
            for connection in self.connections:
                connection.shutdown(socket.SHUT_RDWR)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._require_port()}/api/"


Counted = tuple[ConnectionCountingServer, KeepAliveWebClient]


@pytest.fixture
def counted() -> Iterator[Counted]:
    """A connection-counting server and a client of it."""
    with ConnectionCountingServer() as server:
        client = KeepAliveWebClient(token=BOT_TOKEN, base_url=server.url)
        yield server, client
        client.close()


def test_successive_calls_travel_over_one_connection(counted: Counted) -> None:
    server, client = counted
    for _ in range(5):
        assert client.auth_test()["ok"] is True
    assert len(server.connections) == 1


def _drop_idle(server: ConnectionCountingServer) -> None:
    server.drop_connections()


def _hang_up_on_the_next_request(server: ConnectionCountingServer) -> None:
    server.hang_ups = 1


@pytest.mark.parametrize("drop", [_drop_idle, _hang_up_on_the_next_request])
def test_a_kept_connection_the_server_closed_is_replaced_without_failing_the_call(
    counted: Counted, drop: Callable[[ConnectionCountingServer], None]
) -> None:
    """Closed while idle (found before use), or just as the request went out (sent once more,
    on a new connection: the server never saw it)."""
    server, client = counted
    assert client.auth_test()["ok"] is True
    drop(server)
    assert client.auth_test()["ok"] is True
    assert len(server.connections) == 2


def test_a_server_that_keeps_hanging_up_fails_the_call_after_slack_sdks_one_retry(
    counted: Counted,
) -> None:
    server, client = counted
    server.hang_ups = 2
    with pytest.raises(ConnectionError):
        client.auth_test()
    # New connections are not retried by the pool; slack_sdk's own retry handler tries once more.
    assert len(server.connections) == 2


def test_concurrent_calls_each_get_a_connection_and_all_succeed(counted: Counted) -> None:
    server, client = counted
    results: list[bool] = []

    def call() -> None:
        results.append(bool(client.auth_test()["ok"]))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _ in range(8):  # then one after the other: the kept connections are reused
        call()
    assert results == [True] * 16
    assert len(server.connections) <= 8


def _client(slack: SlackStandIn) -> KeepAliveWebClient:
    client = KeepAliveWebClient(token=BOT_TOKEN, base_url=slack.url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    return client


def test_slack_errors_are_raised_as_slack_sdk_raises_them(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as raised:
        _client(slack).chat_postMessage(channel="C1", text="hello")
    assert raised.value.response["error"] == "channel_not_found"


def test_a_rate_limited_call_is_retried_after_the_time_slack_asks_for(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=0)
    response = _client(slack).chat_postMessage(channel="C1", text="hello")
    assert response["ok"] is True
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_an_outage_is_retried_then_reported_with_its_status(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", "internal_error", status=503, times=3)
    with pytest.raises(SlackApiError) as raised:
        _client(slack).chat_postMessage(channel="C1", text="hello")
    assert raised.value.response.status_code == 503
    assert len(slack.calls_to("chat.postMessage")) == 3


def test_a_server_that_is_not_listening_fails_the_call_at_once() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = KeepAliveWebClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{port}/api/")
    with pytest.raises(ConnectionRefusedError):
        client.auth_test()
