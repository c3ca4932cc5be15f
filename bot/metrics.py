"""Prometheus metrics, served as text at ``GET /metrics`` (HTTP mode, and on PORT in Socket Mode).

Two kinds, on purpose:

* **From the database, at scrape time** (:class:`StoreCollector`): requests by state, failed
  requests by workspace and kind, pending requests, each Braze workspace's last known quota.
  Every replica reads the same shared database, so these are right whichever replica is scraped
  (aggregate them with ``max``, not ``sum``).
* **Per process** (:class:`BrazeMetrics`): HTTP requests to Braze by workspace, endpoint and
  status, and their latency. Each replica counts its own calls (sum them across replicas). In
  Socket Mode also its connection to Slack (:class:`SocketModeCollector`): open or not, and
  reconnections.

Braze metrics carry the ``workspace`` label (``default`` for BRAZE_API_KEY's workspace): each
workspace has its own quota, key and endpoint, so each fails and runs out on its own.

Each :class:`Metrics` has its own registry, so several bots in one process (tests) never mix.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from bot.braze.http import CallObserver
from bot.domain.models import QuotaSnapshot, RequestState
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.socket_mode import REASONS, SocketModeStatus
from bot.store import Store

log = logging.getLogger("bot.metrics")

# Braze answers in tens to hundreds of milliseconds; the read timeout is 10 s.
BRAZE_LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


# name → (help, labels) of every gauge the StoreCollector reports.
_STORE_GAUGES: dict[str, tuple[str, list[str]]] = {
    "sendid_store_up": ("1 if the database answered this scrape, else 0", []),
    "sendid_requests": (
        "Send ID requests by current state (the outcome, once decided); all replicas",
        ["state"],
    ),
    "sendid_pending_requests": ("Requests waiting for an approver; all replicas", []),
    "sendid_failed_requests": (
        "Failed requests by Braze workspace and failure kind (auth, permission, quota, ...); "
        "all replicas",
        ["workspace", "kind"],
    ),
    "sendid_braze_quota_limit": (
        "Braze send ID quota per day of the workspace, as last reported",
        ["workspace"],
    ),
    "sendid_braze_quota_remaining": (
        "Braze send IDs left today in the workspace, as last reported (the limit again once "
        "the reset passed)",
        ["workspace"],
    ),
    "sendid_braze_quota_reset_timestamp_seconds": (
        "When Braze resets the workspace's send ID quota (Unix time)",
        ["workspace"],
    ),
    "sendid_braze_quota_observed_timestamp_seconds": (
        "When Braze last reported the workspace's quota (Unix time)",
        ["workspace"],
    ),
}


def _gauge(name: str, samples: Iterable[tuple[list[str], float]] = ()) -> GaugeMetricFamily:
    help_text, labels = _STORE_GAUGES[name]
    family = GaugeMetricFamily(name, help_text, labels=labels)
    for label_values, value in samples:
        family.add_metric(label_values, value)
    return family


class StoreCollector(Collector):
    """Reads the shared database at every scrape; a database outage gives ``sendid_store_up 0``.

    ``workspaces``: the configured Braze workspaces, reported (with zeros) even before anything
    happened in them."""

    def __init__(
        self,
        store: Store,
        workspaces: Sequence[str] = (DEFAULT_WORKSPACE,),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._store = store
        self._workspaces = tuple(workspaces)
        self._clock = clock or (lambda: datetime.now(UTC))

    def describe(self) -> Iterable[Metric]:
        # Names only, so registering never touches the database.
        return [_gauge(name) for name in _STORE_GAUGES]

    def collect(self) -> Iterator[Metric]:
        try:
            by_state = self._store.count_by_state()
            failed = self._store.count_failed_by_kind(self._workspaces)
            quotas = self._store.quotas()
        except Exception as error:
            # A scrape must answer even when the database does not; /readyz says the same.
            log.warning("metrics: database unreachable: %s", type(error).__name__)
            yield _gauge("sendid_store_up", [([], 0)])
            return
        yield _gauge("sendid_store_up", [([], 1)])
        yield _gauge("sendid_requests", [([s.value], n) for s, n in by_state.items()])
        yield _gauge("sendid_pending_requests", [([], by_state[RequestState.PENDING])])
        yield _gauge(
            "sendid_failed_requests",
            [
                ([workspace, kind.value], n)
                for workspace, by_kind in failed.items()
                for kind, n in by_kind.items()
            ],
        )
        # A workspace Braze has not reported a quota for has no quota samples, not guesses.
        yield from self._quota_gauges(quotas)

    def _quota_gauges(self, quotas: dict[str, QuotaSnapshot]) -> Iterator[Metric]:
        remaining, limit, reset, observed = [], [], [], []
        for workspace, snapshot in quotas.items():
            left = snapshot.remaining
            if snapshot.reset_at is not None and self._clock() >= snapshot.reset_at:
                left = snapshot.limit  # Braze has reset the quota since it was observed
            if left is not None:
                remaining.append(([workspace], float(left)))
            if snapshot.limit is not None:
                limit.append(([workspace], float(snapshot.limit)))
            if snapshot.reset_at is not None:
                reset.append(([workspace], snapshot.reset_at.timestamp()))
            observed.append(([workspace], snapshot.observed_at.timestamp()))
        if remaining:
            yield _gauge("sendid_braze_quota_remaining", remaining)
        if limit:
            yield _gauge("sendid_braze_quota_limit", limit)
        if reset:
            yield _gauge("sendid_braze_quota_reset_timestamp_seconds", reset)
        if observed:
            yield _gauge("sendid_braze_quota_observed_timestamp_seconds", observed)


class BrazeMetrics:
    """Counts every HTTP request to Braze (each attempt, retries included) and times it."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "sendid_braze_requests",
            "HTTP requests to Braze by workspace, endpoint and status (HTTP code, or the "
            "transport failure such as connect_error or read_timeout); each attempt counts",
            ["workspace", "endpoint", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "sendid_braze_request_duration_seconds",
            "Time from sending a request to Braze to its answer or failure",
            ["workspace", "endpoint"],
            buckets=BRAZE_LATENCY_BUCKETS,
            registry=registry,
        )

    def observer_for(self, workspace: str) -> CallObserver:
        """The observer hook of the workspace's Braze client (``BrazeClient(observer=…)``)."""

        def observe(method: str, path: str, status: str, seconds: float) -> None:
            self.requests.labels(workspace=workspace, endpoint=path, status=status).inc()
            self.latency.labels(workspace=workspace, endpoint=path).observe(seconds)

        return observe


class ReplyMetrics:
    """Thread replies Slack refused, by what the bot did next (per process)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.failures = Counter(
            "sendid_thread_reply_failures",
            "Thread replies Slack refused, by what the bot did next: card_gone (the card was "
            "deleted; the result went by DM), retry (tried again next housekeeping round), "
            "given_up (refused too often; the result went by DM)",
            ["outcome"],
            registry=registry,
        )
        for outcome in ("card_gone", "retry", "given_up"):
            self.failures.labels(outcome=outcome)  # shown at 0 from the start

    def count(self, outcome: str) -> None:
        self.failures.labels(outcome=outcome).inc()


class RefusedRequestMetrics:
    """Requests to the Slack endpoint refused before Bolt saw them, by why: the trace an attack
    (or a misconfigured proxy) leaves. Counted, not logged: a flood of forgeries must not flood
    the logs too."""

    REASONS = ("unsigned", "forged", "replayed", "malformed", "foreign")

    def __init__(self, registry: CollectorRegistry) -> None:
        self.refused = Counter(
            "sendid_slack_requests_refused",
            "Requests to /slack/events refused before the bot acted on them: unsigned (no or "
            "malformed signature headers), forged (the signature does not verify, or is "
            "outside Slack's 5-minute window), replayed (answered before, by any replica), "
            "malformed (signed, but not a body Slack sends), foreign (from another Slack team, "
            "app or enterprise than the bot's own: refused privately, in either mode)",
            ["reason"],
            registry=registry,
        )
        for reason in self.REASONS:
            self.refused.labels(reason=reason)  # shown at 0 from the start

    def count(self, reason: str) -> None:
        self.refused.labels(reason=reason).inc()


class SocketModeCollector(Collector):
    """This process's Socket Mode connection, read at each scrape."""

    def __init__(self, status: Callable[[], SocketModeStatus]) -> None:
        self._status = status

    def collect(self) -> Iterator[Metric]:
        status = self._status()
        yield GaugeMetricFamily(
            "sendid_socket_mode_connected",
            "1 while this process's Socket Mode client holds a connection to Slack (a dead one "
            "until the client notices: within about 12 s)",
            value=1 if status.connected else 0,
        )
        reconnects = CounterMetricFamily(
            "sendid_socket_mode_reconnects",
            "New Socket Mode connections after the first, by why: refresh (Slack asked), "
            "lost (the previous one was closed by the peer or stopped answering pings)",
            labels=["reason"],
        )
        for reason in REASONS:
            reconnects.add_metric([reason], status.reconnects.get(reason, 0))
        yield reconnects


class Metrics:
    """One registry per running bot: database-backed gauges, Braze counters, process metrics."""

    def __init__(self, store: Store, workspaces: Sequence[str] = (DEFAULT_WORKSPACE,)) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(StoreCollector(store, workspaces))
        self.braze = BrazeMetrics(self.registry)
        self.replies = ReplyMetrics(self.registry)
        self.refused_requests = RefusedRequestMetrics(self.registry)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)

    def watch_socket_mode(self, status: Callable[[], SocketModeStatus]) -> None:
        """Report the Socket Mode connection too (Socket Mode only)."""
        self.registry.register(SocketModeCollector(status))

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition body and its Content-Type (Prometheus text, or OpenMetrics if asked)."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type
