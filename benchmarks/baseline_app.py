"""The bare Bolt baseline: the smallest Bolt app that acknowledges /sendid and opens a modal.

Served through Bolt's own WSGI adapter by one of several production WSGI servers
(``BASELINE_SERVER``): the benchmark measures it on each and compares the bot with the fastest,
the floor a user would compare against (BENCHMARKS.md, "The floor"). None of the bot's layers
(its request checks and replay memory, its metrics, its server settings): any difference the
benchmark measures against the floor is the bot's own cost, its server's included. It also
acknowledges a view submission and a button click without doing anything else: the reference
for "what Bolt itself costs" there.

Run as ``python -m benchmarks.baseline_app``; configured by environment variables:
``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET``, ``SLACK_API_URL``, ``PORT``,
``BASELINE_LISTENER_THREADS`` (``default`` = Bolt's own default executor; a number = a pool of
that size, as the bot has), ``BASELINE_SERVER`` (``waitress``, ``cheroot`` or ``gunicorn``) and
``BASELINE_SERVER_THREADS`` (its worker threads). It stops on SIGTERM/SIGINT.
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

# Each server as production would run it for bursts of Slack requests: a deep listen backlog
# (the kernel drops connections beyond it), waitress with room for 1000 connections.
BACKLOG = 1024
WAITRESS_CONNECTION_LIMIT = 1000
SERVERS = ("waitress", "cheroot", "gunicorn")

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


def serve_waitress(app: Any, port: int, threads: int, stop: threading.Event) -> None:
    import waitress

    server = waitress.create_server(
        app,
        host="127.0.0.1",
        port=port,
        threads=threads,
        connection_limit=WAITRESS_CONNECTION_LIMIT,
        backlog=BACKLOG,
    )
    threading.Thread(target=server.run, name="waitress", daemon=True).start()
    stop.wait()
    server.close()


def serve_cheroot(app: Any, port: int, threads: int, stop: threading.Event) -> None:
    from cheroot import wsgi

    server = wsgi.Server(("127.0.0.1", port), app, numthreads=threads, request_queue_size=BACKLOG)
    server.prepare()
    threading.Thread(target=server.serve, name="cheroot", daemon=True).start()
    stop.wait()
    server.stop()


def serve_gunicorn(app: Any, port: int, threads: int) -> None:
    """gunicorn's gthread worker, one worker process (one Bolt app, as the bot runs); its
    arbiter handles SIGTERM itself."""
    from gunicorn.app.base import BaseApplication

    class Gunicorn(BaseApplication):
        def load_config(self) -> None:
            settings = {
                "bind": f"127.0.0.1:{port}",
                "worker_class": "gthread",
                "workers": 1,
                "threads": threads,
                "backlog": BACKLOG,
                "worker_connections": WAITRESS_CONNECTION_LIMIT,
                "loglevel": "warning",
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    Gunicorn().run()


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    app = build_app(
        os.environ["SLACK_BOT_TOKEN"],
        os.environ["SLACK_SIGNING_SECRET"],
        os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
        os.environ.get("BASELINE_LISTENER_THREADS", "default"),
    )
    kind = os.environ.get("BASELINE_SERVER", "waitress")
    port = int(os.environ["PORT"])
    threads = int(os.environ.get("BASELINE_SERVER_THREADS", "100"))
    if kind == "gunicorn":
        serve_gunicorn(wsgi_app(app), port, threads)
        return 0
    serve = {"waitress": serve_waitress, "cheroot": serve_cheroot}[kind]
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    serve(wsgi_app(app), port, threads, stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
