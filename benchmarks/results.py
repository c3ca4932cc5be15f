"""The figures of one benchmark run, as typed records.

``--json`` writes :class:`Results` as it is (``dataclasses.asdict``); ``--from-json`` reads it
back (:meth:`Results.from_dict`) to write the report again. Times are in seconds.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from benchmarks import loadgen

T = TypeVar("T")


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) else math.nan


@dataclass(frozen=True)
class Summary:
    """Latencies: how many, how many failed, and their percentiles."""

    n: int
    errors: int
    p50: float
    p95: float
    p99: float
    max: float
    # The median over blocks of rounds of each block's p99, where the samples came in blocks
    # (the /sendid bursts): steadier than the pooled p99 on a machine others use too.
    p99_median: float | None = None

    @classmethod
    def of(
        cls, values: Sequence[float], errors: int = 0, blocks: Sequence[Sequence[float]] = ()
    ) -> Summary:
        p99s = [percentile(block, 99) for block in blocks if block]
        return cls(
            n=len(values),
            errors=errors,
            p50=percentile(values, 50),
            p95=percentile(values, 95),
            p99=percentile(values, 99),
            max=max(values) if values else math.nan,
            p99_median=percentile(p99s, 50) if p99s else None,
        )

    @classmethod
    def of_acks(
        cls, results: Sequence[loadgen.Result], blocks: Sequence[Sequence[loadgen.Result]] = ()
    ) -> Summary:
        """Latency of the requests answered 200; every other one is an error."""
        good = [r.latency for r in results if r.status == 200]
        in_blocks = [[r.latency for r in block if r.status == 200] for block in blocks]
        return cls.of(good, errors=len(results) - len(good), blocks=in_blocks)

    @property
    def p99_steady(self) -> float:
        """The median of the blocks' p99 where there are blocks, else the pooled p99."""
        return self.p99 if self.p99_median is None else self.p99_median


@dataclass(frozen=True)
class Both(Generic[T]):
    """One figure for each server under test."""

    bot: T
    baseline: T

    @classmethod
    def from_dict(cls, data: dict[str, Any], item: Callable[[Any], T]) -> Both[T]:
        return cls(bot=item(data["bot"]), baseline=item(data["baseline"]))


@dataclass(frozen=True)
class AckComparison:
    bot: Summary
    baseline: Summary
    ratio_p50: float  # bot / baseline
    ratio_p99: float

    @classmethod
    def between(cls, bot: Summary, baseline: Summary) -> AckComparison:
        p99 = ratio(bot.p99_steady, baseline.p99_steady)
        return cls(bot, baseline, ratio(bot.p50, baseline.p50), p99)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AckComparison:
        bot, baseline = Summary(**data["bot"]), Summary(**data["baseline"])
        return cls(bot, baseline, data["ratio_p50"], data["ratio_p99"])


@dataclass(frozen=True)
class CommandBursts:
    """Sections 1 and 2 for one kind of user (new or returning), by burst size."""

    acks: dict[str, AckComparison]
    opens: dict[str, Both[Summary]]  # from sending /sendid to views.open reaching Slack
    missing: Both[int]  # acknowledged, yet views.open never arrived
    cpu_ms_per_request: Both[float]


@dataclass(frozen=True)
class ServerBursts:
    """Sections 1 and 2 for one kind of user, every server by name (the bot is "bot")."""

    acks: dict[str, dict[str, Summary]]  # server -> burst size -> acknowledgement latency
    opens: dict[str, dict[str, Summary]]  # server -> burst size -> views.open reached
    missing: dict[str, int]
    cpu_ms_per_request: dict[str, float]

    def against(self, baseline: str) -> CommandBursts:
        """The bot against one of the others."""
        return CommandBursts(
            acks={
                size: AckComparison.between(ack, self.acks[baseline][size])
                for size, ack in self.acks["bot"].items()
            },
            opens={
                size: Both(summary, self.opens[baseline][size])
                for size, summary in self.opens["bot"].items()
            },
            missing=Both(self.missing["bot"], self.missing[baseline]),
            cpu_ms_per_request=Both(
                self.cpu_ms_per_request["bot"], self.cpu_ms_per_request[baseline]
            ),
        )


@dataclass(frozen=True)
class Floor:
    """Bare Bolt on each candidate server, from the same bursts as the bot (sections 1, 2):
    users ("new"/"returning") -> server -> burst size. The fastest is the baseline."""

    acks: dict[str, dict[str, dict[str, Summary]]]
    opens: dict[str, dict[str, dict[str, Summary]]]
    # Geometric mean of every ack and views.open p99 (median over blocks), in seconds.
    scores: dict[str, float]
    chosen: str

    @classmethod
    def of(cls, bursts: dict[str, ServerBursts]) -> Floor:
        def without_bot(per: dict[str, dict[str, Summary]]) -> dict[str, dict[str, Summary]]:
            return {name: sizes for name, sizes in per.items() if name != "bot"}

        acks = {users: without_bot(b.acks) for users, b in bursts.items()}
        opens = {users: without_bot(b.opens) for users, b in bursts.items()}
        scores: dict[str, float] = {}
        for name in next(iter(acks.values())):
            p99s = [
                summary.p99_steady
                for figures in (acks, opens)
                for per_users in figures.values()
                for summary in per_users[name].values()
            ]
            good = [p for p in p99s if p > 0 and math.isfinite(p)]
            scores[name] = math.exp(sum(map(math.log, good)) / len(good)) if good else math.inf
        return cls(acks, opens, scores, min(scores, key=scores.__getitem__))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Floor:
        def summaries(per: dict[str, Any]) -> dict[str, dict[str, dict[str, Summary]]]:
            return {
                users: {
                    name: {size: Summary(**s) for size, s in sizes.items()}
                    for name, sizes in servers.items()
                }
                for users, servers in per.items()
            }

        return cls(
            summaries(data["acks"]), summaries(data["opens"]), data["scores"], data["chosen"]
        )


@dataclass(frozen=True)
class SubmissionAck:
    bot: Summary
    baseline: Summary | None = None  # the slow lookup is the bot's alone

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionAck:
        baseline = data.get("baseline")
        return cls(Summary(**data["bot"]), Summary(**baseline) if baseline else None)


@dataclass(frozen=True)
class Submissions:
    """Section 3, by number of concurrent submissions."""

    normal: dict[str, SubmissionAck]
    slow_lookup: dict[str, SubmissionAck]
    refused_by_validation: dict[str, int]  # "normal"/"slow_lookup": answered with inline errors
    slow_lookup_seconds: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Submissions:
        return cls(
            normal={k: SubmissionAck.from_dict(v) for k, v in data["normal"].items()},
            slow_lookup={k: SubmissionAck.from_dict(v) for k, v in data["slow_lookup"].items()},
            refused_by_validation=dict(data["refused_by_validation"]),
            slow_lookup_seconds=data["slow_lookup_seconds"],
        )


@dataclass(frozen=True)
class Approval:
    """Section 4."""

    overhead: Summary  # click to reply, minus the injected latencies: the bot's own time
    click_to_reply: Summary
    injected_per_approval: Summary
    standins_own: Summary  # the stand-ins' own processing, besides the injected latency
    overhead_without_standins: Summary
    click_ack: Both[Summary]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Approval:
        summaries = {k: Summary(**v) for k, v in data.items() if k != "click_ack"}
        return cls(**summaries, click_ack=Both.from_dict(data["click_ack"], _summary))


@dataclass(frozen=True)
class RateStep:
    rate: float  # asked for, per second
    achieved: float  # sent per second
    ack: Summary
    views_open: Summary
    cpu_ms_per_request: float
    ok: bool  # no error, ack p99 under the limit, sent at 90 % of the rate at least

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RateStep:
        summaries = {"ack": Summary(**data["ack"]), "views_open": Summary(**data["views_open"])}
        return cls(**{**data, **summaries})


@dataclass(frozen=True)
class SustainedRate:
    max_rate: float
    at_max: RateStep | None
    first_failing: float | None
    steps: list[RateStep]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SustainedRate:
        at_max = data["at_max"]
        return cls(
            max_rate=data["max_rate"],
            at_max=RateStep.from_dict(at_max) if at_max else None,
            first_failing=data["first_failing"],
            steps=[RateStep.from_dict(step) for step in data["steps"]],
        )


@dataclass(frozen=True)
class Sustained:
    """Section 5."""

    bot: SustainedRate
    baseline: SustainedRate
    ratio: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sustained:
        rates = Both.from_dict(data, SustainedRate.from_dict)
        return cls(rates.bot, rates.baseline, data["ratio"])


@dataclass(frozen=True)
class Startup:
    samples: list[float]
    median: float
    max: float

    @classmethod
    def of(cls, samples: list[float]) -> Startup:
        return cls(samples, percentile(samples, 50), max(samples))


@dataclass(frozen=True)
class Memory:
    """RSS in MB."""

    idle: float
    after_load: float
    peak: float


@dataclass(frozen=True)
class CpuUse:
    bursts_new_ms_per_request: float
    bursts_returning_ms_per_request: float


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int | None
    memory_gb: float
    os: str
    commit: str


@dataclass(frozen=True)
class Meta:
    when: str
    plan: str
    duration_s: float
    machine: Machine
    versions: dict[str, str]
    slack_latency_ms: float
    braze_latency_ms: float
    slow_lookup_s: float
    baseline_threads: str
    load_average_before: list[float]
    load_average_after: list[float]
    rate_seconds: float
    rate_start: float
    request_timeout_s: float = loadgen.TIMEOUT  # not in the figures of older runs

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Meta:
        return cls(**{**data, "machine": Machine(**data["machine"])})


@dataclass(frozen=True)
class Target:
    name: str
    target: str
    measured: str
    ok: bool


@dataclass(frozen=True)
class Results:
    """Everything one run measured, named as in the JSON file."""

    command_ack: dict[str, AckComparison]  # new users, by burst size
    command_ack_returning: dict[str, AckComparison]
    views_open: dict[str, Both[Summary]]
    views_open_returning: dict[str, Both[Summary]]
    views_open_missing: Both[int]
    views_open_missing_returning: Both[int]
    cpu: Both[CpuUse]
    submission_ack: Submissions
    approval: Approval
    sustained: Sustained
    startup: Both[Startup]
    rss: Both[Memory]
    meta: Meta
    targets: list[Target]
    floor: Floor | None = None  # runs before the floor was measured on several servers

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, default=float) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Results:
        def opens(per_size: dict[str, Any]) -> dict[str, Both[Summary]]:
            return {size: Both.from_dict(per, _summary) for size, per in per_size.items()}

        def acks(per_size: dict[str, Any]) -> dict[str, AckComparison]:
            return {size: AckComparison.from_dict(per) for size, per in per_size.items()}

        return cls(
            command_ack=acks(data["command_ack"]),
            command_ack_returning=acks(data["command_ack_returning"]),
            views_open=opens(data["views_open"]),
            views_open_returning=opens(data["views_open_returning"]),
            views_open_missing=Both.from_dict(data["views_open_missing"], int),
            views_open_missing_returning=Both.from_dict(data["views_open_missing_returning"], int),
            cpu=Both.from_dict(data["cpu"], lambda cpu: CpuUse(**cpu)),
            submission_ack=Submissions.from_dict(data["submission_ack"]),
            approval=Approval.from_dict(data["approval"]),
            sustained=Sustained.from_dict(data["sustained"]),
            startup=Both.from_dict(data["startup"], lambda startup: Startup(**startup)),
            rss=Both.from_dict(data["rss"], lambda rss: Memory(**rss)),
            meta=Meta.from_dict(data["meta"]),
            targets=[Target(**target) for target in data["targets"]],
            floor=Floor.from_dict(data["floor"]) if data.get("floor") else None,
        )


def _summary(data: dict[str, Any]) -> Summary:
    return Summary(**data)
