"""Recording Braze's answer while the database is unreachable (bot.domain.creation): tried again
until it is written, and, if the bot stops first, logged as not recorded — never silently lost."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.braze import BrazeClient, RetryPolicy
from bot.domain.errors import UnrecordedCreation
from bot.domain.models import FailureKind, RequestState, SendIdRequest
from bot.domain.service import SendIdService
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.store import Store, StoreError
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.support.constants import APPROVER, BRAZE_KEY, CAMPAIGN, CHANNEL, REQUESTER


class FlakyStore:
    """The store, with transitions failing (as an unreachable database would) while `down`;
    `failed` is set at each refused attempt."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.down = False
        self.failed = threading.Event()

    def transition(self, *args: Any, **kwargs: Any) -> SendIdRequest | None:
        if self.down:
            self.failed.set()
            raise StoreError("database error: connection refused")
        return self._store.transition(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.fixture
def flaky(store: Store) -> FlakyStore:
    return FlakyStore(store)


@pytest.fixture
def service(flaky: FlakyStore, braze: BrazeStandIn) -> Iterator[SendIdService]:
    with BrazeClient(braze.url, BRAZE_KEY, retry=RetryPolicy(max_attempts=1)) as client:
        yield SendIdService(flaky, {DEFAULT_WORKSPACE: client}, ttl=timedelta(hours=1))


def claimed(service: SendIdService, send_id: str) -> SendIdRequest:
    outcome = service.submit(
        channel_id=CHANNEL, requester_id=REQUESTER, raw_campaign_id=CAMPAIGN, raw_send_id=send_id
    )
    assert outcome.request is not None
    claim = service.claim_approval(outcome.request.id, APPROVER)
    assert claim.won and claim.request is not None
    return claim.request


def test_a_created_send_id_is_recorded_once_the_database_is_back(
    service: SendIdService, flaky: FlakyStore, braze: BrazeStandIn
) -> None:
    request = claimed(service, "back_soon")
    flaky.down = True
    done: list[SendIdRequest] = []
    worker = threading.Thread(target=lambda: done.append(service.create_in_braze(request)[0]))
    worker.start()
    assert flaky.failed.wait(10)
    flaky.down = False
    worker.join(30)
    assert done and done[0].state is RequestState.CREATED
    assert done[0].created_send_id == "back_soon"
    assert braze.created == [(CAMPAIGN, "back_soon")]


def test_a_created_send_id_the_bot_stops_before_recording_is_logged_as_not_recorded(
    service: SendIdService,
    flaky: FlakyStore,
    braze: BrazeStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.service")
    request = claimed(service, "never_written")
    flaky.down = True
    raised: list[BaseException] = []

    def create() -> None:
        try:
            service.create_in_braze(request)
        except BaseException as error:
            raised.append(error)

    worker = threading.Thread(target=create)
    worker.start()
    assert flaky.failed.wait(10)
    service.stop()
    worker.join(10)
    assert [type(e) for e in raised] == [UnrecordedCreation]
    assert isinstance(raised[0], UnrecordedCreation) and raised[0].send_id == "never_written"
    lines = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "bot.service"]
    created = next(i for i, (_, m) in enumerate(lines) if m.startswith("braze created"))
    lost = next(i for i, (lvl, m) in enumerate(lines) if lvl == logging.ERROR)
    assert created < lost
    assert "never_written" in lines[lost][1] and request.id in lines[lost][1]
    assert "NOT recorded" in lines[lost][1]


def test_a_success_after_the_deadline_is_recorded_and_handed_on_once(
    store: Store, braze: BrazeStandIn
) -> None:
    with BrazeClient(braze.url, BRAZE_KEY, create_deadline=0.3) as client:
        service = SendIdService(store, {DEFAULT_WORKSPACE: client}, ttl=timedelta(hours=1))
        late: list[SendIdRequest] = []
        arrived = threading.Event()

        def take(request: SendIdRequest, quota: object) -> None:
            late.append(request)
            arrived.set()

        service.on_late_creation = take
        braze.trickle_next(CREATE_PATH, 0.03)  # ~1.4 s in all, past the 0.3 s deadline
        failed, _ = service.create_in_braze(claimed(service, "late_one"))
        assert (failed.state, failed.failure_kind) == (
            RequestState.FAILED,
            FailureKind.OUTCOME_UNKNOWN,
        )
        assert arrived.wait(30)
    assert [(r.state, r.created_send_id) for r in late] == [(RequestState.CREATED, "late_one")]
    trail = [(e.from_state, e.to_state) for e in store.audit(failed.id)]
    assert trail[-1] == (RequestState.FAILED, RequestState.CREATED)
