"""Small untruths: a count of one is not "1 requests", in English and German."""

from __future__ import annotations

import pytest

from tests.support.bots import InProcessBots
from tests.support.constants import CAMPAIGN, REQUESTER
from tests.support.shown import form_problems, valid_message

ONE = {
    "en": "You already have a request waiting for an approver",
    "de": "Du hast schon eine Anfrage, die auf Freigabe wartet",
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_one_pending_request_over_a_cap_of_one_is_said_in_the_singular(
    bots: InProcessBots, language: str
) -> None:
    bot = bots.start(sendid_max_pending_per_user=1, sendid_language=language)
    view = bot.open_form()  # opened before the cap is reached
    bot.request(CAMPAIGN, "only_one")
    answer = bot.submit(view, {"campaign_id": CAMPAIGN, "send_id": "second_one"})
    (error,) = form_problems(answer.json())  # at the top of the form: not about one field
    assert error.startswith(f":warning: {ONE[language]}"), error
    assert "1 requests" not in error and "1 Anfragen" not in error
    assert "only_one" in error  # names the one that waits
    # /sendid at the cap opens no form and says the same, escaped for a message.
    assert bot.command().status == 200
    told = valid_message(bot.wait_for_ephemeral(REQUESTER, ONE[language]).params)
    assert "`only_one`" in told["text"] and "Spring Sale &lt;VIP&gt; &amp; friends" in told["text"]
    assert "<VIP>" not in told["text"]
