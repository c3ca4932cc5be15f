"""bot.configuration: the policy file and every Braze workspace's key, checked at start-up."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot.configuration import (
    Configuration,
    load_configuration,
    process_environment,
)
from bot.domain.errors import ConfigurationError
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.settings import Settings, load_settings
from tests.support.constants import (
    APPROVER,
    BOT_TOKEN,
    BRAZE_KEY,
    BRAZE_KEY_EU,
    CHANNEL,
    PRIVATE_CHANNEL,
    SIGNING_SECRET,
)

S = "SENDID_POLICY_FILE"
EU_SECTION = """
[workspaces.eu]
rest_endpoint = "https://rest.fra-01.braze.eu"
api_key_env = "BRAZE_API_KEY_EU"
"""
USING_EU = EU_SECTION + f'[channels.{CHANNEL}]\nbraze_workspace = "eu"\n'


def settings_with(tmp_path: Path, policy: str | None) -> Settings:
    path = None
    if policy is not None:
        path = tmp_path / "policy.toml"
        path.write_text(policy, encoding="utf-8")
    return load_settings(
        _env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        braze_api_key=BRAZE_KEY,
        braze_rest_endpoint="https://rest.iad-01.braze.com",
        sendid_allowed_channels=f"{CHANNEL},{PRIVATE_CHANNEL}",
        sendid_approvers=APPROVER,
        sendid_policy_file=path,
    )


def configured(tmp_path: Path, policy: str | None, **variables: str) -> Configuration:
    return load_configuration(settings_with(tmp_path, policy), variables)


def problems_of(tmp_path: Path, policy: str, **variables: str) -> list[str]:
    with pytest.raises(ConfigurationError) as caught:
        configured(tmp_path, policy, **variables)
    return caught.value.problems


def test_without_a_policy_file_there_is_the_default_workspace_of_braze_api_key(
    tmp_path: Path,
) -> None:
    configuration = configured(tmp_path, None)
    (default,) = configuration.workspaces.values()
    assert default.name == DEFAULT_WORKSPACE
    assert default.rest_endpoint == "https://rest.iad-01.braze.com"
    assert default.api_key.get_secret_value() == BRAZE_KEY
    assert default.key_variable == "BRAZE_API_KEY"


def test_a_workspace_key_is_read_from_the_variable_its_section_names(tmp_path: Path) -> None:
    configuration = configured(tmp_path, USING_EU, BRAZE_API_KEY_EU=f"  {BRAZE_KEY_EU}\n")
    assert list(configuration.workspaces) == [DEFAULT_WORKSPACE, "eu"]
    eu = configuration.workspaces["eu"]
    assert eu.rest_endpoint == "https://rest.fra-01.braze.eu"
    assert eu.api_key.get_secret_value() == BRAZE_KEY_EU  # surrounding whitespace dropped
    assert eu.key_variable == "BRAZE_API_KEY_EU"
    assert BRAZE_KEY_EU not in repr(configuration)


def test_a_missing_key_variable_stops_start_up_naming_the_variable(tmp_path: Path) -> None:
    assert problems_of(tmp_path, USING_EU) == [
        f"{S}: workspaces.eu.api_key_env: BRAZE_API_KEY_EU is not set (put workspace eu's "
        "Braze REST API key in it, in the environment or .env)"
    ]


def test_an_empty_key_variable_stops_start_up_naming_the_variable(tmp_path: Path) -> None:
    assert problems_of(tmp_path, USING_EU, BRAZE_API_KEY_EU=" ") == [
        f"{S}: workspaces.eu.api_key_env: BRAZE_API_KEY_EU is empty (it must hold workspace "
        "eu's Braze REST API key)"
    ]


def test_naming_one_of_the_bots_own_settings_as_a_key_is_refused(tmp_path: Path) -> None:
    policy = USING_EU.replace("BRAZE_API_KEY_EU", "SLACK_BOT_TOKEN")
    lines = problems_of(tmp_path, policy, SLACK_BOT_TOKEN=BOT_TOKEN)
    assert lines == [
        f"{S}: workspaces.eu.api_key_env: SLACK_BOT_TOKEN is not a Braze key variable: name it "
        "BRAZE_API_KEY_<SUFFIX> (capitals, digits and _), such as BRAZE_API_KEY_EU; the bot "
        "sends a workspace's key to Braze with every call, so it reads no other variable"
    ]


def test_every_workspace_key_problem_is_reported_at_once(tmp_path: Path) -> None:
    policy = (
        USING_EU
        + '[workspaces.us]\nrest_endpoint = "https://rest.iad-05.braze.com"\n'
        + 'api_key_env = "BRAZE_API_KEY_US"\n'
        + f'[channels.{PRIVATE_CHANNEL}]\nbraze_workspace = "us"\n'
    )
    lines = problems_of(tmp_path, policy, BRAZE_API_KEY_US="")
    assert [line.split(": ")[1] for line in lines] == [
        "workspaces.eu.api_key_env",
        "workspaces.us.api_key_env",
    ]


def test_the_scrubber_gets_every_workspaces_key(tmp_path: Path) -> None:
    configuration = configured(tmp_path, USING_EU, BRAZE_API_KEY_EU=BRAZE_KEY_EU)
    secrets = configuration.secret_values()
    assert BRAZE_KEY in secrets and BRAZE_KEY_EU in secrets
    assert set(configuration.settings.secret_values()) <= set(secrets)
    assert len(secrets) == len(set(secrets))


def test_a_workspace_no_channel_uses_is_logged_as_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    configuration = configured(tmp_path, EU_SECTION, BRAZE_API_KEY_EU=BRAZE_KEY_EU)
    with caplog.at_level(logging.WARNING, logger="bot.configuration"):
        configuration.log_warnings()
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "workspaces.eu: no channel uses this workspace" in record.getMessage()


def test_the_keys_are_read_from_the_environment_and_the_env_file_the_environment_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "BRAZE_API_KEY_EU=from-the-file\nBRAZE_API_KEY_US=us-from-the-file\n", encoding="utf-8"
    )
    monkeypatch.setenv("BRAZE_API_KEY_EU", "from-the-environment")
    monkeypatch.delenv("BRAZE_API_KEY_US", raising=False)
    variables = process_environment(env_file)
    assert variables["BRAZE_API_KEY_EU"] == "from-the-environment"
    assert variables["BRAZE_API_KEY_US"] == "us-from-the-file"
    assert process_environment(tmp_path / "absent.env") == dict(os.environ)


# ---- issue 24: a Braze key is never pointed at a second endpoint -------------------------------


def test_one_key_variable_for_two_endpoints_is_refused(tmp_path: Path) -> None:
    policy = (
        USING_EU
        + '[workspaces.us]\nrest_endpoint = "https://rest.iad-05.braze.com"\n'
        + 'api_key_env = "BRAZE_API_KEY_EU"\n'
        + f'[channels.{PRIVATE_CHANNEL}]\nbraze_workspace = "us"\n'
    )
    assert problems_of(tmp_path, policy, BRAZE_API_KEY_EU=BRAZE_KEY_EU) == [
        f"{S}: workspaces.us.api_key_env: BRAZE_API_KEY_EU is already the key of workspace eu "
        "(https://rest.fra-01.braze.eu); a Braze key is never sent to another endpoint "
        "(https://rest.iad-05.braze.com): give workspace us its own key, in its own variable "
        "such as BRAZE_API_KEY_US"
    ]


def test_braze_api_key_for_another_endpoint_than_braze_rest_endpoint_is_refused(
    tmp_path: Path,
) -> None:
    policy = USING_EU.replace("BRAZE_API_KEY_EU", "BRAZE_API_KEY")
    assert problems_of(tmp_path, policy, BRAZE_API_KEY=BRAZE_KEY) == [
        f"{S}: workspaces.eu.api_key_env: BRAZE_API_KEY is already the key of BRAZE_REST_ENDPOINT "
        "(https://rest.iad-01.braze.com); a Braze key is never sent to another endpoint "
        "(https://rest.fra-01.braze.eu): give workspace eu its own key, in its own variable "
        "such as BRAZE_API_KEY_EU"
    ]


def test_braze_api_key_with_braze_rest_endpoint_itself_is_accepted(tmp_path: Path) -> None:
    policy = USING_EU.replace("BRAZE_API_KEY_EU", "BRAZE_API_KEY").replace(
        "rest.fra-01.braze.eu", "REST.IAD-01.braze.com/"
    )
    configuration = configured(tmp_path, policy, BRAZE_API_KEY=BRAZE_KEY)
    assert configuration.workspaces["eu"].api_key.get_secret_value() == BRAZE_KEY


def test_the_same_key_under_another_variable_for_another_endpoint_is_refused_unshown(
    tmp_path: Path,
) -> None:
    (line,) = problems_of(tmp_path, USING_EU, BRAZE_API_KEY_EU=BRAZE_KEY)
    assert line == (
        f"{S}: workspaces.eu.api_key_env: BRAZE_API_KEY_EU holds the same key as BRAZE_API_KEY, "
        "the key of BRAZE_REST_ENDPOINT (https://rest.iad-01.braze.com); a Braze key is never "
        "sent to another endpoint (https://rest.fra-01.braze.eu): give workspace eu its own key, "
        "in its own variable such as BRAZE_API_KEY_EU"
    )
    assert BRAZE_KEY not in line


# ---- approvals_required: no more than can be given (issue 25) ---------------------------------


def test_more_approvals_required_than_people_listed_is_one_line_naming_them(
    tmp_path: Path,
) -> None:
    policy = f'[channels.{CHANNEL}]\napprovers = ["U0ANA", "U0BEN"]\napprovals_required = 3\n'
    assert problems_of(tmp_path, policy) == [
        f"{S}: channels.{CHANNEL}.approvals_required: 3 approvals needed, but only 2 people can "
        "approve there (approvers: U0ANA, U0BEN); lower it, or name more approvers or a user group"
    ]


def test_the_defaults_are_counted_against_sendid_approvers_where_a_channel_uses_them(
    tmp_path: Path,
) -> None:
    # SENDID_APPROVERS is one person: [defaults] asks two of them, in both permitted channels.
    (line,) = problems_of(tmp_path, "[defaults]\napprovals_required = 2\n")
    assert line.startswith(f"{S}: defaults.approvals_required: 2 approvals needed, but only 1")
    assert f"(SENDID_APPROVERS: {APPROVER})" in line


@pytest.mark.parametrize(
    "policy",
    [
        # as many as listed
        f'[channels.{CHANNEL}]\napprovers = ["U0ANA", "U0BEN"]\napprovals_required = 2\n',
        # a user group's members cannot be counted before Slack is asked: allowed
        f'[channels.{CHANNEL}]\napprovers = ["U0ANA", "S0LEADS"]\napprovals_required = 5\n',
        # [defaults] asks two, but every permitted channel names two people of its own
        f'[defaults]\napprovals_required = 2\n[channels.{CHANNEL}]\napprovers = ["U0A", "U0B"]\n'
        f'[channels.{PRIVATE_CHANNEL}]\napprovers = ["U0C", "U0D"]\n',
    ],
    ids=["as-many-as-listed", "a-group", "defaults-unused"],
)
def test_approvals_required_that_can_be_met_starts(tmp_path: Path, policy: str) -> None:
    configuration = configured(tmp_path, policy)
    assert max(r.approvals_required for r in configuration.policy_file.channels.values()) >= 2


def test_as_many_approvals_as_listed_people_warns_that_their_own_requests_cannot_pass(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    policy = f'[channels.{CHANNEL}]\napprovers = ["U0ANA", "U0BEN"]\napprovals_required = 2\n'
    with caplog.at_level(logging.WARNING, logger="bot.configuration"):
        configured(tmp_path, policy).log_warnings()
    (line,) = [r.getMessage() for r in caplog.records if "approvals_required" in r.getMessage()]
    assert f"channels.{CHANNEL}.approvals_required: 2 approvals needed and 2 people" in line
    assert "can never get 2" in line
