"""What every reliability scenario shares: figures, the secrets watch, a Slack-like driver, bot
processes.

* :class:`Figures`: one scenario's numbers, appended as a JSON line to ``$RELIABILITY_REPORT``.
* :class:`Watch`: for the whole session, every log line (in-process records through the bot's own
  formatter, and the log files of bot processes), every call any Slack or Braze stand-in
  received and every answer the bot gave, so that the last test can prove no secret leaked.
* :class:`Driver`: signed Slack requests against one or more running bots (in-process or
  ``python -m bot``), counting HTTP statuses, with the flow's steps (command, form, click, …).
* :class:`BotProcess`: ``python -m bot`` as a subprocess that can be SIGKILLed and restarted.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

from bot.logs import make_formatter
from tests import slack_requests as sr
from tests.conftest import (
    APP_TOKEN,
    APPROVER,
    APPROVER_GROUP,
    BOT_TOKEN,
    BRAZE_KEY,
    CHANNEL,
    PRIVATE_CHANNEL,
    SIGNING_SECRET,
)
from tests.reliability.invariants import COUNTED, Submission, Verdict
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackCall, SlackStandIn

ROOT = Path(__file__).resolve().parents[2]
REPORT_ENV = "RELIABILITY_REPORT"
LONG_ENV = "RELIABILITY_LONG"
SECRETS = {
    "BRAZE_API_KEY": BRAZE_KEY,
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "SLACK_APP_TOKEN": APP_TOKEN,
}


def long_run() -> bool:
    return os.environ.get(LONG_ENV) == "1"


# ---- figures --------------------------------------------------------------------------------


@dataclass
class Figures:
    """One scenario's numbers. Outcome counters default to 0 and are recorded even when zero."""

    scenario: str
    group: str
    title: str
    requests: int = 0  # send ID requests stored
    http_requests: int = 0  # requests sent to the bot's HTTP endpoint
    bad_inputs: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    braze_create_calls: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    notes: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # why a known limitation (xfail) fails

    def fault(self, kind: str, count: int = 1) -> None:
        self.faults[kind] += count

    def absorb(self, verdict: Verdict) -> None:
        """Take the invariant counts (and the request/Braze numbers) of a final check."""
        self.requests = max(self.requests, verdict.requests)
        self.braze_create_calls = max(self.braze_create_calls, verdict.braze_create_calls)
        for name, value in verdict.counts().items():
            self.outcomes[name] = self.outcomes.get(name, 0) + value
        self.notes["states"] = dict(sorted(verdict.states.items()))
        if verdict.duplicate_replies:
            self.notes["thread replies posted twice"] = verdict.duplicate_replies
        if verdict.duplicate_cards:
            self.notes["second cards for one request"] = verdict.duplicate_cards

    def count(self, outcome: str, value: int) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + value

    def take_http(self, driver: Driver) -> None:
        self.http_requests += driver.sent
        self.count("http_5xx", driver.server_errors)
        self.notes.setdefault("http_statuses", {})
        for status, n in driver.statuses.items():
            key = str(status)
            self.notes["http_statuses"][key] = self.notes["http_statuses"].get(key, 0) + n
        if driver.seconds:
            seconds = sorted(driver.seconds)
            slowest = max(self.notes.get("slowest answer (s)", 0.0), seconds[-1])
            self.notes["slowest answer (s)"] = round(slowest, 3)
            self.notes["95th percentile answer (s)"] = round(seconds[int(len(seconds) * 0.95)], 3)
        slowest = self.notes.setdefault("slowest answer by kind (s)", {})
        for kind, took in driver.slowest.items():
            slowest[kind] = round(max(slowest.get(kind, 0.0), took), 3)

    def record(self, outcome: str, seconds: float) -> None:
        path = os.environ.get(REPORT_ENV)
        if not path:
            return
        entry = dataclasses.asdict(self)
        entry["faults"] = dict(self.faults)
        entry["result"] = outcome
        entry["seconds"] = round(seconds, 2)
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry, default=str) + "\n")


# ---- the secrets watch ------------------------------------------------------------------------


class _Capture(logging.Handler):
    def __init__(self, watch: Watch) -> None:
        super().__init__(logging.DEBUG)
        self._watch = watch
        self.setFormatter(make_formatter("json", SECRETS.values()))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            raw = record.getMessage()
            if record.exc_info:
                raw += logging.Formatter().formatException(record.exc_info)
        except Exception:  # a broken record must not break the suite
            return
        self._watch.take_log(line, raw)


class Watch:
    """Everything the bot emitted during the session, to search for secrets at the end."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.slack: list[SlackStandIn] = []
        self.braze: list[BrazeStandIn] = []
        self.log_files: list[Path] = []
        self.log_lines = 0
        self.leaked_log_lines: list[str] = []
        self.scrubbed = 0  # log records whose raw text held a secret the formatter removed
        self.responses = 0
        self.leaked_responses: list[str] = []
        self.handler = _Capture(self)
        self._level = logging.WARNING

    def attach(self) -> None:
        """Capture every log record from now on (the root logger at INFO at least)."""
        root = logging.getLogger()
        if self.handler not in root.handlers:
            self._level = root.level
            root.addHandler(self.handler)
            root.setLevel(min(root.level, logging.INFO) if root.level else logging.INFO)

    def detach(self) -> None:
        root = logging.getLogger()
        if self.handler in root.handlers:
            root.removeHandler(self.handler)
            root.setLevel(self._level)

    def take_log(self, line: str, raw: str) -> None:
        with self._lock:
            self.log_lines += 1
            if any(secret in line for secret in SECRETS.values()):
                self.leaked_log_lines.append(line[:300])
            if any(secret in raw for secret in SECRETS.values()):
                self.scrubbed += 1

    def take_response(self, body: bytes) -> None:
        text = body.decode("utf-8", "replace")
        with self._lock:
            self.responses += 1
            if any(secret in text for secret in SECRETS.values()):
                self.leaked_responses.append(text[:300])

    def watch_slack(self, stand_in: SlackStandIn) -> SlackStandIn:
        with self._lock:
            self.slack.append(stand_in)
        return stand_in

    def watch_braze(self, stand_in: BrazeStandIn) -> BrazeStandIn:
        with self._lock:
            self.braze.append(stand_in)
        return stand_in

    def watch_log_file(self, path: Path) -> Path:
        with self._lock:
            self.log_files.append(path)
        return path

    def scan(self) -> dict[str, Any]:
        """Search everything collected; returns counts and the first leaks found."""
        leaks: list[str] = []
        slack_calls = 0
        for stand_in in self.slack:
            for call in stand_in.calls:
                slack_calls += 1
                # The token travels in the Authorization header by design; the message must not.
                text = json.dumps(call.params, default=str, ensure_ascii=False)
                leaks += [
                    f"Slack {call.method}: {name}" for name, s in SECRETS.items() if s in text
                ]
        braze_calls = 0
        for braze in self.braze:
            for braze_call in braze.calls:
                braze_calls += 1
                headers = {k: v for k, v in braze_call.headers.items() if k != "authorization"}
                text = json.dumps(
                    [braze_call.path, braze_call.query, braze_call.json, headers], default=str
                )
                leaks += [f"Braze {braze_call.path}: {n}" for n, s in SECRETS.items() if s in text]
                auth = braze_call.headers.get("authorization", "")
                if auth and auth != f"Bearer {BRAZE_KEY}":
                    leaks.append(f"Braze got Authorization {auth[:12]}…")
        file_lines = 0
        for path in self.log_files:
            if not path.exists():
                continue
            for line in path.read_text("utf-8", "replace").splitlines():
                file_lines += 1
                leaks += [f"{path.name}: {name}" for name, s in SECRETS.items() if s in line]
        leaks += [f"log line: {line}" for line in self.leaked_log_lines]
        leaks += [f"bot answer: {text}" for text in self.leaked_responses]
        return {
            "slack_calls": slack_calls,
            "braze_calls": braze_calls,
            "in_process_log_lines": self.log_lines,
            "process_log_lines": file_lines,
            "bot_answers": self.responses,
            "raw_records_scrubbed": self.scrubbed,
            "leaks": leaks,
        }


WATCH = Watch()


# ---- driving the bot --------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (connection refused/reset, timeout)
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return None

    @property
    def accepted_submission(self) -> bool:
        """A view submission answered 200 without inline errors."""
        if self.status != 200:
            return False
        data = self.json()
        return not (isinstance(data, dict) and data.get("response_action") == "errors")


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


class Driver:
    """Signed Slack requests to one or more bots; thread-safe; counts every answer."""

    def __init__(
        self, base_urls: Iterable[str], slack: SlackStandIn, *, timeout: float = 10.0
    ) -> None:
        self.base_urls = list(base_urls)
        self.slack = slack
        self.timeout = timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._round = itertools.count()
        self.statuses: Counter[int] = Counter()
        self.seconds: list[float] = []  # how long each answer took
        self.slowest: dict[str, float] = {}  # by kind of request
        self.sent = 0
        self.failures: list[str] = []  # 5xx and no-answer details

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def _client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(timeout=self.timeout)
            self._local.client = client
        return client

    def url(self, replica: int | None = None) -> str:
        index = next(self._round) if replica is None else replica
        return self.base_urls[index % len(self.base_urls)] + "/slack/events"

    def post(
        self,
        body: bytes,
        *,
        content_type: str | None = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
        signed: bool = True,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        replica: int | None = None,
    ) -> Answer:
        sent_headers: dict[str, str] = {}
        if content_type is not None:
            sent_headers["Content-Type"] = content_type
        if signed:
            sent_headers.update(sr.signature_headers(secret, body, timestamp))
        sent_headers.update(headers or {})
        return self.send(body, sent_headers, replica=replica)

    def send(self, body: Any, headers: dict[str, str], *, replica: int | None = None) -> Answer:
        url = self.url(replica)
        started = time.monotonic()
        try:
            response = self._client().post(url, content=body, headers=headers)
            answer = Answer(response.status_code, response.content)
        except httpx.HTTPError as error:
            answer = Answer(0, repr(error).encode())
        took = time.monotonic() - started
        with self._lock:
            self.seconds.append(took)
            kind = _kind(body)
            self.slowest[kind] = max(self.slowest.get(kind, 0.0), took)
            self.sent += 1
            self.statuses[answer.status] += 1
            if answer.status >= 500 or answer.status == 0:
                self.failures.append(f"{answer.status} {answer.body[:200]!r}")
        WATCH.take_response(answer.body)
        return answer

    def close(self) -> None:
        client = getattr(self._local, "client", None)
        if client is not None:
            client.close()

    # ---- the flow's steps -------------------------------------------------------------------

    def command(
        self,
        text: str = "",
        *,
        user: str,
        channel: str,
        replica: int | None = None,
        **fields: str,
    ) -> tuple[Answer, str]:
        form = sr.slash_command(text, user_id=user, channel_id=channel)
        form.update(fields)
        return self.post(sr.form_body(form), replica=replica), form["trigger_id"]

    def view_for(self, trigger_id: str, timeout: float | None = None) -> dict[str, Any]:
        call = self.slack.wait_for_call(
            "views.open",
            predicate=lambda c: c.params.get("trigger_id") == trigger_id,
            timeout=timeout or self.timeout,
        )
        view: dict[str, Any] = call.params["view"]
        return view

    def open_form(
        self, *, user: str, channel: str, text: str = "", replica: int | None = None
    ) -> dict[str, Any]:
        answer, trigger = self.command(text, user=user, channel=channel, replica=replica)
        assert answer.status == 200, answer
        return self.view_for(trigger)

    def submit(
        self,
        view: dict[str, Any],
        values: dict[str, str | None],
        *,
        user: str,
        replica: int | None = None,
    ) -> Answer:
        payload = sr.view_submission(view, values, user_id=user)
        return self.post(sr.payload_body(payload), replica=replica)

    def request(
        self,
        campaign_id: str,
        send_id: str | None,
        *,
        user: str,
        channel: str,
        replica: int | None = None,
    ) -> tuple[Answer, Submission]:
        """/sendid, then submit the form; the Submission describes what should be stored."""
        view = self.open_form(user=user, channel=channel, replica=replica)
        answer = self.submit(
            view, {"campaign_id": campaign_id, "send_id": send_id}, user=user, replica=replica
        )
        return answer, Submission(channel, user, campaign_id, send_id)

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str,
        channel: str,
        replica: int | None = None,
        **changes: Any,
    ) -> tuple[Answer, str]:
        payload = sr.button_click(action_id, value, user_id=user, channel_id=channel)
        payload.update(changes)
        return self.post(sr.payload_body(payload), replica=replica), payload["trigger_id"]

    def reject(
        self,
        request_id: str,
        *,
        user: str,
        channel: str,
        reason: str | None = None,
        replica: int | None = None,
    ) -> Answer:
        """Click Reject, then submit the reason modal it opens."""
        answer, trigger = self.click(
            "sendid_reject", request_id, user=user, channel=channel, replica=replica
        )
        assert answer.status == 200, answer
        view = self.view_for(trigger)
        return self.submit(view, {"reason": reason}, user=user, replica=replica)


def ephemerals_to(slack: SlackStandIn, user: str) -> list[SlackCall]:
    return [
        c
        for c in slack.calls
        if (c.method == "chat.postEphemeral" and c.params.get("user") == user)
        or (c.method == "chat.postMessage" and c.params.get("channel") == user)
    ]


def wait_until(condition: Callable[[], Any], timeout: float = 10.0, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(every)


# ---- bot processes ----------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_env(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str, **extra: str
) -> dict[str, str]:
    """The environment of a `python -m bot` against the stand-ins (no inherited bot settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SENDID_", "BRAZE_"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.url,
        BRAZE_API_KEY=BRAZE_KEY,
        BRAZE_REST_ENDPOINT=braze.url,
        SENDID_ALLOWED_CHANNELS=f"{CHANNEL},{PRIVATE_CHANNEL}",
        SENDID_APPROVERS=f"{APPROVER},{APPROVER_GROUP}",
        SENDID_DATABASE_URL=database_url,
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


class BotProcess:
    """`python -m bot` in HTTP mode; its log file is watched for secrets."""

    def __init__(self, env: dict[str, str], log: Path, cwd: Path) -> None:
        self.port = free_port()
        self.env = {**env, "PORT": str(self.port)}
        self.log = WATCH.watch_log_file(log)
        self.cwd = cwd  # no stray .env
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> BotProcess:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=self.cwd,
                env={**self.env, "PYTHONPATH": str(ROOT)},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise AssertionError(f"bot exited early:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"bot never became ready:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
            return None


# ---- waiting on the store ---------------------------------------------------------------------


def campaign_uuid(n: int, group: int = 0) -> str:
    """A distinct, well-formed campaign ID (add it to the Braze stand-in to make it known)."""
    return f"{group:08x}-0000-4000-8000-{n:012x}"


def find_stored(store: Any, submission: Submission, known: set[str]) -> Any:
    """The newest stored request matching `submission` that is not in `known`, or None."""
    for request in store.recent_in_channel(submission.channel, 40):
        if (
            request.id not in known
            and request.requester_id == submission.requester
            and request.campaign_id == submission.campaign_id
            and request.send_id == submission.send_id
        ):
            return request
    return None


def wait_stored(store: Any, submission: Submission, known: set[str], timeout: float = 10) -> Any:
    """Wait until the request is stored with its card posted; add its ID to `known`."""

    def ready() -> Any:
        request = find_stored(store, submission, known)
        return request if request is not None and request.card_ts else None

    request = wait_until(ready, timeout, every=0.1)
    known.add(request.id)
    return request


def wait_settled(
    store: Any, ids: Iterable[str], timeout: float = 20, *, allow_pending: bool = False
) -> list[Any]:
    """Wait until each of `ids` is decided (or, with allow_pending, at least not in flight) and
    each decided one has its reply recorded."""
    wanted = list(ids)
    waiting = ("approved",) if allow_pending else ("approved", "pending")

    def settled() -> list[Any] | None:
        current = [store.get(i) for i in wanted]
        for request in current:
            if request.state.value in waiting:
                return None
            if request.state.value != "pending" and request.announced_state is not request.state:
                return None
        return current

    result: list[Any] = wait_until(settled, timeout)
    return result


def wait_state(store: Any, request_id: str, state: str, timeout: float = 20) -> Any:
    """Wait until the request is in `state` with that state's reply recorded (if it has one)."""

    def there() -> Any:
        request = store.get(request_id)
        if request.state.value != state:
            return None
        if state not in ("pending", "approved") and request.announced_state is not request.state:
            return None
        return request

    return wait_until(there, timeout)
