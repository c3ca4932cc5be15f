"""A request whose card is gone, or whose thread reply Slack keeps refusing (issue 12, item 8):
the truth goes by DM to the requester and whoever decided, and the bot stops trying after a
bounded number of attempts, counted in /metrics. In English and German."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.models import RequestState
from bot.domain.notices import REPLY_ATTEMPTS_MAX
from tests.ops.test_metrics import Scrape
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN, CHANNEL, REQUESTER
from tests.support.shown import all_text, buttons, valid_message
from tests.support.waits import wait_for_state, wait_until

CARD_GONE = {"en": "was deleted", "de": "wurde gelöscht"}
REPLY_REFUSED = {"en": "Slack kept refusing", "de": "wiederholt abgelehnt"}
FAILED_WORDS = ("failed", "fehlgeschlagen", "Try again", "erneut versuchen")
# Housekeeping often, and a missing reply counts as lost at once.
FAST_HOUSEKEEPING = {"sweep_every": 0.1, "lost_reply_after": timedelta()}


def dms_to(slack: SlackStandIn, user: str) -> list[dict[str, Any]]:
    return [
        valid_message(c.params)
        for c in slack.calls_to("chat.postMessage")
        if c.params["channel"] == user
    ]


def wait_for_dms(slack: SlackStandIn, user: str) -> list[dict[str, Any]]:
    return wait_until(lambda: dms_to(slack, user))


def thread_posts(slack: SlackStandIn, card_ts: str | None) -> int:
    return sum(
        1 for c in slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == card_ts
    )


@pytest.mark.parametrize("language", ["en", "de"])
def test_approving_in_the_app_home_a_request_whose_card_was_deleted_tells_the_truth_by_dm(
    bots: InProcessBots, braze: BrazeStandIn, language: str
) -> None:
    bot = bots.start(sendid_language=language)
    request = bot.request(CAMPAIGN, "lost_card")
    assert request.card_ts is not None
    bot.slack.delete_message(CHANNEL, request.card_ts)

    bot.home_click(APPROVE, request.id, user=APPROVER)

    done = wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    assert done.created_send_id == "lost_card" and len(braze.create_calls()) == 1
    for person in (REQUESTER, APPROVER):
        (dm,) = wait_for_dms(bot.slack, person)
        text = all_text(dm)
        assert CARD_GONE[language] in text and "`lost_card`" in text
        assert buttons(dm["blocks"]) == []  # no button that could not act from a DM
    # Nobody is told it failed; the deleted card's thread is not even tried.
    told = all_text([c.params for c in bot.slack.calls if c.params.get("user") == APPROVER])
    assert not any(word in told for word in FAILED_WORDS)
    assert thread_posts(bot.slack, request.card_ts) == 0
    scrape = Scrape(bot.url)
    assert scrape.value("sendid_thread_reply_failures_total", outcome="card_gone") == 1


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_thread_reply_slack_keeps_refusing_is_given_up_after_bounded_attempts(
    bots: InProcessBots, language: str
) -> None:
    bot = bots.start(sendid_language=language, runtime_options=FAST_HOUSEKEEPING)
    request = bot.request(CAMPAIGN, "refused_reply")
    # Every post fails until the bot gives up on the thread; then the DMs go through.
    bot.slack.fail_next("chat.postMessage", "internal_error", times=REPLY_ATTEMPTS_MAX)
    bot.click(APPROVE, request.id, user=APPROVER)

    wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    for person in (REQUESTER, APPROVER):
        (dm,) = wait_for_dms(bot.slack, person)
        assert REPLY_REFUSED[language] in all_text(dm)
    time.sleep(0.5)  # more housekeeping rounds: nothing more is tried
    assert thread_posts(bot.slack, request.card_ts) == REPLY_ATTEMPTS_MAX
    scrape = Scrape(bot.url)
    assert scrape.value("sendid_thread_reply_failures_total", outcome="retry") == (
        REPLY_ATTEMPTS_MAX - 1
    )
    assert scrape.value("sendid_thread_reply_failures_total", outcome="given_up") == 1
    # The approver was told the truth at once: created, the reply follows.
    told = bot.ephemeral_text(APPROVER)
    assert {"en": "*created*", "de": "*erstellt*"}[language] in told
