"""Braze misbehaving under a running bot: refused connections, 5xx, answers too late, 429.

Each scenario drives the bot's real HTTP endpoint (in-process waitress server, short Braze
timeouts) against the loopback Braze stand-in with faults injected, then runs the consistency
check: every Braze creation belongs to exactly one request that is created or failed as outcome
unknown, every decided request has its thread reply, every audit trail is whole.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.domain.models import FailureKind, RequestState
from tests.reliability import invariants
from tests.reliability.harness import Figures, Scenario, campaign_uuid, ephemerals_to
from tests.standins.braze import CREATE_PATH, DETAILS_PATH
from tests.support.constants import BRAZE_KEY, CAMPAIGN, CHANNEL, GROUP_APPROVER, REQUESTER
from tests.support.shown import buttons
from tests.support.waits import Submission, stored, wait_for_state, wait_stored


def test_braze_refusing_connections_for_a_while(scenario: Scenario, figures: Figures) -> None:
    """Braze refuses connections for a while: bounded retries, then failed with Retry."""
    requests = [scenario.request(f"refused_{i}") for i in range(6)]
    scenario.braze.refuse_connections()
    for request in requests[:3]:
        scenario.approve(request)
    failed = scenario.settle(requests[:3])
    figures.fault("connection refused (approvals during the outage)", 3)
    assert {(r.state, r.failure_kind) for r in failed} == {
        (RequestState.FAILED, FailureKind.UNAVAILABLE)
    }
    # Braze comes back while the fourth approval is between attempts.
    scenario.approve(requests[3])
    time.sleep(0.05)
    figures.fault("connection refused (approval as the outage ends)", 1)
    scenario.braze.accept_connections()
    scenario.settle(requests[3:4])
    for request in requests[:4]:
        if stored(scenario.store, request.id).state is RequestState.FAILED:
            scenario.retry(request)
    for request in requests[4:]:
        scenario.approve(request)
    for request in requests:
        wait_for_state(scenario.store, request.id, RequestState.CREATED, announced=True)
    assert len(scenario.braze.created) == 6
    scenario.verdict(figures).assert_clean()


@pytest.mark.parametrize("status", [500, 503])
def test_braze_answering_5xx(scenario: Scenario, figures: Figures, status: int) -> None:
    """Braze answers 500/503, before or after creating: one create each, status unknown."""
    made, not_made, echo = (scenario.request(f"{status}_{n}") for n in ("made", "lost", "echo"))
    body: Any = "<html><body>Service Unavailable</body></html>" if status == 503 else None
    # Each Braze call runs after its click's acknowledgement: settle one before queuing the
    # next fault, so that each fault meets the request it is meant for.
    scenario.braze.create_then_fail_next(status, body)
    scenario.approve(made)
    scenario.settle([made])
    scenario.braze.fail_next(CREATE_PATH, status, body)
    scenario.approve(not_made)
    scenario.settle([not_made])
    # Braze's error body quoting the key back must not carry it into Slack or the logs.
    scenario.braze.fail_next(CREATE_PATH, status, {"message": f"upstream rejected key {BRAZE_KEY}"})
    scenario.approve(echo)
    final = scenario.settle([made, not_made, echo])
    figures.fault(f"HTTP {status} from /sends/id/create (once after creating it)", 3)
    assert {(r.state, r.failure_kind) for r in final} == {
        (RequestState.FAILED, FailureKind.OUTCOME_UNKNOWN)
    }
    calls = invariants.create_calls_per_request(scenario.braze.calls)
    assert [calls[(CAMPAIGN, r.send_id)] for r in final] == [1, 1, 1]
    figures.notes["Braze creates per approved request"] = max(calls.values())
    for request in final:
        (reply,) = scenario.driver.thread_replies(request)
        retry = buttons(reply.params["blocks"])
        assert retry and "confirm" in retry[0], "a Retry that may double-create must ask first"
    # A person who checked in Braze that it is missing retries: created once more.
    scenario.retry(not_made)
    wait_for_state(scenario.store, not_made.id, RequestState.CREATED, announced=True)
    scenario.verdict(figures).assert_clean()


def test_braze_answering_slower_than_the_timeout(scenario: Scenario, figures: Figures) -> None:
    """Braze answers after the read timeout, or hangs up: outcome unknown, Retry asks first."""
    blank_campaign = campaign_uuid(1, group=0x510)
    scenario.braze.add_campaign(blank_campaign, "Generated")
    slow = [scenario.request("slow_1"), scenario.request("slow_2")]
    slow.append(scenario.request(None, campaign=blank_campaign))
    dropped = scenario.request("dropped_1")
    scenario.braze.delay_next(CREATE_PATH, 1.6, times=3)  # the bot's read timeout is 1 s
    for request in slow:
        scenario.approve(request)
        scenario.settle([request])
    scenario.braze.drop_next(CREATE_PATH)
    scenario.approve(dropped)
    final = scenario.settle([*slow, dropped])
    figures.fault("answer later than the read timeout", 3)
    figures.fault("connection dropped after the request was sent", 1)
    assert {(r.state, r.failure_kind) for r in final} == {
        (RequestState.FAILED, FailureKind.OUTCOME_UNKNOWN)
    }
    # Braze did create the three slow ones: they are accounted for as "outcome unknown".
    assert len(scenario.braze.created) == 3
    for request in final:
        (reply,) = scenario.driver.thread_replies(request)
        retry = buttons(reply.params["blocks"])
        assert retry and "confirm" in retry[0], "a Retry that may double-create must ask first"
    # Nobody retries blindly: the check counts each creation exactly once.
    scenario.verdict(figures).assert_clean()


def test_a_slow_campaign_lookup_does_not_miss_slacks_3_second_window(
    scenario: Scenario, figures: Figures
) -> None:
    """Braze's campaign lookup hangs: the form is still answered within Slack's 3 seconds."""
    scenario.braze.delay_next(DETAILS_PATH, 5.0, times=3)
    figures.fault("campaign lookup slower than Slack's window", 3)
    slowest = 0.0
    for n in range(3):
        view = scenario.driver.open_form(user=REQUESTER, channel=CHANNEL)
        started = time.monotonic()
        answer = scenario.driver.submit(
            view, {"campaign_id": CAMPAIGN, "send_id": f"lookup_{n}"}, user=REQUESTER
        )
        slowest = max(slowest, time.monotonic() - started)
        assert answer.accepted_submission, answer
        scenario.accepted.append(Submission(CHANNEL, REQUESTER, CAMPAIGN, f"lookup_{n}"))
    figures.notes["slowest form answer (s)"] = round(slowest, 2)
    assert slowest < 2.5
    for submission in scenario.accepted:
        wait_stored(scenario.store, submission, scenario.known)
    scenario.verdict(figures).assert_clean()


def test_braze_answering_429_with_reset_headers(scenario: Scenario, figures: Figures) -> None:
    """Braze answers 429 with X-RateLimit-Reset: approvals wait for the reset, then succeed."""
    first, waiting = scenario.request("quota_1"), scenario.request("quota_2")
    reset = int(time.time()) + 2
    scenario.braze.quota_used_up_until(reset)
    figures.fault("HTTP 429 with reset headers", 1)
    scenario.approve(first)
    (failed,) = scenario.settle([first])
    assert failed.failure_kind is FailureKind.QUOTA
    # Until the reset: approvals are refused without calling Braze, /sendid privately.
    scenario.approve(waiting, user=GROUP_APPROVER)
    scenario.slack.wait_for_call(
        "chat.postEphemeral", predicate=lambda c: c.params.get("user") == GROUP_APPROVER
    )
    assert scenario.driver.command().status == 200  # /sendid opens no form, says when
    scenario.driver.wait_for_ephemeral(REQUESTER, "did not open the request form")
    assert len(scenario.braze.create_calls()) == 1
    assert stored(scenario.store, waiting.id).state is RequestState.PENDING
    figures.notes["approvals refused while the quota was used up"] = len(
        ephemerals_to(scenario.slack, GROUP_APPROVER)
    )
    time.sleep(max(0.0, reset - time.time()) + 0.2)
    scenario.approve(waiting)
    scenario.retry(first)
    for request in (first, waiting):
        wait_for_state(scenario.store, request.id, RequestState.CREATED, announced=True)
    assert len(scenario.braze.create_calls()) == 3
    scenario.verdict(figures).assert_clean()
