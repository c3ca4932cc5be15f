"""Approve, reject, who may decide, first click wins, expiry, and the result in the thread."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from bot.domain.models import RequestState
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import (
    APPROVE,
    APPROVER,
    CAMPAIGN,
    CHANNEL,
    GROUP_APPROVER,
    OTHER_CHANNEL,
    OUTSIDER,
    REJECT,
    REJECT_MODAL,
    REQUEST_AGAIN,
    REQUESTER,
)
from tests.support.driver import SlackDriver
from tests.support.shown import all_text, buttons
from tests.support.waits import stored, wait_for_state


def test_approval_creates_the_send_id_once_and_replies_in_the_thread(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request = bot.request(CAMPAIGN, "spring_wave_1")
    response = bot.click(APPROVE, request.id, user=APPROVER)
    assert response.status == 200

    reply = bot.wait_for_thread_reply(request)[0].params
    created = wait_for_state(bot.store, request.id, RequestState.CREATED)
    calls = braze.create_calls()
    assert len(calls) == 1
    assert calls[0].json == {"campaign_id": CAMPAIGN, "send_id": "spring_wave_1"}
    assert calls[0].headers["authorization"] == "Bearer test-braze-key"
    text = all_text(reply["blocks"])
    assert "`spring_wave_1`" in text
    assert f"<@{REQUESTER}>" in text and f"<@{APPROVER}>" in text
    assert "Quota left today: 99 of 100" in text
    assert "/campaigns/trigger/send" in text
    assert created.created_send_id == "spring_wave_1"
    # The card lost its buttons and shows the outcome.
    card = bot.slack.messages_in(CHANNEL)[0]
    assert not [b for b in card["blocks"] if b["type"] == "actions"]
    assert "Created" in all_text(card["blocks"])
    states = [(a.from_state, a.to_state, a.actor_id) for a in bot.store.audit(request.id)]
    assert states == [
        (None, RequestState.PENDING, REQUESTER),
        (RequestState.PENDING, RequestState.APPROVED, APPROVER),
        (RequestState.APPROVED, RequestState.CREATED, APPROVER),
    ]


def test_a_blank_send_id_is_generated_by_braze_and_shown(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request = bot.request(CAMPAIGN, None)
    bot.click(APPROVE, request.id, user=APPROVER)
    created = wait_for_state(bot.store, request.id, RequestState.CREATED)
    assert braze.create_calls()[0].json == {"campaign_id": CAMPAIGN}
    assert created.created_send_id
    assert created.created_send_id in all_text(bot.wait_for_thread_reply(request)[0].params)


def test_a_member_of_an_approver_user_group_may_approve(bot: SlackDriver) -> None:
    request = bot.request(CAMPAIGN, "group_1")
    bot.click(APPROVE, request.id, user=GROUP_APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED)
    assert bot.slack.calls_to("usergroups.users.list")


def test_a_non_approver_is_refused_privately_and_nothing_changes(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request = bot.request(CAMPAIGN, "outsider_1")
    bot.click(APPROVE, request.id, user=OUTSIDER)
    bot.wait_for_ephemeral(OUTSIDER, "Only approvers")
    assert stored(bot.store, request.id).state is RequestState.PENDING
    assert braze.create_calls() == []


def test_the_requester_cannot_approve_their_own_request(
    bots: InProcessBots, braze: BrazeStandIn
) -> None:
    bot = bots.start(sendid_approvers=f"{APPROVER},{REQUESTER}")
    request = bot.request(CAMPAIGN, "self_1")
    bot.click(APPROVE, request.id, user=REQUESTER)
    bot.wait_for_ephemeral(REQUESTER, "another approver")
    assert stored(bot.store, request.id).state is RequestState.PENDING
    assert braze.create_calls() == []


def test_self_approval_works_when_the_admin_allows_it(bots: InProcessBots) -> None:
    bot = bots.start(sendid_approvers=f"{APPROVER},{REQUESTER}", sendid_allow_self_approval=True)
    request = bot.request(CAMPAIGN, "self_2")
    bot.click(APPROVE, request.id, user=REQUESTER)
    wait_for_state(bot.store, request.id, RequestState.CREATED)


def test_a_click_from_another_channel_is_refused(bot: SlackDriver) -> None:
    request = bot.request(CAMPAIGN, "elsewhere_1")
    bot.click(APPROVE, request.id, user=APPROVER, channel=OTHER_CHANNEL)
    bot.wait_for_ephemeral(APPROVER, "not permitted")
    assert stored(bot.store, request.id).state is RequestState.PENDING


def test_two_approvers_clicking_at_once_make_exactly_one_braze_call(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request = bot.request(CAMPAIGN, "race_1")
    braze.set_latency(0.2)  # keep the first call in flight while the others arrive
    barrier = threading.Barrier(6)
    results: list[int] = []

    def click(user: str) -> None:
        barrier.wait()
        results.append(bot.click(APPROVE, request.id, user=user).status)

    users = [APPROVER, GROUP_APPROVER] * 3
    threads = [threading.Thread(target=click, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 6
    wait_for_state(bot.store, request.id, RequestState.CREATED)
    time.sleep(0.3)
    assert len(braze.create_calls()) == 1
    assert len(bot.thread_replies(request)) == 1
    losers = bot.slack.wait_for_calls(
        "chat.postEphemeral", 5, predicate=lambda c: "Already approved by" in str(c.params["text"])
    )
    assert len(losers) == 5


def test_a_late_click_is_told_who_approved_and_when(bot: SlackDriver, braze: BrazeStandIn) -> None:
    request = bot.request(CAMPAIGN, "late_1")
    bot.click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED)
    bot.click(APPROVE, request.id, user=GROUP_APPROVER)
    text = bot.wait_for_ephemeral(GROUP_APPROVER, "Already approved").params["text"]
    assert f"<@{APPROVER}>" in text and "<!date^" in text
    assert len(braze.create_calls()) == 1


def test_reject_asks_for_a_reason_and_records_it(bot: SlackDriver, braze: BrazeStandIn) -> None:
    request = bot.request(CAMPAIGN, "reject_1")
    bot.click(REJECT, request.id, user=APPROVER)
    view = bot.slack.wait_for_call(
        "views.open", predicate=lambda c: c.params["view"]["callback_id"] == REJECT_MODAL
    ).params["view"]
    response = bot.submit(view, {"reason": "Wrong <!channel> campaign & wave"}, user=APPROVER)
    assert response.status == 200 and response.text == ""
    rejected = wait_for_state(bot.store, request.id, RequestState.REJECTED)
    assert rejected.reject_reason == "Wrong <!channel> campaign & wave"
    reply = all_text(bot.wait_for_thread_reply(request)[0].params)
    assert "Wrong &lt;!channel&gt; campaign &amp; wave" in reply
    assert "<!channel>" not in reply
    card = bot.slack.messages_in(CHANNEL)[0]
    assert [b["action_id"] for b in buttons(card["blocks"])] == [REQUEST_AGAIN]  # nothing else
    assert braze.create_calls() == []
    # The pair is free again after a rejection.
    again = bot.request(CAMPAIGN, "reject_1")
    assert again.state is RequestState.PENDING


def test_a_non_approver_cannot_open_the_reject_form(bot: SlackDriver) -> None:
    request = bot.request(CAMPAIGN, "reject_2")
    bot.click(REJECT, request.id, user=OUTSIDER)
    bot.wait_for_ephemeral(OUTSIDER, "Only approvers")
    bot.slack.assert_no_call(
        "views.open", predicate=lambda c: c.params["view"]["callback_id"] == REJECT_MODAL
    )


def test_pending_requests_expire_and_their_cards_say_so(
    bots: InProcessBots, slack: SlackStandIn, braze: BrazeStandIn
) -> None:
    bot = bots.start(sendid_request_ttl_hours=1.5 / 3600)
    request = bot.request(CAMPAIGN, "expire_1")
    wait_for_state(bot.store, request.id, RequestState.EXPIRED, timeout=10)
    # (a half-TTL reminder comes first: look for the expiry reply itself)
    slack.wait_for_call(
        "chat.postMessage",
        predicate=lambda c: (
            c.params.get("thread_ts") == request.card_ts
            and "This request expired" in c.params["text"]
        ),
    )
    slack.wait_for_call("chat.update", predicate=lambda c: c.params.get("ts") == request.card_ts)
    card = slack.messages_in(CHANNEL)[0]
    assert "Expired" in all_text(card["blocks"])
    assert [b["action_id"] for b in buttons(card["blocks"])] == [REQUEST_AGAIN]
    bot.click(APPROVE, request.id, user=APPROVER)
    bot.wait_for_ephemeral(APPROVER, "expired")
    assert braze.create_calls() == []


def test_a_send_id_with_mention_syntax_is_escaped_everywhere(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    nasty = "<!channel>&"
    request = bot.request(CAMPAIGN, nasty)
    bot.click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED)
    bot.wait_for_thread_reply(request)
    bot.command("history")
    calls = [
        c.params
        for c in bot.slack.calls
        if c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral")
    ]
    # Message metadata is data for other apps, never shown: it keeps the send ID as created.
    (data,) = [c["metadata"] for c in calls if "metadata" in c]
    assert data["event_payload"]["send_id"] == nasty
    text = all_text([{k: v for k, v in c.items() if k != "metadata"} for c in calls])
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;&amp;" in text
    history = bot.command("history").json()["text"]
    assert "<!channel>" not in history and "&lt;!channel&gt;&amp;" in history
    assert braze.create_calls()[0].json["send_id"] == nasty  # sent to Braze exactly as typed


def test_slack_answers_every_click_at_once_even_while_braze_is_slow(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request = bot.request(CAMPAIGN, "slow_1")
    braze.set_latency(0.8)
    started = time.monotonic()
    response = bot.click(APPROVE, request.id, user=APPROVER)
    elapsed = time.monotonic() - started
    assert response.status == 200
    assert elapsed < 0.8, "the ack waited for Braze"
    wait_for_state(bot.store, request.id, RequestState.CREATED)


def test_unknown_request_ids_in_button_values_change_nothing(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    response = bot.click(APPROVE, "rdoesnotexist", user=APPROVER)
    assert response.status == 200
    bot.wait_for_ephemeral(APPROVER, "do not know")
    assert braze.create_calls() == []


def test_a_thread_reply_slack_lost_is_posted_later_by_the_sweeper(
    bots: InProcessBots, slack: SlackStandIn, braze: BrazeStandIn
) -> None:
    options = {"lost_reply_after": timedelta(seconds=0.5), "sweep_every": 0.2}
    bot = bots.start(runtime_options=options)
    request = bot.request(CAMPAIGN, "lost_reply_1")
    slack.fail_next("chat.postMessage", "internal_error")  # the result reply fails once
    bot.click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED)
    bot.wait_for_ephemeral(APPROVER, "The Braze call is over: the request is now *created*")
    # The stand-in records the refused reply too: wait for the second, successful one.
    reply = bot.wait_for_thread_reply(request, 2)[1].params
    assert "lost_reply_1" in reply["text"]
    deadline = time.monotonic() + 5
    while stored(bot.store, request.id).announced_state is not RequestState.CREATED:
        assert time.monotonic() < deadline, "the reply was never recorded as posted"
        time.sleep(0.05)
    time.sleep(1.0)
    assert len(bot.thread_replies(request)) == 2  # posted once more, not again and again
    assert len(braze.create_calls()) == 1
