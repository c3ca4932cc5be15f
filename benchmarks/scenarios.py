"""What one run measures: the phases, each sending both servers the same signed requests.

Section numbers as in BENCHMARKS.md (see ``benchmarks/__init__.py``). Each phase returns its
figures as the records of ``benchmarks/results.py``.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from benchmarks import loadgen
from benchmarks.results import (
    Approval,
    Both,
    RateStep,
    ServerBursts,
    SubmissionAck,
    Submissions,
    Summary,
    Sustained,
    SustainedRate,
    ratio,
)
from benchmarks.servers import Server, Servers
from benchmarks.standins import StandIns
from tests.standins.braze import DETAILS_PATH
from tests.support import slack_requests as sr
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN, CHANNEL, REQUESTER, SIGNING_SECRET

# Marketers the bot has seen before the measurements start (their locale is cached).
RETURNING_USERS = tuple(f"U0MKT{i:03d}" for i in range(20))
# A rate step passes while the acknowledgement p99 stays under this many seconds.
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
    # The /sendid bursts' rounds come in this many blocks: each block's p99, then their median.
    blocks: int = 1
    request_timeout: float = loadgen.TIMEOUT  # a request slower than this counts as failed


FULL = Plan(
    name="full",
    bursts={1: 500, 10: 50, 50: 15, 100: 15},
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
    blocks=5,
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


@dataclass(frozen=True)
class ApprovalTiming:
    """One Approve click, timed up to its thread reply's arrival."""

    ack: loadgen.Result
    total: float  # click to reply
    injected: float  # time an injected latency was running
    standins_own: float  # the stand-ins' own processing besides it
    net: float  # what is left: the bot's own time, the stand-ins' processing taken out

    @property
    def overhead(self) -> float:
        return self.total - self.injected


def ms(seconds: float) -> str:
    return "n/a" if seconds is None or math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


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


class Run:
    """The phases of one run against both servers, with the stand-ins' process to ask."""

    def __init__(
        self, plan: Plan, standins: StandIns, servers: Servers, slow_lookup: float
    ) -> None:
        self.plan = plan
        self.standins = standins
        self.bot = servers.bot
        self.floor = servers.floor
        # Bare Bolt on the fastest server, once the bursts have shown which (`choose`).
        self.baseline = next(iter(servers.floor.values()))
        self.slow_lookup = slow_lookup  # seconds Braze takes for the slow campaign lookup
        self._send_ids = itertools.count(1)
        self._users = itertools.count(1)
        # Who the kept form was opened for: its sealed metadata opens only for that person.
        self.form_user = REQUESTER

    @property
    def servers(self) -> list[Server]:
        return [self.bot, self.baseline]

    @property
    def everyone(self) -> list[Server]:
        return [self.bot, *self.floor.values()]

    def choose(self, name: str) -> None:
        """Compare with bare Bolt on `name` from now on; the other candidates stop."""
        self.baseline = self.floor[name]
        for other, server in self.floor.items():
            if other != name:
                server.stop(timeout=20)

    @staticmethod
    def order(round_no: int, servers: list[Server]) -> list[Server]:
        # Rotate who goes first, so none always meets a just-disturbed machine.
        shift = round_no % len(servers)
        return servers[shift:] + servers[:shift]

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

    def submission_bodies(self, view: dict[str, Any], n: int) -> list[bytes]:
        bodies = []
        for _ in range(n):
            send_id = f"bench-{os.getpid()}-{next(self._send_ids)}"
            values: dict[str, str | None] = {"campaign_id": CAMPAIGN, "send_id": send_id}
            payload = sr.view_submission(view, values, user_id=self.form_user)
            bodies.append(sr.payload_body(payload))
        return bodies

    def click_body(self, ts: str, request_id: str) -> bytes:
        payload = sr.button_click(
            APPROVE, request_id, user_id=APPROVER, channel_id=CHANNEL, message_ts=ts
        )
        return sr.payload_body(payload)

    def request(self, server: Server, body: bytes) -> bytes:
        return loadgen.build_request(server.port, body, SIGNING_SECRET)

    # -- warm-up --

    def warm_up(self) -> dict[str, Any]:
        """Every returning marketer once, then a few new ones (first-request costs are not what
        Slack waits for); keeps the modal the bot opened, to submit it later."""
        view: dict[str, Any] = {}
        bodies, triggers = self.command_bodies(len(RETURNING_USERS), new_users=False)
        more, more_triggers = self.command_bodies(self.plan.warmup, new_users=True)
        bodies, triggers = bodies + more, triggers + more_triggers
        chunk = 4  # a few at a time: no burst yet
        for server in self.everyone:
            for at in range(0, len(bodies), chunk):
                start = self.standins.slack_count()
                requests = [self.request(server, b) for b in bodies[at : at + chunk]]
                for result in loadgen.burst(server.port, requests):
                    if result.status != 200:
                        raise RuntimeError(f"{server.name} answered {result.status} to /sendid")
                expected = triggers[at : at + chunk]
                arrived = self.standins.wait(start, "views.open", "trigger_id", expected)
                if len(arrived) < len(expected):
                    raise RuntimeError(f"{server.name} did not call views.open")
                if server is self.bot and not view:
                    calls, _ = self.standins.slack_calls(
                        start, ("views.open",), ("view", "trigger_id")
                    )
                    view = calls[0][2]["view"]
                    users = {
                        trigger: dict(parse_qsl(body.decode()))["user_id"]
                        for body, trigger in zip(bodies, triggers, strict=True)
                    }
                    self.form_user = users[calls[0][2]["trigger_id"]]
            self.settle()
        return view

    # -- 1. and 2. --

    def command_bursts(self, *, new_users: bool) -> ServerBursts:
        """The same bursts to the bot and to bare Bolt on every candidate server, in turns."""
        who = "new" if new_users else "returning"
        self.say(f"1-2. /sendid bursts from {who} users: acknowledgement and views.open")
        servers = self.everyone
        acks: dict[str, dict[str, Summary]] = {s.name: {} for s in servers}
        opens: dict[str, dict[str, Summary]] = {s.name: {} for s in servers}
        missing = {s.name: 0 for s in servers}
        cpu0 = {s.name: s.cpu_seconds() for s in servers}
        for size, rounds in self.plan.bursts.items():
            blocks = min(self.plan.blocks, rounds)
            answers: dict[str, list[list[loadgen.Result]]] = {
                s.name: [[] for _ in range(blocks)] for s in servers
            }
            arrivals: dict[str, list[list[float]]] = {
                s.name: [[] for _ in range(blocks)] for s in servers
            }
            for round_no in range(rounds):
                block = round_no * blocks // rounds
                bodies, triggers = self.command_bodies(size, new_users=new_users)
                for server in self.order(round_no, servers):
                    start = self.standins.slack_count()
                    requests = [self.request(server, b) for b in bodies]
                    results = loadgen.burst(server.port, requests, self.plan.request_timeout)
                    answered = [t for t, r in zip(triggers, results, strict=True) if r.status]
                    arrived = self.standins.wait(start, "views.open", "trigger_id", answered)
                    answers[server.name][block].extend(results)
                    for trigger, result in zip(triggers, results, strict=True):
                        if trigger in arrived:
                            arrivals[server.name][block].append(arrived[trigger] - result.started)
                        elif result.status:  # acknowledged, yet no modal
                            missing[server.name] += 1
                    self.settle(0.03)  # views.open has arrived: only its latency is left
            for server in servers:
                name = server.name
                acks[name][str(size)] = Summary.of_acks(
                    [r for block in answers[name] for r in block], answers[name]
                )
                opens[name][str(size)] = Summary.of(
                    [t for block in arrivals[name] for t in block], blocks=arrivals[name]
                )
            self.say(
                f"   burst {size:>3}: ack / views.open p99 (median of {blocks}) "
                + ", ".join(
                    f"{s.name} {ms(acks[s.name][str(size)].p99_steady)} / "
                    f"{ms(opens[s.name][str(size)].p99_steady)}"
                    for s in servers
                )
            )
        count = sum(size * rounds for size, rounds in self.plan.bursts.items())
        cpu = {s.name: 1000 * (s.cpu_seconds() - cpu0[s.name]) / count for s in servers}
        return ServerBursts(acks=acks, opens=opens, missing=missing, cpu_ms_per_request=cpu)

    # -- 3. --

    def submissions(self, view: dict[str, Any]) -> Submissions:
        self.say("3. modal submission acknowledgement (campaign lookup normal / slow)")
        normal = self.submission_bursts(view, self.plan.submit_bursts, slow=False)
        slow = self.submission_bursts(view, self.plan.slow_bursts, slow=True)
        return Submissions(
            normal=normal.acks,
            slow_lookup=slow.acks,
            refused_by_validation={"normal": normal.refused, "slow_lookup": slow.refused},
            slow_lookup_seconds=self.slow_lookup,
        )

    def submission_bursts(
        self, view: dict[str, Any], bursts: dict[int, int], *, slow: bool
    ) -> _SubmissionBursts:
        """Bursts of concurrent submissions; with `slow`, only to the bot, each of its campaign
        lookups answered only after `slow_lookup` seconds."""
        servers = [self.bot] if slow else self.servers
        acks: dict[str, SubmissionAck] = {}
        refused = 0
        for size, rounds in bursts.items():
            collected: dict[str, list[loadgen.Result]] = {s.name: [] for s in servers}
            for round_no in range(rounds):
                bodies = self.submission_bodies(view, size)
                for server in [s for s in self.order(round_no, self.servers) if s in servers]:
                    if slow:
                        self.standins.call("braze_delay_next", DETAILS_PATH, self.slow_lookup, size)
                    start = self.standins.slack_count()
                    requests = [self.request(server, b) for b in bodies]
                    results = loadgen.burst(server.port, requests)
                    collected[server.name].extend(results)
                    if server is self.bot:
                        # An inline error (not an empty ack) means validation refused it.
                        refused += sum(1 for r in results if r.body not in (b"", b"{}"))
                        posted = self.standins.wait_count(
                            start, "chat.postMessage", size, timeout=30
                        )
                        if posted < size:
                            raise RuntimeError(f"only {posted}/{size} cards were posted")
                        self.standins.call("braze_clear_injections")
                    self.settle()
            baseline = collected.get("baseline")
            ack = SubmissionAck(
                Summary.of_acks(collected["bot"]),
                Summary.of_acks(baseline) if baseline is not None else None,
            )
            acks[str(size)] = ack
            case = "slow" if slow else "normal"
            self.say(
                f"   {case:>6} lookup, {size:>3} concurrent: bot ack p50 {ms(ack.bot.p50)} "
                f"p99 {ms(ack.bot.p99)}"
            )
        return _SubmissionBursts(acks, refused)

    # -- 4. --

    def approve(self, server: Server, ts: str, request_id: str) -> ApprovalTiming:
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
        return ApprovalTiming(
            ack=result,
            total=total,
            injected=injected,
            standins_own=busy - injected,
            net=total - busy,
        )

    def approvals(self) -> Approval:
        self.say("4. approval: click to thread reply, minus injected latencies")
        cards = self.standins.call("cards", CHANNEL, APPROVE)
        if len(cards) < self.plan.approvals:
            raise RuntimeError(f"only {len(cards)} pending cards to approve")
        runs = []
        baseline_acks = []
        for ts, request_id in cards[: self.plan.approvals]:
            runs.append(self.approve(self.bot, ts, request_id))
            # The same click to the baseline, which only acknowledges it: Bolt's own cost.
            body = self.request(self.baseline, self.click_body(ts, request_id))
            baseline_acks.append(loadgen.one(self.baseline.port, body))
        approval = Approval(
            overhead=Summary.of([r.overhead for r in runs]),
            click_to_reply=Summary.of([r.total for r in runs]),
            injected_per_approval=Summary.of([r.injected for r in runs]),
            standins_own=Summary.of([r.standins_own for r in runs]),
            overhead_without_standins=Summary.of([r.net for r in runs]),
            click_ack=Both(Summary.of_acks([r.ack for r in runs]), Summary.of_acks(baseline_acks)),
        )
        self.say(
            f"   overhead p50 {ms(approval.overhead.p50)} p99 {ms(approval.overhead.p99)} "
            f"(without the stand-ins' own processing: p50 "
            f"{ms(approval.overhead_without_standins.p50)})"
        )
        return approval

    # -- 5. --

    def rate_step(self, server: Server, rate: float) -> RateStep:
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
        ack = Summary.of_acks(run.results)
        step = RateStep(
            rate=rate,
            achieved=run.achieved,
            ack=ack,
            views_open=Summary.of(opens, errors=count - len(opens)),
            cpu_ms_per_request=1000 * cpu / count,
            ok=ack.errors == 0 and ack.p99 < SUSTAINED_P99_LIMIT and run.achieved >= 0.9 * rate,
        )
        self.say(
            f"   {server.name:>8} {rate:7.1f}/s: ack p99 {ms(ack.p99)}, errors "
            f"{ack.errors}, sent {run.achieved:.1f}/s -> {'ok' if step.ok else 'over'}"
        )
        time.sleep(0.5)
        return step

    def highest_rate(self, server: Server) -> SustainedRate:
        """Doubling from the plan's first rate until a step fails, then bisecting."""
        steps = []
        best, over = 0.0, None
        rate = self.plan.rate_start
        for _ in range(self.plan.rate_max_steps):
            step = self.rate_step(server, rate)
            steps.append(step)
            if not step.ok:
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
                low, high = (mid, high) if step.ok else (low, mid)
            best = low
        passing = [s for s in steps if s.ok and s.rate == best]
        return SustainedRate(
            max_rate=best,
            at_max=passing[-1] if passing else None,
            first_failing=over,
            steps=steps,
        )

    def sustained(self) -> Sustained:
        self.say(f"5. highest sustained /sendid rate with ack p99 < {SUSTAINED_P99_LIMIT:.0f} s")
        bot, baseline = self.highest_rate(self.bot), self.highest_rate(self.baseline)
        return Sustained(bot, baseline, ratio(bot.max_rate, baseline.max_rate))


@dataclass(frozen=True)
class _SubmissionBursts:
    acks: dict[str, SubmissionAck]
    refused: int  # answered with inline errors
