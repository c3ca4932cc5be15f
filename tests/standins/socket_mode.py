"""A loopback WebSocket server standing in for Slack's Socket Mode, with network faults.

``apps.connections.open`` on the :class:`~tests.standins.slack.SlackStandIn` answers with this
stand-in's URL, so the real ``slack_sdk`` Socket Mode client (and Bolt's ``SocketModeHandler``)
connects here, receives Slack's ``hello``, and gets envelopes pushed with :meth:`send_envelope`
(a slash command's payload is the same as over HTTP: ``tests.support.slack_requests``); its
acknowledgements are collected in :attr:`SocketModeStandIn.acks`.

Clients reach the WebSocket server through a small TCP relay on 127.0.0.1 (the URL's port), one
:class:`Link` per connection, so a test can do to a connection what a network does:

* :meth:`SocketModeStandIn.refresh`: Slack's ``disconnect`` message (``refresh_requested``);
  the client is expected to connect anew, the old connection stays open for a while.
* :meth:`SocketModeStandIn.drop`: the peer closes the TCP connection abruptly, without a
  WebSocket close frame.
* :meth:`SocketModeStandIn.stall`: the connection goes silent both ways (a NAT or firewall that
  lost it): nothing is relayed any more, pings go unanswered, and the TCP connection stays
  open, so only the client's own liveness check can notice.

The built-in SDK client connects without TLS to any port but 443, so a plain ``ws://`` URL works.

Close the Bolt handler *before* stopping this stand-in: a client that is still running will try
to reconnect (calling ``apps.connections.open`` again) when the server goes away.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Self

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.standins.server import LoopbackServer
from tests.standins.slack import APP_ID, SlackStandIn

RELAY_CHUNK = 65536


@dataclass
class Link:
    """One client connection as the relay carries it: client ⇄ relay ⇄ WebSocket server."""

    number: int  # 1 for the first connection since start, 2 for the next, …
    client: socket.socket
    upstream: socket.socket
    opened_at: float = field(default_factory=time.monotonic)
    connection: ServerConnection | None = None  # once the server has sent hello
    hello_at: float | None = None
    stalled: bool = False
    dropped: bool = False
    closed: bool = False

    @property
    def healthy(self) -> bool:
        """Connected, said hello, and neither dropped, stalled nor closed."""
        return self.connection is not None and not (self.stalled or self.dropped or self.closed)


class SocketModeStandIn(LoopbackServer[Server]):
    """A WebSocket server on 127.0.0.1 speaking Slack's Socket Mode protocol. Thread-safe."""

    thread_name = "socket-mode-stand-in"

    def __init__(self, slack: SlackStandIn, *, ping_interval: float | None = 0.2) -> None:
        super().__init__()
        self.slack = slack
        # The server's keepalive pings wake up the built-in SDK client, which blocks in recv for
        # up to 3 s, so that it closes promptly; they prove nothing about the client's liveness.
        self.ping_interval = ping_interval
        self.url = ""  # set by start()
        self.acks: dict[str, dict[str, Any]] = {}
        self.other_messages: list[Any] = []  # anything a client sent that is not an ack
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._links: list[Link] = []
        self._relay: socket.socket | None = None
        self._relay_thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        super().start()
        if self._relay is None:
            self._relay = socket.create_server(("127.0.0.1", 0))
            self._relay_thread = threading.Thread(
                target=self._accept, args=(self._relay,), name="socket-mode-relay", daemon=True
            )
            self._relay_thread.start()
        relay_port = self._relay.getsockname()[1]
        self.url = f"ws://127.0.0.1:{relay_port}/link/?ticket={uuid.uuid4()}&app_id={APP_ID}"
        self.slack.socket_mode_url = self.url
        return self

    def stop(self) -> None:
        if self.slack.socket_mode_url == self.url:
            self.slack.socket_mode_url = None
        relay, self._relay = self._relay, None
        if relay is not None:
            with contextlib.suppress(OSError):
                relay.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            relay.close()
        if self._relay_thread is not None:
            self._relay_thread.join(timeout=5)
            self._relay_thread = None
        with self._lock:
            links = list(self._links)
        for link in links:
            self._close_link(link)
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

    # ------------------------------------------------------------------ the relay

    def _accept(self, relay: socket.socket) -> None:
        while True:
            try:
                client, _ = relay.accept()
            except OSError:
                return  # the relay was closed: stop() was called
            try:
                upstream = socket.create_connection(("127.0.0.1", self._require_port()), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._changed:
                link = Link(len(self._links) + 1, client, upstream)
                self._links.append(link)
            for source, target, name in ((client, upstream, "up"), (upstream, client, "down")):
                threading.Thread(
                    target=self._pump,
                    args=(link, source, target),
                    name=f"socket-mode-relay-{link.number}-{name}",
                    daemon=True,
                ).start()

    def _pump(self, link: Link, source: socket.socket, target: socket.socket) -> None:
        """Copies bytes one way until either side closes; a stalled link swallows them."""
        while True:
            try:
                data = source.recv(RELAY_CHUNK)
            except OSError:
                data = b""
            if link.stalled:
                if not data:
                    return  # keep the other side open: a lost connection says nothing
                continue
            if not data:
                break
            try:
                target.sendall(data)
            except OSError:
                break
        if not link.stalled:
            self._close_link(link)

    def _close_link(self, link: Link) -> None:
        with self._changed:
            link.closed = True
            self._changed.notify_all()
        for sock in (link.client, link.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _link_of(self, connection: ServerConnection) -> Link | None:
        # The relay's upstream socket is the server connection's peer.
        try:
            peer = connection.remote_address
        except OSError:
            return None  # already closed again
        for link in self._links:
            with contextlib.suppress(OSError):
                if link.upstream.getsockname()[:2] == tuple(peer[:2]):
                    return link
        return None

    # ------------------------------------------------------------------ connections

    @property
    def links(self) -> list[Link]:
        """Every connection since start, oldest first."""
        with self._lock:
            return list(self._links)

    @property
    def connection_count(self) -> int:
        """How many connections said hello since start (reconnections included)."""
        with self._lock:
            return sum(1 for link in self._links if link.hello_at is not None)

    @property
    def open_connections(self) -> int:
        """Connections that can carry envelopes now (not dropped, stalled or closed)."""
        with self._lock:
            return sum(1 for link in self._links if link.healthy)

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
        with self._changed:
            link = self._link_of(connection)
        try:
            connection.send(json.dumps(hello))
            with self._changed:
                if link is not None:
                    link.connection = connection
                    link.hello_at = time.monotonic()
                self._changed.notify_all()
            for raw in connection:
                self._receive(raw)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                if link is not None:
                    link.closed = True
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

    def wait_for_connection(self, timeout: float = 10.0, *, count: int = 1) -> Link:
        """Waits until `count` healthy connections are open; the newest one."""
        with self._changed:
            healthy = lambda: [link for link in self._links if link.healthy]  # noqa: E731
            if not self._changed.wait_for(lambda: len(healthy()) >= count, timeout):
                raise AssertionError(
                    f"not {count} Socket Mode connection(s) within {timeout}s "
                    f"(connections so far: {len(self._links)}, open: {len(healthy())})"
                )
            return healthy()[-1]

    def wait_for_new_connection(self, after: Link, timeout: float = 10.0) -> Link:
        """Waits for a healthy connection newer than `after` (a reconnection)."""
        with self._changed:
            newer = lambda: [  # noqa: E731
                link for link in self._links if link.number > after.number and link.healthy
            ]
            if not self._changed.wait_for(newer, timeout):
                raise AssertionError(
                    f"no new Socket Mode connection after #{after.number} within {timeout}s"
                )
            return newer()[0]

    def wait_until_no_connection(self, timeout: float = 10.0) -> None:
        with self._changed:
            if not self._changed.wait_for(
                lambda: not any(link.healthy for link in self._links), timeout
            ):
                raise AssertionError(f"a Socket Mode connection was still open after {timeout}s")

    def _target(self, link: Link | None) -> ServerConnection:
        chosen = link or self.wait_for_connection(timeout=5.0)
        if chosen.connection is None:
            raise AssertionError(f"connection #{chosen.number} never said hello")
        return chosen.connection

    # ------------------------------------------------------------------ faults

    def _newest(self, link: Link | None) -> Link:
        return link or self.wait_for_connection(timeout=5.0)

    def refresh(self, link: Link | None = None, reason: str = "refresh_requested") -> Link:
        """Slack's ``disconnect`` message on `link` (default: the newest); the client is
        expected to connect anew."""
        chosen = self._newest(link)
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-1"}}
        self._target(chosen).send(json.dumps(message))
        return chosen

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        self.refresh(reason=reason)

    def drop(self, link: Link | None = None) -> Link:
        """Closes `link`'s TCP connection (default: the newest) at once: no close frame."""
        chosen = self._newest(link)
        with self._changed:
            chosen.dropped = True
            self._changed.notify_all()
        # SO_LINGER 0 would send RST; a peer that goes away usually sends FIN.
        with contextlib.suppress(OSError):
            chosen.client.shutdown(socket.SHUT_RDWR)
        chosen.client.close()
        return chosen

    def stall(self, link: Link | None = None) -> Link:
        """From now on nothing passes `link` (default: the newest), either way; TCP stays open."""
        chosen = self._newest(link)
        with self._changed:
            chosen.stalled = True
            self._changed.notify_all()
        return chosen

    # ------------------------------------------------------------------ envelopes

    def send_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = True,
        link: Link | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Pushes an envelope (``slash_commands``, ``interactive``, ``events_api``) to `link`
        (default: the newest open connection). `retry_attempt` > 0 is a re-delivery, as Slack
        sends an envelope again that was not acknowledged in time.

        Returns its ``envelope_id``; the client's ack can be read with :meth:`wait_for_ack`.
        """
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if type == "events_api" or retry_attempt:
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason or ("timeout" if retry_attempt else "")
        self._target(link).send(json.dumps(envelope))
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The client's ack for ``envelope_id``: ``{"envelope_id": …, "payload": …?}``."""
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self.acks, timeout):
                raise AssertionError(
                    f"no ack for envelope {envelope_id} within {timeout}s; "
                    f"acks seen: {list(self.acks)}; other messages: {self.other_messages!r}"
                )
            return self.acks[envelope_id]

    def acked(self, envelope_id: str) -> bool:
        with self._lock:
            return envelope_id in self.acks
