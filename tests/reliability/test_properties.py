"""Property-based attacks through the running bot (Hypothesis, a bounded number of examples).

* No generated send ID, reject reason, campaign name or Braze error message can produce a
  mention, a channel link or any link in anything the bot posts or answers: once the bot's own
  tokens (its users, channels, dates) are taken out, no ``<`` is left in any mrkdwn text.
* The request form accepts exactly what the specification allows (campaign ID: Braze's UUID;
  send ID: blank or 1-64 printable ASCII characters without whitespace, surrounding whitespace
  trimmed), stores exactly that, and answers anything else inline — never a 5xx.
* Any text in any field of a slash command or a click: never a 5xx, never a state change.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.workspaces import DEFAULT_WORKSPACE
from tests.reliability import invariants
from tests.reliability.harness import (
    CHANNELS,
    Figures,
    campaign_uuid,
    long_run,
    watched_bots,
    watched_driver,
)
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.standins.slack import SlackStandIn
from tests.support import databases
from tests.support import slack_requests as sr
from tests.support.constants import (
    APPROVE,
    APPROVER,
    APPROVER_GROUP,
    CAMPAIGN,
    CHANNEL,
    GROUP_APPROVER,
    OUTSIDER,
    PRIVATE_CHANNEL,
    REQUEST_MODAL,
    REQUESTER,
)
from tests.support.driver import Answer, SlackDriver
from tests.support.waits import Submission, wait_settled, wait_stored

USERS = (REQUESTER, APPROVER, GROUP_APPROVER, OUTSIDER)
# RELIABILITY_EXAMPLES overrides, for a one-off deep fuzz.
EXAMPLES = int(os.environ.get("RELIABILITY_EXAMPLES") or (150 if long_run() else 25))
# Room for a deep fuzz (the default budget of a test is 120 s).
pytestmark = pytest.mark.timeout(max(120, EXAMPLES))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)
# What the bot itself writes in angle brackets: its users, its channels, its dates.
_OWN_TOKENS = re.compile(
    r"<@(?:" + "|".join(USERS) + r")>"
    r"|<#(?:" + "|".join(CHANNELS) + r")>"
    rf"|<!subteam\^{APPROVER_GROUP}>"
    r"|<!date\^\d+\^\{[a-z_]+\}(?: at \{time\})?(?: \{time\})?\|[0-9A-Za-z :,-]+>"
)
DANGEROUS = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U0APPROVER>",
    "<#C0CAMPAIGNS>",
    "<!subteam^S0APPROVERS>",
    "<http://evil.example|click here>",
    "<mailto:x@evil.example>",
    "<https://evil.example>",
    "&lt;!channel&gt;",
    "<",
    ">",
    "&",
    "`",
    "*",
    "_",
    "~",
    "|",
    "\\",
)
PRINTABLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
_counter = itertools.count(1)


def send_ids() -> st.SearchStrategy[str]:
    """Valid send IDs (1-64 printable ASCII, no spaces), rich in Slack's control characters."""
    fragment = st.one_of(
        st.sampled_from([d for d in DANGEROUS if " " not in d]), st.text(PRINTABLE, max_size=8)
    )
    return (
        st.lists(fragment, min_size=1, max_size=6).map("".join).filter(bool).map(lambda s: s[:56])
    )


def texts() -> st.SearchStrategy[str]:
    """Anything a person or Braze could write (no NUL: the gate refuses it, tested elsewhere)."""
    fragment = st.one_of(st.sampled_from(DANGEROUS), st.text(max_size=12))
    return st.lists(fragment, max_size=6).map("".join).map(lambda s: s.replace("\x00", ""))


def mrkdwn_texts(value: Any, top: bool = True) -> Iterator[str]:
    """Every string Slack would parse as mrkdwn in a payload (plain_text is shown as typed)."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        if top and isinstance(value.get("text"), str) and value.get("type") is None:
            yield value["text"]  # a message's own text (mrkdwn unless said otherwise)
        for key, item in value.items():
            if key != "text" or not isinstance(item, str):
                yield from mrkdwn_texts(item, top=False)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_texts(item, top=False)


def unexpected_markup(text: str) -> str | None:
    rest = _OWN_TOKENS.sub("", text)
    return rest if "<" in rest else None  # only "<" opens a mention or a link


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[SlackDriver, SlackStandIn, BrazeStandIn]]:
    database_url = databases.sqlite_url(tmp_path_factory.mktemp("properties"))
    with watched_bots(database_url, daily_limit=100_000) as bots:
        yield bots.start(), bots.slack, bots.braze


def check_markup(figures: Figures, sources: list[tuple[str, Any]]) -> list[str]:
    found = []
    for where, payload in sources:
        for text in mrkdwn_texts(payload):
            figures.notes["mrkdwn texts checked"] = figures.notes.get("mrkdwn texts checked", 0) + 1
            rest = unexpected_markup(text)
            if rest is not None:
                found.append(f"{where}: {rest[:200]!r}")
    figures.count("unescaped_markup", len(found))
    return found


@PROPERTY
@given(
    send_id=send_ids(),
    name=texts(),
    reason=texts(),
    braze_says=texts(),
    decision=st.sampled_from(["approve", "reject", "braze refuses"]),
)
def test_no_generated_text_makes_a_mention_or_a_link(
    live: tuple[SlackDriver, SlackStandIn, BrazeStandIn],
    figures: Figures,
    send_id: str,
    name: str,
    reason: str,
    braze_says: str,
    decision: str,
) -> None:
    """Generated send IDs, reasons, campaign names, Braze messages: no mention, no link."""
    bot, slack, braze = live
    driver = watched_driver(bot.url, slack)
    campaign = campaign_uuid(next(_counter), group=0x9A0)
    braze.add_campaign(campaign, name)
    seen = len(slack.calls)
    answers: list[Answer] = []
    answer = driver.command(f"{campaign} {send_id}")
    answers.append(answer)
    view = driver.view_for(answer.trigger_id)
    answer = driver.submit(view, {"campaign_id": campaign, "send_id": send_id}, user=REQUESTER)
    answers.append(answer)
    assert answer.accepted_submission, answer
    request = wait_stored(bot.store, Submission(CHANNEL, REQUESTER, campaign, send_id), set())
    if decision == "reject":
        answers.append(driver.reject(request.id, user=APPROVER, channel=CHANNEL, reason=reason))
    else:
        if decision == "braze refuses":
            braze.fail_next(CREATE_PATH, 400, {"message": braze_says, "errors": [braze_says]})
        answers.append(driver.click(APPROVE, request.id, user=APPROVER))
    wait_settled(bot.store, [request.id])
    # A second click (refused privately, naming the decider) and the channel's history.
    answers.append(driver.click(APPROVE, request.id, user=GROUP_APPROVER))
    answers.append(driver.command("history"))
    time.sleep(0.1)
    calls = slack.calls[seen:]
    figures.requests += 1
    figures.bad_inputs += 4
    figures.take_http(driver)
    driver.close()
    sources = [(c.method, c.params) for c in calls]
    sources += [("answer", a.json()) for a in answers if isinstance(a.json(), dict)]
    found = check_markup(figures, sources)
    assert not found, found
    assert all(a.status == 200 for a in answers), answers


def campaign_inputs() -> st.SearchStrategy[str]:
    spaced = st.tuples(st.sampled_from(["", " ", "\t", "\n "]), st.sampled_from(["", " ", "\n"]))
    return st.one_of(
        spaced.map(lambda s: s[0] + CAMPAIGN.upper() + s[1]),
        spaced.map(lambda s: s[0] + CAMPAIGN + s[1]),
        st.just(CAMPAIGN[:-1]),
        st.just(CAMPAIGN + "0"),
        st.just(CAMPAIGN.replace("-", "")),
        st.just(CAMPAIGN + "\n" + CAMPAIGN),
        st.text(max_size=40),
    )


def send_id_inputs() -> st.SearchStrategy[str | None]:
    return st.one_of(
        st.none(),
        st.text(PRINTABLE, min_size=1, max_size=70),
        st.text(max_size=70),
        st.tuples(
            st.sampled_from([" ", "\t", "\n"]), st.text(PRINTABLE, min_size=1, max_size=10)
        ).map(lambda t: t[0] + t[1] + t[0]),
    )


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def expected(raw_campaign: str, raw_send_id: str | None) -> tuple[bool, str | None]:
    """The specification as an oracle: (acceptable, the send ID to store)."""
    campaign_ok = UUID.fullmatch(raw_campaign.strip().lower()) is not None
    value = (raw_send_id or "").strip()
    send_ok = value == "" or (len(value) <= 64 and all(0x21 <= ord(c) <= 0x7E for c in value))
    return campaign_ok and send_ok, value or None


@PROPERTY
@given(raw_campaign=campaign_inputs(), raw_send_id=send_id_inputs())
def test_the_form_accepts_exactly_what_the_rules_allow(
    live: tuple[SlackDriver, SlackStandIn, BrazeStandIn],
    figures: Figures,
    raw_campaign: str,
    raw_send_id: str | None,
) -> None:
    """The form accepts exactly valid campaign/send IDs and stores them trimmed, as typed."""
    bot, slack, _ = live
    driver = watched_driver(bot.url, slack)
    view = driver.open_form(user=REQUESTER, channel=PRIVATE_CHANNEL)
    ok, send_id = expected(raw_campaign, raw_send_id)
    if (
        ok
        and send_id is not None
        and bot.store.pair_holder(DEFAULT_WORKSPACE, CAMPAIGN, send_id) is not None
    ):
        ok = False  # the pair is already held: refused inline as a duplicate
    before = len(invariants.all_requests(bot.store))
    answer = driver.submit(
        view, {"campaign_id": raw_campaign, "send_id": raw_send_id}, user=REQUESTER
    )
    figures.bad_inputs += 0 if ok else 1
    figures.take_http(driver)
    driver.close()
    has_nul = "\x00" in raw_campaign + (raw_send_id or "")
    assert answer.status == (400 if has_nul else 200), answer
    assert answer.accepted_submission == (ok and not has_nul), (answer, raw_campaign, raw_send_id)
    time.sleep(0.02)
    stored = invariants.all_requests(bot.store)
    assert len(stored) == before + (1 if answer.accepted_submission else 0)
    if answer.accepted_submission:
        figures.requests += 1
        newest = bot.store.recent_in_channel(PRIVATE_CHANNEL, 1)[0]
        assert (newest.campaign_id, newest.send_id) == (CAMPAIGN, send_id)


def what_must_not_change(bot: SlackDriver, braze: BrazeStandIn) -> tuple[Any, ...]:
    """Each request's state and attempts, and how many send IDs Braze was asked to create."""
    requests = sorted((r.id, r.state.value, r.attempts) for r in invariants.all_requests(bot.store))
    return requests, len(braze.create_calls())


FIELDS = ("text", "user_id", "channel_id", "channel_name", "trigger_id", "command")


@PROPERTY
@given(
    where=st.sampled_from(["command", "click"]),
    field=st.sampled_from(FIELDS),
    path=st.sampled_from(
        [
            ("actions", 0, "value"),
            ("user", "id"),
            ("channel", "id"),
            ("trigger_id",),
            ("actions", 0, "action_id"),
        ]
    ),
    value=st.text(),
)
def test_any_text_in_any_field_never_breaks_the_bot(
    live: tuple[SlackDriver, SlackStandIn, BrazeStandIn],
    figures: Figures,
    where: str,
    field: str,
    path: tuple[Any, ...],
    value: str,
) -> None:
    """Any text in any field of a command or a click: no 5xx and no state change."""
    bot, slack, braze = live
    driver = watched_driver(bot.url, slack)
    before = what_must_not_change(bot, braze)
    if where == "command":
        form = sr.slash_command("", user_id=REQUESTER, channel_id=CHANNEL)
        form[field] = value
        answer = driver.post(sr.form_body(form))
    else:
        pending = bot.store.in_state(invariants.RequestState.PENDING)
        target = pending[0].id if pending else "r000000000000"
        payload: Any = sr.button_click(APPROVE, target, user_id=OUTSIDER, channel_id=CHANNEL)
        holder = payload
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = value
        answer = driver.post(sr.payload_body(payload))
    figures.bad_inputs += 1
    figures.take_http(driver)
    driver.close()
    assert 0 < answer.status < 500, answer
    assert b"Traceback" not in answer.body
    time.sleep(0.02)
    assert what_must_not_change(bot, braze) == before


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
PAYLOAD_KEYS = (
    "type",
    "user",
    "team",
    "enterprise",
    "channel",
    "container",
    "actions",
    "view",
    "message",
    "state",
    "trigger_id",
    "response_url",
    "response_urls",
    "authorizations",
    "event",
    "is_enterprise_install",
    "api_app_id",
    "token",
    "function_data",
    "team_id",
    "user_id",
)


@PROPERTY
@given(
    base=st.sampled_from(["click", "form", "event"]),
    changes=st.dictionaries(st.sampled_from(PAYLOAD_KEYS), JSON, min_size=1, max_size=3),
    nested=st.dictionaries(
        st.sampled_from(
            [
                "id",
                "type",
                "callback_id",
                "value",
                "action_id",
                "state",
                "values",
                "private_metadata",
            ]
        ),
        JSON,
        max_size=2,
    ),
)
def test_any_json_in_any_field_of_a_payload_never_breaks_the_bot(
    live: tuple[SlackDriver, SlackStandIn, BrazeStandIn],
    figures: Figures,
    base: str,
    changes: dict[str, Any],
    nested: dict[str, Any],
) -> None:
    """Random JSON in the fields Bolt and the listeners read, signed: no 5xx, no state change."""
    bot, slack, braze = live
    driver = watched_driver(bot.url, slack)
    before = what_must_not_change(bot, braze)
    if base == "click":
        payload: dict[str, Any] = sr.button_click(
            APPROVE, "r000000000000", user_id=OUTSIDER, channel_id=CHANNEL
        )
    elif base == "form":
        view = {
            "callback_id": REQUEST_MODAL,
            "private_metadata": json.dumps({"channel_id": CHANNEL}),
        }
        payload = sr.view_submission(
            view, {"campaign_id": "nope", "send_id": None}, user_id=OUTSIDER
        )
    else:
        payload = sr.app_home_opened(OUTSIDER)
    payload.update(changes)
    for key in ("user", "view", "event", "channel"):
        if isinstance(payload.get(key), dict):
            payload[key].update(nested)
            break
    if base == "event":
        answer = driver.post(json.dumps(payload).encode(), content_type="application/json")
    else:
        answer = driver.post(sr.payload_body(payload))
    figures.bad_inputs += 1
    figures.take_http(driver)
    driver.close()
    assert 0 < answer.status < 500, (answer, payload)
    time.sleep(0.02)
    assert what_must_not_change(bot, braze) == before
