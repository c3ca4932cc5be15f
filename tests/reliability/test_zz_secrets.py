"""Secrets: nothing the whole suite made the bot say contains the Braze key or a Slack token.

Runs last (see conftest). It reads what the session watch collected from every scenario: each
log line (in-process records through the bot's own log formatter, and the log files of every
`python -m bot` process, one of them at DEBUG level), every call any Slack or Braze stand-in
received (apart from the Authorization header each needs) and every answer the bot gave.
"""

from __future__ import annotations

import pytest

from tests.reliability.harness import WATCH, Figures
from tests.support.constants import SECRETS


def test_no_secret_reaches_a_log_line_a_slack_message_or_an_answer(figures: Figures) -> None:
    """No Braze key or Slack token in any log line, Slack message, Braze request or answer."""
    WATCH.detach()  # what other test suites log afterwards is theirs
    result = WATCH.scan()
    if not result["slack_calls"]:
        pytest.skip("nothing was collected: run it with the rest of tests/reliability")
    leaks = result.pop("leaks")
    figures.notes.update(result)
    figures.notes["secrets searched for"] = ", ".join(SECRETS)
    figures.bad_inputs = 0
    figures.count("leaked_secrets", len(leaks))
    assert not leaks, leaks[:20]
