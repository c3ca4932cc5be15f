"""Versioned schema: a new database gets the current tables, an older one the missing steps.

Each step runs with its version row in the same transaction, so an upgrade either completes or
leaves the data as it was. A database written by a newer bot is refused rather than risked.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.store.engine import Database
from bot.store.errors import StoreError
from bot.store.schema import (
    PAIR_SEPARATOR,
    UNANNOUNCED,
    metadata,
    schema_version_table,
    utcnow,
)

SCHEMA_VERSION: Final = 11

# A step: plain SQL, or a statement with bound parameters. New tables need no step: every
# start runs metadata.create_all (below) before the steps, so a step may fill a new table.
Step = str | sa.TextClause

# How to bring a database from version N-1 to N, in order.
MIGRATIONS: Final[dict[int, tuple[Step, ...]]] = {
    2: (
        # Which state's thread reply is posted: lets housekeeping re-post replies a crash lost.
        "ALTER TABLE requests ADD COLUMN announced_state VARCHAR(16)",
        # When the half-TTL reminder went out (at most one per request).
        "ALTER TABLE requests ADD COLUMN reminded_at TIMESTAMP",
    ),
    3: (
        # Slack's view ID of the form that created the request: a replayed submission (to any
        # replica) carries the same one, and the unique index refuses a second request.
        "ALTER TABLE requests ADD COLUMN submission_key VARCHAR(64)",
        "CREATE UNIQUE INDEX uq_requests_submission_key ON requests (submission_key)",
    ),
    4: (
        # Several Braze workspaces: everything before them was the one of BRAZE_API_KEY. The
        # DEFAULT only fills the existing rows (SQLite adds a NOT NULL column only with one);
        # the bot always writes the workspace itself.
        f"ALTER TABLE requests ADD COLUMN workspace VARCHAR(32) NOT NULL "
        f"DEFAULT '{DEFAULT_WORKSPACE}'",
        f"ALTER TABLE audit_log ADD COLUMN workspace VARCHAR(32) NOT NULL "
        f"DEFAULT '{DEFAULT_WORKSPACE}'",
        # The duplicate-pair rule holds per workspace: held pairs get their workspace in front.
        sa.text(
            "UPDATE requests SET pair_key = workspace || :separator || pair_key "
            "WHERE pair_key IS NOT NULL"
        ).bindparams(separator=PAIR_SEPARATOR),
        # The quota is per workspace: the one known quota becomes the default workspace's.
        sa.text(
            "INSERT INTO workspace_quota "
            "(workspace, quota_limit, remaining, reset_at, observed_at) "
            "SELECT :workspace, quota_limit, remaining, reset_at, observed_at FROM braze_quota"
        ).bindparams(workspace=DEFAULT_WORKSPACE),
        "DROP TABLE braze_quota",
    ),
    5: (
        # The per-person cap counts a requester's pending requests inside every insert.
        "CREATE INDEX ix_requests_requester_state ON requests (requester_id, state)",
    ),
    6: (
        # The optional purpose the requester typed in the form (shown on the card, audited).
        "ALTER TABLE requests ADD COLUMN purpose TEXT",
    ),
    7: (
        # Who clicked the last Retry: decided_by keeps the approver who signed off.
        "ALTER TABLE requests ADD COLUMN retried_by VARCHAR(32)",
        # When the claimed approval's Braze call started (NULL: not yet): recovery tells a
        # claim Braze never saw (back to approvable) from one whose outcome is unknown.
        "ALTER TABLE requests ADD COLUMN calling_since TIMESTAMP",
        # A claim in flight while the bot was upgraded may have called Braze already: it counts
        # as calling since it was claimed (recovery then says "unknown", never "not called").
        "UPDATE requests SET calling_since = updated_at WHERE state = 'approved'",
        # Since when someone is posting the request's card: one poster at a time, across
        # threads and replicas (the claim lapses after a while, in case the poster died).
        "ALTER TABLE requests ADD COLUMN card_posting_at TIMESTAMP",
    ),
    8: (
        # Housekeeping reads only what it acts on, however many requests are stored: failures
        # of a kind (recent quota failures, unretried setup failures), what is past the
        # retention period, and the requests whose thread reply is missing.
        "CREATE INDEX ix_requests_state_kind_updated ON requests (state, failure_kind, updated_at)",
        "CREATE INDEX ix_requests_state_updated ON requests (state, updated_at)",
        f"CREATE INDEX ix_requests_unannounced ON requests (state, updated_at) WHERE {UNANNOUNCED}",
    ),
    9: (
        # The language of what is posted about a request, chosen once when it is made.
        "ALTER TABLE requests ADD COLUMN language VARCHAR(8)",
    ),
    # ---- issue 28: the Workflow Builder step ----
    10: (
        # The workflow_steps table (a request's step execution, and finishing it once) is new:
        # metadata.create_all makes it, with its indexes, before the steps run. Nothing else
        # changes: every stored request was made by the form.
    ),
    # ---- issue 25: the two-person rule ----
    11: (
        # The two-person rule: how many distinct approvals a request needs, and who has given
        # one. Requests made before it needed one approval and have none counted (the
        # DEFAULTs); who decided those stays in decided_by and the audit trail.
        "ALTER TABLE requests ADD COLUMN approvals_required INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE requests ADD COLUMN approvals TEXT NOT NULL DEFAULT ''",
    ),
}

# Arbitrary constant ("SEND") for pg_advisory_xact_lock: serialises schema creation between
# replicas that start at the same moment (concurrent CREATE TABLE IF NOT EXISTS can still fail).
_PG_SCHEMA_LOCK_ID: Final = 0x53454E44


def ensure_schema(db: Database) -> None:
    """Create the tables or bring them up to SCHEMA_VERSION; StoreError if the database is newer."""
    with db.write() as conn:
        if not db.is_sqlite:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_SCHEMA_LOCK_ID)))
        metadata.create_all(conn, checkfirst=True)
        current = conn.execute(sa.select(sa.func.max(schema_version_table.c.version))).scalar()
        if current is None:
            conn.execute(
                schema_version_table.insert().values(version=SCHEMA_VERSION, applied_at=utcnow())
            )
            return
        if current > SCHEMA_VERSION:
            # Written by newer code: running old code against it could corrupt data.
            raise StoreError(
                f"database schema version {current} is newer than this bot supports "
                f"({SCHEMA_VERSION}); upgrade the bot"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for step in MIGRATIONS[version]:
                if isinstance(step, sa.TextClause):
                    conn.execute(step)
                    continue
                if not db.is_sqlite:
                    step = step.replace("TIMESTAMP", "TIMESTAMP WITH TIME ZONE")
                conn.exec_driver_sql(step)
            conn.execute(schema_version_table.insert().values(version=version, applied_at=utcnow()))
