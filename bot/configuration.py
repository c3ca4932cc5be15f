"""Everything start-up checks before anything connects: the settings, the policy file, and each
Braze workspace's endpoint and key.

A Braze key goes only to the endpoint it was configured with: a key variable named by two
workspaces with different endpoints, ``BRAZE_API_KEY`` named for another endpoint than
``BRAZE_REST_ENDPOINT``, or one key value under two variables for different endpoints is refused
(Braze keys belong to one instance, so a legitimate setup never needs it).

:func:`load_configuration` raises :class:`~bot.domain.errors.ConfigurationError` with one line
per problem (``python -m bot`` prints them and exits with code 2). A workspace's key is read from
the environment variable its ``api_key_env`` names, or from the ``.env`` file like every setting
(the environment wins); the policy file only ever holds the variable's name.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from dotenv import dotenv_values
from pydantic import SecretStr

from bot.domain.policy_file import (
    EMPTY_POLICY_FILE,
    SOURCE,
    PolicyFile,
    PolicyFileError,
    load_policy_file,
)
from bot.domain.workspaces import (
    DEFAULT_KEY_VARIABLE,
    DEFAULT_WORKSPACE,
    WorkspaceSection,
    same_endpoint,
)
from bot.settings import Settings

log = logging.getLogger("bot.configuration")


@dataclass(frozen=True)
class BrazeWorkspace:
    """A Braze workspace the bot calls: where, with which key, and where that key came from."""

    name: str
    rest_endpoint: str
    api_key: SecretStr
    key_variable: str  # the environment variable holding the key (never the key itself)


@dataclass(frozen=True)
class Configuration:
    settings: Settings
    policy_file: PolicyFile
    # Every workspace by name, "default" first.
    workspaces: Mapping[str, BrazeWorkspace]

    def secret_values(self) -> list[str]:
        """Every secret's plain value (settings and every workspace's key), for the scrubber."""
        keys = (w.api_key.get_secret_value() for w in self.workspaces.values())
        return list(dict.fromkeys([*self.settings.secret_values(), *keys]))

    def log_warnings(self) -> None:
        """Say what start-up accepted but an admin should look at (a workspace nobody uses,
        approvals its own approvers' requests can never get)."""
        for line in [
            *self.policy_file.warnings,
            *approvals_warnings(self.policy_file, self.settings),
        ]:
            log.warning("configuration warning: %s", line)


def process_environment(env_file: str | Path | None = ".env") -> dict[str, str]:
    """The variables the bot sees: the ``.env`` file (if any), overridden by the environment."""
    variables: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        found = dotenv_values(env_file, encoding="utf-8")
        variables.update({name: value for name, value in found.items() if value is not None})
    variables.update(os.environ)
    return variables


def load_policy(settings: Settings) -> PolicyFile:
    """The per-channel policy file, or no per-channel rules. Raises PolicyFileError."""
    if settings.sendid_policy_file is None:
        return EMPTY_POLICY_FILE
    return load_policy_file(
        settings.sendid_policy_file, permitted_channels=settings.sendid_allowed_channels
    )


def load_configuration(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> Configuration:
    """Read the policy file and every workspace's key (from ``environ``; by default the
    environment and ``.env``). Raises ConfigurationError, one line per problem."""
    policy_file = load_policy(settings)
    variables = process_environment() if environ is None else environ
    workspaces = {
        DEFAULT_WORKSPACE: BrazeWorkspace(
            name=DEFAULT_WORKSPACE,
            rest_endpoint=settings.braze_rest_endpoint,
            api_key=settings.braze_api_key,
            key_variable=DEFAULT_KEY_VARIABLE,
        )
    }
    problems = approvals_problems(policy_file, settings)
    for section in policy_file.workspaces.values():
        key, problem = _workspace_key(section, variables)
        if problem is not None:
            problems.append(f"{SOURCE}: workspaces.{section.name}.api_key_env: {problem}")
            continue
        workspaces[section.name] = BrazeWorkspace(
            name=section.name,
            rest_endpoint=section.rest_endpoint,
            api_key=SecretStr(key),
            key_variable=section.api_key_env,
        )
    problems += _keys_sent_elsewhere(list(workspaces.values()))
    if problems:
        raise PolicyFileError(problems)
    return Configuration(settings, policy_file, MappingProxyType(workspaces))


def _approval_tables(
    policy_file: PolicyFile, settings: Settings
) -> list[tuple[str, int, list[str], str]]:
    """Each table whose approvals_required (over 1) applies somewhere and whose approvers are
    people only (a user group's members cannot be counted before Slack is reached): where, how
    many approvals, the people, and where they are listed."""
    defaults = policy_file.defaults
    # [defaults] where a permitted channel has no section; each section unless it is the same.
    used = any(channel not in policy_file.channels for channel in settings.sendid_allowed_channels)
    tables = [("defaults", defaults)] if used else []
    tables += [
        (f"channels.{channel}", rules)
        for channel, rules in policy_file.channels.items()
        if not used
        or (rules.approvers, rules.approvals_required)
        != (defaults.approvers, defaults.approvals_required)
    ]
    found = []
    for where, rules in tables:
        approvers = rules.approvers or tuple(settings.sendid_approvers)
        if rules.approvals_required <= 1 or any(a.startswith("S") for a in approvers):
            continue
        source = "approvers" if rules.approvers else "SENDID_APPROVERS"
        found.append((where, rules.approvals_required, list(dict.fromkeys(approvers)), source))
    return found


def approvals_warnings(policy_file: PolicyFile, settings: Settings) -> list[str]:
    """Where exactly as many people are listed as must approve and none may approve their own
    request: a request by one of them can never be approved (allowed, so the others can)."""
    if settings.sendid_allow_self_approval:
        return []
    return [
        f"{SOURCE}: {where}.approvals_required: {required} approvals needed and {required} "
        f"people listed, so a request made by one of them can never get {required} (they "
        "cannot approve their own); name one more approver if they make requests too"
        for where, required, people, _ in _approval_tables(policy_file, settings)
        if required == len(people)
    ]


def approvals_problems(policy_file: PolicyFile, settings: Settings) -> list[str]:
    """One line for each table whose `approvals_required` more people must meet than can
    approve there: a list of people counts (a user group's members cannot be counted before
    Slack is reached, so a group always may). Such a request could never be approved."""
    problems = []
    for where, required, people, source in _approval_tables(policy_file, settings):
        if required > len(people):
            problems.append(
                f"{SOURCE}: {where}.approvals_required: {required} approvals "
                f"needed, but only {len(people)} people can approve there ({source}: "
                f"{', '.join(people)}); lower it, or name more approvers or a user group"
            )
    return problems


def _keys_sent_elsewhere(workspaces: list[BrazeWorkspace]) -> list[str]:
    """One line for each workspace whose key (by variable or by value) an earlier workspace
    sends to another endpoint: a key is never pointed at a second endpoint."""
    problems = []
    for index, workspace in enumerate(workspaces):
        for earlier in workspaces[:index]:
            if same_endpoint(workspace.rest_endpoint, earlier.rest_endpoint):
                continue
            variable = workspace.key_variable
            if variable == earlier.key_variable:
                why = f"{variable} is already the key of"
            elif workspace.api_key.get_secret_value() == earlier.api_key.get_secret_value():
                why = f"{variable} holds the same key as {earlier.key_variable}, the key of"
            else:
                continue
            owner = (
                "BRAZE_REST_ENDPOINT"
                if earlier.name == DEFAULT_WORKSPACE
                else f"workspace {earlier.name}"
            )
            suggested = f"{DEFAULT_KEY_VARIABLE}_{workspace.name.upper().replace('-', '_')}"
            problems.append(
                f"{SOURCE}: workspaces.{workspace.name}.api_key_env: {why} {owner} "
                f"({earlier.rest_endpoint}); a Braze key is never sent to another endpoint "
                f"({workspace.rest_endpoint}): give workspace {workspace.name} its own key, in "
                f"its own variable such as {suggested}"
            )
            break
    return problems


def _workspace_key(
    section: WorkspaceSection, variables: Mapping[str, str]
) -> tuple[str, str | None]:
    """(the key, or "") and why it cannot be used (None: it can). Never shows the value."""
    name = section.api_key_env
    value = variables.get(name)
    if value is None:
        return "", (
            f"{name} is not set (put workspace {section.name}'s Braze REST API key in it, in "
            "the environment or .env)"
        )
    if not value.strip():
        return "", f"{name} is empty (it must hold workspace {section.name}'s Braze REST API key)"
    return value.strip(), None
