"""What fails before Braze is called is never "outcome unknown".

Only a request that may have reached Braze is unknown. A Slack call that breaks before the
Braze call (the "creating…" card update) does not stop the approval; a bot that dies between
claiming an approval and calling Braze leaves it approvable again, with nothing created, and
the thread says so.
"""

from __future__ import annotations

import time

from bot.domain.models import RequestState
from bot.store import Store
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import bot_env
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN
from tests.support.driver import SlackDriver
from tests.support.processes import Processes
from tests.support.shown import all_text, buttons, valid_message
from tests.support.waits import stored, wait_for_state, wait_until


def test_a_broken_creating_card_update_does_not_stop_the_approval(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request = bot.request(CAMPAIGN, "update_broke")
    # The "creating…" update and the Slack client's one retry of it: the connection breaks
    # (no Slack error, as with a timeout).
    bot.slack.drop_next("chat.update", times=2)
    assert bot.click(APPROVE, request.id, user=APPROVER).status == 200
    done = wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    assert done.created_send_id == "update_broke"
    assert len(braze.create_calls()) == 1
    told = [c.params for c in bot.slack.calls_to("chat.postEphemeral")]
    assert "Nothing was lost" not in all_text(told) and "failed" not in all_text(told)


def test_a_bot_killed_before_it_called_braze_leaves_the_request_approvable_not_unknown(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str, processes: Processes
) -> None:
    env = bot_env(
        slack.url,
        braze.url,
        database_url,
        SENDID_STALE_CLAIM_SECONDS="1",
        SENDID_BRAZE_CREATE_DEADLINE_SECONDS="0.8",
    )
    bot = processes.bot(env)
    with Store(database_url) as store, SlackDriver(bot.url, slack, store=store) as driver:
        bot.start()
        try:
            request = driver.request(CAMPAIGN, "never_called")
            slack.set_latency(30, "chat.update")  # the "creating…" update hangs
            driver.click(APPROVE, request.id, user=APPROVER)
            wait_for_state(store, request.id, RequestState.APPROVED)
        finally:
            bot.kill()  # SIGKILL between the claim and the Braze call
        slack.set_latency(0, "chat.update")
        assert stored(store, request.id).state is RequestState.APPROVED

        time.sleep(1.1)  # older than the stale-claim threshold
        bot.start()
        try:
            back = wait_for_state(store, request.id, RequestState.PENDING)
            assert back.decided_by is None and back.failure_kind is None
            (reply,) = driver.wait_for_thread_reply(request)
            said = all_text(valid_message(reply.params))
            assert "never reached Braze" in said and "nothing was created" in said
            assert "Status unknown" not in said

            def card_with_buttons() -> bool:
                message = next(
                    m for m in slack.messages_in(request.channel_id) if m["ts"] == request.card_ts
                )
                return APPROVE in [b.get("action_id") for b in buttons(message.get("blocks"))]

            wait_until(card_with_buttons)
            assert braze.create_calls() == []
            # A person simply approves again.
            assert driver.click(APPROVE, request.id, user=APPROVER).status == 200
            done = wait_for_state(store, request.id, RequestState.CREATED, announced=True)
            assert done.decided_by == APPROVER
        finally:
            bot.stop(timeout=20)
    assert len(braze.create_calls()) == 1 and braze.created == [(CAMPAIGN, "never_called")]
