"""Logging set-up. Every line passes a scrubber, so a secret can never reach the log.

Two formats (``LOG_FORMAT``):

* ``json`` (default): one JSON object per line — ``time`` (UTC, ISO 8601), ``level``,
  ``logger``, ``message``, then whatever the call passed with ``extra=`` (``request_id``,
  ``channel``, ``user``, …), and ``exception`` with the traceback if there is one. Log
  collectors (CloudWatch, Loki, Datadog, …) index the fields without parsing rules.
* ``text``: ``time level logger: message [request_id=… channel=… user=…]``, for reading in a
  terminal.

The scrubber runs on the finished line, tracebacks included; in JSON it also catches a secret in
its JSON-escaped spelling.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

REDACTED = "[redacted]"
LOG_FORMATS = ("json", "text")

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_BLANK_RECORD = logging.LogRecord("", logging.INFO, "", 0, "", None, None)
_RECORD_ATTRIBUTES = frozenset(vars(_BLANK_RECORD)) | {"message", "asctime", "taskName"}
# Shown first, in this order, when present.
_CONTEXT_KEYS = ("request_id", "channel", "user")


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    extras = {
        key: value
        for key, value in vars(record).items()
        if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
    }
    ordered = {key: extras.pop(key) for key in _CONTEXT_KEYS if key in extras}
    ordered.update(sorted(extras.items()))
    return ordered


# The function-scoped token Slack hands with a workflow step ("xwfp-…").
STEP_TOKEN = re.compile(r"xwfp-[A-Za-z0-9-]+")


class Scrubber:
    """Replaces every known secret value in a text: log lines, and foreign text (Slack's error
    strings) that the bot passes on to a person."""

    def __init__(self, secrets: Iterable[str]) -> None:
        unique = {s for s in secrets if len(s) >= 4}
        # The JSON-escaped spelling too (a secret with a quote or backslash in it).
        unique |= {json.dumps(s)[1:-1] for s in unique}
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted(unique, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        # A workflow step's token is handed out per execution, so it is no known value.
        return STEP_TOKEN.sub(REDACTED, text) if "xwfp-" in text else text


class ScrubbingFormatter(logging.Formatter):
    """Formats as usual, then replaces every known secret value (tracebacks included)."""

    def __init__(self, fmt: str | None, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.scrub = Scrubber(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self.scrub(super().format(record))


class TextFormatter(ScrubbingFormatter):
    """``time level logger: message [request_id=… channel=… user=…]`` plus any traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)

    def formatMessage(self, record: logging.LogRecord) -> str:
        text = super().formatMessage(record)
        extras = _extras(record)
        if extras:
            text += " [" + " ".join(f"{key}={value}" for key, value in extras.items()) + "]"
        return text


class JsonFormatter(ScrubbingFormatter):
    """One JSON object per line; newlines in messages and tracebacks are escaped."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__(None, secrets)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in _extras(record).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # ensure_ascii: every line is pure ASCII, so no exotic line separator can split it.
        return self.scrub(json.dumps(entry, default=str, ensure_ascii=True))


def make_formatter(fmt: str, secrets: Iterable[str]) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter(secrets)
    if fmt == "text":
        return TextFormatter(secrets)
    raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {fmt!r}")


def pinned_logger(name: str) -> logging.Logger:
    """`logging.getLogger(name)` with its own level set to the level in effect now.

    slack_sdk and Bolt decide whether to format a debug line by the logger's *own* level
    (``logger.level <= DEBUG``), not by the level in effect: on a logger left at NOTSET they
    format every request's body into a debug line that is then dropped. Call it after
    :func:`configure_logging`."""
    logger = logging.getLogger(name)
    logger.setLevel(logger.getEffectiveLevel())
    return logger


def configure_logging(level: str, secrets: Iterable[str], fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(make_formatter(fmt, secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request at INFO; bot.braze already logs each Braze call with its latency.
    quiet = logging.DEBUG if logging.getLevelName(level) == logging.DEBUG else logging.WARNING
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(quiet)
    # Python's warnings and uncaught exceptions become log lines too: same format, scrubbed.
    logging.captureWarnings(True)
    threading.excepthook = _log_thread_exception
    sys.excepthook = _log_exception


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("bot").critical(
        "uncaught exception in thread %s",
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def _log_exception(exc_type: Any, exc_value: Any, exc_traceback: Any) -> None:
    logging.getLogger("bot").critical(
        "uncaught exception", exc_info=(exc_type, exc_value, exc_traceback)
    )
