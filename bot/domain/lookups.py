"""The campaign lookup at submit: Braze's name for a campaign, and whether Braze knows it.

It runs inside Slack's 3-second window for view submissions, so it is time-boxed, and after a
refusal that would repeat (the key may not read campaign details, Braze is down) the lookups of
that Braze workspace pause for a while: every form would otherwise wait out the time box. Each
workspace has its own key, so one key's missing permission never pauses another's lookups.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.domain import problems
from bot.domain.models import FailureKind
from bot.domain.ports import BrazeGateway, GatewayError
from bot.domain.problems import Problem

log = logging.getLogger("bot.service")

# How long lookups pause after a refusal, by the refusal's kind.
PAUSE_AFTER_NO_PERMISSION = 600.0  # the key lacks campaigns.details: names are optional
PAUSE_AFTER_UNAVAILABLE = 30.0


class CampaignLookups:
    def __init__(self, gateway_for: Callable[[str], BrazeGateway], timeout: float) -> None:
        self._gateway_for = gateway_for
        self.timeout = timeout
        self._paused_until: dict[str, float] = {}  # workspace → time.monotonic()
        self._lock = threading.Lock()

    def lookup(self, workspace: str, campaign_id: str) -> tuple[str | None, Problem | None]:
        """(campaign name or None, problem or None). Only a definite "unknown" or "archived"
        is a problem; a failed lookup lets the request through (Braze refuses an unknown
        campaign at creation with a 400, which spends no quota)."""
        with self._lock:
            if time.monotonic() < self._paused_until.get(workspace, 0.0):
                return None, None
        try:
            details = self._gateway_for(workspace).campaign_details(
                campaign_id, timeout=self.timeout
            )
        except GatewayError as error:
            return None, self._failed(workspace, error)
        if details.archived:
            return details.name, Problem(problems.CAMPAIGN_ARCHIVED)
        return details.name, None

    def _failed(self, workspace: str, error: GatewayError) -> Problem | None:
        match error.failure_kind:
            case FailureKind.REJECTED_BY_BRAZE:
                return Problem(problems.CAMPAIGN_UNKNOWN)
            case FailureKind.PERMISSION:
                self._pause(workspace, PAUSE_AFTER_NO_PERMISSION)
            case FailureKind.UNAVAILABLE:
                log.warning(
                    "campaign lookups paused for %.0f s: Braze unavailable",
                    PAUSE_AFTER_UNAVAILABLE,
                    extra={"workspace": workspace},
                )
                self._pause(workspace, PAUSE_AFTER_UNAVAILABLE)
            case _:
                log.warning(
                    "campaign lookup skipped: %s",
                    type(error).__name__,
                    extra={"workspace": workspace},
                )
        return None

    def _pause(self, workspace: str, seconds: float) -> None:
        with self._lock:
            until = time.monotonic() + seconds
            self._paused_until[workspace] = max(self._paused_until.get(workspace, 0.0), until)
