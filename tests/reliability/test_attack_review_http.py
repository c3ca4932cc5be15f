"""Attack review, part two (issue 12, items 1, 2 and 7): the HTTP layer.

1. Unverified signatures are never remembered, and header size is limited: unsigned
   ``ssl_check`` requests with 2 MiB signatures and a 64 MiB header are refused unread.
2. Replay memory lives in the database: a signed Retry click replayed after a restart, or to
   another replica, is refused (409) and Braze sees no extra call.
7. Health, readiness and metrics answer GET and HEAD only; a request without signature headers
   is 401 whatever its body; ``SENDID_METRICS_PORT`` moves ``/metrics`` off the main port.

Each scenario drives a running bot (a process where a restart or its memory matters) with what
the review sent, and counts what came of it.
"""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from bot.domain.models import RequestState, SendIdRequest
from bot.store import Store
from tests.reliability.harness import (
    Figures,
    Scenario,
    TwoReplicas,
    check_consistency,
    read_to_the_end,
    watched_driver,
)
from tests.reliability.invariants import Verdict
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support import slack_requests as sr
from tests.support.bots import InProcessBots, bot_env
from tests.support.constants import APPROVE, APPROVER, CAMPAIGN, CHANNEL, RETRY, SIGNING_SECRET
from tests.support.driver import FORM, SlackDriver
from tests.support.processes import Processes, ServerProcess
from tests.support.waits import Submission, stored, wait_for_state, wait_until

MIB = 1 << 20


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def send_raw(port: int, data: bytes, timeout: float = 20) -> tuple[int, int, float]:
    """`data` on a new connection: (the status answered, 0 if the bot closed without one; bytes
    the client got onto the wire before the bot stopped taking them; seconds to the end)."""
    started = time.monotonic()
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        view = memoryview(data)
        try:
            while sent < len(data):
                sent += conn.send(view[sent : sent + 65536])
        except OSError:  # reset or broken pipe: the bot refused and closed
            pass
        status, _ = read_to_the_end(conn)
    return status, sent, time.monotonic() - started


def ssl_check_with_signature(signature: str) -> bytes:
    body = b"ssl_check=1&token=x"
    return (
        "POST /slack/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        f"Content-Type: {FORM}\r\nContent-Length: {len(body)}\r\n"
        f"X-Slack-Request-Timestamp: {int(time.time())}\r\n"
        f"X-Slack-Signature: {signature}\r\n\r\n"
    ).encode() + body


# ---- item 1: nothing unverified is remembered; header size is limited -----------------------


@pytest.fixture
def bot(
    slack: SlackStandIn, braze: BrazeStandIn, database_url: str, processes: Processes
) -> ServerProcess:
    """`python -m bot` (its memory is its own; it can be restarted)."""
    return processes.bot(bot_env(slack.url, braze.url, database_url)).start()


def test_unsigned_ssl_checks_with_huge_signatures_are_refused_unread(
    bot: ServerProcess, slack: SlackStandIn, database_url: str, figures: Figures
) -> None:
    """40 unsigned ssl_checks with distinct 2 MiB signatures, a 64 MiB header: refused unread."""
    before = rss_mb(bot.pid)
    answers = []
    for _ in range(40):
        signature = "v0=" + secrets.token_hex(MIB)  # 2 MiB of hex digits
        answers.append(send_raw(bot.port, ssl_check_with_signature(signature)))
    grown = rss_mb(bot.pid) - before
    huge_status, huge_sent, huge_seconds = send_raw(
        bot.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Huge: " + b"a" * (64 * MIB) + b"\r\n\r\n"
    )
    figures.bad_inputs += 41
    statuses = [status for status, _, _ in answers]
    figures.notes["answers to the 2 MiB signatures"] = {
        str(s or "closed"): statuses.count(s) for s in sorted(set(statuses))
    }
    figures.notes["bot memory growth after 40 × 2 MiB (MB)"] = round(grown, 1)
    figures.notes["64 MiB header: answer"] = huge_status or "closed"
    figures.notes["64 MiB header: MiB the client could send before the refusal"] = round(
        huge_sent / MIB, 1
    )
    figures.notes["64 MiB header: refused after (s)"] = round(huge_seconds, 2)
    with Store(database_url) as store, watched_driver(bot.url, slack, store=store) as driver:
        kept = store.signatures_kept()
        figures.notes["signatures remembered"] = kept
        figures.notes["before the fix (measured at f4f5622)"] = (
            "200 ×40 and +85.1 MB; the 64 MiB header read whole and answered 200 after 21.8 s"
        )
        # The bot still answers, at once.
        assert driver.get("/healthz").status == 200
        assert driver.command("help").status == 200
        figures.take_http(driver)
    assert all(status in (431, 0) for status in statuses), statuses
    assert huge_status in (431, 0) and huge_sent < 16 * MIB
    assert grown < 10, f"grew {grown:.1f} MB"
    assert kept == 0


def test_forged_signatures_are_refused_without_being_remembered(
    scenario: Scenario, figures: Figures
) -> None:
    """1,000 requests with well-formed forged signatures: 401, none remembered; a replay 409."""
    driver, store = scenario.driver, scenario.store
    body = sr.form_body(sr.slash_command("help", user_id=APPROVER, channel_id=CHANNEL))
    headers = {"Content-Type": FORM, **sr.signature_headers(SIGNING_SECRET, body)}
    assert driver.send(body, headers).status == 200
    # A slash command's signature is written just after its answer (bot.http.replays).
    kept = wait_until(lambda: store.signatures_kept() or None, timeout=5)
    forged = [
        driver.send(body, {**headers, "X-Slack-Signature": f"v0={secrets.token_hex(32)}"}).status
        for _ in range(1000)
    ]
    figures.bad_inputs += len(forged) + 1
    replay = driver.send(body, headers).status
    figures.notes["forged signatures answered"] = {str(s): forged.count(s) for s in set(forged)}
    figures.notes["signatures remembered before / after"] = f"{kept} / {store.signatures_kept()}"
    figures.notes["the signed request replayed after them"] = replay
    assert set(forged) == {401}
    assert store.signatures_kept() == kept == 1
    assert replay == 409
    scenario.verdict(figures).assert_clean()


# ---- item 2: replays refused after restarts and by other replicas ---------------------------


def failed_request(driver: SlackDriver, braze: BrazeStandIn, send_id: str) -> SendIdRequest:
    """A request whose approval failed (Braze 503: status unknown), so Retry is offered."""
    request = driver.request(CAMPAIGN, send_id)
    braze.fail_next(CREATE_PATH, 503)
    assert driver.click(APPROVE, request.id, user=APPROVER).status == 200
    return wait_for_state(driver.store, request.id, RequestState.FAILED, announced=True)


def retried_by(store: Store, request_id: str) -> int:
    """How many retries the audit trail credits the approver with."""
    return sum(
        1
        for a in store.audit(request_id)
        if a.from_state is RequestState.FAILED and a.actor_id == APPROVER
    )


def retry_twice(
    driver: SlackDriver,
    braze: BrazeStandIn,
    request: SendIdRequest,
    between: Callable[[], object],
    figures: Figures,
) -> tuple[int, int, int]:
    """A signed Retry click (failing again), then the very same request after `between()`:
    (the replay's status, Braze create calls it caused, retries credited in the audit)."""
    payload = sr.button_click(RETRY, request.id, user_id=APPROVER, channel_id=CHANNEL)
    body = sr.payload_body(payload)
    headers = {"Content-Type": FORM, **sr.signature_headers(SIGNING_SECRET, body)}
    braze.fail_next(CREATE_PATH, 503)
    assert driver.send(body, headers, replica=0).status == 200
    # The retry ran: a second attempt, failed again and said so.
    wait_until(lambda: stored(driver.store, request.id).attempts > request.attempts)
    wait_for_state(driver.store, request.id, RequestState.FAILED, announced=True)
    calls = len(braze.create_calls())
    between()
    braze.fail_next(CREATE_PATH, 503)
    replay = driver.send(body, headers, replica=1)
    figures.bad_inputs += 1
    time.sleep(1.0)  # a replay let through would call Braze within this
    extra = len(braze.create_calls()) - calls
    figures.notes["replay answered"] = replay.status
    figures.notes["Braze create calls caused by the replay"] = extra
    figures.notes["retries the audit credits the approver with"] = retried_by(
        driver.store, request.id
    )
    return replay.status, extra, retried_by(driver.store, request.id)


def replayed_retry(
    urls: list[str],
    database_url: str,
    slack: SlackStandIn,
    braze: BrazeStandIn,
    send_id: str,
    between: Callable[[], object],
    figures: Figures,
) -> tuple[tuple[int, int, int], Verdict]:
    """A failed request, its Retry replayed as :func:`retry_twice` does, first to ``urls[0]``
    then to ``urls[1]``: what :func:`retry_twice` returns, and the consistency check after it."""
    with Store(database_url) as store, watched_driver(urls, slack, store=store) as driver:
        request = failed_request(driver, braze, send_id)
        outcome = retry_twice(driver, braze, request, between, figures)
        figures.take_http(driver)
        accepted = [Submission(CHANNEL, request.requester_id, CAMPAIGN, send_id)]
        return outcome, check_consistency(figures, store, braze, slack, accepted)


def test_a_signed_retry_replayed_after_a_restart_is_refused(
    bot: ServerProcess,
    slack: SlackStandIn,
    braze: BrazeStandIn,
    database_url: str,
    figures: Figures,
) -> None:
    """A signed Retry click replayed after a restart (in Slack's window): 409, no Braze call."""
    urls = [bot.url, bot.url]
    outcome, verdict = replayed_retry(
        urls, database_url, slack, braze, "replay_restart", bot.restart, figures
    )
    figures.notes["before the fix (measured at f4f5622)"] = (
        "200, 3 more Braze create calls, a second retry credited to the approver"
    )
    assert outcome == (409, 0, 1)
    verdict.assert_clean()


def test_a_signed_retry_replayed_to_another_replica_is_refused(
    slack: SlackStandIn, braze: BrazeStandIn, two_replicas: TwoReplicas, figures: Figures
) -> None:
    """A signed Retry click replayed to a second replica on one database: 409, no Braze call."""
    urls = two_replicas.start()
    outcome, verdict = replayed_retry(
        urls, two_replicas.database_url, slack, braze, "replay_replica", lambda: None, figures
    )
    figures.notes["before the fix (measured at f4f5622)"] = (
        "200, Braze called again, a second retry credited to the approver"
    )
    assert outcome == (409, 0, 1)
    verdict.assert_clean()


# ---- item 7: method and endpoint hygiene ----------------------------------------------------


def test_health_and_metrics_refuse_other_methods_and_unsigned_requests_get_401(
    bots: InProcessBots, figures: Figures
) -> None:
    """Other methods on health, readiness, metrics: 405; unsigned: 401; metrics on a port apart."""
    bot = bots.start()
    answers: dict[str, int] = {}
    allow: set[str] = set()
    with httpx.Client(base_url=bot.url, timeout=5) as client:
        for path in ("/healthz", "/readyz", "/metrics"):
            for method in ("POST", "PUT", "DELETE", "PATCH"):
                answer = client.request(method, path, content=b"x")
                answers[f"{method} {path}"] = answer.status_code
                allow.add(answer.headers.get("allow", ""))
    unsigned = [
        bot.post(body, content_type=content_type, signed=False).status
        for body, content_type in (
            (b"%%%", FORM),
            (b"ssl_check=1", FORM),
            (b"[]", "application/json"),
            (b"x", "text/plain"),
        )
    ]
    separate = bots.start(sendid_metrics_port=0)
    metrics_port = separate.runtime.metrics_port
    on_main = separate.get("/metrics").status
    on_own = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).status_code
    figures.bad_inputs += len(answers) + len(unsigned)
    figures.notes["other methods on health, readiness, metrics"] = {
        str(s): list(answers.values()).count(s) for s in set(answers.values())
    }
    figures.notes["Allow"] = ", ".join(sorted(allow))
    figures.notes["no signature headers (junk, ssl_check, JSON, text)"] = unsigned
    figures.notes["/metrics with SENDID_METRICS_PORT: main port / metrics port"] = (
        f"{on_main} / {on_own}"
    )
    figures.notes["before the fix (measured at f4f5622)"] = "POST /metrics 200; unsigned junk 400"
    figures.take_http(bot)
    assert set(answers.values()) == {405} and allow == {"GET, HEAD"}, answers
    assert unsigned == [401] * 4
    assert (on_main, on_own) == (404, 200)


def signed_command() -> tuple[bytes, dict[str, str]]:
    """A signed `/sendid` as Slack sends it: its body and headers."""
    body = sr.form_body(sr.slash_command("", user_id=APPROVER, channel_id=CHANNEL))
    return body, {"Content-Type": FORM, **sr.signature_headers(SIGNING_SECRET, body)}


def test_a_signed_slash_command_replayed_after_a_restart_is_refused(
    bot: ServerProcess, slack: SlackStandIn, database_url: str, figures: Figures
) -> None:
    """Its signature reaches the database just after the answer; a graceful stop writes what
    is still behind, so the restarted bot refuses the replay."""
    body, headers = signed_command()
    with watched_driver(bot.url, slack) as driver:
        assert driver.send(body, headers).status == 200
        assert driver.send(body, headers).status == 409  # this process: refused at once
        bot.restart()
        replay = driver.send(body, headers)
        figures.take_http(driver)
    figures.bad_inputs += 2
    figures.notes["replay after the restart answered"] = replay.status
    assert replay.status == 409
    slack.wait_for_call("views.open")  # the first one's form (its locale looked up first)
    assert len(slack.calls_to("views.open")) == 1


def test_a_signed_slash_command_replayed_to_another_replica_is_refused_once_written(
    slack: SlackStandIn, two_replicas: TwoReplicas, figures: Figures
) -> None:
    """Another replica refuses a command's signature once the first has answered it."""
    urls = two_replicas.start()
    body, headers = signed_command()
    with Store(two_replicas.database_url) as store, watched_driver(urls, slack) as driver:
        assert driver.send(body, headers, replica=0).status == 200
        wait_until(lambda: store.signatures_kept() >= 1, timeout=5)
        replay = driver.send(body, headers, replica=1)
        figures.take_http(driver)
    figures.bad_inputs += 1
    figures.notes["replay to the other replica answered"] = replay.status
    assert replay.status == 409
    slack.wait_for_call("views.open")  # the first one's form (its locale looked up first)
    assert len(slack.calls_to("views.open")) == 1
