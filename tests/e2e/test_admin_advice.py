"""What admins are told to do about a missing Braze permission is something they can do.

Braze's docs: once an API key is created its permissions cannot be edited. So the advice is to
create a new key with the permission, replace the secret and restart — in the admins' DM after
a 403 on create, and in the answer to `/sendid stats` when results are forbidden, in English
and German.
"""

from __future__ import annotations

import pytest

from bot.domain.models import RequestState
from tests.e2e.test_who_is_told import ADMIN, failed_by_braze, wait_for_dm
from tests.standins.braze import BrazeStandIn
from tests.support.bots import InProcessBots
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN
from tests.support.shown import all_text, valid_message
from tests.support.waits import wait_for_state

CANNOT_EDIT = {
    "en": ("cannot be changed", "create a new key", "restart the bot"),
    "de": ("nicht mehr ändern", "neuen Schlüssel", "starte den Bot neu"),
}
CANNOT_EDIT_STATS = {
    "en": ("cannot be changed", "create a new key", "restart the bot"),
    "de": ("nicht mehr ändern", "neuen Schlüssel", "den Bot neu starten"),
}
WRONG = ("Permissions, add", "can add it", "Berechtigungen, `", "kann sie in Braze hinzufügen")


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_missing_create_permission_tells_the_admins_to_make_a_new_key(
    bots: InProcessBots, braze: BrazeStandIn, language: str
) -> None:
    bot = bots.start(sendid_admins=ADMIN, sendid_language=language)
    failed_by_braze(bot, braze, 403, f"forbidden_{language}")
    said = all_text(wait_for_dm(bot.slack, ADMIN))
    assert all(words in said for words in CANNOT_EDIT[language]), said
    assert "BRAZE_API_KEY" in said
    assert not any(words in said for words in WRONG)


@pytest.mark.parametrize("language", ["en", "de"])
def test_forbidden_results_tell_the_reader_an_admin_must_make_a_new_key(
    bots: InProcessBots, braze: BrazeStandIn, language: str
) -> None:
    bot = bots.start(sendid_language=language)
    request = bot.request(CAMPAIGN, f"results_{language}")
    bot.click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    braze.data_series_forbidden = True
    assert bot.command(f"stats results_{language}", user=APPROVER).status == 200
    told = bot.wait_for_ephemeral(APPROVER, "sends.data_series")
    said = all_text(valid_message(told.params))
    assert all(words in said for words in CANNOT_EDIT_STATS[language]), said
    assert not any(words in said for words in WRONG)
