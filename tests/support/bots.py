"""The bot under test, set up against the loopback stand-ins: in this process, as `python -m bot`
or in a container of its image.

One set of settings (:func:`bot_settings`) serves all three: :func:`make_settings` builds a
:class:`~bot.settings.Settings` for a :class:`~bot.runtime.BotRuntime` built here,
:func:`bot_env` the environment of a ``python -m bot`` process (``Processes.bot``) and
:func:`bot_variables` the bot's own variables alone (a container's environment).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Self

import httpx

from bot.braze import RetryPolicy
from bot.configuration import load_configuration
from bot.runtime import BotRuntime
from bot.settings import Settings, load_settings
from bot.socket_mode import SocketModeTiming
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.standins.socket_mode import SocketModeStandIn
from tests.support.constants import (
    APP_TOKEN,
    APPROVER,
    APPROVER_GROUP,
    BOT_TOKEN,
    BRAZE_KEY,
    CAMPAIGN,
    CAMPAIGN_NAME,
    CHANNEL,
    GROUP_APPROVER,
    PRIVATE_CHANNEL,
    REQUESTER,
    SIGNING_SECRET,
)
from tests.support.driver import AnswerHook, SlackDriver

ROOT = Path(__file__).resolve().parents[2]

# Short Braze timeouts and backoff keep the failure tests fast; production uses the defaults.
FAST_TIMEOUT = httpx.Timeout(connect=1.0, read=1.0, write=1.0, pool=1.0)
FAST_RETRY = RetryPolicy(max_attempts=3, backoff_base=0.05, backoff_max=0.2, max_total=5.0)
# A ping every 0.5 s: the client finds a dropped connection in about 3 s, a silent one in 3-6 s
# (production: every 2 s, tests/e2e/test_socket_mode_faults.py checks it too).
FAST_SOCKET_MODE = SocketModeTiming(ping_interval=0.5, ready_grace=0.5)

# What the bot reads from the environment: a developer's own values must not leak into a test.
_BOT_PREFIXES = ("SLACK_", "SENDID_", "BRAZE_")
_BOT_NAMES = ("PORT", "LOG_LEVEL", "LOG_FORMAT")


def slack_stand_in() -> SlackStandIn:
    """The Slack stand-in as the default settings expect it (`with` starts it): the bot's tokens,
    the approver group and its member."""
    stand_in = SlackStandIn(bot_token=BOT_TOKEN, app_token=APP_TOKEN)
    stand_in.usergroups[APPROVER_GROUP] = [GROUP_APPROVER]
    # The private channel (the stand-in calls every G… channel private): the outsider is not in.
    stand_in.channel_members[PRIVATE_CHANNEL] = [REQUESTER, APPROVER, GROUP_APPROVER]
    return stand_in


def braze_stand_in(daily_limit: int = 100) -> BrazeStandIn:
    """The Braze stand-in as the default settings expect it (`with` starts it): the bot's key,
    the campaign Braze knows."""
    stand_in = BrazeStandIn(api_key=BRAZE_KEY, daily_limit=daily_limit)
    stand_in.add_campaign(CAMPAIGN, CAMPAIGN_NAME)
    return stand_in


def bot_settings(slack_url: str, braze_url: str, database_url: str) -> dict[str, str]:
    """The settings every bot under test starts from, by Settings field name."""
    return {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack_url,
        "braze_api_key": BRAZE_KEY,
        "braze_rest_endpoint": braze_url,
        "sendid_allowed_channels": f"{CHANNEL},{PRIVATE_CHANNEL}",
        "sendid_approvers": f"{APPROVER},{APPROVER_GROUP}",
        "sendid_database_url": database_url,
        # The per-person limits out of the way: suites, load tests and benchmarks make many
        # requests as one person. The limits' own tests set them (PRODUCTION_LIMITS).
        "sendid_max_pending_per_user": "1000",
        "sendid_submissions_per_minute": "1000",
    }


# The per-person limits as a deployment gets them by default, for the tests of the limits.
PRODUCTION_LIMITS: dict[str, Any] = {
    name: Settings.model_fields[name].default
    for name in ("sendid_max_pending_per_user", "sendid_submissions_per_minute")
}


def make_settings(slack_url: str, braze_url: str, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {**bot_settings(slack_url, braze_url, database_url), "port": 0}
    values.update(overrides)
    return load_settings(_env_file=None, **values)  # no .env: only what the test says


def clean_env(**variables: str) -> dict[str, str]:
    """This process's environment without any bot setting, plus `variables`; the checkout on
    PYTHONPATH (a child runs in a scratch directory)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_BOT_PREFIXES) and k not in _BOT_NAMES
    }
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env.update(variables)
    return env


def bot_variables(slack_url: str, braze_url: str, database_url: str) -> dict[str, str]:
    """The settings as the bot reads them from its environment."""
    settings = bot_settings(slack_url, braze_url, database_url)
    return {name.upper(): value for name, value in settings.items()}


def bot_env(slack_url: str, braze_url: str, database_url: str, **variables: str) -> dict[str, str]:
    """The environment of a `python -m bot` against the stand-ins; `variables` add or override."""
    env = bot_variables(slack_url, braze_url, database_url)
    return clean_env(**{**env, "LOG_LEVEL": "INFO", **variables})


class InProcessBots:
    """Bots in this process for one test or module, each with a :class:`SlackDriver`; all
    stopped when it ends. :meth:`start` serves one on its real HTTP server (a free port) with its
    housekeeping; :meth:`dispatching` only builds one, for requests handed to its Bolt app."""

    def __init__(
        self,
        slack: SlackStandIn,
        braze: BrazeStandIn,
        database_url: str,
        *,
        on_answer: AnswerHook | None = None,
    ) -> None:
        self.slack = slack
        self.braze = braze
        self.database_url = database_url
        self.on_answer = on_answer
        self._running = ExitStack()

    def start(
        self,
        *,
        runtime_options: dict[str, Any] | None = None,
        variables: Mapping[str, str] | None = None,
        **settings: Any,
    ) -> SlackDriver:
        """One more bot on the shared database; `settings` override Settings fields,
        `variables` are the other environment variables it reads (workspace keys)."""
        runtime = self._running.enter_context(
            running_bot(
                self.slack,
                self.braze,
                self.database_url,
                runtime_options=runtime_options,
                variables=variables,
                **settings,
            )
        )
        return self._running.enter_context(
            SlackDriver(
                f"http://127.0.0.1:{runtime.port}",
                self.slack,
                runtime=runtime,
                on_answer=self.on_answer,
            )
        )

    def dispatching(
        self, *, variables: Mapping[str, str] | None = None, **settings: Any
    ) -> SlackDriver:
        """One more bot, built but not started (no HTTP server, no housekeeping): its driver
        hands each request to its Bolt app, so a request takes milliseconds."""
        runtime = bot_runtime(
            self.slack, self.braze, self.database_url, variables=variables, **settings
        )
        self._running.callback(runtime.stop)
        return SlackDriver.dispatching(runtime, self.slack)

    def stop(self) -> None:
        self._running.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def bot_runtime(
    slack: SlackStandIn,
    braze: BrazeStandIn,
    database_url: str,
    *,
    runtime_options: dict[str, Any] | None = None,
    variables: Mapping[str, str] | None = None,
    **settings: Any,
) -> BotRuntime:
    """A BotRuntime with fast Braze timeouts, not started. `variables`: the environment it
    reads besides its settings (a workspace's key; nothing from this process's environment)."""
    settings_read = make_settings(slack.url, braze.url, database_url, **settings)
    # No start-up setup check: its Slack calls would mix with those a test counts.
    options: dict[str, Any] = {
        "braze_timeout": FAST_TIMEOUT,
        "braze_retry": FAST_RETRY,
        "check_setup_at_start": False,
    }
    options.update(runtime_options or {})  # a test may want Braze's production patience
    return BotRuntime(load_configuration(settings_read, dict(variables or {})), **options)


@contextmanager
def running_bot(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str, **options: Any
) -> Iterator[BotRuntime]:
    """The bot_runtime these arguments make, started on 127.0.0.1 and a free port."""
    runtime = bot_runtime(slack, braze, database_url, **options)
    runtime.start(host="127.0.0.1", port=0)
    try:
        yield runtime
    finally:
        runtime.stop()


@contextmanager
def socket_mode_bot(
    slack: SlackStandIn,
    braze: BrazeStandIn,
    database_url: str,
    timing: SocketModeTiming = FAST_SOCKET_MODE,
) -> Iterator[tuple[BotRuntime, SocketModeStandIn]]:
    """The bot in Socket Mode (an app token, no signing secret) with this ping interval and
    readiness grace period, and the loopback WebSocket stand-in it connects to."""
    # The bot stops before the stand-in goes away, so the client does not reconnect.
    with (
        SocketModeStandIn(slack) as socket_mode,
        running_bot(
            slack,
            braze,
            database_url,
            runtime_options={"socket_mode_timing": timing},
            slack_app_token=APP_TOKEN,
            slack_signing_secret=None,
        ) as runtime,
    ):
        yield runtime, socket_mode
