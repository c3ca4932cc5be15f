"""The loopback stand-ins for Slack behave like Slack where the bot's tests rely on it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.standins.slack import SlackStandIn
from tests.standins.socket_mode import SocketModeStandIn
from tests.support import slack_requests as sr
from tests.support.constants import APP_TOKEN, BOT_TOKEN, CHANNEL, REQUESTER

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*send ID* `a<b>&c`"}}]


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=BOT_TOKEN, app_token=APP_TOKEN) as stand_in:
        yield stand_in


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=slack.url)


def test_a_posted_message_can_be_updated_and_is_seen_in_its_channel(
    slack: SlackStandIn, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel=CHANNEL, text="pending", blocks=BLOCKS)
    reply = client.chat_postMessage(channel=CHANNEL, text="a reply", thread_ts=posted["ts"])
    updated = client.chat_update(channel=CHANNEL, ts=posted["ts"], text="approved", blocks=[])

    assert posted["ok"] and posted["channel"] == CHANNEL
    assert posted["message"]["blocks"] == BLOCKS
    assert reply["ts"] > posted["ts"]
    assert updated["ts"] == posted["ts"] and updated["text"] == "approved"
    card, thread_reply = slack.messages_in(CHANNEL)
    assert (card["text"], card["blocks"]) == ("approved", [])
    assert thread_reply["thread_ts"] == posted["ts"]
    call = slack.wait_for_call("chat.update")
    assert call.token == BOT_TOKEN and call.params["ts"] == posted["ts"]


def test_updating_a_message_that_was_never_posted_is_message_not_found(
    client: WebClient,
) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.chat_update(channel=CHANNEL, ts="1700000000.999900", text="x")
    assert caught.value.response["error"] == "message_not_found"


def test_a_wrong_token_is_recorded_and_rejected_as_invalid_auth(slack: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as caught:
        WebClient(token="xoxb-wrong", base_url=slack.url).auth_test()
    assert caught.value.response["error"] == "invalid_auth"
    assert slack.calls_to("auth.test")[0].token == "xoxb-wrong"


def test_injected_not_in_channel_fails_only_the_next_call(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.fail_next("chat.postMessage", "not_in_channel")

    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=CHANNEL, text="hello")
    assert caught.value.response["error"] == "not_in_channel"
    assert client.chat_postMessage(channel=CHANNEL, text="hello")["ok"]
    assert len(slack.messages_in(CHANNEL)) == 1


def test_an_injected_rate_limit_reaches_the_client_with_its_retry_after(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.fail_next("views.open", "ratelimited", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as caught:
        client.views_open(trigger_id="1.2.3", view={"type": "modal", "blocks": []})
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    assert client.views_open(trigger_id="1.2.3", view={"type": "modal", "blocks": []})["view"]["id"]


def test_json_and_form_bodies_are_parsed_alike(slack: SlackStandIn, client: WebClient) -> None:
    client.api_call("chat.postMessage", json={"channel": CHANNEL, "blocks": BLOCKS})
    client.api_call("chat.postMessage", params={"channel": CHANNEL, "blocks": json.dumps(BLOCKS)})

    as_json, as_form = slack.wait_for_calls("chat.postMessage", 2)
    assert as_json.params == as_form.params == {"channel": CHANNEL, "blocks": BLOCKS}
    assert as_json.token == as_form.token == BOT_TOKEN


def test_user_groups_and_users_are_served_from_the_configured_data(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.usergroups["S0APPROVERS"] = ["U0ANNA", "U0BEN"]
    slack.users["U0ANNA"] = {"locale": "de-DE", "name": "anna"}

    assert client.usergroups_users_list(usergroup="S0APPROVERS")["users"] == ["U0ANNA", "U0BEN"]
    with pytest.raises(SlackApiError) as caught:
        client.usergroups_users_list(usergroup="S0UNKNOWN")
    assert caught.value.response["error"] == "no_such_subteam"
    user = client.users_info(user="U0ANNA", include_locale=True)["user"]
    assert (user["name"], user["locale"], user["tz"]) == ("anna", "de-DE", "Europe/Berlin")
    slack.assert_no_call("chat.postMessage", within=0.05)


def test_a_bolt_app_in_socket_mode_acks_a_slash_command_from_the_websocket(
    slack: SlackStandIn,
) -> None:
    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=slack.url),
        signing_secret="unused-in-socket-mode",
        logger=logging.getLogger("test-standins-bolt"),
    )

    @app.command("/sendid")
    def sendid(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        ack(f"creating {command['text']}")
        client.chat_postMessage(channel=command["channel_id"], text="card")

    with SocketModeStandIn(slack) as socket_mode:
        handler = SocketModeHandler(app, APP_TOKEN, web_client=WebClient(base_url=slack.url))
        try:
            handler.connect()
            socket_mode.wait_for_connection()
            envelope_id = socket_mode.send_envelope(
                "slash_commands", sr.slash_command("cmp-123", user_id=REQUESTER, channel_id=CHANNEL)
            )

            ack = socket_mode.wait_for_ack(envelope_id)
            assert ack == {"envelope_id": envelope_id, "payload": {"text": "creating cmp-123"}}
            slack.wait_for_call("chat.postMessage", lambda call: call.params["text"] == "card")
        finally:
            handler.close()

    assert slack.calls_to("auth.test")[0].token == BOT_TOKEN
    assert slack.calls_to("apps.connections.open")[0].token == APP_TOKEN


def test_a_workflow_step_is_finished_once_and_its_token_works_only_while_it_runs(
    slack: SlackStandIn, client: WebClient
) -> None:
    token = slack.start_execution("Fx1")
    scoped = WebClient(token=token, base_url=slack.url)
    assert scoped.chat_postMessage(channel=CHANNEL, text="from the step")["ok"]
    client.functions_completeSuccess(function_execution_id="Fx1", outputs={"send_id": "s"})
    assert slack.wait_for_finish("Fx1") == {"outputs": {"send_id": "s"}}
    for finish_again in (
        lambda: client.functions_completeError(function_execution_id="Fx1", error="no"),
        lambda: client.functions_completeSuccess(function_execution_id="Fx1", outputs={}),
    ):
        with pytest.raises(SlackApiError) as refused:
            finish_again()
        assert refused.value.response["error"] == "execution_not_in_running_state"
    with pytest.raises(SlackApiError) as expired:
        scoped.chat_postMessage(channel=CHANNEL, text="too late")
    assert expired.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as unknown:
        client.functions_completeError(function_execution_id="Fx404", error="no")
    assert unknown.value.response["error"] == "function_execution_not_found"
    assert [c.method for c in slack.finish_calls("Fx1")] == [
        "functions.completeSuccess",
        "functions.completeError",
        "functions.completeSuccess",
    ]
