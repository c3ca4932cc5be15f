"""Slow work never holds up anyone's acknowledgement.

Bolt answers Slack only once a listener has acknowledged, and gives up with a 404 after 3
seconds; its listeners run on one pool. So 70 `/sendid stats` waiting on a slow Braze results
endpoint must not keep another approver's Approve or another person's `/sendid help` from
being acknowledged: the listeners hand slow work to pools of their own (bot.slack.work).
Results are fetched once for everyone asking (and kept a minute), one lookup per person at a
time; App Home views are published coalesced.
"""

from __future__ import annotations

import threading

import httpx

from bot.domain.models import RequestState
from tests.standins.braze import DATA_SERIES_PATH, BrazeStandIn
from tests.support import slack_requests as sr
from tests.support.bots import InProcessBots
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN, GROUP_APPROVER, OUTSIDER
from tests.support.driver import ACKNOWLEDGED, SlackDriver
from tests.support.waits import wait_for_state, wait_until

PEOPLE = [f"U0READER{n}" for n in range(7)]
STATS_EACH = 10  # 70 in all


def test_seventy_slow_stats_hold_up_no_other_acknowledgement(
    bots: InProcessBots, braze: BrazeStandIn
) -> None:
    # Braze's read timeout as in production (10 s): a results answer that takes long is waited
    # for, as it would be.
    bot = bots.start(runtime_options={"braze_timeout": httpx.Timeout(2.0, read=10.0)})
    braze.default_send_stats = []
    made = bot.request(CAMPAIGN, "stats_target")
    assert bot.click(APPROVE, made.id, user=APPROVER).status == 200
    wait_for_state(bot.store, made.id, RequestState.CREATED, announced=True)
    waiting = bot.request(CAMPAIGN, "other_approval")
    release = braze.hold_next(DATA_SERIES_PATH, times=1000)  # Braze's results hang

    statuses: list[int] = []
    lock = threading.Lock()

    def stats(user: str) -> None:
        for _ in range(STATS_EACH):
            answer = bot.command("stats stats_target", user=user)
            with lock:
                statuses.append(answer.status)

    readers = [threading.Thread(target=stats, args=(user,)) for user in PEOPLE]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()  # all 70 acknowledged; their lookups wait on Braze
    wait_until(lambda: braze.data_series_calls())
    # Meanwhile another approver approves, and someone else asks for help.
    approve = bot.click(APPROVE, waiting.id, user=GROUP_APPROVER)
    help_answer = bot.command("help", user=OUTSIDER)
    release.set()

    assert approve.ack == ACKNOWLEDGED  # not Bolt's 404 for a missing acknowledgement
    assert help_answer.status == 200 and "Send ID bot" in help_answer.json()["text"]
    assert statuses == [200] * len(PEOPLE) * STATS_EACH
    wait_for_state(bot.store, waiting.id, RequestState.CREATED, announced=True)
    # One lookup for everyone, not one or two per command.
    assert len(braze.data_series_calls()) == 1
    # Everyone hears back privately: the results (or why not), or that they are on their way.
    for user in PEOPLE:
        bot.wait_for_ephemeral(user, "")


def test_app_home_publishes_of_one_person_are_coalesced(bot: SlackDriver) -> None:
    release = bot.slack.hold_next("views.publish")
    for _ in range(6):
        assert bot.event(sr.app_home_opened(APPROVER)).ack == ACKNOWLEDGED
    release.set()
    bot.slack.wait_for_calls("views.publish", 2)
    bot.slack.assert_no_call(
        "views.publish", predicate=lambda c: len(bot.slack.calls_to("views.publish")) > 2
    )
    assert len(bot.slack.calls_to("views.publish")) == 2  # the one under way, then one more
