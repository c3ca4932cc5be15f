"""Issue 24: the edges a policy editor, another Slack team or time itself can reach.

Each scenario does what the issue describes to a running bot (or to its start-up, for the policy
file) and counts what came of it; the counts that must be zero are in RELIABILITY.md's summary.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bot.configuration import load_configuration
from bot.domain.errors import ConfigurationError
from bot.domain.models import RequestState
from bot.domain.naming_rules import naming_rule
from bot.settings import load_settings
from tests.reliability.harness import Figures, Scenario
from tests.reliability.seeding import seed_ended_requests, time_housekeeping_queries
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.support import slack_requests as sr
from tests.support.bots import InProcessBots, bot_env, bot_settings
from tests.support.constants import (
    APPROVE,
    APPROVER,
    CAMPAIGN,
    CANCEL,
    CHANNEL,
    GROUP_APPROVER,
    PRIVATE_CHANNEL,
    REJECT,
    REQUESTER,
    RETRY,
)
from tests.support.driver import SlackDriver
from tests.support.processes import Processes
from tests.support.shown import buttons
from tests.support.waits import stored, wait_for_state

# ---- item 2: a Braze key goes to Braze only ------------------------------------------------------

STOLEN = "stolen-secret-value-0123456789"


def hostile_policies(rogue: str) -> list[tuple[str, str, dict[str, str]]]:
    """(what it tries, the policy file, the extra environment) for each way a policy editor
    could send a secret elsewhere; `rogue` is a listening loopback host."""
    section = '[workspaces.x]\nrest_endpoint = "{url}"\napi_key_env = "{variable}"\n'
    use = f'[channels.{CHANNEL}]\nbraze_workspace = "x"\n'

    def one(url: str, variable: str) -> str:
        return section.format(url=url, variable=variable) + use

    return [
        ("a cloud secret as a workspace key", one(rogue, "AWS_SECRET_ACCESS_KEY"), {}),
        ("the bot token as a workspace key", one(rogue, "SLACK_BOT_TOKEN"), {}),
        (
            "a key sent to a host of the editor's",
            one("https://evil.example", "BRAZE_API_KEY_X"),
            {},
        ),
        (
            "a Braze host's name inside another host",
            one("https://rest.iad-01.braze.com.evil.example", "BRAZE_API_KEY_X"),
            {},
        ),
        (
            "a Braze host as user name of another host",
            one("https://rest.iad-01.braze.com@evil.example", "BRAZE_API_KEY_X"),
            {},
        ),
        ("a cloud metadata address", one("https://169.254.169.254", "BRAZE_API_KEY_X"), {}),
        (
            "BRAZE_API_KEY pointed at another instance",
            one("https://rest.fra-01.braze.eu", "BRAZE_API_KEY"),
            {},
        ),
        (
            "one key variable for two instances",
            one("https://rest.fra-01.braze.eu", "BRAZE_API_KEY_X")
            + section.replace("[workspaces.x]", "[workspaces.y]").format(
                url="https://rest.au-01.braze.com", variable="BRAZE_API_KEY_X"
            )
            + f'[channels.{PRIVATE_CHANNEL}]\nbraze_workspace = "y"\n',
            {},
        ),
        (
            "BRAZE_API_KEY's value under another name for another instance",
            one("https://rest.fra-01.braze.eu", "BRAZE_API_KEY_X"),
            {"BRAZE_API_KEY_X": "same-as-braze-api-key"},
        ),
    ]


def test_policy_files_that_send_a_key_elsewhere_are_refused_at_start_up(
    tmp_path: Path, processes: Processes, figures: Figures
) -> None:
    """A policy file (or BRAZE_REST_ENDPOINT) sending a secret elsewhere: exit 2, none sent."""
    with BrazeStandIn(api_key="nobody-has-this-key") as rogue:
        accepted: list[str] = []
        for name, text, extra in hostile_policies(rogue.url):
            path = tmp_path / "policy.toml"
            path.write_text(text, encoding="utf-8")
            values = {
                **bot_settings("http://127.0.0.1:9", "https://rest.iad-01.braze.com", "sqlite://"),
                "braze_api_key": "same-as-braze-api-key",
                "sendid_policy_file": str(path),
            }
            environ = {
                "AWS_SECRET_ACCESS_KEY": STOLEN,
                "SLACK_BOT_TOKEN": STOLEN,
                "BRAZE_API_KEY": "same-as-braze-api-key",
                "BRAZE_API_KEY_X": "x-key-0123456789",
                **extra,
            }
            try:
                load_configuration(load_settings(_env_file=None, **values), environ)
            except ConfigurationError as refused:
                assert all(
                    line.startswith("SENDID_POLICY_FILE: workspaces.") for line in refused.problems
                )
            else:
                accepted.append(name)
        figures.bad_inputs += len(hostile_policies(rogue.url))
        for endpoint in ("https://evil.example", "https://rest.iad-01.braze.com:8443"):
            figures.bad_inputs += 1
            try:
                load_settings(_env_file=None, **{**values, "braze_rest_endpoint": endpoint})
            except ConfigurationError:
                continue
            accepted.append(f"BRAZE_REST_ENDPOINT={endpoint}")

        # The first one as `python -m bot`, with the rogue host listening: exit 2, no call.
        name, text, _ = hostile_policies(rogue.url)[0]
        path = tmp_path / "policy.toml"
        path.write_text(text, encoding="utf-8")
        env = bot_env(
            "http://127.0.0.1:9",
            "http://127.0.0.1:9",
            f"sqlite:///{tmp_path / 'x.db'}",
            SENDID_POLICY_FILE=str(path),
            AWS_SECRET_ACCESS_KEY=STOLEN,
        )
        result = processes.run_bot(env=env)
        sent = [c for c in rogue.calls if STOLEN in c.headers.get("authorization", "")]
    figures.count("secrets_to_other_hosts", len(accepted) + len(sent))
    figures.notes["hostile configurations tried"] = figures.bad_inputs
    figures.notes["accepted"] = len(accepted)
    figures.notes["python -m bot exit code"] = result.returncode
    figures.notes["secret received by the listening host"] = len(sent)
    figures.notes["before the fix (measured at 7707aad)"] = (
        "10 of 11 configurations passed start-up's checks (only the bot token was refused)"
    )
    assert accepted == [] and sent == []
    assert result.returncode == 2 and "workspaces.x.api_key_env" in result.stderr
    assert STOLEN not in result.stderr


# ---- item 3: another Slack team, app or enterprise -----------------------------------------------

OTHER_TEAM = "T0OTHER"
# What a click and a /sendid carry when they come from elsewhere (the command spells it flat).
FOREIGN: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    ("another team (a second installation)", {"team": {"id": OTHER_TEAM}}, {"team_id": OTHER_TEAM}),
    ("another app", {"api_app_id": "A0OTHERAPP"}, {"api_app_id": "A0OTHERAPP"}),
    (
        "an enterprise the bot is not in",
        {"enterprise": {"id": "E0ORG", "name": "Org"}},
        {"enterprise_id": "E0ORG"},
    ),
    (
        "a Slack Connect guest in the permitted channel",
        {"user": {"team_id": OTHER_TEAM}},
        {"user_team_id": OTHER_TEAM},
    ),
    (
        "an org-wide installation",
        {"is_enterprise_install": True},
        {"is_enterprise_install": "true"},
    ),
]


def changed(payload: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    for key, value in changes.items():
        merged = {**payload[key], **value} if isinstance(payload.get(key), dict) else value
        payload[key] = merged
    return payload


def test_signed_requests_from_another_team_app_or_enterprise_change_nothing(
    scenario: Scenario, figures: Figures
) -> None:
    """Signed clicks, commands and forms from another team, app or enterprise: refused privately."""
    driver, slack = scenario.driver, scenario.slack
    waiting = scenario.request("foreign_1")
    failed = scenario.request("foreign_2")
    scenario.braze.fail_next(CREATE_PATH, status=401, body={"message": "Invalid API key"})
    scenario.approve(failed)
    wait_for_state(scenario.store, failed.id, RequestState.FAILED, announced=True)
    before = {r.id: stored(scenario.store, r.id).state for r in (waiting, failed)}
    creates = len(scenario.braze.create_calls())
    answers = 0
    for _, click_changes, command_changes in FOREIGN:
        for action, request, user in (
            (APPROVE, waiting, APPROVER),
            (REJECT, waiting, APPROVER),
            (CANCEL, waiting, REQUESTER),
            (RETRY, failed, APPROVER),
        ):
            click = sr.button_click(action, request.id, user_id=user, channel_id=CHANNEL)
            click["response_url"] = slack.response_url(f"foreign-{answers}")
            driver.post(sr.payload_body(changed(click, click_changes)))
            answers += 1
        command = sr.slash_command("", user_id=REQUESTER, channel_id=CHANNEL)
        driver.post(sr.form_body({**command, **command_changes}))
    refusals = slack.wait_for_calls("response_url", answers)
    after = {r.id: stored(scenario.store, r.id).state for r in (waiting, failed)}
    changed_states = sum(before[i] is not after[i] for i in before)
    figures.bad_inputs += answers + len(FOREIGN)
    figures.count("foreign_approvals", changed_states)
    figures.count("state_changes", len(scenario.braze.create_calls()) - creates)
    figures.notes["foreign clicks refused through response_url"] = len(refusals)
    figures.notes["forms opened for a foreign /sendid"] = len(slack.calls_to("views.open")) - 2
    figures.notes["before the fix (measured at 7707aad)"] = (
        "both requests changed state: the pending one approved and created by the first foreign "
        "Approve, the failed one created by a foreign Retry; 5 of 5 foreign /sendid opened the form"
    )
    assert changed_states == 0 and len(scenario.braze.create_calls()) == creates
    scenario.approve(waiting)  # the bot's own team still decides
    wait_for_state(scenario.store, waiting.id, RequestState.CREATED, announced=True)
    scenario.verdict(figures)
    assert len(slack.calls_to("views.open")) == 2  # the two forms of the bot's own requests


# ---- item 1: a naming rule can never freeze a replica --------------------------------------------

# Each with a send ID that makes a backtracking engine explode (and an example that follows it).
EXPLOSIVE_RULES = [
    ("^([a-z0-9]+_?)+$", "spring_1", "a" * 63 + "!"),
    ("(a|a)*b", "aab", "a" * 64),
    ("^(\\w+\\s?)*$", "spring_1", "a" * 63 + "!"),
    ("(.*a){20}", "a" * 20, "a" * 19 + "b" * 45),
    # The slowest rule found within the bounds (500 characters, RE2's 1 MiB program).
    ("(?:(?:[a-z_]{0,9}){0,9}(?:[a-z0-9]{0,9}){0,9}){0,12}", "ab", "a" * 63 + "!"),
]
REFUSED_RULES = [
    "(crm)_\\1",
    "crm_(?=[a-z])[a-z]+",
    "(?<!x)crm",
    "(?>crm)_x",
    "(?:[a-z]{1,64}_?){1,64}",
]


def test_explosive_naming_rules_answer_every_form_and_health_stays_up(
    bots: InProcessBots, tmp_path: Path, figures: Figures
) -> None:
    """Naming rules that explode on a backtracking engine: forms answered, /healthz up."""
    path = tmp_path / "policy.toml"
    channels = [f"C0RULE{n}" for n in range(len(EXPLOSIVE_RULES))]
    path.write_text(
        "".join(
            f"[channels.{channel}]\nsend_id_pattern = '{pattern}'\nsend_id_example = '{example}'\n"
            for channel, (pattern, example, _) in zip(channels, EXPLOSIVE_RULES, strict=True)
        )
    )
    bot = bots.start(sendid_policy_file=str(path), sendid_allowed_channels=",".join(channels))
    slowest_form = slowest_health = 0.0
    frozen = 0
    with ThreadPoolExecutor(max_workers=len(channels) + 1) as pool:
        for _ in range(3):
            forms = [
                pool.submit(timed_form, bot, channel, send_id)
                for channel, (_, _, send_id) in zip(channels, EXPLOSIVE_RULES, strict=True)
            ]
            health = pool.submit(timed_get, bot, "/healthz")
            for form in forms:
                took, answered = form.result()
                slowest_form = max(slowest_form, took)
                frozen += int(took > SLACK_ACK_SECONDS or not answered)
            took, status = health.result()
            slowest_health = max(slowest_health, took)
            frozen += int(took > SLACK_ACK_SECONDS or status != 200)
    figures.bad_inputs += 3 * len(channels)
    figures.take_http(bot)
    figures.count("frozen_replicas", frozen)
    figures.notes["slowest form answer (s)"] = round(slowest_form, 3)
    figures.notes["slowest /healthz during the forms (s)"] = round(slowest_health, 3)
    figures.notes["before the fix (measured at 7707aad)"] = (
        "'^([a-z0-9]+_?)+$' on Python's re: a 24-character send ID took 2.5 s, 22 took 0.75 s "
        "(each character more doubles it: 30 about 3 minutes, 64 never), holding the GIL"
    )
    assert frozen == 0

    # What RE2 cannot run in linear time stops start-up instead.
    refused = 0
    for pattern in REFUSED_RULES:
        figures.bad_inputs += 1
        try:
            naming_rule(pattern)
        except ValueError:
            refused += 1
    figures.notes["patterns refused at start-up (backtracking-only, too large)"] = (
        f"{refused} of {len(REFUSED_RULES)}"
    )
    assert refused == len(REFUSED_RULES)


SLACK_ACK_SECONDS = 3.0  # a form answered later than Slack waits counts as frozen


def timed_form(bot: SlackDriver, channel: str, send_id: str) -> tuple[float, bool]:
    """Open the form in `channel` and submit `send_id`: (seconds to the answer, whether the
    naming rule refused it inline)."""
    view = bot.open_form(channel=channel)
    started = time.monotonic()
    answer = bot.submit(view, {"campaign_id": CAMPAIGN, "send_id": send_id})
    took = time.monotonic() - started
    body = answer.json() if answer.status == 200 else None
    errors = body.get("errors", {}) if isinstance(body, dict) else {}
    return took, "naming rule" in str(errors.get("send_id", ""))


def timed_get(bot: SlackDriver, path: str) -> tuple[float, int]:
    started = time.monotonic()
    status = bot.get(path).status
    return time.monotonic() - started, status


# ---- item 4: a private channel's requests reach only its members ---------------------------------

ELSEWHERE = "U0ELSEWHERE"  # approves everywhere, is no member of PRIVATE_CHANNEL
MEMBERS = {APPROVER, GROUP_APPROVER}  # the approvers who are members of PRIVATE_CHANNEL


def test_a_private_channels_request_reaches_no_non_member_by_dm_or_click(
    bots: InProcessBots, tmp_path: Path, figures: Figures
) -> None:
    """notify = "dm" in a private channel: only members are DMed; a non-member's clicks fail."""
    path = tmp_path / "policy.toml"
    path.write_text('[defaults]\nnotify = "dm"\n', encoding="utf-8")
    bot = bots.start(
        sendid_policy_file=str(path),
        sendid_approvers=f"{APPROVER},S0APPROVERS,{ELSEWHERE}",
        sendid_admins=f"{APPROVER},{ELSEWHERE}",
    )
    slack = bot.slack
    request = bot.request(CAMPAIGN, "private_24", channel=PRIVATE_CHANNEL)
    slack.wait_for_calls("chat.postMessage", 2, lambda c: c.params["channel"] in MEMBERS)
    for action in (APPROVE, REJECT):
        bot.home_click(action, request.id, user=ELSEWHERE)
    bot.runtime.service.notices.record_dm(request.id, ELSEWHERE)  # a DM sent before the rule
    bot.click(APPROVE, request.id, user=ELSEWHERE, channel="D0ELSEWHERE")
    slack.wait_for_calls("chat.postMessage", 3, lambda c: c.params["channel"] == ELSEWHERE)
    decided_by_outsider = int(stored(bot.store, request.id).state is not RequestState.PENDING)
    told = [
        c.params for c in slack.calls_to("chat.postMessage") if c.params["channel"] == ELSEWHERE
    ]
    leaked = sum("private_24" in str(params) or CAMPAIGN in str(params) for params in told)
    figures.bad_inputs += 3
    figures.count("state_changes", decided_by_outsider)
    figures.notes["DMs showing the request to a non-member"] = leaked
    figures.notes["non-member clicks (App Home, DM) that acted"] = decided_by_outsider
    figures.notes["before the fix (as issue 24 reports it)"] = (
        "the non-member approver was DMed requester, campaign and send ID; their App Home "
        "Approve succeeded"
    )
    bot.home_click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    figures.take_http(bot)
    assert leaked == 0 and decided_by_outsider == 0


# ---- item 5: admins in a large group always have a working Retry ---------------------------------


def test_admins_in_a_large_group_retry_a_setup_failure_from_the_thread(
    bots: InProcessBots, braze: BrazeStandIn, figures: Figures
) -> None:
    """SENDID_ADMINS a group of 25, Braze 401: the thread's Retry works for them alone."""
    members = [f"U0ADMIN{n:02d}" for n in range(25)]
    bots.slack.usergroups["S0ADMINS"] = members
    bot = bots.start(sendid_admins="S0ADMINS")
    braze.fail_next(CREATE_PATH, 401, {"message": "Invalid API key"})
    request = bot.request(CAMPAIGN, "admins_25")
    bot.click(APPROVE, request.id, user=APPROVER)
    wait_for_state(bot.store, request.id, RequestState.FAILED, announced=True)
    reply = bot.wait_for_thread_reply(request)[0].params
    retries = [b for b in buttons(reply.get("blocks")) if b["action_id"] == RETRY]
    bot.click(RETRY, request.id, user=APPROVER)  # not an admin: refused
    bot.wait_for_ephemeral(APPROVER, "Only the bot's admins")
    refused_ok = stored(bot.store, request.id).state is RequestState.FAILED
    bot.click(RETRY, request.id, user=members[-1])
    done = wait_for_state(bot.store, request.id, RequestState.CREATED, announced=True)
    figures.faults["HTTP 401 from /sends/id/create"] += 1
    figures.notes["Retry buttons in the thread"] = len(retries)
    figures.notes["admins DMed (group over the DM limit)"] = len(
        [c for c in bot.slack.calls_to("chat.postMessage") if c.params["channel"] in members]
    )
    figures.notes["before the fix (as issue 24 reports it)"] = (
        "no DM, no Retry anywhere; the same send ID refused as in progress for ever"
    )
    figures.take_http(bot)
    assert retries and refused_ok and done.created_send_id == "admins_25"


# ---- item 7: housekeeping reads only what it acts on ---------------------------------------------


def test_housekeeping_rounds_stay_short_with_100000_stored_requests(
    tmp_path: Path, figures: Figures
) -> None:
    """100,000 stored requests (50,000 failed long ago): one housekeeping round's queries."""
    url = f"sqlite:///{tmp_path / 'big.db'}"
    seed_ended_requests(url, 100_000)
    timings = time_housekeeping_queries(url)
    figures.notes.update({f"{name} (s)": round(seconds, 4) for name, seconds in timings.items()})
    figures.notes["before the fix (measured at 7707aad, same seeding)"] = (
        "quota is back 1.553 s, lost replies 0.071 s (PostgreSQL: 1.491 s, 0.028 s)"
    )
    assert max(timings.values()) < 1.0
