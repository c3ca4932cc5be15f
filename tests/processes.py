"""Running the bot as a real `python -m bot` process against the loopback stand-ins."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.store import Store
from tests import slack_requests as sr
from tests.conftest import (
    APPROVER,
    APPROVER_GROUP,
    BOT_TOKEN,
    BRAZE_KEY,
    CHANNEL,
    SIGNING_SECRET,
)
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bot_env(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str, port: int
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SENDID_", "BRAZE_"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.url,
        BRAZE_API_KEY=BRAZE_KEY,
        BRAZE_REST_ENDPOINT=braze.url,
        SENDID_ALLOWED_CHANNELS=CHANNEL,
        SENDID_APPROVERS=f"{APPROVER},{APPROVER_GROUP}",
        SENDID_DATABASE_URL=database_url,
        PORT=str(port),
        LOG_LEVEL="INFO",
    )
    return env


def start_process(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise AssertionError(f"bot exited early:\n{log.read_text()}")
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"bot never became ready:\n{log.read_text()}")


def post(port: int, body: bytes) -> httpx.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    headers.update(sr.signature_headers(SIGNING_SECRET, body))
    return httpx.post(
        f"http://127.0.0.1:{port}/slack/events", content=body, headers=headers, timeout=10
    )


def wait_for_card(database_url: str) -> str:
    """The ID of the channel's newest request once its card is posted."""
    deadline = time.monotonic() + 10
    with Store(database_url) as store:
        while time.monotonic() < deadline:
            found = store.recent_in_channel(CHANNEL, 1)
            if found and found[0].card_ts:
                return found[0].id
            time.sleep(0.05)
    raise AssertionError("no card")
