"""`PromptAck`: Bolt's `ack`, waited for instead of polled.

Bolt (``ThreadListenerRunner.run``) runs a listener in its pool and has the request's thread poll
``ack.response`` every 10 ms until the listener has acknowledged. So every answer leaves up to
10 ms after ``ack()`` (5 ms on average), and in a burst each waiting request thread wakes 100
times a second to look, taking the GIL from the listeners that would acknowledge. The global
middleware (``bot.slack.context``) gives each request a `PromptAck`: when the request's own
thread reads ``response`` before the acknowledgement, the read waits for it (an event, woken by
``ack()``), up to Bolt's 3-second acknowledgement time; any other read, or one after that time,
is the plain attribute Bolt's code expects.
"""

from __future__ import annotations

import threading
import time

from slack_bolt.context.ack import Ack
from slack_bolt.response import BoltResponse

# Bolt's acknowledgement time-out (`Listener.ack_timeout`): it stops waiting after it anyway.
ACK_WAIT_SECONDS = 3.0


class PromptAck(Ack):
    def __init__(self, wait: float = ACK_WAIT_SECONDS) -> None:
        # Held until the acknowledgement: a bare lock, whose waiting and waking are each one C
        # call (an Event's go through a Condition's Python code, ~0.02 ms per request).
        self._unanswered = threading.Lock()
        self._unanswered.acquire()
        self._first_answer = threading.Lock()  # taken by the first answer: it alone releases
        self._response: BoltResponse | None = None
        self._waiter = threading.get_ident()  # the request's thread, the one that polls
        self._deadline = time.monotonic() + wait
        super().__init__()

    @property
    def response(self) -> BoltResponse | None:
        if self._response is None and threading.get_ident() == self._waiter:
            left = self._deadline - time.monotonic()
            if left > 0 and self._unanswered.acquire(timeout=left):
                self._unanswered.release()  # for any later read
        return self._response

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        self._response = value
        if value is not None and self._first_answer.acquire(blocking=False):
            self._unanswered.release()
