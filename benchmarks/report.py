"""The report: the targets checked against the figures, and BENCHMARKS.md."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from benchmarks.results import (
    AckComparison,
    Both,
    Floor,
    Meta,
    Results,
    SubmissionAck,
    Summary,
    Target,
    ratio,
)
from benchmarks.scenarios import SUSTAINED_P99_LIMIT, ms

# Targets (on the 2-core reference machine); the ratios are to the floor, bare Bolt on the
# fastest server measured. benchmarks/NOTES.md lists them for the reader: keep the two in step.
TARGET_ACK_RATIO = 1.3
TARGET_VIEWS_OPEN_RATIO = 1.35
TARGET_VIEWS_OPEN_P99_AT_50 = 0.3
# No acknowledgement and no views.open slower than this in the bursts of this size.
TARGET_MAX_IN_LARGEST_BURST = 1.0
LARGEST_BURST = "100"
TARGET_SUBMIT_P99_SLOW = 1.5
TARGET_APPROVAL_OVERHEAD_P50 = 0.025
TARGET_RSS_MB = 120.0
TARGET_STARTUP_S = 2.0

# ---- targets ------------------------------------------------------------------------------


def targets(results: Results) -> list[Target]:
    rows: list[Target] = []

    def add(name: str, target: str, measured: str, ok: bool) -> None:
        rows.append(Target(name=name, target=target, measured=measured, ok=bool(ok)))

    for who, acks in (
        ("new users", results.command_ack),
        ("returning users", results.command_ack_returning),
    ):
        for size, per in acks.items():
            add(
                f"/sendid ack p99, burst of {size}, {who}",
                f"<= {TARGET_ACK_RATIO}x floor",
                f"{per.ratio_p99:.2f}x ({ms(per.bot.p99_steady)} vs {ms(per.baseline.p99_steady)})",
                per.ratio_p99 <= TARGET_ACK_RATIO and per.bot.errors == 0,
            )
    for who, all_opens in (
        ("new users", results.views_open),
        ("returning users", results.views_open_returning),
    ):
        for size, both in all_opens.items():
            times = ratio(both.bot.p99_steady, both.baseline.p99_steady)
            add(
                f"views.open p99, burst of {size}, {who}",
                f"<= {TARGET_VIEWS_OPEN_RATIO}x floor",
                f"{times:.2f}x ({ms(both.bot.p99_steady)} vs {ms(both.baseline.p99_steady)})",
                times <= TARGET_VIEWS_OPEN_RATIO,
            )
    for who, acks, all_opens in (
        ("new users", results.command_ack, results.views_open),
        ("returning users", results.command_ack_returning, results.views_open_returning),
    ):
        largest_ack, largest_open = acks.get(LARGEST_BURST), all_opens.get(LARGEST_BURST)
        if largest_ack and largest_open:
            ack_max, open_max = largest_ack.bot.max, largest_open.bot.max
            add(
                f"slowest /sendid ack and views.open, burst of {LARGEST_BURST}, {who}",
                f"< {TARGET_MAX_IN_LARGEST_BURST:.0f} s",
                f"{ms(ack_max)} / {ms(open_max)}",
                ack_max < TARGET_MAX_IN_LARGEST_BURST
                and open_max < TARGET_MAX_IN_LARGEST_BURST
                and largest_ack.bot.errors == 0,
            )
    opens = results.views_open.get("50")
    if opens:
        add(
            "views.open reached p99, 50 concurrent, new users",
            f"< {TARGET_VIEWS_OPEN_P99_AT_50 * 1000:.0f} ms",
            ms(opens.bot.p99),
            opens.bot.p99 < TARGET_VIEWS_OPEN_P99_AT_50,
        )
    submissions = results.submission_ack
    for size, slow in submissions.slow_lookup.items():
        add(
            f"submission ack p99, {size} concurrent, "
            f"{submissions.slow_lookup_seconds:.0f} s Braze lookup",
            f"< {TARGET_SUBMIT_P99_SLOW} s",
            ms(slow.bot.p99),
            slow.bot.p99 < TARGET_SUBMIT_P99_SLOW and slow.bot.errors == 0,
        )
    over = results.approval.overhead
    add(
        "approval overhead p50",
        f"< {TARGET_APPROVAL_OVERHEAD_P50 * 1000:.0f} ms",
        ms(over.p50),
        over.p50 < TARGET_APPROVAL_OVERHEAD_P50,
    )
    rss = results.rss.bot
    add(
        "bot RSS (idle / after load / peak)",
        f"< {TARGET_RSS_MB:.0f} MB",
        f"{rss.idle:.1f} / {rss.after_load:.1f} / {rss.peak:.1f} MB",
        max(rss.idle, rss.after_load, rss.peak) < TARGET_RSS_MB,
    )
    startup = results.startup.bot
    add(
        "bot start-up to /readyz (max of trials)",
        f"< {TARGET_STARTUP_S} s",
        f"{startup.max:.2f} s",
        startup.max < TARGET_STARTUP_S,
    )
    return rows


# ---- BENCHMARKS.md ------------------------------------------------------------------------


def table(header: Sequence[str], align: str, rows: Iterable[Sequence[object]]) -> list[str]:
    """A Markdown table; `align` has one letter per column: l(eft) or r(ight)."""
    rule = ["---:" if a == "r" else "---" for a in align]
    return [_row(header), _row(rule), *(_row([str(cell) for cell in row]) for row in rows)]


def section(title: str, *blocks: str | list[str]) -> list[str]:
    """A section: its title, then each paragraph (a string) or table (lines), blank lines
    between them."""
    lines = [title]
    for block in blocks:
        lines += ["", *([block] if isinstance(block, str) else block)]
    return lines


def _row(cells: Sequence[str]) -> str:
    return "|" + "".join(f" {cell} |" if cell else " |" for cell in cells)


def percentiles(summary: Summary) -> list[str]:
    return [ms(summary.p50), ms(summary.p95), ms(summary.p99)]


def percentile_columns(who: str) -> list[str]:
    return [f"{who} p50", f"{who} p95", f"{who} p99"]


def render(results: Results, notes: str) -> str:
    sections = [
        header(results.meta),
        targets_section(results.targets),
        *([floor_section(results.floor)] if results.floor else []),
        acks_section(results),
        views_open_section(results),
        submissions_section(results),
        approval_section(results),
        sustained_section(results),
        startup_section(results),
    ]
    lines = [line for section in sections for line in ["", *section]][1:]
    if notes.strip():
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


def header(meta: Meta) -> list[str]:
    machine = meta.machine
    return [
        "# Benchmarks",
        "",
        "Written by `./scripts/bench` (`python -m benchmarks`); do not edit by hand except the "
        "notes at the end, which come from `benchmarks/NOTES.md`.",
        "",
        f"- Run: {meta.when}, plan `{meta.plan}`, commit `{machine.commit}`, "
        f"{meta.duration_s:.0f} s",
        f"- Machine: {machine.cpu}, {machine.cores} cores, {machine.memory_gb} GB, "
        f"{machine.os}; load average (1/5/15 min) {_load(meta.load_average_before)} before the "
        f"run, {_load(meta.load_average_after)} after",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in meta.versions.items()),
        f"- Stand-ins: Slack and Braze on loopback in their own process, injected latency "
        f"{meta.slack_latency_ms:.0f} ms (Slack) and {meta.braze_latency_ms:.0f} ms "
        f"(Braze) per call; slow campaign lookup {meta.slow_lookup_s:.0f} s",
        "- Servers: the bot (`python -m bot`, HTTP mode, SQLite, LOG_LEVEL=INFO, its own "
        "server) and bare Bolt (`benchmarks/baseline_app.py`: ack and a static `views.open`, "
        f"listener threads: {meta.baseline_threads}, Bolt's own WSGI adapter) on each server of "
        "the floor table, each in its own process, all sent the same signed requests in turns; "
        "the *baseline* (the floor) is bare Bolt on the fastest of them. "
        f"A request not answered within {meta.request_timeout_s:.0f} s "
        "counts as an error.",
        "- The machine is shared (2 cores; other test runs may be going on): the /sendid "
        "bursts go to every server in turns (who goes first rotates each round), their rounds "
        "come in blocks, and the p99 compared is the *median over the blocks of each block's "
        'p99* ("p99 med"); the pooled p99 is shown too.',
        "- Latency is measured by the load generator from just before connecting to the last "
        "byte of the answer (new connection per request, as concurrent requests from Slack "
        "arrive). Percentiles are nearest-rank; n = number of samples.",
    ]


def targets_section(rows: list[Target]) -> list[str]:
    marks = [
        (row.name, row.target, row.measured, "met" if row.ok else "**missed**") for row in rows
    ]
    return section("## Targets", table(["target", "wanted", "measured", ""], "llll", marks))


def acks_section(results: Results) -> list[str]:
    def row(who: str, size: str, per: AckComparison) -> list[object]:
        b, a = per.bot, per.baseline
        ratios = [f"{per.ratio_p50:.2f}", f"{per.ratio_p99:.2f}"]
        return [
            who,
            size,
            b.n,
            *percentiles(b),
            ms(b.p99_steady),
            *percentiles(a),
            ms(a.p99_steady),
            *ratios,
            f"{b.errors}/{a.errors}",
        ]

    users = (("new", results.command_ack), ("returning", results.command_ack_returning))
    rows = [row(who, size, per) for who, acks in users for size, per in acks.items()]
    columns = ["users", "burst", "n", *percentile_columns("bot"), "bot p99 med"]
    columns += [*percentile_columns("baseline"), "baseline p99 med"]
    columns += ["ratio p50", "ratio p99 med", "errors bot/baseline"]
    return section(
        "## 1. /sendid acknowledgement latency (bursts of concurrent requests)",
        "*new*: every command from a marketer the bot has not seen (nothing per-user cached: the "
        "bot looks the locale up with `users.info`); *returning*: from 20 marketers it has seen.",
        table(columns, "lrrrrrrrrrrrrl", rows),
    )


def floor_section(floor: Floor) -> list[str]:
    """Bare Bolt on each server: the p99 (median over blocks) of every burst."""
    names = list(floor.scores)
    rows = []
    for users in floor.acks:
        sizes = list(floor.acks[users][names[0]])
        for size in sizes:
            cells = [
                f"{ms(floor.acks[users][n][size].p99_steady)} / "
                f"{ms(floor.opens[users][n][size].p99_steady)}"
                for n in names
            ]
            rows.append([users, size, *cells])
    rows.append(["", "geometric mean", *(ms(floor.scores[n]) for n in names)])
    return section(
        "## The floor: bare Bolt on each server",
        "The same bursts as in sections 1 and 2, in turns with the bot: ack p99 / views.open "
        "p99 (median over blocks) of bare Bolt on each server (threads 100 unless the name "
        "says, waitress with `connection_limit=1000`, gunicorn's `gthread` worker, one "
        f"process; listen backlog 1024 for all). The fastest, **{floor.chosen}** (lowest "
        "geometric mean of all these p99), is the baseline of every other section.",
        table(["users", "burst", *names], "lr" + "r" * len(names), rows),
    )


def views_open_section(results: Results) -> list[str]:
    rows = [
        [
            who,
            size,
            *percentiles(per.bot),
            ms(per.bot.p99_steady),
            *percentiles(per.baseline),
            ms(per.baseline.p99_steady),
            f"{ratio(per.bot.p99_steady, per.baseline.p99_steady):.2f}",
        ]
        for who, opens in (("new", results.views_open), ("returning", results.views_open_returning))
        for size, per in opens.items()
    ]
    missing = _sum(results.views_open_missing, results.views_open_missing_returning)
    columns = ["users", "burst", *percentile_columns("bot"), "bot p99 med"]
    columns += [*percentile_columns("baseline"), "baseline p99 med", "ratio p99 med"]
    return section(
        "## 2. From sending /sendid to the Slack stand-in receiving views.open",
        table(columns, "lrrrrrrrrrr", rows),
        f"Acknowledged but views.open never received: bot {missing.bot}, baseline "
        f"{missing.baseline}.",
    )


def submissions_section(results: Results) -> list[str]:
    submissions = results.submission_ack

    def row(lookup: str, size: str, per: SubmissionAck) -> list[object]:
        baseline = [ms(per.baseline.p50), ms(per.baseline.p99)] if per.baseline else ["—", "—"]
        return [lookup, size, per.bot.n, *percentiles(per.bot), ms(per.bot.max), *baseline]

    lookups = (("normal", submissions.normal), ("slow", submissions.slow_lookup))
    rows = [row(lookup, size, per) for lookup, acks in lookups for size, per in acks.items()]
    refused = submissions.refused_by_validation
    columns = ["lookup", "concurrent", "n", *percentile_columns("bot"), "bot max"]
    columns += ["baseline p50", "baseline p99"]
    return section(
        "## 3. Modal submission acknowledgement",
        "The bot validates before it acknowledges (format, duplicate pair, quota, and Braze's "
        "campaign-details lookup, time-boxed), then saves the request; the baseline only "
        "acknowledges. *slow* = Braze answers the lookup after "
        f"{submissions.slow_lookup_seconds:.0f} s; the slow bursts run largest first, so the "
        "first one meets a bot that has not seen Braze slow yet (a bot that pauses lookups after a "
        "time-out answers the later ones without waiting).",
        table(columns, "lrrrrrrrr", rows),
        f"Submissions answered with inline errors instead of an empty ack: normal "
        f"{refused['normal']}, slow {refused['slow_lookup']} (expected 0).",
    )


def approval_section(results: Results) -> list[str]:
    approval = results.approval
    figures = [
        ("overhead (bot's own)", approval.overhead),
        ("click to reply", approval.click_to_reply),
        ("injected latency", approval.injected_per_approval),
        ("stand-ins' own processing", approval.standins_own),
        ("overhead without the stand-ins' processing", approval.overhead_without_standins),
        ("click ack, bot", approval.click_ack.bot),
        ("click ack, baseline", approval.click_ack.baseline),
    ]
    rows = [[label, s.n, *percentiles(s), ms(s.max)] for label, s in figures]
    return section(
        "## 4. Approval: Approve click to the thread reply, minus injected latencies",
        "Sequential approvals. On the way the bot makes Slack and Braze calls (card update, "
        "`/sends/id/create`, card update); their injected latency is subtracted, what remains "
        "is the bot's own time (and Bolt's, and the loopback round trips).",
        table(["", "n", "p50", "p95", "p99", "max"], "lrrrrr", rows),
    )


def sustained_section(results: Results) -> list[str]:
    sustained, meta = results.sustained, results.meta
    rows = [
        [
            name,
            f"{step.rate:.0f}",
            f"{step.achieved:.0f}",
            ms(step.ack.p50),
            ms(step.ack.p99),
            step.ack.errors,
            ms(step.views_open.p99),
            f"{step.cpu_ms_per_request:.2f}",
            "ok" if step.ok else "over",
        ]
        for name, rate in (("bot", sustained.bot), ("baseline", sustained.baseline))
        for step in rate.steps
    ]
    columns = [
        "server",
        "rate /s",
        "sent /s",
        "ack p50",
        "ack p99",
        "errors",
        "views.open p99",
        "CPU ms/request",
        "",
    ]
    return section(
        f"## 5. Highest sustained /sendid rate with ack p99 < {SUSTAINED_P99_LIMIT:.0f} s",
        "/sendid from the 20 returning marketers (the steady state). "
        f"Open loop, {meta.rate_seconds:.0f} s per step: doubling from "
        f"{meta.rate_start:.0f}/s until a step fails (an error, p99 >= 1 s, or the generator "
        "could not send at 90 % of the rate), then bisecting.",
        (
            f"- bot: **{sustained.bot.max_rate:.0f}/s**; baseline: **"
            f"{sustained.baseline.max_rate:.0f}/s**; ratio {sustained.ratio:.2f}"
        ),
        table(columns, "lrrrrrrrl", rows),
    )


def startup_section(results: Results) -> list[str]:
    rows = [
        [
            name,
            f"{startup.median:.2f} s",
            f"{startup.max:.2f} s",
            len(startup.samples),
            f"{rss.idle:.1f} MB",
            f"{rss.after_load:.1f} MB",
            f"{rss.peak:.1f} MB",
        ]
        for name, startup, rss in (
            ("bot", results.startup.bot, results.rss.bot),
            ("baseline", results.startup.baseline, results.rss.baseline),
        )
    ]
    cpu = results.cpu
    columns = [
        "server",
        "start-up median",
        "start-up max",
        "trials",
        "RSS idle",
        "RSS after load",
        "RSS peak",
    ]
    return section(
        "## 6. Start-up and memory",
        "Start-up: from starting the process to the first `GET /readyz` = 200 (polled every "
        "5 ms); the bot's includes Bolt's `auth.test` against the stand-in (one injected "
        "latency) and creating the SQLite schema.",
        table(columns, "lrrrrrr", rows),
        "CPU used by each server process during the /sendid bursts, per request: new users: "
        f"bot {cpu.bot.bursts_new_ms_per_request:.2f} ms, baseline "
        f"{cpu.baseline.bursts_new_ms_per_request:.2f} ms; returning users: bot "
        f"{cpu.bot.bursts_returning_ms_per_request:.2f} ms, baseline "
        f"{cpu.baseline.bursts_returning_ms_per_request:.2f} ms.",
    )


def _sum(a: Both[int], b: Both[int]) -> Both[int]:
    return Both(a.bot + b.bot, a.baseline + b.baseline)


def _load(values: list[float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)
