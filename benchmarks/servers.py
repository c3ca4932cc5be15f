"""The servers under test, each in its own process (so RSS and start-up are its own): the bot
(``python -m bot``) and bare Bolt (``benchmarks/baseline_app.py``) on each candidate server,
the fastest of which is the floor the bot is compared with."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks import procstats
from benchmarks.results import Startup
from benchmarks.standins import StandIns
from tests.support.bots import bot_env
from tests.support.processes import ServerProcess

# Polled this often while a server starts: the start-up time is measured to within it.
READY_POLL = 0.005


class Server(ServerProcess):
    """One server under test, with its memory and CPU use."""

    # No other thread runs while servers start, so the child may ask to die with the harness.
    die_with_parent = True

    def __init__(self, name: str, argv: list[str], env: dict[str, str], workdir: Path) -> None:
        super().__init__(argv, env=env, cwd=workdir, log=workdir / f"{name}.log")
        self.name = name

    def start_timed(self) -> float:
        """Start and wait for GET /readyz = 200; the seconds that took."""
        return self.start(poll=READY_POLL).startup_seconds

    def rss_mb(self) -> float:
        return procstats.rss_mb(self.pid)

    def peak_rss_mb(self) -> float | None:
        return procstats.peak_rss_mb(self.pid)

    def cpu_seconds(self) -> float:
        return procstats.cpu_seconds(self.pid)


@dataclass(frozen=True)
class Servers:
    """The bot and bare Bolt on each candidate server (name -> server), all running."""

    bot: Server
    floor: dict[str, Server]

    @property
    def all(self) -> list[Server]:
        return [self.bot, *self.floor.values()]


def floor_candidate(spec: str) -> tuple[str, dict[str, str]]:
    """`waitress`, or `waitress:16` for another thread count: its name and environment."""
    kind, _, threads = spec.partition(":")
    env = {"BASELINE_SERVER": kind}
    if threads:
        env["BASELINE_SERVER_THREADS"] = threads
    return spec.replace(":", "-"), env


@contextmanager
def started_servers(
    standins: StandIns, trials: int, baseline_threads: str, floor: list[str], workdir: Path
) -> Iterator[tuple[Servers, dict[str, Startup]]]:
    """The bot and each floor candidate started `trials` times (each time on a fresh database),
    the last start kept running; their start-up times by name. Every server is stopped on the
    way out."""
    started: list[Server] = []
    times: dict[str, list[float]] = {}
    try:
        for trial in range(trials):
            database_url = f"sqlite:///{workdir / f'sendid-{trial}.db'}"
            env = bot_env(standins.slack_url, standins.braze_url, database_url)
            servers = Servers(Server("bot", [sys.executable, "-m", "bot"], env, workdir), {})
            for spec in floor:
                name, extra = floor_candidate(spec)
                servers.floor[name] = Server(
                    name,
                    [sys.executable, "-m", "benchmarks.baseline_app"],
                    {**env, "BASELINE_LISTENER_THREADS": baseline_threads, **extra},
                    workdir,
                )
            for server in servers.all:
                started.append(server)
                times.setdefault(server.name, []).append(server.start_timed())
            if trial < trials - 1:
                for server in servers.all:
                    server.stop(timeout=20)
        yield servers, {name: Startup.of(samples) for name, samples in times.items()}
    finally:
        for server in started:
            server.stop(timeout=20)


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
            for server in [s for s in self._servers if s.running]:
                with contextlib.suppress(
                    OSError, KeyError, ValueError, RuntimeError, *procstats.GONE
                ):
                    self.peak[server.name] = max(self.peak[server.name], server.rss_mb())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
