"""What Slack does for the people using the bot: correctly signed requests to its endpoint.

:class:`SlackDriver` talks to one bot, or to several replicas (in turn, or the one a step names),
whether the bot runs in this process (its real HTTP server on a free port) or as `python -m bot`;
or, with no HTTP at all, hands them straight to a bot's Bolt app
(:meth:`~SlackDriver.dispatching`, as bolt-python's own tests do: milliseconds a request).
It sends the raw requests (:meth:`~SlackDriver.post`, :meth:`~SlackDriver.send`), the steps of
the flow (a slash command, the form, a click, App Home) and whole steps such as
:meth:`~SlackDriver.request` (command → form → card), and waits for what the bot then sends to
the Slack stand-in. Thread-safe: load tests share one driver between users. It counts every
answer (status, time taken) for the reliability figures.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import parse_qsl

import httpx
from slack_bolt import App, BoltRequest
from slack_sdk.models.views import View

from bot.domain.models import SendIdRequest
from bot.runtime import BotRuntime
from bot.store import Store
from tests.standins.slack import SlackCall, SlackStandIn
from tests.support import slack_requests as sr
from tests.support.constants import CAMPAIGN, CHANNEL, REJECT, REQUESTER, SIGNING_SECRET
from tests.support.waits import Submission, wait_stored

FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Ack:
    """What an answer says, to compare with what it should: its status and its JSON body ({}
    when empty, as Slack reads it)."""

    status: int
    body: Any


ACKNOWLEDGED = Ack(200, {})  # the empty acknowledgement: nothing to say, a form closes


@dataclass(frozen=True)
class Answer:
    """The bot's answer to one request."""

    status: int  # 0: no answer (connection refused or reset, timed out)
    body: bytes
    trigger_id: str | None = None  # the request's trigger: finds the view it opened

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return None

    @property
    def ack(self) -> Ack:
        return Ack(self.status, self.json())

    @property
    def accepted_submission(self) -> bool:
        """A view submission answered 200 that closes the form: no inline errors, and no form
        shown again with a problem at its top."""
        if self.status != 200:
            return False
        data = self.json()
        return not (isinstance(data, dict) and data.get("response_action") in ("errors", "update"))


AnswerHook = Callable[[bytes], None]  # sees every answer's body (the reliability secrets watch)


def is_card_post(call: SlackCall, channel: str) -> bool:
    """A chat.postMessage of an approval card (a header block, not in a thread) in `channel`."""
    return (
        call.method == "chat.postMessage"
        and call.params.get("channel") == channel
        and "thread_ts" not in call.params
        and any(b.get("type") == "header" for b in call.params.get("blocks") or [])
    )


class SlackDriver:
    """Signed Slack requests to one bot or several replicas, and waits on the Slack stand-in."""

    def __init__(
        self,
        urls: str | Iterable[str],
        slack: SlackStandIn,
        *,
        store: Store | None = None,
        runtime: BotRuntime | None = None,
        timeout: float = 10.0,
        on_answer: AnswerHook | None = None,
    ) -> None:
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        self.slack = slack
        self._runtime = runtime  # the bot, when it runs in this process
        self._store = store or (runtime.store if runtime is not None else None)
        self._app: App | None = None  # set: requests go to app.dispatch, not over HTTP
        self.timeout = timeout
        self.on_answer = on_answer
        self._local = threading.local()
        self._clients: list[httpx.Client] = []
        self._lock = threading.Lock()
        self._turn = itertools.count()
        self._known: set[str] = set()  # requests request() already returned
        self.statuses: Counter[int] = Counter()
        self.seconds: list[float] = []  # how long each answer took
        self.slowest: dict[str, float] = {}  # by kind of request
        self.sent = 0
        self.failures: list[str] = []  # 5xx and no-answer details
        # Set: every request says it comes from this Enterprise Grid org (sr.in_enterprise).
        self.enterprise_id: str | None = None

    @classmethod
    def dispatching(cls, runtime: BotRuntime, slack: SlackStandIn) -> SlackDriver:
        """Requests handed to `runtime`'s Bolt app (``app.dispatch``) as Slack would send them,
        signed; no HTTP server, so none of the endpoint's own checks either."""
        driver = cls([], slack, runtime=runtime)
        driver._app = runtime.app
        return driver

    @property
    def runtime(self) -> BotRuntime:
        """The bot itself, when it runs in this process (its Slack context, its housekeeping)."""
        if self._runtime is None:
            raise RuntimeError("this driver talks to a bot in another process")
        return self._runtime

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("this driver was given no store to look requests up in")
        return self._store

    @property
    def url(self) -> str:
        """The (first) bot's base URL."""
        return self._base(0)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def close(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- raw requests ---------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(timeout=self.timeout)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def _base(self, replica: int | None) -> str:
        if not self.urls:
            raise RuntimeError("this driver dispatches to the Bolt app: the bot serves no HTTP")
        index = next(self._turn) if replica is None else replica
        return self.urls[index % len(self.urls)]

    def get(self, path: str, *, replica: int | None = None) -> Answer:
        response = self._client().get(self._base(replica) + path)
        return Answer(response.status_code, response.content)

    def post(
        self,
        body: bytes,
        *,
        content_type: str | None = FORM,
        headers: dict[str, str] | None = None,
        signed: bool = True,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        replica: int | None = None,
    ) -> Answer:
        """`body` to POST /slack/events, signed like Slack (or with another secret or time)."""
        sent_headers: dict[str, str] = {}
        if content_type is not None:
            sent_headers["Content-Type"] = content_type
        if signed:
            sent_headers.update(sr.signature_headers(secret, body, timestamp))
        sent_headers.update(headers or {})
        return self.send(body, sent_headers, replica=replica)

    def send(self, body: Any, headers: dict[str, str], *, replica: int | None = None) -> Answer:
        """`body` (bytes, or an iterator of chunks) to POST /slack/events with exactly `headers`;
        no answer at all is status 0."""
        started = time.monotonic()
        if self._app is not None:
            answer = _dispatched(self._app, body, headers)
        else:
            url = self._base(replica) + "/slack/events"
            try:
                response = self._client().post(url, content=body, headers=headers)
                answer = Answer(response.status_code, response.content)
            except httpx.HTTPError as error:
                answer = Answer(0, repr(error).encode())
        took = time.monotonic() - started
        kind = _kind(body)
        with self._lock:
            self.seconds.append(took)
            self.slowest[kind] = max(self.slowest.get(kind, 0.0), took)
            self.sent += 1
            self.statuses[answer.status] += 1
            if answer.status >= 500 or answer.status == 0:
                self.failures.append(f"{answer.status} {answer.body[:200]!r}")
        if self.on_answer is not None:
            self.on_answer(answer.body)
        return answer

    # ---- one step of the flow -------------------------------------------------------------

    def command(
        self,
        text: str = "",
        *,
        user: str = REQUESTER,
        channel: str = CHANNEL,
        replica: int | None = None,
        **fields: str,
    ) -> Answer:
        """`/sendid <text>`; `fields` change the command's form fields."""
        form = sr.slash_command(text, user_id=user, channel_id=channel)
        if self.enterprise_id is not None:  # as sr.in_enterprise does for a command
            form["enterprise_id"] = self.enterprise_id
        form.update(fields)
        answer = self.post(sr.form_body(form), replica=replica)
        return _with_trigger(answer, form["trigger_id"])

    def submit(
        self,
        view: dict[str, Any],
        values: Mapping[str, str | None],
        *,
        user: str = REQUESTER,
        replica: int | None = None,
    ) -> Answer:
        """Submit `view` (as the bot opened it) with block_id → typed value."""
        payload = sr.in_enterprise(
            sr.view_submission(view, values, user_id=user), self.enterprise_id
        )
        return self.post(sr.payload_body(payload), replica=replica)

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str,
        channel: str = CHANNEL,
        ts: str = "1.1",
        replica: int | None = None,
        **changes: Any,
    ) -> Answer:
        """A button on a message in `channel`; `changes` replace top-level payload fields."""
        payload = sr.button_click(action_id, value, user_id=user, channel_id=channel, message_ts=ts)
        sr.in_enterprise(payload, self.enterprise_id)
        payload.update(changes)
        answer = self.post(sr.payload_body(payload), replica=replica)
        return _with_trigger(answer, payload["trigger_id"])

    def choose(self, action_id: str, value: str, *, user: str, channel: str = CHANNEL) -> Answer:
        """An option of an overflow menu on a message in `channel`, picked."""
        payload = sr.overflow_choice(action_id, value, user_id=user, channel_id=channel)
        sr.in_enterprise(payload, self.enterprise_id)
        answer = self.post(sr.payload_body(payload))
        return _with_trigger(answer, payload["trigger_id"])

    def event(self, payload: dict[str, Any], *, replica: int | None = None) -> Answer:
        """An Events API callback (JSON)."""
        payload = sr.in_enterprise(payload, self.enterprise_id)
        return self.post(
            json.dumps(payload).encode(), content_type="application/json", replica=replica
        )

    def home_click(self, action_id: str, value: str, *, user: str) -> Answer:
        """A button in the App Home tab."""
        payload = sr.in_enterprise(
            sr.home_click(action_id, value, user_id=user), self.enterprise_id
        )
        return self.post(sr.payload_body(payload))

    # ---- whole steps ----------------------------------------------------------------------

    def view_for(self, trigger_id: str | None, timeout: float | None = None) -> dict[str, Any]:
        """The view the bot opened with `trigger_id` (views.open on the Slack stand-in), checked
        against Slack's view model."""
        call = self.slack.wait_for_call(
            "views.open",
            predicate=lambda c: c.params.get("trigger_id") == trigger_id,
            timeout=timeout or self.timeout,
        )
        view: dict[str, Any] = call.params["view"]
        View(**view).validate_json()
        return view

    def open_form(
        self,
        text: str = "",
        *,
        user: str = REQUESTER,
        channel: str = CHANNEL,
        replica: int | None = None,
    ) -> dict[str, Any]:
        """`/sendid <text>`, acknowledged; the form the bot opened."""
        answer = self.command(text, user=user, channel=channel, replica=replica)
        assert answer.status == 200, answer
        return self.view_for(answer.trigger_id)

    def send_form(self, form: Submission, *, replica: int | None = None) -> Answer:
        """The requester runs /sendid and submits the form filled in as `form` says."""
        view = self.open_form(user=form.requester, channel=form.channel, replica=replica)
        values = {"campaign_id": form.campaign_id, "send_id": form.send_id}
        return self.submit(view, values, user=form.requester, replica=replica)

    def request(
        self,
        campaign_id: str = CAMPAIGN,
        send_id: str | None = None,
        *,
        user: str = REQUESTER,
        channel: str = CHANNEL,
        replica: int | None = None,
    ) -> SendIdRequest:
        """/sendid, the form accepted with a silent ack, the card posted: the stored request."""
        form = Submission(channel, user, campaign_id, send_id)
        answer = self.send_form(form, replica=replica)
        assert answer.status == 200 and answer.body in (b"", b"{}"), answer
        with self._lock:
            known = set(self._known)
        request = wait_stored(self.store, form, known)
        with self._lock:
            self._known.add(request.id)
        return request

    def reject(
        self,
        request_id: str,
        *,
        user: str,
        channel: str = CHANNEL,
        reason: str | None = None,
        replica: int | None = None,
    ) -> Answer:
        """Click Reject, then submit the reason form it opens."""
        answer = self.click(REJECT, request_id, user=user, channel=channel, replica=replica)
        assert answer.status == 200, answer
        view = self.view_for(answer.trigger_id)
        return self.submit(view, {"reason": reason}, user=user, replica=replica)

    def open_home(self, user: str) -> dict[str, Any]:
        """`user` opens the bot's Home tab: the view the bot published for them, checked against
        Slack's view model."""
        before = len(self.slack.calls_to("views.publish"))
        assert self.event(sr.app_home_opened(user)).ack == ACKNOWLEDGED
        call = self.slack.wait_for_calls("views.publish", before + 1)[-1]
        assert call.params["user_id"] == user
        view: dict[str, Any] = call.params["view"]
        View(**view).validate_json()
        return view

    # ---- what the bot sent to Slack -------------------------------------------------------

    def card_posts(self, channel: str) -> list[SlackCall]:
        return [c for c in self.slack.calls_to("chat.postMessage") if is_card_post(c, channel)]

    def thread_replies(self, request: SendIdRequest) -> list[SlackCall]:
        return [
            c
            for c in self.slack.calls_to("chat.postMessage")
            if c.params.get("thread_ts") == request.card_ts
        ]

    def wait_for_thread_reply(
        self, request: SendIdRequest, count: int = 1, timeout: float = 10
    ) -> list[SlackCall]:
        return self.slack.wait_for_calls(
            "chat.postMessage",
            count,
            predicate=lambda c: c.params.get("thread_ts") == request.card_ts,
            timeout=timeout,
        )

    def wait_for_ephemeral(self, user: str, contains: str, timeout: float = 10) -> SlackCall:
        return self.slack.wait_for_call(
            "chat.postEphemeral",
            predicate=lambda c: (
                c.params.get("user") == user and contains in str(c.params.get("text"))
            ),
            timeout=timeout,
        )

    def ephemeral_text(self, user: str, timeout: float = 10) -> str:
        """What the bot told `user` privately (its first ephemeral message to them)."""
        return str(self.wait_for_ephemeral(user, "", timeout).params["text"])


def _dispatched(app: App, body: Any, headers: dict[str, str]) -> Answer:
    if not isinstance(body, bytes):
        raise TypeError("app.dispatch takes the whole body as bytes")
    sent: dict[str, str | Sequence[str]] = dict(headers)
    request = BoltRequest(body=body.decode(), headers=sent)
    response = app.dispatch(request)
    return Answer(response.status, response.body.encode())


def _with_trigger(answer: Answer, trigger_id: str) -> Answer:
    return Answer(answer.status, answer.body, trigger_id)


def _kind(body: Any) -> str:
    """ "command", the action_id of a click or the callback_id of a form, for latency figures."""
    if not isinstance(body, bytes) or len(body) > 20_000:
        return "other"
    fields = dict(parse_qsl(body.decode("utf-8", "replace")))
    if "command" in fields:
        return "command"
    try:
        payload = json.loads(fields.get("payload", ""))
        if payload.get("type") == "block_actions":
            kind = payload["actions"][0]["action_id"]
        else:
            kind = payload["view"]["callback_id"]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return "other"
    # The bot's own IDs only: a mutated one is not a kind of request worth a figure.
    return kind if isinstance(kind, str) and re.fullmatch(r"sendid_[a-z_]{1,30}", kind) else "other"
