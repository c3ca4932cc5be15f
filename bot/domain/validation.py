"""Input rules for the request form. Pure functions: they return a Problem or a clean value."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain import problems
from bot.domain.problems import Problem

# Braze API identifiers (campaign IDs among them) are UUIDs: 8-4-4-4-12 hex digits.
CAMPAIGN_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SEND_ID_MAX = 64
# What the requester says the send ID is for: a sentence or two, not a brief.
PURPOSE_MAX = 300
_PRINTABLE_NO_SPACE = frozenset(chr(c) for c in range(0x21, 0x7F))


@dataclass(frozen=True, slots=True)
class CleanInput:
    campaign_id: str
    send_id: str | None
    purpose: str | None = None


def normalise_campaign_id(raw: str | None) -> str:
    # Copy-pasting from the Braze dashboard often brings spaces; case does not matter in a UUID.
    return (raw or "").strip().lower()


def campaign_id_problem(campaign_id: str) -> Problem | None:
    if not campaign_id:
        return Problem(problems.CAMPAIGN_MISSING)
    if not CAMPAIGN_ID.fullmatch(campaign_id):
        return Problem(problems.CAMPAIGN_MALFORMED)
    return None


def normalise_optional(raw: str | None) -> str | None:
    """The send ID or purpose as typed, less surrounding whitespace; blank is None.

    Only surrounding whitespace is trimmed: inner characters are the user's, kept exactly (a
    purpose is free text, shown inert and folded)."""
    value = (raw or "").strip()
    return value or None


def send_id_problem(send_id: str | None) -> Problem | None:
    if send_id is None:
        return None
    if len(send_id) > SEND_ID_MAX:
        return Problem(problems.SEND_ID_TOO_LONG, {"maximum": SEND_ID_MAX, "length": len(send_id)})
    if any(ch not in _PRINTABLE_NO_SPACE for ch in send_id):
        return Problem(problems.SEND_ID_CHARACTERS)
    return None


def purpose_problem(purpose: str | None) -> Problem | None:
    if purpose is not None and len(purpose) > PURPOSE_MAX:
        return Problem(problems.PURPOSE_TOO_LONG, {"maximum": PURPOSE_MAX, "length": len(purpose)})
    return None


def check_form(
    raw_campaign_id: str | None, raw_send_id: str | None, raw_purpose: str | None = None
) -> tuple[CleanInput, dict[str, Problem]]:
    """Normalise the fields; return the clean values and a field → problem map (empty if fine)."""
    clean = CleanInput(
        normalise_campaign_id(raw_campaign_id),
        normalise_optional(raw_send_id),
        normalise_optional(raw_purpose),
    )
    found: dict[str, Problem] = {}
    if problem := campaign_id_problem(clean.campaign_id):
        found["campaign_id"] = problem
    if problem := send_id_problem(clean.send_id):
        found["send_id"] = problem
    if problem := purpose_problem(clean.purpose):
        found["purpose"] = problem
    return clean, found
