"""bot/ uses its dependencies only through what they document, so that a minor release of
slack_sdk, Bolt, waitress or any other cannot break it: no private names, no internal modules,
no overridden underscore methods, no subclassed internals, no functions rebuilt from code.

An AST scan over bot/. A new import from a dependency's submodule must be added to
PUBLIC_MODULES with where it is documented; a new base class from a dependency to
EXTENSION_POINTS (documented as meant to be subclassed)."""

from __future__ import annotations

import ast
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

# Modules of dependencies that their documentation tells users to import from.
PUBLIC_MODULES = frozenset(
    {
        "dotenv",
        "httpx",
        "prometheus_client",
        "prometheus_client.core",  # custom collectors: *MetricFamily
        "prometheus_client.exposition",  # choose_encoder, for serving /metrics yourself
        "prometheus_client.registry",  # Collector, the custom collector's base
        "pydantic",
        "pydantic_settings",
        "re2",  # google-re2: compile, Options, error (its README)
        "slack_bolt",
        "slack_bolt.adapter.socket_mode",
        "slack_bolt.middleware",
        "slack_sdk",
        "slack_sdk.errors",
        "slack_sdk.http_retry",
        "slack_sdk.http_retry.builtin_handlers",
        "slack_sdk.signature",
        "slack_sdk.web",  # SlackResponse
        "slack_sdk.socket_mode",
        "slack_sdk.socket_mode.builtin",
        "slack_sdk.socket_mode.client",
        "slack_sdk.socket_mode.request",
        "slack_sdk.socket_mode.response",
        "slack_sdk.webhook",  # WebhookClient: answers through an interaction's response_url
        "sqlalchemy",
        "sqlalchemy.dialects",
        "sqlalchemy.dialects.postgresql",
        "sqlalchemy.dialects.sqlite",
        "sqlalchemy.engine",
        "sqlalchemy.exc",
        "sqlalchemy.pool",
        "waitress",
    }
)

# Classes of dependencies documented as meant to be subclassed.
EXTENSION_POINTS = frozenset(
    {
        "pydantic.BaseModel",
        "pydantic_settings.BaseSettings",
        "prometheus_client.registry.Collector",
        "slack_bolt.middleware.Middleware",
        "slack_sdk.http_retry.RetryHandler",
        # Wrapping one of its public API methods (bot/socket_mode.py: apps_connections_open);
        # the scan below still refuses any underscore method on it.
        "slack_sdk.WebClient",
    }
)

# Standard-library classes whose internals are not a contract either.
STDLIB_INTERNALS = ("http.client.", "socketserver.", "email.", "asyncio.")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_dependency(module: str) -> bool:
    top = module.split(".")[0]
    return top not in ("bot", "__future__") and top not in sys.stdlib_module_names


class Scan(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.findings: list[Finding] = []
        self.imported: dict[str, str] = {}  # local name -> "module.name"

    def found(self, node: ast.AST, what: str) -> None:
        self.findings.append(Finding(self.path, getattr(node, "lineno", 0), what))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(node, alias.name)
            self.imported[alias.asname or alias.name.split(".")[0]] = alias.name
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0:
            self._module(node, module)
            for alias in node.names:
                if module.split(".")[0] == "bot":
                    pass
                elif _private(alias.name):
                    self.found(node, f"imports the private name {module}.{alias.name}")
                elif "internal" in alias.name.lower():
                    self.found(node, f"imports the internal module {module}.{alias.name}")
                self.imported[alias.asname or alias.name] = f"{module}.{alias.name}"
        self.generic_visit(node)

    def _module(self, node: ast.AST, module: str) -> None:
        if module.split(".")[0] == "bot":
            return
        if any(_private(part) or "internal" in part for part in module.split(".")):
            self.found(node, f"imports the internal module {module}")
        elif _is_dependency(module) and module not in PUBLIC_MODULES:
            self.found(node, f"imports {module}, not a module its documentation offers")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        owner = node.value
        ours = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
        via_super = (
            isinstance(owner, ast.Call)
            and isinstance(owner.func, ast.Name)
            and owner.func.id == "super"
        )
        if _private(node.attr) and not ours and not via_super:
            self.found(node, f"reads the private attribute {ast.unparse(node)}")
        if node.attr in ("__code__", "__globals__", "__closure__"):
            self.found(node, f"reaches into a function: {ast.unparse(node)}")
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        foreign: list[str] = []
        for expression in node.bases:
            name = self._qualified(expression)
            if name is None:
                continue
            if name.startswith(STDLIB_INTERNALS):
                self.found(node, f"{node.name} subclasses {name}, a standard-library internal")
            elif _is_dependency(name) and name not in EXTENSION_POINTS:
                self.found(node, f"{node.name} subclasses {name}, not a documented extension point")
            if _is_dependency(name) or name.startswith(STDLIB_INTERNALS):
                foreign.append(name)
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and _private(item.name):
                for base_name in foreign:
                    if hasattr(_resolve(base_name), item.name):
                        self.found(item, f"{node.name}.{item.name} overrides {base_name}'s own")
        self.generic_visit(node)

    def _qualified(self, base: ast.expr) -> str | None:
        """The base's "module.Name" when it comes from an import, else None (a bot class)."""
        parts: list[str] = []
        while isinstance(base, ast.Attribute):
            parts.insert(0, base.attr)
            base = base.value
        if not isinstance(base, ast.Name) or base.id not in self.imported:
            return None
        return ".".join([self.imported[base.id], *parts])


def _resolve(qualified: str) -> object:
    """The class `qualified` ("module.Name") names."""
    module, _, name = qualified.rpartition(".")
    return getattr(importlib.import_module(module), name)


def scan(source: str, path: str = "<test>") -> list[Finding]:
    visitor = Scan(path)
    visitor.visit(ast.parse(source))
    return visitor.findings


def test_bot_uses_its_dependencies_only_through_their_public_api() -> None:
    findings = [
        finding
        for path in sorted(BOT.rglob("*.py"))
        for finding in scan(path.read_text(encoding="utf-8"), str(path.relative_to(BOT.parent)))
    ]
    assert findings == [], "\n".join(map(str, findings))


@pytest.mark.parametrize(
    "source",
    [
        "from slack_sdk.web.internal_utils import _get_url",
        "from slack_sdk.web import internal_utils",
        "import waitress.wasyncore",
        "from waitress.channel import HTTPChannel",
        "from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse",
        "x = client._perform_urllib_http_request_internal",
        "from http.client import HTTPResponse\nclass R(HTTPResponse): pass",
        "from slack_bolt import Ack\nclass PromptAck(Ack): pass",
        "from slack_sdk import WebClient\nclass C(WebClient):\n"
        "    def _perform_urllib_http_request(self): pass",
        "import http.client\nf = http.client.HTTPResponse.begin.__code__",
        "from enum import Enum\nx = Enum._value2member_map_",
    ],
)
def test_the_scan_finds_each_way_of_reaching_into_a_dependency(source: str) -> None:
    assert scan(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "from slack_bolt.middleware import Middleware\nclass M(Middleware):\n"
        "    def process(self): return self._bot",
        "from slack_sdk.http_retry import RetryHandler\nclass R(RetryHandler): pass",
        "from pydantic import BaseModel\nclass P(BaseModel):\n    def _check(self): pass",
        "import waitress\nserver = waitress.create_server(app)",
        "class Mine(Base):\n    def _helper(self): return super()._helper()",
    ],
)
def test_documented_extension_points_and_our_own_names_pass(source: str) -> None:
    assert scan(source) == []
