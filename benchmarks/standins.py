"""The loopback Slack and Braze stand-ins in a process of their own, driven over a pipe.

In their own process they do not share a GIL with the load generator (whose clock readings are
the measurements) nor with the servers under test. ``time.monotonic()`` is one system-wide clock
on Linux, so the arrival times they record compare directly with the load generator's.
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from tests.standins.braze import BrazeStandIn
from tests.standins.server import LoopbackHTTPServer
from tests.standins.slack import SlackStandIn
from tests.support.shown import buttons

# A burst of connections from the bot must not overflow a listen backlog of 5 (the socketserver
# default): dropped SYNs come back a whole second later and would be charged to the bot.
BACKLOG = 1024


# (port, start, end) of every request the stand-ins served: from parsing its request line to
# its answer written. Time spent there is the stand-ins' own, not the bot's.
_served: list[tuple[int, float, float]] = []


def _time_requests() -> None:
    from http.server import BaseHTTPRequestHandler

    parse_request = BaseHTTPRequestHandler.parse_request
    handle_one_request = BaseHTTPRequestHandler.handle_one_request

    def timed_parse(self: Any) -> bool:
        self._bench_started = time.monotonic()
        return bool(parse_request(self))

    def timed_handle(self: Any) -> None:
        self._bench_started = None
        handle_one_request(self)
        if self._bench_started is not None:
            port = self.server.server_address[1]
            _served.append((port, self._bench_started, time.monotonic()))

    BaseHTTPRequestHandler.parse_request = timed_parse  # type: ignore[method-assign]
    BaseHTTPRequestHandler.handle_one_request = timed_handle  # type: ignore[method-assign]


@dataclass(frozen=True)
class Setup:
    """What the stand-ins' process starts with (sent to it, so plain values)."""

    bot_token: str
    braze_key: str
    campaigns: dict[str, str]
    slack_latency: float
    braze_latency: float


def _serve(conn: Connection, setup: Setup) -> None:
    # Both before the servers exist: the stand-ins' servers and handlers read them then.
    LoopbackHTTPServer.request_queue_size = BACKLOG
    _time_requests()
    slack = SlackStandIn(bot_token=setup.bot_token).start()
    braze = BrazeStandIn(api_key=setup.braze_key, daily_limit=1_000_000).start()
    for campaign_id, name in setup.campaigns.items():
        braze.add_campaign(campaign_id, name)
    slack.set_latency(setup.slack_latency)
    braze.set_latency(setup.braze_latency)
    conn.send((slack.url, braze.url))
    try:
        while True:
            try:
                command, args = conn.recv()
            except EOFError:
                return
            if command == "stop":
                conn.send(None)
                return
            try:
                conn.send(("ok", _execute(slack, braze, command, args)))
            except Exception as error:  # report, keep serving
                conn.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        slack.stop()
        braze.stop()


def _execute(slack: SlackStandIn, braze: BrazeStandIn, command: str, args: tuple[Any, ...]) -> Any:
    if command == "braze_delay_next":
        path, seconds, times = args
        braze.delay_next(path, seconds, times=times)
        return None
    if command == "braze_clear_injections":
        braze.clear_injections()
        return None
    if command == "slack_calls":
        # [(method, at, {key: params[key]})] for calls[start:], only the keys asked for
        start, methods, keys = args
        calls = slack.calls[start:]
        return [
            (c.method, c.at, {k: c.params.get(k) for k in keys})
            for c in calls
            if not methods or c.method in methods
        ], start + len(calls)
    if command == "slack_count":
        return len(slack.calls)
    if command == "served":
        # [(which, start, end)] of requests served (answer written) after `since`
        (since,) = args
        return [
            ("slack" if port == slack.port else "braze", start, end)
            for port, start, end in list(_served)
            if start >= since
        ]
    if command == "braze_count":
        return len(braze.calls)
    if command == "slack_wait_count":
        start, method, count, timeout = args
        return slack.wait_for_count(method, count, start=start, timeout=timeout)
    if command == "slack_wait":
        start, method, key, values, timeout = args
        return slack.wait_for_values(method, key, values, start=start, timeout=timeout)
    if command == "cards":
        # cards in a channel with a button `action_id` (Approve: pending): [(ts, request_id)]
        channel, action_id = args
        return [
            (message["ts"], button.get("value"))
            for message in slack.messages_in(channel)
            if not message.get("thread_ts")
            for button in buttons(message.get("blocks"))
            if button.get("action_id") == action_id
        ]
    if command == "braze_calls":
        # [(method, path, at, status)] for calls[start:]
        (start,) = args
        braze_calls = braze.calls[start:]
        answered = [(c.method, c.path, c.at, c.status) for c in braze_calls]
        return answered, start + len(braze_calls)
    raise ValueError(f"unknown command {command!r}")


class StandIns:
    """Handle on the stand-ins' process: start, query, stop."""

    def __init__(self, setup: Setup) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, setup), name="standins", daemon=True
        )
        self._process.start()
        child.close()
        if not self._conn.poll(30):
            raise RuntimeError("the stand-ins did not start")
        self.slack_url, self.braze_url = self._conn.recv()
        self.slack_latency = setup.slack_latency
        self.braze_latency = setup.braze_latency

    def call(self, command: str, *args: Any) -> Any:
        self._conn.send((command, args))
        status, value = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"stand-ins: {command}: {value}")
        return value

    def slack_calls(
        self, start: int, methods: tuple[str, ...] = (), keys: tuple[str, ...] = ()
    ) -> tuple[list[tuple[str, float, dict[str, Any]]], int]:
        calls, end = self.call("slack_calls", start, methods, keys)
        return calls, end

    def braze_calls(self, start: int) -> tuple[list[tuple[str, str, float, int]], int]:
        calls, end = self.call("braze_calls", start)
        return calls, end

    def wait(
        self, start: int, method: str, key: str, values: list[Any], timeout: float = 15.0
    ) -> dict[Any, float]:
        """Arrival time of the call to `method` with params[key] == v, for each v in `values`."""
        seen: dict[Any, float] = self.call("slack_wait", start, method, key, values, timeout)
        return seen

    def wait_count(self, start: int, method: str, count: int, timeout: float = 15.0) -> int:
        return int(self.call("slack_wait_count", start, method, count, timeout))

    def braze_count(self) -> int:
        return int(self.call("braze_count"))

    def slack_count(self) -> int:
        return int(self.call("slack_count"))

    def stop(self) -> None:
        if self._process.is_alive():
            try:
                self._conn.send(("stop", ()))
                self._conn.poll(10)
            except (OSError, EOFError):
                pass
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(timeout=5)
        self._conn.close()
