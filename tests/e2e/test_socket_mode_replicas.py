"""Two `python -m bot` in Socket Mode on one PostgreSQL, each with its own connection to Slack:
an envelope Slack delivers again on the other connection (``retry_attempt`` > 0, the same
payload) is acknowledged there too, and changes nothing: no second request, card or Braze call.

Slack delivers each envelope to one connection of the app; it sends it again (to any connection)
when the acknowledgement did not arrive in time, e.g. because the first connection died right
after the bot had acted on it. So the same payload may be handled by two processes, possibly at
the same time, and exactly-once rests on the shared database:

* a form submission: the request's unique ``submission_key`` (Slack's view ID) refuses the
  second one, which is acknowledged like the first (the modal closes);
* a button click: the conditional state transition lets one process win; Approve calls Braze
  only in the winner;
* a slash command opens the form at most once more: nothing is stored until a form is submitted
  (and Slack refuses a trigger ID used before, so in practice it opens none).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bot.domain.models import RequestState
from bot.store import Store
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.standins.socket_mode import Link, SocketModeStandIn
from tests.support import slack_requests as sr
from tests.support.bots import bot_env
from tests.support.constants import (
    APP_TOKEN,
    APPROVE,
    APPROVER,
    CAMPAIGN,
    CHANNEL,
    REQUESTER,
    RETRY,
)
from tests.support.processes import Processes
from tests.support.waits import newest_with_card, wait_for_state, wait_until

pytestmark = pytest.mark.postgres


@contextmanager
def two_replicas(
    slack: SlackStandIn, braze: BrazeStandIn, postgres_url: str, processes: Processes
) -> Iterator[tuple[Store, SocketModeStandIn, Link, Link]]:
    """Two `python -m bot` in Socket Mode on `postgres_url`, each connected (their links to
    the stand-in: a and b); both must stop cleanly afterwards."""
    env = bot_env(
        slack.url, braze.url, postgres_url, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=""
    )
    store = Store(postgres_url)
    with SocketModeStandIn(slack) as socket_mode:
        replicas = [processes.bot(env, name) for name in ("replica-a", "replica-b")]
        try:
            for replica in replicas:
                replica.start(wait=False)
            for replica in replicas:
                replica.wait_ready()  # ready: database answers and Socket Mode is connected
            socket_mode.wait_for_connection(count=2)
            a, b = [link for link in socket_mode.links if link.healthy]
            yield store, socket_mode, a, b
        finally:
            codes = [replica.stop() for replica in replicas]
            store.close()
    assert codes == [0, 0], "\n".join(replica.log_text() for replica in replicas)


def open_form(
    slack: SlackStandIn, socket_mode: SocketModeStandIn, link: Link
) -> tuple[dict[str, str], dict[str, Any]]:
    """`/sendid` from the requester in CHANNEL on `link`, acknowledged: the command's payload
    (to deliver again) and the form the bot opened."""
    command = sr.slash_command("", user_id=REQUESTER, channel_id=CHANNEL)
    socket_mode.wait_for_ack(socket_mode.send_envelope("slash_commands", command, link=link))
    view: dict[str, Any] = slack.wait_for_calls("views.open", 1)[0].params["view"]
    return command, view


def test_an_envelope_re_delivered_to_another_replica_makes_no_second_request_card_or_braze_call(
    slack: SlackStandIn, braze: BrazeStandIn, postgres_url: str, processes: Processes
) -> None:
    with two_replicas(slack, braze, postgres_url, processes) as (store, socket_mode, a, b):
        # /sendid on A, delivered again on B: at most a second form, nothing stored.
        command, view = open_form(slack, socket_mode, a)
        again = socket_mode.send_envelope("slash_commands", command, link=b, retry_attempt=1)
        socket_mode.wait_for_ack(again)
        assert len(slack.calls_to("views.open")) <= 2
        assert store.recent_in_channel(CHANNEL, 5) == []

        # The form's submission on A and, at once, again on B (blank send ID, so only the
        # submission key can tell the two apart from two real requests).
        submission = sr.view_submission(
            view, {"campaign_id": CAMPAIGN, "send_id": None}, user_id=REQUESTER
        )
        first = socket_mode.send_envelope("interactive", submission, link=a)
        again = socket_mode.send_envelope("interactive", submission, link=b, retry_attempt=1)
        for envelope in (first, again):
            assert not socket_mode.wait_for_ack(envelope).get("payload")  # the modal closes
        request = newest_with_card(store, CHANNEL)

        # Approve on A and, at once, the same click again on B, while Braze is slow.
        braze.set_latency(0.3)
        click = sr.button_click(APPROVE, request.id, user_id=APPROVER, channel_id=CHANNEL)
        first = socket_mode.send_envelope("interactive", click, link=a)
        again = socket_mode.send_envelope("interactive", click, link=b, retry_attempt=1)
        socket_mode.wait_for_ack(first)
        socket_mode.wait_for_ack(again)
        created = wait_for_state(store, request.id, RequestState.CREATED, announced=True)
        time.sleep(1.0)  # anything doubled would show up now

        assert [r.id for r in store.recent_in_channel(CHANNEL, 5)] == [request.id]
        cards = [
            c
            for c in slack.calls_to("chat.postMessage")
            if c.params.get("channel") == CHANNEL and not c.params.get("thread_ts")
        ]
        assert len(cards) == 1
        assert len(braze.create_calls()) == 1
        replies = [
            c
            for c in slack.calls_to("chat.postMessage")
            if c.params.get("thread_ts") == created.card_ts
        ]
        assert len(replies) == 1
        trail = [(e.from_state, e.to_state) for e in store.audit(request.id)]
        assert trail == [
            (None, RequestState.PENDING),
            (RequestState.PENDING, RequestState.APPROVED),
            (RequestState.APPROVED, RequestState.CREATED),
        ]


def test_a_retry_click_re_delivered_after_the_retry_failed_calls_braze_no_more(
    slack: SlackStandIn, braze: BrazeStandIn, postgres_url: str, processes: Processes
) -> None:
    # Slack re-delivers a click whose acknowledgement came late; by then the first delivery's
    # retry may have failed again, so the request is FAILED once more and the state alone
    # would let the same click retry a second time.
    with two_replicas(slack, braze, postgres_url, processes) as (store, socket_mode, a, b):
        _, view = open_form(slack, socket_mode, a)
        submission = sr.view_submission(
            view, {"campaign_id": CAMPAIGN, "send_id": "again_1"}, user_id=REQUESTER
        )
        socket_mode.wait_for_ack(socket_mode.send_envelope("interactive", submission, link=a))
        request = newest_with_card(store, CHANNEL)

        # Braze is unavailable for the approval and for the first retry (every attempt).
        braze.fail_next(CREATE_PATH, 503, times=100)
        approve = sr.button_click(APPROVE, request.id, user_id=APPROVER, channel_id=CHANNEL)
        socket_mode.wait_for_ack(socket_mode.send_envelope("interactive", approve, link=a))
        wait_for_state(store, request.id, RequestState.FAILED)
        calls_after_approval = len(braze.create_calls())
        retry = sr.button_click(RETRY, request.id, user_id=APPROVER, channel_id=CHANNEL)
        socket_mode.wait_for_ack(socket_mode.send_envelope("interactive", retry, link=a))
        failed_again = wait_until(
            lambda: (
                (r := store.get(request.id)) is not None
                and r.state is RequestState.FAILED
                and r.attempts == 2
            )
        )
        assert failed_again
        calls_after_retry = len(braze.create_calls())
        assert calls_after_retry > calls_after_approval

        # Braze is back; the same retry click arrives again on the other replica.
        braze.clear_injections()
        again = socket_mode.send_envelope("interactive", retry, link=b, retry_attempt=1)
        socket_mode.wait_for_ack(again)
        time.sleep(1.5)  # a second retry would have called Braze by now

        assert len(braze.create_calls()) == calls_after_retry
        final = store.get(request.id)
        assert final is not None and final.state is RequestState.FAILED
        assert final.attempts == 2
        retries = [e for e in store.audit(request.id) if e.detail == "retry"]
        assert len(retries) == 1
