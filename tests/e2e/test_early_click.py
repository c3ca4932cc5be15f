"""A click right after the card appeared, before the bot recorded where the card is.

Slack posts the card and the approver clicks it before Slack's answer (the card's ts) has
reached the bot. The click itself says which message it was on (container.message_ts): the bot
records the card from it, so the result goes into the card's thread and the card loses its
buttons, as for any approval.
"""

from __future__ import annotations

from bot.domain.models import RequestState
from tests.standins.braze import BrazeStandIn
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN, CHANNEL, REQUESTER
from tests.support.driver import SlackDriver
from tests.support.shown import all_text, buttons, valid_message
from tests.support.waits import Submission, find_stored, wait_for_state, wait_until


def test_an_approval_clicked_before_the_cards_ts_was_recorded_lands_in_its_thread(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    # The card is posted, but Slack's answer (its ts) is held back from the bot.
    release = bot.slack.hold_next("chat.postMessage")
    form = Submission(CHANNEL, REQUESTER, CAMPAIGN, "early_click")
    assert bot.send_form(form).accepted_submission
    card = wait_until(lambda: next(iter(bot.slack.messages_in(CHANNEL)), None))
    request = wait_until(lambda: find_stored(bot.store, form, set()))
    assert request.card_ts is None  # the bot does not know where its card is yet

    assert bot.click(APPROVE, request.id, user=APPROVER, ts=card["ts"]).status == 200
    done = wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    release.set()

    assert done.card_ts == card["ts"]
    (reply,) = bot.wait_for_thread_reply(done)
    assert reply.params["thread_ts"] == card["ts"]
    assert "`early_click`" in all_text(valid_message(reply.params))
    top_level = [m for m in bot.slack.messages_in(CHANNEL) if "thread_ts" not in m]
    assert [m["ts"] for m in top_level] == [card["ts"]]  # nothing posted at the channel's top
    shown = next(m for m in top_level if m["ts"] == card["ts"])
    assert buttons(shown["blocks"]) == [] or APPROVE not in {
        b.get("action_id") for b in buttons(shown["blocks"])
    }
    assert len(braze.create_calls()) == 1
    # The bot's own record of the card, when Slack's answer arrives, is the same message.
    wait_until(lambda: bot.slack.calls_to("chat.postMessage"))
    assert bot.store.get(request.id).card_ts == card["ts"]  # type: ignore[union-attr]
