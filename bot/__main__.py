"""`python -m bot`: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP mode on PORT."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from bot.logs import configure_logging
from bot.settings import ConfigurationError, load_settings

log = logging.getLogger("bot")


def main() -> int:
    try:
        settings = load_settings()
    except ConfigurationError as error:
        for line in error.problems:
            print(f"sendid-bot: configuration error: {line}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.secret_values())

    from bot.runtime import BotRuntime  # after logging is set up, so start-up is logged

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        runtime = BotRuntime(settings).start()
    except Exception as error:
        log.error("start-up failed: %s: %s", type(error).__name__, error)
        return 1
    stop.wait()
    log.info("shutting down")
    runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
