"""A loopback WebSocket server standing in for Slack's Socket Mode.

``apps.connections.open`` on the :class:`~tests.standins.slack.SlackStandIn` answers with this
server's URL, so the real ``slack_sdk`` Socket Mode client (and Bolt's ``SocketModeHandler``)
connects here, receives Slack's ``hello``, and gets envelopes pushed with :meth:`send_envelope`
(a slash command's payload is the same as over HTTP: ``tests.support.slack_requests``); its
acknowledgements are collected in :attr:`SocketModeStandIn.acks`.

The built-in SDK client connects without TLS to any port but 443, so a plain ``ws://`` URL works.
It blocks in ``recv`` for up to 3 s, which would make ``SocketModeHandler.close()`` slow; the
server's keepalive pings (every ``ping_interval`` seconds) wake it up so it closes promptly.

Close the Bolt handler *before* stopping this stand-in: a client that is still running will try
to reconnect (calling ``apps.connections.open`` again) when the server goes away.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any, Self

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.standins.server import LoopbackServer
from tests.standins.slack import APP_ID, SlackStandIn


class SocketModeStandIn(LoopbackServer[Server]):
    """A WebSocket server on 127.0.0.1 speaking Slack's Socket Mode protocol. Thread-safe."""

    thread_name = "socket-mode-stand-in"

    def __init__(self, slack: SlackStandIn, *, ping_interval: float = 0.2) -> None:
        super().__init__()
        self.slack = slack
        self.ping_interval = ping_interval
        self.url = ""  # set by start()
        self.acks: dict[str, dict[str, Any]] = {}
        self.other_messages: list[Any] = []  # anything a client sent that is not an ack
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._open: list[ServerConnection] = []
        self._connection_count = 0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        super().start()
        self.url = f"ws://127.0.0.1:{self.port}/link/?ticket={uuid.uuid4()}&app_id={APP_ID}"
        self.slack.socket_mode_url = self.url
        return self

    def stop(self) -> None:
        if self.slack.socket_mode_url == self.url:
            self.slack.socket_mode_url = None
        super().stop()  # closes open connections and waits for their handler threads

    def _listen(self, port: int) -> tuple[Server, int]:
        server = serve(
            self._handle,
            "127.0.0.1",
            port,
            compression=None,
            ping_interval=self.ping_interval,
            ping_timeout=20,
            close_timeout=1,
        )
        return server, server.socket.getsockname()[1]

    # ------------------------------------------------------------------ connections

    @property
    def connection_count(self) -> int:
        """How many connections were accepted since start (reconnections included)."""
        with self._lock:
            return self._connection_count

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    def _handle(self, connection: ServerConnection) -> None:
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {
                "host": "applink-stand-in",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": APP_ID},
        }
        try:
            connection.send(json.dumps(hello))
            with self._changed:
                self._open.append(connection)
                self._connection_count += 1
                self._changed.notify_all()
            for raw in connection:
                self._receive(raw)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                if connection in self._open:
                    self._open.remove(connection)
                self._changed.notify_all()

    def _receive(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            message = raw
        with self._changed:
            if isinstance(message, dict) and "envelope_id" in message:
                self.acks[str(message["envelope_id"])] = message
            else:
                self.other_messages.append(message)
            self._changed.notify_all()

    def wait_for_connection(self, timeout: float = 10.0) -> None:
        """Waits until a client is connected (and has been sent ``hello``)."""
        self._current_connection(timeout)

    def _current_connection(self, timeout: float) -> ServerConnection:
        with self._changed:
            if not self._changed.wait_for(lambda: self._open, timeout):
                raise AssertionError(
                    f"no Socket Mode client connected within {timeout}s "
                    f"(connections so far: {self._connection_count})"
                )
            return self._open[-1]  # the newest, like Slack after a reconnection

    # ------------------------------------------------------------------ envelopes

    def send_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = True,
    ) -> str:
        """Pushes an envelope (``slash_commands``, ``interactive``, ``events_api``) to the client.

        Returns its ``envelope_id``; the client's ack can be read with :meth:`wait_for_ack`.
        """
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if type == "events_api":
            envelope["retry_attempt"] = 0
            envelope["retry_reason"] = ""
        self._current_connection(timeout=5.0).send(json.dumps(envelope))
        return envelope_id

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Sends Slack's ``disconnect`` message; the SDK client then reconnects."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-1"}}
        self._current_connection(timeout=5.0).send(json.dumps(message))

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The client's ack for ``envelope_id``: ``{"envelope_id": …, "payload": …?}``."""
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self.acks, timeout):
                raise AssertionError(
                    f"no ack for envelope {envelope_id} within {timeout}s; "
                    f"acks seen: {list(self.acks)}; other messages: {self.other_messages!r}"
                )
            return self.acks[envelope_id]
