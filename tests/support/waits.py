"""Waiting on the store: the bot acknowledges Slack first and works afterwards."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from bot.domain.models import RequestState, SendIdRequest
from bot.store import Store

T = TypeVar("T")


@dataclass(frozen=True)
class Submission:
    """A request form as its requester submits it: once the bot accepts it (200, no inline
    errors), what must be stored."""

    channel: str
    requester: str
    campaign_id: str
    send_id: str | None  # None: blank, Braze generates one


def wait_until(condition: Callable[[], T | None], timeout: float = 10.0, every: float = 0.05) -> T:
    """The first truthy value of `condition()`, polled every `every` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(every)


def stored(store: Store, request_id: str) -> SendIdRequest:
    """The request as stored now; a test that asks for it knows it exists."""
    request = store.get(request_id)
    if request is None:
        raise AssertionError(f"no request {request_id} in the store")
    return request


def wait_for_state(
    store: Store,
    request_id: str,
    state: RequestState,
    *,
    announced: bool = False,
    timeout: float = 20.0,
) -> SendIdRequest:
    """The request once it is in `state`; with `announced`, once that state's thread reply is
    recorded as posted too (pending and approved have none)."""
    deadline = time.monotonic() + timeout
    while True:
        current = stored(store, request_id)
        reply_due = announced and state not in (RequestState.PENDING, RequestState.APPROVED)
        if current.state is state and not (reply_due and current.announced_state is not state):
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"{request_id} stayed {current.state}, not {state}")
        time.sleep(0.02)


def newest_with_card(store: Store, channel: str, timeout: float = 10.0) -> SendIdRequest:
    """The channel's newest request, once its card is posted (its ts stored)."""

    def posted() -> SendIdRequest | None:
        newest = store.recent_in_channel(channel, 1)
        return newest[0] if newest and newest[0].card_ts else None

    return wait_until(posted, timeout)


def find_stored(store: Store, submission: Submission, known: set[str]) -> SendIdRequest | None:
    """The newest stored request matching `submission` that is not in `known`, or None."""
    for request in store.recent_in_channel(submission.channel, 40):
        if (
            request.id not in known
            and request.requester_id == submission.requester
            and request.campaign_id == submission.campaign_id
            and request.send_id == submission.send_id
        ):
            return request
    return None


def wait_stored(
    store: Store, submission: Submission, known: set[str], timeout: float = 10.0
) -> SendIdRequest:
    """Wait until the request is stored with its card posted; add its ID to `known`."""

    def ready() -> SendIdRequest | None:
        request = find_stored(store, submission, known)
        return request if request is not None and request.card_ts else None

    request = wait_until(ready, timeout, every=0.1)
    known.add(request.id)
    return request


def wait_settled(
    store: Store, ids: Iterable[str], timeout: float = 20.0, *, allow_pending: bool = False
) -> list[SendIdRequest]:
    """Wait until each of `ids` is decided (or, with allow_pending, at least not in flight) and
    each decided one has its reply recorded."""
    wanted = list(ids)
    if not wanted:
        return []
    waiting = (
        (RequestState.APPROVED,) if allow_pending else (RequestState.APPROVED, RequestState.PENDING)
    )

    def settled() -> list[SendIdRequest] | None:
        current = [stored(store, i) for i in wanted]
        for request in current:
            if request.state in waiting:
                return None
            pending = request.state is RequestState.PENDING
            if not pending and request.announced_state is not request.state:
                return None
        return current

    return wait_until(settled, timeout)
