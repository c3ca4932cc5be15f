"""bot.domain.service, the one entry point of the Slack layer and of housekeeping, against a real
Store (SQLite file) and a real BrazeClient talking HTTP to the loopback Braze stand-in. Time is an
injected clock wherever the service takes one."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.braze import BrazeClient, RetryPolicy
from bot.domain import problems as codes
from bot.domain.limits import PersonLimits, SubmissionRateLimit
from bot.domain.models import (
    ApprovalStep,
    FailureKind,
    QuotaSnapshot,
    RequestState,
    SendIdRequest,
)
from bot.domain.problems import Problem
from bot.domain.service import FORM, Claim, SendIdService, SubmitOutcome
from bot.domain.sweeps import SYSTEM_ACTOR
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.store import Store
from tests.standins.braze import CREATE_PATH, DATA_SERIES_PATH, DETAILS_PATH, BrazeStandIn
from tests.support.constants import (
    APPROVER,
    BRAZE_KEY,
    CAMPAIGN,
    CAMPAIGN_NAME,
    CHANNEL,
    GROUP_APPROVER,
    OTHER_CHANNEL,
    OUTSIDER,
    REQUESTER,
    UNKNOWN_CAMPAIGN,
)
from tests.support.waits import stored

S = RequestState
TTL = timedelta(hours=24)
OTHER_CAMPAIGN = "7a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
READ_TIMEOUT = 0.4
# One TLS context for every test's client: building one per client costs ~0.1 s (CA bundle load),
# and the stand-in is plain HTTP on loopback anyway.
TLS = ssl.create_default_context()


class FakeClock:
    """The service's clock; starts at the real time so Braze's own observations stay comparable."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(braze: BrazeStandIn, sleeps: list[float]) -> Iterator[BrazeClient]:
    with BrazeClient(
        braze.url,
        BRAZE_KEY,
        timeout=httpx.Timeout(connect=1.0, read=READ_TIMEOUT, write=1.0, pool=1.0),
        retry=RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.02, max_total=3.0),
        sleep=sleeps.append,  # the backoff pauses are recorded, not waited
        transport=httpx.HTTPTransport(verify=TLS),
    ) as opened:
        yield opened


@pytest.fixture
def service(store: Store, client: BrazeClient, clock: FakeClock) -> SendIdService:
    return SendIdService(
        store, {DEFAULT_WORKSPACE: client}, ttl=TTL, lookup_timeout=1.0, clock=clock
    )


def attempt(
    service: SendIdService,
    campaign_id: str | None = CAMPAIGN,
    send_id: str | None = "wave1",
    *,
    channel_id: str = CHANNEL,
    requester_id: str = REQUESTER,
) -> SubmitOutcome:
    """The form submitted with these values, as typed: what the service made of it."""
    return service.submit(
        channel_id=channel_id,
        requester_id=requester_id,
        raw_campaign_id=campaign_id,
        raw_send_id=send_id,
    )


def submit(
    service: SendIdService,
    send_id: str | None = "wave1",
    *,
    campaign_id: str = CAMPAIGN,
    channel_id: str = CHANNEL,
    requester_id: str = REQUESTER,
) -> SendIdRequest:
    """The form submitted and accepted: the stored request."""
    outcome = attempt(
        service, campaign_id, send_id, channel_id=channel_id, requester_id=requester_id
    )
    assert outcome.problems == {}, outcome.problems
    assert outcome.request is not None
    return outcome.request


def approved(service: SendIdService, send_id: str | None = "wave1") -> SendIdRequest:
    claim = service.claim_approval(submit(service, send_id).id, APPROVER)
    assert claim.won and claim.request is not None
    return claim.request


def failed(service: SendIdService, braze: BrazeStandIn, status: int) -> SendIdRequest:
    braze.fail_next(CREATE_PATH, status)
    final, _ = service.create_in_braze(approved(service))
    assert final.state is S.FAILED
    return final


def timed_out(service: SendIdService, braze: BrazeStandIn) -> SendIdRequest:
    """An approval whose Braze call got no answer in time: Braze may have created the ID."""
    braze.delay_next(CREATE_PATH, READ_TIMEOUT + 1.5)
    final, _ = service.create_in_braze(approved(service))
    assert final.failure_kind is FailureKind.OUTCOME_UNKNOWN
    return final


def next_utc_midnight() -> datetime:
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    return tomorrow.replace(hour=0, minute=0, second=0, microsecond=0)


def details_calls(braze: BrazeStandIn) -> int:
    return len([c for c in braze.calls if c.path == DETAILS_PATH])


# ---- submission -------------------------------------------------------------------------------


def test_a_valid_submission_stores_a_pending_request_with_the_campaign_name(
    service: SendIdService, store: Store, braze: BrazeStandIn, clock: FakeClock
) -> None:
    outcome = attempt(service, f"  {CAMPAIGN.upper()} ", " wave1 ")
    request = outcome.request
    assert outcome.problems == {}
    assert request is not None
    assert request.state is S.PENDING
    assert (request.channel_id, request.requester_id) == (CHANNEL, REQUESTER)
    assert (request.campaign_id, request.send_id) == (CAMPAIGN, "wave1")
    assert request.campaign_name == CAMPAIGN_NAME
    assert request.created_at == clock.now
    assert request.expires_at == clock.now + TTL
    assert store.get(request.id) == request
    assert [(a.from_state, a.to_state, a.actor_id) for a in store.audit(request.id)] == [
        (None, S.PENDING, REQUESTER)
    ]
    assert braze.create_calls() == []  # submitting never spends quota
    assert braze.calls[0].query == {"campaign_id": CAMPAIGN}


def test_a_submission_without_a_send_id_leaves_it_to_braze(service: SendIdService) -> None:
    assert submit(service, send_id="   ").send_id is None


@pytest.mark.parametrize(
    ("raw_campaign_id", "raw_send_id", "fields"),
    [
        ("", "wave1", {"campaign_id"}),
        ("not-a-campaign", "wave1", {"campaign_id"}),
        (CAMPAIGN, "has space", {"send_id"}),
        (CAMPAIGN, "x" * 65, {"send_id"}),
        (CAMPAIGN, "caf\u00e9", {"send_id"}),
        ("nope", "a\x00b", {"campaign_id", "send_id"}),
    ],
)
def test_each_validation_problem_is_reported_without_storing_or_calling_braze(
    service: SendIdService,
    store: Store,
    braze: BrazeStandIn,
    raw_campaign_id: str,
    raw_send_id: str,
    fields: set[str],
) -> None:
    outcome = attempt(service, raw_campaign_id, raw_send_id)
    assert outcome.request is None
    assert set(outcome.problems) == fields
    assert store.recent_in_channel(CHANNEL) == []
    assert braze.calls == []


def test_a_campaign_braze_does_not_know_is_refused(service: SendIdService, store: Store) -> None:
    outcome = attempt(service, UNKNOWN_CAMPAIGN)
    assert outcome.request is None
    assert outcome.problems == {"campaign_id": Problem(codes.CAMPAIGN_UNKNOWN)}
    assert store.recent_in_channel(CHANNEL) == []


def test_an_archived_campaign_is_refused(service: SendIdService, braze: BrazeStandIn) -> None:
    braze.add_campaign(OTHER_CAMPAIGN, "Old sale", archived=True)
    outcome = attempt(service, OTHER_CAMPAIGN, None)
    assert outcome.request is None
    assert outcome.problems == {"campaign_id": Problem(codes.CAMPAIGN_ARCHIVED)}


def test_a_pair_still_pending_is_refused_as_a_duplicate(service: SendIdService) -> None:
    submit(service, "wave1")
    # The same campaign, however it is typed, by someone else in another channel.
    outcome = attempt(service, CAMPAIGN.upper(), channel_id=OTHER_CHANNEL, requester_id=OUTSIDER)
    assert outcome.request is None
    assert outcome.problems == {"send_id": Problem(codes.DUPLICATE_IN_FLIGHT)}


def test_a_pair_already_created_is_refused_as_created(service: SendIdService) -> None:
    final, _ = service.create_in_braze(approved(service, "wave1"))
    assert final.state is S.CREATED
    outcome = attempt(service)
    assert outcome.problems == {"send_id": Problem(codes.DUPLICATE_CREATED)}


def test_the_same_send_id_for_another_campaign_or_in_another_case_is_not_a_duplicate(
    service: SendIdService, braze: BrazeStandIn
) -> None:
    braze.add_campaign(OTHER_CAMPAIGN, "Other")
    submit(service, "wave1")
    submit(service, "wave1", campaign_id=OTHER_CAMPAIGN)
    submit(service, "WAVE1")  # send IDs are case-sensitive


def test_requests_without_a_send_id_never_collide(service: SendIdService) -> None:
    first, second = submit(service, None), submit(service, None)
    assert first.id != second.id


def test_a_rejected_request_frees_its_pair(service: SendIdService) -> None:
    request = submit(service, "wave1")
    assert service.reject(request.id, APPROVER, None).won
    submit(service, "wave1")


def test_a_pair_braze_refused_with_400_is_free_again(
    service: SendIdService, braze: BrazeStandIn
) -> None:
    failed(service, braze, 400)
    submit(service, "wave1")


def test_a_pair_that_failed_for_a_retryable_reason_stays_held(
    service: SendIdService, braze: BrazeStandIn
) -> None:
    failed(service, braze, 500)
    outcome = attempt(service)
    assert outcome.problems == {"send_id": Problem(codes.DUPLICATE_IN_FLIGHT)}


# ---- quota at submission ----------------------------------------------------------------------


def test_an_exhausted_quota_refuses_submission_until_its_reset(
    service: SendIdService, store: Store, braze: BrazeStandIn, clock: FakeClock
) -> None:
    reset = clock.now.replace(hour=23, minute=59, second=0)
    if reset <= clock.now:
        reset += timedelta(days=1)
    store.record_quota(
        DEFAULT_WORKSPACE,
        QuotaSnapshot(limit=100, remaining=0, reset_at=reset, observed_at=clock()),
    )
    outcome = attempt(service)
    assert outcome.request is None
    left = int((reset - clock.now).total_seconds())
    assert outcome.problems == {
        FORM: Problem(codes.QUOTA_USED_UP, {"reset_at": reset, "seconds_left": left})
    }
    assert braze.calls == []
    assert service.quota_exhausted(DEFAULT_WORKSPACE) is not None

    clock.now = reset
    assert service.quota_exhausted(DEFAULT_WORKSPACE) is None
    submit(service, "wave1")


def test_a_quota_with_some_left_does_not_refuse_submission(
    service: SendIdService, store: Store, clock: FakeClock
) -> None:
    store.record_quota(
        DEFAULT_WORKSPACE,
        QuotaSnapshot(
            limit=100, remaining=1, reset_at=clock.now + timedelta(hours=1), observed_at=clock()
        ),
    )
    submit(service)


def test_creating_the_last_send_id_of_the_day_refuses_the_next_submission(
    service: SendIdService, braze: BrazeStandIn
) -> None:
    braze.set_remaining(1)
    final, quota = service.create_in_braze(approved(service, "wave1"))
    assert final.state is S.CREATED
    assert quota is not None and quota.remaining == 0
    calls = len(braze.calls)
    outcome = attempt(service, send_id="wave2")
    assert outcome.problems[FORM].code == codes.QUOTA_USED_UP
    assert len(braze.calls) == calls


# ---- the campaign lookup ----------------------------------------------------------------------


def test_a_slow_campaign_lookup_is_cut_short_and_the_request_goes_on_without_a_name(
    store: Store, client: BrazeClient, braze: BrazeStandIn, clock: FakeClock
) -> None:
    service = SendIdService(
        store, {DEFAULT_WORKSPACE: client}, ttl=TTL, lookup_timeout=0.3, clock=clock
    )
    # Held until the stand-in stops: only the time box can end the submission before that
    # (had it waited, the lookup would have answered and named the campaign).
    braze.delay_next(DETAILS_PATH, 60.0)
    request = submit(service)
    assert request.campaign_name is None
    assert request.state is S.PENDING


def test_after_a_lookup_that_braze_could_not_answer_later_forms_do_not_wait(
    store: Store, client: BrazeClient, braze: BrazeStandIn, clock: FakeClock
) -> None:
    service = SendIdService(
        store, {DEFAULT_WORKSPACE: client}, ttl=TTL, lookup_timeout=0.3, clock=clock
    )
    braze.delay_next(DETAILS_PATH, 60.0, times=10)
    submit(service)
    details_calls = len([c for c in braze.calls if c.path == DETAILS_PATH])
    second = submit(service, send_id="wave_after_pause")
    # Lookups are paused: the second form asked Braze nothing, so had no time box to wait out.
    assert len([c for c in braze.calls if c.path == DETAILS_PATH]) == details_calls
    assert second.state is S.PENDING


def test_a_failing_campaign_lookup_does_not_block_the_request(
    service: SendIdService, braze: BrazeStandIn
) -> None:
    braze.fail_next(DETAILS_PATH, 503, times=3)
    request = submit(service)
    assert request.campaign_name is None


def test_a_key_without_campaign_details_permission_stops_the_lookups_for_a_while(
    service: SendIdService, braze: BrazeStandIn
) -> None:
    braze.details_forbidden = True
    first = submit(service, "wave1")
    assert first.campaign_name is None
    assert details_calls(braze) == 1

    braze.details_forbidden = False  # even if the permission appears, the bot does not ask yet
    second = submit(service, "wave2")
    third = submit(service, "wave3")
    assert second.campaign_name is None and third.campaign_name is None
    assert details_calls(braze) == 1


# ---- claiming a decision ----------------------------------------------------------------------


def test_the_first_approval_wins_and_the_second_sees_who_approved(
    service: SendIdService, store: Store, clock: FakeClock
) -> None:
    request = submit(service)
    first = service.claim_approval(request.id, APPROVER)
    second = service.claim_approval(request.id, GROUP_APPROVER)
    assert first.won and first.request is not None
    assert first.request.state is S.APPROVED
    assert first.request.decided_by == APPROVER
    assert first.request.decided_at == clock.now
    assert first.request.attempts == 1
    assert not second.won
    assert second.request is not None and second.request.decided_by == APPROVER
    transitions = [(a.from_state, a.to_state, a.actor_id) for a in store.audit(request.id)]
    assert transitions == [(None, S.PENDING, REQUESTER), (S.PENDING, S.APPROVED, APPROVER)]


def test_concurrent_approvals_have_exactly_one_winner(service: SendIdService, store: Store) -> None:
    request = submit(service)
    barrier = threading.Barrier(8)
    claims: list[Claim] = []
    lock = threading.Lock()

    def click(user: str) -> None:
        barrier.wait()
        claim = service.claim_approval(request.id, user)
        with lock:
            claims.append(claim)

    threads = [threading.Thread(target=click, args=(f"U0APPROVER{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    winners = [c for c in claims if c.won]
    assert len(claims) == 8
    assert len(winners) == 1
    assert winners[0].request is not None
    final = store.get(request.id)
    assert final is not None and final.decided_by == winners[0].request.decided_by
    assert final.attempts == 1
    assert [a.to_state for a in store.audit(request.id)].count(S.APPROVED) == 1


def test_claiming_an_unknown_request_is_lost_with_nothing_to_show(
    service: SendIdService,
) -> None:
    assert service.claim_approval("rdoesnotexist", APPROVER) == Claim(
        won=False, request=None, step=ApprovalStep.NOT_PENDING
    )


# ---- creating in Braze ------------------------------------------------------------------------


def test_creating_an_approved_request_records_the_send_id_and_the_quota(
    service: SendIdService, store: Store, braze: BrazeStandIn
) -> None:
    final, quota = service.create_in_braze(approved(service, "wave1"))
    assert final.state is S.CREATED
    assert final.created_send_id == "wave1"
    assert braze.created == [(CAMPAIGN, "wave1")]
    assert len(braze.create_calls()) == 1
    assert braze.create_calls()[0].json == {"campaign_id": CAMPAIGN, "send_id": "wave1"}
    assert quota is not None
    assert (quota.limit, quota.remaining) == (100, 99)
    stored = store.quota(DEFAULT_WORKSPACE)
    assert stored is not None and (stored.limit, stored.remaining) == (100, 99)
    assert stored.reset_at is not None and stored.reset_at > datetime.now(UTC)
    audit = store.audit(final.id)[-1]
    assert (audit.from_state, audit.to_state, audit.actor_id) == (S.APPROVED, S.CREATED, APPROVER)


def test_creating_without_a_send_id_keeps_the_one_braze_generated(
    service: SendIdService, braze: BrazeStandIn
) -> None:
    final, _ = service.create_in_braze(approved(service, None))
    assert braze.create_calls()[0].json == {"campaign_id": CAMPAIGN}
    assert final.created_send_id == braze.created[0][1]
    assert final.created_send_id


def test_only_a_claimed_approval_may_call_braze(
    service: SendIdService, braze: BrazeStandIn
) -> None:
    with pytest.raises(ValueError, match="only a claimed approval"):
        service.create_in_braze(submit(service))
    assert braze.create_calls() == []


@pytest.mark.parametrize(
    ("status", "kind", "calls"),
    [
        (400, FailureKind.REJECTED_BY_BRAZE, 1),
        (401, FailureKind.AUTH, 1),
        (403, FailureKind.PERMISSION, 1),
        (404, FailureKind.NOT_FOUND, 1),
        (429, FailureKind.QUOTA, 1),
        (500, FailureKind.OUTCOME_UNKNOWN, 1),
        (503, FailureKind.OUTCOME_UNKNOWN, 1),
    ],
)
def test_each_braze_error_status_maps_to_its_failure_kind(
    service: SendIdService,
    store: Store,
    braze: BrazeStandIn,
    status: int,
    kind: FailureKind,
    calls: int,
) -> None:
    braze.fail_next(CREATE_PATH, status, {"message": f"braze says {status}"})
    final, _ = service.create_in_braze(approved(service))
    assert final.state is S.FAILED
    assert final.failure_kind is kind
    assert final.failure_message is not None and f"braze says {status}" in final.failure_message
    assert len(braze.create_calls()) == calls
    assert braze.created == []
    audit = store.audit(final.id)[-1]
    assert (audit.from_state, audit.to_state) == (S.APPROVED, S.FAILED)
    assert audit.detail.startswith(f"{kind.value}: ")


def test_a_5xx_is_never_sent_again_on_its_own(
    service: SendIdService, store: Store, braze: BrazeStandIn, sleeps: list[float]
) -> None:
    braze.create_then_fail_next(503)
    final, _ = service.create_in_braze(approved(service))
    assert (final.state, final.failure_kind) == (S.FAILED, FailureKind.OUTCOME_UNKNOWN)
    assert len(braze.create_calls()) == 1 and braze.created == [(CAMPAIGN, "wave1")]
    assert sleeps == []
    assert "attempts=1" in store.audit(final.id)[-1].detail


def test_a_read_timeout_is_an_unknown_outcome_and_is_not_retried(
    service: SendIdService, braze: BrazeStandIn
) -> None:
    final = timed_out(service, braze)
    assert final.state is S.FAILED
    assert len(braze.create_calls()) == 1
    assert braze.created == [(CAMPAIGN, "wave1")]  # Braze did act on it


def test_a_refused_connection_is_unavailable(service: SendIdService, braze: BrazeStandIn) -> None:
    request = approved(service)
    braze.refuse_connections()
    final, quota = service.create_in_braze(request)
    assert final.failure_kind is FailureKind.UNAVAILABLE
    assert quota is None


def test_a_2xx_without_success_is_unexpected(service: SendIdService, braze: BrazeStandIn) -> None:
    braze.fail_next(CREATE_PATH, 200, {"message": "queued"})
    final, _ = service.create_in_braze(approved(service))
    assert final.failure_kind is FailureKind.UNEXPECTED


def test_a_429_records_no_quota_left_until_brazes_reset(
    service: SendIdService, store: Store, braze: BrazeStandIn
) -> None:
    braze.set_remaining(0)
    before = next_utc_midnight()
    final, quota = service.create_in_braze(approved(service))
    assert final.failure_kind is FailureKind.QUOTA
    stored = store.quota(DEFAULT_WORKSPACE)
    assert stored is not None
    assert (stored.limit, stored.remaining) == (100, 0)
    assert stored.reset_at in (before, next_utc_midnight())  # the stand-in resets at midnight
    assert quota == stored
    outcome = attempt(service, send_id="wave2")
    assert outcome.problems[FORM].code == codes.QUOTA_USED_UP


def test_a_429_whose_rate_headers_claim_quota_left_still_records_none_left(
    service: SendIdService, store: Store, braze: BrazeStandIn
) -> None:
    braze.fail_next(CREATE_PATH, 429, headers={"X-RateLimit-Remaining": "57"})
    service.create_in_braze(approved(service))
    stored = store.quota(DEFAULT_WORKSPACE)
    assert stored is not None and stored.remaining == 0


def test_a_429_without_a_reset_time_refuses_submissions_only_until_the_next_utc_midnight(
    service: SendIdService, braze: BrazeStandIn, clock: FakeClock
) -> None:
    # Regression: remaining=0 with reset_at=None counted as exhausted forever, and nothing ever
    # called Braze again to learn otherwise. Braze's quota is daily: it is back at UTC midnight.
    braze.fail_next(CREATE_PATH, 429, headers={"X-RateLimit-Reset": None})
    final, _ = service.create_in_braze(approved(service))
    assert final.failure_kind is FailureKind.QUOTA
    midnight = (clock.now + timedelta(days=1)).replace(hour=0, minute=0, second=0)

    clock.now = midnight - timedelta(seconds=1)
    outcome = attempt(service, send_id="wave2")
    assert outcome.problems == {
        FORM: Problem(codes.QUOTA_USED_UP, {"reset_at": midnight, "seconds_left": 1})
    }

    clock.now = midnight
    submit(service, "wave2")


# ---- retry ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, FailureKind.AUTH),
        (403, FailureKind.PERMISSION),
        (404, FailureKind.NOT_FOUND),
        (429, FailureKind.QUOTA),
        (500, FailureKind.OUTCOME_UNKNOWN),
    ],
)
def test_a_retry_of_a_failure_that_may_pass_next_time_is_claimed(
    service: SendIdService,
    store: Store,
    braze: BrazeStandIn,
    status: int,
    kind: FailureKind,
) -> None:
    request = failed(service, braze, status)
    assert request.failure_kind is kind
    claim = service.claim_retry(request.id, GROUP_APPROVER)
    assert claim.won and claim.request is not None
    assert claim.request.state is S.APPROVED
    assert claim.request.decided_by == APPROVER  # who signed off stays the approver
    assert claim.request.retried_by == GROUP_APPROVER
    assert claim.request.attempts == 2
    assert store.audit(request.id)[-1].detail == "retry"
    assert not service.claim_retry(request.id, APPROVER).won  # a second click loses


def test_a_retry_after_an_unknown_outcome_is_claimed(
    service: SendIdService, braze: BrazeStandIn
) -> None:
    assert service.claim_retry(timed_out(service, braze).id, APPROVER).won


def test_a_retried_request_can_then_be_created(service: SendIdService, braze: BrazeStandIn) -> None:
    request = failed(service, braze, 503)
    claim = service.claim_retry(request.id, APPROVER)
    assert claim.request is not None
    final, _ = service.create_in_braze(claim.request)
    assert final.state is S.CREATED
    assert final.attempts == 2


def test_a_request_braze_refused_with_400_cannot_be_retried(
    service: SendIdService, store: Store, braze: BrazeStandIn
) -> None:
    request = failed(service, braze, 400)
    claim = service.claim_retry(request.id, APPROVER)
    assert not claim.won
    assert claim.request is not None and claim.request.state is S.FAILED
    current = store.get(request.id)
    assert current is not None and current.state is S.FAILED


def test_only_a_failed_request_can_be_retried(service: SendIdService, braze: BrazeStandIn) -> None:
    pending = submit(service, "wave1")
    assert not service.claim_retry(pending.id, APPROVER).won
    created, _ = service.create_in_braze(approved(service, "wave2"))
    assert not service.claim_retry(created.id, APPROVER).won
    assert service.claim_retry("rdoesnotexist", APPROVER) == Claim(won=False, request=None)


# ---- reject -----------------------------------------------------------------------------------


def test_a_reject_records_who_when_and_why(
    service: SendIdService, store: Store, clock: FakeClock
) -> None:
    request = submit(service)
    clock.advance(minutes=5)
    claim = service.reject(request.id, APPROVER, "wrong <campaign> & wrong day")
    assert claim.won and claim.request is not None
    assert claim.request.state is S.REJECTED
    assert claim.request.decided_by == APPROVER
    assert claim.request.decided_at == clock.now
    assert claim.request.reject_reason == "wrong <campaign> & wrong day"
    assert store.audit(request.id)[-1].detail == "rejected: wrong <campaign> & wrong day"


def test_a_reject_without_a_reason_stores_none(service: SendIdService, store: Store) -> None:
    request = submit(service)
    claim = service.reject(request.id, APPROVER, None)
    assert claim.request is not None and claim.request.reject_reason is None
    assert store.audit(request.id)[-1].detail == "rejected"


def test_a_decided_request_can_be_neither_rejected_nor_approved_again(
    service: SendIdService,
) -> None:
    rejected = submit(service, "wave1")
    assert service.reject(rejected.id, APPROVER, None).won
    assert not service.reject(rejected.id, GROUP_APPROVER, "again").won
    late = service.claim_approval(rejected.id, GROUP_APPROVER)
    assert not late.won and late.request is not None and late.request.state is S.REJECTED

    claimed = approved(service, "wave2")
    lost = service.reject(claimed.id, GROUP_APPROVER, None)
    assert not lost.won and lost.request is not None and lost.request.state is S.APPROVED


# ---- expiry -----------------------------------------------------------------------------------


def test_expire_due_expires_exactly_the_pending_requests_past_their_deadline(
    service: SendIdService, store: Store, clock: FakeClock
) -> None:
    oldest = submit(service, "a")
    clock.advance(hours=1)
    claimed = approved(service, "b")  # decided: never expires
    clock.advance(hours=1)
    young = submit(service, "c")
    clock.now = oldest.expires_at + timedelta(hours=1)  # past the first two deadlines only

    expired = service.expire_due()

    assert [r.id for r in expired] == [oldest.id]
    assert expired[0].state is S.EXPIRED
    audit = store.audit(oldest.id)[-1]
    assert (audit.from_state, audit.to_state, audit.actor_id) == (
        S.PENDING,
        S.EXPIRED,
        SYSTEM_ACTOR,
    )
    assert stored(store, young.id).state is S.PENDING
    assert stored(store, claimed.id).state is S.APPROVED
    assert service.expire_due() == []


def test_a_request_expires_at_its_deadline_not_before(
    service: SendIdService, clock: FakeClock
) -> None:
    request = submit(service)
    clock.now = request.expires_at - timedelta(seconds=1)
    assert service.expire_if_due(request) is None
    assert service.expire_due() == []
    clock.now = request.expires_at
    done = service.expire_if_due(request)
    assert done is not None and done.state is S.EXPIRED


def test_an_expired_request_frees_its_pair_and_cannot_be_approved(
    service: SendIdService, clock: FakeClock
) -> None:
    request = submit(service, "wave1")
    clock.now = request.expires_at
    service.expire_due()
    assert not service.claim_approval(request.id, APPROVER).won
    submit(service, "wave1")


# ---- recovery of interrupted approvals --------------------------------------------------------


def calling(service: SendIdService, store: Store, send_id: str) -> SendIdRequest:
    """A claimed approval whose Braze call has started (and whose process then died)."""
    started = store.start_call(approved(service, send_id).id, service.clock())
    assert started is not None
    return started


def test_recovery_only_fails_approvals_older_than_the_threshold(
    service: SendIdService, store: Store, braze: BrazeStandIn, clock: FakeClock
) -> None:
    stale = calling(service, store, "stale")
    clock.advance(seconds=100)
    fresh = calling(service, store, "fresh")
    pending = submit(service, "pending")
    created, _ = service.create_in_braze(approved(service, "created"))
    clock.advance(seconds=50)  # stale called 150 s ago, fresh 50 s ago

    recovered = service.recover_stale_approvals(older_than=timedelta(seconds=120))

    assert [(r.request.id, r.braze_called) for r in recovered] == [(stale.id, True)]
    assert recovered[0].request.state is S.FAILED
    assert recovered[0].request.failure_kind is FailureKind.OUTCOME_UNKNOWN
    assert store.audit(stale.id)[-1].actor_id == SYSTEM_ACTOR
    assert stored(store, fresh.id).state is S.APPROVED
    assert stored(store, pending.id).state is S.PENDING
    assert stored(store, created.id).state is S.CREATED
    assert braze.created == [(CAMPAIGN, "created")]  # recovery never calls Braze
    assert service.recover_stale_approvals(older_than=timedelta(seconds=120)) == []


def test_a_recovered_approval_may_be_retried_by_a_person(
    service: SendIdService, store: Store, clock: FakeClock
) -> None:
    stale = calling(service, store, "wave1")
    clock.advance(minutes=10)
    service.recover_stale_approvals(older_than=timedelta(minutes=2))
    assert service.claim_retry(stale.id, APPROVER).won


def test_a_claim_whose_braze_call_never_started_goes_back_to_approvable_not_unknown(
    service: SendIdService, store: Store, braze: BrazeStandIn, clock: FakeClock
) -> None:
    first = approved(service, "first")
    retried = failed(service, braze, 503)
    assert service.claim_retry(retried.id, GROUP_APPROVER).won
    clock.advance(minutes=10)

    recovered = service.recover_stale_approvals(older_than=timedelta(minutes=2))

    back = {r.request.id: r for r in recovered}
    assert not any(r.braze_called for r in recovered)
    assert back[first.id].request.state is S.PENDING
    assert back[first.id].request.decided_by is None
    assert back[retried.id].request.state is S.FAILED
    assert back[retried.id].request.failure_kind is FailureKind.OUTCOME_UNKNOWN  # as before
    assert back[retried.id].request.retried_by is None
    assert len(braze.create_calls()) == 1  # the one that failed; recovery never calls Braze
    # The undone claim cannot be started any more, and the request can be decided again.
    assert store.start_call(first.id, clock()) is None
    assert service.claim_approval(first.id, APPROVER).won


# ---- reading requests and recording what people were shown -------------------------------------
# (the entry points of the Slack layer and of housekeeping)


def test_a_recorded_card_is_part_of_the_request_read_back(service: SendIdService) -> None:
    request = submit(service, "wave1")
    assert service.get_request(request.id) == request

    service.record_card(request.id, "1700000000.000100")

    read_back = service.get_request(request.id)
    assert read_back is not None and read_back.card_ts == "1700000000.000100"
    assert service.get_request("r000000000000") is None


def test_a_channels_history_is_its_own_requests_newest_first(
    service: SendIdService, clock: FakeClock
) -> None:
    first = submit(service, "wave1")
    clock.advance(seconds=1)
    elsewhere = submit(service, "wave2", channel_id=OTHER_CHANNEL)
    clock.advance(seconds=1)
    second = submit(service, "wave3")

    assert [r.id for r in service.channel_history(CHANNEL)] == [second.id, first.id]
    assert [r.id for r in service.channel_history(CHANNEL, limit=1)] == [second.id]
    assert [r.id for r in service.channel_history(OTHER_CHANNEL)] == [elsewhere.id]


def test_a_persons_requests_span_channels_and_leave_out_other_peoples(
    service: SendIdService, clock: FakeClock
) -> None:
    mine_here = submit(service, "wave1")
    clock.advance(seconds=1)
    mine_there = submit(service, "wave2", channel_id=OTHER_CHANNEL)
    submit(service, "wave3", requester_id=OUTSIDER)

    assert [r.id for r in service.requests_of(REQUESTER)] == [mine_there.id, mine_here.id]


def test_pending_requests_leave_out_decided_ones(service: SendIdService) -> None:
    waiting = submit(service, "wave1")
    rejected = submit(service, "wave2")
    assert service.reject(rejected.id, APPROVER, None).won

    assert [r.id for r in service.pending_requests()] == [waiting.id]


def test_the_created_request_of_a_send_id_is_found_only_in_its_own_channel(
    service: SendIdService,
) -> None:
    done, _ = service.create_in_braze(approved(service, "wave1"))
    submit(service, "wave2")  # pending: it has created nothing yet

    assert service.created_request(CHANNEL, "wave1") == done
    assert service.created_request(OTHER_CHANNEL, "wave1") is None
    assert service.created_request(CHANNEL, "wave2") is None


def test_a_reply_counts_as_lost_until_it_is_recorded(
    service: SendIdService, clock: FakeClock
) -> None:
    request = submit(service, "wave1")
    service.record_card(request.id, "1.1")
    claim = service.reject(request.id, APPROVER, "wrong day")
    assert claim.request is not None

    assert service.lost_replies(timedelta(seconds=30)) == []  # too recent to call lost
    clock.advance(minutes=1)
    assert [r.id for r in service.lost_replies(timedelta(seconds=30))] == [request.id]

    service.record_reply(request.id, S.REJECTED)

    assert service.lost_replies(timedelta(seconds=30)) == []


def test_an_unshown_request_is_handed_out_once_and_again_after_it_is_given_back(
    service: SendIdService, clock: FakeClock
) -> None:
    unseen = submit(service, "wave1")
    shown = submit(service, "wave2")
    service.record_card(shown.id, "1.1")
    clock.advance(minutes=10)

    assert [r.id for r in service.take_unshown(timedelta(minutes=5))] == [unseen.id]
    assert service.take_unshown(timedelta(minutes=5)) == []  # taken: nobody else shows it

    service.give_back_unshown(unseen.id)

    assert [r.id for r in service.take_unshown(timedelta(minutes=5))] == [unseen.id]


def test_results_are_refused_for_a_request_that_created_nothing(
    service: SendIdService, braze: BrazeStandIn
) -> None:
    request = submit(service, "wave1")

    with pytest.raises(ValueError, match="no send ID"):
        service.send_results(request)

    assert [c for c in braze.calls if c.path == DATA_SERIES_PATH] == []


# ---- per-person limits -----------------------------------------------------------------------


@pytest.fixture
def limited(store: Store, client: BrazeClient, clock: FakeClock) -> SendIdService:
    """A service with a cap of 2 pending requests and 4 submissions a minute per person."""
    rate = SubmissionRateLimit(4, clock=lambda: clock.now.timestamp())
    limits = PersonLimits(max_pending=2, rate=rate)
    return SendIdService(store, {DEFAULT_WORKSPACE: client}, ttl=TTL, clock=clock, limits=limits)


def test_the_request_over_the_cap_is_refused_naming_the_pending_ones_without_asking_braze(
    limited: SendIdService, braze: BrazeStandIn, clock: FakeClock
) -> None:
    first = submit(limited, "wave1")
    clock.advance(seconds=1)
    second = submit(limited, "wave2")
    lookups = len([c for c in braze.calls if c.path == DETAILS_PATH])

    outcome = attempt(limited, send_id="wave3")

    problem = outcome.problems[FORM]
    assert problem.code == codes.TOO_MANY_PENDING and outcome.request is None
    assert problem.params["limit"] == 2
    pending: tuple[SendIdRequest, ...] = problem.params["pending"]  # type: ignore[assignment]
    assert [r.id for r in pending] == [first.id, second.id]  # oldest first
    assert len([c for c in braze.calls if c.path == DETAILS_PATH]) == lookups


def test_a_decided_request_makes_room_and_others_are_never_held_up(
    limited: SendIdService,
) -> None:
    first = submit(limited, "wave1")
    submit(limited, "wave2")
    assert submit(limited, "other1", requester_id=OUTSIDER).state is S.PENDING
    assert limited.cancel(first.id, REQUESTER).won
    assert submit(limited, "wave3").state is S.PENDING


def test_submitting_too_fast_is_refused_with_when_to_try_again(
    limited: SendIdService, clock: FakeClock
) -> None:
    for typo in range(4):
        assert attempt(limited, "not-a-campaign", f"x{typo}").problems  # counted too
    refused = attempt(limited, send_id="wave1").problems[FORM]
    assert refused == Problem(codes.SUBMITTING_TOO_FAST, {"seconds": 60})
    assert attempt(limited, send_id="theirs", requester_id=OUTSIDER).request is not None
    clock.advance(seconds=60)
    assert attempt(limited, send_id="wave1").request is not None
