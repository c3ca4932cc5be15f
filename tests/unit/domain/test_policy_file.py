"""bot.domain.policy_file: the per-channel policy file, its validation, and its rules."""

from __future__ import annotations

import os
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import policy_file as pf
from bot.domain.errors import ConfigurationError
from bot.domain.policy import ApproverSet
from bot.domain.policy_file import (
    EMPTY_POLICY_FILE,
    ChannelRules,
    PolicyFile,
    PolicyFileError,
    approver_set,
    campaign_allowed_problem,
    load_policy_file,
    parse_policy,
    send_id_pattern_problem,
)
from bot.domain.problems import Problem
from tests.support.constants import CAMPAIGN, CHANNEL, OTHER_CHANNEL, PRIVATE_CHANNEL

EXAMPLE = Path(__file__).resolve().parents[3] / "policy.example.toml"
PERMITTED = (CHANNEL, OTHER_CHANNEL, PRIVATE_CHANNEL)
OTHER_CAMPAIGN = "9b2e4f60-1a3c-4d5e-8f70-0a1b2c3d4e5f"
S = "SENDID_POLICY_FILE"


def parse(text: str, permitted: tuple[str, ...] = PERMITTED) -> PolicyFile:
    return parse_policy(text, permitted_channels=permitted)


def problems_of(text: str, permitted: tuple[str, ...] = PERMITTED) -> list[str]:
    with pytest.raises(PolicyFileError) as caught:
        parse(text, permitted)
    return caught.value.problems


def rules(**fields: Any) -> ChannelRules:
    return ChannelRules(**fields)


# ---- the example file ---------------------------------------------------------------------------


def example_channels() -> list[str]:
    with EXAMPLE.open("rb") as handle:
        return list(tomllib.load(handle)["channels"])


def test_the_example_file_is_valid_when_its_channels_are_permitted() -> None:
    policy = load_policy_file(EXAMPLE, permitted_channels=example_channels())
    assert set(policy.channels) == set(example_channels())


def test_the_example_file_shows_a_channel_with_its_own_rules() -> None:
    policy = load_policy_file(EXAMPLE, permitted_channels=example_channels())
    crm = policy.rules_for("C0123456789")
    assert crm.approvers == ("U0AAAA111",)
    assert crm.ttl == timedelta(hours=4)
    assert crm.campaigns == frozenset({CAMPAIGN, OTHER_CAMPAIGN})  # upper case normalised
    assert send_id_pattern_problem(crm, "crm_welcome_1") is None
    assert send_id_pattern_problem(crm, "spring_sale") is not None


def test_the_example_file_shows_a_channel_lifting_the_default_naming_rule() -> None:
    policy = load_policy_file(EXAMPLE, permitted_channels=example_channels())
    tests = policy.rules_for("G0987654321")
    assert tests.send_id_pattern is None
    assert tests.send_id_example is None
    assert tests.ttl == timedelta(minutes=30)
    assert tests.approvers == policy.defaults.approvers


def test_the_example_file_refuses_its_channels_when_they_are_not_permitted() -> None:
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(EXAMPLE, permitted_channels=[CHANNEL])
    assert len(caught.value.problems) == len(example_channels())
    assert all("SENDID_ALLOWED_CHANNELS" in line for line in caught.value.problems)


# ---- merging: channel, then defaults, then the environment --------------------------------------


DEFAULTS = f"""
[defaults]
approvers = ["U0LEAD", "S0LEADS"]
ttl_hours = 24
campaigns = ["{CAMPAIGN}"]
send_id_pattern = '[a-z_]+'
send_id_example = "spring_sale"
"""


def test_a_channel_without_a_section_gets_the_defaults() -> None:
    policy = parse(DEFAULTS)
    assert policy.rules_for(CHANNEL) == policy.defaults
    assert policy.defaults.approvers == ("U0LEAD", "S0LEADS")
    assert policy.defaults.ttl == timedelta(hours=24)


def test_a_channel_overrides_the_defaults_field_by_field() -> None:
    policy = parse(DEFAULTS + f"[channels.{CHANNEL}]\nttl_hours = 2\n")
    merged = policy.rules_for(CHANNEL)
    assert merged.ttl == timedelta(hours=2)
    assert merged.approvers == ("U0LEAD", "S0LEADS")
    assert merged.campaigns == frozenset({CAMPAIGN})
    assert merged.send_id_example == "spring_sale"
    assert policy.rules_for(OTHER_CHANNEL).ttl == timedelta(hours=24)


def test_a_channels_approvers_replace_the_default_approvers_rather_than_adding_to_them() -> None:
    policy = parse(DEFAULTS + f'[channels.{CHANNEL}]\napprovers = ["U0CRM"]\n')
    assert policy.rules_for(CHANNEL).approvers == ("U0CRM",)


def test_a_channels_pattern_comes_with_its_own_example() -> None:
    text = DEFAULTS + f"[channels.{CHANNEL}]\nsend_id_pattern = 'crm_[0-9]+'\n"
    text += 'send_id_example = "crm_1"\n'
    merged = parse(text).rules_for(CHANNEL)
    assert merged.send_id_pattern is not None
    assert merged.send_id_pattern.pattern == "crm_[0-9]+"
    assert merged.send_id_example == "crm_1"


def test_campaigns_any_lifts_the_default_allow_list_for_one_channel() -> None:
    policy = parse(DEFAULTS + f'[channels.{CHANNEL}]\ncampaigns = "any"\n')
    assert policy.rules_for(CHANNEL).campaigns is None
    assert policy.rules_for(OTHER_CHANNEL).campaigns == frozenset({CAMPAIGN})


def test_an_empty_pattern_lifts_the_default_naming_rule_for_one_channel() -> None:
    policy = parse(DEFAULTS + f"[channels.{CHANNEL}]\nsend_id_pattern = ''\n")
    assert policy.rules_for(CHANNEL).send_id_pattern is None
    assert policy.rules_for(CHANNEL).send_id_example is None
    assert policy.rules_for(OTHER_CHANNEL).send_id_pattern is not None


def test_what_neither_the_file_nor_the_channel_sets_is_left_to_the_environment() -> None:
    policy = parse(f"[channels.{CHANNEL}]\nttl_hours = 1\n")
    merged = policy.rules_for(CHANNEL)
    assert merged.approvers is None  # SENDID_APPROVERS
    assert merged.campaigns is None  # any campaign
    assert merged.send_id_pattern is None
    assert policy.rules_for(OTHER_CHANNEL).ttl is None  # SENDID_REQUEST_TTL_HOURS


def test_approvers_are_mentioned_unless_a_channel_says_dm_or_none() -> None:
    policy = parse(f'[defaults]\nnotify = "dm"\n\n[channels.{CHANNEL}]\nnotify = "none"\n')
    assert policy.rules_for(CHANNEL).notify == "none"
    assert policy.rules_for(PRIVATE_CHANNEL).notify == "dm"
    assert parse("").rules_for(CHANNEL).notify == "mention"


def test_a_channels_language_overrides_the_defaults_and_is_unset_without_either() -> None:
    policy = parse(f'[defaults]\nlanguage = "de"\n\n[channels.{CHANNEL}]\nlanguage = "en"\n')
    assert policy.rules_for(CHANNEL).language == "en"
    assert policy.rules_for(PRIVATE_CHANNEL).language == "de"
    assert parse("").rules_for(CHANNEL).language is None


def test_an_empty_file_sets_nothing() -> None:
    assert parse("") == EMPTY_POLICY_FILE
    assert EMPTY_POLICY_FILE.rules_for(CHANNEL) == ChannelRules()


def test_approver_ids_are_trimmed_and_deduplicated_in_order() -> None:
    policy = parse('[defaults]\napprovers = [" U0LEAD ", "S0LEADS", "U0LEAD"]\n')
    assert policy.defaults.approvers == ("U0LEAD", "S0LEADS")


def test_campaign_ids_are_normalised_like_the_request_form_does() -> None:
    policy = parse(f'[defaults]\ncampaigns = ["  {CAMPAIGN.upper()} ", "{CAMPAIGN}"]\n')
    assert policy.defaults.campaigns == frozenset({CAMPAIGN})


def test_ttl_hours_may_be_a_fraction_and_at_most_thirty_days() -> None:
    assert parse("[defaults]\nttl_hours = 0.25\n").defaults.ttl == timedelta(minutes=15)
    assert parse("[defaults]\nttl_hours = 720\n").defaults.ttl == timedelta(days=30)


def test_a_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(b"\xef\xbb\xbf[defaults]\nttl_hours = 3\n")
    policy = load_policy_file(path, permitted_channels=PERMITTED)
    assert policy.defaults.ttl == timedelta(hours=3)


def test_the_parsed_policy_cannot_be_changed() -> None:
    policy = parse(f"[channels.{CHANNEL}]\nttl_hours = 1\n")
    with pytest.raises(TypeError):
        policy.channels[OTHER_CHANNEL] = ChannelRules()  # type: ignore[index]


# ---- each kind of problem gives exactly one clear line -------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param(
            "[defaults\nttl_hours = 1\n",
            f"{S}: not valid TOML: Expected ']' at the end of a table declaration "
            "(at line 1, column 10)",
            id="toml-syntax-with-line-and-column",
        ),
        pytest.param(
            "[default]\nttl_hours = 1\n",
            f"{S}: default: unknown key (did you mean defaults? known: defaults, channels, "
            "workspaces)",
            id="unknown-top-level-key",
        ),
        pytest.param(
            "[defaults]\nttl = 1\n",
            f"{S}: defaults.ttl: unknown key (known: approvers, campaigns, send_id_pattern, "
            "send_id_example, ttl_hours, braze_workspace, notify, language, approvals_required)",
            id="unknown-key-in-defaults",
        ),
        pytest.param(
            f"[channels.{CHANNEL}]\napprover = ['U0LEAD']\n",
            f"{S}: channels.{CHANNEL}.approver: unknown key (did you mean approvers? known: "
            "approvers, campaigns, send_id_pattern, send_id_example, ttl_hours, "
            "braze_workspace, notify, language, approvals_required)",
            id="unknown-key-in-a-channel",
        ),
        pytest.param(
            "defaults = 3\n",
            f"{S}: defaults: must be a table of settings, not a number",
            id="defaults-not-a-table",
        ),
        pytest.param(
            'channels = ["C0CAMPAIGNS"]\n',
            f"{S}: channels: must be a table of channel sections such as "
            "[channels.C0123ABCD], not a list",
            id="channels-not-a-table",
        ),
        pytest.param(
            f"[channels]\n{CHANNEL} = 4\n",
            f"{S}: channels.{CHANNEL}: must be a table of settings, not a number",
            id="channel-section-not-a-table",
        ),
        pytest.param(
            '[channels."#marketing"]\nttl_hours = 1\n',
            f'{S}: channels."#marketing": not a channel ID (C… or G…, from the channel\'s '
            "details; channels are matched by ID, not by name, and direct messages are never "
            "permitted)",
            id="channel-name-instead-of-id",
        ),
        pytest.param(
            "[channels.D0DIRECT]\nttl_hours = 1\n",
            f"{S}: channels.D0DIRECT: not a channel ID (C… or G…, from the channel's details; "
            "channels are matched by ID, not by name, and direct messages are never permitted)",
            id="direct-message",
        ),
        pytest.param(
            "[channels.c0campaigns]\nttl_hours = 1\n",
            f"{S}: channels.c0campaigns: not a channel ID (channel IDs are upper case: "
            "C0CAMPAIGNS)",
            id="lower-case-channel-id",
        ),
        pytest.param(
            "[channels.C0ELSEWHERE]\nttl_hours = 1\n",
            f"{S}: channels.C0ELSEWHERE: not in SENDID_ALLOWED_CHANNELS (add the channel "
            "there, or remove this section)",
            id="channel-not-permitted",
        ),
        pytest.param(
            '[defaults]\napprovers = "U0LEAD"\n',
            f"{S}: defaults.approvers: must be a list of user IDs (U…/W…) and user group IDs "
            '(S…) such as ["U0123ABCD"], not a string',
            id="approvers-not-a-list",
        ),
        pytest.param(
            "[defaults]\napprovers = []\n",
            f"{S}: defaults.approvers: must not be empty (omit the key to use the defaults)",
            id="approvers-empty",
        ),
        pytest.param(
            '[defaults]\napprovers = ["U0LEAD", "C0CAMPAIGNS", "@anna", 7]\n',
            f"{S}: defaults.approvers: not user IDs (U…/W…) or user group IDs (S…): "
            '"C0CAMPAIGNS", "@anna", a number',
            id="approvers-not-ids",
        ),
        pytest.param(
            '[defaults]\nttl_hours = "24"\n',
            f"{S}: defaults.ttl_hours: must be a number of hours, not a string",
            id="ttl-a-string",
        ),
        pytest.param(
            "[defaults]\nttl_hours = true\n",
            f"{S}: defaults.ttl_hours: must be a number of hours, not true/false",
            id="ttl-a-boolean",
        ),
        pytest.param(
            "[defaults]\nttl_hours = 0\n",
            f"{S}: defaults.ttl_hours: must be more than 0 and at most 720 (30 days), not 0",
            id="ttl-zero",
        ),
        pytest.param(
            "[defaults]\nttl_hours = 721\n",
            f"{S}: defaults.ttl_hours: must be more than 0 and at most 720 (30 days), not 721",
            id="ttl-too-long",
        ),
        pytest.param(
            "[defaults]\nttl_hours = nan\n",
            f"{S}: defaults.ttl_hours: must be more than 0 and at most 720 (30 days), not nan",
            id="ttl-not-a-number",
        ),
        pytest.param(
            "[defaults]\ncampaigns = []\n",
            f'{S}: defaults.campaigns: must not be empty (write "any" to allow every campaign, '
            "or omit the key to use the defaults)",
            id="campaigns-empty",
        ),
        pytest.param(
            '[defaults]\ncampaigns = "all"\n',
            f'{S}: defaults.campaigns: must be a list of campaign IDs, or "any" for every '
            'campaign, not "all"',
            id="campaigns-a-wrong-word",
        ),
        pytest.param(
            f'[defaults]\ncampaigns = ["{CAMPAIGN}", "Spring Sale"]\n',
            f'{S}: defaults.campaigns: not campaign IDs (UUIDs, 8-4-4-4-12 hex digits): "Spring '
            'Sale"',
            id="campaigns-not-uuids",
        ),
        pytest.param(
            "[channels.C0CAMPAIGNS]\nsend_id_pattern = '(crm_'\nsend_id_example = 'crm_1'\n",
            f"{S}: channels.C0CAMPAIGNS.send_id_pattern: not a valid regular expression "
            "(missing ), unterminated subpattern at position 0)",
            id="pattern-does-not-compile",
        ),
        pytest.param(
            "[defaults]\nsend_id_pattern = 5\nsend_id_example = 'crm_1'\n",
            f"{S}: defaults.send_id_pattern: must be a regular expression in a string, "
            "not a number",
            id="pattern-not-a-string",
        ),
        pytest.param(
            "[defaults]\nsend_id_pattern = 'crm_[0-9]+'\n",
            f"{S}: defaults.send_id_example: missing (required with send_id_pattern: the "
            "request form shows it to users)",
            id="pattern-without-example",
        ),
        pytest.param(
            "[defaults]\nsend_id_example = 'crm_1'\n",
            f"{S}: defaults.send_id_example: given without send_id_pattern (set both in the "
            "same table)",
            id="example-without-pattern",
        ),
        pytest.param(
            "[defaults]\nsend_id_pattern = ''\nsend_id_example = 'crm_1'\n",
            f'{S}: defaults.send_id_example: not allowed with send_id_pattern = "" (no naming '
            "rule, nothing to exemplify)",
            id="example-with-the-empty-pattern",
        ),
        pytest.param(
            "[defaults]\nsend_id_pattern = 'crm_[0-9]+'\nsend_id_example = 'spring_1'\n",
            f'{S}: defaults.send_id_example: "spring_1" does not match send_id_pattern',
            id="example-does-not-match",
        ),
        pytest.param(
            "[defaults]\nsend_id_pattern = 'crm_[0-9]+'\nsend_id_example = 'crm_12x'\n",
            f'{S}: defaults.send_id_example: "crm_12x" does not match send_id_pattern',
            id="example-matches-only-a-prefix",
        ),
        pytest.param(
            "[defaults]\nsend_id_pattern = '.+'\nsend_id_example = 'crm 1'\n",
            f'{S}: defaults.send_id_example: "crm 1" is not a valid send ID (printable ASCII '
            "characters only, no spaces)",
            id="example-with-a-space",
        ),
        pytest.param(
            f"[defaults]\nsend_id_pattern = '.+'\nsend_id_example = '{'a' * 65}'\n",
            f'{S}: defaults.send_id_example: "{"a" * 39}…" is not a valid send ID (at most 64 '
            "characters)",
            id="example-too-long",
        ),
        pytest.param(
            "[defaults]\nsend_id_pattern = '.*'\nsend_id_example = ''\n",
            f"{S}: defaults.send_id_example: must not be empty",
            id="example-empty",
        ),
        pytest.param(
            "[defaults]\nsend_id_pattern = '.*'\nsend_id_example = 1\n",
            f"{S}: defaults.send_id_example: must be a string, not a number",
            id="example-not-a-string",
        ),
        pytest.param(
            '[defaults]\nnotify = "slack"\n',
            f'{S}: defaults.notify: "slack" is not one of "mention", "dm", "none"',
            id="notify-unknown",
        ),
        pytest.param(
            '[defaults]\nlanguage = "fr"\n',
            f'{S}: defaults.language: "fr" is not one of "en", "de"',
            id="language-unknown",
        ),
        pytest.param(
            "[defaults]\nnotify = true\n",
            f'{S}: defaults.notify: must be "mention", "dm" or "none" in a string, not true/false',
            id="notify-not-a-string",
        ),
    ],
)
def test_each_kind_of_problem_is_reported_in_one_line(text: str, line: str) -> None:
    assert problems_of(text) == [line]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`tmp_path` as the working directory, as a relative path: problem lines show a path of
    over 80 characters shortened, and a test's temporary directory can be that long."""
    monkeypatch.chdir(tmp_path)
    return Path()


def test_a_missing_file_is_reported_with_its_path(here: Path) -> None:
    path = here / "nope.toml"
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(path, permitted_channels=PERMITTED)
    assert caught.value.problems == [f"{S}: {path}: file not found"]


def test_a_directory_is_not_a_policy_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(tmp_path, permitted_channels=PERMITTED)
    assert caught.value.problems == [f"{S}: {tmp_path}: is a directory, not a file"]


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (PermissionError(13, "Permission denied"), "permission denied"),
        (OSError(5, "Input/output error"), "cannot read (Input/output error)"),
    ],
)
def test_an_unreadable_file_is_reported(
    here: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, said: str
) -> None:
    # Simulated: the tests may run as root, who can read a file whatever its mode.
    path = here / "policy.toml"
    path.write_text("[defaults]\n")

    def refuse(_self: Path) -> bytes:
        raise error

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(path, permitted_channels=PERMITTED)
    assert caught.value.problems == [f"{S}: {path}: {said}"]


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file"
)
def test_a_file_without_read_permission_is_reported(here: Path) -> None:
    path = here / "policy.toml"
    path.write_text("[defaults]\n")
    path.chmod(0)
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(path, permitted_channels=PERMITTED)
    assert caught.value.problems == [f"{S}: {path}: permission denied"]


def test_a_file_that_is_not_utf8_is_reported(here: Path) -> None:
    path = here / "policy.toml"
    path.write_bytes(b"[defaults]\n# caf\xe9\n")
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(path, permitted_channels=PERMITTED)
    assert caught.value.problems == [f"{S}: {path}: not UTF-8 text (bad byte at offset 16)"]


def test_a_very_long_path_is_shortened_from_the_left() -> None:
    path = "/" + "deep/" * 40 + "policy.toml"
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(path, permitted_channels=PERMITTED)
    [line] = caught.value.problems
    assert line.endswith("policy.toml: file not found")
    assert len(line) < 120


def test_the_variable_name_in_the_lines_can_be_changed() -> None:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy("x = 1", permitted_channels=(), source="policy.toml")
    assert caught.value.problems[0].startswith("policy.toml: x: unknown key")


# ---- several problems, long values --------------------------------------------------------------


def test_every_problem_in_the_file_is_reported_at_once_in_file_order() -> None:
    text = """
colour = "blue"

[defaults]
approvers = []
ttl_hours = -1

[channels.C0ELSEWHERE]
send_id_pattern = '[a-z'
send_id_example = "abc"

[channels.C0CAMPAIGNS]
campaigns = ["not-a-uuid"]
send_id_pattern = 'crm_.+'
"""
    lines = problems_of(text)
    assert [line.split(": ")[1] for line in lines] == [
        "colour",
        "defaults.approvers",
        "defaults.ttl_hours",
        "channels.C0ELSEWHERE",
        "channels.C0ELSEWHERE.send_id_pattern",
        "channels.C0CAMPAIGNS.campaigns",
        "channels.C0CAMPAIGNS.send_id_example",
    ]
    assert all(line.startswith(f"{S}: ") for line in lines)


def test_long_values_and_keys_are_cut_short_in_problem_lines() -> None:
    long_id = "X" * 500
    text = f'[defaults]\napprovers = ["{long_id}"]\n\n[channels."{"c" * 300}"]\nttl_hours = 1\n'
    lines = problems_of(text)
    assert len(lines) == 2
    assert all(len(line) < 250 for line in lines)
    assert all("…" in line for line in lines)
    assert long_id not in "\n".join(lines)


def test_control_characters_in_values_are_escaped_in_problem_lines() -> None:
    [line] = problems_of('[defaults]\napprovers = ["U0\\u001b[31mRED"]\n')
    assert "\x1b" not in line
    assert "\\u001b" in line


def test_a_long_list_of_bad_ids_names_the_first_few_and_counts_the_rest() -> None:
    bad = ", ".join(f'"bad{i}"' for i in range(8))
    [line] = problems_of(f"[defaults]\napprovers = [{bad}]\n")
    assert line.endswith('"bad4" and 3 more')


def test_a_policy_file_error_is_a_configuration_error_so_start_up_exits_with_code_2() -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse("[defaults]\nttl_hours = 0\n[channels.C0ELSEWHERE]\n")
    assert str(caught.value) == "\n".join(caught.value.problems)
    assert len(caught.value.problems) == 2


# Any shape a TOML file can have, with keys and values near the real ones.
_KEYS = [
    *pf.PolicyTables.model_fields,
    *pf.RulesTable.model_fields,
    *pf.WorkspaceTable.model_fields,
]
_NAMES = st.sampled_from([*_KEYS, CHANNEL, "c0low", "#name", "default", "eu", "e u", "x"])
_SCALARS = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.dates(),
    st.sampled_from(
        ["any", "", "(", "eu", "dm", "U0LEAD", CAMPAIGN, "https://rest.iad-01.braze.com"]
    ),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_NAMES, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_NAMES, _VALUES, max_size=4))
def test_any_document_gives_a_policy_or_one_clear_line_per_problem(document: dict) -> None:
    with mock.patch.object(pf.tomllib, "loads", return_value=document):
        try:
            parse("")
        except PolicyFileError as error:
            assert error.problems
            for line in error.problems:
                assert line.startswith(f"{S}: ")
                assert "Input should" not in line and "Value error" not in line  # all worded


# ---- the naming rule at submit ------------------------------------------------------------------


CRM = rules(send_id_pattern=re.compile("crm_[a-z0-9_]+"), send_id_example="crm_welcome_1")


def test_without_a_naming_rule_any_send_id_or_none_passes() -> None:
    assert send_id_pattern_problem(ChannelRules(), "whatever") is None
    assert send_id_pattern_problem(ChannelRules(), None) is None


def test_a_send_id_following_the_naming_rule_passes() -> None:
    assert send_id_pattern_problem(CRM, "crm_spring_2026") is None


def test_a_send_id_breaking_the_naming_rule_is_refused_with_the_example() -> None:
    assert send_id_pattern_problem(CRM, "spring_2026") == Problem(
        "send_id_pattern", {"example": "crm_welcome_1"}
    )


def test_the_naming_rule_must_match_the_whole_send_id() -> None:
    assert send_id_pattern_problem(CRM, "crm_ok-but-not-this") is not None
    assert send_id_pattern_problem(CRM, "x_crm_ok") is not None


@pytest.mark.parametrize("blank", [None, ""])
def test_with_a_naming_rule_a_blank_send_id_is_refused_as_braze_would_not_follow_it(
    blank: str | None,
) -> None:
    assert send_id_pattern_problem(CRM, blank) == Problem(
        "send_id_required", {"example": "crm_welcome_1"}
    )


def test_a_send_id_breaking_the_general_rules_is_left_to_the_general_check() -> None:
    assert send_id_pattern_problem(CRM, "crm_" + "a" * 100) is None
    assert send_id_pattern_problem(CRM, "crm_a b") is None


# ---- the campaign allow-list at submit ----------------------------------------------------------


ONLY_ONE = rules(campaigns=frozenset({CAMPAIGN}))


def test_without_an_allow_list_any_campaign_passes() -> None:
    assert campaign_allowed_problem(ChannelRules(), OTHER_CAMPAIGN) is None


def test_a_listed_campaign_passes_in_any_case_and_with_spaces() -> None:
    assert campaign_allowed_problem(ONLY_ONE, CAMPAIGN) is None
    assert campaign_allowed_problem(ONLY_ONE, f"  {CAMPAIGN.upper()} ") is None


def test_a_campaign_not_on_the_allow_list_is_refused() -> None:
    assert campaign_allowed_problem(ONLY_ONE, OTHER_CAMPAIGN) == Problem("campaign_not_allowed")


@pytest.mark.parametrize("raw", ["", "   ", "not-a-uuid"])
def test_a_missing_or_malformed_campaign_is_left_to_the_general_check(raw: str) -> None:
    assert campaign_allowed_problem(ONLY_ONE, raw) is None


# ---- approvers -----------------------------------------------------------------------------------


FALLBACK = ApproverSet(user_ids=frozenset({"U0ENV"}), group_ids=frozenset())


def test_a_channel_without_approvers_uses_the_environments_approvers() -> None:
    assert approver_set(ChannelRules(), FALLBACK) is FALLBACK


def test_a_channels_approvers_are_split_into_users_and_user_groups() -> None:
    channel = rules(approvers=("U0LEAD", "W0GRID", "S0LEADS"))
    assert approver_set(channel, FALLBACK) == ApproverSet(
        user_ids=frozenset({"U0LEAD", "W0GRID"}), group_ids=frozenset({"S0LEADS"})
    )


def test_the_new_problem_codes_are_named_for_the_i18n_catalogue() -> None:
    assert pf.CODES == ("send_id_pattern", "send_id_required", "campaign_not_allowed")
