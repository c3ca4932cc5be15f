"""Fixtures of the reliability suite: watched stand-ins and bots, figures per scenario, the
session watch, the in-process scenario of the fault tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.harness import WATCH, Figures, Scenario, TwoReplicas
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support import databases
from tests.support.bots import InProcessBots, braze_stand_in, slack_stand_in
from tests.support.prerequisites import fail_if_required
from tests.support.processes import Processes

SECRETS_TEST = "test_no_secret_reaches_a_log_line_a_slack_message_or_an_answer"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The secrets check reads what the reliability suite collected: it runs after all of it.
    for item in [item for item in items if item.name == SECRETS_TEST]:
        items.remove(item)
        ours = [i for i, other in enumerate(items) if "tests/reliability/" in other.nodeid]
        items.insert(ours[-1] + 1 if ours else len(items), item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session", autouse=True)
def watch_everything() -> Iterator[None]:
    """Every log record of the suite goes through the bot's own formatter into the watch."""
    WATCH.attach()
    try:
        yield
    finally:
        WATCH.detach()


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with slack_stand_in() as stand_in:
        yield WATCH.watch_slack(stand_in)


@pytest.fixture
def braze() -> Iterator[BrazeStandIn]:
    with braze_stand_in() as stand_in:
        yield WATCH.watch_braze(stand_in)


@pytest.fixture
def bots(slack: SlackStandIn, braze: BrazeStandIn, database_url: str) -> Iterator[InProcessBots]:
    """In-process bots whose answers the secrets watch reads."""
    with InProcessBots(slack, braze, database_url, on_answer=WATCH.take_response) as started:
        yield started


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    """Child processes whose log files the secrets watch reads."""
    with closing(Processes(tmp_path, on_log=WATCH.watch_log_file)) as started:
        yield started


@pytest.fixture
def scenario(bots: InProcessBots, braze: BrazeStandIn) -> Scenario:
    """A bot whose sweeper re-posts a lost reply after half a second."""
    options = {"lost_reply_after": timedelta(seconds=0.5), "sweep_every": 0.2}
    return Scenario(bots.start(runtime_options=options), braze)


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Iterator[Figures]:
    """This scenario's figures, written to $RELIABILITY_REPORT when the test ends."""
    node = request.node
    doc = (node.function.__doc__ or node.name).strip().splitlines()[0]
    if "[" in node.name:  # a parametrized scenario: say which
        doc += f" [{node.name.split('[', 1)[1].rstrip(']')}]"
    module = node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    figures = Figures(scenario=node.name, group=module, title=doc)
    started = time.monotonic()
    yield figures
    report = getattr(node, "report_call", None)
    if report is None:
        outcome = "error"
    elif hasattr(report, "wasxfail"):
        outcome = "xfailed" if report.skipped else "xpassed"
        figures.reason = str(report.wasxfail).removeprefix("reason: ")
    else:
        outcome = report.outcome
    figures.record(outcome, time.monotonic() - started)


@pytest.fixture
def shared_database_url(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(backend, URL) for several bot processes: an isolated PostgreSQL schema, else SQLite.

    Without a reachable PostgreSQL the run falls back to one SQLite file, unless
    SENDID_REQUIRE_POSTGRES=1 (CI), which makes PostgreSQL mandatory.
    """
    reason = databases.postgres_unavailable_reason()
    if reason is None:
        with databases.isolated_postgres_url() as url:
            yield "postgresql", url
        return
    fail_if_required(reason, databases.REQUIRE_POSTGRES_ENV)
    yield "sqlite", databases.sqlite_url(tmp_path)


@pytest.fixture
def two_replicas(
    slack: SlackStandIn,
    braze: BrazeStandIn,
    processes: Processes,
    shared_database_url: tuple[str, str],
    figures: Figures,
) -> TwoReplicas:
    """Two bot processes to start on one shared database; the figures name its backend."""
    backend, database_url = shared_database_url
    figures.notes["database"] = backend
    return TwoReplicas(slack, braze, processes, database_url)
