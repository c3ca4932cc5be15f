"""The service's entry points for the Slack layer and housekeeping: reading requests and recording
what people were shown. A real Store (SQLite file) and a real BrazeClient against the stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.braze import BrazeClient
from bot.domain.models import RequestState, SendIdRequest
from bot.domain.service import SendIdService
from bot.store import Store
from tests.standins.braze import DATA_SERIES_PATH, BrazeStandIn
from tests.support.constants import APPROVER, BRAZE_KEY, CAMPAIGN, CHANNEL, OTHER_CHANNEL, REQUESTER

S = RequestState
OTHER_PERSON = "U0OTHER"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(store: Store, braze: BrazeStandIn, clock: Clock) -> Iterator[SendIdService]:
    with BrazeClient(braze.url, BRAZE_KEY) as client:
        yield SendIdService(store, client, ttl=timedelta(hours=24), clock=clock)


def submit(
    service: SendIdService,
    send_id: str,
    *,
    channel_id: str = CHANNEL,
    requester_id: str = REQUESTER,
) -> SendIdRequest:
    outcome = service.submit(
        channel_id=channel_id,
        requester_id=requester_id,
        raw_campaign_id=CAMPAIGN,
        raw_send_id=send_id,
    )
    assert outcome.request is not None, outcome.problems
    return outcome.request


def created(service: SendIdService, send_id: str, *, channel_id: str = CHANNEL) -> SendIdRequest:
    claim = service.claim_approval(submit(service, send_id, channel_id=channel_id).id, APPROVER)
    assert claim.request is not None
    final, _ = service.create_in_braze(claim.request)
    assert final.state is S.CREATED
    return final


def test_a_recorded_card_is_part_of_the_request_read_back(service: SendIdService) -> None:
    request = submit(service, "wave1")
    assert service.get_request(request.id) == request

    service.record_card(request.id, "1700000000.000100")

    stored = service.get_request(request.id)
    assert stored is not None and stored.card_ts == "1700000000.000100"
    assert service.get_request("r000000000000") is None


def test_a_channels_history_is_its_own_requests_newest_first(
    service: SendIdService, clock: Clock
) -> None:
    first = submit(service, "wave1")
    clock.now += timedelta(seconds=1)
    elsewhere = submit(service, "wave2", channel_id=OTHER_CHANNEL)
    clock.now += timedelta(seconds=1)
    second = submit(service, "wave3")

    assert [r.id for r in service.channel_history(CHANNEL)] == [second.id, first.id]
    assert [r.id for r in service.channel_history(CHANNEL, limit=1)] == [second.id]
    assert [r.id for r in service.channel_history(OTHER_CHANNEL)] == [elsewhere.id]


def test_a_persons_requests_span_channels_and_leave_out_other_peoples(
    service: SendIdService, clock: Clock
) -> None:
    mine_here = submit(service, "wave1")
    clock.now += timedelta(seconds=1)
    mine_there = submit(service, "wave2", channel_id=OTHER_CHANNEL)
    submit(service, "wave3", requester_id=OTHER_PERSON)

    assert [r.id for r in service.requests_of(REQUESTER)] == [mine_there.id, mine_here.id]


def test_pending_requests_leave_out_decided_ones(service: SendIdService) -> None:
    waiting = submit(service, "wave1")
    rejected = submit(service, "wave2")
    assert service.reject(rejected.id, APPROVER, None).won

    assert [r.id for r in service.pending_requests()] == [waiting.id]


def test_the_created_request_of_a_send_id_is_found_only_in_its_own_channel(
    service: SendIdService,
) -> None:
    done = created(service, "wave1")
    submit(service, "wave2")  # pending: it has created nothing yet

    assert service.created_request(CHANNEL, "wave1") == done
    assert service.created_request(OTHER_CHANNEL, "wave1") is None
    assert service.created_request(CHANNEL, "wave2") is None


def test_a_reply_counts_as_lost_until_it_is_recorded(service: SendIdService, clock: Clock) -> None:
    request = submit(service, "wave1")
    service.record_card(request.id, "1.1")
    claim = service.reject(request.id, APPROVER, "wrong day")
    assert claim.request is not None

    assert service.lost_replies(timedelta(seconds=30)) == []  # too recent to call lost
    clock.now += timedelta(minutes=1)
    assert [r.id for r in service.lost_replies(timedelta(seconds=30))] == [request.id]

    service.record_reply(request.id, S.REJECTED)

    assert service.lost_replies(timedelta(seconds=30)) == []


def test_an_unshown_request_is_handed_out_once_and_again_after_it_is_given_back(
    service: SendIdService, clock: Clock
) -> None:
    unseen = submit(service, "wave1")
    shown = submit(service, "wave2")
    service.record_card(shown.id, "1.1")
    clock.now += timedelta(minutes=10)

    assert [r.id for r in service.take_unshown(timedelta(minutes=5))] == [unseen.id]
    assert service.take_unshown(timedelta(minutes=5)) == []  # taken: nobody else shows it

    service.give_back_unshown(unseen.id)

    assert [r.id for r in service.take_unshown(timedelta(minutes=5))] == [unseen.id]


# ---- misuse is refused with an error, never acted on ----------------------------------------


def test_results_are_refused_for_a_request_that_created_nothing(
    service: SendIdService, braze: BrazeStandIn
) -> None:
    request = submit(service, "wave1")

    with pytest.raises(ValueError, match="no send ID"):
        service.send_results(request)

    assert [c for c in braze.calls if c.path == DATA_SERIES_PATH] == []
