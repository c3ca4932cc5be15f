"""Slow clients (issue 13): does anyone starve while many connections trickle their headers?

    python -m benchmarks.slow_clients [--clients 120] [--seconds 20] [--json PATH]

Starts the stand-ins and the bot (``python -m bot``, HTTP mode, SQLite) as the main benchmark
does (``benchmarks/standins.py``, ``benchmarks/servers.py``), then opens `clients` connections
that each send a request line and one more header line every `interval` seconds, never
finishing the request (slowloris); a connection the bot closes is opened again at once, as an
attacker would. Meanwhile a prober sends, every `probe_every` seconds, ``GET /healthz`` and a
signed ``/sendid help`` to ``POST /slack/events``, each on a new connection with a 5 s time-out,
and records how long each took. It prints (and returns) the figures: the probes' latencies
(max, p99, p50), how many got no answer in time, how many slow connections the bot closed, its
start-up time and its RSS before and after.

A benchmark, not a timed test: the figures depend on the machine (two shared cores here).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import loadgen
from benchmarks.servers import Server
from benchmarks.standins import Setup, StandIns
from tests.support import slack_requests as sr
from tests.support.bots import bot_env
from tests.support.constants import (
    BOT_TOKEN,
    BRAZE_KEY,
    CAMPAIGN,
    CAMPAIGN_NAME,
    CHANNEL,
    REQUESTER,
    SIGNING_SECRET,
)

PROBE_TIMEOUT = 5.0


@dataclass
class Probes:
    """Latencies (s) of one kind of probe; a probe without a 2xx answer in time is a failure."""

    seconds: list[float] = field(default_factory=list)
    failures: int = 0

    def take(self, result: loadgen.Result) -> None:
        if 200 <= result.status < 300:
            self.seconds.append(result.latency)
        else:
            self.failures += 1

    def summary(self) -> dict[str, float | int]:
        ordered = sorted(self.seconds) or [float("nan")]

        def at(q: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000, 1)

        return {
            "answered": len(self.seconds),
            "failed": self.failures,
            "p50_ms": at(0.50),
            "p99_ms": at(0.99),
            "max_ms": round(ordered[-1] * 1000, 1),
        }


@dataclass
class SlowClientFigures:
    clients: int
    seconds: float
    interval: float
    server: str
    healthz: dict[str, float | int]
    signed: dict[str, float | int]
    slow_connections_opened: int
    slow_connections_closed_by_bot: int
    longest_slow_connection_s: float
    startup_s: float
    rss_mb_before: float
    rss_mb_after: float


class Trickle:
    """One slow client: a request line, then a header line every `interval`, forever; opens a
    new connection whenever the bot closes its own."""

    def __init__(self, port: int, interval: float) -> None:
        self.port = port
        self.interval = interval
        self.opened = 0
        self.closed_by_bot = 0
        self.longest = 0.0

    async def run(self, until: float) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < until:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            self.opened += 1
            opened_at = loop.time()
            closed = asyncio.create_task(reader.read())  # done when the bot closes
            try:
                writer.write(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                line = 0
                while loop.time() < until:
                    await asyncio.wait([closed], timeout=self.interval)
                    if closed.done():
                        raise ConnectionResetError
                    line += 1
                    writer.write(f"X-Slow-{line}: {'x' * 10}\r\n".encode())
                    await writer.drain()
            except OSError:
                self.closed_by_bot += 1
            finally:
                self.longest = max(self.longest, loop.time() - opened_at)
                closed.cancel()
                writer.close()


async def _probe(port: int, until: float, every: float) -> tuple[Probes, Probes]:
    healthz, signed = Probes(), Probes()
    health_request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        form = sr.slash_command("help", user_id=REQUESTER, channel_id=CHANNEL)
        command = loadgen.build_request(port, sr.form_body(form), SIGNING_SECRET)
        results = await asyncio.gather(
            loadgen.send(port, health_request, PROBE_TIMEOUT),
            loadgen.send(port, command, PROBE_TIMEOUT),
        )
        healthz.take(results[0])
        signed.take(results[1])
        await asyncio.sleep(every)
    return healthz, signed


async def _attack(port: int, clients: int, seconds: float, interval: float, every: float) -> Any:
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds
    trickles = [Trickle(port, interval) for _ in range(clients)]
    tasks = [asyncio.create_task(t.run(until)) for t in trickles]
    await asyncio.sleep(min(1.0, seconds / 4))  # the slow connections are all open first
    probes = await _probe(port, until, every)
    await asyncio.gather(*tasks)
    return trickles, probes


def run(
    clients: int = 120, seconds: float = 20.0, interval: float = 1.0, probe_every: float = 0.2
) -> SlowClientFigures:
    workdir = Path(tempfile.mkdtemp(prefix="sendid-slow-"))
    standins = StandIns(
        Setup(
            bot_token=BOT_TOKEN,
            braze_key=BRAZE_KEY,
            campaigns={CAMPAIGN: CAMPAIGN_NAME},
            slack_latency=0.05,
            braze_latency=0.05,
        )
    )
    bot = Server(
        "bot",
        [sys.executable, "-m", "bot"],
        bot_env(standins.slack_url, standins.braze_url, f"sqlite:///{workdir / 'sendid.db'}"),
        workdir,
    )
    try:
        startup = bot.start_timed()
        rss_before = bot.rss_mb()
        trickles, (healthz, signed) = asyncio.run(
            _attack(bot.port, clients, seconds, interval, probe_every)
        )
        rss_after = bot.rss_mb()
    finally:
        bot.stop(timeout=20)
        standins.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    server = _server_name()
    return SlowClientFigures(
        clients=clients,
        seconds=seconds,
        interval=interval,
        server=server,
        healthz=healthz.summary(),
        signed=signed.summary(),
        slow_connections_opened=sum(t.opened for t in trickles),
        slow_connections_closed_by_bot=sum(t.closed_by_bot for t in trickles),
        longest_slow_connection_s=round(max(t.longest for t in trickles), 1),
        startup_s=round(startup, 2),
        rss_mb_before=round(rss_before, 1),
        rss_mb_after=round(rss_after, 1),
    )


def _server_name() -> str:
    from importlib import metadata

    from bot.http import server

    name = str(getattr(server, "SERVER", "cheroot"))
    return f"{name} {metadata.version(name)}"


def render(figures: SlowClientFigures) -> str:
    lines = [
        f"{figures.clients} slow clients, one header line every {figures.interval:g} s, for "
        f"{figures.seconds:g} s (server: {figures.server})",
        "| probe | answered | no answer in 5 s | p50 | p99 | max |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, probes in (
        ("GET /healthz", figures.healthz),
        ("signed /sendid help", figures.signed),
    ):
        lines.append(
            f"| {name} | {probes['answered']} | {probes['failed']} | {probes['p50_ms']} ms "
            f"| {probes['p99_ms']} ms | {probes['max_ms']} ms |"
        )
    lines.append(
        f"slow connections opened: {figures.slow_connections_opened}, closed by the bot: "
        f"{figures.slow_connections_closed_by_bot}, longest held: "
        f"{figures.longest_slow_connection_s} s"
    )
    lines.append(
        f"start-up to /readyz: {figures.startup_s} s; RSS before / after: "
        f"{figures.rss_mb_before} / {figures.rss_mb_after} MB"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.slow_clients", description=__doc__)
    parser.add_argument("--clients", type=int, default=120)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--interval", type=float, default=1.0, help="between header lines")
    parser.add_argument("--probe-every", type=float, default=0.2)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures = run(args.clients, args.seconds, args.interval, args.probe_every)
    print(render(figures))
    if args.json:
        args.json.write_text(json.dumps(asdict(figures), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
