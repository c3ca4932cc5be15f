"""Shared fixtures: the loopback stand-ins for Slack and Braze, the bot under test, child
processes; and the markers every test gets.

What the fixtures are built from lives in ``tests/support/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.runtime import BotRuntime
from bot.store import Store
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.standins.socket_mode import SocketModeStandIn
from tests.support import databases
from tests.support.bots import InProcessBots, braze_stand_in, slack_stand_in, socket_mode_bot
from tests.support.driver import SlackDriver
from tests.support.processes import Processes

# Each test's kind, by where it lives (the first match wins): `./scripts/test --quick` runs the
# unit tests that start no process.
KINDS = (
    ("tests/reliability/", "reliability"),
    ("tests/e2e/", "e2e"),
    ("tests/ops/", "e2e"),
    ("tests/", "unit"),
)


# Markers that follow from a fixture: what starts processes is `process`; the image, `docker`.
FIXTURE_MARKERS = {"processes": ("process",), "image": ("docker", "process")}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        where = item.path.relative_to(config.rootpath).as_posix()
        item.add_marker(next((kind for prefix, kind in KINDS if where.startswith(prefix)), "unit"))
        fixtures = getattr(item, "fixturenames", ())
        for marker in dict.fromkeys(m for name in fixtures for m in FIXTURE_MARKERS.get(name, ())):
            item.add_marker(marker)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    """Child processes (`python -m bot` and the like), stopped when the test ends; a test that
    uses them is marked `process`."""
    with closing(Processes(tmp_path)) as started:
        yield started


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with slack_stand_in() as stand_in:
        yield stand_in


@pytest.fixture
def braze() -> Iterator[BrazeStandIn]:
    with braze_stand_in() as stand_in:
        yield stand_in


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return databases.sqlite_url(tmp_path)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """The store on this test's database, as the bot opens it."""
    with Store(database_url) as opened:
        yield opened


@pytest.fixture
def bots(slack: SlackStandIn, braze: BrazeStandIn, database_url: str) -> Iterator[InProcessBots]:
    """Start a bot with its own settings: ``bots.start(sendid_language="de")``."""
    with InProcessBots(slack, braze, database_url) as started:
        yield started


@pytest.fixture
def bot(bots: InProcessBots) -> SlackDriver:
    """The bot with the default settings, in this process, driven over its HTTP endpoint."""
    return bots.start()


@pytest.fixture
def bot_app(bots: InProcessBots) -> SlackDriver:
    """The bot with the default settings, its signed requests handed straight to its Bolt app
    (no HTTP server): milliseconds a request, for the listener tests."""
    return bots.dispatching()


@pytest.fixture
def socket_bot(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str
) -> Iterator[tuple[BotRuntime, SocketModeStandIn]]:
    """The bot in Socket Mode, connected to the loopback WebSocket stand-in, with a short ping
    interval."""
    with socket_mode_bot(slack, braze, database_url) as (runtime, socket_mode):
        socket_mode.wait_for_connection()
        yield runtime, socket_mode
