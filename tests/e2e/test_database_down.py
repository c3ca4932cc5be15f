"""The database goes away under a running bot (PostgreSQL behind a TCP proxy the test cuts).

While it is away, Slack still gets 200 and a plain "can't reach my database; nothing was
changed" (never a 5xx, which Slack shows as "dispatch_failed"), and /readyz says 503. When it
goes away just as Braze creates a send ID, the send ID is logged with its request before it is
recorded, and recorded once the database is back: nothing created in Braze is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.domain.models import RequestState
from bot.store import Store
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support import databases
from tests.support.bots import InProcessBots
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN, CHANNEL, REQUESTER
from tests.support.shown import all_text, valid_message
from tests.support.waits import wait_for_state, wait_until

pytestmark = pytest.mark.postgres

DOWN = {
    "en": "I can't reach my database right now, so nothing was changed. Try again in a minute.",
    "de": (
        "Ich erreiche meine Datenbank gerade nicht, deshalb wurde nichts geändert. Versuch es "
        "in einer Minute noch einmal."
    ),
}


@pytest.fixture
def proxied() -> Iterator[tuple[databases.TcpProxy, str, Store]]:
    """(the proxy to cut, the bot's database URL through it, a store that reaches the database
    directly, for the test to look at while the bot cannot)."""
    with databases.proxied_postgres_url() as (proxy, url, direct), Store(direct) as store:
        yield proxy, url, store


@pytest.mark.parametrize("language", ["en", "de"])
def test_while_the_database_is_away_commands_clicks_and_forms_get_200_and_the_truth(
    slack: SlackStandIn,
    braze: BrazeStandIn,
    proxied: tuple[databases.TcpProxy, str, Store],
    language: str,
) -> None:
    proxy, url, store = proxied
    with InProcessBots(slack, braze, url) as bots:
        bot = bots.start(sendid_language=language)
        request = bot.request(CAMPAIGN, f"away_{language}")
        form = bot.open_form()
        proxy.cut()

        command = bot.command("history")
        assert command.ack.status == 200
        assert command.json() == {"response_type": "ephemeral", "text": DOWN[language]}
        click = bot.click(APPROVE, request.id, user=APPROVER)
        assert click.status == 200 and click.body in (b"", b"{}")
        told = bot.wait_for_ephemeral(APPROVER, DOWN[language])
        valid_message(told.params)
        submitted = bot.submit(form, {"campaign_id": CAMPAIGN, "send_id": "away_form"})
        assert submitted.status == 200
        assert submitted.json() == {
            "response_action": "errors",
            "errors": {"campaign_id": DOWN[language]},
        }
        assert bot.get("/readyz").status == 503
        assert braze.create_calls() == []
        assert store.get(request.id).state is RequestState.PENDING  # type: ignore[union-attr]

        proxy.restore()
        wait_until(lambda: bot.get("/readyz").status == 200)
        assert bot.click(APPROVE, request.id, user=APPROVER).status == 200
        wait_for_state(store, request.id, RequestState.CREATED, announced=True)
        assert len(braze.create_calls()) == 1


def test_a_send_id_created_as_the_database_goes_away_is_logged_then_recorded_once_it_is_back(
    slack: SlackStandIn,
    braze: BrazeStandIn,
    proxied: tuple[databases.TcpProxy, str, Store],
    caplog: pytest.LogCaptureFixture,
) -> None:
    proxy, url, store = proxied
    caplog.set_level(logging.INFO, logger="bot.service")
    with InProcessBots(slack, braze, url) as bots:
        bot = bots.start()
        request = bot.request(CAMPAIGN, "while_away")
        # Braze creates the send ID; before its 201 goes out, the database is gone.
        braze.on_next(CREATE_PATH, proxy.cut)
        assert bot.click(APPROVE, request.id, user=APPROVER).status == 200

        def retrying() -> bool:
            return any("not recorded yet" in r.getMessage() for r in caplog.records)

        wait_until(retrying)
        assert braze.created == [(CAMPAIGN, "while_away")]
        assert store.get(request.id).state is RequestState.APPROVED  # type: ignore[union-attr]
        # Logged with its request before anything was written.
        (logged,) = [r for r in caplog.records if r.getMessage().startswith("braze created")]
        assert (logged.request_id, logged.campaign_id, logged.send_id) == (  # type: ignore[attr-defined]
            request.id,
            CAMPAIGN,
            "while_away",
        )
        assert caplog.records.index(logged) < min(
            caplog.records.index(r) for r in caplog.records if "not recorded yet" in r.getMessage()
        )

        proxy.restore()
        done = wait_for_state(store, request.id, RequestState.CREATED, announced=True)
        assert done.created_send_id == "while_away"
        assert len(braze.create_calls()) == 1
        reply = valid_message(bot.wait_for_thread_reply(request)[0].params)
        assert "`while_away`" in all_text(reply)
        said = all_text([c.params for c in slack.calls if c.method.startswith("chat.")])
        assert "Nothing was lost" not in said and "nothing was changed" not in said
        assert not [
            c for c in slack.calls_to("chat.postEphemeral") if c.params.get("user") == REQUESTER
        ]
        assert slack.messages_in(CHANNEL)
