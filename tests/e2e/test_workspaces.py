"""Several Braze workspaces behind one bot (issue 15), driven through the bot's real endpoints.

Two Braze stand-ins on loopback, each knowing only its own key: the default one (BRAZE_API_KEY,
BRAZE_REST_ENDPOINT) and "eu", which the policy file maps CHANNEL to, its key in
BRAZE_API_KEY_EU. PRIVATE_CHANNEL stays in the default workspace.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.models import FailureKind, RequestState
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.store import Store
from tests.ops.test_metrics import Scrape
from tests.standins.braze import CREATE_PATH, DETAILS_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import InProcessBots, bot_env
from tests.support.constants import (
    APPROVE,
    APPROVER,
    BRAZE_KEY,
    BRAZE_KEY_EU,
    CAMPAIGN,
    CHANNEL,
    PRIVATE_CHANNEL,
    REQUESTER,
)
from tests.support.driver import SlackDriver
from tests.support.processes import Processes
from tests.support.shown import all_text
from tests.support.waits import stored, wait_for_state

EU = "eu"
EU_NAME = "Frühlingsaktion EU"
KEY_VARIABLE = "BRAZE_API_KEY_EU"


def policy(eu_url: str, *, extra: str = "") -> str:
    return (
        f'[workspaces.eu]\nrest_endpoint = "{eu_url}"\napi_key_env = "{KEY_VARIABLE}"\n\n'
        f'[channels.{CHANNEL}]\nbraze_workspace = "eu"\n{extra}'
    )


@pytest.fixture
def braze_eu() -> Iterator[BrazeStandIn]:
    with BrazeStandIn(api_key=BRAZE_KEY_EU) as stand_in:
        stand_in.add_campaign(CAMPAIGN, EU_NAME)
        yield stand_in


@pytest.fixture
def policy_path(tmp_path: Path, braze_eu: BrazeStandIn) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(policy(braze_eu.url), encoding="utf-8")
    return path


@pytest.fixture
def bot(bots: InProcessBots, policy_path: Path) -> SlackDriver:
    return bots.start(sendid_policy_file=str(policy_path), variables={KEY_VARIABLE: BRAZE_KEY_EU})


def approved(bot: SlackDriver, send_id: str, channel: str, state: RequestState) -> str:
    """Request and approve `send_id` in `channel`; the text of its thread reply once it is in
    `state`."""
    request = bot.request(CAMPAIGN, send_id, channel=channel)
    bot.click(APPROVE, request.id, user=APPROVER, channel=channel)
    wait_for_state(bot.store, request.id, state)
    return all_text(bot.wait_for_thread_reply(request)[0].params)


def test_a_channel_mapped_to_a_second_workspace_calls_only_that_workspace_with_its_key(
    bot: SlackDriver, braze: BrazeStandIn, braze_eu: BrazeStandIn
) -> None:
    reply = approved(bot, "eu_wave_1", CHANNEL, RequestState.CREATED)
    assert "eu_wave_1" in reply

    assert [(c.method, c.path) for c in braze_eu.calls] == [
        ("GET", DETAILS_PATH),
        ("POST", CREATE_PATH),
    ]
    assert {c.headers["authorization"] for c in braze_eu.calls} == {f"Bearer {BRAZE_KEY_EU}"}
    assert braze_eu.created == [(CAMPAIGN, "eu_wave_1")]
    assert braze.calls == []
    (request,) = bot.store.recent_in_channel(CHANNEL)
    assert request.workspace == EU and request.campaign_name == EU_NAME
    assert {entry.workspace for entry in bot.store.audit(request.id)} == {EU}


def test_a_channel_of_the_default_workspace_calls_only_the_default_workspace(
    bot: SlackDriver, braze: BrazeStandIn, braze_eu: BrazeStandIn
) -> None:
    approved(bot, "home_wave_1", PRIVATE_CHANNEL, RequestState.CREATED)
    assert braze.created == [(CAMPAIGN, "home_wave_1")]
    assert {c.headers["authorization"] for c in braze.calls} == {f"Bearer {BRAZE_KEY}"}
    assert braze_eu.calls == []


def test_the_second_workspaces_quota_is_its_own(
    bot: SlackDriver, braze: BrazeStandIn, braze_eu: BrazeStandIn
) -> None:
    reset = int(time.time()) + 3600
    braze_eu.quota_used_up_until(reset)
    approved(bot, "eu_quota_1", CHANNEL, RequestState.FAILED)
    assert bot.store.quota(EU) is not None and bot.store.quota(DEFAULT_WORKSPACE) is None

    # The eu channel: /sendid opens no form there, its /sendid quota says used up.
    assert bot.command(channel=CHANNEL).status == 200
    told = bot.wait_for_ephemeral(REQUESTER, "did not open the request form").params
    assert told["channel"] == CHANNEL and f"<!date^{reset}^" in told["text"]
    eu_quota = bot.command("quota", channel=CHANNEL).json()["text"]
    assert eu_quota.startswith("Braze workspace *eu*: ") and "Used up" in eu_quota
    # The default channel is untouched by it: its form opens.
    assert bot.open_form(channel=PRIVATE_CHANNEL)["callback_id"]
    home_quota = bot.command("quota", channel=PRIVATE_CHANNEL).json()["text"]
    assert home_quota.startswith("Nothing is known yet")
    approved(bot, "home_quota_1", PRIVATE_CHANNEL, RequestState.CREATED)
    assert braze.created == [(CAMPAIGN, "home_quota_1")]
    assert "Used up" not in bot.command("quota", channel=PRIVATE_CHANNEL).json()["text"]


def test_an_approval_waits_only_for_its_own_workspaces_quota(
    bot: SlackDriver, braze: BrazeStandIn, braze_eu: BrazeStandIn
) -> None:
    waiting_eu = bot.request(CAMPAIGN, "eu_waiting", channel=CHANNEL)
    waiting_home = bot.request(CAMPAIGN, "home_waiting", channel=PRIVATE_CHANNEL)
    braze_eu.set_remaining(0)
    approved(bot, "eu_spent", CHANNEL, RequestState.FAILED)

    bot.click(APPROVE, waiting_eu.id, user=APPROVER, channel=CHANNEL)
    bot.wait_for_ephemeral(APPROVER, "quota is used up")
    assert stored(bot.store, waiting_eu.id).state is RequestState.PENDING
    bot.click(APPROVE, waiting_home.id, user=APPROVER, channel=PRIVATE_CHANNEL)
    assert wait_for_state(bot.store, waiting_home.id, RequestState.CREATED)
    assert len(braze_eu.create_calls()) == 1  # only the call that found the quota used up


def test_the_home_tab_shows_one_named_quota_bar_per_workspace(
    bot: SlackDriver, braze_eu: BrazeStandIn
) -> None:
    approved(bot, "eu_home_1", CHANNEL, RequestState.CREATED)
    (quota_block,) = [
        b for b in bot.open_home(APPROVER)["blocks"] if "Braze workspace" in all_text(b)
    ]
    lines = quota_block["text"]["text"].split("\n")
    # The channels' order: CHANNEL (eu) is permitted first, PRIVATE_CHANNEL (default) second.
    assert lines[1].startswith("Braze workspace *eu*: `") and "1 used, 99 left of 100" in lines[1]
    assert lines[2].startswith("Braze workspace *default*: Not known yet")


def test_metrics_label_braze_calls_quota_and_failures_by_workspace(
    bot: SlackDriver, braze_eu: BrazeStandIn
) -> None:
    empty = Scrape(bot.url)
    for workspace in (DEFAULT_WORKSPACE, EU):
        assert empty.has("sendid_failed_requests")
        assert f'sendid_failed_requests{{kind="auth",workspace="{workspace}"}} 0.0' in empty.text

    approved(bot, "eu_metrics_1", CHANNEL, RequestState.CREATED)
    braze_eu.fail_next(CREATE_PATH, 401, {"message": "Invalid API key"})
    approved(bot, "eu_metrics_2", CHANNEL, RequestState.FAILED)
    approved(bot, "home_metrics_1", PRIVATE_CHANNEL, RequestState.CREATED)

    scrape = Scrape(bot.url)
    eu_create = {"workspace": EU, "endpoint": CREATE_PATH}
    assert scrape.value("sendid_braze_requests_total", **eu_create, status="201") == 1
    assert scrape.value("sendid_braze_requests_total", **eu_create, status="401") == 1
    assert scrape.value("sendid_braze_request_duration_seconds_count", **eu_create) == 2
    default_create = {"workspace": DEFAULT_WORKSPACE, "endpoint": CREATE_PATH}
    assert scrape.value("sendid_braze_requests_total", **default_create, status="201") == 1
    assert scrape.value("sendid_failed_requests", workspace=EU, kind="auth") == 1
    assert scrape.value("sendid_failed_requests", workspace=DEFAULT_WORKSPACE, kind="auth") == 0
    # Each workspace's quota as its own Braze reported it (the stand-ins allow 100 a day).
    assert scrape.value("sendid_braze_quota_remaining", workspace=EU) == 99
    assert scrape.value("sendid_braze_quota_remaining", workspace=DEFAULT_WORKSPACE) == 99
    assert scrape.value("sendid_braze_quota_limit", workspace=EU) == 100


# ---- as `python -m bot` ---------------------------------------------------------------------


def unreachable_env(tmp_path: Path, policy_text: str, **variables: str) -> dict[str, str]:
    path = tmp_path / "policy.toml"
    path.write_text(policy_text, encoding="utf-8")
    unreachable = "http://127.0.0.1:9"  # never called: start-up stops before
    return bot_env(
        unreachable,
        unreachable,
        f"sqlite:///{tmp_path / 'x.db'}",
        SENDID_POLICY_FILE=str(path),
        **variables,
    )


def configuration_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "configuration error" in line]


def test_start_up_refuses_a_missing_workspace_key_naming_its_variable(
    tmp_path: Path, processes: Processes
) -> None:
    env = unreachable_env(tmp_path, policy("https://rest.fra-01.braze.eu"))
    result = processes.run_bot(env=env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert configuration_errors(result.stderr) == [
        "sendid-bot: configuration error: SENDID_POLICY_FILE: workspaces.eu.api_key_env: "
        "BRAZE_API_KEY_EU is not set (put workspace eu's Braze REST API key in it, in the "
        "environment or .env)"
    ]
    assert not (tmp_path / "x.db").exists()  # stopped before touching the database


def test_start_up_refuses_an_empty_key_an_unknown_workspace_and_plain_http_one_line_each(
    tmp_path: Path, processes: Processes
) -> None:
    text = (
        policy("http://rest.fra-01.braze.eu")
        + f'\n[channels.{PRIVATE_CHANNEL}]\nbraze_workspace = "apac"\n'
    )
    env = unreachable_env(tmp_path, text, **{KEY_VARIABLE: ""})
    result = processes.run_bot(env=env)
    assert result.returncode == 2, result.stderr
    lines = configuration_errors(result.stderr)
    assert any("workspaces.eu.rest_endpoint" in line and "https" in line for line in lines)
    assert any(
        f"channels.{PRIVATE_CHANNEL}.braze_workspace" in line and '"apac"' in line for line in lines
    )
    assert len(lines) == 2  # the key is checked once the file itself is valid
    fixed = text.replace("http://rest", "https://rest").replace('"apac"', '"eu"')
    again = processes.run_bot(env=unreachable_env(tmp_path, fixed, **{KEY_VARIABLE: " "}))
    assert again.returncode == 2
    assert configuration_errors(again.stderr) == [
        "sendid-bot: configuration error: SENDID_POLICY_FILE: workspaces.eu.api_key_env: "
        "BRAZE_API_KEY_EU is empty (it must hold workspace eu's Braze REST API key)"
    ]


def test_the_bot_logs_the_workspace_never_its_key_and_warns_of_an_unused_one(
    tmp_path: Path,
    processes: Processes,
    slack: SlackStandIn,
    braze: BrazeStandIn,
    braze_eu: BrazeStandIn,
    database_url: str,
) -> None:
    path = tmp_path / "policy.toml"
    unused = '\n[workspaces.apac]\nrest_endpoint = "https://rest.au-01.braze.com"\n'
    path.write_text(
        policy(braze_eu.url) + unused + 'api_key_env = "BRAZE_API_KEY_APAC"\n', encoding="utf-8"
    )
    env = bot_env(
        slack.url,
        braze.url,
        database_url,
        SENDID_POLICY_FILE=str(path),
        BRAZE_API_KEY_EU=BRAZE_KEY_EU,
        BRAZE_API_KEY_APAC="apac-key-never-used-0123",
    )
    bot = processes.bot(env)
    with Store(database_url) as store, SlackDriver(bot.url, slack, store=store) as driver:
        bot.start()
        try:
            request = driver.request(CAMPAIGN, "eu_logged_1", channel=CHANNEL)
            driver.click(APPROVE, request.id, user=APPROVER, channel=CHANNEL)
            driver.wait_for_thread_reply(request)
        finally:
            assert bot.stop(timeout=20) == 0
        assert stored(store, request.id).state is RequestState.CREATED
    text = bot.log_text()
    entries = [json.loads(line) for line in text.splitlines()]
    warnings = [e for e in entries if "no channel uses this workspace" in e["message"]]
    assert len(warnings) == 1 and "workspaces.apac" in warnings[0]["message"]
    braze_lines = [e for e in entries if e["logger"] == "bot.braze"]
    assert braze_lines and {e.get("workspace") for e in braze_lines} == {EU}
    created = [e for e in entries if e["message"] == "send id created"]
    assert [(e["request_id"], e["workspace"]) for e in created] == [(request.id, EU)]
    for secret in (BRAZE_KEY_EU, "apac-key-never-used-0123", BRAZE_KEY):
        assert secret not in text
    assert BRAZE_KEY_EU not in all_text([c.params for c in slack.calls])


def test_a_request_keeps_its_workspace_when_the_policy_moves_its_channel(
    bot: SlackDriver,
    bots: InProcessBots,
    policy_path: Path,
    braze: BrazeStandIn,
    braze_eu: BrazeStandIn,
) -> None:
    waiting = bot.request(CAMPAIGN, "moved_1", channel=CHANNEL)
    # A bot started after the policy moved CHANNEL back to the default workspace (the eu
    # section kept) decides it.
    policy_path.write_text(policy(braze_eu.url).split("[channels.")[0], encoding="utf-8")
    moved = bots.start(sendid_policy_file=str(policy_path), variables={KEY_VARIABLE: BRAZE_KEY_EU})
    moved.click(APPROVE, waiting.id, user=APPROVER, channel=CHANNEL)
    final = wait_for_state(moved.store, waiting.id, RequestState.CREATED)
    assert final.workspace == EU
    assert braze_eu.created == [(CAMPAIGN, "moved_1")]
    assert braze.create_calls() == []
    # A new request in the channel now goes to the default workspace.
    assert moved.request(CAMPAIGN, "moved_2", channel=CHANNEL).workspace == DEFAULT_WORKSPACE


def test_a_request_whose_workspace_was_removed_fails_in_its_thread_without_calling_braze(
    bot: SlackDriver, bots: InProcessBots, braze: BrazeStandIn, braze_eu: BrazeStandIn
) -> None:
    waiting = bot.request(CAMPAIGN, "orphan_1", channel=CHANNEL)
    before = len(braze_eu.calls)
    # A bot started after the eu section was removed: only the default workspace is configured.
    plain = bots.start()
    plain.click(APPROVE, waiting.id, user=APPROVER, channel=CHANNEL)
    final = wait_for_state(plain.store, waiting.id, RequestState.FAILED)
    assert final.failure_kind is FailureKind.WORKSPACE_UNKNOWN
    # The thread hears that an admin is needed; the admins (here: the approvers) learn by DM
    # which workspace section is missing.
    reply = all_text(plain.wait_for_thread_reply(waiting)[-1].params)
    assert "needs an admin" in reply and "policy file" not in reply
    dm = plain.slack.wait_for_call(
        "chat.postMessage", predicate=lambda c: c.params["channel"] == APPROVER
    )
    assert f"[workspaces.{EU}]" in all_text(dm.params)
    assert len(braze_eu.calls) == before and braze.create_calls() == []


def test_start_up_refuses_to_send_a_secret_to_a_host_or_from_a_variable_not_braze_s(
    tmp_path: Path, processes: Processes, slack: SlackStandIn, braze_eu: BrazeStandIn
) -> None:
    """Issue 24: before, the bot started with this file and sent AWS_SECRET_ACCESS_KEY's value
    to the stand-in as `Authorization: Bearer …` with the first form's campaign lookup."""
    aws_secret = "aws-secret-access-key-0123456789"
    text = (
        f'[workspaces.x]\nrest_endpoint = "{braze_eu.url}"\napi_key_env = "AWS_SECRET_ACCESS_KEY"\n'
        '\n[workspaces.y]\nrest_endpoint = "https://evil.example"\n'
        'api_key_env = "BRAZE_API_KEY_Y"\n'
        f'\n[channels.{CHANNEL}]\nbraze_workspace = "x"\n'
        f'[channels.{PRIVATE_CHANNEL}]\nbraze_workspace = "y"\n'
    )
    env = unreachable_env(
        tmp_path, text, AWS_SECRET_ACCESS_KEY=aws_secret, BRAZE_API_KEY_Y="y-key-0123456789"
    )
    env["SLACK_API_URL"] = slack.url
    result = processes.run_bot(env=env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert configuration_errors(result.stderr) == [
        "sendid-bot: configuration error: SENDID_POLICY_FILE: workspaces.x.api_key_env: "
        "AWS_SECRET_ACCESS_KEY is not a Braze key variable: name it BRAZE_API_KEY_<SUFFIX> "
        "(capitals, digits and _), such as BRAZE_API_KEY_EU; the bot sends a workspace's key to "
        "Braze with every call, so it reads no other variable",
        'sendid-bot: configuration error: SENDID_POLICY_FILE: workspaces.y.rest_endpoint: "https:'
        "//evil.example\" is not a Braze REST endpoint (Braze's REST hosts are rest.iad-01 … "
        "rest.iad-08.braze.com, rest.us-10.braze.com, rest.fra-01.braze.eu, rest.fra-02.braze.eu, "
        "rest.au-01.braze.com, rest.id-01.braze.com, rest.jp-01.braze.com and "
        "rest.kr-01.braze.com; the API key is sent to no other host)",
    ]
    assert aws_secret not in result.stderr
    assert braze_eu.calls == [] and slack.calls == []
    assert not (tmp_path / "x.db").exists()


def test_start_up_refuses_braze_api_key_pointed_at_another_endpoint(
    tmp_path: Path, processes: Processes
) -> None:
    text = policy("https://rest.fra-01.braze.eu").replace(KEY_VARIABLE, "BRAZE_API_KEY")
    result = processes.run_bot(env=unreachable_env(tmp_path, text))
    assert result.returncode == 2, result.stderr
    (line,) = configuration_errors(result.stderr)
    assert "workspaces.eu.api_key_env: BRAZE_API_KEY is already the key of BRAZE_REST_ENDPOINT" in (
        line
    )
