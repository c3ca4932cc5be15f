"""How long Socket Mode stays deaf after Slack's refresh, a dropped and a silently lost connection.

    .venv/bin/python -m benchmarks.socket_mode              # the bot, and Bolt's built-in client
    .venv/bin/python -m benchmarks.socket_mode --rounds 5 --clients bot

For each client the Socket Mode stand-in (``tests/standins/socket_mode.py``) refreshes, drops
(closes TCP without a close frame) and stalls (silence both ways, TCP open) the connection, and
from that moment sends ``/sendid help`` every 0.1 s over the newest working connection. It
reports two figures per fault: when the new connection said hello, and when a command was first
acknowledged again (the figure that counts: Slack's users are served again). Everything runs on
127.0.0.1, so the real network adds its round trips (``apps.connections.open``, TLS) on top.

Clients:

* ``bot``: the bot itself (``BotRuntime``, its production ``SocketModeTiming``: Bolt's
  ``SocketModeHandler`` with the built-in client, ping every 2 s);
* ``builtin-10``: Bolt's ``SocketModeHandler`` as shipped (built-in client, ping every 10 s);
  ``builtin-2``: the same with a 2 s ping, a bare Bolt app (what the bot runs, without the bot);
* ``websockets-2``, ``aiohttp-2``, ``websocket-client-2``: slack_sdk's other clients through
  Bolt's adapters, ping every 2 s; only where their library is installed (the bot does not
  depend on them). A client that is not back within ``--give-up`` seconds shows as "never".
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from tests.standins.slack import SlackStandIn
from tests.standins.socket_mode import SocketModeStandIn
from tests.support import slack_requests as sr
from tests.support.bots import braze_stand_in, running_bot, slack_stand_in
from tests.support.constants import APP_TOKEN, BOT_TOKEN, CHANNEL, REQUESTER, SIGNING_SECRET

FAULTS = ("refresh", "drop", "stall")
PROBE_EVERY = 0.1

Connected = Callable[[SlackStandIn], AbstractContextManager[object]]


def bare_app(slack: SlackStandIn) -> App:
    app = App(client=WebClient(token=BOT_TOKEN, base_url=slack.url), signing_secret=SIGNING_SECRET)
    app.command("/sendid")(lambda ack: ack(text="help"))
    return app


@contextmanager
def the_bot(slack: SlackStandIn) -> Iterator[object]:
    with braze_stand_in() as braze, TemporaryDirectory() as scratch:
        database = f"sqlite:///{Path(scratch) / 'sendid.db'}"
        with running_bot(
            slack, braze, database, slack_app_token=APP_TOKEN, slack_signing_secret=None
        ) as runtime:
            yield runtime


def sync_adapter(kind: str, ping: float) -> Connected:
    @contextmanager
    def connected(slack: SlackStandIn) -> Iterator[object]:
        if kind == "builtin":
            from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler
        else:
            from slack_bolt.adapter.socket_mode.websocket_client import (  # type: ignore[assignment]
                SocketModeHandler,
            )
        handler = SocketModeHandler(
            bare_app(slack), APP_TOKEN, web_client=WebClient(base_url=slack.url), ping_interval=ping
        )
        handler.connect()
        try:
            yield handler
        finally:
            handler.close()

    return connected


def async_adapter(kind: str, ping: float) -> Connected:
    @contextmanager
    def connected(slack: SlackStandIn) -> Iterator[object]:
        from slack_sdk.web.async_client import AsyncWebClient

        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, daemon=True).start()

        async def build() -> Any:
            if kind == "websockets":
                from slack_bolt.adapter.socket_mode.websockets import SocketModeHandler
            else:
                from slack_bolt.adapter.socket_mode.aiohttp import (  # type: ignore[assignment]
                    SocketModeHandler,
                )
            web = AsyncWebClient(base_url=slack.url)
            handler = SocketModeHandler(
                bare_app(slack), APP_TOKEN, web_client=web, ping_interval=ping
            )
            await handler.connect_async()
            return handler

        handler = asyncio.run_coroutine_threadsafe(build(), loop).result(10)
        try:
            yield handler
        finally:
            asyncio.run_coroutine_threadsafe(handler.close_async(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)

    return connected


CLIENTS: dict[str, tuple[Connected, str | None]] = {
    "bot": (the_bot, None),
    "builtin-10": (sync_adapter("builtin", 10), None),
    "builtin-2": (sync_adapter("builtin", 2), None),
    "websockets-2": (async_adapter("websockets", 2), "websockets"),
    "aiohttp-2": (async_adapter("aiohttp", 2), "aiohttp"),
    "websocket-client-2": (sync_adapter("websocket_client", 2), "websocket"),
}


def deaf_for(socket_mode: SocketModeStandIn, fault: str, give_up: float) -> tuple[float, float]:
    """(new connection, first acknowledgement) in seconds after `fault`; inf if never."""
    old = socket_mode.wait_for_connection(timeout=give_up)
    time.sleep(1.0)  # a settled connection, as in production
    start = time.monotonic()
    getattr(socket_mode, fault)(old)
    hello = acked = float("inf")
    sent: list[str] = []
    command = sr.slash_command("help", user_id=REQUESTER, channel_id=CHANNEL)
    while time.monotonic() - start < give_up and acked == float("inf"):
        links = [link for link in socket_mode.links if link.healthy]
        newer = [link for link in links if link.number > old.number]
        if newer and hello == float("inf") and newer[0].hello_at is not None:
            hello = newer[0].hello_at - start
        if links:
            sent.append(socket_mode.send_envelope("slash_commands", command, link=links[-1]))
        if any(socket_mode.acked(envelope) for envelope in sent):
            acked = time.monotonic() - start
        time.sleep(PROBE_EVERY)
    return hello, acked


def measure(name: str, rounds: int, give_up: float) -> dict[str, list[tuple[float, float]]]:
    connected, library = CLIENTS[name]
    if library is not None:
        try:
            __import__(library)
        except ImportError:
            print(f"{name}: skipped ({library} is not installed)")
            return {}
    figures: dict[str, list[tuple[float, float]]] = {fault: [] for fault in FAULTS}
    with slack_stand_in() as slack, SocketModeStandIn(slack) as socket_mode, connected(slack):
        for _ in range(rounds):
            for fault in FAULTS:
                figures[fault].append(deaf_for(socket_mode, fault, give_up))
    return figures


def seconds(values: list[float]) -> str:
    if any(v == float("inf") for v in values):
        return "never"
    return f"{statistics.median(values):.1f} (max {max(values):.1f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", nargs="+", default=["bot", "builtin-10"], choices=CLIENTS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--give-up", type=float, default=70.0)
    args = parser.parse_args(argv)
    print("| client | fault | new connection after, s | command acknowledged after, s |")
    print("| --- | --- | --- | --- |")
    for name in args.clients:
        for fault, pairs in measure(name, args.rounds, args.give_up).items():
            hellos, acks = [p[0] for p in pairs], [p[1] for p in pairs]
            print(f"| {name} | {fault} | {seconds(hellos)} | {seconds(acks)} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
