"""A loopback HTTP server standing in for the Slack Web API.

Point a ``slack_sdk.WebClient`` at :attr:`SlackStandIn.url` (``base_url=stand_in.url``) and
every ``POST /api/<method>`` lands here: the call is recorded (:attr:`SlackStandIn.calls`),
answered with a Slack-shaped body, and posted messages are kept so tests can look at what a
channel shows now (:meth:`SlackStandIn.messages_in`). Failures and latency can be injected
per method.

A call is recorded once its answer has been computed (state already updated) and before the answer
is written back, so after ``wait_for_call`` the stand-in's state already reflects that call.
``SlackCall.at`` is the arrival time on the :func:`time.monotonic` clock.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.standins.server import HttpStandIn, LoopbackHTTPServer
from tests.standins.slack_functions import FunctionExecutions

TEAM_ID = "T0TEST"
TEAM_DOMAIN = "sendid-test"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0TEST"

# Where interactions' response_url points (``SlackStandIn.response_url``): what the bot posts
# there is recorded as a call of the pseudo-method "response_url".
RESPONSE_PATH = "/response/"

# Form fields that Slack documents as JSON-encoded strings; decoded so that tests can assert on
# them the same way whether the client sent a form or a JSON body.
JSON_VALUED_FIELDS = frozenset({"blocks", "view", "attachments", "metadata"})

Predicate = Callable[["SlackCall"], bool]


@dataclass(frozen=True)
class SlackCall:
    """One Web API call as the stand-in saw it."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float  # time.monotonic() when the request arrived


@dataclass
class _Failure:
    error: str
    times: int
    status: int
    retry_after: int | None
    delay: float


_Answer = tuple[int, dict[str, Any], dict[str, str]]  # status, JSON body, extra headers
DROP = -1  # "status" of an injected failure that hangs up without answering


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"1", "true", "yes"}


def _parse_form(raw: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, values in parse_qs(raw, keep_blank_values=True).items():
        value: Any = values[0] if len(values) == 1 else values
        if key in JSON_VALUED_FIELDS and isinstance(value, str):
            # on a decoding error keep what the client sent; the test will see it as it was
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        params[key] = value
    return params


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LoopbackHTTPServer
    timeout = 30  # idle keep-alive connections go away on their own
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if parts.path.startswith(RESPONSE_PATH) and self.command == "POST":
            self.server.stand_in._take_response(parts.path, raw)
            self._reply(200, {"ok": True}, {})
            return
        if not parts.path.startswith("/api/") or parts.path.rstrip("/") == "/api":
            self._reply(404, {"ok": False, "error": "unknown_method"}, {})
            return
        method = parts.path[len("/api/") :].strip("/")
        params = _parse_form(parts.query)
        content_type = (self.headers.get("Content-Type") or "").lower()
        if raw:
            if content_type.startswith("application/json"):
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    self._reply(200, {"ok": False, "error": "invalid_json"}, {})
                    return
                if isinstance(body, dict):
                    params.update(body)
            elif content_type.startswith("application/x-www-form-urlencoded") or not content_type:
                params.update(_parse_form(raw.decode("utf-8")))
            else:
                params["_raw_body"] = raw  # e.g. multipart uploads; not needed by the bot
        stand_in = self.server.stand_in
        status, body, headers = stand_in._dispatch(
            method, params, self.headers.get("Authorization")
        )
        stand_in._hold_answer(method)
        if status == DROP:
            # Hang up without answering: the client sees the connection go away.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._reply(status, body, headers)

    def _reply(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class SlackStandIn(FunctionExecutions, HttpStandIn[LoopbackHTTPServer]):
    """A real HTTP server on 127.0.0.1 answering like the Slack Web API. Thread-safe."""

    thread_name = "slack-stand-in"

    def __init__(
        self,
        bot_token: str = "xoxb-test-token",  # noqa: S107
        app_token: str = "xapp-test-token",  # noqa: S107
    ) -> None:
        super().__init__()
        self.bot_token = bot_token
        self.app_token = app_token
        self.usergroups: dict[str, list[str]] = {}
        self.usergroup_handles: dict[str, str] = {}  # usergroups.list; default group-<id>
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}  # optional conversations.info overrides
        self.channel_members: dict[str, list[str]] = {}  # conversations.members (paginated)
        # IDs users.info and conversations.info answer user_not_found / channel_not_found for.
        self.unknown_ids: set[str] = set()
        self.socket_mode_url: str | None = None
        # What auth.test answers beyond team_id, user_id and bot_id (Enterprise Grid:
        # enterprise_id, is_enterprise_install), and the team it names.
        self.team_id = TEAM_ID
        self.enterprise_id: str | None = None
        self.is_enterprise_install = False
        self.revoked_tokens: set[str] = set()  # answered token_revoked
        # Workflow step executions (functions.completeSuccess / completeError): by execution
        # ID, None while running, else how it finished; each one's function-scoped token is
        # accepted only while it runs, as Slack's expires when the step finishes.
        self.executions: dict[str, dict[str, Any] | None] = {}
        self.function_tokens: dict[str, str] = {}
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._calls: list[SlackCall] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._latency: dict[str | None, float] = {}
        self._holds: dict[str, list[threading.Event]] = {}
        self._messages: dict[str, dict[str, dict[str, Any]]] = {}  # channel -> ts -> message
        self._views: dict[str, dict[str, Any]] = {}
        self._ts_counter = itertools.count(1)
        self._view_counter = itertools.count(1)

    @property
    def url(self) -> str:
        """The Web API base URL (ends with "/api/"), for ``WebClient(base_url=...)``."""
        return f"http://127.0.0.1:{self._require_port()}/api/"

    def response_url(self, name: str = "r") -> str:
        """An interaction's response_url on this stand-in: posts to it are recorded as calls
        of the pseudo-method "response_url" (the JSON body as params, plus its ``path``)."""
        return f"http://127.0.0.1:{self._require_port()}{RESPONSE_PATH}{name}"

    def _take_response(self, path: str, raw: bytes) -> None:
        try:
            body = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            body = {"_raw_body": raw}
        params = {**(body if isinstance(body, dict) else {"_body": body}), "path": path}
        with self._changed:
            self._calls.append(SlackCall("response_url", params, None, time.monotonic()))
            self._changed.notify_all()

    def _listen(self, port: int) -> tuple[LoopbackHTTPServer, int]:
        server = LoopbackHTTPServer(port, _Handler, self)
        return server, server.server_address[1]

    # ------------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[SlackCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[SlackCall]:
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def _matching(self, method: str, predicate: Predicate | None) -> list[SlackCall]:
        return [
            call
            for call in self._calls
            if call.method == method and (predicate is None or predicate(call))
        ]

    def _describe_calls(self) -> str:
        lines = [f"  {call.method} {call.params!r}" for call in self._calls]
        return "\n".join(lines) if lines else "  (none)"

    def wait_for_calls(
        self,
        method: str,
        count: int,
        predicate: Predicate | None = None,
        timeout: float = 5.0,
    ) -> list[SlackCall]:
        """The first ``count`` calls to ``method`` matching ``predicate``, waiting for them."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._matching(method, predicate)) >= count, timeout)
            found = self._matching(method, predicate)
            if len(found) < count:
                raise AssertionError(
                    f"expected {count} matching call(s) to {method} within {timeout}s, "
                    f"saw {len(found)}; all calls:\n{self._describe_calls()}"
                )
            return found[:count]

    def wait_for_call(
        self,
        method: str,
        predicate: Predicate | None = None,
        timeout: float = 5.0,
    ) -> SlackCall:
        """The first call to ``method`` matching ``predicate`` (including earlier ones)."""
        return self.wait_for_calls(method, 1, predicate, timeout)[0]

    def wait_for_count(
        self, method: str, count: int, *, start: int = 0, timeout: float = 5.0
    ) -> int:
        """How many calls to ``method`` there are from the ``start``-th call on, once there are
        ``count`` or ``timeout`` has passed (no error: the benchmark reports a shortfall)."""

        def found() -> int:
            return sum(1 for call in self._calls[start:] if call.method == method)

        with self._changed:
            self._changed.wait_for(lambda: found() >= count, timeout)
            return found()

    def wait_for_values(
        self, method: str, key: str, values: Iterable[Any], *, start: int = 0, timeout: float = 5.0
    ) -> dict[Any, float]:
        """When calls to ``method`` from the ``start``-th call on arrived with ``params[key]``
        equal to each of ``values``: {value: arrival time}, without those not seen in time.
        Reads each call once, so thousands of calls cost little (the benchmark)."""
        wanted = set(values)
        seen: dict[Any, float] = {}
        scanned = start

        def all_seen() -> bool:
            nonlocal scanned
            for call in self._calls[scanned:]:
                if call.method != method:
                    continue
                value = call.params.get(key)
                if value in wanted and value not in seen:
                    seen[value] = call.at
            scanned = max(scanned, len(self._calls))
            return len(seen) >= len(wanted)

        with self._changed:
            self._changed.wait_for(all_seen, timeout)
            return seen

    def assert_no_call(
        self, method: str, predicate: Predicate | None = None, within: float = 0.3
    ) -> None:
        """Fails if a matching call was made so far or arrives within ``within`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._matching(method, predicate), within)
            found = self._matching(method, predicate)
        if found:
            raise AssertionError(
                f"expected no matching call to {method}, saw {len(found)}: "
                f"{[call.params for call in found]!r}"
            )

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Current state of the messages posted in ``channel`` (oldest first), as copies."""
        with self._lock:
            return copy.deepcopy(list(self._messages.get(channel, {}).values()))

    def delete_message(self, channel: str, ts: str) -> None:
        """Someone deletes the message (a card): updating it answers message_not_found,
        replying in its thread thread_not_found."""
        with self._lock:
            self._messages.get(channel, {}).pop(ts, None)

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        error: str = "internal_error",
        *,
        times: int = 1,
        status: int = 200,
        retry_after: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """The next ``times`` calls to ``method`` fail: ``{"ok": false, "error": error}``.

        With ``status`` 200 this is Slack's normal failure; use e.g. ``status=429,
        error="ratelimited", retry_after=30`` for a rate limit, or 500/503 for an outage.
        ``delay`` holds the answer back (e.g. to make the client time out).
        """
        with self._lock:
            self._failures.setdefault(method, []).append(
                _Failure(error, times, status, retry_after, delay)
            )

    def hold_next(self, method: str) -> threading.Event:
        """The next call to ``method`` is carried out at once (a posted message is in the
        channel, the call recorded), but its answer waits until the returned event is set: the
        client does not know yet what Slack did."""
        release = threading.Event()
        with self._lock:
            self._holds.setdefault(method, []).append(release)
        return release

    def _hold_answer(self, method: str) -> None:
        with self._lock:
            queue = self._holds.get(method)
            release = queue.pop(0) if queue else None
        if release is not None:
            release.wait(30)

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """The next ``times`` calls to ``method`` are read (and recorded), then the connection
        is closed without an answer: the client gets no Slack error, only a broken
        connection (as with a timeout)."""
        self.fail_next(method, "dropped", times=times, status=DROP)

    def clear_failures(self, method: str) -> None:
        """Forget the failures still queued for ``method``: it answers normally again."""
        with self._lock:
            self._failures.pop(method, None)

    def set_latency(self, seconds: float, method: str | None = None) -> None:
        """Delay every answer (or only ``method``'s) by ``seconds``; 0 removes the delay."""
        with self._lock:
            if seconds > 0:
                self._latency[method] = seconds
            else:
                self._latency.pop(method, None)

    # ------------------------------------------------------------------ dispatch

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    def _dispatch(self, method: str, params: dict[str, Any], authorization: str | None) -> _Answer:
        arrived = time.monotonic()
        token: str | None = None
        if authorization and authorization.lower().startswith("bearer "):
            token = authorization[len("bearer ") :].strip()
            params.pop("token", None)
        else:
            raw_token = params.pop("token", None)
            token = raw_token if isinstance(raw_token, str) else None
        with self._lock:
            latency = self._latency.get(method, self._latency.get(None, 0.0))
            failure = self._take_failure(method)
        if latency > 0:
            time.sleep(latency)
        answer: _Answer
        if failure is not None:
            if failure.delay > 0:
                time.sleep(failure.delay)
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            answer = (failure.status, {"ok": False, "error": failure.error}, headers)
        else:
            expected = self.app_token if method == "apps.connections.open" else self.bot_token
            if token and method != "apps.connections.open" and self.runs_with(token):
                expected = token  # a running workflow step's function-scoped token
            if not token:
                answer = (200, {"ok": False, "error": "not_authed"}, {})
            elif token in self.revoked_tokens:
                answer = (200, {"ok": False, "error": "token_revoked"}, {})
            elif token != expected:
                answer = (200, {"ok": False, "error": "invalid_auth"}, {})
            else:
                handler = self._handlers().get(method)
                answer = (200, handler(params) if handler else {"ok": True}, {})
        with self._changed:
            self._calls.append(SlackCall(method, copy.deepcopy(params), token, arrived))
            self._changed.notify_all()
        return answer

    def _handlers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "auth.test": self._auth_test,
            "bots.info": self._bots_info,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "usergroups.users.list": self._usergroups_users_list,
            "usergroups.list": self._usergroups_list,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "apps.connections.open": self._apps_connections_open,
            "functions.completeSuccess": self._functions_complete_success,
            "functions.completeError": self._functions_complete_error,
        }

    def _next_ts(self) -> str:
        n = next(self._ts_counter)
        return f"{1_700_000_000 + n // 10_000}.{(n % 10_000) * 100:06d}"

    # ------------------------------------------------------------------ method handlers

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "Send ID Test",
            "user": "sendid",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": self.is_enterprise_install,
        }
        if self.enterprise_id is not None:
            answer["enterprise_id"] = self.enterprise_id
        return answer

    def _bots_info(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("bot") != BOT_ID:
            return {"ok": False, "error": "bot_not_found"}
        return {
            "ok": True,
            "bot": {
                "id": BOT_ID,
                "deleted": False,
                "name": "Send ID bot",
                "updated": 1_700_000_000,
                "app_id": APP_ID,
                "user_id": BOT_USER_ID,
                "icons": {"image_36": "https://a.slack-edge.com/80588/img/plugins/app/bot_36.png"},
            },
        }

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not any(params.get(key) for key in ("text", "blocks", "attachments")):
            return {"ok": False, "error": "no_text"}
        with self._lock:
            thread = params.get("thread_ts")
            if thread is not None and str(thread) not in self._messages.get(channel, {}):
                return {"ok": False, "error": "thread_not_found"}  # its parent was deleted
            ts = self._next_ts()
            message: dict[str, Any] = {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "app_id": APP_ID,
                "team": TEAM_ID,
                "text": params.get("text", ""),
                "ts": ts,
            }
            for key in ("blocks", "attachments", "metadata", "thread_ts"):
                if params.get(key) is not None:
                    message[key] = params[key]
            self._messages.setdefault(channel, {})[ts] = message
            return {"ok": True, "channel": channel, "ts": ts, "message": copy.deepcopy(message)}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel"), params.get("ts")
        with self._lock:
            message = self._messages.get(str(channel), {}).get(str(ts))
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            for key in ("text", "blocks", "attachments", "metadata"):
                if key in params:
                    message[key] = params[key]
            message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
            return {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "text": message.get("text", ""),
                "message": copy.deepcopy(message),
            }

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel"), params.get("ts")
        with self._lock:
            if self._messages.get(str(channel), {}).pop(str(ts), None) is None:
                return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("user"):
            return {"ok": False, "error": "user_not_found"}
        with self._lock:
            return {"ok": True, "message_ts": self._next_ts()}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel")), str(params.get("message_ts"))
        permalink = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": permalink}

    def _build_view(self, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view.get("type", "modal"),
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{view_id}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
        }

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        if not params.get("trigger_id") and not params.get("interactivity_pointer"):
            return {"ok": False, "error": "invalid_trigger_id"}
        with self._lock:
            view_id = f"V{next(self._view_counter):010d}"
            built = self._build_view(view_id, view)
            self._views[view_id] = built
            return {"ok": True, "view": copy.deepcopy(built)}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            view_id = params.get("view_id")
            if not view_id and params.get("external_id"):
                view_id = next(
                    (
                        known_id
                        for known_id, known in self._views.items()
                        if known.get("external_id") == params["external_id"]
                    ),
                    None,
                )
            if not view_id:
                return {"ok": False, "error": "not_found"}
            built = self._build_view(str(view_id), view)
            self._views[str(view_id)] = built
            return {"ok": True, "view": copy.deepcopy(built)}

    def _usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            members = self.usergroups.get(str(params.get("usergroup")))
            if members is None:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": list(members)}

    def _usergroups_list(self, params: dict[str, Any]) -> dict[str, Any]:
        """Every group, with `user_count` when `include_count` asks for it (as Slack does)."""
        counted = str(params.get("include_count")).lower() in ("1", "true")
        with self._lock:
            groups = [
                {
                    "id": group_id,
                    "team_id": TEAM_ID,
                    "handle": self.usergroup_handles.get(group_id, f"group-{group_id.lower()}"),
                    "name": self.usergroup_handles.get(group_id, group_id),
                    "date_delete": 0,
                    **({"user_count": len(members)} if counted else {}),
                }
                for group_id, members in self.usergroups.items()
            ]
        return {"ok": True, "usergroups": groups}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = params.get("user")
        if not user_id or user_id in self.unknown_ids:
            return {"ok": False, "error": "user_not_found"}
        with self._lock:
            extra = dict(self.users.get(str(user_id), {}))
        name = extra.get("name", str(user_id).lower())
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": extra.get("real_name", name),
            "deleted": False,
            "is_bot": False,
            "tz": "Europe/Berlin",
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "profile": {
                "display_name": extra.get("display_name", name),
                "real_name": extra.get("real_name", name),
            },
        }
        user.update({key: value for key, value in extra.items() if key != "locale"})
        if _truthy(params.get("include_locale", False)):
            user["locale"] = extra.get("locale", "en-US")
        return {"ok": True, "user": user}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = params.get("channel")
        if not channel_id or channel_id in self.unknown_ids:
            return {"ok": False, "error": "channel_not_found"}
        channel_id = str(channel_id)
        channel: dict[str, Any] = {
            "id": channel_id,
            "name": f"channel-{channel_id.lower()}",
            "is_channel": channel_id.startswith("C"),
            "is_group": channel_id.startswith("G"),
            "is_im": channel_id.startswith("D"),
            "is_mpim": False,
            "is_private": channel_id.startswith("G"),
            "is_archived": False,
            "is_member": True,
            "context_team_id": TEAM_ID,
        }
        with self._lock:
            channel.update(self.channels.get(channel_id, {}))
        return {"ok": True, "channel": channel}

    def _conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        """A channel's members, `limit` a page, the cursor being the next index (as a string)."""
        with self._lock:
            members = self.channel_members.get(str(params.get("channel")))
        if members is None:
            return {"ok": False, "error": "channel_not_found"}
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        end = start + limit
        cursor = str(end) if end < len(members) else ""
        return {
            "ok": True,
            "members": members[start:end],
            "response_metadata": {"next_cursor": cursor},
        }

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode_url is None:
            return {"ok": False, "error": "socket_mode_stand_in_not_started"}
        return {"ok": True, "url": self.socket_mode_url}
