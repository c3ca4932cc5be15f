"""Send ID naming rules (`send_id_pattern`): regular expressions that can never freeze the bot.

Python's `re` backtracks: a policy editor's `^([a-z0-9]+_?)+$` against a 30-character send ID
takes minutes, holding the GIL before the form's acknowledgement, so every request on the
replica (health checks included) waits. A naming rule is therefore compiled with RE2
(google-re2), whose matching time is linear in the input and never backtracks, and bounded:

* the send ID it runs on is at most 64 characters (`validation.send_id_problem` runs first);
* the pattern is at most `MAX_PATTERN_LENGTH` characters, and its compiled program at most
  `MAX_PROGRAM_MEMORY` bytes (RE2's `max_mem`; larger ones, say nested counted repetitions, do
  not compile).

So one submission's match is a walk of at most 64 characters through a program of bounded size.
What RE2 cannot run in linear time (backreferences, lookahead and lookbehind, atomic groups,
possessive quantifiers) does not compile: start-up refuses the policy file naming the key.
"""

from __future__ import annotations

import re
from typing import Final, Protocol

import re2

MAX_PATTERN_LENGTH: Final = 500
MAX_PROGRAM_MEMORY: Final = 1 << 20  # bytes; RE2's own default is 8 MiB

_OPTIONS = re2.Options()
_OPTIONS.max_mem = MAX_PROGRAM_MEMORY
_OPTIONS.log_errors = False  # RE2 would print each refusal to stderr itself


class NamingRule(Protocol):
    """A compiled naming rule: applied to a whole send ID with `fullmatch`."""

    @property
    def pattern(self) -> str: ...

    def fullmatch(self, text: str) -> object | None: ...


def naming_rule(pattern: str) -> NamingRule:
    """`pattern` compiled with RE2 (see the module); ValueError says why it cannot be."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(
            f"is {len(pattern)} characters long; a naming rule may have at most "
            f"{MAX_PATTERN_LENGTH}"
        )
    try:
        rule: NamingRule = re2.compile(pattern, _OPTIONS)
    except re2.error as refused:
        raise ValueError(_why(pattern, refused)) from None
    return rule


def _why(pattern: str, refused: re2.error) -> str:
    """Why RE2 refused `pattern`, in words: Python's own message when it is no regular
    expression at all, else what RE2 found (a feature that needs backtracking, or a program
    too large)."""
    try:
        re.compile(pattern)
    except re.error as error:
        return f"not a valid regular expression ({error})"
    reason = refused.args[0] if refused.args else ""
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    if "too large" in str(reason) or "repetition size" in str(reason):
        return (
            f"is too large to run in bounded time (RE2: {reason}); simplify the counted "
            "repetitions (a send ID has at most 64 characters)"
        )
    return (
        f"is not a pattern RE2 can run (RE2: {reason}): the bot runs naming rules with RE2, "
        "in time linear in the send ID, which has no backreferences, lookahead, lookbehind, "
        "atomic groups or possessive quantifiers (and spells \\Z as \\z); rewrite it without them"
    )
