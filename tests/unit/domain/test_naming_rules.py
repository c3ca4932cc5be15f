"""Issue 24, item 1: a policy file's send_id_pattern can never freeze a replica.

Before, `send_id_pattern` ran on Python's backtracking `re`: the first test below, with the
issue's pattern and a 64-character send ID, did not finish (the suite's time-out ended it)."""

from __future__ import annotations

import pytest

from bot.domain import problems
from bot.domain.naming_rules import MAX_PATTERN_LENGTH, naming_rule
from bot.domain.policy_file import PolicyFileError, parse_policy, send_id_pattern_problem
from tests.support.constants import CHANNEL

S = "SENDID_POLICY_FILE"
# Patterns a backtracking engine takes exponential time on, with a send ID that shows it.
EXPLOSIVE = [  # (pattern, an example that follows it, a send ID that does not)
    ("^([a-z0-9]+_?)+$", "spring_1", "a" * 63 + "!"),
    ("(a|a)*b", "aab", "a" * 64),
    ("(a*)*b", "aab", "a" * 64),
    ("^(\\w+\\s?)*$", "spring_1", "a" * 63 + "!"),
    ("(.*a){20}", "a" * 20, "a" * 19 + "b" * 45),
]


def policy(pattern: str, example: str = "ab_c") -> str:
    return f"[channels.{CHANNEL}]\nsend_id_pattern = '{pattern}'\nsend_id_example = '{example}'\n"


def problems_of(text: str) -> list[str]:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy(text, permitted_channels=(CHANNEL,))
    return caught.value.problems


@pytest.mark.parametrize(("pattern", "example", "send_id"), EXPLOSIVE)
def test_patterns_that_explode_on_a_backtracking_engine_answer_a_64_character_send_id(
    pattern: str, example: str, send_id: str
) -> None:
    policy_file = parse_policy(policy(pattern, example), permitted_channels=(CHANNEL,))
    rules = policy_file.rules_for(CHANNEL)
    problem = send_id_pattern_problem(rules, send_id)
    assert problem is not None and problem.code == problems.SEND_ID_PATTERN


def test_a_linear_time_pattern_still_matches_what_it_should() -> None:
    rule = naming_rule("^([a-z0-9]+_?)+$")
    assert rule.fullmatch("spring_sale_2026_") is not None
    assert rule.fullmatch("Spring") is None
    assert rule.pattern == "^([a-z0-9]+_?)+$"


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        ("(crm)_\\1", "invalid escape sequence: \\1"),
        ("crm_(?=[a-z])[a-z0-9]+", "invalid perl operator: (?="),
        ("(?<=crm_)[a-z]+", "invalid perl operator: (?<"),  # RE2 1.1 adds the "="
        ("(?!x)[a-z]+", "invalid perl operator: (?!"),
        ("(?>crm)_[a-z]+", "invalid perl operator: (?>"),
        ("crm_[a-z]++", "bad repetition operator: ++"),
        ("crm_[a-z]+\\Z", "invalid escape sequence: \\Z"),
    ],
)
def test_what_only_backtracking_can_run_stops_start_up_naming_the_key(
    pattern: str, needs: str
) -> None:
    (line,) = problems_of(policy(pattern))
    start, _, end = line.partition(needs)
    assert start == f"{S}: channels.{CHANNEL}.send_id_pattern: is not a pattern RE2 can run (RE2: "
    assert end.endswith(
        "): the bot runs naming rules with RE2, in time linear in the send ID, which has no "
        "backreferences, lookahead, lookbehind, atomic groups or possessive quantifiers (and "
        "spells \\Z as \\z); rewrite it without them"
    )


def test_a_pattern_too_large_to_run_in_bounded_time_is_refused() -> None:
    (line,) = problems_of(policy("(?:[a-z0-9]{1,64}_?){1,64}"))
    assert line.startswith(
        f"{S}: channels.{CHANNEL}.send_id_pattern: is too large to run in bounded time (RE2: "
        "invalid repetition size: {1,64}); simplify the counted repetitions"
    )


def test_a_pattern_over_the_length_bound_is_refused() -> None:
    long = "[a-z]" * (MAX_PATTERN_LENGTH // 5 + 1)
    assert problems_of(policy(long)) == [
        f"{S}: channels.{CHANNEL}.send_id_pattern: is {len(long)} characters long; a naming rule "
        f"may have at most {MAX_PATTERN_LENGTH}"
    ]


def test_no_regular_expression_at_all_keeps_pythons_own_words() -> None:
    assert problems_of(policy("(crm_")) == [
        f"{S}: channels.{CHANNEL}.send_id_pattern: not a valid regular expression (missing ), "
        "unterminated subpattern at position 0)"
    ]
