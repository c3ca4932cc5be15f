"""bot.domain.workspaces through the policy file: [workspaces.<name>] and braze_workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.policy_file import PolicyFile, PolicyFileError, load_policy_file, parse_policy
from bot.domain.workspaces import (
    DEFAULT_WORKSPACE,
    WorkspaceSection,
    rest_endpoint_problem,
)
from tests.support.constants import CHANNEL, OTHER_CHANNEL, PRIVATE_CHANNEL

PERMITTED = (CHANNEL, OTHER_CHANNEL, PRIVATE_CHANNEL)
S = "SENDID_POLICY_FILE"
EU = """
[workspaces.eu]
rest_endpoint = "https://rest.fra-01.braze.eu/"
api_key_env = "BRAZE_API_KEY_EU"
"""


def parse(text: str) -> PolicyFile:
    return parse_policy(text, permitted_channels=PERMITTED)


def problems_of(text: str) -> list[str]:
    with pytest.raises(PolicyFileError) as caught:
        parse(text)
    return caught.value.problems


def test_without_a_policy_file_every_channel_uses_the_default_workspace() -> None:
    policy = parse("")
    assert policy.workspaces == {}
    assert {policy.workspace_for(c) for c in PERMITTED} == {DEFAULT_WORKSPACE}
    assert policy.warnings == ()


def test_a_workspace_section_names_its_endpoint_and_the_variable_holding_its_key() -> None:
    policy = parse(EU + f'[channels.{CHANNEL}]\nbraze_workspace = "eu"\n')
    assert policy.workspaces == {
        "eu": WorkspaceSection(
            name="eu",
            rest_endpoint="https://rest.fra-01.braze.eu",  # trailing slash dropped
            api_key_env="BRAZE_API_KEY_EU",
        )
    }


def test_a_channel_uses_its_own_workspace_then_the_defaults_then_default() -> None:
    policy = parse(
        EU
        + '[workspaces.us]\nrest_endpoint = "https://rest.iad-01.braze.com"\n'
        + 'api_key_env = "BRAZE_API_KEY_US"\n'
        + '[defaults]\nbraze_workspace = "us"\n'
        + f'[channels.{CHANNEL}]\nbraze_workspace = "eu"\n'
        + f"[channels.{PRIVATE_CHANNEL}]\nttl_hours = 2\n"
    )
    assert policy.workspace_for(CHANNEL) == "eu"
    assert policy.workspace_for(PRIVATE_CHANNEL) == "us"  # a section without the key
    assert policy.workspace_for(OTHER_CHANNEL) == "us"  # no section at all


def test_a_channel_may_go_back_to_the_default_workspace() -> None:
    policy = parse(
        EU + '[defaults]\nbraze_workspace = "eu"\n'
        f'[channels.{CHANNEL}]\nbraze_workspace = "default"\n'
    )
    assert policy.workspace_for(CHANNEL) == DEFAULT_WORKSPACE
    assert policy.workspace_for(OTHER_CHANNEL) == "eu"


def test_a_workspace_no_channel_uses_is_a_warning_not_an_error() -> None:
    policy = parse(EU)
    assert policy.warnings == (
        f'{S}: workspaces.eu: no channel uses this workspace (set braze_workspace = "eu" in '
        "[defaults] or in a channel's section, or remove the section)",
    )
    assert parse(EU + '[defaults]\nbraze_workspace = "eu"\n').warnings == ()


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param(
            f'[channels.{CHANNEL}]\nbraze_workspace = "EU"\n' + EU,
            f'{S}: channels.{CHANNEL}.braze_workspace: unknown workspace "EU" (did you mean '
            "eu? known: default, eu; add a [workspaces.<name>] section for a new one)",
            id="unknown-workspace-with-a-hint",
        ),
        pytest.param(
            '[defaults]\nbraze_workspace = "apac"\n',
            f'{S}: defaults.braze_workspace: unknown workspace "apac" (known: default; add a '
            "[workspaces.<name>] section for a new one)",
            id="unknown-workspace-in-defaults",
        ),
        pytest.param(
            "[defaults]\nbraze_workspace = 3\n",
            f'{S}: defaults.braze_workspace: must be a workspace name in a string such as "eu", '
            "not a number",
            id="workspace-choice-not-a-string",
        ),
        pytest.param(
            '[workspaces.default]\nrest_endpoint = "https://rest.iad-01.braze.com"\n'
            'api_key_env = "OTHER_KEY"\n',
            f'{S}: workspaces.default: "default" is the workspace of BRAZE_API_KEY and '
            "BRAZE_REST_ENDPOINT and cannot be redefined; give this one another name",
            id="default-redefined",
        ),
        pytest.param(
            '[workspaces."e u"]\nrest_endpoint = "https://rest.fra-01.braze.eu"\n'
            'api_key_env = "K"\n',
            f'{S}: workspaces."e u": not a workspace name (1-32 letters, digits, - or _)',
            id="bad-workspace-name",
        ),
        pytest.param(
            "workspaces = 1\n",
            f"{S}: workspaces: must be a table of workspace sections such as [workspaces.eu], "
            "not a number",
            id="workspaces-not-a-table",
        ),
        pytest.param(
            '[workspaces.eu]\napi_key_env = "BRAZE_API_KEY_EU"\n',
            f"{S}: workspaces.eu.rest_endpoint: missing (required, e.g. rest_endpoint = "
            '"https://rest.fra-01.braze.eu")',
            id="endpoint-missing",
        ),
        pytest.param(
            '[workspaces.eu]\nrest_endpoint = "http://rest.fra-01.braze.eu"\n'
            'api_key_env = "BRAZE_API_KEY_EU"\n',
            f'{S}: workspaces.eu.rest_endpoint: "http://rest.fra-01.braze.eu" must use https '
            "(plain http is allowed only for loopback)",
            id="endpoint-not-https",
        ),
        pytest.param(
            '[workspaces.eu]\nrest_endpoint = "https://rest.fra-01.braze.eu/v1"\n'
            'api_key_env = "BRAZE_API_KEY_EU"\n',
            f'{S}: workspaces.eu.rest_endpoint: "https://rest.fra-01.braze.eu/v1" must be the '
            "instance's base URL, without a path",
            id="endpoint-with-a-path",
        ),
        pytest.param(
            '[workspaces.eu]\nrest_endpoint = "https://rest.fra-01.braze.eu"\n',
            f"{S}: workspaces.eu.api_key_env: missing (required: the name of the environment "
            "variable that holds the workspace's API key, e.g. api_key_env = "
            '"BRAZE_API_KEY_EU")',
            id="key-variable-missing",
        ),
        pytest.param(
            '[workspaces.eu]\nrest_endpoint = "https://rest.fra-01.braze.eu"\n'
            'api_key_env = "a1b2c3d4-secret-key-pasted-here"\n',
            f"{S}: workspaces.eu.api_key_env: must be the NAME of an environment variable "
            "(letters, digits and _), such as BRAZE_API_KEY_EU, never the key itself",
            id="key-pasted-instead-of-its-variable",
        ),
        pytest.param(
            '[workspaces.eu]\nrest_endpoint = "https://rest.fra-01.braze.eu"\n'
            'api_key_env = "BRAZE_API_KEY_EU"\napi_key = "x"\n',
            f"{S}: workspaces.eu.api_key: unknown key (did you mean api_key_env? known: "
            "rest_endpoint, api_key_env)",
            id="unknown-key-in-a-workspace",
        ),
    ],
)
def test_each_workspace_problem_is_reported_in_one_line(text: str, line: str) -> None:
    assert problems_of(text) == [line]


def test_a_key_pasted_into_the_file_never_appears_in_the_problem_line() -> None:
    key = "a1b2c3d4-secret-key-pasted-here"
    text = (
        f'[workspaces.eu]\nrest_endpoint = "https://rest.fra-01.braze.eu"\napi_key_env = "{key}"\n'
    )
    assert not any(key in line for line in problems_of(text))


def test_a_broken_workspace_section_is_reported_once_not_again_where_it_is_used() -> None:
    text = (
        '[workspaces.eu]\nrest_endpoint = "ftp://x"\napi_key_env = "BRAZE_API_KEY_EU"\n'
        f'[channels.{CHANNEL}]\nbraze_workspace = "eu"\n'
    )
    assert problems_of(text) == [
        f'{S}: workspaces.eu.rest_endpoint: "ftp://x" must be a URL such as '
        "https://rest.iad-01.braze.com"
    ]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:80", "https://x.braze.eu"]
)
def test_loopback_endpoints_may_use_plain_http(url: str) -> None:
    assert rest_endpoint_problem(url) is None


def test_the_example_file_maps_the_crm_channel_to_its_eu_workspace() -> None:
    example = Path(__file__).resolve().parents[3] / "policy.example.toml"
    policy = load_policy_file(example, permitted_channels=("C0123456789", "G0987654321"))
    assert policy.workspace_for("C0123456789") == "eu"
    assert policy.workspace_for("G0987654321") == DEFAULT_WORKSPACE
    assert policy.workspaces["eu"].api_key_env == "BRAZE_API_KEY_EU"
    assert policy.warnings == ()
