"""Attack review, part two (issue 12, items 3, 4, 5, 6 and 9): forms, per-person limits, the
audit export, text that could fool a reader, Slack's error strings, and private channels in the
App Home.

Each scenario drives a running bot over its real HTTP endpoint with signed requests, does what
the review did, and counts what came of it; every scenario ends with the suite's consistency
check.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.domain.models import RequestState
from bot.domain.notices import REPLY_ATTEMPTS_MAX
from bot.i18n import Msg, Translator
from bot.slack.form_metadata import FormSeal, ModalMetadata
from bot.store import Store
from tests.ops.test_metrics import Scrape
from tests.reliability.harness import (
    Figures,
    Scenario,
    TwoReplicas,
    check_consistency,
    ephemerals_to,
    watched_driver,
)
from tests.standins.braze import BrazeStandIn
from tests.standins.slack import SlackCall, SlackStandIn
from tests.support.bots import PRODUCTION_LIMITS, InProcessBots, clean_env
from tests.support.constants import (
    APPROVE,
    APPROVER,
    BOT_TOKEN,
    CAMPAIGN,
    CANCEL,
    CHANNEL,
    GROUP_APPROVER,
    OUTSIDER,
    PRIVATE_CHANNEL,
    REJECT,
    REQUEST_MODAL,
    REQUESTER,
    SIGNING_SECRET,
)
from tests.support.driver import Answer
from tests.support.processes import Processes
from tests.support.shown import all_text, buttons, form_problems, walk
from tests.support.spreadsheets import SEPARATORS, cells, formula_cells
from tests.support.waits import (
    Submission,
    find_stored,
    stored,
    wait_for_state,
    wait_stored,
    wait_until,
)

# ---- item 3: private_metadata is sealed -----------------------------------------------------


def with_metadata(view: dict[str, object], **changes: object) -> dict[str, object]:
    """`view` with its private_metadata edited as a client could."""
    metadata = json.loads(str(view["private_metadata"])) | changes
    return {**view, "private_metadata": json.dumps(metadata)}


def test_a_form_cannot_be_moved_to_another_channel_or_request(
    scenario: Scenario, figures: Figures
) -> None:
    """Edited private_metadata: a form moved to another channel or request is refused inline."""
    driver, store = scenario.driver, scenario.store
    first, second = scenario.request("meta_a"), scenario.request("meta_b")
    values = {"campaign_id": CAMPAIGN, "send_id": "moved"}
    request_form = driver.open_form(channel=CHANNEL)
    someone_elses = driver.open_form(user=OUTSIDER, channel=PRIVATE_CHANNEL)
    clicked = driver.click(REJECT, first.id, user=APPROVER)
    reject_form = driver.view_for(clicked.trigger_id)
    forged_seal = FormSeal("not-the-bots-secret").seal(
        ModalMetadata(PRIVATE_CHANNEL), form=REQUEST_MODAL, user_id=REQUESTER
    )
    forms: list[tuple[str, Answer]] = [
        (
            "request form moved to the other permitted channel",
            driver.submit(with_metadata(request_form, channel_id=PRIVATE_CHANNEL), values),
        ),
        (
            "request form with unsealed metadata (as earlier versions wrote it)",
            driver.submit(
                {**request_form, "private_metadata": json.dumps({"channel_id": PRIVATE_CHANNEL})},
                values,
            ),
        ),
        (
            "request form sealed with another secret",
            driver.submit({**request_form, "private_metadata": forged_seal}, values),
        ),
        ("request form opened for someone else", driver.submit(someone_elses, values)),
        (
            "reject form moved to another request",
            driver.submit(
                with_metadata(reject_form, request_id=second.id), {"reason": None}, user=APPROVER
            ),
        ),
        (
            "reject form carrying a request form's metadata",
            driver.submit(
                {**reject_form, "private_metadata": request_form["private_metadata"]},
                {"reason": None},
                user=APPROVER,
            ),
        ),
        (
            "request form carrying a reject form's metadata",
            driver.submit(
                {
                    **request_form,
                    "callback_id": REQUEST_MODAL,
                    "private_metadata": reject_form["private_metadata"],
                },
                values,
            ),
        ),
    ]
    figures.bad_inputs += len(forms)
    refusal = Translator("en")(Msg.FORM_NOT_VERIFIED)
    refused = [
        name
        for name, answer in forms
        if answer.status == 200
        and answer.json().get("response_action") == "errors"
        and refusal in answer.json()["errors"].values()
    ]
    assert refused == [name for name, _ in forms]
    # The untouched reject form still works: the seal does not get in the way.
    assert driver.submit(reject_form, {"reason": "no"}, user=APPROVER).accepted_submission
    wait_for_state(store, first.id, RequestState.REJECTED, announced=True)
    cards_elsewhere = driver.card_posts(PRIVATE_CHANNEL)
    figures.notes["forged forms refused inline"] = f"{len(refused)} of {len(forms)}"
    figures.notes["cards posted in another channel"] = len(cards_elsewhere)
    figures.notes["requests stored by forged forms"] = sum(
        1 for r in store.recent_in_channel(PRIVATE_CHANNEL, 50) if r.send_id == "moved"
    ) + sum(1 for r in store.recent_in_channel(CHANNEL, 50) if r.send_id == "moved")
    moved = stored(store, second.id).state is not RequestState.PENDING
    figures.count("state_changes", int(moved))
    assert cards_elsewhere == []
    assert figures.notes["requests stored by forged forms"] == 0 and not moved
    scenario.verdict(figures).assert_clean()


# ---- item 4: per-person limits --------------------------------------------------------------

BURST = 60
CAP = PRODUCTION_LIMITS["sendid_max_pending_per_user"]
PER_MINUTE = PRODUCTION_LIMITS["sendid_submissions_per_minute"]


def refused_with(answer: Answer, words: str) -> bool:
    return answer.status == 200 and any(words in text for text in form_problems(answer.json()))


def test_one_persons_burst_of_submissions_on_two_replicas_stores_at_most_the_cap(
    slack: SlackStandIn, braze: BrazeStandIn, two_replicas: TwoReplicas, figures: Figures
) -> None:
    """60 forms by one person at once, spread over two processes: 5 stored, 55 refused inline."""
    # The default cap; the rate limit out of the way: this is the cap's race, across replicas.
    replicas = two_replicas.start(
        SENDID_MAX_PENDING_PER_USER=str(CAP), SENDID_SUBMISSIONS_PER_MINUTE="1000"
    )
    store = Store(two_replicas.database_url)
    driver = watched_driver(replicas, slack, store=store, timeout=30)
    try:
        forms = [driver.open_form() for _ in range(BURST)]
        submissions = [Submission(CHANNEL, REQUESTER, CAMPAIGN, f"burst_{n}") for n in range(BURST)]

        took: list[float] = []

        def submit(n: int) -> Answer:
            values = {"campaign_id": CAMPAIGN, "send_id": f"burst_{n}"}
            sent = time.monotonic()
            answer = driver.submit(forms[n], values)
            took.append(time.monotonic() - sent)
            return answer

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=BURST) as pool:
            answers = list(pool.map(submit, range(BURST)))
        figures.notes["burst took (s)"] = round(time.monotonic() - started, 2)
        figures.bad_inputs += BURST - CAP
        accepted = [s for s, a in zip(submissions, answers, strict=True) if a.accepted_submission]
        refused = [a for a in answers if refused_with(a, "the most one person may have")]
        # On an overloaded machine an answer may miss Slack's 3 s (Bolt then answers 404);
        # whether it was stored or refused, the cap below still holds.
        late = [a for a in answers if a.status != 200]
        figures.notes["slowest submission answer (s)"] = round(max(took), 3)
        figures.notes["submission answers over Slack's 3 s"] = sum(t > 3 for t in took)
        pending = store.pending_of(REQUESTER)
        wait_until(lambda: len(driver.card_posts(CHANNEL)) >= len(pending))
        known: set[str] = set()
        for submission in accepted:
            wait_stored(store, submission, known)  # with its card
        cards = driver.card_posts(CHANNEL)
        figures.notes["submissions accepted"] = len(accepted)
        figures.notes["refused inline naming the pending ones"] = len(refused)
        figures.notes["submissions not acknowledged (Bolt's 404)"] = len(late)
        figures.notes["requests pending for the person"] = len(pending)
        figures.notes["cards posted (so reminders and expiry replies at most)"] = len(cards)
        statuses = [a.status for a in answers]
        assert len(accepted) + len(refused) + len(late) == BURST, statuses
        assert (len(pending), len(cards)) == (CAP, CAP), statuses
        assert len(accepted) <= CAP and len(refused) >= BURST - CAP - len(late)
        assert all("burst_" in str(a.json()) for a in refused)  # the pending ones named
        # Someone else is not held up by it, and a cancelled request makes room again.
        other = Submission(PRIVATE_CHANNEL, OUTSIDER, CAMPAIGN, "not_blocked")
        assert driver.send_form(other).accepted_submission
        accepted.append(other)
        assert "burst_" in str(driver.open_home(REQUESTER))
        driver.home_click(CANCEL, pending[0].id, user=REQUESTER)
        wait_for_state(store, pending[0].id, RequestState.CANCELLED, announced=True)
        again = Submission(CHANNEL, REQUESTER, CAMPAIGN, "after_cancel")
        assert driver.send_form(again).accepted_submission
        accepted.append(again)
        for late_one in (other, again):  # their cards follow the answers
            wait_stored(store, late_one, known)
        figures.notes["accepted again after a Cancel in the Home tab"] = 1
        figures.take_http(driver)
        check_consistency(figures, store, braze, slack, accepted).assert_clean()
    finally:
        driver.close()
        store.close()


def test_submitting_faster_than_the_rate_limit_is_refused_with_when_to_try_again(
    bots: InProcessBots, braze: BrazeStandIn, figures: Figures
) -> None:
    """15 forms by one person in a row: 5 stored, 5 over the cap, 5 over 10 a minute."""
    assert (CAP, PER_MINUTE) == (5, 10)  # the figures below follow from the defaults
    scenario = Scenario(bots.start(**PRODUCTION_LIMITS), braze)
    # Forms opened before the cap is reached: once it is, /sendid opens none (last check).
    forms = [scenario.driver.open_form() for _ in range(16)]

    def submit(n: int) -> Answer:
        answer = scenario.driver.submit(forms[n], {"campaign_id": CAMPAIGN, "send_id": f"rate_{n}"})
        if answer.accepted_submission:
            scenario.accepted.append(Submission(CHANNEL, REQUESTER, CAMPAIGN, f"rate_{n}"))
        return answer

    answers = [submit(n) for n in range(15)]
    over_cap = [a for a in answers if refused_with(a, "the most one person may have")]
    too_fast = [a for a in answers if refused_with(a, "Try again in")]
    figures.bad_inputs += 10
    figures.notes["stored"] = sum(a.accepted_submission for a in answers)
    figures.notes["refused: over the pending cap"] = len(over_cap)
    figures.notes["refused: over 10 submissions a minute"] = len(too_fast)
    waits = [
        int(text.split("Try again in ")[1].split(" s")[0])
        for a in too_fast
        for text in form_problems(a.json())
    ]
    figures.notes["longest wait told (s)"] = max(waits, default=0)
    assert [a.accepted_submission for a in answers] == [True] * 5 + [False] * 10
    assert (len(over_cap), len(too_fast)) == (5, 5)
    # Until the first of the ten leaves the minute (less on a slow machine: time has passed).
    assert all(1 <= wait <= 60 for wait in waits), waits
    # Another person is not held up.
    assert not submit(15).accepted_submission  # the requester's own limit again
    assert scenario.driver.command().status == 200
    scenario.driver.wait_for_ephemeral(REQUESTER, "did not open the request form")
    theirs = Submission(CHANNEL, OUTSIDER, CAMPAIGN, "theirs")
    assert scenario.driver.send_form(theirs).accepted_submission
    scenario.accepted.append(theirs)
    wait_stored(scenario.store, theirs, scenario.known)  # its card posted after the answer
    assert ephemerals_to(scenario.slack, OUTSIDER) == []
    scenario.verdict(figures).assert_clean()


# ---- item 5: the audit export ---------------------------------------------------------------


def test_the_audit_export_of_hostile_values_has_no_formula_cell(
    scenario: Scenario, figures: Figures, processes: Processes, database_url: str
) -> None:
    """Audit CSV with `;=1+1;` as send ID: no formula cell under a `,`, `;` or tab reading."""
    created = scenario.request(";=1+1;")
    scenario.approve(created)
    wait_for_state(scenario.store, created.id, RequestState.CREATED, announced=True)
    rejected = scenario.request("-2+3")
    answer = scenario.driver.reject(rejected.id, user=APPROVER, reason='a;=cmd|"/C calc"!A0')
    assert answer.accepted_submission, answer
    wait_for_state(scenario.store, rejected.id, RequestState.REJECTED, announced=True)
    figures.bad_inputs += 3

    env = clean_env(SENDID_DATABASE_URL=database_url)
    as_csv = processes.run_bot("audit", "--since", "2000-01-01", env=env)
    as_json = processes.run_bot("audit", "--since", "2000-01-01", "--format", "json", env=env)

    assert as_csv.returncode == as_json.returncode == 0, as_csv.stderr + as_json.stderr
    found = formula_cells(as_csv.stdout)
    figures.count("state_changes", 0)
    figures.notes["cells read (3 separators, quotes honoured or not)"] = sum(
        len(cells(as_csv.stdout, separator)) for separator in SEPARATORS
    )
    figures.notes["formula cells"] = len(found)
    assert found == []
    assert ";=1+1;" in as_json.stdout  # the JSON export keeps the value exact
    scenario.verdict(figures).assert_clean()


# ---- item 6: text that could fool a reader ---------------------------------------------------

FOOLING_NAME = "Sale\n:white_check_mark: *Approved by boss* <@U0APPROVER> https://evil.example `x`"
FOOLING_SEND_ID = "x`y*z*_w_"
FOOLING_REASON = "ok\n*Approved* by @here, see www.evil.example/login or boss@evil.example"


def shown_texts(calls: list[SlackCall]) -> tuple[list[str], list[dict[str, object]]]:
    """Every text the calls would show (each message's `text` and its mrkdwn objects), and the
    mrkdwn objects themselves."""
    objects = [
        d for c in calls for d in walk(c.params.get("blocks") or []) if d.get("type") == "mrkdwn"
    ]
    texts = [str(c.params.get("text") or "") for c in calls] + [str(o["text"]) for o in objects]
    return texts, objects


def test_user_and_braze_text_cannot_link_mention_format_or_fake_a_line(
    scenario: Scenario, figures: Figures
) -> None:
    """A campaign name, send ID and reject reason that try to link, ping, bold and add lines."""
    scenario.braze.add_campaign(CAMPAIGN, FOOLING_NAME)
    created = scenario.request(FOOLING_SEND_ID)
    scenario.approve(created)
    rejected = scenario.request("plain_one")
    scenario.driver.reject(rejected.id, user=APPROVER, reason=FOOLING_REASON)
    scenario.settle([created, rejected])
    figures.bad_inputs += 3
    calls = [
        c
        for c in scenario.slack.calls
        if c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral")
    ]
    texts, objects = shown_texts(calls)
    own_tokens = re.compile(r"<(@U0\w+|#C\w+|!date\^[^>]*|!subteam\^S\w+)>")
    leaks = [
        text
        for text in texts
        if "://" in text
        or "evil.example" in text
        or "@here" in text
        or "<" in own_tokens.sub("", text)
        or "*Approved by boss*" in text
        or "*Approved* by" in text
        or "\n:white_check_mark:" in text
    ]
    not_verbatim = [o for o in objects if o.get("verbatim") is not True]
    broken_spans = [t for t in texts if t.count("`") % 2]
    figures.notes["texts checked"] = len(texts)
    figures.notes["links, mentions, formatting or fake lines from foreign text"] = len(leaks)
    figures.notes["mrkdwn objects Slack could auto-link in"] = len(not_verbatim)
    figures.notes["code spans broken by a backtick"] = len(broken_spans)
    assert leaks == [] and not_verbatim == [] and broken_spans == []
    assert any("`x\u02cby*z*_w_`" in t for t in texts)  # the send ID shown as one code span
    scenario.verdict(figures).assert_clean()


# ---- item 9: what reaches people ------------------------------------------------------------


def test_slack_error_strings_reach_people_scrubbed(scenario: Scenario, figures: Figures) -> None:
    """Slack errors echoing a secret: the requester's DM and the approver's answer are scrubbed."""
    scenario.slack.fail_next("chat.postMessage", f"invalid_blocks {BOT_TOKEN}")
    answer, submission = scenario.submit("echo_1")
    assert answer.accepted_submission, answer
    dm = scenario.slack.wait_for_call(
        "chat.postMessage", predicate=lambda c: c.params.get("channel") == REQUESTER
    )
    figures.fault("chat.postMessage error string holding the bot token")
    text = str(dm.params)
    assert BOT_TOKEN not in text and "[redacted]" in text
    # The approver group cannot be read; Slack's error names the signing secret.
    request = wait_until(lambda: find_stored(scenario.store, submission, scenario.known))
    scenario.slack.fail_next("usergroups.users.list", f"fatal_error {SIGNING_SECRET}")
    figures.fault("usergroups.users.list error string holding the signing secret")
    scenario.driver.click(APPROVE, request.id, user=GROUP_APPROVER, channel=request.channel_id)
    told = scenario.driver.wait_for_ephemeral(GROUP_APPROVER, "[redacted]")
    assert SIGNING_SECRET not in str(told.params)
    figures.notes["secrets in messages to people"] = 0
    scenario.verdict(figures).assert_clean()


def test_the_home_tab_shows_a_private_channels_requests_only_to_its_members(
    bots: InProcessBots, figures: Figures, caplog: pytest.LogCaptureFixture
) -> None:
    """App Home: a private channel's requests only for its members; unknown membership hides."""
    # OUTSIDER approves too, but is not in the private channel.
    approvers = f"{APPROVER},{OUTSIDER}"
    bot = bots.start(sendid_approvers=approvers)
    public = bot.request(CAMPAIGN, "home_public", channel=CHANNEL)
    private = bot.request(CAMPAIGN, "home_private", channel=PRIVATE_CHANNEL)
    member, outsider = bot.open_home(APPROVER), bot.open_home(OUTSIDER)
    member_sees = {b["value"] for b in buttons(member["blocks"])}
    outsider_sees = {b["value"] for b in buttons(outsider["blocks"])}
    assert member_sees == {public.id, private.id}
    assert outsider_sees == {public.id}
    assert "home_private" not in all_text(outsider) and "1 more waiting" in all_text(outsider)
    figures.bad_inputs += 1
    # Slack cannot say who is in the channels (the scopes are missing): nothing is shown.
    bots.slack.fail_next("conversations.info", "missing_scope", times=2)
    second = bots.start(sendid_approvers=approvers)
    unsure = second.open_home(APPROVER)
    assert {b["value"] for b in buttons(unsure["blocks"])} == set()
    assert "2 more waiting" in all_text(unsure)
    figures.fault("conversations.info refused (missing_scope)", 2)
    figures.notes["private requests shown to a non-member"] = len(outsider_sees - {public.id})
    figures.notes["requests shown while membership was unknown"] = 0
    assert any("hidden in App Home" in r.getMessage() for r in caplog.records)
    figures.take_http(bot)
    figures.take_http(second)
    accepted = [
        Submission(CHANNEL, REQUESTER, CAMPAIGN, "home_public"),
        Submission(PRIVATE_CHANNEL, REQUESTER, CAMPAIGN, "home_private"),
    ]
    check_consistency(figures, bot.store, bots.braze, bots.slack, accepted).assert_clean()


# ---- item 8: a lost card ------------------------------------------------------------------------


def test_a_deleted_card_and_a_refused_thread_reply_end_in_the_truth_by_dm(
    scenario: Scenario, figures: Figures
) -> None:
    """Deleted card approved in the App Home; thread reply refused 5 times: the truth by DM.

    The reply is given up after a bounded number of attempts, counted in /metrics."""
    driver, slack = scenario.driver, scenario.slack
    lost, refused = scenario.request("card_deleted"), scenario.request("reply_refused")
    assert lost.card_ts is not None
    slack.delete_message(CHANNEL, lost.card_ts)
    figures.fault("approval card deleted before its approval")
    driver.home_click(APPROVE, lost.id, user=APPROVER)
    wait_for_state(scenario.store, lost.id, RequestState.CREATED, announced=True)
    slack.fail_next("chat.postMessage", "internal_error", times=REPLY_ATTEMPTS_MAX)
    figures.fault("chat.postMessage refused", REPLY_ATTEMPTS_MAX)
    scenario.approve(refused)
    wait_for_state(scenario.store, refused.id, RequestState.CREATED, announced=True)
    # Both outcomes reached the requester and the approver by DM, and no one heard "failed".
    dms = {
        user: [c for c in ephemerals_to(slack, user) if c.method == "chat.postMessage"]
        for user in (REQUESTER, APPROVER)
    }
    for user, messages in dms.items():
        for send_id in ("card_deleted", "reply_refused"):
            assert any(f"`{send_id}`" in all_text(m.params) for m in messages), (user, send_id)
    told = all_text([c.params for c in ephemerals_to(slack, APPROVER)])
    assert "failed" not in told and "Try again" not in told
    time.sleep(1.0)  # several more housekeeping rounds
    attempts = [
        c
        for c in slack.calls_to("chat.postMessage")
        if c.params.get("thread_ts") == refused.card_ts
    ]
    scrape = Scrape(driver.url)
    figures.notes["thread reply attempts before giving up"] = len(attempts)
    figures.notes["replies given up (/metrics)"] = scrape.value(
        "sendid_thread_reply_failures_total", outcome="given_up"
    )
    figures.notes["lost cards (/metrics)"] = scrape.value(
        "sendid_thread_reply_failures_total", outcome="card_gone"
    )
    figures.notes["Braze create calls"] = len(scenario.braze.create_calls())
    assert len(attempts) == REPLY_ATTEMPTS_MAX
    assert figures.notes["replies given up (/metrics)"] == 1
    assert figures.notes["lost cards (/metrics)"] == 1
    assert figures.notes["Braze create calls"] == 2
    scenario.verdict(figures).assert_clean()
