"""Issue 24, item 5: a setup failure always leaves the admins a working Retry, and one nobody
retries ends in time, freeing its campaign/send ID pair.

Before, with SENDID_ADMINS a group of 25 (over the 20 the bot DMs one by one) and Braze
answering 401, nobody got a DM, the thread had no Retry, and the requester's new request for
the same send ID was refused as "in progress" for ever.
"""

from __future__ import annotations

from bot.domain.models import FailureKind, RequestState
from bot.i18n import Msg, Translator
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import (
    APPROVE,
    APPROVER,
    CAMPAIGN,
    CHANNEL,
    REQUEST_AGAIN,
    REQUESTER,
    RETRY,
)
from tests.support.shown import all_text, buttons, valid_message
from tests.support.waits import stored, wait_for_state

ADMINS = "S0ADMINS"
MEMBERS = [f"U0ADMIN{n:02d}" for n in range(25)]
ONLY_ADMINS = Translator("en")(Msg.REFUSAL_NOT_ADMIN)


def test_admins_in_a_group_too_large_to_dm_retry_from_the_thread(
    bots: InProcessBots, slack: SlackStandIn, braze: BrazeStandIn
) -> None:
    slack.usergroups[ADMINS] = MEMBERS
    bot = bots.start(sendid_admins=ADMINS)
    braze.fail_next(CREATE_PATH, 401, {"message": "Invalid API key"})
    request = bot.request(CAMPAIGN, "big_admins")
    bot.click(APPROVE, request.id, user=APPROVER)
    failed = wait_for_state(bot.store, request.id, RequestState.FAILED, announced=True)
    assert failed.failure_kind is FailureKind.AUTH
    reply = valid_message(bot.wait_for_thread_reply(request)[0].params)
    assert f"<!subteam^{ADMINS}>" in reply["text"]
    (retry,) = buttons(reply["blocks"])
    assert (retry["action_id"], retry["value"]) == (RETRY, request.id)
    dmed = {c.params["channel"] for c in slack.calls_to("chat.postMessage")}
    assert dmed.isdisjoint(MEMBERS)  # over the DM limit: none of them got one
    # Only an admin may press it: the approver is refused, a member of the group succeeds.
    bot.click(RETRY, request.id, user=APPROVER)
    bot.wait_for_ephemeral(APPROVER, ONLY_ADMINS)
    assert stored(bot.store, request.id).state is RequestState.FAILED
    bot.click(RETRY, request.id, user=MEMBERS[24])
    done = wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    assert done.created_send_id == "big_admins"
    assert len(braze.create_calls()) == 2


def test_a_setup_failure_nobody_retries_expires_and_frees_its_send_id(
    bots: InProcessBots, braze: BrazeStandIn
) -> None:
    # A time to live of 3.6 s: the failure waits that long for a retry, then housekeeping ends it.
    bot = bots.start(sendid_request_ttl_hours=0.001)
    braze.fail_next(CREATE_PATH, 403, {"message": "Missing permission"})
    request = bot.request(CAMPAIGN, "never_fixed")
    bot.click(APPROVE, request.id, user=APPROVER)
    failed = wait_for_state(bot.store, request.id, RequestState.FAILED, announced=True)
    assert failed.expires_at > failed.updated_at  # a deadline from the failure on
    expired = wait_for_state(bot.store, request.id, RequestState.EXPIRED, announced=True)
    assert expired.failure_kind is FailureKind.PERMISSION  # what it failed on stays recorded
    trail = [(e.from_state, e.to_state, e.actor_id) for e in bot.store.audit(request.id)]
    assert trail[-1] == (RequestState.FAILED, RequestState.EXPIRED, "system")
    last = valid_message(bot.wait_for_thread_reply(request, 2)[1].params)
    assert "nobody retried it in time" in last["text"] and f"<@{REQUESTER}>" in last["text"]
    card = bot.slack.messages_in(CHANNEL)[0]
    assert [b["action_id"] for b in buttons(card["blocks"])] == [REQUEST_AGAIN]
    assert "Expired" in all_text(card["blocks"])
    # The same campaign/send ID pair can be asked for again, and is created this time.
    again = bot.request(CAMPAIGN, "never_fixed")
    bot.click(APPROVE, again.id, user=APPROVER)
    assert wait_for_state(bot.store, again.id, RequestState.CREATED).created_send_id == (
        "never_fixed"
    )


def test_a_failure_braze_may_have_acted_on_never_expires_on_its_own(
    bots: InProcessBots, braze: BrazeStandIn
) -> None:
    """Only setup failures end in time: after a 5xx Braze may have created the send ID, so the
    request keeps its pair and its approvers' Retry."""
    bot = bots.start(sendid_request_ttl_hours=0.001)
    braze.fail_next(CREATE_PATH, 500, {"message": "oops"}, times=5)
    request = bot.request(CAMPAIGN, "maybe_made")
    bot.click(APPROVE, request.id, user=APPROVER)
    failed = wait_for_state(bot.store, request.id, RequestState.FAILED, announced=True)
    assert not failed.failure_kind or not failed.failure_kind.needs_admin
    assert bot.store.unretried_setup_failures(failed.expires_at.replace(year=2100)) == []
