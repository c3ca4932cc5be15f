"""Small untruths: a count of one is not "1 requests", in English and German."""

from __future__ import annotations

import pytest

from tests.support.bots import InProcessBots
from tests.support.constants import CAMPAIGN

ONE = {
    "en": "You already have a request waiting for an approver",
    "de": "Du hast schon eine Anfrage, die auf Freigabe wartet",
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_one_pending_request_over_a_cap_of_one_is_said_in_the_singular(
    bots: InProcessBots, language: str
) -> None:
    bot = bots.start(sendid_max_pending_per_user=1, sendid_language=language)
    bot.request(CAMPAIGN, "only_one")
    view = bot.open_form()
    answer = bot.submit(view, {"campaign_id": CAMPAIGN, "send_id": "second_one"})
    error = answer.json()["errors"]["campaign_id"]
    assert error.startswith(ONE[language]), error
    assert "1 requests" not in error and "1 Anfragen" not in error
    assert "only_one" in error  # names the one that waits
