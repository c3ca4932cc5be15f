"""bot.slack.identity: whose requests are the bot's own (the e2e tests drive it over HTTP)."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt import BoltContext

from bot.slack.identity import BotIdentity

WORKSPACE = BotIdentity(team_id="T1", user_id="U0BOT", bot_id="B1", app_id="A1")
GRID = BotIdentity(team_id="T1", user_id="U0BOT", bot_id="B1", app_id="A1", enterprise_id="E1")
ORG_WIDE = BotIdentity(
    team_id="E1",
    user_id="U0BOT",
    bot_id="B1",
    app_id="A1",
    enterprise_id="E1",
    is_enterprise_install=True,
)


def context(**values: Any) -> BoltContext:
    return BoltContext({"team_id": "T1", **values})


def click(**changes: Any) -> dict[str, Any]:
    return {"api_app_id": "A1", "user": {"id": "U1", "team_id": "T1"}, **changes}


@pytest.mark.parametrize(
    ("identity", "body", "ctx", "why"),
    [
        (WORKSPACE, click(), context(), None),
        (WORKSPACE, click(api_app_id="A2"), context(), "app"),
        (WORKSPACE, {"user": {"id": "U1"}}, context(), "app"),
        (WORKSPACE, click(), context(team_id="T2"), "team"),
        (WORKSPACE, click(), context(team_id=None), "team"),
        (WORKSPACE, click(), context(enterprise_id="E1"), "enterprise"),
        (WORKSPACE, click(), context(is_enterprise_install=True), "team"),
        (WORKSPACE, click(user={"id": "U1", "team_id": "T2"}), context(), "user_team"),
        (WORKSPACE, click(user_team_id="T2"), context(), "user_team"),
        (WORKSPACE, click(user="U1"), context(), None),
        (GRID, click(), context(enterprise_id="E1"), None),
        (GRID, click(), context(), "enterprise"),
        (GRID, click(), context(enterprise_id="E2"), "enterprise"),
        (GRID, click(), context(enterprise_id="E1", team_id="T2"), "team"),
        (ORG_WIDE, click(user={"id": "U", "team_id": "T9"}), context(enterprise_id="E1"), None),
        (ORG_WIDE, click(), context(enterprise_id="E2"), "enterprise"),
        (ORG_WIDE, click(api_app_id="A2"), context(enterprise_id="E1"), "app"),
    ],
)
def test_a_request_is_the_bots_own_only_from_its_app_enterprise_team_and_people(
    identity: BotIdentity, body: dict[str, Any], ctx: BoltContext, why: str | None
) -> None:
    assert identity.foreign(body, ctx) == why
