"""Issue 24, item 4: a private channel's requests reach only its members, in DMs and clicks.

Before, with `notify = "dm"` an approver who is not a member of the private channel was DMed the
requester, campaign and send ID, and their Approve click in the App Home (which hid the request
from them) succeeded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.domain.models import RequestState
from bot.i18n import Msg, Translator
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import (
    APPROVE,
    APPROVER,
    CAMPAIGN,
    GROUP_APPROVER,
    PRIVATE_CHANNEL,
    REJECT,
    REQUESTER,
    RETRY,
)
from tests.support.driver import SlackDriver
from tests.support.shown import all_text, buttons, valid_message
from tests.support.waits import stored, wait_for_state

# An approver of every channel who is not a member of PRIVATE_CHANNEL.
ELSEWHERE = "U0ELSEWHERE"
NOT_MEMBER = Translator("en")(Msg.REFUSAL_NOT_MEMBER)


def dms_to(slack: SlackStandIn, user: str) -> list[dict[str, Any]]:
    return [c.params for c in slack.calls_to("chat.postMessage") if c.params["channel"] == user]


def dm_bot(bots: InProcessBots, tmp_path: Path, **settings: Any) -> SlackDriver:
    """Approvers reached by DM (`notify = "dm"`); ELSEWHERE approves too."""
    path = tmp_path / "policy.toml"
    path.write_text('[defaults]\nnotify = "dm"\n', encoding="utf-8")
    approvers = f"{APPROVER},S0APPROVERS,{ELSEWHERE}"
    return bots.start(sendid_policy_file=str(path), sendid_approvers=approvers, **settings)


def test_only_members_of_a_private_channel_are_dmed_its_request(
    bots: InProcessBots, tmp_path: Path
) -> None:
    bot = dm_bot(bots, tmp_path)
    request = bot.request(CAMPAIGN, "private_dm", channel=PRIVATE_CHANNEL)
    members = {APPROVER, GROUP_APPROVER}
    bot.slack.wait_for_calls("chat.postMessage", 2, lambda c: c.params["channel"] in members)
    assert bot.thread_replies(request) == []  # everyone who may see it was reached by DM
    assert dms_to(bot.slack, ELSEWHERE) == []
    shown = all_text([c.params for c in bot.slack.calls if c.params.get("channel") == ELSEWHERE])
    assert "private_dm" not in shown and CAMPAIGN not in shown


def test_when_members_cannot_be_read_nobody_is_dmed_and_the_thread_mentions_the_approvers(
    bots: InProcessBots, tmp_path: Path, slack: SlackStandIn
) -> None:
    bot = dm_bot(bots, tmp_path)
    slack.fail_next("conversations.info", "missing_scope", times=20)
    request = bot.request(CAMPAIGN, "private_unknown", channel=PRIVATE_CHANNEL)
    first = valid_message(bot.wait_for_thread_reply(request)[0].params)
    assert f"<@{APPROVER}>" in first["text"] and f"<@{ELSEWHERE}>" in first["text"]
    assert "<!subteam^S0APPROVERS>" in first["text"]
    assert dms_to(slack, APPROVER) == dms_to(slack, ELSEWHERE) == []


def test_a_non_member_cannot_decide_a_private_request_from_the_app_home(
    bots: InProcessBots, tmp_path: Path, braze: BrazeStandIn
) -> None:
    bot = dm_bot(bots, tmp_path)
    request = bot.request(CAMPAIGN, "private_home", channel=PRIVATE_CHANNEL)
    for action in (APPROVE, REJECT):
        assert bot.home_click(action, request.id, user=ELSEWHERE).status == 200
    refusals = bot.slack.wait_for_calls(
        "chat.postMessage", 2, lambda c: c.params["channel"] == ELSEWHERE
    )
    assert {c.params["text"] for c in refusals} == {NOT_MEMBER}
    assert len(bot.slack.calls_to("views.open")) == 1  # the request form; no reject form
    assert stored(bot.store, request.id).state is RequestState.PENDING
    assert braze.create_calls() == []
    # A member decides it from the App Home as before.
    bot.home_click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED)


def test_an_admin_outside_the_private_channel_is_told_what_to_fix_and_nothing_of_the_request(
    bots: InProcessBots, braze: BrazeStandIn
) -> None:
    bot = bots.start(sendid_admins=f"{APPROVER},{ELSEWHERE}")
    braze.fail_next(CREATE_PATH, 401, {"message": "Invalid API key"})
    request = bot.request(CAMPAIGN, "private_setup", channel=PRIVATE_CHANNEL)
    bot.click(APPROVE, request.id, user=APPROVER, channel=PRIVATE_CHANNEL)
    wait_for_state(bot.store, request.id, RequestState.FAILED, announced=True)
    member = valid_message(
        bot.slack.wait_for_call(
            "chat.postMessage", lambda c: c.params["channel"] == APPROVER
        ).params
    )
    assert CAMPAIGN in all_text(member) and f"<@{REQUESTER}>" in all_text(member)
    assert [b["action_id"] for b in buttons(member["blocks"])] == [RETRY]
    outside = valid_message(
        bot.slack.wait_for_call(
            "chat.postMessage", lambda c: c.params["channel"] == ELSEWHERE
        ).params
    )
    shown = all_text(outside)
    assert "BRAZE_API_KEY" in shown and f"<#{PRIVATE_CHANNEL}>" in shown
    for secret in ("private_setup", CAMPAIGN, "Spring Sale", f"<@{REQUESTER}>"):
        assert secret not in shown
    assert buttons(outside["blocks"]) == []


def test_a_dm_click_by_a_non_member_is_refused_even_where_the_bot_sent_the_dm(
    bots: InProcessBots, braze: BrazeStandIn
) -> None:
    """A DM sent before this rule (or before they left the channel) counts for members only."""
    bot = bots.start(sendid_approvers=f"{APPROVER},{ELSEWHERE}")
    request = bot.request(CAMPAIGN, "private_old_dm", channel=PRIVATE_CHANNEL)
    bot.runtime.service.notices.record_dm(request.id, ELSEWHERE)
    bot.click(APPROVE, request.id, user=ELSEWHERE, channel="D0ELSEWHERE")
    bot.slack.wait_for_call(
        "chat.postMessage",
        lambda c: c.params["channel"] == ELSEWHERE and c.params["text"] == NOT_MEMBER,
    )
    assert stored(bot.store, request.id).state is RequestState.PENDING
    assert braze.create_calls() == []
