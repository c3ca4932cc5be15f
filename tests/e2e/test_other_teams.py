"""Issue 24, item 3: requests from another Slack team, app or enterprise than the bot's own.

Every request here is signed correctly (a second installation of the app shares its signing
secret; Slack Connect brings other teams' people into a permitted channel), yet it is not the
bot's own: it gets a private refusal, and nothing changes. Before, such a click approved the
request and such a /sendid opened the form.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.models import RequestState
from bot.i18n import Msg, Translator
from tests.ops.test_metrics import Scrape
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import TEAM_ID, SlackCall, SlackStandIn
from tests.support import slack_requests as sr
from tests.support.bots import InProcessBots
from tests.support.constants import (
    APPROVE,
    APPROVER,
    APPROVER_GROUP,
    CAMPAIGN,
    CHANNEL,
    GROUP_APPROVER,
    REQUESTER,
)
from tests.support.driver import SlackDriver
from tests.support.waits import stored, wait_for_state

REFUSAL = Translator("en")(Msg.REFUSAL_FOREIGN)
OTHER_TEAM = "T0OTHER"
OTHER_APP = "A0OTHERAPP"
ENTERPRISE = "E0ORG"


def foreign_click(
    slack: SlackStandIn, request_id: str, *, clicker: str = APPROVER, **changes: Any
) -> dict[str, Any]:
    """A signed Approve click on the request's card, changed as another team's would be; its
    response_url on the Slack stand-in."""
    payload = sr.button_click(APPROVE, request_id, user_id=clicker, channel_id=CHANNEL)
    payload["response_url"] = slack.response_url(request_id)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(payload.get(key), dict):
            payload[key] = {**payload[key], **value}
        else:
            payload[key] = value
    return payload


def refused_privately(bot: SlackDriver, payload: dict[str, Any]) -> str:
    """Send the click; what the bot then told the clicker through its response_url."""
    path = payload["response_url"].split("127.0.0.1", 1)[1].split("/", 1)[1]

    def here(call: SlackCall) -> bool:
        return bool(call.params["path"] == "/" + path)

    before = len([c for c in bot.slack.calls_to("response_url") if here(c)])
    assert bot.post(sr.payload_body(payload)).status == 200
    call = bot.slack.wait_for_calls("response_url", before + 1, predicate=here)[-1]
    assert call.params["response_type"] == "ephemeral"
    assert call.params.get("replace_original") is False
    return str(call.params["text"])


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"team": {"id": OTHER_TEAM}}, id="another-team"),
        pytest.param({"api_app_id": OTHER_APP}, id="another-app"),
        pytest.param({"enterprise": {"id": ENTERPRISE, "name": "Org"}}, id="an-enterprise"),
        pytest.param({"user": {"team_id": OTHER_TEAM}}, id="a-slack-connect-guest"),
        pytest.param({"is_enterprise_install": True}, id="an-org-wide-installation"),
    ],
)
def test_a_click_from_another_team_app_or_enterprise_is_refused_and_changes_nothing(
    bot: SlackDriver, braze: BrazeStandIn, changes: dict[str, Any]
) -> None:
    request = bot.request(CAMPAIGN, "foreign_click")
    assert refused_privately(bot, foreign_click(bot.slack, request.id, **changes)) == REFUSAL
    assert stored(bot.store, request.id).state is RequestState.PENDING
    assert braze.create_calls() == []
    # The bot's own team still decides it.
    bot.click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"team_id": OTHER_TEAM}, id="another-team"),
        pytest.param({"api_app_id": OTHER_APP}, id="another-app"),
        pytest.param({"enterprise_id": ENTERPRISE}, id="an-enterprise"),
        pytest.param({"user_team_id": OTHER_TEAM}, id="a-slack-connect-guest"),
    ],
)
def test_sendid_from_another_team_is_refused_privately_and_opens_no_form(
    bot: SlackDriver, fields: dict[str, str]
) -> None:
    command = sr.slash_command("", user_id=REQUESTER, channel_id=CHANNEL)
    answer = bot.post(sr.form_body({**command, **fields}))
    assert answer.status == 200
    assert answer.json() == {"response_type": "ephemeral", "text": REFUSAL}
    assert bot.slack.calls_to("views.open") == []
    assert bot.open_form() is not None  # the bot's own team still gets it


def test_a_form_submitted_from_another_team_is_refused_inline_and_stores_nothing(
    bot: SlackDriver,
) -> None:
    view = bot.open_form()
    payload = sr.view_submission(view, {"campaign_id": CAMPAIGN, "send_id": "x"}, user_id=REQUESTER)
    payload["team"] = {"id": OTHER_TEAM, "domain": "other"}
    payload["view"]["team_id"] = OTHER_TEAM
    answer = bot.post(sr.payload_body(payload))
    assert answer.json() == {"response_action": "errors", "errors": {"campaign_id": REFUSAL}}
    assert bot.store.recent_in_channel(CHANNEL) == []


def test_the_app_home_is_not_published_for_another_teams_event(bot: SlackDriver) -> None:
    event = sr.app_home_opened(APPROVER)
    event["team_id"] = OTHER_TEAM
    assert bot.event(event).status == 200
    bot.open_home(REQUESTER)  # an event of the bot's own team after it is answered
    assert [c.params["user_id"] for c in bot.slack.calls_to("views.publish")] == [REQUESTER]


def test_refusals_are_counted_in_the_metrics(bot: SlackDriver) -> None:
    bot.command(team_id=OTHER_TEAM)
    bot.command(api_app_id=OTHER_APP)
    scrape = Scrape(bot.url)
    assert scrape.value("sendid_slack_requests_refused_total", reason="foreign") == 2


# ---- Enterprise Grid --------------------------------------------------------------------------


@pytest.fixture
def grid_bot(slack: SlackStandIn, bots: InProcessBots) -> SlackDriver:
    """The bot installed on a workspace of an Enterprise Grid org (auth.test says so); its
    driver's requests come from that org."""
    slack.enterprise_id = ENTERPRISE
    bot = bots.start()
    bot.enterprise_id = ENTERPRISE
    return bot


def grid_click(slack: SlackStandIn, request_id: str, **changes: Any) -> dict[str, Any]:
    payload = sr.in_enterprise(foreign_click(slack, request_id), ENTERPRISE)
    for key, value in changes.items():
        payload[key] = {**payload[key], **value}
    return payload


def test_on_grid_approver_groups_are_read_with_the_team_and_the_org_decides(
    grid_bot: SlackDriver, slack: SlackStandIn
) -> None:
    request = grid_bot.request(CAMPAIGN, "grid_1")
    # A click without the org's enterprise is another installation's.
    assert refused_privately(grid_bot, foreign_click(slack, request.id)) == REFUSAL
    grid_bot.click(APPROVE, request.id, user=GROUP_APPROVER)
    wait_for_state(grid_bot.store, request.id, RequestState.CREATED)
    expansions = slack.calls_to("usergroups.users.list")
    assert expansions and {c.params.get("team_id") for c in expansions} == {TEAM_ID}
    assert {c.params["usergroup"] for c in expansions} == {APPROVER_GROUP}


def test_on_grid_another_workspace_of_the_org_is_refused(
    grid_bot: SlackDriver, slack: SlackStandIn
) -> None:
    request = grid_bot.request(CAMPAIGN, "grid_2")
    other = {"team": {"id": OTHER_TEAM, "enterprise_id": ENTERPRISE}}
    assert refused_privately(grid_bot, grid_click(slack, request.id, **other)) == REFUSAL
    guest = {"user": {"team_id": OTHER_TEAM}}
    assert refused_privately(grid_bot, grid_click(slack, request.id, **guest)) == REFUSAL
    assert stored(grid_bot.store, request.id).state is RequestState.PENDING
