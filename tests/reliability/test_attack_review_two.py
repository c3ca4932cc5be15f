"""Attack review, part two (issue 12, items 3, 4, 5 and 9): forms, per-person limits, the audit
export, and Slack's error strings.

Each scenario drives a running bot over its real HTTP endpoint with signed requests, does what
the review did, and counts what came of it; every scenario ends with the suite's consistency
check.
"""

from __future__ import annotations

from bot.domain.models import RequestState
from tests.reliability.harness import Figures, Scenario
from tests.support.bots import clean_env
from tests.support.constants import (
    APPROVE,
    APPROVER,
    BOT_TOKEN,
    GROUP_APPROVER,
    REQUESTER,
    SIGNING_SECRET,
)
from tests.support.processes import Processes
from tests.support.spreadsheets import SEPARATORS, cells, formula_cells
from tests.support.waits import find_stored, wait_for_state, wait_until


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
