"""Short, safe pieces of the policy file's problem lines: values shown as short quoted excerpts
(control characters escaped), keys as they would be written in TOML, and "did you mean" hints.

Shared by :mod:`bot.domain.policy_file` and :mod:`bot.domain.workspaces`, which word the
file's problems one line each.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from pathlib import Path

SHOW_MAX = 40  # characters of a value or key shown in a problem line
LIST_MAX = 5  # bad list items shown in one line
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def show(value: object) -> str:
    """A short, quoted excerpt of a value, with control characters escaped."""
    if isinstance(value, str):
        text = value if len(value) <= SHOW_MAX else value[: SHOW_MAX - 1] + "…"
        return json.dumps(text, ensure_ascii=False)
    return type_name(value)


def show_list(values: list[object]) -> str:
    shown = ", ".join(show(v) for v in values[:LIST_MAX])
    if len(values) > LIST_MAX:
        shown += f" and {len(values) - LIST_MAX} more"
    return shown


def toml_key(name: str) -> str:
    """A key as it would be written in TOML (quoted when not bare), shortened."""
    if BARE_KEY.fullmatch(name) and len(name) <= SHOW_MAX:
        return name
    return show(name)


def show_path(path: Path) -> str:
    text = str(path)
    return text if len(text) <= 80 else "…" + text[-79:]


def type_name(value: object) -> str:
    names = {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), "a date or time")


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"did you mean x? "`` for the known name closest to ``name`` (the same but for case
    first), or nothing."""
    names = list(known)
    same = [n for n in names if n.lower() == name.lower()]
    close = same or difflib.get_close_matches(name, names, n=1)
    return f"did you mean {close[0]}? " if close else ""
