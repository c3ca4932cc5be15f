"""Socket Mode end to end: the same flow over a loopback WebSocket, acks read back."""

from __future__ import annotations

import httpx

from bot.domain.models import RequestState
from bot.i18n import Msg, Translator
from bot.runtime import BotRuntime
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.standins.socket_mode import SocketModeStandIn
from tests.support import slack_requests as sr
from tests.support.constants import (
    APP_TOKEN,
    APPROVE,
    APPROVER,
    CAMPAIGN,
    CHANNEL,
    OTHER_CHANNEL,
    REQUESTER,
)
from tests.support.waits import newest_with_card, wait_for_state


def test_socket_mode_runs_the_whole_flow_and_acks_every_envelope(
    socket_bot: tuple[BotRuntime, SocketModeStandIn], slack: SlackStandIn, braze: BrazeStandIn
) -> None:
    runtime, socket_mode = socket_bot
    assert slack.calls_to("apps.connections.open")[0].token == APP_TOKEN

    envelope = socket_mode.send_envelope(
        "slash_commands", sr.slash_command("", user_id=REQUESTER, channel_id=CHANNEL)
    )
    socket_mode.wait_for_ack(envelope)
    view = slack.wait_for_call("views.open").params["view"]

    submission = sr.view_submission(
        view, {"campaign_id": CAMPAIGN, "send_id": "socket_1"}, user_id=REQUESTER
    )
    ack = socket_mode.wait_for_ack(socket_mode.send_envelope("interactive", submission))
    assert not ack.get("payload")  # an empty ack closes the modal
    slack.wait_for_call("chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL)

    request = newest_with_card(runtime.store, CHANNEL)
    click = sr.button_click(APPROVE, request.id, user_id=APPROVER, channel_id=CHANNEL)
    socket_mode.wait_for_ack(socket_mode.send_envelope("interactive", click))
    wait_for_state(runtime.store, request.id, RequestState.CREATED)
    reply = slack.wait_for_call(
        "chat.postMessage", predicate=lambda c: c.params.get("thread_ts") == request.card_ts
    )
    assert "socket_1" in reply.params["text"]
    assert len(braze.create_calls()) == 1


def test_socket_mode_refuses_other_channels_in_the_ack_itself(
    socket_bot: tuple[BotRuntime, SocketModeStandIn], slack: SlackStandIn
) -> None:
    _, socket_mode = socket_bot
    envelope = socket_mode.send_envelope(
        "slash_commands", sr.slash_command("", user_id=REQUESTER, channel_id=OTHER_CHANNEL)
    )
    ack = socket_mode.wait_for_ack(envelope)
    assert "does not work here" in ack["payload"]["text"]
    slack.assert_no_call("views.open")


def test_socket_mode_refuses_another_teams_command_in_the_ack_itself(
    socket_bot: tuple[BotRuntime, SocketModeStandIn], slack: SlackStandIn
) -> None:
    """Issue 24: the same check as in HTTP mode (bot.slack.identity), before any listener."""
    _, socket_mode = socket_bot
    command = sr.slash_command("", user_id=REQUESTER, channel_id=CHANNEL)
    command["team_id"] = "T0OTHER"
    ack = socket_mode.wait_for_ack(socket_mode.send_envelope("slash_commands", command))
    assert ack["payload"] == {
        "response_type": "ephemeral",
        "text": Translator("en")(Msg.REFUSAL_FOREIGN),
    }
    slack.assert_no_call("views.open")


def test_socket_mode_serves_health_on_port_but_not_slack_events(
    socket_bot: tuple[BotRuntime, SocketModeStandIn],
) -> None:
    runtime, _ = socket_bot
    base = f"http://127.0.0.1:{runtime.port}"
    assert httpx.get(f"{base}/healthz").status_code == 200
    assert httpx.get(f"{base}/readyz").status_code == 200
    assert httpx.post(f"{base}/slack/events", content=b"x").status_code == 404
