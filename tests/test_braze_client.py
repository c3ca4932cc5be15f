"""The Braze client against a real HTTP stand-in on loopback (no mocking of the client).

Only two seams are used: ``sleep`` (to record backoff pauses instead of waiting) and ``rng``
(to make the jitter deterministic where a test needs exact pauses).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from bot.braze import BrazeClient, BrazeClients, RetryPolicy, errors
from bot.domain.analytics import SEND_ANALYTICS_RETENTION_DAYS, ChannelCounts, DayStats
from bot.domain.models import FailureKind
from tests.standins.braze import CREATE_PATH, DATA_SERIES_PATH, DETAILS_PATH, BrazeStandIn

KEY = "braze-key-0123456789abcdef"
CAMPAIGN = "11111111-2222-3333-4444-555555555555"
FAST_TIMEOUT = httpx.Timeout(2.0, read=1.0)
FAST_RETRY = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.05)

MakeClient = Callable[..., BrazeClient]


class SleepRecorder:
    """Stands in for time.sleep: records the pauses instead of waiting."""

    def __init__(self, then: Callable[[], None] | None = None) -> None:
        self.delays: list[float] = []
        self._then = then

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self._then is not None:
            self._then()


@pytest.fixture
def braze() -> Iterator[BrazeStandIn]:
    with BrazeStandIn(api_key=KEY) as stand_in:
        stand_in.add_campaign(CAMPAIGN, "Spring sale")
        yield stand_in


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_client(braze: BrazeStandIn, sleeps: SleepRecorder) -> Iterator[MakeClient]:
    clients: list[BrazeClient] = []

    def make(**overrides: object) -> BrazeClient:
        options: dict[str, Any] = {
            "timeout": FAST_TIMEOUT,
            "retry": FAST_RETRY,
            "sleep": sleeps,
        }
        options.update(overrides)
        base_url = str(options.pop("base_url", braze.url))
        api_key = str(options.pop("api_key", KEY))
        client = BrazeClient(base_url, api_key, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> BrazeClient:
    return make_client()


def next_utc_midnight() -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


# -- success ---------------------------------------------------------------------------------


def test_creating_a_send_id_posts_campaign_and_send_id_with_the_bearer_key(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    created = client.create_send_id(CAMPAIGN, "spring-<sale>&1")

    assert created.send_id == "spring-<sale>&1"
    [call] = braze.create_calls()
    assert call.json == {"campaign_id": CAMPAIGN, "send_id": "spring-<sale>&1"}
    assert call.headers["authorization"] == f"Bearer {KEY}"
    assert call.headers["content-type"] == "application/json"
    assert call.headers["user-agent"].startswith("sendid-bot/")
    assert braze.created == [(CAMPAIGN, "spring-<sale>&1")]


def test_creating_without_a_send_id_omits_it_and_returns_the_one_braze_generated(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    created = client.create_send_id(CAMPAIGN)

    [call] = braze.create_calls()
    assert call.json == {"campaign_id": CAMPAIGN}
    assert created.send_id
    assert braze.created == [(CAMPAIGN, created.send_id)]


# -- quota headers ---------------------------------------------------------------------------


def test_quota_headers_on_success_become_a_quota_snapshot(client: BrazeClient) -> None:
    before = datetime.now(UTC)

    created = client.create_send_id(CAMPAIGN)

    quota = created.quota
    assert quota is not None
    assert (quota.limit, quota.remaining) == (100, 99)
    assert quota.reset_at == next_utc_midnight()
    assert quota.observed_at >= before
    assert not quota.exhausted(datetime.now(UTC))


RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def next_creation_answers(
    braze: BrazeStandIn,
    send_id: str,
    rate_limit: tuple[str, str, str],
    names: tuple[str, ...] = RATE_HEADERS,
) -> None:
    """The next POST /sends/id/create succeeds, its answer carrying (limit, remaining, reset)
    in the rate-limit headers `names`."""
    headers = dict(zip(names, rate_limit, strict=True))
    braze.fail_next(CREATE_PATH, 201, {"message": "success", "send_id": send_id}, headers=headers)


def test_quota_headers_are_read_whatever_the_case_of_their_names(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    lower_case = tuple(name.lower() for name in RATE_HEADERS)
    next_creation_answers(braze, "s1", ("50", "7", "1893456000"), lower_case)

    quota = client.create_send_id(CAMPAIGN, "s1").quota

    assert quota is not None
    assert (quota.limit, quota.remaining) == (50, 7)
    assert quota.reset_at == datetime(2030, 1, 1, tzinfo=UTC)


def test_malformed_quota_headers_are_ignored_rather_than_crashed_on(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    next_creation_answers(braze, "s1", ("lots", "7", "99999999999999999999"))
    next_creation_answers(braze, "s2", ("", "-3", "tomorrow"))

    partly = client.create_send_id(CAMPAIGN, "s1").quota
    wholly = client.create_send_id(CAMPAIGN, "s2")

    assert partly is not None
    assert (partly.limit, partly.remaining, partly.reset_at) == (None, 7, None)
    assert wholly.send_id == "s2"
    assert wholly.quota is None


# -- 4xx -------------------------------------------------------------------------------------


def test_a_400_passes_brazes_message_on_and_is_not_retried(
    client: BrazeClient, braze: BrazeStandIn, sleeps: SleepRecorder
) -> None:
    with pytest.raises(errors.BrazeRequestRejected) as caught:
        client.create_send_id("no-such-campaign", "s1")

    error = caught.value
    assert error.message == "Invalid campaign_id"
    assert error.status_code == 400
    assert error.path == CREATE_PATH
    assert error.quota is not None and error.quota.remaining == 100
    assert error.failure_kind is FailureKind.REJECTED_BY_BRAZE
    assert "Invalid campaign_id" in str(error)
    assert len(braze.create_calls()) == 1
    assert sleeps.delays == []
    assert braze.remaining == 100


def test_a_400_with_an_errors_list_passes_the_errors_on_too(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    braze.fail_next(
        CREATE_PATH,
        400,
        {"message": "Invalid request", "errors": ["send_id too long", {"field": "x" * 2000}]},
    )

    with pytest.raises(errors.BrazeRequestRejected) as caught:
        client.create_send_id(CAMPAIGN, "s1")

    assert caught.value.message.startswith("Invalid request: send_id too long; ")
    assert len(caught.value.message) <= 500


@pytest.mark.parametrize(
    ("provoke", "error_class", "status", "setting", "kind"),
    [
        ("wrong key", errors.BrazeAuthError, 401, "BRAZE_API_KEY", FailureKind.AUTH),
        (
            "no permission",
            errors.BrazePermissionError,
            403,
            "sends.id.create",
            FailureKind.PERMISSION,
        ),
        (
            "wrong url",
            errors.BrazeEndpointNotFound,
            404,
            "BRAZE_REST_ENDPOINT",
            FailureKind.NOT_FOUND,
        ),
    ],
)
def test_401_403_and_404_name_the_setting_to_check_and_never_the_key(
    make_client: MakeClient,
    braze: BrazeStandIn,
    sleeps: SleepRecorder,
    provoke: str,
    error_class: type[errors.BrazeConfigurationError],
    status: int,
    setting: str,
    kind: FailureKind,
) -> None:
    used_key = KEY
    if provoke == "wrong key":
        used_key = "some-other-key-that-braze-does-not-know"
        client = make_client(api_key=used_key)
    elif provoke == "no permission":
        braze.fail_next(CREATE_PATH, 403, {"message": "Access Denied"})
        client = make_client()
    else:
        client = make_client(base_url=braze.url + "/wrong-prefix")

    with pytest.raises(error_class) as caught:
        client.create_send_id(CAMPAIGN, "s1")

    error = caught.value
    assert error.status_code == status
    assert error.failure_kind is kind
    assert setting in error.setting
    assert setting in str(error)
    for text in (str(error), repr(error), error.message):
        assert used_key not in text
        assert KEY not in text
    assert len(braze.calls) == 1
    assert sleeps.delays == []


def test_a_braze_message_that_echoes_the_key_is_scrubbed(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    braze.fail_next(
        CREATE_PATH, 401, {"message": f"Invalid API key: {KEY}", "errors": [f"Bearer {KEY}"]}
    )

    with pytest.raises(errors.BrazeAuthError) as caught:
        client.create_send_id(CAMPAIGN, "s1")

    error = caught.value
    for text in (str(error), repr(error), error.message, *map(str, error.args)):
        assert KEY not in text
    assert "Invalid API key: [redacted]" in error.message


def test_the_clients_repr_does_not_show_the_key(client: BrazeClient) -> None:
    assert KEY not in repr(client)
    assert KEY not in str(client)


def test_a_429_gives_the_reset_time_and_is_not_retried(
    client: BrazeClient, braze: BrazeStandIn, sleeps: SleepRecorder
) -> None:
    braze.set_remaining(0)

    with pytest.raises(errors.BrazeQuotaExceeded) as caught:
        client.create_send_id(CAMPAIGN, "s1")

    error = caught.value
    assert error.status_code == 429
    assert error.reset_at == next_utc_midnight()
    assert error.quota is not None and error.quota.exhausted(datetime.now(UTC))
    assert error.failure_kind is FailureKind.QUOTA
    assert error.reset_at.isoformat() in str(error)
    assert len(braze.create_calls()) == 1
    assert sleeps.delays == []


def test_a_429_without_a_reset_header_falls_back_to_retry_after(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    braze.fail_next(
        CREATE_PATH,
        429,
        {"message": "Too Many Requests"},
        headers={"X-RateLimit-Reset": None, "Retry-After": "120"},
    )
    before = datetime.now(UTC)

    with pytest.raises(errors.BrazeQuotaExceeded) as caught:
        client.create_send_id(CAMPAIGN, "s1")

    reset_at = caught.value.reset_at
    assert reset_at is not None
    assert before + timedelta(seconds=119) <= reset_at <= datetime.now(UTC) + timedelta(seconds=121)


# -- 5xx and connection failures -------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_any_5xx_on_create_is_outcome_unknown_and_never_sent_again(
    client: BrazeClient, braze: BrazeStandIn, sleeps: SleepRecorder, status: int
) -> None:
    # Braze (or a proxy in front of it) may have created the send ID and then failed: sending
    # again could create a second one, so a person decides.
    braze.fail_next(CREATE_PATH, status, {"message": "Service Unavailable"}, times=3)

    with pytest.raises(errors.BrazeOutcomeUnknown) as caught:
        client.create_send_id(CAMPAIGN, "s1")

    assert caught.value.failure_kind is FailureKind.OUTCOME_UNKNOWN
    assert caught.value.status_code == status
    assert "may have acted" in caught.value.message
    assert caught.value.attempts == 1
    assert len(braze.create_calls()) == 1
    assert sleeps.delays == []


def test_a_braze_that_created_the_send_id_and_then_answered_500_gets_one_create(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    braze.create_then_fail_next(500)

    with pytest.raises(errors.BrazeOutcomeUnknown):
        client.create_send_id(CAMPAIGN, "s1")

    assert braze.created == [(CAMPAIGN, "s1")]
    assert len(braze.create_calls()) == 1


def test_a_proxy_error_page_in_html_is_reported_without_the_markup(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    braze.fail_next(CREATE_PATH, 503, "<html><body><h1>503 Unavailable</h1></body></html>")

    with pytest.raises(errors.BrazeOutcomeUnknown) as caught:
        client.create_send_id(CAMPAIGN, "s1")

    assert caught.value.message.startswith("HTTP 503 Service Unavailable")
    assert "<" not in caught.value.message


def test_connection_refused_is_retried_then_reported_unavailable(
    client: BrazeClient, braze: BrazeStandIn, sleeps: SleepRecorder
) -> None:
    braze.refuse_connections()

    with pytest.raises(errors.BrazeUnavailable) as caught:
        client.create_send_id(CAMPAIGN, "s1")

    assert caught.value.status_code is None
    assert "could not connect" in caught.value.message
    assert len(sleeps.delays) == FAST_RETRY.max_attempts - 1
    assert caught.value.attempts == FAST_RETRY.max_attempts
    assert braze.calls == []


def test_connection_refused_then_back_succeeds_on_the_retry(
    make_client: MakeClient, braze: BrazeStandIn
) -> None:
    # A first call leaves a kept-alive connection in the pool; refusing cuts it too.
    client = make_client(sleep=SleepRecorder(then=braze.accept_connections))
    client.create_send_id(CAMPAIGN, "warm-up")
    braze.refuse_connections()

    created = client.create_send_id(CAMPAIGN, "s1")

    assert created.send_id == "s1"
    assert created.attempts == 2
    assert braze.created == [(CAMPAIGN, "warm-up"), (CAMPAIGN, "s1")]


def test_a_read_timeout_is_outcome_unknown_after_exactly_one_call(
    make_client: MakeClient, braze: BrazeStandIn, sleeps: SleepRecorder
) -> None:
    client = make_client(timeout=httpx.Timeout(2.0, read=0.3))
    braze.delay_next(CREATE_PATH, 60.0)  # held until the stand-in stops: only the timeout ends it

    with pytest.raises(errors.BrazeOutcomeUnknown) as caught:
        client.create_send_id(CAMPAIGN, "s1")

    assert caught.value.status_code is None
    assert caught.value.failure_kind is FailureKind.OUTCOME_UNKNOWN
    assert "may have" in caught.value.message
    assert sleeps.delays == []
    assert len(braze.create_calls()) == 1
    # ...and this is why: Braze did act on it.
    assert braze.created == [(CAMPAIGN, "s1")]


def test_a_connection_dropped_after_sending_is_outcome_unknown_and_not_retried(
    client: BrazeClient, braze: BrazeStandIn, sleeps: SleepRecorder
) -> None:
    braze.drop_next(CREATE_PATH)

    with pytest.raises(errors.BrazeOutcomeUnknown):
        client.create_send_id(CAMPAIGN, "s1")

    assert len(braze.create_calls()) == 1
    assert sleeps.delays == []


def test_a_2xx_without_success_is_an_unexpected_response(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    braze.fail_next(CREATE_PATH, 201, {"message": "queued"})
    braze.fail_next(CREATE_PATH, 200, "not json at all")

    with pytest.raises(errors.BrazeUnexpectedResponse) as first:
        client.create_send_id(CAMPAIGN, "s1")
    with pytest.raises(errors.BrazeUnexpectedResponse) as second:
        client.create_send_id(CAMPAIGN, "s2")

    assert first.value.message == "queued"
    assert first.value.failure_kind is FailureKind.UNEXPECTED
    assert "unreadable" in second.value.message
    assert len(braze.create_calls()) == 2


# -- backoff ---------------------------------------------------------------------------------


def test_backoff_pauses_grow_exponentially_and_are_capped(
    make_client: MakeClient, braze: BrazeStandIn, sleeps: SleepRecorder
) -> None:
    policy = RetryPolicy(max_attempts=6, backoff_base=0.5, backoff_max=4.0)
    client = make_client(retry=policy, rng=lambda: 1.0)
    braze.fail_next(DATA_SERIES_PATH, 503, times=6)

    with pytest.raises(errors.BrazeUnavailable):
        client.send_data_series(CAMPAIGN, "s1")

    assert sleeps.delays == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert len(braze.data_series_calls()) == 6


def test_backoff_pauses_are_jittered_within_their_ceilings(
    make_client: MakeClient, braze: BrazeStandIn, sleeps: SleepRecorder
) -> None:
    policy = RetryPolicy(max_attempts=8, backoff_base=0.5, backoff_max=4.0, max_total=60.0)
    client = make_client(retry=policy)
    braze.refuse_connections()

    with pytest.raises(errors.BrazeUnavailable) as caught:
        client.create_send_id(CAMPAIGN, "s1")

    assert len(sleeps.delays) == 7
    for attempt, delay in enumerate(sleeps.delays, start=1):
        assert 0.0 <= delay <= policy.ceiling(attempt) <= 4.0
    assert len(set(sleeps.delays)) > 1
    assert caught.value.attempts == 8


def test_retries_stop_before_the_total_budget_would_be_exceeded(
    make_client: MakeClient, braze: BrazeStandIn, sleeps: SleepRecorder
) -> None:
    policy = RetryPolicy(max_attempts=10, backoff_base=1.0, backoff_max=4.0, max_total=5.0)
    client = make_client(retry=policy, rng=lambda: 1.0)
    braze.fail_next(DATA_SERIES_PATH, 503, times=10)

    with pytest.raises(errors.BrazeUnavailable):
        client.send_data_series(CAMPAIGN, "s1")

    assert sleeps.delays == [1.0, 2.0]  # another 4 s pause would bring the total past 5 s
    assert len(braze.data_series_calls()) == 3


# -- campaign details ------------------------------------------------------------------------


def test_campaign_details_give_the_name_and_state(client: BrazeClient, braze: BrazeStandIn) -> None:
    braze.add_campaign("c-archived", "Old & <odd>", archived=True, draft=True)

    details = client.campaign_details(CAMPAIGN)
    archived = client.campaign_details("c-archived", timeout=1.0)

    assert (details.campaign_id, details.name, details.archived, details.draft) == (
        CAMPAIGN,
        "Spring sale",
        False,
        False,
    )
    assert (archived.name, archived.archived, archived.draft) == ("Old & <odd>", True, True)
    first = braze.calls[0]
    assert (first.method, first.path, first.query) == (
        "GET",
        DETAILS_PATH,
        {"campaign_id": CAMPAIGN},
    )
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert braze.remaining == 100  # looking up names costs no send-ID quota


def test_campaign_details_without_the_permission_is_a_permission_error(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    braze.details_forbidden = True

    with pytest.raises(errors.BrazePermissionError) as caught:
        client.campaign_details(CAMPAIGN)

    assert caught.value.status_code == 403
    assert "campaigns.details" in caught.value.setting


def test_campaign_details_for_an_unknown_campaign_is_rejected(
    client: BrazeClient, braze: BrazeStandIn, sleeps: SleepRecorder
) -> None:
    with pytest.raises(errors.BrazeRequestRejected) as caught:
        client.campaign_details("no-such-campaign")

    assert caught.value.message == "Invalid campaign_id"
    assert caught.value.quota is None  # not about the send-ID quota
    assert sleeps.delays == []


def test_campaign_details_honour_their_time_box(client: BrazeClient, braze: BrazeStandIn) -> None:
    braze.delay_next(DETAILS_PATH, 60.0)  # held until the stand-in stops: only the box ends it

    with pytest.raises(errors.BrazeUnavailable):
        client.campaign_details(CAMPAIGN, timeout=0.5)


def test_campaign_details_retry_only_within_their_time_box(
    make_client: MakeClient, braze: BrazeStandIn
) -> None:
    policy = RetryPolicy(max_attempts=50, backoff_base=0.1, backoff_max=0.1)
    client = make_client(retry=policy, sleep=time.sleep, rng=lambda: 1.0)
    braze.fail_next(DETAILS_PATH, 503, times=50)

    with pytest.raises(errors.BrazeUnavailable):
        client.campaign_details(CAMPAIGN, timeout=0.5)

    assert 2 <= len(braze.calls) < 50  # 50 attempts would need 5 s of backoff


def test_campaign_details_retry_a_transient_failure_inside_the_box(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    braze.fail_next(DETAILS_PATH, 502)

    assert client.campaign_details(CAMPAIGN, timeout=2.0).name == "Spring sale"
    assert len(braze.calls) == 2


# -- configuration and logging ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://rest.iad-01.braze.com", "ftp://rest.iad-01.braze.com", "rest.iad-01.braze.com"],
)
def test_only_https_or_loopback_http_endpoints_are_accepted(url: str) -> None:
    with pytest.raises(ValueError, match="Braze REST endpoint"):
        BrazeClient(url, KEY)


def test_each_call_is_logged_without_the_key_or_headers(
    client: BrazeClient, braze: BrazeStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    braze.fail_next(DETAILS_PATH, 500)
    caplog.set_level(logging.DEBUG, logger="bot.braze")

    client.campaign_details(CAMPAIGN)

    lines = [r.getMessage() for r in caplog.records if r.name == "bot.braze"]
    assert any("/campaigns/details status=500" in line and "attempt=1" in line for line in lines)
    assert any("/campaigns/details status=200" in line and "attempt=2" in line for line in lines)
    assert all("latency_ms=" in line for line in lines if "status=" in line)
    assert not any(KEY in line or "Bearer" in line for line in lines)


def test_a_workspaces_client_names_its_workspace_in_every_log_line_never_its_key(
    make_client: MakeClient, braze: BrazeStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(workspace="eu")
    braze.fail_next(DETAILS_PATH, 500)
    caplog.set_level(logging.DEBUG, logger="bot.braze")

    client.campaign_details(CAMPAIGN)

    records = [r for r in caplog.records if r.name == "bot.braze"]
    assert len(records) == 3  # the 500, the retry's announcement, the 201
    assert {getattr(r, "workspace", None) for r in records} == {"eu"}
    assert "workspace='eu'" in repr(client) and KEY not in repr(client)


def test_closing_the_clients_of_every_workspace_closes_each(make_client: MakeClient) -> None:
    clients = BrazeClients({"default": make_client(), "eu": make_client(workspace="eu")})
    assert list(clients) == ["default", "eu"] and len(clients) == 2
    assert clients["eu"].create_send_id(CAMPAIGN, "before").send_id == "before"
    clients.close()
    for closed in clients.values():
        with pytest.raises(RuntimeError, match="closed"):
            closed.create_send_id(CAMPAIGN, "after")


def test_every_braze_error_is_a_braze_error_with_a_failure_kind() -> None:
    for error_class in (
        errors.BrazeRequestRejected,
        errors.BrazeAuthError,
        errors.BrazePermissionError,
        errors.BrazeEndpointNotFound,
        errors.BrazeQuotaExceeded,
        errors.BrazeUnavailable,
        errors.BrazeOutcomeUnknown,
        errors.BrazeUnexpectedResponse,
    ):
        assert issubclass(error_class, errors.BrazeError)
        assert isinstance(error_class.failure_kind, FailureKind)


# -- send analytics (GET /sends/data_series) -------------------------------------------------

SEND = "spring-2025"


def variation(name: str = "Variation 1", **counts: Any) -> dict[str, Any]:
    return {"variation_name": name, **counts}


def stats_day(time_: str, messages: dict[str, Any], **day_level: Any) -> dict[str, Any]:
    """One entry of Braze's ``data`` list, as its docs show it."""
    return {"time": time_, "messages": messages, **day_level}


TWO_DAYS = [
    stats_day(
        "2025-03-01",
        {
            "email": [
                variation("A", sent=100, delivered=95, opens=40, unique_opens=30, clicks=12,
                          unique_clicks=9, conversions=3, bounces=5, unsubscribes=1,
                          unique_recipients=100, revenue=12.5),
                variation("B", sent=50, delivered=48, opens=20, unique_opens=15, clicks=4,
                          unique_clicks=4, conversions=1, bounces=2, revenue=2.25),
            ],
            "ios_push": [
                variation(sent=30, delivered=29, undelivered=1, direct_opens=5, total_opens=8,
                          bounces=1, body_clicks=2, conversions=1, conversions_by_send_time=1),
            ],
            "webhook": [variation(sent=10, errors=1)],
        },
        conversions=5,
        unique_recipients=180,
        revenue=14.75,
    ),
    stats_day(
        "2025-03-02",
        {
            "email": [variation("A", sent=10, delivered=10, opens=7, clicks=1, conversions=2)],
            "android_push": [variation(sent=20, delivered=19, total_opens=6, body_clicks=3)],
            "carrier_pigeon": [variation(sent=2, delivered=1)],
        },
        conversions=2,
    ),
]  # fmt: skip


def test_send_data_series_asks_for_the_documented_parameters(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    braze.set_send_stats(CAMPAIGN, SEND, TWO_DAYS)
    ending = datetime(2025, 3, 2, 23, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))

    client.send_data_series(CAMPAIGN, SEND)
    client.send_data_series(CAMPAIGN, SEND, days=7, ending_at=ending)

    default, explicit = braze.data_series_calls()
    assert (default.method, default.path) == ("GET", DATA_SERIES_PATH)
    assert default.query == {"campaign_id": CAMPAIGN, "send_id": SEND, "length": "14"}
    assert SEND_ANALYTICS_RETENTION_DAYS == 14
    assert explicit.query == {
        "campaign_id": CAMPAIGN,
        "send_id": SEND,
        "length": "7",
        "ending_at": "2025-03-02T21:30:15+00:00",  # UTC, whole seconds; "+" survived encoding
    }
    assert default.headers["authorization"] == f"Bearer {KEY}"
    assert default.json is None
    assert braze.remaining == 100  # reading results costs no send-ID quota


def test_send_data_series_sums_variations_per_channel_and_day(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    braze.set_send_stats(CAMPAIGN, SEND, TWO_DAYS)

    stats = client.send_data_series(CAMPAIGN, SEND)

    assert (stats.campaign_id, stats.send_id, stats.length, stats.ending_at) == (
        CAMPAIGN,
        SEND,
        14,
        None,
    )
    first, second = stats.days
    assert first.date == date(2025, 3, 1) and second.date == date(2025, 3, 2)
    assert first.channels["email"] == ChannelCounts(
        sent=150,
        delivered=143,
        opens=60,
        unique_opens=45,
        clicks=16,
        unique_clicks=13,
        conversions=4,
        bounces=7,
        unsubscribes=1,
        unique_recipients=100,
        revenue=14.75,
    )
    # Push: total_opens are the opens, body_clicks the clicks.
    assert first.channels["ios_push"] == ChannelCounts(
        sent=30, delivered=29, opens=8, clicks=2, conversions=1, bounces=1
    )
    assert first.channels["webhook"] == ChannelCounts(sent=10)
    assert (first.conversions, first.unique_recipients, first.revenue) == (5, 180, 14.75)
    assert list(second.channels) == ["email", "android_push", "carrier_pigeon"]
    assert second.channels["carrier_pigeon"] == ChannelCounts(sent=2, delivered=1)


def test_send_stats_totals_by_channel_add_up_the_days(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    braze.set_send_stats(CAMPAIGN, SEND, TWO_DAYS)

    stats = client.send_data_series(CAMPAIGN, SEND)
    totals = stats.totals_by_channel()

    assert list(totals) == ["email", "ios_push", "webhook", "android_push", "carrier_pigeon"]
    email = totals["email"]
    assert (email.sent, email.delivered, email.opens, email.clicks, email.conversions) == (
        160,
        153,
        67,
        17,
        6,
    )
    assert totals["android_push"] == ChannelCounts(sent=20, delivered=19, opens=6, clicks=3)
    everything = stats.totals()
    assert (everything.sent, everything.delivered, everything.opens, everything.clicks) == (
        150 + 30 + 10 + 10 + 20 + 2,
        143 + 29 + 10 + 19 + 1,
        60 + 8 + 7 + 6,
        16 + 2 + 1 + 3,
    )


def test_send_data_series_parses_odd_answers_defensively(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    odd: list[Any] = [
        stats_day(
            "2025-03-03T00:00:00-05:00",  # a datetime where a date was documented
            {
                "email": [
                    variation(sent="7", delivered=None, opens=-3, clicks=True, unique_opens=2.9),
                    "not a variation",
                    variation(sent=float("inf"), revenue="1.5"),
                ],
                "sms": {"sent": 4, "delivered": 4, "clicks": 1},  # one bare object
                "whats_app": [variation(sent=3, delivered=3, read=2)],
                "webhook": "garbage",
            },
            conversions="lots",
        ),
        {"messages": {"email": [variation(sent=1)]}},  # no "time" at all
        {"time": "someday", "messages": None},
        "not a day",
        stats_day("2025-03-01", {}),  # earlier, listed later: days come back oldest first
    ]
    braze.set_send_stats(CAMPAIGN, SEND, odd)

    stats = client.send_data_series(CAMPAIGN, SEND, days=100)

    assert [d.date for d in stats.days] == [date(2025, 3, 1), date(2025, 3, 3), None, None]
    day = stats.days[1]
    assert day.channels["email"] == ChannelCounts(sent=7, unique_opens=2, revenue=1.5)
    assert day.channels["sms"] == ChannelCounts(sent=4, delivered=4, clicks=1)
    assert day.channels["whats_app"] == ChannelCounts(sent=3, delivered=3, opens=2)
    assert day.channels["webhook"] == ChannelCounts()
    assert day.conversions == 0
    assert stats.days[2] == DayStats(date=None, channels={"email": ChannelCounts(sent=1)})
    assert stats.days[3] == DayStats(date=None, channels={})


@pytest.mark.parametrize("body", [{"message": "success"}, {"message": "success", "data": None}])
def test_send_data_series_without_data_is_an_empty_series(
    client: BrazeClient, braze: BrazeStandIn, body: dict[str, Any]
) -> None:
    braze.fail_next(DATA_SERIES_PATH, 200, body)

    stats = client.send_data_series(CAMPAIGN, SEND)

    assert stats.days == [] and stats.totals_by_channel() == {}
    assert stats.totals() == ChannelCounts()


@pytest.mark.parametrize(
    "body", [{"message": "success", "data": {"time": "2025-03-01"}}, {"message": "queued"}]
)
def test_send_data_series_with_an_unreadable_answer_is_unexpected(
    client: BrazeClient, braze: BrazeStandIn, body: dict[str, Any]
) -> None:
    braze.fail_next(DATA_SERIES_PATH, 200, body)

    with pytest.raises(errors.BrazeUnexpectedResponse) as caught:
        client.send_data_series(CAMPAIGN, SEND)

    assert caught.value.path == DATA_SERIES_PATH


def test_send_data_series_without_the_permission_names_sends_data_series(
    client: BrazeClient, braze: BrazeStandIn, sleeps: SleepRecorder
) -> None:
    braze.data_series_forbidden = True

    with pytest.raises(errors.BrazeSendStatsPermissionError) as caught:
        client.send_data_series(CAMPAIGN, SEND)

    error = caught.value
    assert isinstance(error, errors.BrazePermissionError)
    assert error.failure_kind is FailureKind.PERMISSION
    assert (error.status_code, error.path) == (403, DATA_SERIES_PATH)
    assert "sends.data_series" in error.setting
    assert "sends.data_series" in str(error) and "BRAZE_API_KEY" in str(error)
    assert KEY not in str(error)
    assert len(braze.data_series_calls()) == 1 and sleeps.delays == []


def test_send_data_series_for_an_unknown_pair_is_rejected_without_retrying(
    client: BrazeClient, braze: BrazeStandIn, sleeps: SleepRecorder
) -> None:
    braze.set_send_stats(CAMPAIGN, SEND, TWO_DAYS)

    with pytest.raises(errors.BrazeRequestRejected) as caught:
        client.send_data_series(CAMPAIGN, "never-sent")

    assert caught.value.status_code == 400
    assert caught.value.message == "Invalid campaign_id or send_id"
    assert len(braze.data_series_calls()) == 1 and sleeps.delays == []


def test_send_data_series_retries_a_5xx_and_then_succeeds(
    client: BrazeClient, braze: BrazeStandIn, sleeps: SleepRecorder
) -> None:
    braze.set_send_stats(CAMPAIGN, SEND, TWO_DAYS)
    braze.fail_next(DATA_SERIES_PATH, 502)

    stats = client.send_data_series(CAMPAIGN, SEND)

    assert len(stats.days) == 2
    assert [c.status for c in braze.data_series_calls()] == [502, 200]
    assert len(sleeps.delays) == 1


def test_send_data_series_gives_up_on_a_persistent_5xx(
    client: BrazeClient, braze: BrazeStandIn, sleeps: SleepRecorder
) -> None:
    braze.fail_next(DATA_SERIES_PATH, 503, times=5)

    with pytest.raises(errors.BrazeUnavailable) as caught:
        client.send_data_series(CAMPAIGN, SEND)

    assert caught.value.status_code == 503
    assert len(braze.data_series_calls()) == FAST_RETRY.max_attempts
    assert len(sleeps.delays) == FAST_RETRY.max_attempts - 1


def test_send_data_series_retries_a_read_timeout_as_it_has_no_side_effect(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    braze.set_send_stats(CAMPAIGN, SEND, TWO_DAYS)
    braze.delay_next(DATA_SERIES_PATH, 1.5)  # past the 1 s read timeout

    stats = client.send_data_series(CAMPAIGN, SEND)

    assert len(stats.days) == 2
    assert len(braze.data_series_calls()) == 2


def test_send_data_series_honours_its_time_box(client: BrazeClient, braze: BrazeStandIn) -> None:
    braze.default_send_stats = TWO_DAYS
    braze.delay_next(DATA_SERIES_PATH, 60.0)  # held until the stand-in stops

    with pytest.raises(errors.BrazeUnavailable):
        client.send_data_series(CAMPAIGN, SEND, timeout=0.5)


@pytest.mark.parametrize(
    "kwargs",
    [{"days": 0}, {"days": 101}, {"ending_at": datetime(2025, 3, 1)}, {"timeout": 0}],
)
def test_send_data_series_refuses_bad_arguments_without_calling_braze(
    client: BrazeClient, braze: BrazeStandIn, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        client.send_data_series(CAMPAIGN, SEND, **kwargs)

    assert braze.calls == []


def test_the_stand_in_answers_the_last_days_up_to_ending_at(
    client: BrazeClient, braze: BrazeStandIn
) -> None:
    braze.default_send_stats = [
        stats_day(f"2025-03-{d:02d}", {"email": [variation(sent=d)]}) for d in range(1, 21)
    ]

    recent = client.send_data_series(CAMPAIGN, "any-send")
    window = client.send_data_series(
        CAMPAIGN, "any-send", days=3, ending_at=datetime(2025, 3, 10, 12, tzinfo=UTC)
    )

    assert [d.date for d in recent.days] == [date(2025, 3, d) for d in range(7, 21)]
    assert [d.channels["email"].sent for d in window.days] == [8, 9, 10]
