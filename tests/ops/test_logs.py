"""Logs: one JSON object per line by default (LOG_FORMAT=text for a terminal), never a secret."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from bot.domain.models import RequestState
from bot.logs import REDACTED, JsonFormatter, TextFormatter
from bot.store import Store
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import bot_env, clean_env
from tests.support.constants import (
    APPROVE,
    APPROVER,
    BRAZE_KEY,
    CAMPAIGN,
    CHANNEL,
    REQUESTER,
    SECRETS,
)
from tests.support.driver import SlackDriver
from tests.support.processes import Processes
from tests.support.waits import stored


def run_one_approved_request(
    slack: SlackStandIn,
    braze: BrazeStandIn,
    database_url: str,
    processes: Processes,
    log_format: str | None,
) -> tuple[str, str]:
    """Start `python -m bot`, request and approve one send ID, stop it; (its log, request ID)."""
    formats = {} if log_format is None else {"LOG_FORMAT": log_format}
    bot = processes.bot(bot_env(slack.url, braze.url, database_url, **formats))
    with Store(database_url) as store, SlackDriver(bot.url, slack, store=store) as driver:
        bot.start()
        try:
            request = driver.request(CAMPAIGN, "logged_1")
            driver.click(APPROVE, request.id, user=APPROVER)
            driver.wait_for_thread_reply(request)
        finally:
            assert bot.stop(timeout=20) == 0
        assert stored(store, request.id).state is RequestState.CREATED
    return bot.log_text(), request.id


def test_json_is_the_default_one_object_per_line_with_request_channel_and_user(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str, processes: Processes
) -> None:
    text, request_id = run_one_approved_request(slack, braze, database_url, processes, None)
    lines = text.splitlines()
    assert lines
    entries = [json.loads(line) for line in lines]  # every line, from every library
    for entry in entries:
        assert isinstance(entry, dict)
        assert {"time", "level", "logger", "message"} <= entry.keys()
        assert entry["time"].endswith("Z")
    created = [e for e in entries if e["message"] == "request created"]
    assert len(created) == 1
    assert created[0]["request_id"] == request_id
    assert created[0]["channel"] == CHANNEL
    assert created[0]["user"] == REQUESTER
    assert created[0]["logger"] == "bot.service" and created[0]["level"] == "INFO"
    assert any(e.get("request_id") == request_id and "created" in e["message"] for e in entries)
    assert any(e["logger"] == "bot.braze" and "/sends/id/create" in e["message"] for e in entries)
    for secret in SECRETS.values():
        assert secret not in text
    # A healthy start and request warn about nothing: admins alert on warnings.
    assert [e["message"] for e in entries if e["level"] in ("WARNING", "ERROR")] == []


def test_text_format_is_for_people_and_still_names_the_request(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str, processes: Processes
) -> None:
    text, request_id = run_one_approved_request(slack, braze, database_url, processes, "text")
    created = [line for line in text.splitlines() if "request created" in line]
    assert len(created) == 1
    assert " INFO bot.service: request created [" in created[0]
    assert f"request_id={request_id}" in created[0]
    assert f"channel={CHANNEL}" in created[0] and f"user={REQUESTER}" in created[0]
    with pytest.raises(json.JSONDecodeError):
        json.loads(created[0])
    for secret in SECRETS.values():
        assert secret not in text


def failing_record(secret: str) -> logging.LogRecord:
    try:
        raise RuntimeError(f"Braze said no to Bearer {secret}\nsecond line")
    except RuntimeError:
        record = logging.LogRecord(
            "bot.test", logging.ERROR, __file__, 1, "call failed: %s", (secret,), sys.exc_info()
        )
    record.request_id = "r0123"
    record.channel = CHANNEL
    record.user = APPROVER
    return record


@pytest.mark.parametrize("secret", [BRAZE_KEY, 'quote"and\\backslash-secret'])
def test_json_lines_scrub_secrets_from_messages_and_tracebacks(secret: str) -> None:
    line = JsonFormatter([secret]).format(failing_record(secret))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == f"call failed: {REDACTED}"
    assert "Traceback" in entry["exception"] and REDACTED in entry["exception"]
    assert (entry["request_id"], entry["channel"], entry["user"]) == ("r0123", CHANNEL, APPROVER)
    assert secret not in line and secret not in json.dumps(entry)
    assert secret not in entry["exception"]


def test_text_lines_scrub_secrets_from_messages_and_tracebacks() -> None:
    text = TextFormatter([BRAZE_KEY]).format(failing_record(BRAZE_KEY))
    assert BRAZE_KEY not in text
    first, *rest = text.splitlines()
    context = f"[request_id=r0123 channel={CHANNEL} user={APPROVER}]"
    assert first.endswith(f"call failed: {REDACTED} {context}")
    assert any("Traceback" in line for line in rest)


def test_uncaught_thread_exceptions_and_warnings_become_scrubbed_json_lines(
    processes: Processes,
) -> None:
    script = f"""
import threading, warnings
from bot.logs import configure_logging
configure_logging("INFO", [{BRAZE_KEY!r}], "json")
warnings.warn("deprecated thing")
def boom():
    raise RuntimeError("key was {BRAZE_KEY}")
thread = threading.Thread(target=boom, name="worker")
thread.start()
thread.join()
"""
    result = processes.run([sys.executable, "-c", script], clean_env(), timeout=30)
    assert result.returncode == 0
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    assert [e["level"] for e in entries] == ["WARNING", "CRITICAL"]
    assert "deprecated thing" in entries[0]["message"]
    assert entries[1]["message"] == "uncaught exception in thread worker"
    assert "RuntimeError: key was [redacted]" in entries[1]["exception"]
    assert BRAZE_KEY not in result.stderr and result.stdout == ""


def test_a_database_password_in_the_urls_query_string_never_reaches_the_start_up_error(
    slack: SlackStandIn, braze: BrazeStandIn, processes: Processes
) -> None:
    """Issue 24, item 6: before, `python -m bot` printed `?password=…` as written."""
    url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2&password=hunter2-query-secret"
    result = processes.run_bot(env=bot_env(slack.url, braze.url, url))
    assert result.returncode == 1, result.stderr
    assert "hunter2-query-secret" not in result.stderr + result.stdout
    (failed,) = [json.loads(line) for line in result.stderr.splitlines() if "start-up" in line]
    assert "cannot open database" in failed["message"] and "password=***" in failed["message"]
