"""Housekeeping: its scheduler keeps going past a failing job, with the bot's real jobs, store and
Slack stand-in."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.domain.models import RequestState
from bot.housekeeping import Job, Scheduler, housekeeping_jobs
from tests.support.bots import InProcessBots
from tests.support.constants import CAMPAIGN
from tests.support.driver import SlackDriver
from tests.support.waits import stored

# Short enough to be overdue within the test; the bot's own rounds are kept out of the way.
TTL_HOURS = 1.5 / 3600
QUIET = {"sweep_every": 3600.0}


class DatabaseGone(Exception):
    pass


def explode() -> None:
    raise DatabaseGone("the database went away")


@pytest.fixture
def short_lived_bot(bots: InProcessBots) -> SlackDriver:
    return bots.start(runtime_options=QUIET, sendid_request_ttl_hours=TTL_HOURS)


def failures_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "bot.housekeeping" and r.getMessage().startswith("housekeeping job")
    ]


def test_a_failing_job_is_logged_by_name_and_the_real_jobs_after_it_still_run(
    short_lived_bot: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    bot = short_lived_bot
    request = bot.request(CAMPAIGN, "overdue_1")
    time.sleep(TTL_HOURS * 3600 + 0.2)  # now overdue
    scheduler = Scheduler([Job("explodes", explode), *housekeeping_jobs(bot.runtime.ctx)], 3600)

    with caplog.at_level(logging.ERROR, logger="bot.housekeeping"):
        failed = scheduler.run_once()

    assert failed == ["explodes"]
    [record] = failures_logged(caplog)
    assert "'explodes'" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is DatabaseGone
    # The expiry job after the failing one did its work: the state, and the card says so.
    assert stored(bot.store, request.id).state is RequestState.EXPIRED
    updates = bot.slack.calls_to("chat.update")
    assert any(c.params.get("ts") == request.card_ts for c in updates)


def test_every_job_failing_on_a_broken_database_is_logged_under_its_own_name(
    bot: SlackDriver, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    database = Path(str(make_url(database_url).database))
    bot.store.close()  # drop pooled connections; the next query opens the file again
    for leftover in database.parent.glob(database.name + "-*"):
        leftover.unlink()
    database.write_bytes(b"not a database" * 1000)
    scheduler = Scheduler(housekeeping_jobs(bot.runtime.ctx), 3600)

    with caplog.at_level(logging.ERROR, logger="bot.housekeeping"):
        failed = scheduler.run_once()

    names = [job.name for job in scheduler.jobs]
    assert failed == names and len(names) == 7
    records = failures_logged(caplog)
    assert [getattr(r, "job", None) for r in records] == names
    assert all(r.exc_info is not None for r in records)


def test_the_scheduler_repeats_its_rounds_in_the_background_until_stopped() -> None:
    rounds: list[float] = []
    twice = threading.Event()

    def count() -> None:
        rounds.append(time.monotonic())
        if len(rounds) >= 2:
            twice.set()

    scheduler = Scheduler([Job("explodes", explode), Job("count", count)], interval=0.05)
    scheduler.start()
    try:
        assert twice.wait(5), "the second round never came"
    finally:
        scheduler.stop()
    seen = len(rounds)
    time.sleep(0.2)
    assert len(rounds) == seen  # stopped means stopped


def test_stopping_a_scheduler_that_never_started_is_harmless() -> None:
    Scheduler([Job("explodes", explode)], interval=0.05).stop()


def test_with_a_retention_the_bots_rounds_delete_what_ended_before_it(
    bots: InProcessBots, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 24, item 7: SENDID_RETENTION_DAYS reaches housekeeping; unset, nothing is deleted."""
    from datetime import UTC, datetime, timedelta

    from tests.support.records import new_request

    keeping = bots.start(runtime_options=QUIET)
    long_ago = datetime.now(UTC) - timedelta(days=31)
    old = new_request(keeping.store, send_id="long_ago", now=long_ago)
    keeping.store.transition(
        old.id, RequestState.PENDING, RequestState.EXPIRED, actor_id="system", now=long_ago
    )
    assert keeping.runtime.housekeeping.run_once() == []
    assert keeping.store.get(old.id) is not None  # no retention: kept for ever

    with caplog.at_level(logging.INFO, logger="bot.retention"):  # start-up runs a round
        forgetting = bots.start(runtime_options=QUIET, sendid_retention_days=30)
    young = forgetting.request(CAMPAIGN, "this_month")
    assert forgetting.runtime.housekeeping.run_once() == []
    assert forgetting.store.get(old.id) is None and forgetting.store.audit(old.id) == []
    assert stored(forgetting.store, young.id).state is RequestState.PENDING
    (trail,) = [r.__dict__["audit"] for r in caplog.records if r.name == "bot.retention"]
    assert [row["to_state"] for row in trail] == ["pending", "expired"]
