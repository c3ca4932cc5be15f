"""The bare Bolt baseline: the smallest Bolt app that acknowledges /sendid and opens a modal.

Served by the same server as the bot (``bot.http.server.HttpServer``: cheroot, same thread
count, same listen backlog, same body limit) through Bolt's own WSGI adapter, with none of the
bot's layers (its request checks and replay memory in ``bot.http.slack_endpoint``, its
metrics): any difference the benchmark measures comes from the bot's own code, not from the
server. It also acknowledges a view submission and a button click without doing anything else:
the reference for "what Bolt itself costs" there.

Run as ``python -m benchmarks.baseline_app``; configured by environment variables:
``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET``, ``SLACK_API_URL``, ``PORT`` and
``BASELINE_LISTENER_THREADS`` (``default`` = Bolt's own default executor; a number = a pool of
that size, as the bot has). It stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.http.server import HttpServer

STATIC_MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "baseline_modal",
    "title": {"type": "plain_text", "text": "Send ID"},
    "submit": {"type": "plain_text", "text": "Request"},
    "blocks": [
        {
            "type": "input",
            "block_id": "campaign_id",
            "label": {"type": "plain_text", "text": "Campaign ID"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


def build_app(token: str, signing_secret: str, api_url: str, threads: str) -> App:
    client = WebClient(token=token, base_url=api_url)
    kwargs: dict[str, Any] = {}
    if threads != "default":
        kwargs["listener_executor"] = ThreadPoolExecutor(max_workers=int(threads))
    app = App(client=client, signing_secret=signing_secret, **kwargs)

    @app.command("/sendid")
    def sendid(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=command["trigger_id"], view=STATIC_MODAL)

    # The bot's own IDs (tests/support/constants.py), written out: the baseline imports
    # nothing of the bot beyond its server, so its start-up and memory are Bolt's alone.
    @app.view("sendid_request")
    def submitted(ack: Ack) -> None:
        ack()

    @app.action("sendid_approve")
    def clicked(ack: Ack) -> None:
        ack()

    return app


def wsgi_app(app: App) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """`POST /slack/events` to Bolt's WSGI adapter; `GET /readyz` for the harness."""
    slack = SlackRequestHandler(app, path="/slack/events")

    def route(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/readyz":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "6")])
            return [b"ready\n"]
        return slack(environ, start_response)

    return route


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    app = build_app(
        os.environ["SLACK_BOT_TOKEN"],
        os.environ["SLACK_SIGNING_SECRET"],
        os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
        os.environ.get("BASELINE_LISTENER_THREADS", "default"),
    )
    server = HttpServer(wsgi_app(app), "127.0.0.1", int(os.environ["PORT"]))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server.start()
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
