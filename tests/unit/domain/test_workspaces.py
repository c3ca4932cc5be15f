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
            'api_key_env = "BRAZE_API_KEY_OTHER"\n',
            f'{S}: workspaces.default: "default" is the workspace of BRAZE_API_KEY and '
            "BRAZE_REST_ENDPOINT and cannot be redefined; give this one another name",
            id="default-redefined",
        ),
        pytest.param(
            '[workspaces."e u"]\nrest_endpoint = "https://rest.fra-01.braze.eu"\n'
            'api_key_env = "BRAZE_API_KEY_K"\n',
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
    "url",
    [
        "http://127.0.0.1:8080",
        "http://localhost:9",
        "http://[::1]:80",
        "https://rest.fra-02.braze.eu",
    ],
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


# ---- issue 24: a key goes only to Braze, and only from a Braze key's variable ------------------

BRAZE_HOSTS = [f"rest.iad-0{n}.braze.com" for n in range(1, 9)] + [
    "rest.us-10.braze.com",
    "rest.fra-01.braze.eu",
    "rest.fra-02.braze.eu",
    "rest.au-01.braze.com",
    "rest.id-01.braze.com",
    "rest.jp-01.braze.com",
    "rest.kr-01.braze.com",
]


@pytest.mark.parametrize("host", BRAZE_HOSTS)
def test_every_documented_braze_rest_host_is_an_endpoint(host: str) -> None:
    assert rest_endpoint_problem(f"https://{host}") is None
    assert rest_endpoint_problem(f"https://{host.upper()}:443/") is None


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example",
        "https://rest.iad-09.braze.com",  # no such instance
        "https://rest.iad-01.braze.com.evil.example",
        "https://evil.example/rest.iad-01.braze.com",
        "https://rest.iad-01.braze.com@evil.example",
        "https://user@rest.iad-01.braze.com",
        "https://rest.iad-01.braze.com:8443",
        "https://rest.iad-01.braze.com.",
        "https://dashboard.braze.com",
        "https://169.254.169.254",
        "https://10.0.0.5",
    ],
)
def test_any_other_host_is_refused_in_one_line_naming_the_toml_path(url: str) -> None:
    text = f'[workspaces.x]\nrest_endpoint = "{url}"\napi_key_env = "BRAZE_API_KEY_X"\n'
    (line,) = problems_of(text)
    assert line.startswith(f"{S}: workspaces.x.rest_endpoint: ")
    assert "not a Braze REST endpoint" in line or "without a path" in line


@pytest.mark.parametrize(
    "name",
    ["AWS_SECRET_ACCESS_KEY", "DATABASE_PASSWORD", "BRAZE_API_KEYS", "braze_api_key_eu", "HOME"],
)
def test_a_key_variable_not_named_for_a_braze_key_is_refused(name: str) -> None:
    text = '[workspaces.x]\nrest_endpoint = "https://rest.fra-01.braze.eu"\n'
    text += f'api_key_env = "{name}"\n'
    assert problems_of(text) == [
        f"{S}: workspaces.x.api_key_env: {name} is not a Braze key variable: name it "
        "BRAZE_API_KEY_<SUFFIX> (capitals, digits and _), such as BRAZE_API_KEY_EU; the bot sends "
        "a workspace's key to Braze with every call, so it reads no other variable"
    ]


@pytest.mark.parametrize("name", ["BRAZE_API_KEY", "BRAZE_API_KEY_EU", "BRAZE_API_KEY_2_BRAND"])
def test_braze_key_variables_are_accepted(name: str) -> None:
    text = '[workspaces.x]\nrest_endpoint = "https://rest.fra-01.braze.eu"\n'
    text += f'api_key_env = "{name}"\n'
    assert parse(text).workspaces["x"].api_key_env == name
