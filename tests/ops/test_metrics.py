"""GET /metrics: Prometheus text, scraped from the bot's real HTTP server in both modes."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.domain.models import RequestState
from bot.domain.workspaces import DEFAULT_WORKSPACE as W
from bot.runtime import BotRuntime
from tests.standins.braze import CREATE_PATH, DETAILS_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.standins.socket_mode import SocketModeStandIn
from tests.support import slack_requests as sr
from tests.support.bots import InProcessBots
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN, CHANNEL, REQUESTER
from tests.support.driver import SlackDriver
from tests.support.waits import newest_with_card, wait_for_state


class Scrape:
    """One scrape of /metrics, parsed by the reference Prometheus parser."""

    def __init__(self, base_url: str) -> None:
        response = httpx.get(f"{base_url}/metrics", timeout=10)
        assert response.status_code == 200
        self.content_type = response.headers["content-type"]
        self.text = response.text
        self.families = {f.name: f for f in text_string_to_metric_families(response.text)}

    def value(self, name: str, **labels: str) -> float:
        """The value of the one sample called `name` with exactly these labels (0 if absent)."""
        for family in self.families.values():
            for sample in family.samples:
                if sample.name == name and sample.labels == labels:
                    return float(sample.value)
        return 0.0

    def has(self, name: str) -> bool:
        return any(s.name == name for f in self.families.values() for s in f.samples)


def assert_after_one_approved_request(scrape: Scrape) -> None:
    assert scrape.content_type.startswith("text/plain; version=0.0.4")
    assert scrape.value("sendid_store_up") == 1
    assert scrape.value("sendid_requests", state="created") == 1
    assert scrape.value("sendid_requests", state="pending") == 0
    assert scrape.value("sendid_requests", state="failed") == 0
    assert scrape.value("sendid_pending_requests") == 0
    assert scrape.value("sendid_failed_requests", workspace=W, kind="quota") == 0
    # Per process: one create call answered 201, one campaign lookup answered 200.
    assert (
        scrape.value("sendid_braze_requests_total", workspace=W, endpoint=CREATE_PATH, status="201")
        == 1
    )
    assert (
        scrape.value(
            "sendid_braze_requests_total", workspace=W, endpoint=DETAILS_PATH, status="200"
        )
        == 1
    )
    assert (
        scrape.value(
            "sendid_braze_request_duration_seconds_count", workspace=W, endpoint=CREATE_PATH
        )
        == 1
    )
    assert (
        0
        < scrape.value(
            "sendid_braze_request_duration_seconds_sum", workspace=W, endpoint=CREATE_PATH
        )
        < 5
    )
    # From Braze's X-RateLimit headers (the stand-in allows 100 a day).
    assert scrape.value("sendid_braze_quota_remaining", workspace=W) == 99
    assert scrape.value("sendid_braze_quota_limit", workspace=W) == 100
    assert scrape.value("sendid_braze_quota_reset_timestamp_seconds", workspace=W) > time.time()
    # The usual process metrics come along.
    assert scrape.has("process_cpu_seconds_total") or scrape.has("python_info")


def test_metrics_in_http_mode_count_requests_braze_calls_and_quota(bot: SlackDriver) -> None:
    empty = Scrape(bot.url)
    assert empty.value("sendid_store_up") == 1
    assert empty.value("sendid_pending_requests") == 0
    assert not empty.has("sendid_braze_quota_remaining")  # nothing known before Braze says
    for state in RequestState:
        assert f'sendid_requests{{state="{state.value}"}} 0.0' in empty.text

    request = bot.request(CAMPAIGN, "metrics_1")
    pending = Scrape(bot.url)
    assert pending.value("sendid_pending_requests") == 1
    assert pending.value("sendid_requests", state="pending") == 1

    bot.click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED)
    bot.wait_for_thread_reply(request)
    assert_after_one_approved_request(Scrape(bot.url))


def test_metrics_count_failures_by_kind_and_braze_answers_by_status(
    bot: SlackDriver, braze: BrazeStandIn
) -> None:
    request = bot.request(CAMPAIGN, "metrics_403")
    braze.fail_next(CREATE_PATH, 403, {"message": "Forbidden: key lacks sends.id.create"})
    bot.click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.FAILED)
    scrape = Scrape(bot.url)
    assert scrape.value("sendid_failed_requests", workspace=W, kind="permission") == 1
    assert scrape.value("sendid_requests", state="failed") == 1
    assert (
        scrape.value("sendid_braze_requests_total", workspace=W, endpoint=CREATE_PATH, status="403")
        == 1
    )


def test_a_scrape_answers_even_when_the_database_is_broken(
    bot: SlackDriver, database_url: str
) -> None:
    database = Path(database_url.removeprefix("sqlite:///"))
    bot.store.close()  # drop pooled connections (the engine reconnects on next use)
    database.rename(database.with_suffix(".moved"))
    try:
        scrape = Scrape(bot.url)  # a fresh, empty database file: no tables
    finally:
        bot.store.close()
        for leftover in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            leftover.unlink(missing_ok=True)
        database.with_suffix(".moved").rename(database)
    assert scrape.value("sendid_store_up") == 0
    assert not scrape.has("sendid_requests")
    assert "sendid_braze_requests" in scrape.families  # per-process metrics still served
    assert Scrape(bot.url).value("sendid_store_up") == 1  # and back once it is


def test_metrics_are_served_on_port_alongside_socket_mode(
    socket_bot: tuple[BotRuntime, SocketModeStandIn], slack: SlackStandIn
) -> None:
    runtime, socket_mode = socket_bot
    base_url = f"http://127.0.0.1:{runtime.port}"
    command = sr.slash_command("", user_id=REQUESTER, channel_id=CHANNEL)
    socket_mode.wait_for_ack(socket_mode.send_envelope("slash_commands", command))
    view = slack.wait_for_call("views.open").params["view"]
    submission = sr.view_submission(
        view, {"campaign_id": CAMPAIGN, "send_id": "metrics_socket"}, user_id=REQUESTER
    )
    socket_mode.wait_for_ack(socket_mode.send_envelope("interactive", submission))
    slack.wait_for_call("chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL)
    request = newest_with_card(runtime.store, CHANNEL)
    assert Scrape(base_url).value("sendid_pending_requests") == 1

    click = sr.button_click(APPROVE, request.id, user_id=APPROVER, channel_id=CHANNEL)
    socket_mode.wait_for_ack(socket_mode.send_envelope("interactive", click))
    wait_for_state(runtime.store, request.id, RequestState.CREATED)
    slack.wait_for_call(
        "chat.postMessage", predicate=lambda c: c.params.get("thread_ts") == request.card_ts
    )
    assert_after_one_approved_request(Scrape(base_url))


def test_with_a_metrics_port_metrics_are_served_there_and_not_on_the_main_port(
    bots: InProcessBots,
) -> None:
    bot = bots.start(sendid_metrics_port=0)  # 0: a free port, as for PORT
    metrics_port = bot.runtime.metrics_port
    assert metrics_port is not None and metrics_port != bot.runtime.port
    bot.request(CAMPAIGN, "metrics_port")
    scrape = Scrape(f"http://127.0.0.1:{metrics_port}")
    assert scrape.value("sendid_pending_requests") == 1
    # The port Slack reaches answers health and Slack's requests only.
    assert bot.get("/metrics").status == 404
    assert bot.get("/healthz").status == 200
    # The metrics port serves nothing else.
    assert httpx.get(f"http://127.0.0.1:{metrics_port}/healthz", timeout=5).status_code == 404


def test_requests_refused_before_the_bot_acted_are_counted_by_why(bot: SlackDriver) -> None:
    command = sr.form_body(sr.slash_command("help", user_id=REQUESTER, channel_id=CHANNEL))
    assert bot.post(command, signed=False).status == 401
    assert bot.post(command, secret="not-the-signing-secret").status == 401
    assert bot.post(command, timestamp=int(time.time()) - 600).status == 401  # outside the window
    signed_at = int(time.time())
    assert bot.post(command, timestamp=signed_at).status == 200
    assert bot.post(command, timestamp=signed_at).status == 409  # the same signature again
    assert bot.post(b"{not json", content_type="application/json").status == 400

    scrape = Scrape(bot.url)
    refused = "sendid_slack_requests_refused_total"
    assert scrape.value(refused, reason="unsigned") == 1
    assert scrape.value(refused, reason="forged") == 2
    assert scrape.value(refused, reason="replayed") == 1
    assert scrape.value(refused, reason="malformed") == 1
