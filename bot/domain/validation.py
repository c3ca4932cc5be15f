"""Input rules for the request form. Pure functions: they return a problem text or a clean value."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Braze API identifiers (campaign IDs among them) are UUIDs: 8-4-4-4-12 hex digits.
CAMPAIGN_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SEND_ID_MAX = 64
_PRINTABLE_NO_SPACE = frozenset(chr(c) for c in range(0x21, 0x7F))


@dataclass(frozen=True, slots=True)
class CleanInput:
    campaign_id: str
    send_id: str | None


def normalise_campaign_id(raw: str | None) -> str:
    # Copy-pasting from the Braze dashboard often brings spaces; case does not matter in a UUID.
    return (raw or "").strip().lower()


def campaign_id_problem(campaign_id: str) -> str | None:
    if not campaign_id:
        return "Enter the campaign's API identifier."
    if not CAMPAIGN_ID.match(campaign_id):
        return (
            "That is not a Braze campaign ID. Copy the API identifier from the campaign's "
            "page in Braze: 36 characters like 1a2b3c4d-0000-4000-8000-123456789abc."
        )
    return None


def normalise_send_id(raw: str | None) -> str | None:
    # Only surrounding whitespace is trimmed: inner characters are the user's, kept exactly.
    value = (raw or "").strip()
    return value or None


def send_id_problem(send_id: str | None) -> str | None:
    if send_id is None:
        return None
    if len(send_id) > SEND_ID_MAX:
        return f"A send ID has at most {SEND_ID_MAX} characters; this one has {len(send_id)}."
    if any(ch not in _PRINTABLE_NO_SPACE for ch in send_id):
        return (
            "A send ID may only use printable ASCII characters (letters, digits, "
            "punctuation) and no spaces."
        )
    return None


def check_form(
    raw_campaign_id: str | None, raw_send_id: str | None
) -> tuple[CleanInput, dict[str, str]]:
    """Normalise both fields; return the clean values and a field → problem map (empty if fine)."""
    clean = CleanInput(normalise_campaign_id(raw_campaign_id), normalise_send_id(raw_send_id))
    problems: dict[str, str] = {}
    if problem := campaign_id_problem(clean.campaign_id):
        problems["campaign_id"] = problem
    if problem := send_id_problem(clean.send_id):
        problems["send_id"] = problem
    return clean, problems
