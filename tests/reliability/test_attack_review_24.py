"""Issue 24: the edges a policy editor, another Slack team or time itself can reach.

Each scenario does what the issue describes to a running bot (or to its start-up, for the policy
file) and counts what came of it; the counts that must be zero are in RELIABILITY.md's summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.configuration import load_configuration
from bot.domain.errors import ConfigurationError
from bot.domain.models import RequestState
from bot.settings import load_settings
from tests.reliability.harness import Figures, Scenario
from tests.standins.braze import CREATE_PATH, BrazeStandIn
from tests.support import slack_requests as sr
from tests.support.bots import bot_env, bot_settings
from tests.support.constants import (
    APPROVE,
    APPROVER,
    CANCEL,
    CHANNEL,
    PRIVATE_CHANNEL,
    REJECT,
    REQUESTER,
    RETRY,
)
from tests.support.processes import Processes
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
    wait_for_state(scenario.store, failed.id, RequestState.FAILED)
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
    wait_for_state(scenario.store, waiting.id, RequestState.CREATED)
    scenario.verdict(figures)
    assert len(slack.calls_to("views.open")) == 2  # the two forms of the bot's own requests
