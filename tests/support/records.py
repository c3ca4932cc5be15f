"""Requests stored straight through the Store, for the tests of the store and of what reads it.

``new_request(store, send_id="wave2", now=...)``: the keyword arguments are the fields of
:class:`NewRequest` and those of ``Store.create_request``; what a test leaves out is the same
ordinary request every time.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from bot.domain.models import NewRequest, RequestState, SendIdRequest
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.store import Store
from tests.support.constants import CAMPAIGN, CAMPAIGN_NAME, CHANNEL, REQUESTER

NOW: Final = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TTL: Final = timedelta(hours=24)

# A request by U_REQ in C1 (default workspace) for campaign cmp-1 and send ID "spring", made at
# NOW and pending for TTL.
ORDINARY: Final[dict[str, Any]] = {
    "channel_id": "C1",
    "workspace": DEFAULT_WORKSPACE,
    "requester_id": "U_REQ",
    "campaign_id": "cmp-1",
    "send_id": "spring",
    "campaign_name": "Spring sale",
    "ttl": TTL,
    "now": NOW,
}


def new_request(store: Store, **fields: Any) -> SendIdRequest:
    """Store a pending request: the ordinary one with `fields` changed (or added, e.g.
    ``submission_key``, ``max_pending``)."""
    values = ORDINARY | fields
    now, max_pending = values.pop("now"), values.pop("max_pending", None)
    return store.create_request(NewRequest(**values), now=now, max_pending=max_pending)


def pending_request(**changes: Any) -> SendIdRequest:
    """A request as the views are handed one (nothing stored): REQUESTER's in CHANNEL for
    CAMPAIGN, send ID "wave1", made at NOW and pending for TTL; `changes` replace fields."""
    request = SendIdRequest(
        id="r0123456789ab",
        channel_id=CHANNEL,
        workspace=DEFAULT_WORKSPACE,
        requester_id=REQUESTER,
        campaign_id=CAMPAIGN,
        send_id="wave1",
        campaign_name=CAMPAIGN_NAME,
        state=RequestState.PENDING,
        created_at=NOW,
        updated_at=NOW,
        expires_at=NOW + TTL,
    )
    return dataclasses.replace(request, **changes)
