"""Issue 27, item 3: when no form could be accepted (the person's pending requests at the cap,
the quota used up: tests/e2e/test_braze_failures.py), `/sendid` and Request again say so
privately instead of opening a form that is refused only after it is filled in."""

from __future__ import annotations

from bot.domain.models import RequestState
from tests.standins.slack import SlackStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import CAMPAIGN, CANCEL, REQUESTER
from tests.support.shown import all_text, valid_message
from tests.support.waits import wait_for_state


def test_at_the_pending_cap_sendid_names_the_waiting_request_in_the_persons_language(
    bots: InProcessBots, slack: SlackStandIn
) -> None:
    slack.users[REQUESTER] = {"locale": "de-DE"}
    bot = bots.start(sendid_max_pending_per_user="1")
    waiting = bot.request(CAMPAIGN, "erste_welle")
    opens = len(slack.calls_to("views.open"))
    assert bot.command().status == 200
    told = bot.wait_for_ephemeral(REQUESTER, "Ich habe das Anfrageformular nicht geöffnet")
    text = all_text(valid_message(told.params))
    assert "Du hast schon eine Anfrage, die auf Freigabe wartet" in text
    assert "erste_welle" in text and "versuch es dann erneut" in text
    assert len(slack.calls_to("views.open")) == opens
    # Room again once the waiting one is cancelled: the form opens.
    bot.click(CANCEL, waiting.id, user=REQUESTER)
    wait_for_state(bot.store, waiting.id, RequestState.CANCELLED)
    assert bot.open_form()["callback_id"]


def test_below_the_cap_the_form_opens_as_before(bots: InProcessBots) -> None:
    bot = bots.start(sendid_max_pending_per_user="2")
    bot.request(CAMPAIGN, "first_wave")
    assert bot.open_form()["callback_id"]
