"""The bot's listeners, in-process: correctly signed requests dispatched through its real Bolt
`App` (`app.dispatch(BoltRequest(...))`, as bolt-python's own tests do).

The app is the one `BotRuntime` builds with `build_app`: its Web API client talks to the loopback
Slack stand-in, its service to a real SQLite store and the Braze stand-in. Nothing of the bot is
replaced; only the HTTP server is left out, so each test takes milliseconds, not seconds.

`dispatch` returns Bolt's response as soon as the listener has acknowledged; what the listener
does after its acknowledgement shows up at the stand-ins a moment later (wait for it there).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from slack_bolt import BoltRequest, BoltResponse
from slack_sdk.models.views import View

from bot.domain.models import SendIdRequest
from bot.runtime import BotRuntime
from bot.slack.views import ids
from bot.slack.views.modals import ModalMetadata
from tests import slack_requests as sr
from tests.conftest import (
    CAMPAIGN,
    CHANNEL,
    FAST_RETRY,
    FAST_TIMEOUT,
    REQUESTER,
    SIGNING_SECRET,
    is_card_post,
    make_settings,
)
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn


@dataclass
class Answer:
    """Bolt's answer to one request: the HTTP status and the acknowledgement's body."""

    status: int
    body: dict[str, Any]

    @classmethod
    def of(cls, response: BoltResponse) -> Answer:
        return cls(response.status, json.loads(response.body) if response.body else {})


class DispatchedBot:
    """The bot's real Bolt app, handed signed requests in-process."""

    def __init__(self, runtime: BotRuntime, slack: SlackStandIn, braze: BrazeStandIn) -> None:
        self.runtime = runtime
        self.slack = slack
        self.braze = braze

    def dispatch(self, body: bytes, content_type: str) -> Answer:
        headers: dict[str, str | Sequence[str]] = {"content-type": content_type}
        for name, value in sr.signature_headers(SIGNING_SECRET, body).items():
            headers[name.lower()] = value
        return Answer.of(
            self.runtime.app.dispatch(BoltRequest(body=body.decode(), headers=headers))
        )

    def command(self, text: str = "", *, user: str = REQUESTER, channel: str = CHANNEL) -> Answer:
        fields = sr.slash_command(text, user_id=user, channel_id=channel)
        return self.dispatch(sr.form_body(fields), "application/x-www-form-urlencoded")

    def interact(self, payload: dict[str, Any]) -> Answer:
        return self.dispatch(sr.payload_body(payload), "application/x-www-form-urlencoded")

    def click(self, action_id: str, value: str, *, user: str, channel: str = CHANNEL) -> Answer:
        return self.interact(sr.button_click(action_id, value, user_id=user, channel_id=channel))

    def submit(
        self, view: dict[str, Any], values: Mapping[str, str | None], *, user: str = REQUESTER
    ) -> Answer:
        return self.interact(sr.view_submission(view, dict(values), user_id=user))

    def event(self, payload: dict[str, Any]) -> Answer:
        return self.dispatch(json.dumps(payload).encode(), "application/json")

    # ---- steps ----------------------------------------------------------------------------

    def pending_request(
        self, send_id: str, *, channel: str = CHANNEL, requester: str = REQUESTER
    ) -> SendIdRequest:
        """A request submitted through the form, once its card is posted and remembered."""
        form = {"callback_id": ids.REQUEST_MODAL, "private_metadata": ModalMetadata(channel).dump()}
        values = {ids.CAMPAIGN_BLOCK: CAMPAIGN, ids.SEND_ID_BLOCK: send_id}
        answer = self.submit(form, values, user=requester)
        assert answer == Answer(200, {})
        self.slack.wait_for_call("chat.postMessage", lambda c: is_card_post(c, channel))
        store = self.runtime.store
        (request,) = [r for r in store.recent_in_channel(channel, 50) if r.send_id == send_id]
        return self.wait_for(request.id, lambda r: r.card_ts is not None)

    def wait_for(
        self, request_id: str, condition: Callable[[SendIdRequest], bool], timeout: float = 5.0
    ) -> SendIdRequest:
        """The stored request once `condition` holds (listeners go on after their ack)."""
        deadline = time.monotonic() + timeout
        while not condition(request := self.stored(request_id)):
            if time.monotonic() > deadline:
                raise AssertionError(f"{request_id} never got there; it is {request}")
            time.sleep(0.01)
        return request

    def stored(self, request_id: str) -> SendIdRequest:
        request = self.runtime.store.get(request_id)
        if request is None:
            raise AssertionError(f"{request_id} is not stored")
        return request

    def ephemeral_to(self, user: str) -> str:
        """The text of the next private answer to `user` (an ephemeral, or a DM)."""
        call = self.slack.wait_for_call(
            "chat.postEphemeral", lambda c: c.params.get("user") == user
        )
        return str(call.params["text"])

    def opened_view(self) -> dict[str, Any]:
        """The modal the bot opened, checked against Slack's view model."""
        view: dict[str, Any] = self.slack.wait_for_call("views.open").params["view"]
        View(**view).validate_json()
        return view


@pytest.fixture
def in_process(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str
) -> Iterator[DispatchedBot]:
    runtime = BotRuntime(
        make_settings(slack, braze, database_url),
        braze_timeout=FAST_TIMEOUT,
        braze_retry=FAST_RETRY,
    )
    try:
        yield DispatchedBot(runtime, slack, braze)
    finally:
        runtime.stop()
