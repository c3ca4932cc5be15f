"""A database with many ended requests, for timing what housekeeping reads (issue 24, item 7)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bot.domain.models import FailureKind, RequestState
from bot.domain.notices import NoticeBook
from bot.domain.sweeps import ANNOUNCED_STATES
from bot.store import Store
from bot.store.schema import audit_log, requests_table

CAMPAIGN = "3f1c9e2a-5b7d-4c8e-9a10-1b2c3d4e5f60"


def seed_ended_requests(url: str, count: int) -> None:
    """`count` requests that ended 60 days ago, their replies posted: every other one created,
    the rest failed on the quota; one audit row each."""
    old = datetime.now(UTC) - timedelta(days=60)
    requests, audits = [], []
    for n in range(count):
        failed = n % 2 == 1
        state = RequestState.FAILED if failed else RequestState.CREATED
        request_id = f"r{n:012x}"
        requests.append(
            {
                "id": request_id,
                "channel_id": "C0CAMPAIGNS",
                "workspace": "default",
                "requester_id": f"U{n % 50:03d}",
                "campaign_id": CAMPAIGN,
                "send_id": f"seeded_{n}",
                "state": state.value,
                "previous_state": RequestState.APPROVED.value,
                "created_at": old,
                "updated_at": old + timedelta(seconds=n),
                "expires_at": old + timedelta(days=1),
                "card_ts": "1.1",
                "decided_by": "U0APPROVER",
                "decided_at": old,
                "created_send_id": None if failed else f"seeded_{n}",
                "failure_kind": FailureKind.QUOTA.value if failed else None,
                "attempts": 1,
                "announced_state": state.value,
            }
        )
        audits.append(
            {
                "request_id": request_id,
                "workspace": "default",
                "from_state": None,
                "to_state": RequestState.PENDING.value,
                "actor_id": "U0MARKETER",
                "at": old,
                "detail": "requested",
            }
        )
    with Store(url) as store, store._db.write() as conn:
        for start in range(0, count, 5000):
            conn.execute(requests_table.insert(), requests[start : start + 5000])
            conn.execute(audit_log.insert(), audits[start : start + 5000])


def time_housekeeping_queries(url: str) -> dict[str, float]:
    """Seconds each per-round read of housekeeping takes on the database (the slower of two)."""
    now = datetime.now(UTC)
    with Store(url) as store:
        book = NoticeBook(store, lambda: now)
        reads = {
            "quota is back": lambda: book.take_quota_back(lambda workspace: None),
            "lost replies": lambda: store.unannounced(ANNOUNCED_STATES, now),
            "overdue requests": lambda: store.due_for_expiry(now),
            "unretried setup failures": lambda: store.unretried_setup_failures(now),
            "pending (reminders)": lambda: store.in_state(RequestState.PENDING),
        }
        timings = {}
        for name, read in reads.items():
            slowest = 0.0
            for _ in range(2):
                started = time.perf_counter()
                read()
                slowest = max(slowest, time.perf_counter() - started)
            timings[name] = slowest
    return timings
