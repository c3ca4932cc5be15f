"""Socket Mode: Bolt's ``SocketModeHandler`` (slack_sdk's built-in client) as shipped, pinging
every 2 s.

The client reconnects by itself: at once when Slack asks (its ``disconnect`` message), after
five pings in a row that cannot be sent (a dropped TCP connection) and after four ping intervals
without a pong (a silent one): about 12 s and 9 s with a 2 s ping (``benchmarks/socket_mode.py``),
a minute with Bolt's 10 s. The bot adds, through the client's public hooks only, what readiness,
metrics and a refused app token need: ``is_connected()``; each new connection's ``hello``
(``on_message_listeners``), counted as a ``refresh`` after Slack's ``disconnect``, else ``lost``;
the answers of ``apps.connections.open`` on the WebClient it gets its URLs from. A refused app
token stops the bot at start-up (:class:`AppTokenRefused`); while running it is logged once and
reported by :meth:`SocketModeConnection.not_ready`. Any other failure at start-up is raised too
(the supervisor restarts the process); once connected, the client retries once per ping.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

log = logging.getLogger("bot.socket_mode")

# What apps.connections.open answers when the app token itself is the problem: retrying
# cannot help until someone replaces SLACK_APP_TOKEN.
TOKEN_ERRORS: Final = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
        "missing_scope",
        "no_permission",
        "ekm_access_denied",
    }
)

# Why the client connected anew (the reconnect counter's label).
REFRESH: Final = "refresh"  # Slack asked (its `disconnect` message)
LOST: Final = "lost"  # the client found the connection closed, or silent to its pings
REASONS: Final = (REFRESH, LOST)

# At most this long close() waits for the client to take up a connection it has just made.
CLOSE_SETTLE: Final = 2.0


@dataclass(frozen=True)
class SocketModeTiming:
    """The production values; tests shorten them."""

    ping_interval: float = 2.0  # the client pings Slack this often (Bolt's default: 10 s)
    ready_grace: float = 5.0  # without a connection this long, /readyz says not ready


class AppTokenRefused(Exception):
    """Slack refused the app token (SLACK_APP_TOKEN) with `error` (e.g. ``invalid_auth``)."""

    def __init__(self, error: str) -> None:
        super().__init__(f"Slack refused the app token ({error})")
        self.error = error


@dataclass(frozen=True)
class SocketModeStatus:
    """What /metrics shows: whether the client holds a connection, and the reconnections."""

    connected: bool
    reconnects: Mapping[str, int]


def _token_error(error: SlackApiError) -> str | None:
    code = str(error.response.get("error"))
    return code if code in TOKEN_ERRORS else None


class SocketModeConnection:
    """A Bolt app's Socket Mode connection, kept by slack_sdk's built-in client."""

    def __init__(
        self, app: App, app_token: str, api_url: str, timing: SocketModeTiming | None = None
    ) -> None:
        self.timing = timing or SocketModeTiming()
        self._lock = threading.Lock()
        self._running = False  # open() succeeded: a refused token is logged from then on
        self._token_refused: str | None = None
        self._refresh_asked: str | None = None  # Slack's reason, until the next hello
        self._hellos = 0
        self._hello_session: str | None = None  # the client's session that said hello last
        self._reconnects = dict.fromkeys(REASONS, 0)
        self._down_since: float | None = None  # when first seen without a connection
        self._handler = SocketModeHandler(
            app,
            app_token=app_token,
            web_client=_ConnectionsOpen(api_url, self),
            logger=logging.getLogger("bot.socket_mode.client"),
            ping_interval=self.timing.ping_interval,
        )
        self._client = self._handler.client
        self._client.on_message_listeners.append(self._on_message)

    def open(self) -> None:
        """Connects. Raises :class:`AppTokenRefused` when Slack refuses the app token, and
        whatever else keeps ``apps.connections.open`` from answering."""
        try:
            self._handler.connect()
        except SlackApiError as error:
            code = _token_error(error)
            if code is None:
                raise
            raise AppTokenRefused(code) from None
        with self._lock:
            self._running = True

    def close(self) -> None:
        # slack_sdk's close() ends the thread that reads the connection, and waits for it. Right
        # after a reconnection that thread may not have taken up the new connection yet: it
        # does so after close() and then never ends (close() hung in tests). Once it has read
        # the connection's hello it has: wait for that, briefly.
        deadline = time.monotonic() + CLOSE_SETTLE
        while (
            self._client.is_connected()
            and self._hello_session != self._client.session_id()
            and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        self._handler.close()

    def status(self) -> SocketModeStatus:
        connected = self._client.is_connected()
        with self._lock:
            return SocketModeStatus(connected, dict(self._reconnects))

    def not_ready(self) -> str | None:
        """Why this bot cannot take Slack's envelopes now, or None. A connection missing for
        less than the grace period (a refresh) does not count."""
        connected, now = self._client.is_connected(), time.monotonic()
        with self._lock:
            if self._token_refused is not None:
                return (
                    f"Slack refused the app token ({self._token_refused}): "
                    "replace SLACK_APP_TOKEN and restart"
                )
            if connected:
                self._down_since = None
                return None
            if self._down_since is None:
                self._down_since = now
            down_for = now - self._down_since
        if down_for < self.timing.ready_grace:
            return None
        return f"no Socket Mode connection to Slack for {down_for:.0f} s"

    def token_answered(self, refused: str | None) -> None:
        """What apps.connections.open said about the app token: the error, or None if it
        accepted it."""
        with self._lock:
            news = refused is not None and refused != self._token_refused and self._running
            self._token_refused = refused
        if news:
            log.error(
                "Slack refused the app token (%s): Socket Mode cannot reconnect until "
                "SLACK_APP_TOKEN is replaced and the bot restarted",
                refused,
            )

    def _on_message(self, raw: str) -> None:
        # In the client's receiving thread, for every message: cheap unless Slack says hello
        # (a new connection) or asks for a new connection.
        if '"hello"' not in raw and '"disconnect"' not in raw:
            return
        try:
            message = json.loads(raw)
        except ValueError:
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "disconnect":
            with self._lock:
                self._refresh_asked = str(message.get("reason") or "unknown")
        if kind != "hello":
            return
        with self._lock:
            self._hellos += 1
            first = self._hellos == 1
            asked, self._refresh_asked = self._refresh_asked, None
            self._hello_session = self._client.session_id()
            if not first:
                self._reconnects[REFRESH if asked else LOST] += 1
        if first:
            log.info("Socket Mode connected")
        elif asked:
            log.info("Socket Mode reconnected: Slack asked for a new connection (%s)", asked)
        else:
            log.info("Socket Mode reconnected: the connection was lost (dropped, or silent)")


class _ConnectionsOpen(WebClient):
    """The WebClient the Socket Mode client asks for its WebSocket URLs: tells `connection`
    whether Slack accepted the app token. Only WebClient's public method is overridden."""

    def __init__(self, base_url: str, connection: SocketModeConnection) -> None:
        super().__init__(base_url=base_url)  # SLACK_API_URL: GovSlack, tests
        self.sendid_connection = connection

    def apps_connections_open(self, *, app_token: str, **kwargs: Any) -> SlackResponse:
        try:
            response = super().apps_connections_open(app_token=app_token, **kwargs)
        except SlackApiError as error:
            if (code := _token_error(error)) is not None:
                self.sendid_connection.token_answered(code)
            raise
        self.sendid_connection.token_answered(None)
        return response
