"""Why an input or action was refused, as a code plus parameters.

The domain says *what* is wrong; the Slack layer says it in the reader's language
(`bot.i18n` has a text for every code as `problem.<code>`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from bot.domain.models import QuotaSnapshot, RequestState, SendIdRequest


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


CAMPAIGN_MISSING = "campaign_missing"
CAMPAIGN_MALFORMED = "campaign_malformed"
SEND_ID_TOO_LONG = "send_id_too_long"
PURPOSE_TOO_LONG = "purpose_too_long"
SEND_ID_CHARACTERS = "send_id_characters"
QUOTA_USED_UP = "quota_used_up"
DUPLICATE_CREATED = "duplicate_created"
DUPLICATE_IN_FLIGHT = "duplicate_in_flight"
CAMPAIGN_UNKNOWN = "campaign_unknown"
CAMPAIGN_ARCHIVED = "campaign_archived"
# From the per-channel policy file (bot.domain.policy_file).
SEND_ID_PATTERN = "send_id_pattern"  # params: example
SEND_ID_REQUIRED = "send_id_required"  # params: example
CAMPAIGN_NOT_ALLOWED = "campaign_not_allowed"
# Per-person limits (bot.domain.limits, the store's pending cap).
TOO_MANY_PENDING = "too_many_pending"  # params: limit, pending (the requests, oldest first)
SUBMITTING_TOO_FAST = "submitting_too_fast"  # params: seconds
# Fewer people could approve it than the channel's approvals_required (params: required, others).
APPROVALS_IMPOSSIBLE = "approvals_impossible"

ALL_CODES = (
    APPROVALS_IMPOSSIBLE,
    CAMPAIGN_MISSING,
    CAMPAIGN_MALFORMED,
    SEND_ID_TOO_LONG,
    SEND_ID_CHARACTERS,
    QUOTA_USED_UP,
    DUPLICATE_CREATED,
    DUPLICATE_IN_FLIGHT,
    CAMPAIGN_UNKNOWN,
    CAMPAIGN_ARCHIVED,
    SEND_ID_PATTERN,
    SEND_ID_REQUIRED,
    CAMPAIGN_NOT_ALLOWED,
    TOO_MANY_PENDING,
    SUBMITTING_TOO_FAST,
)


def quota_problem(snapshot: QuotaSnapshot, now: datetime) -> Problem:
    """The quota is used up until `reset_at`; `seconds_left` serves plain-text places (an inline
    form error cannot show a Slack date in the reader's time zone, a duration reads right in
    every one)."""
    reset_at = snapshot.effective_reset
    seconds_left = max(0, int((reset_at - now).total_seconds()))
    return Problem(QUOTA_USED_UP, {"reset_at": reset_at, "seconds_left": seconds_left})


def too_many_pending(pending: list[SendIdRequest], limit: int) -> Problem:
    """The requester has `limit` pending requests (`pending`) already."""
    return Problem(TOO_MANY_PENDING, {"limit": limit, "pending": tuple(pending)})


def too_fast(seconds: int) -> Problem:
    return Problem(SUBMITTING_TOO_FAST, {"seconds": seconds})


IN_FLIGHT = Problem(DUPLICATE_IN_FLIGHT)


def duplicate_problem(holder: SendIdRequest | None) -> Problem:
    """The pair is taken by `holder` (None: by a request that was gone when looked up)."""
    if holder is not None and holder.state is RequestState.CREATED:
        return Problem(DUPLICATE_CREATED)
    return IN_FLIGHT
