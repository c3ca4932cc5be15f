"""Slack Web API calls over kept-alive connections behave exactly like slack_sdk's own."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.logs import pinned_logger
from bot.slack.keep_alive import KeepAliveWebClient
from bot.slack.language import Languages
from bot.slack.messenger import Messenger
from tests.standins.server import HttpStandIn, LoopbackHTTPServer
from tests.standins.slack import SlackStandIn
from tests.support.constants import BOT_TOKEN
from tests.support.waits import wait_until


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
        answer = self.server.stand_in.answer_now()
        if answer == "hang up":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        plain = answer == "plain text"  # as a proxy's error page would be
        body = b"<html>Bad gateway</html>" if plain else json.dumps({"ok": True}).encode()
        self.send_response(200)
        content_type = "text/html" if plain else "application/json; charset=utf-8"
        self.send_header("content-type", content_type)
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
        self.plain_text_answers = 0  # requests to answer 200 with HTML instead of JSON
        self.requests = 0
        self._lock = threading.Lock()

    def _listen(self, port: int) -> tuple[LoopbackHTTPServer, int]:
        server = LoopbackHTTPServer(port, _Handler, self)
        return server, server.server_address[1]

    def opened(self, connection: socket.socket) -> None:
        with self._lock:
            self.connections.append(connection)

    def answer_now(self) -> str:
        """How to answer the request that just arrived: "hang up", "plain text" or "ok"."""
        with self._lock:
            self.requests += 1
            if self.hang_ups:
                self.hang_ups -= 1
                return "hang up"
            if self.plain_text_answers:
                self.plain_text_answers -= 1
                return "plain text"
            return "ok"

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
    """Closed while idle (found before use), or just as the request went out (slack_sdk's
    one retry sends it again, on a new connection)."""
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


def test_a_request_the_server_read_and_then_dropped_is_sent_as_often_as_slack_sdk_sends_it(
    counted: Counted,
) -> None:
    # The server reads each request, then hangs up without answering: it may have acted on
    # it, so only slack_sdk's one retry sends it again, as for slack_sdk's own client.
    server, client = counted
    sent: dict[str, int] = {}
    for name, sender in (
        ("slack_sdk", WebClient(token=BOT_TOKEN, base_url=server.url)),
        ("ours", client),
    ):
        sender.auth_test()  # ours keeps this connection
        before = server.requests
        server.hang_ups = 2
        with pytest.raises(ConnectionError):
            sender.chat_postMessage(channel="C1", text="hello")
        sent[name] = server.requests - before
    assert sent == {"slack_sdk": 2, "ours": 2}


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


def test_a_json_call_answers_exactly_what_slack_sdks_own_client_answers(
    slack: SlackStandIn,
) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Send ID"}, "blocks": []}
    ours = _client(slack).views_open(trigger_id="1.2.3", view=view)
    theirs = WebClient(token=BOT_TOKEN, base_url=slack.url).views_open(
        trigger_id="1.2.3", view=view
    )
    assert _without_ids(ours.data) == _without_ids(theirs.data)
    assert ours["view"]["title"]["text"] == "Send ID"
    assert (ours.status_code, ours.api_url, ours.http_verb) == (200, theirs.api_url, "POST")
    assert ours.req_args["json"] == {"trigger_id": "1.2.3", "view": view}
    sent = slack.calls_to("views.open")
    assert [(c.params, c.token) for c in sent] == [
        ({"trigger_id": "1.2.3", "view": view}, BOT_TOKEN)
    ] * 2


def _without_ids(answer: Any) -> Any:
    """Slack's answer to views.open without what differs on every call (the view's ID)."""
    return {
        **answer,
        "view": {
            k: v for k, v in answer["view"].items() if k not in ("id", "hash", "root_view_id")
        },
    }


def test_a_form_encoded_call_answers_exactly_what_slack_sdks_own_client_answers(
    slack: SlackStandIn,
) -> None:
    ours = _client(slack).users_info(user="U0REQUESTER", include_locale=True)
    theirs = WebClient(token=BOT_TOKEN, base_url=slack.url).users_info(
        user="U0REQUESTER", include_locale=True
    )
    assert (ours.data, ours.status_code, ours.api_url) == (
        theirs.data,
        theirs.status_code,
        theirs.api_url,
    )
    assert ours.req_args["params"] == {"user": "U0REQUESTER", "include_locale": "1"}
    sent = slack.calls_to("users.info")
    assert [(c.params, c.token) for c in sent] == [
        ({"user": "U0REQUESTER", "include_locale": "1"}, BOT_TOKEN)
    ] * 2


def test_a_rate_limited_form_encoded_call_is_retried_as_slack_sdk_retries_it(
    slack: SlackStandIn,
) -> None:
    slack.fail_next("users.info", "ratelimited", status=429, retry_after=0)
    assert _client(slack).users_info(user="U0REQUESTER")["ok"] is True
    assert len(slack.calls_to("users.info")) == 2


def test_a_call_slack_answers_with_something_other_than_json_fails_as_slack_sdk_fails_it(
    counted: Counted,
) -> None:
    server, client = counted
    server.plain_text_answers = 1
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hello")
    assert "non-JSON" in str(raised.value.response["error"])
    assert server.requests == 1  # not sent again


def test_a_pinned_logger_keeps_slack_sdk_from_formatting_debug_lines_nobody_reads(
    slack: SlackStandIn,
) -> None:
    formatted: list[object] = []
    logging.getLogger("bot.test.web").setLevel(logging.INFO)
    for logger in (
        logging.getLogger("bot.test.web.unpinned"),
        pinned_logger("bot.test.web.pinned"),
    ):
        logger.debug = lambda message, *args, **kwargs: formatted.append(message)  # type: ignore[method-assign]
        client = KeepAliveWebClient(token=BOT_TOKEN, base_url=slack.url, logger=logger)
        client.auth_test()  # no arguments: slack_sdk's own path, whose debug lines these are
        if logger.name.endswith(".unpinned"):
            assert formatted, "slack_sdk formats debug lines on a logger left at NOTSET"
            formatted.clear()
    assert formatted == []
    assert pinned_logger("bot.test.web.pinned").level == logging.INFO


def test_a_request_started_on_a_kept_connection_is_on_its_way_before_its_answer_is_read(
    counted: Counted,
) -> None:
    server, client = counted
    client.auth_test()  # leaves a kept connection
    pending = client.start_json_call("views.open", {"trigger_id": "1.2.3", "view": {}})
    wait_until(lambda: server.requests == 2, timeout=5)  # arrived: nobody read the answer yet
    assert pending.result()["ok"] is True
    assert len(server.connections) == 1


def test_without_a_kept_connection_a_started_request_connects_only_when_its_answer_is_read(
    counted: Counted,
) -> None:
    server, client = counted
    pending = client.start_json_call("views.open", {"trigger_id": "1.2.3", "view": {}})
    time.sleep(0.05)
    assert (len(server.connections), server.requests) == (0, 0)  # no connect held anyone up
    assert pending.result()["ok"] is True
    assert server.requests == 1


def test_opening_a_form_runs_what_comes_next_once_it_is_sent_and_even_if_sending_fails(
    counted: Counted,
) -> None:
    server, client = counted
    client.auth_test()
    messenger = Messenger(client, Languages(None, lambda user_id: None))
    arrived_by_then: list[int] = []
    opened = messenger.open_modal("1.2.3", {}, then=lambda: arrived_by_then.append(server.requests))
    assert opened is not None and len(arrived_by_then) == 1
    server.hang_ups = 2  # the kept connection, then slack_sdk's retry: the call fails
    ran: list[str] = []
    with pytest.raises(Exception):  # noqa: B017 - how it fails is slack_sdk's; that `then` ran is ours
        messenger.open_modal("4.5.6", {}, then=lambda: ran.append("acknowledged"))
    assert ran == ["acknowledged"]
