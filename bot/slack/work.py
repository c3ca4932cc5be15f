"""Where the work after a Slack acknowledgement runs, so that no acknowledgement waits for it.

Bolt runs every listener on its listener pool and answers Slack only once the listener has
called ``ack`` — within 3 seconds, or Slack gets a 404. Listeners therefore acknowledge and hand
everything slow (Braze, Slack calls, the database) to pools of their own here; Bolt's threads
are free again in milliseconds, however slow Braze or Slack are:

* ``run``: clicks, form follow-ups (bounded pool; waiting work queues, nothing is refused);
* ``run_results``: Braze results (``/sendid stats``, *Show results*): a small pool, and at
  most one lookup in flight per person (another is refused, so the caller can say so);
* ``publish_home``: App Home views, coalesced per person — a request while one is being
  published makes one more publish afterwards, never a queue of them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("bot.slack")

# Clicks and form follow-ups: an approval waits on Braze up to its create deadline.
WORK_THREADS = 32
# Braze results lookups (one per send ID at a time anyway: the service shares each fetch).
RESULTS_THREADS = 4


class Work:
    def __init__(self, threads: int = WORK_THREADS, results_threads: int = RESULTS_THREADS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="work")
        self._results = ThreadPoolExecutor(
            max_workers=results_threads, thread_name_prefix="results"
        )
        self._lock = threading.Lock()
        self._results_of: set[str] = set()  # people with a results lookup in flight
        self._homes: dict[str, bool] = {}  # person -> publish again once this one is done

    def run(self, what: str, job: Callable[[], object]) -> None:
        """Run `job` after the acknowledgement; a failure is logged with `what`."""
        self._pool.submit(_logged, what, job)

    def run_results(self, user_id: str, job: Callable[[], object]) -> bool:
        """Run `user_id`'s results lookup; False (nothing run) while another of theirs runs."""
        with self._lock:
            if user_id in self._results_of:
                return False
            self._results_of.add(user_id)

        def lookup() -> None:
            try:
                _logged("results", job)
            finally:
                with self._lock:
                    self._results_of.discard(user_id)

        self._results.submit(lookup)
        return True

    def publish_home(self, user_id: str, publish: Callable[[str], object]) -> None:
        """Publish `user_id`'s App Home soon; requests while one is under way coalesce."""
        with self._lock:
            if user_id in self._homes:
                self._homes[user_id] = True  # one more, with whatever changed meanwhile
                return
            self._homes[user_id] = False

        def publish_until_current() -> None:
            while True:
                _logged("app home", lambda: publish(user_id))
                with self._lock:
                    if not self._homes.get(user_id):
                        self._homes.pop(user_id, None)
                        return
                    self._homes[user_id] = False

        self._pool.submit(publish_until_current)

    def close(self) -> None:
        """Let what was handed over finish (a Braze call records its outcome), then stop."""
        self._pool.shutdown(wait=True)
        self._results.shutdown(wait=True)


def _logged(what: str, job: Callable[[], object]) -> None:
    try:
        job()
    except Exception:  # nobody else sees this thread's failures
        log.exception("%s failed after the acknowledgement", what)
