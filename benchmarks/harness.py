"""The benchmark run: start everything, measure, print, write BENCHMARKS.md (and JSON).

See the package docstring (``benchmarks/__init__.py``) for what is measured and how; the
servers are in ``servers.py``, the phases in ``scenarios.py``, the figures in ``results.py`` and
the report in ``report.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from importlib import metadata
from pathlib import Path

from benchmarks import procstats, report
from benchmarks.results import Both, CpuUse, Floor, Machine, Memory, Meta, Results
from benchmarks.scenarios import FULL, QUICK, Run
from benchmarks.servers import PeakRss, Server, started_servers
from benchmarks.standins import Setup, StandIns
from tests.support.constants import BOT_TOKEN, BRAZE_KEY, CAMPAIGN, CAMPAIGN_NAME

ROOT = Path(__file__).resolve().parents[1]


def run(args: argparse.Namespace) -> Results:
    plan = QUICK if args.quick else FULL
    began = time.monotonic()
    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="sendid-bench-"))
    standins = StandIns(
        Setup(
            bot_token=BOT_TOKEN,
            braze_key=BRAZE_KEY,
            campaigns={CAMPAIGN: CAMPAIGN_NAME},
            slack_latency=args.slack_latency_ms / 1000,
            braze_latency=args.braze_latency_ms / 1000,
        )
    )
    try:
        with started_servers(
            standins, plan.startup_trials, args.baseline_threads, args.floor, workdir
        ) as (servers, startups):
            print(
                "6. start-up (median): "
                + ", ".join(f"{name} {s.median:.2f} s" for name, s in startups.items()),
                flush=True,
            )
            time.sleep(1.0)
            idle = {server.name: server.rss_mb() for server in servers.all}
            bench = Run(plan, standins, servers, args.slow_lookup_s)
            with PeakRss(servers.all) as peak:
                view = bench.warm_up()
                # Bot and every floor candidate in turns, new users then returning ones.
                bursts = {
                    "new": bench.command_bursts(new_users=True),
                    "returning": bench.command_bursts(new_users=False),
                }
                floor = Floor.of(bursts)
                print(f"   the floor: bare Bolt on {floor.chosen} (the fastest)", flush=True)
                bench.choose(floor.chosen)
                new = bursts["new"].against(floor.chosen)
                returning = bursts["returning"].against(floor.chosen)
                submissions = bench.submissions(view)
                approval = bench.approvals()
                sustained = bench.sustained()
                after_load = Both(servers.bot.rss_mb(), bench.baseline.rss_mb())
            chosen = bench.baseline.name
            rss = Both(
                memory(servers.bot, idle["bot"], after_load.bot, peak.peak["bot"]),
                memory(bench.baseline, idle[chosen], after_load.baseline, peak.peak[chosen]),
            )
            startup = Both(startups["bot"], startups[chosen])
        print(
            f"6. RSS bot idle {rss.bot.idle:.1f} MB, after load {rss.bot.after_load:.1f} MB, "
            f"peak {rss.bot.peak:.1f} MB",
            flush=True,
        )
        meta = Meta(
            when=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            plan=plan.name,
            duration_s=time.monotonic() - began,
            machine=machine(),
            versions=versions(),
            slack_latency_ms=args.slack_latency_ms,
            braze_latency_ms=args.braze_latency_ms,
            slow_lookup_s=args.slow_lookup_s,
            baseline_threads=args.baseline_threads,
            # Others' work on the machine disturbs the figures: say how busy it was.
            load_average_before=[round(x, 2) for x in load_before],
            load_average_after=[round(x, 2) for x in os.getloadavg()],
            rate_seconds=plan.rate_seconds,
            rate_start=plan.rate_start,
            request_timeout_s=plan.request_timeout,
        )
        new_cpu, returning_cpu = new.cpu_ms_per_request, returning.cpu_ms_per_request
        cpu = Both(
            CpuUse(new_cpu.bot, returning_cpu.bot),
            CpuUse(new_cpu.baseline, returning_cpu.baseline),
        )
        results = Results(
            command_ack=new.acks,
            command_ack_returning=returning.acks,
            views_open=new.opens,
            views_open_returning=returning.opens,
            views_open_missing=new.missing,
            views_open_missing_returning=returning.missing,
            cpu=cpu,
            submission_ack=submissions,
            approval=approval,
            sustained=sustained,
            startup=startup,
            rss=rss,
            meta=meta,
            targets=[],
            floor=floor,
        )
        return dataclasses.replace(results, targets=report.targets(results))
    finally:
        standins.stop()
        if args.keep:
            print(f"logs and databases kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def memory(server: Server, idle: float, after_load: float, sampled_peak: float) -> Memory:
    # The kernel's high-water mark catches a peak between two samples.
    peak = max(sampled_peak, after_load, server.peak_rss_mb() or 0.0)
    return Memory(idle=idle, after_load=after_load, peak=peak)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    names = ("slack_bolt", "slack_sdk", "waitress", "cheroot", "gunicorn", "httpx", "SQLAlchemy")
    for name in (*names, "pydantic"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "?"
    return out


def machine() -> Machine:
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
    return Machine(
        cpu=cpu,
        cores=os.cpu_count(),
        memory_gb=procstats.memory_gb(),
        os=f"{platform.system()} {platform.release()}",
        commit=commit,
    )


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
        "--floor",
        type=lambda text: [spec for spec in text.split(",") if spec],
        default=["waitress", "cheroot", "gunicorn"],
        help="servers to measure bare Bolt on, the fastest being the floor: comma-separated "
        "waitress, cheroot, gunicorn, each optionally with :threads (default 100)",
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
    if args.from_json:
        results = Results.from_dict(json.loads(args.from_json.read_text()))
    else:
        results = run(args)
    print()
    for row in results.targets:
        mark = "met   " if row.ok else "MISSED"
        print(f"{mark} {row.name}: {row.measured} (wanted {row.target})")
    if args.json is not None:
        args.json.write_text(results.to_json())
    if args.out is not None:
        notes = args.notes.read_text() if args.notes.is_file() else ""
        args.out.write_text(report.render(results, notes))
        print(f"\nwrote {args.out}")
    return 0
