"""Load: concurrent users against two `python -m bot` processes on one database.

Requesters in many channels open forms and submit (send IDs chosen or left blank), approvers
approve and reject what appears, others ask for help, history and quota or click where they may
not; every HTTP request goes to the next of the two processes in turn (a form opened on one is
submitted to the other). Then 50 approvers click Approve on one card at the same moment, half on
each process. Afterwards: no 5xx, nothing lost or doubled, exactly one Braze call per approval.

The default run is bounded for CI; ``RELIABILITY_LONG=1`` (``scripts/reliability --long``) runs
a longer one.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

from bot.domain.models import RequestState, SendIdRequest
from bot.store import Store
from tests.reliability import invariants
from tests.reliability.harness import (
    Figures,
    TwoReplicas,
    check_consistency,
    long_run,
    watched_driver,
)
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.constants import APPROVE, CAMPAIGN, OUTSIDER
from tests.support.waits import Submission, wait_for_state, wait_settled, wait_stored

CHANNELS = tuple(f"C0LOAD{n:02d}" for n in range(1, 9))
APPROVERS = tuple(f"U0APPR{n:02d}" for n in range(1, 7))
STORM = 50  # simultaneous clicks on one card


class Pool:
    """Requests with a card, waiting for someone to decide them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[SendIdRequest] = []

    def put(self, request: SendIdRequest) -> None:
        with self._lock:
            self._items.append(request)

    def take(self, rng: random.Random) -> SendIdRequest | None:
        with self._lock:
            if not self._items:
                return None
            return self._items.pop(rng.randrange(len(self._items)))

    def drain(self) -> list[SendIdRequest]:
        with self._lock:
            items, self._items = self._items, []
            return items


def test_concurrent_users_on_two_processes_sharing_one_database(
    slack: SlackStandIn, braze: BrazeStandIn, two_replicas: TwoReplicas, figures: Figures
) -> None:
    """Concurrent requesters and approvers on two processes, one database; then 50 clicks."""
    users, operations = (40, 50) if long_run() else (16, 15)
    figures.notes["users x operations"] = f"{users} x {operations}"
    braze.daily_limit = 1_000_000
    braze.set_remaining(1_000_000)
    braze.set_latency(0.02)
    replicas = two_replicas.start(
        SENDID_ALLOWED_CHANNELS=",".join(CHANNELS), SENDID_APPROVERS=",".join(APPROVERS)
    )
    driver = watched_driver(replicas, slack, timeout=30)
    store = Store(two_replicas.database_url)
    pool = Pool()
    accepted: list[Submission] = []
    known: set[str] = set()
    known_lock = threading.Lock()
    errors: list[str] = []
    operations_done: Counter[str] = Counter()
    seed = int(time.time())
    figures.notes["seed"] = seed

    def submit(rng: random.Random, user: str, n: int) -> None:
        channel = rng.choice(CHANNELS)
        send_id = None if rng.random() < 0.2 else f"load_{user}_{n}"
        submission = Submission(channel, user, CAMPAIGN, send_id)
        answer = driver.send_form(submission)
        if not answer.accepted_submission:
            errors.append(f"submission refused: {answer}")
            return
        with known_lock:
            accepted.append(submission)
        request = wait_stored(store, submission, known, timeout=30)
        pool.put(request)
        operations_done["submit"] += 1

    def decide(rng: random.Random, user: str) -> None:
        request = pool.take(rng)
        if request is None:
            return
        approver = rng.choice(APPROVERS)
        if rng.random() < 0.3:
            driver.reject(request.id, user=approver, channel=request.channel_id, reason="load")
            operations_done["reject"] += 1
        else:
            if rng.random() < 0.2:  # a second approver clicks too
                other = rng.choice([a for a in APPROVERS if a != approver])
                driver.click(APPROVE, request.id, user=other, channel=request.channel_id)
                operations_done["second click"] += 1
            driver.click(APPROVE, request.id, user=approver, channel=request.channel_id)
            operations_done["approve"] += 1

    def user_session(index: int) -> None:
        rng = random.Random(seed + index)
        user = f"U0USER{index:02d}"
        try:
            for n in range(operations):
                roll = rng.random()
                if roll < 0.45:
                    submit(rng, user, n)
                elif roll < 0.60:
                    text = rng.choice(["help", "history", "quota"])
                    driver.command(text, user=user, channel=rng.choice(CHANNELS))
                    operations_done[f"/sendid {text}"] += 1
                elif roll < 0.65:
                    request = pool.take(rng)
                    if request is not None:  # not an approver: refused, request stays
                        driver.click(APPROVE, request.id, user=OUTSIDER, channel=request.channel_id)
                        pool.put(request)
                        operations_done["refused click"] += 1
                else:
                    decide(rng, user)
        except Exception as error:  # reported below, with the others
            errors.append(f"{user}: {error!r}")

    started = time.monotonic()
    try:
        sessions = [threading.Thread(target=user_session, args=(i,)) for i in range(1, users + 1)]
        for session in sessions:
            session.start()
        for session in sessions:
            session.join(timeout=300)
        for request in pool.drain():  # what nobody decided yet
            driver.click(APPROVE, request.id, user=APPROVERS[0], channel=request.channel_id)
            operations_done["approve"] += 1
        figures.notes["mixed phase (s)"] = round(time.monotonic() - started, 1)

        # 50 approvers click Approve on one card at the same moment, alternating processes.
        storm_submission = Submission(CHANNELS[0], "U0USER00", CAMPAIGN, "storm")
        answer = driver.send_form(storm_submission)
        assert answer.accepted_submission
        accepted.append(storm_submission)
        target = wait_stored(store, storm_submission, known)
        barrier = threading.Barrier(STORM)
        statuses: list[int] = []
        storm_driver = watched_driver(replicas, slack, timeout=30)

        def click(n: int) -> None:
            barrier.wait()
            answer = storm_driver.click(
                APPROVE,
                target.id,
                user=APPROVERS[n % len(APPROVERS)],
                channel=target.channel_id,
                replica=n % 2,
            )
            statuses.append(answer.status)

        storm = [threading.Thread(target=click, args=(n,)) for n in range(STORM)]
        for thread in storm:
            thread.start()
        for thread in storm:
            thread.join(timeout=60)
        wait_for_state(store, target.id, RequestState.CREATED, announced=True)
        figures.fault(f"{STORM} simultaneous clicks on one card", 1)
        storm_seconds = sorted(storm_driver.seconds)
        figures.notes["50-click storm: slowest answer (s)"] = round(storm_seconds[-1], 3)
        figures.notes["50-click storm: median answer (s)"] = round(storm_seconds[STORM // 2], 3)
        slow = [t for t in driver.seconds + storm_seconds if t >= 3.0]
        figures.notes["answers slower than Slack's 3 s"] = len(slow)
        figures.take_http(storm_driver)
        storm_driver.close()

        everything = invariants.all_requests(store)
        wait_settled(store, [r.id for r in everything], timeout=60, allow_pending=True)
        assert not errors, errors[:10]
        assert statuses == [200] * STORM, Counter(statuses)
        storm_calls = [c for c in braze.create_calls() if (c.json or {}).get("send_id") == "storm"]
        assert len(storm_calls) == 1
        approvals = [
            a for r in everything for a in store.audit(r.id) if a.to_state is RequestState.APPROVED
        ]
        storm_approvals = [a for a in approvals if a.request_id == target.id]
        figures.notes["Braze calls for the 50-click card"] = len(storm_calls)
        figures.notes["approvals recorded for the 50-click card"] = len(storm_approvals)
        figures.notes["operations"] = dict(sorted(operations_done.items()))
        figures.notes["approvals"] = len(approvals)
        per_pair = invariants.create_calls_per_request(braze.calls)
        explicit = [r for r in everything if r.send_id is not None and r.attempts]
        more_than_one = [r.id for r in explicit if per_pair[(r.campaign_id, r.send_id)] != 1]
        figures.count("duplicated", len(more_than_one))
        assert len(storm_approvals) == 1
        assert len(braze.create_calls()) == len(approvals), "one Braze call per approval"
        assert not more_than_one

        verdict = check_consistency(figures, store, braze, slack, accepted, CHANNELS)
        figures.take_http(driver)
        figures.count("no_answer", driver.statuses.get(0, 0))
        assert driver.server_errors == 0 and driver.statuses.get(0, 0) == 0, driver.failures[:5]
        verdict.assert_clean()
    finally:
        driver.close()
        store.close()
