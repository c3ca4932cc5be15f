"""How a policy file's problem lines show what was written: short, quoted, TOML-shaped."""

from __future__ import annotations

import difflib
import json
import re

SHOW_MAX = 40  # characters of a value or key shown in a line
BARE_KEY = re.compile(rf"[A-Za-z0-9_-]{{1,{SHOW_MAX}}}")  # a TOML key that needs no quotes


def show(value: object) -> str:
    """A short, quoted excerpt of a string (control characters escaped); else its type."""
    if not isinstance(value, str):
        return type_name(value)
    text = value if len(value) <= SHOW_MAX else value[: SHOW_MAX - 1] + "…"
    return json.dumps(text, ensure_ascii=False)


def toml_key(name: str) -> str:
    """A key as it would be written in TOML (quoted when not bare), shortened."""
    return name if BARE_KEY.fullmatch(name) else show(name)


def type_name(value: object) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "a string"}
    return {**names, list: "a list", dict: "a table"}.get(type(value), "a date or time")


def did_you_mean(name: str, known: list[str] | tuple[str, ...]) -> str:
    """ "did you mean x? " for the known name closest to `name` (first: the same but for case)."""
    same = [n for n in known if n.lower() == name.lower()]
    close = same or difflib.get_close_matches(name, known, n=1)
    return f"did you mean {close[0]}? " if close else ""
