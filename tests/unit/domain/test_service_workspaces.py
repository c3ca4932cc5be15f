"""SendIdService with two Braze workspaces: each request's Braze calls go to its own workspace,
with that workspace's key, and quota and duplicate pairs are per workspace. Two Braze stand-ins
on loopback, each knowing only its own key; a real Store and real BrazeClients."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta

import httpx
import pytest

from bot.braze import BrazeClient, RetryPolicy
from bot.braze.errors import BrazeAuthError
from bot.domain import problems as codes
from bot.domain.models import FailureKind, RequestState, SendIdRequest
from bot.domain.policy_file import EMPTY_POLICY_FILE, ChannelRules, parse_policy
from bot.domain.service import FORM, SendIdService
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.store import Store
from tests.standins.braze import CREATE_PATH, DATA_SERIES_PATH, DETAILS_PATH, BrazeStandIn
from tests.support.bots import braze_stand_in
from tests.support.constants import (
    APPROVER,
    BRAZE_KEY,
    BRAZE_KEY_EU,
    CAMPAIGN,
    CAMPAIGN_NAME,
    CHANNEL,
    PRIVATE_CHANNEL,
    REQUESTER,
)

S = RequestState
TTL = timedelta(hours=24)
EU = "eu"
# CHANNEL's campaigns live in workspace "eu"; PRIVATE_CHANNEL stays in "default".
POLICY = f"""
[workspaces.eu]
rest_endpoint = "https://rest.fra-01.braze.eu"
api_key_env = "BRAZE_API_KEY_EU"

[channels.{CHANNEL}]
braze_workspace = "eu"
"""
RULES = parse_policy(POLICY, permitted_channels=(CHANNEL, PRIVATE_CHANNEL)).rules_for
FAST = RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.02, max_total=2.0)


@pytest.fixture
def braze_eu() -> Iterator[BrazeStandIn]:
    with BrazeStandIn(api_key=BRAZE_KEY_EU) as stand_in:
        stand_in.add_campaign(CAMPAIGN, "Frühlingsaktion")
        yield stand_in


def client(stand_in: BrazeStandIn, key: str, workspace: str) -> BrazeClient:
    timeout = httpx.Timeout(1.0)
    return BrazeClient(stand_in.url, key, timeout=timeout, retry=FAST, workspace=workspace)


@pytest.fixture
def gateways(braze: BrazeStandIn, braze_eu: BrazeStandIn) -> Iterator[dict[str, BrazeClient]]:
    clients = {
        DEFAULT_WORKSPACE: client(braze, BRAZE_KEY, DEFAULT_WORKSPACE),
        EU: client(braze_eu, BRAZE_KEY_EU, EU),
    }
    yield clients
    for opened in clients.values():
        opened.close()


@pytest.fixture
def service(store: Store, gateways: dict[str, BrazeClient]) -> SendIdService:
    return SendIdService(store, gateways, ttl=TTL, lookup_timeout=1.0, rules_for=RULES)


Restart = Callable[..., SendIdService]


@pytest.fixture
def restart(store: Store, gateways: dict[str, BrazeClient]) -> Restart:
    """The bot restarted on the same database with other settings: only the Braze `workspaces`
    named (default: both) and the policy file's `rules_for` (default: none)."""

    def restarted(
        workspaces: Sequence[str] = (DEFAULT_WORKSPACE, EU),
        rules_for: Callable[[str], ChannelRules] = EMPTY_POLICY_FILE.rules_for,
    ) -> SendIdService:
        kept = {name: gateways[name] for name in workspaces}
        return SendIdService(store, kept, ttl=TTL, rules_for=rules_for)

    return restarted


def submit(service: SendIdService, channel_id: str, send_id: str | None = "wave1") -> SendIdRequest:
    outcome = service.submit(
        channel_id=channel_id,
        requester_id=REQUESTER,
        raw_campaign_id=CAMPAIGN,
        raw_send_id=send_id,
    )
    assert outcome.problems == {}, outcome.problems
    assert outcome.request is not None
    return outcome.request


def approved(service: SendIdService, request: SendIdRequest) -> SendIdRequest:
    claim = service.claim_approval(request.id, APPROVER)
    assert claim.won and claim.request is not None
    return claim.request


def paths(stand_in: BrazeStandIn) -> list[str]:
    return [call.path for call in stand_in.calls]


def test_a_request_in_a_channel_of_another_workspace_is_made_and_looked_up_there(
    service: SendIdService, braze: BrazeStandIn, braze_eu: BrazeStandIn
) -> None:
    request = submit(service, CHANNEL)
    assert request.workspace == EU
    assert request.campaign_name == "Frühlingsaktion"  # the eu workspace's name for it
    (lookup,) = braze_eu.calls
    assert lookup.path == DETAILS_PATH
    assert lookup.headers["authorization"] == f"Bearer {BRAZE_KEY_EU}"
    assert braze.calls == []


def test_its_send_id_is_created_in_its_workspace_with_that_workspaces_key(
    service: SendIdService, store: Store, braze: BrazeStandIn, braze_eu: BrazeStandIn
) -> None:
    final, quota = service.create_in_braze(approved(service, submit(service, CHANNEL)))
    assert final.state is S.CREATED
    (create,) = braze_eu.create_calls()
    assert create.headers["authorization"] == f"Bearer {BRAZE_KEY_EU}"
    assert create.json == {"campaign_id": CAMPAIGN, "send_id": "wave1"}
    assert braze_eu.created == [(CAMPAIGN, "wave1")]
    assert braze.calls == [] and braze.created == []
    # The quota Braze reported is the eu workspace's.
    assert quota is not None and store.quota(EU) == quota
    assert store.quota(DEFAULT_WORKSPACE) is None


def test_a_channel_of_the_default_workspace_still_calls_only_the_default_workspace(
    service: SendIdService, braze: BrazeStandIn, braze_eu: BrazeStandIn
) -> None:
    request = submit(service, PRIVATE_CHANNEL)
    assert request.workspace == DEFAULT_WORKSPACE
    assert request.campaign_name == CAMPAIGN_NAME
    final, _ = service.create_in_braze(approved(service, request))
    assert final.state is S.CREATED
    assert paths(braze) == [DETAILS_PATH, CREATE_PATH]
    assert braze_eu.calls == []


def test_a_later_policy_change_never_sends_an_earlier_requests_call_elsewhere(
    service: SendIdService, restart: Restart, braze: BrazeStandIn, braze_eu: BrazeStandIn
) -> None:
    request = submit(service, CHANNEL)
    # The bot restarts with CHANNEL moved back to the default workspace.
    moved = restart(rules_for=parse_policy("", permitted_channels=(CHANNEL,)).rules_for)
    assert moved.workspace_for(CHANNEL) == DEFAULT_WORKSPACE
    final, _ = moved.create_in_braze(approved(moved, request))
    assert final.state is S.CREATED and final.workspace == EU
    assert len(braze_eu.create_calls()) == 1
    assert braze.calls == []


def test_one_workspace_running_out_never_blocks_another(
    service: SendIdService, braze: BrazeStandIn, braze_eu: BrazeStandIn
) -> None:
    braze_eu.set_remaining(0)
    final, _ = service.create_in_braze(approved(service, submit(service, CHANNEL, "wave1")))
    assert final.failure_kind is FailureKind.QUOTA
    assert service.quota_exhausted(EU) is not None
    assert service.quota_exhausted(DEFAULT_WORKSPACE) is None

    refused = service.submit(
        channel_id=CHANNEL, requester_id=REQUESTER, raw_campaign_id=CAMPAIGN, raw_send_id="wave2"
    )
    assert refused.problems[FORM].code == codes.QUOTA_USED_UP
    other = submit(service, PRIVATE_CHANNEL, "wave2")
    done, _ = service.create_in_braze(approved(service, other))
    assert done.state is S.CREATED
    assert braze.created == [(CAMPAIGN, "wave2")]


def test_the_same_pair_may_be_requested_once_in_each_workspace(service: SendIdService) -> None:
    first = submit(service, CHANNEL, "wave1")
    second = submit(service, PRIVATE_CHANNEL, "wave1")
    assert (first.workspace, second.workspace) == (EU, DEFAULT_WORKSPACE)
    again = service.submit(
        channel_id=CHANNEL, requester_id=REQUESTER, raw_campaign_id=CAMPAIGN, raw_send_id="wave1"
    )
    assert again.problems["send_id"].code == codes.DUPLICATE_IN_FLIGHT


def test_a_request_whose_workspace_is_no_longer_configured_fails_without_calling_braze(
    service: SendIdService, restart: Restart, braze: BrazeStandIn, braze_eu: BrazeStandIn
) -> None:
    request = submit(service, CHANNEL)
    calls_before = len(braze_eu.calls)
    # The bot restarts without the eu workspace (its section was removed from the file).
    without_eu = restart(workspaces=(DEFAULT_WORKSPACE,))
    final, quota = without_eu.create_in_braze(approved(without_eu, request))
    assert final.state is S.FAILED
    assert final.failure_kind is FailureKind.WORKSPACE_UNKNOWN
    assert final.failure_kind.retry_allowed  # once the workspace is back, a retry may pass
    assert quota is None
    assert braze.calls == [] and len(braze_eu.calls) == calls_before


def test_results_are_read_from_the_requests_workspace(
    service: SendIdService, braze: BrazeStandIn, braze_eu: BrazeStandIn
) -> None:
    final, _ = service.create_in_braze(approved(service, submit(service, CHANNEL)))
    braze_eu.set_send_stats(CAMPAIGN, "wave1", [])
    stats = service.send_results(final)
    assert stats.send_id == "wave1"
    (call,) = braze_eu.data_series_calls()
    assert call.path == DATA_SERIES_PATH
    assert call.headers["authorization"] == f"Bearer {BRAZE_KEY_EU}"
    assert braze.calls == []


def test_a_key_without_campaign_details_pauses_the_lookups_of_its_workspace_only(
    service: SendIdService, braze: BrazeStandIn, braze_eu: BrazeStandIn
) -> None:
    braze_eu.details_forbidden = True
    submit(service, CHANNEL, "wave1")
    submit(service, CHANNEL, "wave2")  # paused: no second lookup in eu
    assert paths(braze_eu) == [DETAILS_PATH]
    assert submit(service, PRIVATE_CHANNEL, "wave3").campaign_name == CAMPAIGN_NAME
    assert paths(braze) == [DETAILS_PATH]


def test_the_default_stand_in_helper_knows_only_the_default_key() -> None:
    # The premise of every test here: a stand-in refuses any other workspace's key.
    with (
        braze_stand_in() as stand_in,
        client(stand_in, BRAZE_KEY_EU, EU) as wrong,
        pytest.raises(BrazeAuthError),
    ):
        wrong.create_send_id(CAMPAIGN, "x")
