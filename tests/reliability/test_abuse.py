"""Bad input on `POST /slack/events`: forged, replayed, malformed, misdirected, oversized.

Every attack gets a 4xx or a clear private answer; never a 5xx, a traceback in the answer or
the log, a change in the store, a Braze call, or anything visible in a channel. The bot runs
in-process (its real waitress server); the store holds real requests for the attacks to aim at:
a pending one in each permitted channel and a failed one that may be retried.
"""

from __future__ import annotations

import copy
import json
import logging
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.domain.models import RequestState, SendIdRequest
from bot.http.server import MAX_BODY_BYTES
from tests.reliability import invariants
from tests.reliability.harness import (
    WATCH,
    Figures,
    check_consistency,
    read_to_the_end,
    watched_bots,
    watched_driver,
)
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support import databases
from tests.support import slack_requests as sr
from tests.support.bots import InProcessBots
from tests.support.constants import (
    APPROVE,
    APPROVER,
    CAMPAIGN,
    CANCEL,
    CHANNEL,
    OTHER_CHANNEL,
    OUTSIDER,
    PRIVATE_CHANNEL,
    REJECT,
    REJECT_MODAL,
    REPOST,
    REQUEST_MODAL,
    REQUESTER,
    RETRY,
    SIGNING_SECRET,
)
from tests.support.driver import FORM, Answer, SlackDriver
from tests.support.waits import Submission, wait_for_state, wait_stored

# Slack calls that change what a channel shows (an ephemeral answer, a DM or a form does not).
VISIBLE = ("chat.update", "chat.delete")


@dataclass
class Arena:
    bots: InProcessBots  # to start a second replica on the same database
    bot: SlackDriver
    pending: SendIdRequest  # a pending request in CHANNEL
    private: SendIdRequest  # a pending request in PRIVATE_CHANNEL
    failed: SendIdRequest  # a failed request in CHANNEL (Braze 503), retry allowed
    accepted: list[Submission] = field(default_factory=list)

    @property
    def slack(self) -> SlackStandIn:
        return self.bots.slack

    @property
    def braze(self) -> BrazeStandIn:
        return self.bots.braze

    def snapshot(self) -> tuple[Any, ...]:
        store = self.bot.store
        requests = sorted(
            (r.id, r.state.value, r.card_ts, r.decided_by, r.attempts, r.reject_reason)
            for r in invariants.all_requests(store)
        )
        audit = sum(len(store.audit(r[0])) for r in requests)
        visible = [
            c
            for c in self.slack.calls
            if c.method in VISIBLE
            or (c.method == "chat.postMessage" and str(c.params.get("channel")).startswith("C"))
            or (c.method == "chat.postMessage" and str(c.params.get("channel")).startswith("G"))
        ]
        return (requests, audit, len(self.braze.calls), len(visible))


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arena]:
    database_url = databases.sqlite_url(tmp_path_factory.mktemp("abuse"))
    with watched_bots(database_url) as bots:
        bot = bots.start()
        known: set[str] = set()
        made = []
        for send_id, channel in (("target", CHANNEL), ("private", PRIVATE_CHANNEL), ("f", CHANNEL)):
            submission = Submission(channel, REQUESTER, CAMPAIGN, send_id)
            answer = bot.send_form(submission)
            assert answer.accepted_submission
            made.append((wait_stored(bot.store, submission, known), submission))
        bots.braze.fail_next(CREATE_PATH, 503)
        bot.click(APPROVE, made[2][0].id, user=APPROVER)
        failed = wait_for_state(bot.store, made[2][0].id, RequestState.FAILED, announced=True)
        yield Arena(bots, bot, made[0][0], made[1][0], failed, [m[1] for m in made])


class Attack:
    """Run a batch of bad inputs against the arena; count what each one got."""

    def __init__(self, arena: Arena, figures: Figures, caplog: pytest.LogCaptureFixture) -> None:
        self.arena = arena
        self.figures = figures
        self.caplog = caplog
        self.driver = watched_driver(arena.bot.url, arena.slack)
        self.before = arena.snapshot()
        self.answers: list[tuple[str, Answer]] = []

    def send(self, name: str, answer: Answer) -> Answer:
        self.answers.append((name, answer))
        self.figures.bad_inputs += 1
        return answer

    def post(self, name: str, body: bytes, **kwargs: Any) -> Answer:
        return self.send(name, self.driver.post(body, **kwargs))

    def payload(self, name: str, payload: Any, **kwargs: Any) -> Answer:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(name, body, **kwargs)

    def finish(self, *, allow_200: bool = True) -> None:
        """Nothing changed, no 5xx, no traceback anywhere; record the figures."""
        time.sleep(0.4)  # listeners run on after their acknowledgement
        after = self.arena.snapshot()
        statuses = [a.status for _, a in self.answers]
        self.figures.take_http(self.driver)
        errors = [
            r
            for r in self.caplog.records
            if r.levelno >= logging.ERROR or (r.exc_info and r.levelno >= logging.WARNING)
        ]
        tracebacks = [a for _, a in self.answers if b"Traceback" in a.body]
        self.figures.count("state_changes", int(after != self.before))
        self.figures.count("tracebacks", len(errors) + len(tracebacks))
        self.figures.notes["answers"] = dict(
            sorted(
                {str(s): statuses.count(s) for s in set(statuses)}.items(),
            )
        )
        arena = self.arena
        verdict = check_consistency(
            self.figures, arena.bot.store, arena.braze, arena.slack, arena.accepted
        )
        self.driver.close()
        bad = [(n, a.status, a.body[:120]) for n, a in self.answers if not 0 < a.status < 500]
        assert not bad, bad
        if not allow_200:
            not_4xx = [(n, a.status) for n, a in self.answers if not 400 <= a.status < 500]
            assert not not_4xx, not_4xx
        assert not tracebacks
        assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors]
        assert after == self.before, "a bad input changed the store, Braze or a channel"
        verdict.assert_clean()


@pytest.fixture
def attack(arena: Arena, figures: Figures, caplog: pytest.LogCaptureFixture) -> Attack:
    caplog.set_level(logging.INFO)
    return Attack(arena, figures, caplog)


def command_body(text: str = "", **fields: str) -> bytes:
    form = sr.slash_command(text, user_id=REQUESTER, channel_id=CHANNEL)
    form.update(fields)
    return sr.form_body(form)


def click_payload(arena: Arena, action: str = APPROVE, **changes: Any) -> dict[str, Any]:
    payload = sr.button_click(action, arena.pending.id, user_id=OUTSIDER, channel_id=CHANNEL)
    payload.update(changes)
    return payload


def raw_post(arena: Arena, head: str, body: bytes = b"") -> Answer:
    """Bytes on the wire, for what HTTP clients refuse to send (a broken Content-Length…)."""
    port = int(arena.bot.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(head.encode() + b"\r\n\r\n" + body)
        status, data = read_to_the_end(conn)
    WATCH.take_response(data)
    return Answer(status, data.partition(b"\r\n\r\n")[2])


# ---- signatures and timestamps ----------------------------------------------------------------


def test_missing_wrong_and_stale_signatures(attack: Attack) -> None:
    """Missing or wrong signatures and stale, future or garbled timestamps: 401, nothing runs."""
    body = command_body()
    now = int(time.time())
    good = sr.signature_headers(SIGNING_SECRET, body)
    attack.post("unsigned", body, signed=False)
    attack.post(
        "timestamp only", body, signed=False, headers={"X-Slack-Request-Timestamp": str(now)}
    )
    attack.post(
        "signature only",
        body,
        signed=False,
        headers={"X-Slack-Signature": good["X-Slack-Signature"]},
    )
    attack.post("wrong secret", body, secret="not-the-secret")
    attack.post("empty secret", body, secret="")
    attack.post(
        "another body's signature",
        body,
        signed=False,
        headers=sr.signature_headers(SIGNING_SECRET, command_body("help")),
    )
    attack.post(
        "v1 scheme",
        body,
        signed=False,
        headers={**good, "X-Slack-Signature": good["X-Slack-Signature"].replace("v0=", "v1=")},
    )
    attack.post("empty signature", body, signed=False, headers={**good, "X-Slack-Signature": ""})
    attack.post(
        "truncated signature",
        body,
        signed=False,
        headers={**good, "X-Slack-Signature": good["X-Slack-Signature"][:-2]},
    )
    attack.post(
        "upper-case hex",
        body,
        signed=False,
        headers={**good, "X-Slack-Signature": good["X-Slack-Signature"].upper()},
    )
    # Well outside Slack's 5-minute window: on a loaded machine seconds pass before these are
    # sent, and a "future" timestamp only 301 s ahead would drift back inside it.
    for label, offset in (("stale", -301), ("future", 360)):
        attack.post(f"{label} timestamp", body, timestamp=int(time.time()) + offset)
    attack.post("zero timestamp", body, timestamp=0)
    for label, ts in (
        ("non-numeric", "abc"),
        ("float", f"{now}.5"),
        ("exponent", "1e9"),
        ("negative", f"-{now}"),
        ("huge", "9" * 40),
        ("full-width digits", "１２３"),
    ):
        # On the wire as is: HTTP clients refuse some of these header values.
        signature = sr.signature_headers(SIGNING_SECRET, body)["X-Slack-Signature"]
        head = (
            "POST /slack/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Content-Type: {FORM}\r\nContent-Length: {len(body)}\r\n"
            f"X-Slack-Signature: {signature}\r\nX-Slack-Request-Timestamp: {ts}"
        )
        attack.send(f"{label} timestamp", raw_post(attack.arena, head, body))
    attack.finish(allow_200=False)
    assert all(a.status == 401 for _, a in attack.answers), [
        (name, a.status) for name, a in attack.answers if a.status != 401
    ]


# ---- replays -----------------------------------------------------------------------------------


def test_replayed_valid_requests_change_nothing_twice(arena: Arena, figures: Figures) -> None:
    """A valid request sent again (same body, same signature): refused 409; state changes once."""
    driver = watched_driver(arena.bot.url, arena.slack)
    store = arena.bot.store

    def twice(body: bytes) -> tuple[Answer, Answer]:
        headers = {"Content-Type": FORM, **sr.signature_headers(SIGNING_SECRET, body)}
        first = driver.send(body, headers)
        figures.bad_inputs += 1
        return first, driver.send(body, headers)

    # A blank-send-ID submission: the one case the pair key cannot refuse.
    view = driver.open_form(user=REQUESTER, channel=CHANNEL)
    before = len(invariants.all_requests(store))
    first, second = twice(
        sr.payload_body(
            sr.view_submission(view, {"campaign_id": CAMPAIGN, "send_id": None}, user_id=REQUESTER)
        )
    )
    assert first.accepted_submission and second.status == 409
    time.sleep(0.3)
    assert len(invariants.all_requests(store)) == before + 1
    blank = next(r for r in invariants.all_requests(store) if r.send_id is None)
    arena.accepted.append(Submission(CHANNEL, REQUESTER, CAMPAIGN, None))
    wait_for_state(store, blank.id, RequestState.PENDING, announced=True)
    # A slash command: one form.
    opened = len(arena.slack.calls_to("views.open"))
    first, second = twice(command_body())
    assert (first.status, second.status) == (200, 409)
    arena.slack.wait_for_calls("views.open", opened + 1)
    time.sleep(0.3)
    assert len(arena.slack.calls_to("views.open")) == opened + 1
    # A Retry click on a failed request: one more Braze call, not two.
    calls = len(arena.braze.create_calls())
    arena.braze.fail_next(CREATE_PATH, 503)
    payload = sr.button_click(RETRY, arena.failed.id, user_id=APPROVER, channel_id=CHANNEL)
    first, second = twice(sr.payload_body(payload))
    assert (first.status, second.status) == (200, 409)
    wait_for_state(store, arena.failed.id, RequestState.FAILED, announced=True)
    time.sleep(0.5)
    assert len(arena.braze.create_calls()) == calls + 1  # one attempt, not two
    # An approval click: decided once.
    payload = sr.button_click(APPROVE, blank.id, user_id=APPROVER, channel_id=CHANNEL)
    first, second = twice(sr.payload_body(payload))
    assert (first.status, second.status) == (200, 409)
    wait_for_state(store, blank.id, RequestState.CREATED, announced=True)
    trail = [(a.from_state, a.to_state) for a in store.audit(blank.id)]
    assert trail.count((RequestState.PENDING, RequestState.APPROVED)) == 1
    figures.take_http(driver)
    figures.count("state_changes", 0)
    verdict = check_consistency(figures, store, arena.braze, arena.slack, arena.accepted)
    verdict.assert_clean()
    driver.close()


def test_a_submission_replayed_to_another_replica_is_refused(
    arena: Arena, figures: Figures
) -> None:
    """A blank-send-ID submission replayed to a second replica on the same database."""
    other = arena.bots.start()
    with watched_driver([arena.bot.url, other.url], arena.slack) as driver:
        view = driver.open_form(user=REQUESTER, channel=PRIVATE_CHANNEL, replica=0)
        body = sr.payload_body(
            sr.view_submission(view, {"campaign_id": CAMPAIGN, "send_id": None}, user_id=REQUESTER)
        )
        headers = {"Content-Type": FORM, **sr.signature_headers(SIGNING_SECRET, body)}
        before = len(invariants.all_requests(arena.bot.store))
        driver.send(body, headers, replica=0)
        driver.send(body, headers, replica=1)
        figures.bad_inputs += 1
        time.sleep(0.5)
        stored = len(invariants.all_requests(arena.bot.store)) - before
        figures.count("duplicated", stored - 1)
        assert stored == 1


# ---- content types and sizes -------------------------------------------------------------------


def test_wrong_content_types_and_oversized_bodies(attack: Attack) -> None:
    """Wrong content types (415), oversized or broken bodies (413/400) before any parsing."""
    body = command_body()
    for content_type in (
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/x-www-form-urlencoded-evil",
        None,
    ):
        attack.post(f"content type {content_type}", body, content_type=content_type)
    attack.post(
        "JSON body, JSON type, not Slack's",
        b'{"type": "block_actions"}',
        content_type="application/json",
    )
    big = b"payload=" + b"x" * (MAX_BODY_BYTES + 1)
    attack.post("one byte too many", big[: MAX_BODY_BYTES + 1])
    attack.post("1 MiB", b"payload=" + b"x" * (1 << 20))
    attack.post("1 MiB, unsigned", b"x" * (1 << 20), signed=False)

    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"x" * 8192

    attack.send("chunked 512 KiB", attack.driver.send(chunks(), {"Content-Type": FORM}))
    for label, length in (("non-numeric", "abc"), ("negative", "-5"), ("huge", str(10**12))):
        head = (
            f"POST /slack/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Content-Type: {FORM}\r\nContent-Length: {length}"
        )
        attack.send(f"Content-Length {label}", raw_post(attack.arena, head, b"x"))
    attack.finish(allow_200=False)
    statuses = {name: a.status for name, a in attack.answers}
    assert statuses["1 MiB"] == statuses["1 MiB, unsigned"] == statuses["one byte too many"] == 413


# ---- malformed bodies --------------------------------------------------------------------------


def test_malformed_form_bodies(attack: Attack) -> None:
    """Bodies that are not Slack's form: garbage, bad encodings, payloads that are not objects."""
    valid = json.dumps(click_payload(attack.arena))
    cases: dict[str, bytes] = {
        "empty": b"",
        "junk": b"%%%%&&&==",
        "not UTF-8": b"payload=\xff\xfe\xfd",
        "percent-encoded non-UTF-8": b"payload=%ff%fe",
        "empty payload": b"payload=",
        "payload not JSON": b"payload=notjson",
        "payload truncated": urlencode({"payload": valid[:-5]}).encode(),
        "payload deeply nested": urlencode({"payload": "[" * 50_000}).encode(),
        "payload with NUL": urlencode(
            {"payload": valid.replace("campaigns", "camp\\u0000aigns")}
        ).encode(),
        "NUL in a command": command_body("\x00"),
        "command without trigger_id": urlencode(
            {"command": "/sendid", "user_id": REQUESTER, "channel_id": CHANNEL}
        ).encode(),
        "command with authorizations": command_body(authorizations="x"),
        "command with response_urls": command_body(response_urls="x"),
        "another command": command_body(command="/other"),
        "form without a command": b"user_id=U1&channel_id=C1",
        "ssl_check": b"ssl_check=1&token=x",
    }
    for value in (
        "[]",
        "42",
        '"x"',
        "null",
        "true",
        "{}",
        '{"type": "shortcut", "callback_id": "x"}',
    ):
        cases[f"payload {value}"] = urlencode({"payload": value}).encode()
    for name, body in cases.items():
        attack.post(name, body)
    attack.post("JSON list", b"[]", content_type="application/json")
    attack.post("JSON broken", b"{{{", content_type="application/json")
    attack.post(
        "JSON event without type",
        b'{"type": "event_callback", "event": {}}',
        content_type="application/json",
    )
    attack.finish()


MUTANTS: tuple[Any, ...] = (
    None,
    5,
    1.5,
    True,
    "x",
    "",
    [],
    {},
    [1],
    ["x"],
    "\u202e" * 3,
    "A" * 5000,
)
CLICK_PATHS: tuple[tuple[Any, ...], ...] = (
    ("type",),
    ("actions",),
    ("actions", 0),
    ("actions", 0, "action_id"),
    ("actions", 0, "value"),
    ("actions", 0, "block_id"),
    ("user",),
    ("user", "id"),
    ("user", "team_id"),
    ("channel",),
    ("channel", "id"),
    ("container",),
    ("team",),
    ("team", "id"),
    ("message",),
    ("message", "ts"),
    ("trigger_id",),
    ("response_url",),
    ("enterprise",),
    ("authorizations",),
    ("state",),
    ("view",),
)
VIEW_PATHS: tuple[tuple[Any, ...], ...] = (
    ("type",),
    ("view",),
    ("view", "callback_id"),
    ("view", "type"),
    ("view", "private_metadata"),
    ("view", "state"),
    ("view", "state", "values"),
    ("view", "state", "values", "campaign_id"),
    ("view", "state", "values", "campaign_id", "value"),
    ("view", "state", "values", "campaign_id", "value", "value"),
    ("view", "team_id"),
    ("user",),
    ("user", "id"),
    ("team",),
    ("response_urls",),
    ("trigger_id",),
)


def mutate(payload: dict[str, Any], path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    mutant = copy.deepcopy(payload)
    holder: Any = mutant
    for step in path[:-1]:
        holder = holder[step]
    if delete:
        if isinstance(holder, dict):
            holder.pop(path[-1], None)
        else:
            holder.pop(path[-1])
    else:
        holder[path[-1]] = value
    return mutant


def test_malformed_json_payloads(attack: Attack) -> None:
    """Every field of a click and of a form submission replaced by the wrong type, or removed."""
    click = click_payload(attack.arena)
    view = {
        "callback_id": REQUEST_MODAL,
        "private_metadata": json.dumps({"channel_id": CHANNEL}),
    }
    submission = sr.view_submission(
        view, {"campaign_id": "not-a-campaign", "send_id": "x"}, user_id=REQUESTER
    )
    for base, paths in ((click, CLICK_PATHS), (submission, VIEW_PATHS)):
        for path in paths:
            attack.payload(f"{path} removed", mutate(base, path, None, delete=True))
            for value in MUTANTS:
                attack.payload(f"{path} = {value!r:.20}", mutate(base, path, value, delete=False))
    attack.finish()


# ---- misdirected requests ----------------------------------------------------------------------


def test_unknown_actions_callbacks_and_request_ids(attack: Attack) -> None:
    """Unknown action_id/callback_id, and buttons naming requests that do not exist."""
    arena = attack.arena
    attack.payload("unknown action_id", click_payload(arena, "sendid_launch_missiles"))
    view = {"callback_id": "sendid_unknown", "private_metadata": ""}
    attack.payload("unknown callback_id", sr.view_submission(view, {}, user_id=APPROVER))
    for action in (APPROVE, REJECT, RETRY, REPOST, CANCEL):
        for value in (
            "r000000000000",
            "",
            "r" + "9" * 80,
            "../../etc/passwd",
            "r١٢٣",
            "<!channel>",
        ):
            payload = sr.button_click(action, value, user_id=APPROVER, channel_id=CHANNEL)
            attack.payload(f"{action} naming {value[:12]!r}", payload)
    reject_view = {
        "callback_id": REJECT_MODAL,
        "private_metadata": json.dumps({"channel_id": CHANNEL, "request_id": "r000000000000"}),
    }
    attack.payload(
        "reject form for an unknown request",
        sr.view_submission(reject_view, {"reason": "x"}, user_id=APPROVER),
    )
    attack.finish()
    assert all(a.status in (200, 404) for _, a in attack.answers)


def test_buttons_and_forms_naming_another_channel(attack: Attack) -> None:
    """A button or reject form naming a request of another channel; forged private_metadata."""
    arena = attack.arena
    for action in (APPROVE, REJECT, RETRY, CANCEL):
        for user in (APPROVER, REQUESTER):
            payload = sr.button_click(action, arena.private.id, user_id=user, channel_id=CHANNEL)
            attack.payload(f"{action} by {user} from the other channel", payload)
    forged_reject = {
        "callback_id": REJECT_MODAL,
        "private_metadata": json.dumps({"channel_id": CHANNEL, "request_id": arena.private.id}),
    }
    attack.payload(
        "reject form, request of another channel",
        sr.view_submission(forged_reject, {"reason": "x"}, user_id=APPROVER),
    )
    for channel in (
        OTHER_CHANNEL,
        "D0DIRECT",
        "c0campaigns",
        CHANNEL + " ",
        "G0UNKNOWN",
        "",
        "\u202eC0CAMPAIGNS",
    ):
        view = {
            "callback_id": REQUEST_MODAL,
            "private_metadata": json.dumps({"channel_id": channel}),
        }
        values = {"campaign_id": CAMPAIGN, "send_id": f"forged_{len(attack.answers)}"}
        attack.payload(
            f"form for channel {channel!r}", sr.view_submission(view, values, user_id=REQUESTER)
        )
    for metadata in (
        "",
        "not json",
        "[]",
        '{"channel_id": 5}',
        '{"channel": "C0CAMPAIGNS"}',
        "null",
    ):
        view = {"callback_id": REQUEST_MODAL, "private_metadata": metadata}
        values = {"campaign_id": CAMPAIGN, "send_id": f"forged_{len(attack.answers)}"}
        attack.payload(
            f"form with metadata {metadata!r}", sr.view_submission(view, values, user_id=REQUESTER)
        )
    attack.finish()
    for name, answer in attack.answers:
        if name.startswith("form"):
            assert answer.status == 200 and answer.json().get("response_action") == "errors", name


def test_requests_from_channels_that_are_not_permitted_and_dms(attack: Attack) -> None:
    """/sendid and clicks from non-permitted channels, DMs and group DMs: a private refusal."""
    arena = attack.arena
    for channel, name in (
        (OTHER_CHANNEL, "random"),
        ("D0DIRECT", "directmessage"),
        ("G0GROUPDM", "mpdm-a--b-1"),
        (CHANNEL, "directmessage"),  # a DM that claims a permitted channel's ID
        ("C0CAMPAIGNS\u200b", "campaigns"),
    ):
        for text in ("", "history", "quota", f"{CAMPAIGN} x1"):
            answer = attack.post(
                f"/sendid {text} in {channel!r}",
                command_body(text, channel_id=channel, channel_name=name),
            )
            assert answer.status == 200 and answer.json().get("response_type") == "ephemeral"
    for channel in (OTHER_CHANNEL, "D0DIRECT"):
        for action in (APPROVE, REJECT, RETRY):
            payload = sr.button_click(
                action, arena.pending.id, user_id=APPROVER, channel_id=channel
            )
            attack.payload(f"{action} from {channel}", payload)
    attack.finish()


def test_unicode_and_control_characters_in_every_field(attack: Attack) -> None:
    """Bidi overrides, zero-width and control characters, emoji, huge strings in every field."""
    nasty = (
        "\u202egnp.exe",
        "\u200b\u200c\u200d\ufeff",
        "\x1b[31mred\x1b[0m",
        "line\r\nbreak\u2028\u2029",
        "👩‍👩‍👧‍👦" * 50,
        "e\u0301" * 200,
        "<!channel> <@U0APPROVER> <#C0CAMPAIGNS> <http://evil.example|click>",
        "\ufffd\uffff\U0010ffff",  # replacement character, noncharacters
        "A" * 60_000,
    )
    fields = ("text", "user_id", "channel_id", "channel_name", "user_name", "team_id", "command")
    for field_name in fields:
        for value in nasty:
            attack.post(f"command {field_name}={value[:10]!r}", command_body(**{field_name: value}))
    click = click_payload(attack.arena)
    for path in CLICK_PATHS:
        for value in nasty:
            attack.payload(f"click {path}={value[:10]!r}", mutate(click, path, value, delete=False))
    attack.finish()


def test_a_slash_command_mentioning_payload_reaches_its_listener(
    arena: Arena, figures: Figures
) -> None:
    """`/sendid payload` in #payload-team: Bolt's substring test lost such commands (fixed)."""
    with watched_driver(arena.bot.url, arena.slack) as driver:
        answer = driver.command("payload", channel_name="payload-team")
        figures.bad_inputs += 1
        assert answer.status == 200
        # The listener answered: "payload" is no campaign ID (it has no digits), so the answer
        # is the usage for an unknown word, not a form.
        assert "`payload`" in answer.json()["text"]
        figures.take_http(driver)
