"""Persistence: requests, their audit trail and the last known Braze quota.

SQLAlchemy Core (no ORM) so that one code path serves SQLite (the embedded default) and
PostgreSQL (several replicas). The guarantees the rest of the bot relies on:

* Every state change is ONE conditional ``UPDATE … WHERE id = :id AND state IN (…)`` plus its
  audit row, in the same transaction. Of many concurrent callers (threads, processes, replicas)
  exactly one wins; the others get ``None``.
* A campaign/send ID pair can be held by at most one live request. This is enforced by the
  database, not by a check-then-insert: the nullable, unique column ``pair_key`` is set while a
  request holds the pair and set to NULL by the transitions that free it (NULLs never collide).
* All datetimes in and out are timezone-aware UTC, whatever the backend stores.

``Store`` is the domain's request repository (:class:`bot.domain.ports.RequestRepository`);
refused duplicates raise the domain's ``DuplicatePairError``/``DuplicateSubmissionError``.

The package: ``schema`` (tables, rows ↔ records), ``migrations`` (versioned schema),
``engine`` (connections, SQLite/PostgreSQL hooks, write transactions), and the queries by
concern: ``lifecycle`` (create, transitions), ``reads`` (history, counts), ``housekeeping``
(overdue requests, claims on lost work), ``quota``, ``audit_trail`` (audit rows, export) and
``signatures`` (Slack request signatures already answered: the replay memory of all replicas).
"""

from bot.store.engine import normalise_url
from bot.store.errors import StoreError, UnknownRequestError
from bot.store.migrations import SCHEMA_VERSION
from bot.store.schema import pair_key
from bot.store.store import Store

__all__ = [
    "SCHEMA_VERSION",
    "Store",
    "StoreError",
    "UnknownRequestError",
    "normalise_url",
    "pair_key",
]
