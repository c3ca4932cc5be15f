"""The policy file's approvals_required (issue 25): per channel and in [defaults], 1 unless set."""

from __future__ import annotations

import pytest

from bot.domain.policy_file import MAX_APPROVALS, PolicyFileError, parse_policy
from tests.support.constants import CHANNEL, PRIVATE_CHANNEL

S = "SENDID_POLICY_FILE"
PERMITTED = (CHANNEL, PRIVATE_CHANNEL)


def test_one_approval_unless_set_and_a_channel_replaces_the_default() -> None:
    assert parse_policy("", permitted_channels=PERMITTED).rules_for(CHANNEL).approvals_required == 1
    policy = parse_policy(
        f"[defaults]\napprovals_required = 2\n[channels.{CHANNEL}]\napprovals_required = 3\n"
        f"[channels.{PRIVATE_CHANNEL}]\nttl_hours = 1\n",
        permitted_channels=PERMITTED,
    )
    assert policy.defaults.approvals_required == 2
    assert policy.rules_for(CHANNEL).approvals_required == 3
    assert policy.rules_for(PRIVATE_CHANNEL).approvals_required == 2  # inherited


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", f"must be a whole number from 1 to {MAX_APPROVALS}, not 0"),
        ("11", f"must be a whole number from 1 to {MAX_APPROVALS}, not 11"),
        ("2.0", f"must be a whole number from 1 to {MAX_APPROVALS}, not 2.0"),
        ("true", "must be a whole number such as 2, not true/false"),
        ('"2"', "must be a whole number such as 2, not a string"),
    ],
)
def test_anything_but_a_whole_number_from_1_to_the_maximum_is_one_line(
    value: str, message: str
) -> None:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy(
            f"[channels.{CHANNEL}]\napprovals_required = {value}\n", permitted_channels=PERMITTED
        )
    assert caught.value.problems == [f"{S}: channels.{CHANNEL}.approvals_required: {message}"]
