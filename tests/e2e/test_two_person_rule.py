"""The two-person rule (`approvals_required`): Braze is called once, when the N-th distinct
approver approves; earlier approvals are counted, shown and audited; one Reject ends it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.domain.models import RequestState
from bot.housekeeping import remind_at_half_ttl
from bot.store import Store, normalise_url
from bot.store.schema import requests_table
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support.bots import InProcessBots, bot_env
from tests.support.constants import (
    APPROVE,
    APPROVER,
    CAMPAIGN,
    CANCEL,
    CHANNEL,
    GROUP_APPROVER,
    OUTSIDER,
    REQUESTER,
)
from tests.support.driver import SlackDriver
from tests.support.processes import Processes
from tests.support.shown import all_text, buttons, form_problems, valid_blocks
from tests.support.waits import Submission, stored, wait_for_state, wait_until

S = RequestState
SECOND = "U0SECOND"  # a third listed approver
# Approvers who click at once on two replicas, each completing the second approval.
LATE_APPROVERS = [f"U0LATE{i}" for i in range(8)]


def policy(*approvers: str, required: int = 2) -> str:
    listed = ", ".join(f'"{a}"' for a in approvers)
    return f"[channels.{CHANNEL}]\napprovers = [{listed}]\napprovals_required = {required}\n"


@pytest.fixture
def policy_path(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    # The requester approves too: never for their own request (self-approval is off).
    path.write_text(policy(APPROVER, GROUP_APPROVER, SECOND, REQUESTER))
    return path


@pytest.fixture
def two_person(bots: InProcessBots, policy_path: Path) -> Iterator[SlackDriver]:
    yield bots.start(sendid_policy_file=str(policy_path))


def card_of(slack: SlackStandIn, card_ts: str | None) -> dict[str, Any]:
    (card,) = [m for m in slack.messages_in(CHANNEL) if m["ts"] == card_ts]
    valid_blocks(card["blocks"])
    return card


def card_showing(slack: SlackStandIn, card_ts: str | None, text: str) -> dict[str, Any] | None:
    card = card_of(slack, card_ts)
    return card if text in all_text(card["blocks"]) else None


def approve_button(card: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in buttons(card["blocks"]) if b.get("action_id") == APPROVE)


def trail(driver: SlackDriver, request_id: str) -> list[tuple[Any, ...]]:
    return [
        (a.from_state, a.to_state, a.actor_id, a.detail) for a in driver.store.audit(request_id)
    ]


def test_braze_is_called_once_when_the_second_distinct_approver_approves(
    two_person: SlackDriver, braze: BrazeStandIn
) -> None:
    bot = two_person
    request = bot.request(CAMPAIGN, "two_people_1")
    card = card_of(bot.slack, request.card_ts)
    assert "0 of 2 approvals" in all_text(card["blocks"])
    # The first approver is told their approval is not the one that calls Braze.
    confirm = approve_button(card)["confirm"]
    assert confirm["title"]["text"] == "Approve this request?"
    assert "approval 1 of 2" in confirm["text"]["text"]

    assert bot.click(APPROVE, request.id, user=APPROVER).status == 200
    told = bot.wait_for_ephemeral(APPROVER, "approval is counted").params["text"]
    assert f"1 of 2 approvals: <@{APPROVER}>" in told
    assert "waiting for one more approver" in told
    counted = stored(bot.store, request.id)
    assert counted.state is S.PENDING and counted.approvals == (APPROVER,)
    assert braze.create_calls() == []

    # The card shows the progress, still waits for approval and keeps its buttons; the next
    # Approve is the last one, so its dialog says Braze is called.
    card = wait_until(
        lambda: card_showing(bot.slack, request.card_ts, f"1 of 2 approvals: <@{APPROVER}>")
    )
    assert card["blocks"][0]["text"]["text"] == "Send ID request: waiting for approval"
    assert "waiting for one more approver" in all_text(card["blocks"])
    assert approve_button(card)["confirm"]["title"]["text"] == "Create this send ID?"

    # The same person cannot count twice, and the requester never counts.
    bot.click(APPROVE, request.id, user=APPROVER)
    again = bot.wait_for_ephemeral(APPROVER, "already approved").params["text"]
    assert "waiting for one more approver" in again
    bot.click(APPROVE, request.id, user=REQUESTER)
    bot.wait_for_ephemeral(REQUESTER, "another approver has to decide")
    assert stored(bot.store, request.id).approvals == (APPROVER,)

    bot.click(APPROVE, request.id, user=GROUP_APPROVER)
    created = wait_for_state(bot.store, request.id, S.CREATED)
    reply = bot.wait_for_thread_reply(request)[0].params
    assert len(braze.create_calls()) == 1
    assert created.decided_by == GROUP_APPROVER
    assert created.approvals == (APPROVER, GROUP_APPROVER)
    assert f"<@{APPROVER}>" in all_text(reply) and f"<@{GROUP_APPROVER}>" in all_text(reply)
    assert trail(bot, request.id)[:3] == [
        (None, S.PENDING, REQUESTER, "requested"),
        (S.PENDING, S.PENDING, APPROVER, "approved (1 of 2)"),
        (S.PENDING, S.APPROVED, GROUP_APPROVER, "approved (2 of 2)"),
    ]
    assert trail(bot, request.id)[3][:3] == (S.APPROVED, S.CREATED, GROUP_APPROVER)


def test_one_reject_after_an_approval_ends_the_request_and_later_approvals_do_not_count(
    two_person: SlackDriver, braze: BrazeStandIn
) -> None:
    bot = two_person
    request = bot.request(CAMPAIGN, "two_people_2")
    bot.click(APPROVE, request.id, user=APPROVER)
    bot.wait_for_ephemeral(APPROVER, "approval is counted")

    bot.reject(request.id, user=SECOND, reason="wrong week")
    wait_for_state(bot.store, request.id, S.REJECTED)
    bot.click(APPROVE, request.id, user=GROUP_APPROVER)
    bot.wait_for_ephemeral(GROUP_APPROVER, "Already rejected")

    assert braze.create_calls() == []
    final = stored(bot.store, request.id)
    assert final.state is S.REJECTED and final.approvals == (APPROVER,)
    assert [row[:3] for row in trail(bot, request.id)] == [
        (None, S.PENDING, REQUESTER),
        (S.PENDING, S.PENDING, APPROVER),
        (S.PENDING, S.REJECTED, SECOND),
    ]


def test_the_requester_can_cancel_after_an_approval_and_nothing_is_counted_afterwards(
    two_person: SlackDriver, braze: BrazeStandIn
) -> None:
    bot = two_person
    request = bot.request(CAMPAIGN, "two_people_3")
    bot.click(APPROVE, request.id, user=APPROVER)
    bot.wait_for_ephemeral(APPROVER, "approval is counted")
    bot.click(CANCEL, request.id, user=REQUESTER)
    wait_for_state(bot.store, request.id, S.CANCELLED)
    bot.click(APPROVE, request.id, user=SECOND)
    bot.wait_for_ephemeral(SECOND, "cancelled")
    assert braze.create_calls() == []
    assert stored(bot.store, request.id).approvals == (APPROVER,)


def test_the_reminder_names_only_the_approvers_who_have_not_approved_yet(
    bots: InProcessBots, policy_path: Path
) -> None:
    # Housekeeping runs only when told to: the request is made to look half-way through its time.
    bot = bots.start(sendid_policy_file=str(policy_path), runtime_options={"sweep_every": 3600})
    request = bot.request(CAMPAIGN, "two_people_4")
    bot.click(APPROVE, request.id, user=APPROVER)
    bot.wait_for_ephemeral(APPROVER, "approval is counted")
    now = datetime.now(UTC)
    engine = sa.create_engine(normalise_url(bots.database_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                requests_table.update()
                .where(requests_table.c.id == request.id)
                .values(created_at=now - timedelta(hours=20), expires_at=now + timedelta(hours=4))
            )
    finally:
        engine.dispose()

    remind_at_half_ttl(bot.runtime.ctx)
    reply = bot.wait_for_thread_reply(request)[0].params["text"]
    assert reply.startswith(":bell: 1 of 2 approvals; waiting for one more approver: ")
    assert f"<@{GROUP_APPROVER}>" in reply and f"<@{SECOND}>" in reply
    assert f"<@{APPROVER}>" not in reply  # has approved: not pinged again
    assert f"<@{REQUESTER}>" not in reply


def test_the_progress_reads_in_german_on_the_card_and_in_private_answers(
    bots: InProcessBots, policy_path: Path
) -> None:
    bot = bots.start(sendid_policy_file=str(policy_path), sendid_language="de")
    request = bot.request(CAMPAIGN, "zwei_personen_1")
    card = card_of(bot.slack, request.card_ts)
    assert "0 von 2 Freigaben" in all_text(card["blocks"])
    assert approve_button(card)["confirm"]["title"]["text"] == "Anfrage freigeben?"

    bot.click(APPROVE, request.id, user=APPROVER)
    told = bot.wait_for_ephemeral(APPROVER, "Deine Freigabe zählt").params["text"]
    assert f"1 von 2 Freigaben: <@{APPROVER}>" in told and "es fehlt noch eine Freigabe" in told
    card = wait_until(lambda: card_showing(bot.slack, request.card_ts, "1 von 2 Freigaben"))
    assert card["blocks"][0]["text"]["text"] == "Sende-ID-Anfrage: wartet auf Freigabe"
    bot.click(APPROVE, request.id, user=APPROVER)
    assert "schon freigegeben" in bot.wait_for_ephemeral(APPROVER, "Du hast").params["text"]


def test_more_approvals_required_than_people_listed_stops_start_up_with_one_line(
    tmp_path: Path, processes: Processes
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(policy(APPROVER, GROUP_APPROVER, required=3))
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
    assert len(lines) == 1, result.stderr
    assert f"channels.{CHANNEL}.approvals_required" in lines[0]
    assert "only 2 people can approve" in lines[0]
    assert not (tmp_path / "x.db").exists()


@pytest.mark.postgres
def test_concurrent_last_approvals_on_two_replicas_make_one_braze_call(
    slack: SlackStandIn,
    braze: BrazeStandIn,
    postgres_url: str,
    processes: Processes,
    tmp_path: Path,
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(policy(APPROVER, *LATE_APPROVERS))
    env = bot_env(
        slack.url, braze.url, postgres_url, SENDID_POLICY_FILE=str(path), SENDID_LANGUAGE="en"
    )
    replicas = [processes.bot(env, name) for name in ("replica-a", "replica-b")]
    for replica in replicas:
        replica.start()
    store = Store(postgres_url)
    driver = SlackDriver([r.url for r in replicas], slack, store=store)
    try:
        request = driver.request(CAMPAIGN, "two_replicas_1", replica=0)
        driver.click(APPROVE, request.id, user=APPROVER, replica=1)
        driver.wait_for_ephemeral(APPROVER, "approval is counted")
        assert braze.create_calls() == []

        # Every later approver's click would be the second approval: they all land at once,
        # half on each replica, while Braze is slow.
        braze.set_latency(0.3)
        barrier = threading.Barrier(len(LATE_APPROVERS))
        statuses: list[int] = []

        def click(index: int, user: str) -> None:
            barrier.wait()
            statuses.append(driver.click(APPROVE, request.id, user=user, replica=index % 2).status)

        threads = [
            threading.Thread(target=click, args=(i, user)) for i, user in enumerate(LATE_APPROVERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200] * len(LATE_APPROVERS)

        created = wait_for_state(driver.store, request.id, S.CREATED, timeout=15)
        losers = [user for user in LATE_APPROVERS if user != created.decided_by]
        for user in losers:  # each told privately who decided; none counted
            driver.wait_for_ephemeral(user, "Already approved by", timeout=15)
        assert len(braze.create_calls()) == 1
        assert created.decided_by in LATE_APPROVERS
        assert created.approvals == (APPROVER, created.decided_by)
        assert [row[:3] for row in trail(driver, request.id)] == [
            (None, S.PENDING, REQUESTER),
            (S.PENDING, S.PENDING, APPROVER),
            (S.PENDING, S.APPROVED, created.decided_by),
            (S.APPROVED, S.CREATED, created.decided_by),
        ]
    finally:
        driver.close()
        store.close()


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_request_too_few_others_could_approve_is_refused_at_the_top_of_the_form(
    bots: InProcessBots, slack: SlackStandIn, tmp_path: Path, language: str
) -> None:
    """Two listed approvers, two approvals, one of them asks: it could never be approved, so
    the form says so instead of a card that waits out its lifetime (review finding)."""
    path = tmp_path / "two.toml"
    path.write_text(policy(APPROVER, REQUESTER))
    bot = bots.start(sendid_policy_file=str(path), sendid_language=language)
    form = bot.open_form()
    answer = bot.submit(form, {"campaign_id": CAMPAIGN, "send_id": "never"})
    assert not answer.accepted_submission
    (problem,) = form_problems(answer.json())
    assert {"en": "only 1 approver(s) other than you", "de": "außer dir nur 1 freigebende"}[
        language
    ] in problem
    assert bot.card_posts(CHANNEL) == []
    # Someone else can ask: both listed approvers are others to them.
    assert bot.send_form(Submission(CHANNEL, OUTSIDER, CAMPAIGN, "possible")).accepted_submission
