"""Dependencies point inward: the domain imports no adapter, the Braze client no Slack or store,
the Slack layer reaches the store and Braze only through the domain's use cases, and the views
are pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"


def imported_modules(package: str) -> dict[str, set[str]]:
    """Every module imported by each file of `package` (``bot.domain`` → bot/domain/*.py)."""
    found: dict[str, set[str]] = {}
    for path in sorted((BOT.parent / package.replace(".", "/")).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(BOT.parent))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        (
            "bot.domain",
            ("bot.braze", "bot.store", "bot.slack", "bot.http", "bot.settings", "slack_"),
        ),
        ("bot.braze", ("bot.store", "bot.slack", "bot.settings", "slack_")),
        ("bot.store", ("bot.braze", "bot.slack", "bot.settings", "slack_")),
        # Listeners talk to use cases (the service), never to the store or Braze directly.
        ("bot.slack", ("bot.store", "bot.braze", "bot.http", "bot.runtime", "bot.housekeeping")),
        # Views are pure functions: no Slack client, no listener context, no use cases.
        (
            "bot.slack.views",
            (
                "slack_",
                "bot.slack.messenger",
                "bot.slack.context",
                "bot.slack.listeners",
                "bot.domain.service",
            ),
        ),
        # HTTP hands Slack requests to Bolt; it knows no use case and no listener.
        ("bot.http", ("bot.domain", "bot.store", "bot.braze", "bot.slack")),
    ],
)
def test_a_package_imports_nothing_from_the_layers_outside_it(
    package: str, forbidden: tuple[str, ...]
) -> None:
    offending = {
        path: sorted(name for name in names if name.startswith(forbidden))
        for path, names in imported_modules(package).items()
    }
    assert {path: names for path, names in offending.items() if names} == {}


def test_the_check_sees_the_imports_it_judges() -> None:
    # Guards the guard: an empty scan would pass every rule above.
    domain = imported_modules("bot.domain")
    assert "bot/domain/service.py" in domain
    assert "bot.domain.ports" in domain["bot/domain/service.py"]
    listeners = imported_modules("bot.slack")["bot/slack/listeners/actions.py"]
    assert "bot.slack.context" in listeners
