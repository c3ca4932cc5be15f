"""The one consistency check every reliability scenario ends with.

Given the store, what the Braze stand-in received and what the Slack stand-in received, count
what must be zero: requests lost or duplicated, Braze creations no request accounts for,
decided requests without their thread reply, broken audit trails and approvals left in flight.
The rules, in words:

* **lost**: a submission the bot accepted (HTTP 200 without inline errors) with no stored
  request; or a stored request nobody can see (no card in the channel and no DM to the
  requester with *Post again*).
* **duplicated**: one submission stored twice; two Braze creations for one request. (A second
  card for one request, or a thread reply posted twice, is counted separately: either card
  still decides the request exactly once.)
* **inconsistent**: a request the store calls ``created`` with no matching Braze creation; a
  Braze creation that matches no request that is ``created`` or ``failed`` as *outcome unknown*
  (the only failure that admits Braze may have acted); a request ``failed`` for a reason that
  says "not created" while Braze did create it.
* **missing_replies**: a decided request (created, failed, rejected, expired, cancelled) whose
  card has no thread reply, whose reply was not recorded as posted, or (created) whose reply
  does not show the send ID.
* **audit_gaps**: an audit trail that does not start with the request, does not chain
  from-state to to-state, does not end in the current state, or counts Braze attempts wrongly.
* **stuck**: a request still ``approved`` (Braze call in flight) once the scenario settled.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.domain.models import AuditEntry, FailureKind, RequestState, SendIdRequest
from bot.slack import mrkdwn as md
from bot.store import Store
from tests.standins.braze import CREATE_PATH, BrazeCall
from tests.standins.slack import SlackStandIn
from tests.support.constants import REPOST
from tests.support.shown import buttons
from tests.support.waits import Submission

DECIDED = (
    RequestState.CREATED,
    RequestState.FAILED,
    RequestState.REJECTED,
    RequestState.EXPIRED,
    RequestState.CANCELLED,
)
# Failures after which Braze may have created the ID without the bot knowing it.
MAYBE_CREATED = frozenset({FailureKind.OUTCOME_UNKNOWN, FailureKind.UNEXPECTED})
COUNTED = ("lost", "duplicated", "inconsistent", "missing_replies", "audit_gaps", "stuck")


@dataclass
class Verdict:
    requests: int = 0
    states: Counter[str] = field(default_factory=Counter)
    braze_create_calls: int = 0
    braze_creations: int = 0
    duplicate_replies: int = 0
    duplicate_cards: int = 0
    lost: int = 0
    duplicated: int = 0
    inconsistent: int = 0
    missing_replies: int = 0
    audit_gaps: int = 0
    stuck: int = 0
    problems: list[str] = field(default_factory=list)

    def flag(self, counter: str, problem: str) -> None:
        setattr(self, counter, getattr(self, counter) + 1)
        if len(self.problems) < 50:
            self.problems.append(f"{counter}: {problem}")

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTED}

    def assert_clean(self) -> None:
        assert all(v == 0 for v in self.counts().values()), f"{self.counts()}\n" + "\n".join(
            self.problems
        )


def all_requests(store: Store) -> list[SendIdRequest]:
    return [r for state in RequestState for r in store.in_state(state)]


def check(
    store: Store,
    braze_calls: Sequence[BrazeCall],
    braze_created: Sequence[tuple[str, str]],
    slack: SlackStandIn,
    *,
    channels: Iterable[str],
    accepted: Iterable[Submission] = (),
    settled: bool = True,
) -> Verdict:
    """Count every broken promise. `settled`: nothing may still be in flight.

    What Slack shows is read from the stand-in's message store (only successful posts, as
    updated since), for `channels` and the requesters' DMs.
    """
    requests = all_requests(store)
    verdict = Verdict(requests=len(requests))
    verdict.states.update(r.state.value for r in requests)
    creates = [c for c in braze_calls if c.method == "POST" and c.path == CREATE_PATH]
    verdict.braze_create_calls = len(creates)
    verdict.braze_creations = len(braze_created)
    shown = {channel: slack.messages_in(channel) for channel in channels}
    dms = {user: slack.messages_in(user) for user in {r.requester_id for r in requests}}

    trails = {r.id: store.audit(r.id) for r in requests}
    _check_submissions(verdict, requests, accepted)
    _check_visible(verdict, requests, shown, dms)
    _check_braze(verdict, requests, braze_created)
    _check_replies(verdict, requests, shown, trails, dms)
    for request in requests:
        _check_audit(verdict, trails[request.id], request)
        if settled and request.state is RequestState.APPROVED:
            verdict.flag("stuck", f"{request.id} still approved")
    return verdict


def _check_submissions(
    verdict: Verdict, requests: list[SendIdRequest], accepted: Iterable[Submission]
) -> None:
    stored = Counter(
        Submission(r.channel_id, r.requester_id, r.campaign_id, r.send_id) for r in requests
    )
    wanted = Counter(accepted)
    for submission, count in wanted.items():
        have = stored.get(submission, 0)
        if have < count:
            for _ in range(count - have):
                verdict.flag("lost", f"accepted but not stored: {submission}")
        elif have > count:
            for _ in range(have - count):
                verdict.flag("duplicated", f"stored {have}x, accepted {count}x: {submission}")


def _check_visible(
    verdict: Verdict,
    requests: list[SendIdRequest],
    shown: dict[str, list[dict[str, Any]]],
    dms: dict[str, list[dict[str, Any]]],
) -> None:
    top_level = {
        channel: [m for m in messages if "thread_ts" not in m]
        for channel, messages in shown.items()
    }
    card_ts = {r.card_ts for r in requests if r.card_ts}
    # A card whose ts no request stored: a second card for a request, or the crash between
    # posting a card and storing its ts (its buttons still name the request).
    orphans: Counter[str] = Counter()
    for messages in top_level.values():
        for message in messages:
            if message["ts"] in card_ts:
                continue
            for value in {b.get("value") for b in buttons(message.get("blocks"))}:
                if isinstance(value, str):
                    orphans[value] += 1
    for request in requests:
        told = any(
            b.get("value") == request.id and b.get("action_id") == REPOST
            for m in dms.get(request.requester_id, [])
            for b in buttons(m.get("blocks"))
        )
        on_card = request.card_ts is not None and any(
            m["ts"] == request.card_ts for m in top_level.get(request.channel_id, [])
        )
        # A card someone deleted is no loss when its outcome reached the requester by DM.
        gone = request.announced_state is request.state and _outcome_dms(request, dms)
        if (
            request.card_ts is not None
            and not on_card
            and request.channel_id in top_level
            and not gone
        ):
            verdict.flag("lost", f"{request.id}: its card {request.card_ts} is not in the channel")
        elif request.card_ts is None and not told and not orphans[request.id]:
            verdict.flag("lost", f"{request.id} has no card and its requester was never told")
        # Not a doubled request (either card decides it once), but counted and published.
        verdict.duplicate_cards += max(orphans[request.id] - (request.card_ts is None), 0)


def _check_braze(
    verdict: Verdict, requests: list[SendIdRequest], created: Sequence[tuple[str, str]]
) -> None:
    remaining = Counter(created)
    matched: Counter[str] = Counter()
    # Requests the store calls created own the creation of exactly their send ID.
    for request in requests:
        if request.state is not RequestState.CREATED:
            continue
        key = (request.campaign_id, request.created_send_id or "")
        if remaining[key] > 0:
            remaining[key] -= 1
            matched[request.id] += 1
        else:
            verdict.flag("inconsistent", f"{request.id} created, but Braze never created {key}")
    # What is left must be explained by a request whose outcome is unknown (or still in flight).
    maybe = [
        r
        for r in requests
        if r.state is RequestState.APPROVED
        or (r.state is RequestState.FAILED and r.failure_kind in MAYBE_CREATED)
    ]
    by_pair: dict[tuple[str, str | None], list[SendIdRequest]] = defaultdict(list)
    for request in maybe:
        by_pair[(request.campaign_id, request.send_id)].append(request)
    for (campaign, send_id), count in remaining.items():
        for _ in range(count):
            explicit = any(r.campaign_id == campaign and r.send_id == send_id for r in requests)
            owners = by_pair.get((campaign, send_id if explicit else None)) or []
            owner = next((r for r in owners if matched[r.id] == 0), None)
            if owner is None:
                owner = owners[0] if owners else None
            if owner is None:
                failed = [
                    r
                    for r in requests
                    if r.campaign_id == campaign and r.send_id == send_id and r.failure_kind
                ]
                detail = f" (request {failed[0].id}: {failed[0].failure_kind})" if failed else ""
                verdict.flag("inconsistent", f"Braze created {(campaign, send_id)}{detail}")
                continue
            matched[owner.id] += 1
            if owner.send_id is None:
                by_pair[(campaign, None)].remove(owner)
    for request_id, count in matched.items():
        if count > 1:
            for _ in range(count - 1):
                verdict.flag("duplicated", f"Braze created {count} send IDs for {request_id}")


def _outcome_dms(
    request: SendIdRequest, dms: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The requester's DMs that carry the request's outcome (its campaign, and the send ID
    where one was created): where it goes when the card's thread cannot take it."""
    return [
        m
        for m in dms.get(request.requester_id, [])
        if request.campaign_id in _text_of(m) and (request.created_send_id or "") in _text_of(m)
    ]


def _text_of(message: dict[str, Any]) -> str:
    return json.dumps([message.get("text"), message.get("blocks")], ensure_ascii=False)


def _check_replies(
    verdict: Verdict,
    requests: list[SendIdRequest],
    shown: dict[str, list[dict[str, Any]]],
    trails: dict[str, list[AuditEntry]],
    dms: dict[str, list[dict[str, Any]]] | None = None,
) -> None:
    replies: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for channel, messages in shown.items():
        for message in messages:
            thread = message.get("thread_ts")
            if isinstance(thread, str):
                replies[(channel, thread)].append(message)
    for request in requests:
        if request.state not in DECIDED or request.card_ts is None:
            continue  # no card: the reply went to the channel itself (or the card never showed)
        found = replies.get((request.channel_id, request.card_ts), [])
        if not found and request.announced_state is request.state:
            # The card was deleted (or Slack kept refusing its thread): the outcome must have
            # gone to the requester by DM instead.
            found = _outcome_dms(request, dms or {})
        if not found:
            verdict.flag("missing_replies", f"{request.id} {request.state} has no thread reply")
            continue
        if request.announced_state is not request.state:
            verdict.flag("missing_replies", f"{request.id}: reply for {request.state} not recorded")
        if request.state is RequestState.CREATED:
            send_id = md.code(request.created_send_id or "")  # as every reply shows it
            if not any(send_id in _text_of(message) for message in found):
                verdict.flag("missing_replies", f"{request.id}: no reply shows {send_id}")
        # One reply per decision (a failed retry is a second decision): more were posted twice.
        decisions = sum(1 for entry in trails[request.id] if entry.to_state in DECIDED)
        verdict.duplicate_replies += max(len(found) - decisions, 0)


def _check_audit(verdict: Verdict, trail: list[AuditEntry], request: SendIdRequest) -> None:
    first = trail[0] if trail else None
    if first is None or first.from_state is not None or first.to_state is not RequestState.PENDING:
        verdict.flag("audit_gaps", f"{request.id}: trail does not start with the request")
        return
    for before, after in itertools.pairwise(trail):
        if after.from_state is not before.to_state:
            verdict.flag("audit_gaps", f"{request.id}: {before.to_state} then {after.from_state}")
            return
    if trail[-1].to_state is not request.state:
        verdict.flag("audit_gaps", f"{request.id}: trail ends {trail[-1].to_state}")
        return
    approvals = sum(1 for entry in trail if entry.to_state is RequestState.APPROVED)
    if approvals != request.attempts:
        verdict.flag("audit_gaps", f"{request.id}: {approvals} approvals, {request.attempts} tries")


def create_calls_per_request(braze_calls: Sequence[BrazeCall]) -> Counter[tuple[str, str | None]]:
    """How many create calls Braze received per (campaign, send ID) pair."""
    return Counter(
        (str((c.json or {}).get("campaign_id")), (c.json or {}).get("send_id"))
        for c in braze_calls
        if c.method == "POST" and c.path == CREATE_PATH
    )
