"""The benchmark run: start everything, measure, print, write BENCHMARKS.md (and JSON).

See the package docstring (``benchmarks/__init__.py``) for what is measured and how.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import math
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import loadgen, procstats
from benchmarks.standins import StandIns
from tests import slack_requests as sr

ROOT = Path(__file__).resolve().parents[1]

SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"  # noqa: S105 (loopback only)
BOT_TOKEN = "xoxb-bench-token"  # noqa: S105
BRAZE_KEY = "bench-braze-key"
CHANNEL = "C0CAMPAIGNS"
REQUESTER = "U0MARKETER"
APPROVER = "U0APPROVER"
APPROVER_GROUP = "S0APPROVERS"
CAMPAIGN = "3f1c9e2a-5b7d-4c8e-9a10-1b2c3d4e5f60"
CAMPAIGN_NAME = "Spring Sale"
DETAILS_PATH = "/campaigns/details"
APPROVE_ACTION = "sendid_approve"
# Marketers the bot has seen before the measurements start (their locale is cached).
RETURNING_USERS = tuple(f"U0MKT{i:03d}" for i in range(20))

# Targets from issue 5 (on the 2-core reference machine).
TARGET_ACK_RATIO = 1.2
TARGET_VIEWS_OPEN_P99_AT_50 = 0.5
TARGET_SUBMIT_P99_SLOW = 1.5
TARGET_APPROVAL_OVERHEAD_P50 = 0.025
TARGET_RSS_MB = 120.0
TARGET_STARTUP_S = 2.0
SUSTAINED_P99_LIMIT = 1.0


@dataclass(frozen=True)
class Plan:
    """How much of everything: the full run and the CI smoke variant differ only here."""

    name: str
    bursts: dict[int, int]  # burst size -> rounds (each round: one burst per server)
    submit_bursts: dict[int, int]  # concurrent submissions -> rounds, Braze answering normally
    slow_bursts: dict[int, int]  # the same with a slow campaign-details lookup
    approvals: int
    startup_trials: int
    rate_start: float
    rate_max: float
    rate_seconds: float
    rate_max_steps: int
    bisect_steps: int
    warmup: int
    request_timeout: float = loadgen.TIMEOUT  # a request slower than this counts as failed


FULL = Plan(
    name="full",
    bursts={1: 150, 10: 16, 50: 6, 100: 4},
    submit_bursts={1: 20, 10: 5, 50: 2},
    # Largest first: the first slow burst meets a bot that has not seen Braze slow yet.
    slow_bursts={50: 1, 10: 2, 1: 5},
    approvals=30,
    startup_trials=5,
    rate_start=25,
    rate_max=3200,
    rate_seconds=5.0,
    rate_max_steps=12,
    bisect_steps=3,
    warmup=10,
)
QUICK = Plan(
    name="quick",
    bursts={1: 1, 10: 1, 50: 1, 100: 1},
    submit_bursts={1: 2, 10: 1},
    slow_bursts={10: 1, 1: 1},
    approvals=3,
    startup_trials=1,
    rate_start=10,
    rate_max=10,
    rate_seconds=1.0,
    rate_max_steps=1,
    bisect_steps=0,
    warmup=2,
    request_timeout=8.0,
)


# ---- statistics ---------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: list[float], errors: int = 0) -> dict[str, Any]:
    return {
        "n": len(values),
        "errors": errors,
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values) if values else math.nan,
    }


def ack_summary(results: list[loadgen.Result]) -> dict[str, Any]:
    good = [r.latency for r in results if r.status == 200]
    return summary(good, errors=len(results) - len(good))


# ---- processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ready(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/readyz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


class Server:
    """One server under test, in its own process (so RSS and start-up are its own)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.workdir = workdir
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / f"{name}.log"

    def start(self, timeout: float = 30.0) -> float:
        """Start and wait for GET /readyz = 200; returns the seconds that took."""
        self.port = free_port()
        env = dict(self.env, PORT=str(self.port))
        started = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 (our own argv)
            self.argv,
            cwd=self.workdir,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # no other thread runs while servers start
        )
        while time.monotonic() - started < timeout:
            if ready(self.port):
                return time.monotonic() - started
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early; see {self.log}")
            time.sleep(0.005)
        self.process.kill()
        raise RuntimeError(f"{self.name} never became ready; see {self.log}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} is not running"
        return self.process.pid

    def rss_mb(self) -> float:
        return procstats.rss_mb(self.pid)

    def peak_rss_mb(self) -> float | None:
        return procstats.peak_rss_mb(self.pid)

    def cpu_seconds(self) -> float:
        return procstats.cpu_seconds(self.pid)


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM if the harness dies (no stray servers)."""
    with contextlib.suppress(Exception):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


class PeakRss:
    """Samples the servers' RSS in the background; keeps the highest value seen."""

    def __init__(self, servers: list[Server], interval: float = 0.1) -> None:
        self.peak = {s.name: 0.0 for s in servers}
        self._servers = servers
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            for server in self._servers:
                with contextlib.suppress(OSError, KeyError, ValueError, AssertionError):
                    self.peak[server.name] = max(self.peak[server.name], server.rss_mb())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


# ---- the run ------------------------------------------------------------------------------


@dataclass
class Run:
    plan: Plan
    standins: StandIns
    bot: Server
    baseline: Server
    results: dict[str, Any] = field(default_factory=dict)
    _send_ids: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**9)))
    _users: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**9)))

    @property
    def servers(self) -> list[Server]:
        return [self.bot, self.baseline]

    def order(self, round_no: int) -> list[Server]:
        # Alternate who goes first, so neither always meets a just-disturbed machine.
        return self.servers if round_no % 2 == 0 else self.servers[::-1]

    def say(self, text: str) -> None:
        print(text, flush=True)

    def settle(self, extra: float = 0.1) -> None:
        # Let listeners finish what follows (the last Slack call's latency) before the next step.
        time.sleep(self.standins.slack_latency + extra)

    # -- request bodies --

    def command_bodies(self, n: int, *, new_users: bool) -> tuple[list[bytes], list[str]]:
        """`n` signed /sendid commands: from marketers the bot has not seen yet (`new_users`:
        nothing per-user is cached, as on a launch morning), or from the few it knows."""
        bodies, triggers = [], []
        for i in range(n):
            if new_users:
                user = f"U0BENCH{next(self._users):07d}"
            else:
                user = RETURNING_USERS[i % len(RETURNING_USERS)]
            fields = sr.slash_command("", user_id=user, channel_id=CHANNEL)
            bodies.append(sr.form_body(fields))
            triggers.append(fields["trigger_id"])
        return bodies, triggers

    def request(self, server: Server, body: bytes) -> bytes:
        return loadgen.build_request(server.port, body, SIGNING_SECRET)

    # -- phases --

    def warm_up(self) -> dict[str, Any]:
        """Every returning marketer once, then a few new ones (first-request costs are not what
        Slack waits for); keeps the modal the bot opened, to submit it later."""
        view: dict[str, Any] = {}
        bodies, triggers = self.command_bodies(len(RETURNING_USERS), new_users=False)
        more, more_triggers = self.command_bodies(self.plan.warmup, new_users=True)
        bodies, triggers = bodies + more, triggers + more_triggers
        chunk = 4  # a few at a time: no burst yet
        for server in self.servers:
            for at in range(0, len(bodies), chunk):
                start = self.standins.slack_count()
                requests = [self.request(server, b) for b in bodies[at : at + chunk]]
                for result in loadgen.burst(server.port, requests):
                    if result.status != 200:
                        raise RuntimeError(f"{server.name} answered {result.status} to /sendid")
                expected = triggers[at : at + chunk]
                if len(self.standins.wait(start, "views.open", "trigger_id", expected)) < len(
                    expected
                ):
                    raise RuntimeError(f"{server.name} did not call views.open")
                if server is self.bot and not view:
                    calls, _ = self.standins.slack_calls(start, ("views.open",), ("view",))
                    view = calls[0][2]["view"]
            self.settle()
        return view

    def command_bursts(self, *, new_users: bool) -> None:
        who = "new" if new_users else "returning"
        self.say(f"1-2. /sendid bursts from {who} users: acknowledgement and views.open")
        acks: dict[int, dict[str, list[loadgen.Result]]] = {}
        opens: dict[int, dict[str, list[float]]] = {}
        missing = {s.name: 0 for s in self.servers}
        cpu0 = {s.name: s.cpu_seconds() for s in self.servers}
        for size, rounds in self.plan.bursts.items():
            acks[size] = {s.name: [] for s in self.servers}
            opens[size] = {s.name: [] for s in self.servers}
            for round_no in range(rounds):
                bodies, triggers = self.command_bodies(size, new_users=new_users)
                for server in self.order(round_no):
                    start = self.standins.slack_count()
                    requests = [self.request(server, b) for b in bodies]
                    results = loadgen.burst(server.port, requests, self.plan.request_timeout)
                    answered = [t for t, r in zip(triggers, results, strict=True) if r.status]
                    arrived = self.standins.wait(start, "views.open", "trigger_id", answered)
                    acks[size][server.name].extend(results)
                    for trigger, result in zip(triggers, results, strict=True):
                        if trigger in arrived:
                            opens[size][server.name].append(arrived[trigger] - result.started)
                        elif result.status:  # acknowledged, yet no modal
                            missing[server.name] += 1
                    self.settle(0.03)  # views.open has arrived: only its latency is left
            bot_ack = ack_summary(acks[size]["bot"])
            base_ack = ack_summary(acks[size]["baseline"])
            self.say(
                f"   burst {size:>3}: ack p99 bot {ms(bot_ack['p99'])} baseline "
                f"{ms(base_ack['p99'])} (x{ratio(bot_ack['p99'], base_ack['p99']):.2f}); "
                f"views.open p99 bot {ms(percentile(opens[size]['bot'], 99))}"
            )
        suffix = "" if new_users else "_returning"
        count = sum(size * rounds for size, rounds in self.plan.bursts.items())
        cpu = self.results.setdefault("cpu", {})
        for server in self.servers:
            used = server.cpu_seconds() - cpu0[server.name]
            cpu.setdefault(server.name, {})[f"bursts_{who}_ms_per_request"] = 1000 * used / count
        self.results["command_ack" + suffix] = {
            str(size): {
                "bot": ack_summary(per["bot"]),
                "baseline": ack_summary(per["baseline"]),
            }
            for size, per in acks.items()
        }
        for per in self.results["command_ack" + suffix].values():
            per["ratio_p50"] = ratio(per["bot"]["p50"], per["baseline"]["p50"])
            per["ratio_p99"] = ratio(per["bot"]["p99"], per["baseline"]["p99"])
        self.results["views_open" + suffix] = {
            str(size): {name: summary(values) for name, values in per.items()}
            for size, per in opens.items()
        }
        self.results["views_open_missing" + suffix] = missing

    def submission_bodies(self, view: dict[str, Any], n: int) -> list[bytes]:
        bodies = []
        for _ in range(n):
            send_id = f"bench-{os.getpid()}-{next(self._send_ids)}"
            values: dict[str, str | None] = {"campaign_id": CAMPAIGN, "send_id": send_id}
            payload = sr.view_submission(view, values, user_id=REQUESTER)
            bodies.append(sr.payload_body(payload))
        return bodies

    def submissions(self, view: dict[str, Any]) -> None:
        self.say("3. modal submission acknowledgement (campaign lookup normal / slow)")
        out: dict[str, Any] = {"normal": {}, "slow_lookup": {}}
        problems = {"normal": 0, "slow_lookup": 0}
        for case, bursts in (("normal", self.plan.submit_bursts), ("slow", self.plan.slow_bursts)):
            key = "normal" if case == "normal" else "slow_lookup"
            servers = self.servers if case == "normal" else [self.bot]
            for size, rounds in bursts.items():
                collected: dict[str, list[loadgen.Result]] = {s.name: [] for s in servers}
                for round_no in range(rounds):
                    bodies = self.submission_bodies(view, size)
                    for server in [s for s in self.order(round_no) if s in servers]:
                        if server is self.bot and case == "slow":
                            self.standins.call(
                                "braze_delay_next", DETAILS_PATH, self.slow_lookup, size
                            )
                        start = self.standins.slack_count()
                        requests = [self.request(server, b) for b in bodies]
                        results = loadgen.burst(server.port, requests)
                        collected[server.name].extend(results)
                        if server is self.bot:
                            # An inline error (not an empty ack) means validation refused it.
                            problems[key] += sum(1 for r in results if r.body not in (b"", b"{}"))
                            posted = self.standins.wait_count(
                                start, "chat.postMessage", size, timeout=30
                            )
                            if posted < size:
                                raise RuntimeError(f"only {posted}/{size} cards were posted")
                            self.standins.call("braze_clear_injections")
                        self.settle()
                out[key][str(size)] = {
                    name: ack_summary(results) for name, results in collected.items()
                }
                bot = out[key][str(size)]["bot"]
                self.say(
                    f"   {case:>6} lookup, {size:>3} concurrent: bot ack p50 {ms(bot['p50'])} "
                    f"p99 {ms(bot['p99'])}"
                )
        out["refused_by_validation"] = problems
        out["slow_lookup_seconds"] = self.slow_lookup
        self.results["submission_ack"] = out

    slow_lookup: float = 5.0

    def approve(self, server: Server, ts: str, request_id: str) -> dict[str, Any]:
        """Click Approve on one card and time it up to the thread reply's arrival."""
        body = self.click_body(ts, request_id)
        slack_start = self.standins.slack_count()
        braze_start = self.standins.braze_count()
        result = loadgen.one(server.port, self.request(server, body))
        arrived = self.standins.wait(slack_start, "chat.postMessage", "thread_ts", [ts], 15)
        if ts not in arrived:
            raise RuntimeError(f"{server.name}: no thread reply for card {ts}")
        reply_at = arrived[ts]
        slack_calls, _ = self.standins.slack_calls(slack_start)
        braze_calls, _ = self.standins.braze_calls(braze_start)
        ls, lb = self.standins.slack_latency, self.standins.braze_latency
        # Time during which at least one injected latency was running (calls may overlap).
        injected = covered(
            [(at, at + ls) for _, at, _ in slack_calls if at < reply_at]
            + [(at, at + lb) for _, _, at, _ in braze_calls if at < reply_at],
            reply_at,
        )
        # Time during which a stand-in was busy with a call at all: its own parsing and
        # answering besides the injected latency are not the bot's; shown separately.
        served = self.standins.call("served", result.started)
        busy = max(covered([(start, end) for _, start, end in served], reply_at), injected)
        total = reply_at - result.started
        self.settle()
        return {
            "ack": result,
            "total": total,
            "injected": injected,
            "overhead": total - injected,
            "standins_own": busy - injected,
            "net": total - busy,
        }

    def click_body(self, ts: str, request_id: str) -> bytes:
        payload = sr.button_click(
            APPROVE_ACTION, request_id, user_id=APPROVER, channel_id=CHANNEL, message_ts=ts
        )
        return sr.payload_body(payload)

    def approvals(self) -> None:
        self.say("4. approval: click to thread reply, minus injected latencies")
        cards = self.standins.call("cards", CHANNEL)
        if len(cards) < self.plan.approvals:
            raise RuntimeError(f"only {len(cards)} pending cards to approve")
        runs = []
        baseline_acks = []
        for ts, request_id in cards[: self.plan.approvals]:
            runs.append(self.approve(self.bot, ts, request_id))
            # The same click to the baseline, which only acknowledges it: Bolt's own cost.
            body = self.request(self.baseline, self.click_body(ts, request_id))
            baseline_acks.append(loadgen.one(self.baseline.port, body))
        self.results["approval"] = {
            "overhead": summary([r["overhead"] for r in runs]),
            "click_to_reply": summary([r["total"] for r in runs]),
            "injected_per_approval": summary([r["injected"] for r in runs]),
            "standins_own": summary([r["standins_own"] for r in runs]),
            "overhead_without_standins": summary([r["net"] for r in runs]),
            "click_ack": {
                "bot": ack_summary([r["ack"] for r in runs]),
                "baseline": ack_summary(baseline_acks),
            },
        }
        over = self.results["approval"]["overhead"]
        net_p50 = self.results["approval"]["overhead_without_standins"]["p50"]
        self.say(
            f"   overhead p50 {ms(over['p50'])} p99 {ms(over['p99'])} "
            f"(without the stand-ins' own processing: p50 {ms(net_p50)})"
        )

    def rate_step(self, server: Server, rate: float) -> dict[str, Any]:
        count = max(1, int(rate * self.plan.rate_seconds))
        # Returning marketers: the steady state, with the per-user caches warm.
        bodies, triggers = self.command_bodies(count, new_users=False)
        requests = [self.request(server, b) for b in bodies]
        start = self.standins.slack_count()
        cpu0 = server.cpu_seconds()
        run = loadgen.sustained(server.port, rate, self.plan.rate_seconds, requests.__getitem__)
        answered = [t for t, r in zip(triggers, run.results, strict=True) if r.status]
        arrived = self.standins.wait(start, "views.open", "trigger_id", answered, timeout=30)
        cpu = server.cpu_seconds() - cpu0
        opens = [
            arrived[t] - r.started
            for t, r in zip(triggers, run.results, strict=True)
            if t in arrived
        ]
        ack = ack_summary(run.results)
        step = {
            "rate": rate,
            "achieved": run.achieved,
            "ack": ack,
            "views_open": summary(opens, errors=count - len(opens)),
            "cpu_ms_per_request": 1000 * cpu / count,
            "ok": ack["errors"] == 0
            and ack["p99"] < SUSTAINED_P99_LIMIT
            and run.achieved >= 0.9 * rate,
        }
        self.say(
            f"   {server.name:>8} {rate:7.1f}/s: ack p99 {ms(ack['p99'])}, errors "
            f"{ack['errors']}, sent {run.achieved:.1f}/s -> {'ok' if step['ok'] else 'over'}"
        )
        time.sleep(0.5)
        return step

    def sustained(self) -> None:
        self.say(f"5. highest sustained /sendid rate with ack p99 < {SUSTAINED_P99_LIMIT:.0f} s")
        out: dict[str, Any] = {}
        for server in self.servers:
            steps = []
            best, over = 0.0, None
            rate = self.plan.rate_start
            for _ in range(self.plan.rate_max_steps):
                step = self.rate_step(server, rate)
                steps.append(step)
                if not step["ok"]:
                    over = rate
                    break
                best = rate
                if rate >= self.plan.rate_max:
                    break
                rate = min(rate * 2, self.plan.rate_max)
            if over is not None and best > 0:
                low, high = best, over
                for _ in range(self.plan.bisect_steps):
                    mid = round((low + high) / 2)
                    if mid in (low, high):
                        break
                    step = self.rate_step(server, mid)
                    steps.append(step)
                    low, high = (mid, high) if step["ok"] else (low, mid)
                best = low
            passing = [s for s in steps if s["ok"] and s["rate"] == best]
            out[server.name] = {
                "max_rate": best,
                "at_max": passing[-1] if passing else None,
                "first_failing": over,
                "steps": steps,
            }
        out["ratio"] = ratio(out["bot"]["max_rate"], out["baseline"]["max_rate"])
        self.results["sustained"] = out


def covered(intervals: list[tuple[float, float]], until: float) -> float:
    """Length of the union of `intervals`, cut off at `until`."""
    total, reach = 0.0, -math.inf
    for start, end in sorted(intervals):
        end = min(end, until)
        if end <= reach or start >= until:
            continue
        total += end - max(start, reach)
        reach = end
    return total


def fmt_load(values: list[float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) else math.nan


def ms(seconds: float) -> str:
    return "n/a" if seconds is None or math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


# ---- environment --------------------------------------------------------------------------


def server_env(standins: StandIns, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SENDID_", "BRAZE_"))}
    env.update(
        # ROOT first (benchmarks.baseline_app); an existing PYTHONPATH stays (experiments).
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standins.slack_url,
        BRAZE_API_KEY=BRAZE_KEY,
        BRAZE_REST_ENDPOINT=standins.braze_url,
        SENDID_ALLOWED_CHANNELS=CHANNEL,
        SENDID_APPROVERS=f"{APPROVER},{APPROVER_GROUP}",
        SENDID_DATABASE_URL=database_url,
        LOG_LEVEL="INFO",
    )
    return env


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("slack_bolt", "slack_sdk", "cheroot", "httpx", "SQLAlchemy", "pydantic"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "?"
    return out


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = "?"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": procstats.memory_gb(),
        "os": f"{platform.system()} {platform.release()}",
        "commit": commit,
    }


# ---- targets ------------------------------------------------------------------------------


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(name: str, target: str, measured: str, ok: bool) -> None:
        rows.append({"name": name, "target": target, "measured": measured, "ok": bool(ok)})

    for suffix, who in (("", "new users"), ("_returning", "returning users")):
        for size, per in results["command_ack" + suffix].items():
            add(
                f"/sendid ack p99, burst of {size}, {who}",
                f"<= {TARGET_ACK_RATIO}x baseline",
                f"{per['ratio_p99']:.2f}x ({ms(per['bot']['p99'])} vs "
                f"{ms(per['baseline']['p99'])})",
                per["ratio_p99"] <= TARGET_ACK_RATIO and per["bot"]["errors"] == 0,
            )
    opens = results["views_open"].get("50", {}).get("bot")
    if opens:
        add(
            "views.open reached p99, 50 concurrent, new users",
            f"< {TARGET_VIEWS_OPEN_P99_AT_50 * 1000:.0f} ms",
            ms(opens["p99"]),
            opens["p99"] < TARGET_VIEWS_OPEN_P99_AT_50,
        )
    for size, per in results["submission_ack"]["slow_lookup"].items():
        bot = per["bot"]
        add(
            f"submission ack p99, {size} concurrent, "
            f"{results['submission_ack']['slow_lookup_seconds']:.0f} s Braze lookup",
            f"< {TARGET_SUBMIT_P99_SLOW} s",
            ms(bot["p99"]),
            bot["p99"] < TARGET_SUBMIT_P99_SLOW and bot["errors"] == 0,
        )
    over = results["approval"]["overhead"]
    add(
        "approval overhead p50",
        f"< {TARGET_APPROVAL_OVERHEAD_P50 * 1000:.0f} ms",
        ms(over["p50"]),
        over["p50"] < TARGET_APPROVAL_OVERHEAD_P50,
    )
    rss = results["rss"]["bot"]
    worst = max(rss["idle"], rss["after_load"], rss["peak"])
    add(
        "bot RSS (idle / after load / peak)",
        f"< {TARGET_RSS_MB:.0f} MB",
        f"{rss['idle']:.1f} / {rss['after_load']:.1f} / {rss['peak']:.1f} MB",
        worst < TARGET_RSS_MB,
    )
    startup = results["startup"]["bot"]
    add(
        "bot start-up to /readyz (max of trials)",
        f"< {TARGET_STARTUP_S} s",
        f"{startup['max']:.2f} s",
        startup["max"] < TARGET_STARTUP_S,
    )
    return rows


# ---- report -------------------------------------------------------------------------------


def render(results: dict[str, Any], notes: str) -> str:
    meta = results["meta"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `./scripts/bench` (`python -m benchmarks`); do not edit by hand except the "
        "notes at the end, which come from `benchmarks/NOTES.md`.",
        "",
        f"- Run: {meta['when']}, plan `{meta['plan']}`, commit `{meta['machine']['commit']}`, "
        f"{meta['duration_s']:.0f} s",
        f"- Machine: {meta['machine']['cpu']}, {meta['machine']['cores']} cores, "
        f"{meta['machine']['memory_gb']} GB, {meta['machine']['os']}; load average (1/5/15 "
        f"min) {fmt_load(meta['load_average_before'])} before the run, "
        f"{fmt_load(meta['load_average_after'])} after",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()),
        f"- Stand-ins: Slack and Braze on loopback in their own process, injected latency "
        f"{meta['slack_latency_ms']:.0f} ms (Slack) and {meta['braze_latency_ms']:.0f} ms "
        f"(Braze) per call; slow campaign lookup {meta['slow_lookup_s']:.0f} s",
        "- Servers: the bot (`python -m bot`, HTTP mode, SQLite, LOG_LEVEL=INFO) and the bare "
        f"Bolt baseline (`benchmarks/baseline_app.py`, listener threads: "
        f"{meta['baseline_threads']}, Bolt's own WSGI adapter), each in its own process, both "
        "served by `bot.http.server.HttpServer` (cheroot), both sent the same signed requests. "
        f"A request not answered within {meta.get('request_timeout_s', 30):.0f} s "
        "counts as an error.",
        "- Latency is measured by the load generator from just before connecting to the last "
        "byte of the answer (new connection per request, as concurrent requests from Slack "
        "arrive). Percentiles are nearest-rank; n = number of samples.",
        "",
        "## Targets",
        "",
        "| target | wanted | measured | |",
        "| --- | --- | --- | --- |",
    ]
    for row in results["targets"]:
        mark = "met" if row["ok"] else "**missed**"
        lines.append(f"| {row['name']} | {row['target']} | {row['measured']} | {mark} |")

    lines += [
        "",
        "## 1. /sendid acknowledgement latency (bursts of concurrent requests)",
        "",
        "*new*: every command from a marketer the bot has not seen (nothing per-user cached: the "
        "bot looks the locale up with `users.info`); *returning*: from 20 marketers it has seen.",
        "",
        "| users | burst | n | bot p50 | bot p95 | bot p99 | baseline p50 | baseline p95 | "
        "baseline p99 | ratio p50 | ratio p99 | errors bot/baseline |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for suffix, who in (("", "new"), ("_returning", "returning")):
        for size, per in results["command_ack" + suffix].items():
            b, a = per["bot"], per["baseline"]
            lines.append(
                f"| {who} | {size} | {b['n']} | {ms(b['p50'])} | {ms(b['p95'])} | "
                f"{ms(b['p99'])} | {ms(a['p50'])} | {ms(a['p95'])} | {ms(a['p99'])} | "
                f"{per['ratio_p50']:.2f} | {per['ratio_p99']:.2f} | {b['errors']}/{a['errors']} |"
            )
    lines += [
        "",
        "## 2. From sending /sendid to the Slack stand-in receiving views.open",
        "",
        "| users | burst | bot p50 | bot p95 | bot p99 | baseline p50 | baseline p95 | "
        "baseline p99 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for suffix, who in (("", "new"), ("_returning", "returning")):
        for size, per in results["views_open" + suffix].items():
            b, a = per["bot"], per["baseline"]
            lines.append(
                f"| {who} | {size} | {ms(b['p50'])} | {ms(b['p95'])} | {ms(b['p99'])} | "
                f"{ms(a['p50'])} | {ms(a['p95'])} | {ms(a['p99'])} |"
            )
    missing = results["views_open_missing"]
    again = results["views_open_missing_returning"]
    lines.append("")
    lines.append(
        "Acknowledged but views.open never received: bot "
        f"{missing['bot'] + again['bot']}, baseline "
        f"{missing['baseline'] + again['baseline']}."
    )
    sub = results["submission_ack"]
    lines += [
        "",
        "## 3. Modal submission acknowledgement",
        "",
        "The bot validates before it acknowledges (format, duplicate pair, quota, and Braze's "
        "campaign-details lookup, time-boxed), then saves the request; the baseline only "
        "acknowledges. *slow* = Braze answers the lookup after "
        f"{sub['slow_lookup_seconds']:.0f} s; the slow bursts run largest first, so the first "
        "one meets a bot that has not seen Braze slow yet (a bot that pauses lookups after a "
        "time-out answers the later ones without waiting).",
        "",
        "| lookup | concurrent | n | bot p50 | bot p95 | bot p99 | bot max | baseline p50 | "
        "baseline p99 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key in ("normal", "slow_lookup"):
        for size, per in sub[key].items():
            b = per["bot"]
            a = per.get("baseline")
            lines.append(
                f"| {key.replace('_lookup', '')} | {size} | {b['n']} | {ms(b['p50'])} | "
                f"{ms(b['p95'])} | {ms(b['p99'])} | {ms(b['max'])} | "
                f"{ms(a['p50']) if a else '—'} | {ms(a['p99']) if a else '—'} |"
            )
    refused = sub["refused_by_validation"]
    lines.append("")
    lines.append(
        f"Submissions answered with inline errors instead of an empty ack: normal "
        f"{refused['normal']}, slow {refused['slow_lookup']} (expected 0)."
    )
    ap = results["approval"]
    lines += [
        "",
        "## 4. Approval: Approve click to the thread reply, minus injected latencies",
        "",
        "Sequential approvals. On the way the bot makes Slack and Braze calls (card update, "
        "`/sends/id/create`, card update); their injected latency is subtracted, what remains "
        "is the bot's own time (and Bolt's, and the loopback round trips).",
        "",
        "| | n | p50 | p95 | p99 | max |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, key in (
        ("overhead (bot's own)", "overhead"),
        ("click to reply", "click_to_reply"),
        ("injected latency", "injected_per_approval"),
        ("stand-ins' own processing", "standins_own"),
        ("overhead without the stand-ins' processing", "overhead_without_standins"),
    ):
        s = ap[key]
        lines.append(
            f"| {label} | {s['n']} | {ms(s['p50'])} | {ms(s['p95'])} | {ms(s['p99'])} | "
            f"{ms(s['max'])} |"
        )
    for name in ("bot", "baseline"):
        s = ap["click_ack"][name]
        lines.append(
            f"| click ack, {name} | {s['n']} | {ms(s['p50'])} | {ms(s['p95'])} | "
            f"{ms(s['p99'])} | {ms(s['max'])} |"
        )
    sus = results["sustained"]
    lines += [
        "",
        f"## 5. Highest sustained /sendid rate with ack p99 < {SUSTAINED_P99_LIMIT:.0f} s",
        "",
        "/sendid from the 20 returning marketers (the steady state). "
        f"Open loop, {meta['rate_seconds']:.0f} s per step: doubling from "
        f"{meta['rate_start']:.0f}/s until a step fails (an error, p99 >= 1 s, or the generator "
        "could not send at 90 % of the rate), then bisecting.",
        "",
        f"- bot: **{sus['bot']['max_rate']:.0f}/s**; baseline: **"
        f"{sus['baseline']['max_rate']:.0f}/s**; ratio {sus['ratio']:.2f}",
        "",
        "| server | rate /s | sent /s | ack p50 | ack p99 | errors | views.open p99 | "
        "CPU ms/request | |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name in ("bot", "baseline"):
        for step in sus[name]["steps"]:
            lines.append(
                f"| {name} | {step['rate']:.0f} | {step['achieved']:.0f} | "
                f"{ms(step['ack']['p50'])} | {ms(step['ack']['p99'])} | {step['ack']['errors']} | "
                f"{ms(step['views_open']['p99'])} | {step['cpu_ms_per_request']:.2f} | "
                f"{'ok' if step['ok'] else 'over'} |"
            )
    st, rss = results["startup"], results["rss"]
    lines += [
        "",
        "## 6. Start-up and memory",
        "",
        "Start-up: from starting the process to the first `GET /readyz` = 200 (polled every "
        "5 ms); the bot's includes Bolt's `auth.test` against the stand-in (one injected "
        "latency) and creating the SQLite schema.",
        "",
        "| server | start-up median | start-up max | trials | RSS idle | RSS after load | "
        "RSS peak |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in ("bot", "baseline"):
        lines.append(
            f"| {name} | {st[name]['median']:.2f} s | {st[name]['max']:.2f} s | "
            f"{len(st[name]['samples'])} | {rss[name]['idle']:.1f} MB | "
            f"{rss[name]['after_load']:.1f} MB | {rss[name]['peak']:.1f} MB |"
        )
    cpu = results["cpu"]
    lines += [
        "",
        "CPU used by each server process during the /sendid bursts, per request: new users: "
        f"bot {cpu['bot']['bursts_new_ms_per_request']:.2f} ms, baseline "
        f"{cpu['baseline']['bursts_new_ms_per_request']:.2f} ms; returning users: bot "
        f"{cpu['bot']['bursts_returning_ms_per_request']:.2f} ms, baseline "
        f"{cpu['baseline']['bursts_returning_ms_per_request']:.2f} ms.",
    ]
    if notes.strip():
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


# ---- main ---------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    plan = QUICK if args.quick else FULL
    began = time.monotonic()
    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="sendid-bench-"))
    standins = StandIns(
        bot_token=BOT_TOKEN,
        braze_key=BRAZE_KEY,
        campaigns={CAMPAIGN: CAMPAIGN_NAME},
        slack_latency=args.slack_latency_ms / 1000,
        braze_latency=args.braze_latency_ms / 1000,
    )
    servers: list[Server] = []
    try:
        results: dict[str, Any] = {}
        startup: dict[str, list[float]] = {"bot": [], "baseline": []}
        bot = baseline = None
        for trial in range(plan.startup_trials):
            db = workdir / f"sendid-{trial}.db"
            env = server_env(standins, f"sqlite:///{db}")
            bot = Server("bot", [sys.executable, "-m", "bot"], env, workdir)
            base_env = dict(env, BASELINE_LISTENER_THREADS=args.baseline_threads)
            baseline = Server(
                "baseline", [sys.executable, "-m", "benchmarks.baseline_app"], base_env, workdir
            )
            for server in (bot, baseline):
                startup[server.name].append(server.start())
                servers.append(server)
            if trial < plan.startup_trials - 1:
                for server in (bot, baseline):
                    server.stop()
        assert bot is not None and baseline is not None
        results["startup"] = {
            name: {"samples": v, "median": percentile(v, 50), "max": max(v)}
            for name, v in startup.items()
        }
        print(
            f"6. start-up: bot {results['startup']['bot']['median']:.2f} s, baseline "
            f"{results['startup']['baseline']['median']:.2f} s (median)",
            flush=True,
        )
        time.sleep(1.0)
        rss: dict[str, dict[str, float]] = {s.name: {"idle": s.rss_mb()} for s in (bot, baseline)}
        bench = Run(plan=plan, standins=standins, bot=bot, baseline=baseline, results=results)
        bench.slow_lookup = args.slow_lookup_s
        with PeakRss([bot, baseline]) as peak:
            view = bench.warm_up()
            bench.command_bursts(new_users=True)
            bench.command_bursts(new_users=False)
            bench.submissions(view)
            bench.approvals()
            bench.sustained()
            for s in (bot, baseline):
                rss[s.name]["after_load"] = s.rss_mb()
        for s in (bot, baseline):
            high_water = s.peak_rss_mb() or 0.0
            rss[s.name]["peak"] = max(peak.peak[s.name], rss[s.name]["after_load"], high_water)
        results["rss"] = rss
        print(
            f"6. RSS bot idle {rss['bot']['idle']:.1f} MB, after load "
            f"{rss['bot']['after_load']:.1f} MB, peak {rss['bot']['peak']:.1f} MB",
            flush=True,
        )
        results["meta"] = {
            "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "plan": plan.name,
            "duration_s": time.monotonic() - began,
            "machine": machine(),
            "versions": versions(),
            "slack_latency_ms": args.slack_latency_ms,
            "braze_latency_ms": args.braze_latency_ms,
            "slow_lookup_s": args.slow_lookup_s,
            "baseline_threads": args.baseline_threads,
            # Others' work on the machine disturbs the figures: say how busy it was.
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "rate_seconds": plan.rate_seconds,
            "request_timeout_s": plan.request_timeout,
            "rate_start": plan.rate_start,
        }
        results["targets"] = targets(results)
        return results
    finally:
        for server in servers:
            server.stop()
        standins.stop()
        if args.keep:
            print(f"logs and databases kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Benchmark the bot against a bare Bolt app."
    )
    parser.add_argument("--quick", action="store_true", help="the short smoke variant (CI)")
    parser.add_argument("--latency-ms", type=float, default=None, help="both stand-ins (50)")
    parser.add_argument("--slack-latency-ms", type=float, default=50.0)
    parser.add_argument("--braze-latency-ms", type=float, default=50.0)
    parser.add_argument("--slow-lookup-s", type=float, default=5.0)
    parser.add_argument(
        "--baseline-threads",
        default=None,
        help="baseline listener pool: a number, or 'default' for Bolt's (default: the bot's)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="report (default BENCHMARKS.md; none with --quick)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--notes", type=Path, default=ROOT / "benchmarks" / "NOTES.md")
    parser.add_argument("--keep", action="store_true", help="keep the servers' logs")
    parser.add_argument(
        "--from-json",
        type=Path,
        default=None,
        help="measure nothing: write the report from figures saved with --json (new notes)",
    )
    args = parser.parse_args(argv)
    if args.latency_ms is not None:
        args.slack_latency_ms = args.braze_latency_ms = args.latency_ms
    if args.baseline_threads is None:
        from bot.slack.app import LISTENER_THREADS

        args.baseline_threads = str(LISTENER_THREADS)
    if args.out is None and (not args.quick or args.from_json):
        args.out = ROOT / "BENCHMARKS.md"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = json.loads(args.from_json.read_text()) if args.from_json else run(args)
    print()
    for row in results["targets"]:
        mark = "met   " if row["ok"] else "MISSED"
        print(f"{mark} {row['name']}: {row['measured']} (wanted {row['target']})")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2, default=float) + "\n")
    if args.out is not None:
        notes = args.notes.read_text() if args.notes.is_file() else ""
        args.out.write_text(render(results, notes))
        print(f"\nwrote {args.out}")
    return 0
