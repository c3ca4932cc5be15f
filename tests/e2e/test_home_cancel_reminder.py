"""App Home, cancelling one's own request, and the half-TTL reminder."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bot.domain.models import QuotaSnapshot, RequestState
from bot.domain.workspaces import DEFAULT_WORKSPACE
from tests.standins.braze import BrazeStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import (
    APPROVE,
    APPROVER,
    APPROVER_GROUP,
    CAMPAIGN,
    CANCEL,
    CANCEL_MENU,
    CHANNEL,
    GROUP_APPROVER,
    OUTSIDER,
    REJECT,
    REQUEST_AGAIN,
    REQUESTER,
)
from tests.support.driver import SlackDriver
from tests.support.shown import all_text, buttons
from tests.support.waits import stored, wait_for_state

# ---- cancel -----------------------------------------------------------------------------------


def test_the_requester_can_cancel_their_own_pending_request(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request = bot.request(CAMPAIGN, "cancel_1")
    cancel = [b for b in buttons(bot.card_posts(CHANNEL)[-1].params["blocks"])][-1]
    assert cancel["action_id"] == CANCEL_MENU and "confirm" in cancel
    bot.choose(CANCEL_MENU, request.id, user=REQUESTER)
    cancelled = wait_for_state(bot.store, request.id, RequestState.CANCELLED)
    assert cancelled.decided_by == REQUESTER
    assert "cancelled this request" in bot.wait_for_thread_reply(request)[0].params["text"]
    card = bot.slack.messages_in(CHANNEL)[0]
    assert [b["action_id"] for b in buttons(card["blocks"])] == [REQUEST_AGAIN]
    assert "cancelled" in all_text(card)
    # The pair is free again, and nobody can approve the cancelled request.
    bot.click(APPROVE, request.id, user=APPROVER)
    bot.wait_for_ephemeral(APPROVER, "cancelled")
    assert braze.create_calls() == []
    assert bot.request(CAMPAIGN, "cancel_1").state is RequestState.PENDING


def test_the_requester_cancels_a_pending_request_from_the_home_tab(bot: SlackDriver) -> None:
    pending = bot.request(CAMPAIGN, "home_cancel_1")
    decided = bot.request(CAMPAIGN, "home_cancel_2")
    bot.click(APPROVE, decided.id, user=APPROVER)
    wait_for_state(bot.store, decided.id, RequestState.CREATED)
    home = bot.open_home(REQUESTER)
    cancels = [b for b in buttons(home["blocks"]) if b["action_id"] == CANCEL]
    assert [b["value"] for b in cancels] == [pending.id]  # only what is still pending
    assert "confirm" in cancels[0]
    published = len(bot.slack.calls_to("views.publish"))
    bot.home_click(CANCEL, pending.id, user=REQUESTER)
    wait_for_state(bot.store, pending.id, RequestState.CANCELLED, announced=True)
    # The card and the home tab both show it.
    card_controls = buttons(bot.slack.messages_in(CHANNEL)[0]["blocks"])
    assert [b["action_id"] for b in card_controls] == [REQUEST_AGAIN]
    refreshed = bot.slack.wait_for_calls("views.publish", published + 1)[-1].params["view"]
    assert [b for b in buttons(refreshed["blocks"]) if b["action_id"] == CANCEL] == []
    # Someone else's request cannot be cancelled from their home tab either.
    other = bot.request(CAMPAIGN, "home_cancel_3", user=OUTSIDER)
    bot.home_click(CANCEL, other.id, user=REQUESTER)
    bot.slack.wait_for_call(
        "chat.postMessage",
        predicate=lambda c: (
            c.params.get("channel") == REQUESTER
            and "Only the requester" in str(c.params.get("text"))
        ),
    )
    assert stored(bot.store, other.id).state is RequestState.PENDING


def test_nobody_but_the_requester_can_cancel_not_even_an_approver(bot: SlackDriver) -> None:
    request = bot.request(CAMPAIGN, "cancel_2")
    for user in (APPROVER, OUTSIDER):
        bot.click(CANCEL, request.id, user=user)
        bot.wait_for_ephemeral(user, "Only the requester")
    assert stored(bot.store, request.id).state is RequestState.PENDING


def test_a_decided_request_cannot_be_cancelled(bot: SlackDriver) -> None:
    request = bot.request(CAMPAIGN, "cancel_3")
    bot.click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED)
    bot.click(CANCEL, request.id, user=REQUESTER)
    bot.wait_for_ephemeral(REQUESTER, "Already approved")
    assert stored(bot.store, request.id).state is RequestState.CREATED


# ---- reminder ---------------------------------------------------------------------------------


def test_a_request_pending_for_half_its_ttl_gets_one_reminder_naming_its_approvers(
    bots: InProcessBots,
) -> None:
    bot = bots.start(runtime_options={"sweep_every": 0.1}, sendid_request_ttl_hours=3 / 3600)
    request = bot.request(CAMPAIGN, "remind_1")
    reply = bot.wait_for_thread_reply(request, timeout=5)[0].params["text"]
    assert f"<@{APPROVER}>" in reply and f"<!subteam^{APPROVER_GROUP}>" in reply
    assert f"<@{REQUESTER}>" not in reply
    assert "Still waiting" in reply
    wait_for_state(bot.store, request.id, RequestState.EXPIRED, timeout=10)
    replies = [c.params["text"] for c in bot.thread_replies(request)]
    assert sum("Still waiting" in r for r in replies) == 1  # once, not every sweep
    assert stored(bot.store, request.id).reminded_at is not None


# ---- App Home ---------------------------------------------------------------------------------


def test_the_home_tab_shows_a_requester_their_requests_quota_and_channels(bot: SlackDriver) -> None:
    mine = bot.request(CAMPAIGN, "home_mine_1")
    view = bot.open_home(REQUESTER)
    text = all_text(view)
    assert view["type"] == "home"
    assert "home_mine_1" in text and "pending" in text
    assert f"<#{CHANNEL}>" in text
    assert "Not known yet" in text  # no quota seen yet
    assert "Waiting for your decision" not in text  # not an approver
    # Nothing to decide; only their own pending request to withdraw.
    assert [(b["action_id"], b["value"]) for b in buttons(view["blocks"])] == [(CANCEL, mine.id)]


def test_the_home_tab_shows_the_quota_as_a_bar(bot: SlackDriver) -> None:
    reset = datetime.now(UTC).replace(microsecond=0)
    bot.store.record_quota(
        DEFAULT_WORKSPACE, QuotaSnapshot(limit=100, remaining=75, reset_at=reset, observed_at=reset)
    )
    text = all_text(bot.open_home(OUTSIDER))
    assert "█████░░░░░░░░░░░░░░░" in text
    assert "25 used, 75 left of 100" in text


def test_an_approver_decides_from_the_home_tab_and_card_and_home_both_update(
    bot: SlackDriver,
    braze: BrazeStandIn,
) -> None:
    request = bot.request(CAMPAIGN, "home_decide_1")
    view = bot.open_home(GROUP_APPROVER)
    assert "Waiting for your decision" in all_text(view)
    approve, reject = buttons(view["blocks"])
    assert (approve["action_id"], approve["value"]) == (APPROVE, request.id)
    assert "confirm" in approve and reject["action_id"] == REJECT

    bot.home_click(APPROVE, request.id, user=GROUP_APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED)
    bot.wait_for_thread_reply(request)
    card = bot.slack.messages_in(CHANNEL)[0]
    assert buttons(card["blocks"]) == []
    refreshed = bot.slack.wait_for_calls("views.publish", 2)[-1].params["view"]
    assert buttons(refreshed["blocks"]) == []
    assert "Nothing is waiting for you" in all_text(refreshed)
    assert len(braze.create_calls()) == 1


def test_home_tab_clicks_follow_the_same_rules_as_the_card(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request = bot.request(CAMPAIGN, "home_rules_1")
    bot.home_click(APPROVE, request.id, user=OUTSIDER)
    deadline = time.monotonic() + 5
    while not [
        c
        for c in bot.slack.calls_to("chat.postMessage")
        if c.params.get("channel") == OUTSIDER and "Only approvers" in c.params.get("text", "")
    ]:
        assert time.monotonic() < deadline, "the outsider was not told"
        time.sleep(0.05)
    assert stored(bot.store, request.id).state is RequestState.PENDING
    assert braze.create_calls() == []


def test_an_approver_does_not_see_their_own_request_among_those_to_decide(
    bots: InProcessBots,
) -> None:
    bot = bots.start(sendid_approvers=f"{APPROVER},{REQUESTER}")
    request = bot.request(CAMPAIGN, "home_self_1", user=REQUESTER)
    own = [(b["action_id"], b["value"]) for b in buttons(bot.open_home(REQUESTER)["blocks"])]
    other = [b["value"] for b in buttons(bot.open_home(APPROVER)["blocks"])]
    assert own == [(CANCEL, request.id)]  # their own: only withdrawing it
    assert other == [request.id, request.id]
