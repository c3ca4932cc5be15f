"""Shared fixtures: the loopback stand-ins for Slack and Braze, and the bot's real HTTP server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.braze import RetryPolicy
from bot.domain.models import RequestState, SendIdRequest
from bot.runtime import BotRuntime
from bot.settings import Settings
from tests import slack_requests as sr
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackCall, SlackStandIn
from tests.standins.socket_mode import SocketModeStandIn

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
BRAZE_KEY = "test-braze-key"

CHANNEL = "C0CAMPAIGNS"
PRIVATE_CHANNEL = "G0PRIVATE"
OTHER_CHANNEL = "C0RANDOM"
REQUESTER = "U0MARKETER"
APPROVER = "U0APPROVER"
GROUP_APPROVER = "U0LEAD"
APPROVER_GROUP = "S0APPROVERS"
OUTSIDER = "U0OUTSIDER"
CAMPAIGN = "3f1c9e2a-5b7d-4c8e-9a10-1b2c3d4e5f60"
CAMPAIGN_NAME = "Spring Sale <VIP> & friends"
UNKNOWN_CAMPAIGN = "00000000-0000-4000-8000-000000000000"

# Short Braze timeouts and backoff keep the failure tests fast; production uses the defaults.
FAST_TIMEOUT = httpx.Timeout(connect=1.0, read=1.0, write=1.0, pool=1.0)
FAST_RETRY = RetryPolicy(max_attempts=3, backoff_base=0.05, backoff_max=0.2, max_total=5.0)


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=BOT_TOKEN, app_token=APP_TOKEN) as stand_in:
        stand_in.usergroups[APPROVER_GROUP] = [GROUP_APPROVER]
        yield stand_in


@pytest.fixture
def braze() -> Iterator[BrazeStandIn]:
    with BrazeStandIn(api_key=BRAZE_KEY) as stand_in:
        stand_in.add_campaign(CAMPAIGN, CAMPAIGN_NAME)
        yield stand_in


def make_settings(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.url,
        "braze_api_key": BRAZE_KEY,
        "braze_rest_endpoint": braze.url,
        "sendid_allowed_channels": f"{CHANNEL},{PRIVATE_CHANNEL}",
        "sendid_approvers": f"{APPROVER},{APPROVER_GROUP}",
        "sendid_database_url": database_url,
        "port": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class BotHarness:
    """The bot's real HTTP endpoint, driven with correctly signed Slack requests."""

    def __init__(self, runtime: BotRuntime, slack: SlackStandIn, braze: BrazeStandIn) -> None:
        self.runtime = runtime
        self.slack = slack
        self.braze = braze
        self.base_url = f"http://127.0.0.1:{runtime.port}"
        self.http = httpx.Client(base_url=self.base_url, timeout=10)

    @property
    def store(self) -> Any:
        return self.runtime.store

    def post_events(
        self,
        body: bytes,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        headers = {"Content-Type": content_type}
        if signed:
            headers.update(sr.signature_headers(secret, body, timestamp))
        return self.http.post("/slack/events", content=body, headers=headers)

    def command(
        self, text: str = "", *, user: str = REQUESTER, channel: str = CHANNEL, **kw: Any
    ) -> httpx.Response:
        fields = sr.slash_command(text, user_id=user, channel_id=channel, **kw)
        return self.post_events(sr.form_body(fields))

    def submit(
        self, view: dict[str, Any], values: dict[str, str | None], *, user: str = REQUESTER
    ) -> httpx.Response:
        return self.post_events(sr.payload_body(sr.view_submission(view, values, user_id=user)))

    def click(
        self, action_id: str, value: str, *, user: str, channel: str = CHANNEL, ts: str = "1.1"
    ) -> httpx.Response:
        payload = sr.button_click(action_id, value, user_id=user, channel_id=channel, message_ts=ts)
        return self.post_events(sr.payload_body(payload))

    def event(self, payload: dict[str, Any]) -> httpx.Response:
        return self.post_events(json.dumps(payload).encode(), content_type="application/json")

    def open_home(self, user: str) -> dict[str, Any]:
        before = len(self.slack.calls_to("views.publish"))
        assert self.event(sr.app_home_opened(user)).status_code == 200
        call = self.slack.wait_for_calls("views.publish", before + 1)[-1]
        assert call.params["user_id"] == user
        view: dict[str, Any] = call.params["view"]
        return view

    def home_click(self, action_id: str, value: str, *, user: str) -> httpx.Response:
        return self.post_events(sr.payload_body(sr.home_click(action_id, value, user_id=user)))

    # ---- whole steps of the flow --------------------------------------------------------

    def open_form(
        self, text: str = "", *, user: str = REQUESTER, channel: str = CHANNEL
    ) -> dict[str, Any]:
        before = len(self.slack.calls_to("views.open"))
        response = self.command(text, user=user, channel=channel)
        assert response.status_code == 200, response.text
        calls = self.slack.wait_for_calls("views.open", before + 1)
        view: dict[str, Any] = calls[-1].params["view"]
        return view

    def request(
        self,
        campaign_id: str = CAMPAIGN,
        send_id: str | None = None,
        *,
        user: str = REQUESTER,
        channel: str = CHANNEL,
    ) -> SendIdRequest:
        """Run /sendid, submit the form, wait for the card; return the stored request."""
        view = self.open_form(user=user, channel=channel)
        before = len(self.card_posts(channel))
        response = self.submit(view, {"campaign_id": campaign_id, "send_id": send_id}, user=user)
        assert response.status_code == 200 and response.text in ("", "{}"), response.text
        self.slack.wait_for_calls(
            "chat.postMessage", before + 1, predicate=lambda c: is_card_post(c, channel)
        )
        request = self.wait_for_card_ts(channel)
        return request

    def wait_for_card_ts(self, channel: str) -> SendIdRequest:
        deadline = 50
        for _ in range(deadline):
            newest = self.store.recent_in_channel(channel, 1)
            if newest and newest[0].card_ts:
                return newest[0]  # type: ignore[no-any-return]
            time.sleep(0.05)
        raise AssertionError("the card's ts was never stored")

    def card_posts(self, channel: str) -> list[SlackCall]:
        return [c for c in self.slack.calls_to("chat.postMessage") if is_card_post(c, channel)]

    def thread_replies(self, request: SendIdRequest) -> list[SlackCall]:
        return [
            c
            for c in self.slack.calls_to("chat.postMessage")
            if c.params.get("thread_ts") == request.card_ts
        ]

    def wait_for_thread_reply(
        self, request: SendIdRequest, count: int = 1, timeout: float = 10
    ) -> list[SlackCall]:
        return self.slack.wait_for_calls(
            "chat.postMessage",
            count,
            predicate=lambda c: c.params.get("thread_ts") == request.card_ts,
            timeout=timeout,
        )

    def ephemerals_to(self, user: str) -> list[str]:
        return [
            str(c.params.get("text"))
            for c in self.slack.calls_to("chat.postEphemeral")
            if c.params.get("user") == user
        ]

    def wait_for_ephemeral(self, user: str, contains: str, timeout: float = 10) -> SlackCall:
        return self.slack.wait_for_call(
            "chat.postEphemeral",
            predicate=lambda c: (
                c.params.get("user") == user and contains in str(c.params.get("text"))
            ),
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.close()


def is_card_post(call: SlackCall, channel: str) -> bool:
    return (
        call.params.get("channel") == channel
        and "thread_ts" not in call.params
        and any(b.get("type") == "header" for b in call.params.get("blocks") or [])
    )


def start_bot(
    slack: SlackStandIn,
    braze: BrazeStandIn,
    database_url: str,
    runtime_options: dict[str, Any] | None = None,
    **overrides: Any,
) -> BotHarness:
    settings = make_settings(slack, braze, database_url, **overrides)
    runtime = BotRuntime(
        settings, braze_timeout=FAST_TIMEOUT, braze_retry=FAST_RETRY, **(runtime_options or {})
    )
    runtime.start(host="127.0.0.1", port=0)
    return BotHarness(runtime, slack, braze)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sendid.db'}"


@pytest.fixture
def bot(slack: SlackStandIn, braze: BrazeStandIn, database_url: str) -> Iterator[BotHarness]:
    harness = start_bot(slack, braze, database_url)
    try:
        yield harness
    finally:
        harness.close()
        harness.runtime.stop()


def wait_for_state(
    bot: BotHarness | BotRuntime, request_id: str, state: RequestState, timeout: float = 10
) -> SendIdRequest:
    """The request once it reaches `state` (the bot works after acknowledging)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current: SendIdRequest = bot.store.get(request_id)
        if current.state is state:
            return current
        time.sleep(0.02)
    raise AssertionError(f"{request_id} stayed {bot.store.get(request_id).state}, not {state}")


@pytest.fixture
def socket_bot(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str
) -> Iterator[tuple[BotRuntime, SocketModeStandIn]]:
    """The bot in Socket Mode, connected to the loopback WebSocket stand-in."""
    with SocketModeStandIn(slack) as socket_mode:
        settings = make_settings(
            slack, braze, database_url, slack_app_token=APP_TOKEN, slack_signing_secret=None
        )
        runtime = BotRuntime(settings, braze_timeout=FAST_TIMEOUT, braze_retry=FAST_RETRY)
        runtime.start(host="127.0.0.1", port=0)
        try:
            socket_mode.wait_for_connection()
            yield runtime, socket_mode
        finally:
            runtime.stop()  # before the stand-in goes away, so the client does not reconnect


def all_text(value: Any) -> str:
    """Everything a payload would show, flattened, for "nothing unescaped anywhere" checks."""
    return json.dumps(value, ensure_ascii=False)
