"""The Slack Web API misbehaving under a running bot: 429 with Retry-After, 5xx, not_in_channel,
message_not_found on chat.update, ephemeral messages refused.

After each: no request lost or doubled (exactly one card per request, or the requester told in
a DM with *Post again*), every decided request has its thread reply (re-posted by the sweeper
when Slack lost it), Braze called once per approval.
"""

from __future__ import annotations

import time
from datetime import timedelta

from bot.domain.models import RequestState, SendIdRequest
from tests.reliability import invariants
from tests.reliability.harness import Figures, Scenario
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import APPROVE, CHANNEL, OUTSIDER, PRIVATE_CHANNEL, REPOST, REQUESTER
from tests.support.shown import buttons
from tests.support.waits import find_stored, stored, wait_for_state, wait_stored, wait_until

DM = "D0REQUESTER"


def submit_without_card(scenario: Scenario, send_id: str, channel: str = CHANNEL) -> SendIdRequest:
    """Submit a request whose card Slack will refuse; return it once the requester was told."""
    answer, submission = scenario.submit(send_id, channel=channel)
    assert answer.accepted_submission, answer
    request = wait_until(lambda: find_stored(scenario.store, submission, scenario.known))
    scenario.known.add(request.id)
    scenario.slack.wait_for_call(
        "chat.postMessage",
        predicate=lambda c: c.params.get("channel") == REQUESTER and request.id in str(c.params),
    )
    return request


def post_again(scenario: Scenario, request: SendIdRequest) -> SendIdRequest:
    answer = scenario.driver.click(REPOST, request.id, user=REQUESTER, channel=DM)
    assert answer.status == 200, answer
    wait_until(lambda: stored(scenario.store, request.id).card_ts)
    return request


def approve_and_wait(scenario: Scenario, request: SendIdRequest) -> SendIdRequest:
    scenario.approve(request)
    return wait_for_state(scenario.store, request.id, RequestState.CREATED, announced=True)


def test_slack_answering_429_with_retry_after(scenario: Scenario, figures: Figures) -> None:
    """Slack rate-limits views.open, the card, its update and the reply: waited out, posted once."""
    for method in ("views.open", "chat.postMessage"):
        scenario.slack.fail_next(method, "ratelimited", status=429, retry_after=1)
    request = scenario.request("ratelimited_1")  # form and card each waited out one 429
    for method in ("chat.update", "chat.postMessage"):
        scenario.slack.fail_next(method, "ratelimited", status=429, retry_after=1)
    approve_and_wait(scenario, request)
    figures.fault("HTTP 429 + Retry-After (views.open, card, card update, reply)", 4)
    card = [m for m in scenario.slack.messages_in(CHANNEL) if "thread_ts" not in m]
    assert len(card) == 1
    assert not buttons(card[0]["blocks"]), "the card still has its buttons"
    scenario.verdict(figures).assert_clean()


def test_slack_answering_5xx(scenario: Scenario, figures: Figures) -> None:
    """Slack answers 500/503 beyond the client's retries: requester told, reply re-posted later."""
    # The card: 500 three times (the client retries twice), so the requester gets a DM.
    scenario.slack.fail_next("chat.postMessage", "internal_error", status=500, times=3)
    request = submit_without_card(scenario, "outage_1")
    assert stored(scenario.store, request.id).card_ts is None
    post_again(scenario, request)
    # The update and the thread reply: 503 beyond retries; the sweeper posts the lost reply.
    scenario.slack.fail_next("chat.update", "service_unavailable", status=503, times=3)
    scenario.slack.fail_next("chat.postMessage", "service_unavailable", status=503, times=3)
    approve_and_wait(scenario, request)
    figures.fault("HTTP 500 on the card (3 answers)", 3)
    figures.fault("HTTP 503 on the card update and the reply (3 answers each)", 6)
    replies = [m for m in scenario.slack.messages_in(CHANNEL) if m.get("thread_ts")]
    assert len(replies) == 1
    verdict = scenario.verdict(figures)
    verdict.assert_clean()
    stale = [
        m
        for m in scenario.slack.messages_in(CHANNEL)
        if "thread_ts" not in m and buttons(m.get("blocks"))
    ]
    figures.notes["cards left showing buttons (chat.update failed)"] = len(stale)


def test_slack_not_in_channel(scenario: Scenario, figures: Figures) -> None:
    """The bot is not in the private channel: the requester gets a DM, the request is kept."""
    scenario.slack.fail_next("chat.postMessage", "not_in_channel")
    request = submit_without_card(scenario, "private_1", channel=PRIVATE_CHANNEL)
    figures.fault("not_in_channel on the card", 1)
    dm = scenario.slack.messages_in(REQUESTER)[-1]
    assert any(b.get("action_id") == REPOST for b in buttons(dm["blocks"]))
    # Someone invites the bot; the requester clicks Post again; the flow goes on.
    post_again(scenario, request)
    approve_and_wait(scenario, request)
    scenario.verdict(figures).assert_clean()


def test_card_deleted_message_not_found_on_update(scenario: Scenario, figures: Figures) -> None:
    """The card was deleted (message_not_found on chat.update): created once, reply still posted."""
    request = scenario.request("deleted_card_1")
    scenario.slack.fail_next("chat.update", "message_not_found", times=2)
    figures.fault("message_not_found on chat.update", 2)
    final = approve_and_wait(scenario, request)
    assert final.state is RequestState.CREATED
    assert len(scenario.braze.create_calls()) == 1
    scenario.verdict(figures).assert_clean()


def test_ephemeral_refused_falls_back_to_a_dm(scenario: Scenario, figures: Figures) -> None:
    """chat.postEphemeral fails: refusals reach the user as a DM; nothing changes."""
    request = scenario.request("ephemeral_1")
    scenario.slack.fail_next("chat.postEphemeral", "internal_error", status=500, times=3)
    figures.fault("HTTP 500 on chat.postEphemeral (3 answers)", 3)
    answer = scenario.driver.click(APPROVE, request.id, user=OUTSIDER)
    assert answer.status == 200
    scenario.slack.wait_for_call(
        "chat.postMessage", predicate=lambda c: c.params.get("channel") == OUTSIDER
    )
    assert stored(scenario.store, request.id).state is RequestState.PENDING
    assert scenario.braze.create_calls() == []
    scenario.verdict(figures).assert_clean()


def test_views_open_failing_tells_the_user_and_stores_nothing(
    scenario: Scenario, figures: Figures
) -> None:
    """views.open fails (expired trigger, 500): the user is told privately; nothing is stored."""
    scenario.slack.fail_next("views.open", "expired_trigger_id")
    scenario.slack.fail_next("views.open", "internal_error", status=500, times=3)
    figures.fault("views.open refused (expired_trigger_id, 500 x3)", 4)
    for _ in range(2):
        answer = scenario.driver.command("")
        assert answer.status == 200
    wait_until(
        lambda: (
            len(
                [
                    c
                    for c in scenario.slack.calls_to("chat.postEphemeral")
                    if c.params["user"] == REQUESTER
                ]
            )
            == 2
        )
    )
    assert invariants.all_requests(scenario.store) == []
    scenario.verdict(figures).assert_clean()


def test_card_and_dm_both_refused_the_sweeper_shows_the_request_later(
    bots: InProcessBots, slack: SlackStandIn, braze: BrazeStandIn, figures: Figures
) -> None:
    """Slack refuses the card and the DM about it: the sweeper posts the card once Slack is back."""
    options = {"lost_card_after": timedelta(seconds=0.5), "sweep_every": 0.2}
    scenario = Scenario(bots.start(runtime_options=options), braze)
    # Card: 500 three times (the client retries twice); then the DM: 500 three times.
    slack.fail_next("chat.postMessage", "internal_error", status=500, times=6)
    figures.fault("HTTP 500 on the card and on the DM about it (3 answers each)", 6)
    answer, submission = scenario.submit("unseen_1")
    submitted = time.monotonic()
    assert answer.accepted_submission
    request = wait_stored(scenario.store, submission, scenario.known, timeout=20)
    figures.notes["seconds until the sweeper posted the card (threshold 0.5)"] = round(
        time.monotonic() - submitted, 1
    )
    approve_and_wait(scenario, request)
    scenario.verdict(figures).assert_clean()
