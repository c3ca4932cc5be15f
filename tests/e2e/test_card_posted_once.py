"""A card is posted at most once, whoever posts it: the form, a "Post again" click,
housekeeping in any replica. Posting it is claimed like every other transition."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.models import RequestState
from bot.housekeeping import post_lost_cards
from tests.support.constants import CAMPAIGN, CHANNEL, REPOST, REQUESTER
from tests.support.driver import SlackDriver, is_card_post
from tests.support.waits import Submission, find_stored, newest_with_card, wait_until


def test_post_again_twice_and_housekeeping_while_the_card_is_being_posted_make_one_card(
    bot: SlackDriver,
) -> None:
    # The bot is not in the channel yet: the card is refused, the requester gets "Post again".
    bot.slack.fail_next("chat.postMessage", "not_in_channel")
    form = Submission(CHANNEL, REQUESTER, CAMPAIGN, "once_only")
    assert bot.send_form(form).accepted_submission
    bot.slack.wait_for_call(
        "chat.postMessage", predicate=lambda c: c.params.get("channel") == REQUESTER
    )
    request = wait_until(lambda: find_stored(bot.store, form, set()))
    assert request.card_ts is None

    # The requester clicks Post again; Slack posts the card but its answer is slow to come.
    release = bot.slack.hold_next("chat.postMessage")
    bot.click(REPOST, request.id, user=REQUESTER, channel=REQUESTER)
    wait_until(lambda: [m for m in bot.slack.messages_in(CHANNEL) if "thread_ts" not in m])
    # Meanwhile: a second click, and a housekeeping round that finds the card still missing.
    bot.click(REPOST, request.id, user=REQUESTER, channel=REQUESTER)
    # (Due for it at once, while a post claimed less than the usual 5 minutes ago holds.)
    post_lost_cards(bot.runtime.ctx, older_than=timedelta(0), lease=timedelta(minutes=5))
    release.set()

    shown = newest_with_card(bot.store, CHANNEL)
    assert shown.id == request.id and shown.state is RequestState.PENDING
    told = bot.slack.wait_for_call(
        "chat.postMessage",
        predicate=lambda c: (
            c.params.get("channel") == REQUESTER
            and "being posted already" in str(c.params.get("text"))
        ),
    )
    assert told
    cards = [c for c in bot.slack.calls_to("chat.postMessage") if is_card_post(c, CHANNEL)]
    assert len(cards) == 2  # the refused one, then exactly one that was posted
    top_level = [m for m in bot.slack.messages_in(CHANNEL) if "thread_ts" not in m]
    assert [m["ts"] for m in top_level] == [shown.card_ts]
