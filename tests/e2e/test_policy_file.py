"""SENDID_POLICY_FILE: per-channel approvers, campaign allow-list, naming rule and TTL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.models import RequestState
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import InProcessBots, bot_env
from tests.support.constants import (
    APPROVE,
    APPROVER,
    CAMPAIGN,
    CHANNEL,
    GROUP_APPROVER,
    PRIVATE_CHANNEL,
)
from tests.support.driver import SlackDriver
from tests.support.processes import Processes
from tests.support.waits import stored, wait_for_state

OTHER_CAMPAIGN = "9b2e4f60-1a3c-4d5e-8f70-0a1b2c3d4e5f"
CRM_APPROVER = "U0CRMLEAD"

POLICY = f"""
[defaults]
ttl_hours = 24

[channels.{CHANNEL}]
approvers = ["{CRM_APPROVER}"]
ttl_hours = 2
campaigns = ["{CAMPAIGN.upper()}"]
send_id_pattern = 'crm_[a-z0-9_]{{1,40}}'
send_id_example = "crm_welcome_1"
"""


@pytest.fixture
def policy_bot(bots: InProcessBots, braze: BrazeStandIn, tmp_path: Path) -> Iterator[SlackDriver]:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    braze.add_campaign(OTHER_CAMPAIGN, "Other")
    bot = bots.start(sendid_policy_file=str(path))
    yield bot


def send_id_input(view: dict) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == "send_id")


def test_a_channel_with_a_naming_rule_shows_its_example_and_requires_a_send_id(
    policy_bot: SlackDriver,
) -> None:
    block = send_id_input(policy_bot.open_form())
    assert block["optional"] is False
    assert "crm_welcome_1" in block["hint"]["text"]
    # The other permitted channel has no rule: the field stays optional.
    assert send_id_input(policy_bot.open_form(channel=PRIVATE_CHANNEL))["optional"] is True


def test_send_ids_that_break_the_channels_rule_are_refused_inline(policy_bot: SlackDriver) -> None:
    view = policy_bot.open_form()
    wrong = policy_bot.submit(view, {"campaign_id": CAMPAIGN, "send_id": "spring_1"}).json()
    assert "naming rule" in wrong["errors"]["send_id"]
    assert "crm_welcome_1" in wrong["errors"]["send_id"]
    blank = policy_bot.submit(view, {"campaign_id": CAMPAIGN, "send_id": None}).json()
    assert "crm_welcome_1" in blank["errors"]["send_id"]
    assert policy_bot.store.recent_in_channel(CHANNEL) == []


def test_campaigns_outside_the_channels_allow_list_are_refused_inline(
    policy_bot: SlackDriver,
) -> None:
    view = policy_bot.open_form()
    body = policy_bot.submit(view, {"campaign_id": OTHER_CAMPAIGN, "send_id": "crm_x"}).json()
    assert "not on this channel's list" in body["errors"]["campaign_id"]
    # ...but the same campaign is fine where no allow-list applies.
    other = policy_bot.request(OTHER_CAMPAIGN, None, channel=PRIVATE_CHANNEL)
    assert other.state is RequestState.PENDING


def test_a_request_that_follows_the_rules_gets_the_channels_ttl(policy_bot: SlackDriver) -> None:
    request = policy_bot.request(CAMPAIGN, "crm_welcome_1")
    assert request.expires_at - request.created_at == timedelta(hours=2)


def test_only_the_channels_own_approvers_decide_there(
    policy_bot: SlackDriver, slack: SlackStandIn
) -> None:
    request = policy_bot.request(CAMPAIGN, "crm_welcome_2")
    for default_approver in (APPROVER, GROUP_APPROVER):
        policy_bot.click(APPROVE, request.id, user=default_approver)
        policy_bot.wait_for_ephemeral(default_approver, "Only approvers")
    assert stored(policy_bot.store, request.id).state is RequestState.PENDING
    policy_bot.click(APPROVE, request.id, user=CRM_APPROVER)
    wait_for_state(policy_bot.store, request.id, RequestState.CREATED)
    # The default approvers still decide in channels without their own list.
    other = policy_bot.request(CAMPAIGN, "other_1", channel=PRIVATE_CHANNEL)
    policy_bot.click(APPROVE, other.id, user=APPROVER, channel=PRIVATE_CHANNEL)
    wait_for_state(policy_bot.store, other.id, RequestState.CREATED)


def test_a_broken_policy_file_stops_start_up_with_exit_code_2_and_one_line_each(
    tmp_path: Path, processes: Processes
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        f"[channels.C0NOTLISTED]\nttl_hours = 4\n\n[channels.{CHANNEL}]\nsend_id_pattern = '('\n"
    )
    unreachable = "http://127.0.0.1:9"  # never called: start-up stops before
    env = bot_env(
        unreachable,
        unreachable,
        f"sqlite:///{tmp_path / 'x.db'}",
        SENDID_ALLOWED_CHANNELS=CHANNEL,
        SENDID_POLICY_FILE=str(path),
    )
    result = processes.run_bot(env=env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "configuration error" in line]
    assert any("C0NOTLISTED" in line and "SENDID_ALLOWED_CHANNELS" in line for line in lines)
    assert any("send_id_pattern" in line and "regular expression" in line for line in lines)
    assert not (tmp_path / "x.db").exists()  # stopped before touching the database


# ---- issue 24, item 1: a naming rule can never freeze a replica ---------------------------------


def test_a_pattern_that_backtracks_explosively_answers_the_form_and_health_stays_up(
    bots: InProcessBots, tmp_path: Path
) -> None:
    """Before, the form's submission below never returned (Python's re on 64 characters), and
    /healthz and every other request of the replica waited behind it."""
    path = tmp_path / "policy.toml"
    path.write_text(
        f"[channels.{CHANNEL}]\nsend_id_pattern = '^([a-z0-9]+_?)+$'\n"
        "send_id_example = 'spring_sale_1'\n"
    )
    bot = bots.start(sendid_policy_file=str(path))
    view = bot.open_form()
    answer = bot.submit(view, {"campaign_id": CAMPAIGN, "send_id": "a" * 63 + "!"})
    assert "naming rule" in answer.json()["errors"]["send_id"]
    assert bot.get("/healthz").status == 200
    accepted = bot.submit(bot.open_form(), {"campaign_id": CAMPAIGN, "send_id": "spring_sale_2"})
    assert accepted.accepted_submission


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(crm)_\\1", "invalid escape sequence: \\1"),
        ("crm_(?=[a-z])[a-z0-9]+", "invalid perl operator: (?="),
    ],
)
def test_a_pattern_re2_cannot_run_stops_start_up_with_one_line_naming_the_key(
    tmp_path: Path, processes: Processes, pattern: str, reason: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        f"[channels.{CHANNEL}]\nsend_id_pattern = '{pattern}'\nsend_id_example = 'crm_crm'\n"
    )
    unreachable = "http://127.0.0.1:9"
    env = bot_env(
        unreachable,
        unreachable,
        f"sqlite:///{tmp_path / 'x.db'}",
        SENDID_ALLOWED_CHANNELS=CHANNEL,
        SENDID_POLICY_FILE=str(path),
    )
    result = processes.run_bot(env=env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "re2.cc" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith(
        f"sendid-bot: configuration error: SENDID_POLICY_FILE: channels.{CHANNEL}.send_id_pattern: "
        f"is not a pattern RE2 can run (RE2: {reason}"
    )
    assert not (tmp_path / "x.db").exists()
