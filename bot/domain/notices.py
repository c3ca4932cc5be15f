"""What the bot tells people about a request outside its thread, remembered in the database so
that every replica agrees: the DMs it sent (a button in a DM counts only for the person the bot
sent it to), the "quota is back" notice (posted once per failure), and the attempts at a thread
reply that keeps failing (given up after a bounded number).

Notices are names per request: ``dm:<user>``, ``quota_back:<attempt>``, ``reply:<state>``,
``click:<digest>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.domain.models import QuotaSnapshot, SendIdRequest
from bot.domain.ports import RequestRepository

# A quota failure older than this is not announced when the quota comes back: the requester
# has long asked again or moved on (and housekeeping need not read every old failure).
QUOTA_BACK_WITHIN = timedelta(days=2)
# How often a thread reply is tried before the bot gives up on it (and says so by DM).
REPLY_ATTEMPTS_MAX = 5


class NoticeBook:
    def __init__(self, store: RequestRepository, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    # ---- DMs ------------------------------------------------------------------------------

    def record_dm(self, request_id: str, user_id: str) -> None:
        """The bot sent `user_id` a DM with buttons about the request."""
        self._store.claim_notice(request_id, f"dm:{user_id}", self._clock())

    def record_dm_message(self, request_id: str, channel: str, ts: str, user_id: str) -> None:
        """Where the DM to `user_id` landed, to take its buttons away once the request is
        decided (in that reader's language)."""
        self._store.claim_notice(request_id, f"dmmsg:{channel}:{ts}:{user_id}", self._clock())

    def dm_messages(self, request_id: str) -> list[tuple[str, str, str | None]]:
        """(channel, ts, reader) of every DM with buttons sent about the request; the reader is
        None for DMs recorded before readers were."""
        found = self._store.notices_of(request_id, "dmmsg:")
        places = [n.removeprefix("dmmsg:").split(":") for n in found]
        return [(p[0], p[1], p[2] if len(p) > 2 else None) for p in places]

    def was_dmed(self, request_id: str, user_id: str) -> bool:
        """Whether the bot sent `user_id` a DM about the request: a click in a DM counts only
        then (it stands for the channel's card, which that person was sent)."""
        return self._store.has_notice(request_id, f"dm:{user_id}")

    # ---- the quota is back ----------------------------------------------------------------

    def take_quota_back(
        self, exhausted: Callable[[str], QuotaSnapshot | None]
    ) -> list[SendIdRequest]:
        """Requests that failed on their workspace's quota (reply posted) whose workspace has
        quota again: each handed out once per failure, across replicas. `exhausted(workspace)`
        says whether a workspace's quota is still used up; another workspace never matters."""
        now = self._clock()
        back = []
        for request in self._store.quota_failures_since(now - QUOTA_BACK_WITHIN):
            if exhausted(request.workspace) is not None:
                continue
            if self._store.claim_notice(request.id, f"quota_back:{request.attempts}", now):
                back.append(request)
        return back

    # ---- replies that keep failing --------------------------------------------------------

    def reply_failed(self, request: SendIdRequest) -> bool:
        """Count a failed attempt at the request's thread reply; True once the bot should give
        up on it (REPLY_ATTEMPTS_MAX attempts)."""
        notice = f"reply:{request.state.value}:{request.attempts}"
        return self._store.count_notice(request.id, notice, self._clock()) >= REPLY_ATTEMPTS_MAX

    # ---- clicks Slack delivers twice ------------------------------------------------------

    def first_delivery(self, request_id: str, click_key: str) -> bool:
        """False when this very click on the request was handled before, here or by another
        replica. Slack delivers an interaction again when its acknowledgement came late (in
        Socket Mode to any connection); a Retry handled twice would call Braze twice."""
        digest = hashlib.sha256(click_key.encode()).hexdigest()[:40]
        return self._store.claim_notice(request_id, f"click:{digest}", self._clock())
