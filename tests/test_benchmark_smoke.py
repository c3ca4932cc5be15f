"""The benchmark harness works: its quick variant runs and produces every figure.

Not a timed test: no figure is compared with a target here (that is `./scripts/bench`'s job on a
quiet machine); only that each one was measured.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path
from typing import Any

from tests.support.bots import clean_env
from tests.support.processes import Processes

SUMMARY_KEYS = ("n", "errors", "p50", "p95", "p99", "max")
BURSTS = ("1", "10", "50", "100")


def assert_summary(value: Any, where: str) -> None:
    """A measured figure: samples, percentiles. Failed requests (a server too slow for the
    request time-out) are a result, not a harness failure: reported, not asserted here."""
    assert isinstance(value, dict), where
    for key in SUMMARY_KEYS:
        assert key in value, f"{where}: no {key}"
    assert value["n"] > 0, f"{where}: no samples"
    for key in ("p50", "p95", "p99", "max"):
        number = value[key]
        assert isinstance(number, float) and math.isfinite(number) and number >= 0, (where, key)


def test_the_quick_benchmark_produces_every_figure(tmp_path: Path, processes: Processes) -> None:
    report, figures = tmp_path / "BENCHMARKS.md", tmp_path / "figures.json"
    command = [sys.executable, "-m", "benchmarks", "--quick"]
    finished = processes.run(
        [*command, "--out", str(report), "--json", str(figures)], clean_env(), timeout=110
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    results = json.loads(figures.read_text())

    for users in ("", "_returning"):  # 1. and 2., from new and from returning users
        for size in BURSTS:
            for server in ("bot", "baseline"):
                where = f"{size}{users} {server}"
                assert_summary(results["command_ack" + users][size][server], f"ack {where}")
                assert_summary(results["views_open" + users][size][server], f"open {where}")
            assert math.isfinite(results["command_ack" + users][size]["ratio_p99"])
        assert results["views_open_missing" + users] == {"bot": 0, "baseline": 0}
    for server in ("bot", "baseline"):
        assert results["cpu"][server]["bursts_new_ms_per_request"] > 0

    # The floor: bare Bolt on every candidate server, the fastest chosen as the baseline.
    floor = results["floor"]
    assert set(floor["scores"]) == {"waitress", "cheroot", "gunicorn"}
    assert floor["chosen"] == min(floor["scores"], key=floor["scores"].get)
    for measured in ("acks", "opens"):
        for users in ("new", "returning"):
            for name, sizes in floor[measured][users].items():
                for size in BURSTS:
                    assert_summary(sizes[size], f"floor {measured} {users} {name} {size}")

    submissions = results["submission_ack"]  # 3.
    assert submissions["normal"] and submissions["slow_lookup"]
    for case in ("normal", "slow_lookup"):
        for size, per in submissions[case].items():
            assert_summary(per["bot"], f"submission {case} {size}")
    # Every submission passed validation: the ack is empty, the request saved.
    assert submissions["refused_by_validation"] == {"normal": 0, "slow_lookup": 0}
    # The slow lookup really was slow: the first burst waited for the time box (the bot then
    # pauses lookups, so later bursts need not), and none waited for Braze's 5 s answer.
    slow = [per["bot"] for per in submissions["slow_lookup"].values()]
    assert max(s["p50"] for s in slow) > 0.5
    assert max(s["max"] for s in slow) < 5.0

    approval = results["approval"]  # 4.
    for key in ("overhead", "click_to_reply", "injected_per_approval", "standins_own"):
        assert_summary(approval[key], f"approval {key}")
    assert approval["injected_per_approval"]["p50"] > 0
    assert_summary(approval["click_ack"]["bot"], "click ack bot")
    assert_summary(approval["click_ack"]["baseline"], "click ack baseline")

    for server in ("bot", "baseline"):  # 5.
        sustained = results["sustained"][server]
        assert sustained["max_rate"] > 0 and sustained["steps"], server
        assert_summary(sustained["at_max"]["ack"], f"sustained {server}")

    for server in ("bot", "baseline"):  # 6.
        assert results["startup"][server]["samples"], server
        assert 0 < results["startup"][server]["max"] < 60
        for key in ("idle", "after_load", "peak"):
            assert 1 < results["rss"][server][key] < 10_000, (server, key)

    names = " | ".join(row["name"] for row in results["targets"])
    for kind in (
        "ack p99",
        "views.open p99",
        "views.open",
        "submission ack",
        "approval",
        "RSS",
        "start-up",
    ):
        assert kind in names, kind
    assert all(isinstance(row["ok"], bool) for row in results["targets"])

    text = report.read_text()
    for heading in (
        "## Targets",
        "## The floor",
        "## 1.",
        "## 2.",
        "## 3.",
        "## 4.",
        "## 5.",
        "## 6.",
    ):
        assert heading in text
    assert "n/a" not in text and not re.search(r"\bnan\b", text, re.IGNORECASE)
