"""`python -m bot`: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP mode on PORT.

`python -m bot healthcheck` asks the running bot's `GET /healthz` on 127.0.0.1:$PORT and exits
0 when it answers 200 (the container image's HEALTHCHECK; the slim image has no curl).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import threading
import urllib.error
import urllib.request

from bot.configuration import load_configuration
from bot.domain.errors import ConfigurationError
from bot.logs import configure_logging
from bot.settings import load_settings

log = logging.getLogger("bot")

USAGE = "usage: python -m bot [healthcheck | audit ...]"


def healthcheck(timeout: float = 3.0) -> int:
    port = os.environ.get("PORT", "3000").strip() or "3000"
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status = int(response.status)
    except (urllib.error.URLError, OSError, ValueError) as error:
        print(f"sendid-bot: {url}: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"sendid-bot: {url}: HTTP {status}", file=sys.stderr)
        return 1
    return 0


def set_aside_what_lives_forever() -> None:
    """Move every object start-up made out of the garbage collector's sight (`gc.freeze`):
    modules, the app and the store live as long as the process, and a full collection would
    walk them all while requests wait. What is garbage now goes first."""
    gc.collect()
    gc.freeze()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["audit"]:  # before settings: the export needs no Slack/Braze tokens
        from bot.audit import main as audit_main

        return audit_main(args[1:])
    if args == ["healthcheck"]:
        return healthcheck()
    if args:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        # The policy file and every workspace's key, before anything connects.
        configuration = load_configuration(settings)
    except ConfigurationError as error:
        for line in error.problems:
            print(f"sendid-bot: configuration error: {line}", file=sys.stderr)
        return 2
    # Every secret the bot holds, every workspace's key included, is scrubbed from the logs.
    configure_logging(
        settings.log_level,
        configuration.secret_values(),
        settings.log_format_for(terminal=sys.stderr.isatty()),
    )

    from bot.runtime import BotRuntime  # after logging is set up, so start-up is logged

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        if not stop.is_set():
            log.info(
                "%s received: finishing work in flight, then exiting", signal.strsignal(signum)
            )
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    try:
        runtime = BotRuntime(configuration)
        set_aside_what_lives_forever()
        runtime.start()
    except ConfigurationError as error:  # Slack refused the app token (Socket Mode)
        for line in error.problems:
            print(f"sendid-bot: configuration error: {line}", file=sys.stderr)
        return 2
    except Exception as error:
        log.error("start-up failed: %s: %s", type(error).__name__, error)
        return 1
    stop.wait()
    runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
