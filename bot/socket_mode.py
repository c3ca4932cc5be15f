"""Socket Mode that never goes deaf: Bolt's built-in client, kept connected by a watchdog.

On its own, slack_sdk's built-in client notices a lost connection late: it reads a closed TCP
connection as "nothing received yet" and only gives up after five failed pings, and it calls a
silent connection stale after four ping intervals; with Bolt's 10 s ping that is 50-60 s in
which Slack's commands go unanswered (BENCHMARKS.md has the measurements, and those of the
other clients slack_sdk offers). So:

* the client pings Slack every :attr:`SocketModeTiming.ping_interval` seconds;
* one watchdog thread looks every :attr:`SocketModeTiming.check_every` seconds whether the
  current connection is open and has answered a ping within
  :attr:`SocketModeTiming.pong_deadline`; if not, it opens a new connection (at once, then
  with backoff while attempts fail). The client's own auto-reconnect is off, so the watchdog is
  the one place that decides and logs why; only Slack's ``disconnect`` message (a routine
  refresh) is still followed by the client itself, at once.
* ``apps.connections.open`` is called here rather than inside the client, so a refused app
  token is recognised: at start-up it stops the bot (:class:`AppTokenRefused`), while running
  it is logged once and reported by :meth:`SocketModeConnection.not_ready`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from slack_bolt import App
from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin.connection import Connection

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

# Why a connection was replaced (the reconnect counter's label).
REFRESH: Final = "refresh"  # Slack's `disconnect` message
CLOSED: Final = "closed"  # the connection closed without being asked (TCP drop, close frame)
SILENT: Final = "silent"  # open, but no answer to pings within the deadline
REASONS: Final = (REFRESH, CLOSED, SILENT)


@dataclass(frozen=True)
class SocketModeTiming:
    """How often to ping and look, and how long to wait. The defaults are the production values,
    chosen by measurement (BENCHMARKS.md); tests shorten them."""

    ping_interval: float = 2.0  # the client pings Slack this often
    pong_deadline: float = 7.0  # no pong for this long: the connection is lost
    check_every: float = 0.5  # how often the watchdog looks
    ready_grace: float = 5.0  # without a connection this long, /readyz says not ready
    backoff_first: float = 1.0  # after a failed attempt; doubles while attempts fail
    backoff_max: float = 30.0


class AppTokenRefused(Exception):
    """Slack refused the app token (SLACK_APP_TOKEN) with `error` (e.g. ``invalid_auth``)."""

    def __init__(self, error: str) -> None:
        super().__init__(f"Slack refused the app token ({error})")
        self.error = error


@dataclass(frozen=True)
class SocketModeStatus:
    """What /metrics shows: whether a working connection is open, and the reconnections."""

    connected: bool
    reconnects: Mapping[str, int]
    token_refused: str | None


def _api_error(error: SlackApiError) -> str:
    return str(error.response.get("error") or "unknown_error")


def _abandon(session: Connection) -> None:
    """Closes a connection that no longer works, at once.

    The client's receiving thread may be blocked reading it (up to 3 s, holding the lock that
    closing needs) or spinning on a closed one; shutting the socket down wakes it first."""
    sock = session.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    session.disconnect()


class SocketModeConnection:
    """A Bolt app's Socket Mode connection, reconnected whenever it stops working."""

    def __init__(
        self,
        app: App,
        app_token: str,
        web_client: WebClient,
        timing: SocketModeTiming | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timing = timing or SocketModeTiming()
        self._web = web_client
        self._app_token = app_token
        self._clock = clock
        self._handler = SocketModeHandler(
            app,
            app_token=app_token,
            web_client=web_client,
            logger=logging.getLogger("bot.socket_mode.client"),
            auto_reconnect_enabled=False,  # the watchdog reconnects, and says why
            ping_interval=self.timing.ping_interval,
        )
        self._sdk = self._handler.client  # slack_sdk's built-in SocketModeClient
        self._sdk.on_message_listeners.append(self._on_message)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._watchdog: threading.Thread | None = None
        # What the watchdog knows of the current connection.
        self._session: Connection | None = None
        self._pong: float | None = None  # the session's last_ping_pong_time, as last seen
        self._pong_seen_at = 0.0  # when it last changed (this clock)
        self._healthy = False
        self._down_since: float | None = None
        self._lost_why: tuple[str, str] | None = None  # (reason, description) until reconnected
        self._refresh_asked: str | None = None  # Slack's reason, until the client reconnects
        self._next_attempt = 0.0
        self._backoff = self.timing.backoff_first
        self._token_refused: str | None = None
        self._reconnects = dict.fromkeys(REASONS, 0)

    # ------------------------------------------------------------------ lifecycle

    def open(self) -> None:
        """Connects and starts the watchdog. Raises :class:`AppTokenRefused` when Slack refuses
        the app token; any other failure is retried in the background (and /readyz says so)."""
        try:
            self._connect()
        except AppTokenRefused:
            raise
        except Exception as error:
            log.warning(
                "Socket Mode: no connection to Slack at start-up (%s); retrying in the background",
                self._describe(error),
            )
            self._failed(error, self._clock())
        else:
            self._new_session(self._sdk.current_session, self._clock())
        self._watchdog = threading.Thread(target=self._watch, name="socket-mode-watchdog")
        self._watchdog.daemon = True
        self._watchdog.start()

    def close(self) -> None:
        self._stopping.set()
        if self._watchdog is not None:
            self._watchdog.join(timeout=10)
        self._handler.close()

    # ------------------------------------------------------------------ what others see

    def status(self) -> SocketModeStatus:
        with self._lock:
            return SocketModeStatus(self._healthy, dict(self._reconnects), self._token_refused)

    def not_ready(self) -> str | None:
        """Why this bot cannot take Slack's envelopes now, or None. A connection missing for
        less than the grace period (a refresh) does not count."""
        with self._lock:
            if self._token_refused is not None:
                return (
                    f"Slack refused the app token ({self._token_refused}): "
                    "replace SLACK_APP_TOKEN and restart"
                )
            if self._down_since is None:
                return None
            down_for = self._clock() - self._down_since
        if down_for < self.timing.ready_grace:
            return None
        return f"no Socket Mode connection to Slack for {down_for:.0f} s"

    # ------------------------------------------------------------------ connecting

    def _open_url(self) -> str:
        """A fresh WebSocket URL from apps.connections.open; AppTokenRefused if the token is."""
        try:
            response = self._web.apps_connections_open(app_token=self._app_token)
        except SlackApiError as error:
            code = _api_error(error)
            if code in TOKEN_ERRORS:
                raise AppTokenRefused(code) from None
            raise
        return str(response["url"])

    def _connect(self, *, unless_replaced: bool = False) -> bool:
        """Opens a new connection in place of the current one; raises if that failed.

        `unless_replaced`: give way to a connection being made (the client following Slack's
        refresh) or already made since the watchdog last looked; then False."""
        lock = self._sdk.connect_operation_lock
        acquired = lock.acquire(blocking=False) if unless_replaced else lock.acquire(timeout=5)
        if not acquired:
            if unless_replaced:
                return False
            raise RuntimeError("another connection attempt did not finish within 5 s")
        try:
            if unless_replaced and self._sdk.current_session is not self._session:
                return False
            if unless_replaced and self._session is not None:
                _abandon(self._session)
            self._sdk.wss_uri = self._open_url()
            self._sdk.connect()  # logs and swallows a failed handshake: checked below
        finally:
            lock.release()
        if not self._sdk.is_connected():
            raise ConnectionError("the WebSocket handshake with Slack failed")
        return True

    def _on_message(self, raw: str) -> None:
        # Runs in the client's receiving thread for every message: only notes Slack's refresh
        # request (which the client follows by itself), cheaply.
        if '"disconnect"' not in raw:
            return
        try:
            message = json.loads(raw)
        except ValueError:
            return
        if isinstance(message, dict) and message.get("type") == "disconnect":
            with self._lock:
                self._refresh_asked = str(message.get("reason") or "unknown")

    # ------------------------------------------------------------------ the watchdog

    def _watch(self) -> None:
        while not self._stopping.wait(self.timing.check_every):
            try:
                self._check()
            except Exception:
                # The watchdog must outlive any surprise; the next look tries again.
                log.exception("Socket Mode watchdog: unexpected failure")

    def _check(self) -> None:
        now = self._clock()
        session = self._sdk.current_session
        if session is not self._session:
            self._new_session(session, now)
        elif session is not None and session.last_ping_pong_time != self._pong:
            self._pong, self._pong_seen_at = session.last_ping_pong_time, now
        lost = self._lost(session, now)
        if lost is None:
            with self._lock:
                self._healthy, self._down_since = True, None
                self._backoff = self.timing.backoff_first
            return
        with self._lock:
            if self._healthy or self._down_since is None:
                self._down_since = now
            self._healthy = False
            newly_lost, self._lost_why = self._lost_why is None, self._lost_why or lost
        if newly_lost:  # later attempts say only how they failed
            log.warning("Socket Mode connection lost: %s; reconnecting", lost[1])
        if now < self._next_attempt:
            return
        try:
            if not self._connect(unless_replaced=True):
                return  # someone else is connecting: the next look sees the outcome
        except AppTokenRefused as refused:
            self._token_was_refused(refused.error, now)
        except Exception as error:
            self._failed(error, now)
            log.warning(
                "Socket Mode reconnect failed (%s); next try in %.0f s",
                self._describe(error),
                self._next_attempt - now,
            )
        else:
            self._new_session(self._sdk.current_session, self._clock())

    def _lost(self, session: Connection | None, now: float) -> tuple[str, str] | None:
        """(reason, description) if the current connection does not work, else None."""
        if session is None:
            return CLOSED, "no connection to Slack yet"
        if not session.is_active():
            with self._lock:
                if self._refresh_asked is not None:
                    return REFRESH, f"Slack asked for a new connection ({self._refresh_asked})"
            return CLOSED, "the connection was closed"
        if session.consecutive_check_state_error_count > 0:
            # A ping could not even be sent: the peer has closed the TCP connection (the
            # client reads that as "nothing received yet" and would wait for five such pings).
            return CLOSED, "the connection was closed by the peer (a ping could not be sent)"
        silent_for = now - self._pong_seen_at
        if silent_for > self.timing.pong_deadline:
            return SILENT, f"no answer to pings for {silent_for:.1f} s"
        return None

    def _new_session(self, session: Connection | None, now: float) -> None:
        """The client holds another connection: ours (a reconnect) or its own (a refresh)."""
        first = self._session is None
        self._session = session
        self._pong = session.last_ping_pong_time if session is not None else None
        self._pong_seen_at = now
        if session is None or not session.is_active():
            return
        with self._lock:
            asked, self._refresh_asked = self._refresh_asked, None
            why = self._lost_why or ((REFRESH, f"Slack asked ({asked})") if asked else None)
            self._lost_why, self._token_refused = None, None
            down_for = now - self._down_since if self._down_since is not None else 0.0
            self._healthy, self._down_since = True, None
            self._backoff = self.timing.backoff_first
            if not first:
                reason = why[0] if why else CLOSED
                self._reconnects[reason] += 1
        if first:
            log.info("Socket Mode connected")
        else:
            description = why[1] if why else "the connection was replaced"
            log.info(
                "Socket Mode reconnected after %.1f s without a working connection: %s",
                down_for,
                description,
            )

    def _failed(self, error: Exception, now: float) -> None:
        """Schedules the next attempt: doubling backoff with jitter (so that replicas which lost
        Slack together do not retry in step), or what Slack's rate limit asks."""
        wait = 0.0
        if isinstance(error, SlackApiError) and _api_error(error) == "ratelimited":
            retry_after = str(error.response.headers.get("Retry-After") or "")
            wait = float(retry_after) if retry_after.isdigit() else self.timing.backoff_max
        with self._lock:
            delay = max(wait, self._backoff * random.uniform(0.8, 1.2))
            self._next_attempt = now + delay
            self._backoff = min(self._backoff * 2, self.timing.backoff_max)
            if self._down_since is None:
                self._down_since = now
            self._healthy = False

    def _token_was_refused(self, error: str, now: float) -> None:
        with self._lock:
            first_time = self._token_refused != error
            self._token_refused = error
        if first_time:
            log.error(
                "Slack refused the app token (%s): Socket Mode cannot reconnect until "
                "SLACK_APP_TOKEN is replaced and the bot restarted",
                error,
            )
        with self._lock:
            self._next_attempt = now + self.timing.backoff_max
            self._healthy = False
            if self._down_since is None:
                self._down_since = now

    @staticmethod
    def _describe(error: Exception) -> str:
        if isinstance(error, SlackApiError):
            return f"apps.connections.open: {_api_error(error)}"
        return f"{type(error).__name__}: {error}"
