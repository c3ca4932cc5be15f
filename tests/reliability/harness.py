"""What every reliability scenario shares beyond ``tests/support``: figures, the secrets watch,
and the in-process scenario the fault tests drive.

* :class:`Figures`: one scenario's numbers, appended as a JSON line to ``$RELIABILITY_REPORT``.
* :class:`Watch`: for the whole session, every log line (in-process records through the bot's own
  formatter, and the log files of bot processes), every call any Slack or Braze stand-in
  received and every answer the bot gave, so that the last test can prove no secret leaked.
  :func:`watched_driver` and the suite's ``processes`` fixture hand it what they see.
* :class:`Scenario`: a running bot, a driver and the submissions it accepted, checked at the end.
* :class:`TwoReplicas`: two ``python -m bot`` processes on one database, for the races between
  replicas.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.domain.models import SendIdRequest
from bot.logs import make_formatter
from bot.store import Store
from tests.reliability import invariants
from tests.reliability.invariants import COUNTED, Verdict
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackCall, SlackStandIn
from tests.support.bots import InProcessBots, bot_env, braze_stand_in, slack_stand_in
from tests.support.constants import (
    APPROVE,
    APPROVER,
    BRAZE_KEY,
    CAMPAIGN,
    CHANNEL,
    PRIVATE_CHANNEL,
    REQUESTER,
    RETRY,
    SECRETS,
)
from tests.support.driver import Answer, SlackDriver
from tests.support.processes import Processes
from tests.support.waits import Submission, wait_settled, wait_stored

REPORT_ENV = "RELIABILITY_REPORT"
LONG_ENV = "RELIABILITY_LONG"
CHANNELS = (CHANNEL, PRIVATE_CHANNEL)  # the permitted channels of the default settings


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

    def take_http(self, driver: SlackDriver) -> None:
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


def read_to_the_end(conn: socket.socket) -> tuple[int, bytes]:
    """What the bot answers on a raw connection, read until it closes it (or goes quiet, or
    resets it): (its status, 0 if it sent none; every byte it sent)."""
    data = b""
    try:
        while chunk := conn.recv(65536):
            data += chunk
    except OSError:  # a timeout or a reset ends the answer; what came before it is all there is
        pass
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0, data


def watched_driver(urls: str | list[str], slack: SlackStandIn, **options: Any) -> SlackDriver:
    """A driver whose every answer the secrets watch reads."""
    return SlackDriver(urls, slack, on_answer=WATCH.take_response, **options)


@contextmanager
def watched_bots(database_url: str, *, daily_limit: int = 100) -> Iterator[InProcessBots]:
    """Watched stand-ins of their own and in-process bots on them: for a module-scoped fixture
    (the function-scoped stand-in fixtures cannot serve it)."""
    with (
        slack_stand_in() as slack,
        braze_stand_in(daily_limit) as braze,
        InProcessBots(slack, braze, database_url, on_answer=WATCH.take_response) as bots,
    ):
        WATCH.watch_slack(slack)
        WATCH.watch_braze(braze)
        yield bots


@dataclass
class TwoReplicas:
    """Two bot processes, not yet started, on one database (PostgreSQL when reachable)."""

    slack: SlackStandIn
    braze: BrazeStandIn
    processes: Processes
    database_url: str

    def start(self, **settings: str) -> list[str]:
        """Starts both with the default settings changed by `settings`: their URLs."""
        env = bot_env(self.slack.url, self.braze.url, self.database_url, **settings)
        return [self.processes.bot(env, f"replica-{n}").start().url for n in range(2)]


# ---- the in-process scenario ------------------------------------------------------------------


class Scenario:
    """A bot running in this process, the driver talking to it, and the submissions it accepted
    (so the consistency check at the end knows what must be there)."""

    def __init__(self, driver: SlackDriver, braze: BrazeStandIn) -> None:
        self.driver = driver
        self.slack = driver.slack
        self.braze = braze
        self.accepted: list[Submission] = []
        self.known: set[str] = set()

    @property
    def store(self) -> Store:
        return self.driver.store

    def request(
        self, send_id: str | None, campaign: str = CAMPAIGN, channel: str = CHANNEL
    ) -> SendIdRequest:
        """A request the bot accepted, stored with its card."""
        answer, submission = self.submit(send_id, campaign, channel)
        assert answer.accepted_submission, answer
        return wait_stored(self.store, submission, self.known)

    def submit(
        self, send_id: str | None, campaign: str = CAMPAIGN, channel: str = CHANNEL
    ) -> tuple[Answer, Submission]:
        """The requester submits the form; an accepted submission is remembered."""
        submission = Submission(channel, REQUESTER, campaign, send_id)
        answer = self.driver.send_form(submission)
        if answer.accepted_submission:
            self.accepted.append(submission)
        return answer, submission

    def approve(self, request: SendIdRequest, user: str = APPROVER) -> None:
        answer = self.driver.click(APPROVE, request.id, user=user, channel=request.channel_id)
        assert answer.status == 200, answer

    def retry(self, request: SendIdRequest, user: str = APPROVER) -> None:
        answer = self.driver.click(RETRY, request.id, user=user, channel=request.channel_id)
        assert answer.status == 200, answer

    def settle(self, requests: list[SendIdRequest]) -> list[SendIdRequest]:
        return wait_settled(self.store, [r.id for r in requests])

    def verdict(self, figures: Figures, channels: tuple[str, ...] = CHANNELS) -> Verdict:
        """The consistency check, its counts taken into the figures."""
        verdict = check_consistency(
            figures, self.store, self.braze, self.slack, self.accepted, channels
        )
        figures.take_http(self.driver)
        return verdict


def check_consistency(
    figures: Figures,
    store: Store,
    braze: BrazeStandIn,
    slack: SlackStandIn,
    accepted: Iterable[Submission],
    channels: tuple[str, ...] = CHANNELS,
) -> Verdict:
    """The check every scenario ends with (invariants.py), its counts taken into the figures."""
    verdict = invariants.check(
        store, braze.calls, braze.created, slack, channels=channels, accepted=accepted
    )
    figures.absorb(verdict)
    return verdict


def ephemerals_to(slack: SlackStandIn, user: str) -> list[SlackCall]:
    """What `user` was told privately: ephemeral messages and DMs."""
    return [
        c
        for c in slack.calls
        if (c.method == "chat.postEphemeral" and c.params.get("user") == user)
        or (c.method == "chat.postMessage" and c.params.get("channel") == user)
    ]


def campaign_uuid(n: int, group: int = 0) -> str:
    """A distinct, well-formed campaign ID (add it to the Braze stand-in to make it known)."""
    return f"{group:08x}-0000-4000-8000-{n:012x}"
