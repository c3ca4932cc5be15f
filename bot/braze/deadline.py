"""A hard total deadline for one Braze create, and the late answer that may follow it.

httpx's timeouts apply to each read, so an answer trickled byte by byte is never caught by
them, and nothing caps one attempt. :func:`within_deadline` runs the create on a thread of its
own and waits at most the deadline for it. Whether the request may have reached Braze is known
from httpx's documented ``trace`` extension: :class:`SendGuard` sees every attempt start
sending its request (``http11``/``http2`` ``send_request_headers.started``) and, once the
caller gave up, stops any attempt that had not started sending. So at the deadline:

* nothing was sent (still connecting, or pausing between refused connections): nothing ever
  will be — :class:`~bot.braze.errors.BrazeUnavailable`, like any failure before sending;
* something may have been sent: :class:`~bot.braze.errors.BrazeOutcomeUnknown`; the call goes
  on, and a success that arrives later is handed to ``late`` (so a late send ID is recorded).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, cast

from bot.braze.errors import BrazeOutcomeUnknown, BrazeUnavailable

log = logging.getLogger("bot.braze")

T = TypeVar("T")

_SENDING = frozenset({"http11.send_request_headers.started", "http2.send_request_headers.started"})


class Abandoned(Exception):
    """Raised inside an attempt that was about to send after its caller had given up."""


class SendGuard:
    """Whether a call may have sent its request, and whether its caller gave up on it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent = False
        self._abandoned = False

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        """httpx's ``trace`` extension: called at each step of every attempt."""
        if event in _SENDING:
            with self._lock:
                if self._abandoned:
                    raise Abandoned("the caller gave up before this attempt was sent")
                self._sent = True

    def check(self) -> None:
        """Before an attempt: raise Abandoned once the caller gave up."""
        with self._lock:
            if self._abandoned:
                raise Abandoned("the caller gave up before this attempt started")

    def abandon(self) -> bool:
        """The caller gives up. True if the request may have reached Braze; False if it was
        never sent (and never will be)."""
        with self._lock:
            self._abandoned = True
            return self._sent


class _Result(Generic[T]):
    """What the call's thread ended with; `late` is called with a success that comes after
    the caller gave up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None
        self._late: Callable[[T], object] | None = None

    def finish(self, value: T | None, error: BaseException | None) -> None:
        with self._lock:
            self.value, self.error = value, error
            self.done.set()
            late = self._late
        if late is not None and error is None and value is not None:
            try:
                late(value)
            except Exception:  # nobody waits on this thread: say it here
                log.exception("a late Braze answer could not be handed on")

    def on_late(self, late: Callable[[T], object]) -> bool:
        """Hand a later success to `late`; False if the call has already ended."""
        with self._lock:
            if self.done.is_set():
                return False
            self._late = late
            return True


def within_deadline(
    call: Callable[[SendGuard], T],
    deadline: float,
    *,
    late: Callable[[T], object] | None,
    path: str,
    redact: tuple[str, ...],
) -> T:
    """`call(guard)` on a thread of its own, waited for at most `deadline` seconds."""
    guard = SendGuard()
    result: _Result[T] = _Result()

    def run() -> None:
        try:
            value = call(guard)
        except BaseException as error:  # handed to the waiting caller, or logged if late
            result.finish(None, error)
        else:
            result.finish(value, None)

    threading.Thread(target=run, name="braze-create", daemon=True).start()
    if not result.done.wait(deadline):
        may_have_left = guard.abandon()
        log.warning("braze %s: no whole answer within %.3g s", path, deadline)
        if late is not None and may_have_left:
            result.on_late(late)
        if not result.done.is_set():
            if not may_have_left:
                raise BrazeUnavailable(
                    f"could not send the request to Braze within {deadline:g} s",
                    path=path,
                    redact=redact,
                )
            raise BrazeOutcomeUnknown(
                f"no whole answer from Braze within {deadline:g} s; Braze may have acted on "
                "the request",
                path=path,
                redact=redact,
            )
    if result.error is not None:
        raise result.error
    return cast(T, result.value)
