"""Who is told what around a request (issue 11), over signed requests against the stand-ins, in
English and German: who is mentioned or messaged, and which buttons exist in which state."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain.models import FailureKind, RequestState, SendIdRequest
from tests.e2e.test_workspaces import KEY_VARIABLE, policy
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import (
    APPROVE,
    APPROVER,
    BRAZE_KEY_EU,
    CAMPAIGN,
    CHANNEL,
    GROUP_APPROVER,
    PRIVATE_CHANNEL,
    REJECT,
    REQUESTER,
    RETRY,
    SETUP_FAILURES,
)
from tests.support.driver import SlackDriver
from tests.support.shown import all_text, buttons, form_problems, valid_message
from tests.support.waits import Submission, stored, wait_for_state

ADMIN = "U0ADMIN"
ADMIN_DM = "D0ADMIN"  # the conversation ID of the bot's DM with ADMIN
LANGUAGES = ("en", "de")
# Words of the catalogues the tests look for, by language.
ONLY_ADMINS = {"en": "Only the bot's admins", "de": "Nur die Admins des Bots"}


def dms_to(slack: SlackStandIn, user: str) -> list[dict[str, Any]]:
    """The direct messages the bot sent `user` (chat.postMessage to the user's ID)."""
    return [c.params for c in slack.calls_to("chat.postMessage") if c.params["channel"] == user]


def wait_for_dm(slack: SlackStandIn, user: str) -> dict[str, Any]:
    call = slack.wait_for_call("chat.postMessage", predicate=lambda c: c.params["channel"] == user)
    return valid_message(call.params)


def dm_closed(slack: SlackStandIn, user: str) -> dict[str, Any]:
    """The update that took the buttons off the bot's DM to `user` (checked against Block Kit)."""
    call = slack.wait_for_call("chat.update", predicate=lambda c: c.params["channel"] == user)
    return valid_message(call.params)


def failed_by_braze(
    bot: SlackDriver, braze: BrazeStandIn, status: int, send_id: str
) -> tuple[SendIdRequest, dict[str, Any]]:
    """Request and approve `send_id` with Braze answering `status`; the failed request and its
    thread reply (checked against Block Kit)."""
    braze.fail_next(CREATE_PATH, status, {"message": "refused"})
    request = bot.request(CAMPAIGN, send_id)
    bot.click(APPROVE, request.id, user=APPROVER)
    failed = wait_for_state(bot.store, request.id, RequestState.FAILED, announced=True)
    return failed, valid_message(bot.wait_for_thread_reply(request)[0].params)


# ---- setup failures go to the admins -----------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("status", "kind", "setting"), SETUP_FAILURES)
def test_a_setup_failure_tells_the_thread_in_plain_words_and_the_admins_the_detail(
    bots: InProcessBots,
    braze: BrazeStandIn,
    language: str,
    status: int,
    kind: FailureKind,
    setting: str,
) -> None:
    bot = bots.start(sendid_admins=ADMIN, sendid_language=language)
    failed, reply = failed_by_braze(bot, braze, status, f"setup_{status}")
    assert failed.failure_kind is kind
    # The thread names the requester and the admins, no setting, and offers the admins' Retry.
    assert f"<@{REQUESTER}>" in reply["text"] and f"<@{ADMIN}>" in reply["text"]
    assert f"<@{APPROVER}>" not in reply["text"]
    assert not re.search(r"BRAZE_|SENDID_|sends\.id\.create|HTTP 40", all_text(reply))
    assert [b["action_id"] for b in buttons(reply.get("blocks"))] == [RETRY]
    # The admin's DM has the technical detail and a Retry too.
    dm = wait_for_dm(bot.slack, ADMIN)
    assert f"`{setting}`" in all_text(dm)
    assert [b["action_id"] for b in buttons(dm["blocks"])] == [RETRY]
    assert dms_to(bot.slack, APPROVER) == dms_to(bot.slack, REQUESTER) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_only_an_admin_can_retry_a_setup_failure_and_does_so_from_the_dm(
    bots: InProcessBots, braze: BrazeStandIn, language: str
) -> None:
    bot = bots.start(sendid_admins=ADMIN, sendid_language=language)
    failed, _ = failed_by_braze(bot, braze, 401, "setup_retry")
    # An approver's click on an old Retry is refused: nothing they do can help.
    bot.click(RETRY, failed.id, user=APPROVER)
    bot.wait_for_ephemeral(APPROVER, ONLY_ADMINS[language])
    assert stored(bot.store, failed.id).state is RequestState.FAILED
    # The admin fixed the key and presses Retry in their DM: created, said in the thread.
    bot.click(RETRY, failed.id, user=ADMIN, channel=ADMIN_DM)
    done = wait_for_state(bot.store, failed.id, RequestState.CREATED, announced=True)
    assert done.created_send_id == "setup_retry"
    assert buttons(dm_closed(bot.slack, ADMIN)["blocks"]) == []  # no Retry left to press
    assert len(braze.create_calls()) == 2
    assert "`setup_retry`" in all_text(bot.wait_for_thread_reply(failed, 2)[1].params)


def test_without_sendid_admins_the_channels_approvers_are_the_admins(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    failed, reply = failed_by_braze(bot, braze, 403, "setup_no_admins")
    # Mentioned in the thread: the approvers (people and group), not the requester twice.
    assert f"<@{APPROVER}>" in reply["text"] and "<!subteam^S0APPROVERS>" in reply["text"]
    # A DM each: the approver and the approver group's member (a small group).
    for user in (APPROVER, GROUP_APPROVER):
        assert "`sends.id.create`" in all_text(wait_for_dm(bot.slack, user))
    assert dms_to(bot.slack, REQUESTER) == []
    # Either may retry from their DM.
    bot.click(RETRY, failed.id, user=GROUP_APPROVER, channel="D0LEAD")
    wait_for_state(bot.store, failed.id, RequestState.CREATED)


@pytest.fixture
def braze_eu(tmp_path: Path) -> Iterator[BrazeStandIn]:
    """A second Braze workspace, "eu", which the policy file at tmp_path/policy.toml maps
    CHANNEL to (its key in BRAZE_API_KEY_EU)."""
    with BrazeStandIn(api_key=BRAZE_KEY_EU) as stand_in:
        stand_in.add_campaign(CAMPAIGN, "EU")
        (tmp_path / "policy.toml").write_text(policy(stand_in.url), encoding="utf-8")
        yield stand_in


def eu_bot(bots: InProcessBots, tmp_path: Path, **settings: Any) -> SlackDriver:
    path = str(tmp_path / "policy.toml")
    return bots.start(sendid_policy_file=path, variables={KEY_VARIABLE: BRAZE_KEY_EU}, **settings)


def test_the_admins_dm_names_the_workspaces_own_key_variable(
    bots: InProcessBots, braze_eu: BrazeStandIn, tmp_path: Path
) -> None:
    bot = eu_bot(bots, tmp_path, sendid_admins=ADMIN)
    failed_by_braze(bot, braze_eu, 401, "eu_setup")
    dm = all_text(wait_for_dm(bot.slack, ADMIN))
    assert f"`{KEY_VARIABLE}`" in dm and "`BRAZE_API_KEY`" not in dm
    assert "[workspaces.eu]" in dm  # where its endpoint is set


def test_slacks_errors_passed_on_to_a_person_are_scrubbed_of_every_workspaces_key(
    bots: InProcessBots, braze_eu: BrazeStandIn, tmp_path: Path
) -> None:
    bot = eu_bot(bots, tmp_path)
    # Slack (or a proxy) echoes the EU workspace's key in its error for the card.
    bot.slack.fail_next("chat.postMessage", f"invalid_blocks:{BRAZE_KEY_EU}")
    bot.send_form(Submission(CHANNEL, REQUESTER, CAMPAIGN, "eu_scrubbed"))
    dm = all_text(wait_for_dm(bot.slack, REQUESTER))
    assert "[redacted]" in dm
    # The default key is a prefix of the EU one: the whole EU key must go, not only that part.
    assert "eu-workspace" not in dm


# ---- the quota is used up, and back ------------------------------------------------------------

QUICK_SWEEPS = {"sweep_every": 0.2}  # housekeeping rounds, so the quota-back notice comes soon


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_used_up_quota_offers_no_retry_until_it_is_back_and_then_says_so_once(
    bots: InProcessBots, braze: BrazeStandIn, language: str
) -> None:
    bot = bots.start(sendid_language=language, runtime_options=QUICK_SWEEPS)
    waiting = bot.request(CAMPAIGN, "quota_waiting")
    form = bot.open_form()  # before the quota is known to be used up
    reset = int(time.time()) + 3
    braze.quota_used_up_until(reset)
    request = bot.request(CAMPAIGN, "quota_back")
    bot.click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.FAILED, announced=True)
    reply = valid_message(bot.wait_for_thread_reply(request)[0].params)
    # When it resets, as a Slack date; the requester and the approver who approved (they own
    # the retry) named, the other approvers not pinged; no Retry yet.
    assert f"<!date^{reset}^" in reply["text"]
    for person in (f"<@{REQUESTER}>", f"<@{APPROVER}>"):
        assert person in reply["text"]
    assert "<!subteam^S0APPROVERS>" not in reply["text"]
    assert buttons(reply["blocks"]) == []
    # Meanwhile: an approval is answered privately with the date, /sendid too (no form), and
    # a form opened before with a duration.
    bot.click(APPROVE, waiting.id, user=APPROVER)
    assert f"<!date^{reset}^" in bot.ephemeral_text(APPROVER)
    assert bot.command().status == 200
    assert f"<!date^{reset}^" in bot.wait_for_ephemeral(REQUESTER, "<!date^").params["text"]
    refused = bot.submit(form, {"campaign_id": CAMPAIGN, "send_id": "quota_form"}).json()
    assert f"<!date^{reset}^" in form_problems(refused)[0]  # at the top: a Slack date
    # Back: one notice in the thread, mentioning the approvers, with Retry.
    notice = valid_message(bot.wait_for_thread_reply(request, 2, timeout=15)[1].params)
    assert f"<@{APPROVER}>" in notice["text"] and "<!subteam^S0APPROVERS>" not in notice["text"]
    assert [b["action_id"] for b in buttons(notice["blocks"])] == [RETRY]
    time.sleep(1.0)  # several more housekeeping rounds
    assert len(bot.thread_replies(request)) == 2
    bot.click(RETRY, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    # The request whose approval waited was never failed: nothing to announce there.
    assert len(bot.thread_replies(waiting)) == 0


def test_one_workspace_running_out_neither_blocks_nor_announces_another(
    bots: InProcessBots, braze: BrazeStandIn, braze_eu: BrazeStandIn, tmp_path: Path
) -> None:
    bot = eu_bot(bots, tmp_path, runtime_options=QUICK_SWEEPS)
    # EU (CHANNEL) runs out for an hour; the default workspace (PRIVATE_CHANNEL) for 2 s.
    braze_eu.quota_used_up_until(int(time.time()) + 3600)
    braze.quota_used_up_until(int(time.time()) + 2)
    eu = bot.request(CAMPAIGN, "eu_out", channel=CHANNEL)
    home = bot.request(CAMPAIGN, "home_out", channel=PRIVATE_CHANNEL)
    bot.click(APPROVE, eu.id, user=APPROVER, channel=CHANNEL)
    bot.click(APPROVE, home.id, user=APPROVER, channel=PRIVATE_CHANNEL)
    for request in (eu, home):
        wait_for_state(bot.store, request.id, RequestState.FAILED, announced=True)
    # The default workspace's quota comes back: only its request hears of it.
    bot.wait_for_thread_reply(home, 2, timeout=15)
    time.sleep(1.0)
    assert len(bot.thread_replies(eu)) == 1
    # And the default workspace approves again while EU is still used up.
    again = bot.request(CAMPAIGN, "home_again", channel=PRIVATE_CHANNEL)
    bot.click(APPROVE, again.id, user=APPROVER, channel=PRIVATE_CHANNEL)
    wait_for_state(bot.store, again.id, RequestState.CREATED)


# ---- approvers are reached at request time -----------------------------------------------------

MEMBERS_OF_A_LARGE_GROUP = [f"U0MEMBER{n:02d}" for n in range(21)]  # one more than are DMed
ASKS = {"en": "asks for a send ID", "de": "bittet um eine Sende-ID"}


def notify_bot(bots: InProcessBots, tmp_path: Path, how: str, **settings: Any) -> SlackDriver:
    """A bot whose policy file sets `notify = how` for every channel."""
    path = tmp_path / "notify.toml"
    path.write_text(f'[defaults]\nnotify = "{how}"\n', encoding="utf-8")
    return bots.start(sendid_policy_file=str(path), **settings)


def card_post(bot: SlackDriver) -> dict[str, Any]:
    (post,) = bot.card_posts(CHANNEL)
    return valid_message(post.params)


@pytest.mark.parametrize("language", LANGUAGES)
def test_by_default_the_card_mentions_its_approvers_in_its_notification(
    bots: InProcessBots, language: str
) -> None:
    bot = bots.start(sendid_language=language)
    request = bot.request(CAMPAIGN, "mentioned")
    text = card_post(bot)["text"]
    assert f"<@{APPROVER}>" in text and "<!subteam^S0APPROVERS>" in text
    assert ASKS[language] in text
    assert text.count(f"<@{REQUESTER}>") == 1  # named as the requester, not pinged as approver
    assert dms_to(bot.slack, APPROVER) == [] and bot.thread_replies(request) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_with_notify_dm_each_approver_gets_a_dm_with_the_cards_link_and_its_buttons(
    bots: InProcessBots, braze: BrazeStandIn, tmp_path: Path, language: str
) -> None:
    bot = notify_bot(bots, tmp_path, "dm", sendid_language=language)
    request = bot.request(CAMPAIGN, "dmed")
    # The approver and the approver group's member (a group of one), never the requester.
    for user in (APPROVER, GROUP_APPROVER):
        dm = wait_for_dm(bot.slack, user)
        assert f"/archives/{CHANNEL}/p" in dm["blocks"][0]["text"]["text"]  # the permalink
        assert [b["action_id"] for b in buttons(dm["blocks"])] == [APPROVE, REJECT]
    assert dms_to(bot.slack, REQUESTER) == []
    assert bot.thread_replies(request) == []  # everyone was reached by DM
    assert f"<@{APPROVER}>" not in card_post(bot)["text"]
    # Approve in the DM: the same checks, the same one Braze call; the second click hears who.
    bot.click(APPROVE, request.id, user=APPROVER, channel="D0APPROVER")
    wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    # Decided: every approver's DM shows the outcome instead of its buttons.
    for user in (APPROVER, GROUP_APPROVER):
        closed = dm_closed(bot.slack, user)
        assert buttons(closed["blocks"]) == [] and "`dmed`" in closed["text"]
    bot.click(APPROVE, request.id, user=GROUP_APPROVER, channel="D0LEAD")
    answer = bot.slack.wait_for_call(
        "chat.postMessage",
        predicate=lambda c: (
            c.params["channel"] == GROUP_APPROVER and not buttons(c.params.get("blocks"))
        ),
    )
    assert f"<@{APPROVER}>" in answer.params["text"]  # who was first
    assert len(braze.create_calls()) == 1


def test_a_dm_click_counts_only_for_the_person_the_bot_sent_the_dm(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request = bot.request(CAMPAIGN, "dm_only")  # notify = "mention": nobody was DMed
    # An approver's click from a DM the bot never sent them is no click on the card.
    bot.click(APPROVE, request.id, user=APPROVER, channel="D0APPROVER")
    wait_for_dm(bot.slack, APPROVER)  # the refusal
    assert stored(bot.store, request.id).state is RequestState.PENDING
    assert braze.create_calls() == []


def test_a_group_larger_than_twenty_is_mentioned_not_dmed_member_by_member(
    bots: InProcessBots, slack: SlackStandIn, tmp_path: Path
) -> None:
    slack.usergroups["S0EVERYONE"] = MEMBERS_OF_A_LARGE_GROUP
    bot = notify_bot(bots, tmp_path, "dm", sendid_approvers=f"{APPROVER},S0EVERYONE")
    request = bot.request(CAMPAIGN, "large_group")
    wait_for_dm(bot.slack, APPROVER)
    first = valid_message(bot.wait_for_thread_reply(request)[0].params)
    assert "<!subteam^S0EVERYONE>" in first["text"] and f"<@{APPROVER}>" not in first["text"]
    assert all(dms_to(slack, member) == [] for member in MEMBERS_OF_A_LARGE_GROUP)


def test_with_notify_none_nobody_is_pinged_at_request_time(
    bots: InProcessBots, tmp_path: Path
) -> None:
    bot = notify_bot(bots, tmp_path, "none")
    request = bot.request(CAMPAIGN, "quiet")
    time.sleep(0.5)
    assert f"<@{APPROVER}>" not in card_post(bot)["text"]
    assert bot.thread_replies(request) == []
    assert dms_to(bot.slack, APPROVER) == dms_to(bot.slack, GROUP_APPROVER) == []


def test_a_closed_dm_stays_in_its_readers_language_whoever_decided(
    bots: InProcessBots, slack: SlackStandIn, tmp_path: Path
) -> None:
    """Before, a German approver's DM turned English once the request was decided."""
    slack.users[APPROVER] = {"locale": "de-DE"}
    slack.users[GROUP_APPROVER] = {"locale": "en-US"}
    bot = notify_bot(bots, tmp_path, "dm")
    request = bot.request(CAMPAIGN, "zweisprachig")
    assert "Freigeben" in str(wait_for_dm(bot.slack, APPROVER)["blocks"])
    assert "Approve" in str(wait_for_dm(bot.slack, GROUP_APPROVER)["blocks"])  # then a click counts
    bot.click(APPROVE, request.id, user=GROUP_APPROVER, channel="D0LEAD")
    wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    german, english = dm_closed(bot.slack, APPROVER), dm_closed(bot.slack, GROUP_APPROVER)
    assert "Erstellt nach Freigabe" in german["text"] and "Created" not in german["text"]
    assert "Created after approval" in english["text"]


# ---- failures name who owns the retry (issue 27, item 4) --------------------------------------

OWNS_THE_RETRY = {  # the quota failure's last sentence
    "en": f"<@{APPROVER}> (or any other approver) can retry",
    "de": f"<@{APPROVER}> (oder eine andere freigebende Person) kann es erneut versuchen",
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", [503, 429])
def test_a_failure_pings_the_requester_and_the_approver_who_approved_not_every_approver(
    bots: InProcessBots, braze: BrazeStandIn, language: str, status: int
) -> None:
    bot = bots.start(sendid_language=language)
    if status == 429:
        braze.quota_used_up_until(int(time.time()) + 3600)
    else:
        braze.fail_next(CREATE_PATH, status, {"message": "busy"})
    request = bot.request(CAMPAIGN, f"owned_{status}")
    bot.click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.FAILED, announced=True)
    text = valid_message(bot.wait_for_thread_reply(request)[0].params)["text"]
    assert f"<@{REQUESTER}>" in text and f"<@{APPROVER}>" in text
    assert "<!subteam^S0APPROVERS>" not in text  # the group reads it in the thread, unpinged
    if status == 429:
        assert OWNS_THE_RETRY[language] in text
    else:  # status unknown: the approver who approved decides whether to retry
        assert f"\n<@{APPROVER}>: " in text


@pytest.mark.parametrize("how", ["dm", "none"])
def test_where_approvers_are_not_pinged_the_card_names_them_without_mentions(
    bots: InProcessBots, slack: SlackStandIn, tmp_path: Path, how: str
) -> None:
    """Issue 27, item 4: the card's Approvers field held live mentions, pinging a channel set
    to notify = "dm" or "none" anyway."""
    slack.users[APPROVER] = {"name": "ann.k", "display_name": "ann"}
    slack.usergroup_handles["S0APPROVERS"] = "marketing-leads"
    bot = notify_bot(bots, tmp_path, how)
    bot.request(CAMPAIGN, f"quiet_{how}")
    shown = approvers_field(card_post(bot))
    # Plain names, each "@" made inert (a name "here" must not become @here).
    assert shown == "*Approvers*\n@\u2060ann, @\u2060marketing-leads"
    assert f"<@{APPROVER}>" not in all_text(card_post(bot)["blocks"])


def test_where_approvers_are_pinged_the_card_mentions_them(bots: InProcessBots) -> None:
    bot = bots.start()
    bot.request(CAMPAIGN, "loud")
    assert approvers_field(card_post(bot)) == f"*Approvers*\n<@{APPROVER}>, <!subteam^S0APPROVERS>"


def approvers_field(card: dict[str, Any]) -> str:
    fields = [f["text"] for b in card["blocks"] for f in b.get("fields", [])]
    (shown,) = [f for f in fields if f.startswith("*Approvers*")]
    return str(shown)
