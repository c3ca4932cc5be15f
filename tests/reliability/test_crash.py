"""SIGKILL at random moments: the bot as a `python -m bot` process, killed and started again.

Braze answers slowly (so some kills land while its call is in flight) and Slack a little
slowly (so some land between Braze's answer and the thread reply). After every restart the
start-up sweep settles interrupted approvals as *outcome unknown*; a last sweep posts replies a
kill lost. Then the consistency check must find nothing lost, nothing doubled, every Braze
creation accounted for, every decided request replied to, every audit trail whole.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest

from bot.domain.models import FailureKind, RequestState
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.store import Store
from tests.reliability import invariants
from tests.reliability.harness import CHANNELS, Figures, check_consistency, long_run, watched_driver
from tests.reliability.invariants import DECIDED
from tests.support.bots import InProcessBots, bot_env
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN, CHANNEL, REQUESTER
from tests.support.driver import SlackDriver
from tests.support.processes import Processes
from tests.support.shown import buttons
from tests.support.waits import (
    Submission,
    stored,
    wait_for_state,
    wait_settled,
    wait_stored,
    wait_until,
)

STALE_CLAIM_SECONDS = 1.0
# Below the stale claim, as settings require; the stand-in answers in milliseconds.
CREATE_DEADLINE_SECONDS = 0.8


def seed() -> int:
    return int(os.environ.get("RELIABILITY_SEED") or time.time())


def final_sweep(bots: InProcessBots) -> SlackDriver:
    """The bot once more (in-process: its lost-reply delay shortened), to post what kills lost."""
    return bots.start(
        runtime_options={
            "lost_reply_after": timedelta(0),
            "lost_card_after": timedelta(0),
            "sweep_every": 0.2,
        },
        sendid_stale_claim_seconds=STALE_CLAIM_SECONDS,
        sendid_braze_create_deadline_seconds=CREATE_DEADLINE_SECONDS,
    )


def test_sigkill_at_random_moments_of_the_approval_path(
    bots: InProcessBots, processes: Processes, figures: Figures
) -> None:
    """SIGKILL at a random moment after approvals were clicked; restart; repeat."""
    # The processes use the stand-ins and the database of the in-process bots.
    slack, braze, database_url = bots.slack, bots.braze, bots.database_url
    rng_seed = seed()
    rng = random.Random(rng_seed)
    figures.notes["seed (RELIABILITY_SEED)"] = rng_seed
    env = bot_env(
        slack.url,
        braze.url,
        database_url,
        SENDID_STALE_CLAIM_SECONDS=str(STALE_CLAIM_SECONDS),
        SENDID_BRAZE_CREATE_DEADLINE_SECONDS=str(CREATE_DEADLINE_SECONDS),
    )
    braze.set_latency(0.3)  # a Braze call in flight for 0.3 s
    slack.set_latency(0.03)
    cycles, per_cycle = (20, 4) if long_run() else (5, 4)
    accepted: list[Submission] = []
    known: set[str] = set()
    at_kill: Counter[str] = Counter()
    http_statuses: Counter[int] = Counter()
    sent = 0

    for cycle in range(cycles):
        process = processes.bot(env).start()
        driver = watched_driver(process.url, slack)
        store = Store(database_url)
        try:
            requests = []
            for i in range(per_cycle):
                channel = CHANNELS[i % 2]
                submission = Submission(channel, REQUESTER, CAMPAIGN, f"kill_{cycle}_{i}")
                answer = driver.send_form(submission)
                assert answer.accepted_submission, answer
                accepted.append(submission)
                requests.append(wait_stored(store, submission, known))
            clicks = [
                threading.Thread(
                    target=driver.click,
                    args=(APPROVE, r.id),
                    kwargs={"user": APPROVER, "channel": r.channel_id},
                )
                for r in requests
            ]
            for click in clicks:
                click.start()
            time.sleep(rng.uniform(0.0, 1.0))
            process.kill()
            figures.fault("SIGKILL during approvals")
            for click in clicks:
                click.join(timeout=15)
            for request in requests:
                current = stored(store, request.id)
                state = current.state.value
                if current.announced_state is not current.state and current.state in DECIDED:
                    state += " (reply not yet posted)"
                at_kill[state] += 1
        finally:
            process.kill()
            store.close()
            http_statuses.update(driver.statuses)
            sent += driver.sent
            driver.close()
        time.sleep(STALE_CLAIM_SECONDS + 0.05)  # every claim the kill interrupted is now stale

    # Restarted once more as a process: its start-up sweep settles what is left in flight.
    process = processes.bot(env).start()
    with Store(database_url) as store:
        assert store.in_state(RequestState.APPROVED) == []
        recovered = [
            r
            for r in store.in_state(RequestState.FAILED)
            if r.failure_kind is FailureKind.OUTCOME_UNKNOWN
        ]
        # Claims whose Braze call had not started: back to approvable, nothing unknown.
        undone = sum(
            1
            for r in invariants.all_requests(store)
            for entry in store.audit(r.id)
            if entry.detail.startswith("not called")
        )
    assert process.stop() == 0
    # Replies a kill lost are re-posted by the sweeper; pending requests can still be approved.
    bot = final_sweep(bots)
    pending = bot.store.in_state(RequestState.PENDING)
    for request in pending:
        bot.click(APPROVE, request.id, user=APPROVER, channel=request.channel_id)
    for request in pending:
        wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    wait_settled(bot.store, [r.id for r in invariants.all_requests(bot.store)])
    verdict = check_consistency(figures, bot.store, braze, slack, accepted)
    figures.take_http(bot)
    figures.http_requests += sent
    figures.count("http_5xx", sum(n for s, n in http_statuses.items() if s >= 500))
    figures.notes["state of each request when its process was killed"] = dict(at_kill)
    figures.notes["approvals recovered as outcome unknown on restart"] = len(recovered)
    figures.notes["approvals undone on restart (Braze never called)"] = undone
    figures.notes["pending after the kills, approved after restart"] = len(pending)
    verdict.assert_clean()
    # Each recovered approval says so in its thread, with a Retry that asks first.
    for request in recovered:
        thread = [
            m
            for m in slack.messages_in(request.channel_id)
            if m.get("thread_ts") == request.card_ts
        ]
        retry = [b for m in thread for b in buttons(m.get("blocks"))]
        assert retry and all("confirm" in b for b in retry), request.id


@pytest.mark.parametrize("moment", ["before the card is posted", "while the card is posted"])
def test_sigkill_while_a_request_is_being_stored_and_shown(
    bots: InProcessBots, processes: Processes, figures: Figures, moment: str
) -> None:
    """SIGKILL between storing a request and posting its card: the request still shows up."""
    # The processes use the stand-ins and the database of the in-process bots.
    slack, braze, database_url = bots.slack, bots.braze, bots.database_url
    # At DEBUG level: the Slack client logs its requests, a good test for the secrets scrubber.
    env = bot_env(slack.url, braze.url, database_url, LOG_LEVEL="DEBUG")
    process = processes.bot(env).start()
    with watched_driver(process.url, slack) as driver:
        view = driver.open_form(user=REQUESTER, channel=CHANNEL)
        # The card post hangs; the kill lands after the request was stored. Slack either never
        # posts the card, or posts it after the bot is gone (so its ts is never stored).
        if moment == "before the card is posted":
            slack.fail_next("chat.postMessage", "internal_error", status=500, delay=1.5)
        else:
            slack.set_latency(1.5, "chat.postMessage")
        values = {"campaign_id": CAMPAIGN, "send_id": "mid_submit"}
        answer = driver.submit(view, values, user=REQUESTER)
        assert answer.accepted_submission
        submission = Submission(CHANNEL, REQUESTER, CAMPAIGN, "mid_submit")
        with Store(database_url) as store:
            wait_until(lambda: store.pair_holder(DEFAULT_WORKSPACE, CAMPAIGN, "mid_submit"))
        time.sleep(0.2)
        process.kill()
        figures.fault("SIGKILL between storing a request and its card")
        figures.take_http(driver)
    slack.set_latency(0.0, "chat.postMessage")
    bot = final_sweep(bots)  # restarted: its sweep finds the unseen request
    (request,) = wait_until(
        lambda: [r for r in bot.store.in_state(RequestState.PENDING) if r.card_ts]
    )
    if moment == "while the card is posted":  # the dead process's card arrives after all
        wait_until(lambda: len(slack.messages_in(CHANNEL)) == 2)
    verdict = check_consistency(figures, bot.store, braze, slack, [submission])
    verdict.assert_clean()
    # And it is a working card: approving it creates the send ID once.
    bot.click(APPROVE, request.id, user=APPROVER)
    created = wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    assert created.created_send_id == "mid_submit"
