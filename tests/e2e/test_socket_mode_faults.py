"""Socket Mode when the network misbehaves: Slack's refresh, a dropped TCP connection, a silently
lost one; what /readyz, /metrics and the log say meanwhile; a refused app token.

Most tests run the bot with a short ping interval (``FAST_SOCKET_MODE``) and wait for a
reconnection with a generous timeout, never for a precise moment. One runs it as in production
(a ping every 2 s) and holds slack_sdk's built-in client to what the bot relies on it for:
serving again within 20 s after a drop or a stall (about 12 s and 9 s, ``benchmarks/``).
"""

from __future__ import annotations

import dataclasses
import logging
import time

import httpx
import pytest

from bot.runtime import BotRuntime
from bot.socket_mode import REASONS, SocketModeTiming
from tests.ops.test_metrics import Scrape
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.standins.socket_mode import Link, SocketModeStandIn
from tests.support import slack_requests as sr
from tests.support.bots import FAST_SOCKET_MODE, bot_env, socket_mode_bot
from tests.support.constants import APP_TOKEN, CHANNEL, REQUESTER
from tests.support.processes import Processes
from tests.support.waits import wait_until

# A loaded CI machine is slow, never wrong: this only bounds how long a failure takes (the
# client finds a dead connection within about 6 pings of 0.5 s).
RECONNECT_WITHIN = 15.0
# What the bot promises with its production ping interval: commands are served again this soon.
SERVED_AGAIN_WITHIN = 20.0


def help_is_acknowledged(socket_mode: SocketModeStandIn, link: Link) -> str:
    """`/sendid help` over `link`; the text the bot acknowledged it with."""
    command = sr.slash_command("help", user_id=REQUESTER, channel_id=CHANNEL)
    envelope = socket_mode.send_envelope("slash_commands", command, link=link)
    return str(socket_mode.wait_for_ack(envelope)["payload"]["text"])


def readyz(runtime: BotRuntime) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{runtime.port}/readyz", timeout=5)


def once_not_ready(runtime: BotRuntime) -> httpx.Response:
    """The first /readyz answer that is not 200."""

    def unready() -> httpx.Response | None:
        answer = readyz(runtime)
        return answer if answer.status_code != 200 else None

    return wait_until(unready)


def scrape(runtime: BotRuntime) -> Scrape:
    return Scrape(f"http://127.0.0.1:{runtime.port}")


def socket_log(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "bot.socket_mode" and r.levelno == level
    ]


@pytest.mark.parametrize(
    ("fault", "reason", "why"),
    [
        ("refresh", "refresh", "Slack asked for a new connection (refresh_requested)"),
        ("drop", "lost", "the connection was lost"),
        ("stall", "lost", "the connection was lost"),
    ],
)
def test_after_a_fault_the_bot_connects_anew_and_acknowledges_commands_again(
    fault: str,
    reason: str,
    why: str,
    socket_bot: tuple[BotRuntime, SocketModeStandIn],
    caplog: pytest.LogCaptureFixture,
) -> None:
    runtime, socket_mode = socket_bot
    caplog.set_level(logging.INFO, logger="bot.socket_mode")
    old = socket_mode.wait_for_connection()
    assert "/sendid" in help_is_acknowledged(socket_mode, old)

    getattr(socket_mode, fault)(old)
    new = socket_mode.wait_for_new_connection(old, timeout=RECONNECT_WITHIN)

    assert "/sendid" in help_is_acknowledged(socket_mode, new)
    # One connection again: the old one is closed by the bot, or dead.
    wait_until(lambda: socket_mode.open_connections == 1)
    assert socket_mode.connection_count == 2
    wait_until(
        lambda: scrape(runtime).value("sendid_socket_mode_reconnects_total", reason=reason) == 1
    )
    metrics = scrape(runtime)
    assert metrics.value("sendid_socket_mode_connected") == 1
    others = [r for r in REASONS if r != reason]
    assert [metrics.value("sendid_socket_mode_reconnects_total", reason=r) for r in others] == [0]
    # One line per reconnection, saying why.
    reconnected = [line for line in socket_log(caplog) if "reconnected" in line]
    assert len(reconnected) == 1 and why in reconnected[0], reconnected
    assert readyz(runtime).status_code == 200


def test_readyz_says_not_ready_while_no_connection_is_open_and_ready_again_after_reconnecting(
    socket_bot: tuple[BotRuntime, SocketModeStandIn], slack: SlackStandIn
) -> None:
    runtime, socket_mode = socket_bot
    old = socket_mode.wait_for_connection()
    slack.fail_next("apps.connections.open", "internal_error", times=1_000)
    socket_mode.drop(old)

    answer = once_not_ready(runtime)
    assert answer.status_code == 503 and "no Socket Mode connection to Slack" in answer.text
    assert scrape(runtime).value("sendid_socket_mode_connected") == 0
    wait_until(lambda: len(slack.calls_to("apps.connections.open")) >= 3)  # it keeps trying

    slack.clear_failures("apps.connections.open")
    socket_mode.wait_for_new_connection(old, timeout=RECONNECT_WITHIN)
    wait_until(lambda: readyz(runtime).status_code == 200)
    assert scrape(runtime).value("sendid_socket_mode_connected") == 1


def test_a_reconnect_shorter_than_the_grace_period_never_makes_the_bot_unready(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str
) -> None:
    # A grace period far longer than the reconnection takes, even on a loaded machine.
    timing = dataclasses.replace(FAST_SOCKET_MODE, ready_grace=5.0)
    with socket_mode_bot(slack, braze, database_url, timing) as (runtime, socket_mode):
        old = socket_mode.wait_for_connection()
        # Slack takes a while to hand out the new URL: the bot is without a connection meanwhile.
        slack.set_latency(0.5, "apps.connections.open")
        socket_mode.drop(old)

        statuses: set[int] = set()
        deadline = time.monotonic() + RECONNECT_WITHIN
        while not [link for link in socket_mode.links if link.number > old.number and link.healthy]:
            statuses.add(readyz(runtime).status_code)
            assert time.monotonic() < deadline, "the bot never reconnected"
        assert len(slack.calls_to("apps.connections.open")) == 2  # there was a reconnect
        assert statuses == {200}


def test_an_app_token_revoked_while_running_is_logged_once_and_reported_on_readyz(
    socket_bot: tuple[BotRuntime, SocketModeStandIn],
    slack: SlackStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runtime, socket_mode = socket_bot
    caplog.set_level(logging.INFO, logger="bot.socket_mode")
    slack.revoked_tokens.add(APP_TOKEN)
    old = socket_mode.drop(socket_mode.wait_for_connection())

    answer = once_not_ready(runtime)
    assert answer.status_code == 503
    assert "Slack refused the app token (token_revoked)" in answer.text
    # The client keeps asking (once per ping); the bot says it once.
    tries = len(slack.calls_to("apps.connections.open"))
    wait_until(lambda: len(slack.calls_to("apps.connections.open")) >= tries + 3)
    errors = socket_log(caplog, logging.ERROR)
    assert len(errors) == 1 and "token_revoked" in errors[0] and "SLACK_APP_TOKEN" in errors[0]
    assert APP_TOKEN not in "\n".join(r.getMessage() for r in caplog.records)

    # Accepted again (a new token would need a restart; this one is Slack changing its mind).
    slack.revoked_tokens.discard(APP_TOKEN)
    socket_mode.wait_for_new_connection(old, timeout=RECONNECT_WITHIN)
    wait_until(lambda: readyz(runtime).status_code == 200)


def test_start_up_with_a_refused_app_token_exits_2_with_one_clear_line(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str, processes: Processes
) -> None:
    env = bot_env(
        slack.url,
        braze.url,
        database_url,
        SLACK_APP_TOKEN="xapp-1-A0-not-this-apps-token",
        SLACK_SIGNING_SECRET="",
    )
    with SocketModeStandIn(slack):
        done = processes.run_bot(env=env, timeout=30)

    assert done.returncode == 2, done.stderr
    about_the_token = [line for line in done.stderr.splitlines() if "SLACK_APP_TOKEN" in line]
    assert about_the_token == [
        "sendid-bot: configuration error: SLACK_APP_TOKEN: Slack refused the app token "
        "(invalid_auth); use a valid app-level token (xapp-…) with the connections:write "
        "scope (Basic Information → App-Level Tokens)"
    ]
    assert "Traceback" not in done.stderr and "not-this-apps-token" not in done.stderr
    # Not a retry loop: Slack was asked once.
    assert len(slack.calls_to("apps.connections.open")) == 1


@pytest.mark.parametrize("fault", ["drop", "stall"])
def test_with_the_production_ping_interval_commands_are_served_again_within_20_s(
    fault: str, slack: SlackStandIn, braze: BrazeStandIn, database_url: str
) -> None:
    with socket_mode_bot(slack, braze, database_url, SocketModeTiming()) as (_, socket_mode):
        old = socket_mode.wait_for_connection()
        assert "/sendid" in help_is_acknowledged(socket_mode, old)

        faulted = time.monotonic()
        getattr(socket_mode, fault)(old)
        new = socket_mode.wait_for_new_connection(old, timeout=SERVED_AGAIN_WITHIN)
        assert "/sendid" in help_is_acknowledged(socket_mode, new)
        served_again_after = time.monotonic() - faulted

    print(f"{fault}: commands served again after {served_again_after:.1f} s")
    assert served_again_after < SERVED_AGAIN_WITHIN
