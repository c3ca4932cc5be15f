"""What the bot says and does stays true under faults (issue 26), against the running bot.

Besides the consistency check every scenario ends with, these count what issue 26 promised:

* **Braze creates beyond one per approved request** (must be 0): create calls for a request
  beyond the approvals and retries claimed for it;
* **send IDs created in Braze but not recorded** (must be 0): creations no request records as
  its created send ID;
* **acknowledgements over 3 s while slow work runs** (must be 0): answers to Slack slower than
  Slack's window, or Bolt's 404 for a listener that never acknowledged.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import httpx
import pytest

from bot.domain.models import FailureKind, RequestState, SendIdRequest
from bot.housekeeping import post_lost_cards
from tests.reliability.harness import Figures, Scenario, watched_driver
from tests.standins.braze import CREATE_PATH, DATA_SERIES_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support import databases
from tests.support.bots import InProcessBots
from tests.support.constants import (
    APPROVE,
    APPROVER,
    CHANNEL,
    GROUP_APPROVER,
    OUTSIDER,
    REPOST,
    REQUESTER,
)
from tests.support.driver import SlackDriver
from tests.support.shown import all_text
from tests.support.waits import find_stored, wait_for_state, wait_until

ACK_WINDOW = 3.0  # Slack's


def count_promises(figures: Figures, scenario: Scenario) -> None:
    """Braze creates beyond one per claim, and send IDs Braze reported (2xx) that no request
    recorded."""
    requests = [
        r
        for state in RequestState
        for r in scenario.store.in_state(state)
        if r.id in scenario.known
    ]
    calls = Counter(
        (str((c.json or {}).get("campaign_id")), (c.json or {}).get("send_id"))
        for c in scenario.braze.create_calls()
    )
    beyond = sum(max(calls[(r.campaign_id, r.send_id)] - r.attempts, 0) for r in requests)
    # A send ID whose 2xx reached the bot must be recorded by its request (one whose answer
    # never arrived is "outcome unknown", which the consistency check accounts for).
    answered = sum(1 for c in scenario.braze.create_calls() if 200 <= c.status < 300)
    created = sum(1 for r in requests if r.state is RequestState.CREATED)
    unrecorded = answered - created
    figures.count("second_creates", beyond)
    figures.count("unrecorded_creations", unrecorded)
    per_request = [calls[(r.campaign_id, r.send_id)] for r in requests if r.attempts]
    figures.notes["approved requests by Braze create calls"] = {
        f"{calls_made} call(s)": n for calls_made, n in sorted(Counter(per_request).items())
    }
    assert beyond == 0 and unrecorded == 0, (beyond, unrecorded)


def known(scenario: Scenario, request: SendIdRequest) -> SendIdRequest:
    scenario.known.add(request.id)
    return request


@pytest.mark.parametrize("status", [500, 502, 503])
def test_braze_creates_then_answers_5xx(scenario: Scenario, figures: Figures, status: int) -> None:
    """Braze creates the send ID, then answers 5xx: one create, status unknown, not re-sent."""
    requests = [scenario.request(f"made_{status}_{n}") for n in range(3)]
    for request in requests:
        scenario.braze.create_then_fail_next(status)
        scenario.approve(request)
    final = scenario.settle(requests)
    figures.fault(f"HTTP {status} after Braze created the send ID", len(requests))
    assert {(r.state, r.failure_kind) for r in final} == {
        (RequestState.FAILED, FailureKind.OUTCOME_UNKNOWN)
    }
    for request in final:
        (reply,) = scenario.driver.thread_replies(request)
        assert "Status unknown" in all_text(reply.params)
    count_promises(figures, scenario)
    scenario.verdict(figures).assert_clean()


def test_a_trickled_answer_under_two_replicas(bots: InProcessBots, figures: Figures) -> None:
    """A 201 trickled past the create deadline, two replicas: unknown once, then created."""
    slow = {
        "sendid_braze_create_deadline_seconds": 1.0,
        "sendid_stale_claim_seconds": 1.5,
        "runtime_options": {"sweep_every": 0.1},
    }
    first = bots.start(**slow)  # type: ignore[arg-type]
    bots.start(**slow)  # type: ignore[arg-type]
    scenario = Scenario(first, bots.braze)
    requests = [scenario.request(f"trickled_{n}") for n in range(2)]
    for request in requests:
        bots.braze.trickle_next(CREATE_PATH, 0.1)  # ~4.5 s in all, no read ever times out
        scenario.approve(request)
    figures.fault("201 trickled over ~4.5 s (deadline 1 s, stale claim 1.5 s)", len(requests))
    for request in requests:
        wait_for_state(scenario.store, request.id, RequestState.CREATED, announced=True)
    for request in requests:
        replies = scenario.driver.thread_replies(request)
        assert len(replies) == 2 and "created after all" in all_text(replies[1].params)
    figures.notes["thread replies per request"] = 2
    count_promises(figures, scenario)
    scenario.verdict(figures).assert_clean()


def test_the_database_goes_away_as_braze_creates(
    slack: SlackStandIn, braze: BrazeStandIn, figures: Figures
) -> None:
    """The database goes away as Braze creates: logged, recorded once back; Slack gets 200."""
    with (
        databases.proxied_postgres_url() as (proxy, url, _),
        InProcessBots(slack, braze, url) as bots,
    ):
        scenario = Scenario(bots.start(), braze)
        made = scenario.request("while_away")
        waiting = scenario.request("while_away_2")
        braze.on_next(CREATE_PATH, proxy.cut)
        scenario.approve(made)
        wait_until(lambda: braze.created)
        figures.fault("database cut as Braze created the send ID")
        # While it is away: 200 and "nothing was changed", never a 5xx.
        answers = [
            scenario.driver.command("history"),
            scenario.driver.click(APPROVE, waiting.id, user=APPROVER),
        ]
        figures.notes["answers while the database was away"] = [a.status for a in answers]
        assert [a.status for a in answers] == [200, 200]
        assert scenario.driver.get("/readyz").status == 503
        proxy.restore()
        done = wait_for_state(scenario.store, made.id, RequestState.CREATED, announced=True)
        assert done.created_send_id == "while_away"
        assert wait_for_state(scenario.store, waiting.id, RequestState.PENDING)
        count_promises(figures, scenario)
        scenario.verdict(figures).assert_clean()


def test_slow_results_hold_up_no_acknowledgement(bots: InProcessBots, figures: Figures) -> None:
    """70 `/sendid stats` on a hanging results endpoint: no acknowledgement waits, one call."""
    bot = bots.start(runtime_options={"braze_timeout": httpx.Timeout(2.0, read=10.0)})
    scenario = Scenario(bot, bots.braze)
    bots.braze.default_send_stats = []
    target = scenario.request("stats_target")
    scenario.approve(target)
    wait_for_state(scenario.store, target.id, RequestState.CREATED, announced=True)
    other = scenario.request("other_approval")
    release = bots.braze.hold_next(DATA_SERIES_PATH, times=1000)
    driver = watched_driver(bot.url, bots.slack)
    readers = [f"U0READER{n}" for n in range(7)]

    def stats(user: str) -> None:
        for _ in range(10):
            driver.command("stats stats_target", user=user)

    threads = [threading.Thread(target=stats, args=(user,)) for user in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_until(lambda: bots.braze.data_series_calls())
    driver.click(APPROVE, other.id, user=GROUP_APPROVER)
    driver.command("help", user=OUTSIDER)
    release.set()
    figures.fault("Braze results held while 70 stats were asked for", 70)
    wait_for_state(scenario.store, other.id, RequestState.CREATED, announced=True)
    slow = sum(1 for took in driver.seconds if took > ACK_WINDOW) + driver.statuses[404]
    figures.count("slow_acks", slow)
    figures.notes["answers to Slack during the slow work"] = driver.sent
    figures.notes["slowest of them (s)"] = round(max(driver.seconds), 3)
    figures.notes["Bolt's 404 for a missing acknowledgement"] = driver.statuses[404]
    figures.notes["Braze results calls for 70 stats"] = len(bots.braze.data_series_calls())
    assert driver.statuses[404] == 0 and driver.statuses[200] == driver.sent
    assert len(bots.braze.data_series_calls()) == 1
    figures.take_http(driver)
    count_promises(figures, scenario)
    scenario.verdict(figures).assert_clean()


def test_an_approval_clicked_before_the_cards_ts_was_recorded(
    scenario: Scenario, figures: Figures
) -> None:
    """An approval clicked before the bot recorded its card: the result goes to its thread."""
    release = scenario.slack.hold_next("chat.postMessage")
    answer, form = scenario.submit("early_click")
    assert answer.accepted_submission
    card = wait_until(lambda: next(iter(scenario.slack.messages_in(CHANNEL)), None))
    request = known(scenario, wait_until(lambda: find_stored(scenario.store, form, set())))
    scenario.driver.click(APPROVE, request.id, user=APPROVER, ts=card["ts"])
    figures.fault("approval clicked before the card's ts reached the bot")
    done = wait_for_state(scenario.store, request.id, RequestState.CREATED, announced=True)
    release.set()
    assert done.card_ts == card["ts"]
    top = [m for m in scenario.slack.messages_in(CHANNEL) if "thread_ts" not in m]
    figures.notes["messages at the channel's top"] = len(top)
    assert len(top) == 1
    count_promises(figures, scenario)
    scenario.verdict(figures).assert_clean()


def test_a_lost_card_posted_by_several_at_once(scenario: Scenario, figures: Figures) -> None:
    """Post again twice and housekeeping while the card is being posted: one card."""
    scenario.slack.fail_next("chat.postMessage", "not_in_channel")
    answer, form = scenario.submit("posted_once")
    assert answer.accepted_submission
    request = known(scenario, wait_until(lambda: find_stored(scenario.store, form, set())))
    scenario.slack.wait_for_call(
        "chat.postMessage", predicate=lambda c: c.params.get("channel") == REQUESTER
    )
    release = scenario.slack.hold_next("chat.postMessage")
    driver: SlackDriver = scenario.driver
    driver.click(REPOST, request.id, user=REQUESTER, channel=REQUESTER)
    wait_until(lambda: [m for m in scenario.slack.messages_in(CHANNEL) if "thread_ts" not in m])
    driver.click(REPOST, request.id, user=REQUESTER, channel=REQUESTER)
    scenario.slack.wait_for_call(
        "chat.postMessage",
        predicate=lambda c: "being posted already" in str(c.params.get("text")),
    )
    post_lost_cards(driver.runtime.ctx, older_than=timedelta(0), lease=timedelta(minutes=5))
    release.set()
    figures.fault("three posters of one lost card at once", 3)
    wait_until(lambda: scenario.store.get(request.id).card_ts)  # type: ignore[union-attr]
    top = [m for m in scenario.slack.messages_in(CHANNEL) if "thread_ts" not in m]
    figures.notes["cards posted"] = len(top)
    assert len(top) == 1
    scenario.verdict(figures).assert_clean()


def test_a_creating_card_update_that_breaks(scenario: Scenario, figures: Figures) -> None:
    """The "creating…" card update breaks (no Slack answer): the approval goes on, created."""
    request = scenario.request("update_breaks")
    scenario.slack.drop_next("chat.update", times=2)
    scenario.approve(request)
    figures.fault("connection dropped on the 'creating…' card update (and its retry)")
    done = wait_for_state(scenario.store, request.id, RequestState.CREATED, announced=True)
    assert done.created_send_id == "update_breaks"
    count_promises(figures, scenario)
    scenario.verdict(figures).assert_clean()
