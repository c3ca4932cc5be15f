"""Upgrading a database written by an older bot, on SQLite and PostgreSQL: every row is kept.

The older databases are built from the SQL those versions ran (below, frozen as it was in
version 3, the last one before Braze workspaces), with rows as that bot wrote them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.domain.errors import DuplicatePairError
from bot.domain.models import (
    ApprovalStep,
    FailureKind,
    QuotaSnapshot,
    RequestState,
    SendIdRequest,
    StepOrigin,
)
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.store import SCHEMA_VERSION, Store, normalise_url
from bot.store.schema import UTCDateTime, audit_log, requests_table, schema_version_table
from tests.support import databases
from tests.support.records import NOW, new_request

S = RequestState
CAMPAIGN = "3f1c9e2a-5b7d-4c8e-9a10-1b2c3d4e5f60"


@pytest.fixture(params=databases.BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with databases.database_url(request.param, tmp_path) as url:
        yield url


# ---- the schema of version 3 -----------------------------------------------------------------

# As version 3's create_all wrote it (SQLAlchemy's DDL for both backends, types spelled out):
# the SQL text stays as it was whatever the bot's own tables become.
V3_SCHEMA = """
CREATE TABLE requests (
    id VARCHAR(32) NOT NULL,
    channel_id VARCHAR(32) NOT NULL,
    requester_id VARCHAR(32) NOT NULL,
    campaign_id VARCHAR(128) NOT NULL,
    send_id VARCHAR(128),
    campaign_name TEXT,
    state VARCHAR(16) NOT NULL,
    previous_state VARCHAR(16),
    pair_key VARCHAR(260),
    created_at {timestamp} NOT NULL,
    updated_at {timestamp} NOT NULL,
    expires_at {timestamp} NOT NULL,
    card_ts VARCHAR(32),
    decided_by VARCHAR(32),
    decided_at {timestamp},
    reject_reason TEXT,
    created_send_id VARCHAR(128),
    failure_kind VARCHAR(32),
    failure_message TEXT,
    attempts INTEGER DEFAULT '0' NOT NULL,
    announced_state VARCHAR(16),
    reminded_at {timestamp},
    submission_key VARCHAR(64),
    PRIMARY KEY (id),
    CONSTRAINT uq_requests_pair_key UNIQUE (pair_key)
);
CREATE UNIQUE INDEX uq_requests_submission_key ON requests (submission_key);
CREATE INDEX ix_requests_state_expires ON requests (state, expires_at);
CREATE INDEX ix_requests_channel_created ON requests (channel_id, created_at);
CREATE TABLE audit_log (
    id {serial} NOT NULL,
    request_id VARCHAR(32) NOT NULL,
    from_state VARCHAR(16),
    to_state VARCHAR(16) NOT NULL,
    actor_id VARCHAR(32) NOT NULL,
    at {timestamp} NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_audit_log_request FOREIGN KEY(request_id) REFERENCES requests (id)
);
CREATE INDEX ix_audit_log_request ON audit_log (request_id, id);
CREATE TABLE braze_quota (
    id INTEGER NOT NULL,
    quota_limit INTEGER,
    remaining INTEGER,
    reset_at {timestamp},
    observed_at {timestamp} NOT NULL,
    PRIMARY KEY (id)
);
CREATE TABLE schema_version (
    version INTEGER NOT NULL,
    applied_at {timestamp} NOT NULL,
    PRIMARY KEY (version)
)
"""
# The words that differ between the backends (an INTEGER primary key is SQLite's rowid).
V3_TYPES = {
    "sqlite": {"timestamp": "DATETIME", "serial": "INTEGER"},
    "postgresql": {"timestamp": "TIMESTAMP WITH TIME ZONE", "serial": "BIGSERIAL"},
}
# The one version-3 table the bot no longer has (its rows are written through these types).
v3_quota = sa.table(
    "braze_quota",
    sa.column("id", sa.Integer),
    sa.column("quota_limit", sa.Integer),
    sa.column("remaining", sa.Integer),
    sa.column("reset_at", UTCDateTime),
    sa.column("observed_at", UTCDateTime),
)


def v3_request(
    request_id: str,
    state: RequestState,
    send_id: str | None,
    *,
    holds_pair: bool,
    **fields: object,
) -> dict[str, object]:
    """A requests row as version 3 wrote it (its pair key: campaign, separator, send ID)."""
    return {
        "id": request_id,
        "channel_id": "C1",
        "requester_id": "U_REQ",
        "campaign_id": CAMPAIGN,
        "send_id": send_id,
        "campaign_name": "Spring sale",
        "state": state.value,
        "pair_key": f"{CAMPAIGN}\x1f{send_id}" if holds_pair and send_id else None,
        "created_at": NOW,
        "updated_at": NOW,
        "expires_at": NOW + timedelta(hours=24),
        "attempts": 0,
        **fields,
    }


V3_REQUESTS = [
    v3_request("rpending", S.PENDING, "wave1", holds_pair=True),
    v3_request(
        "rcreated",
        S.CREATED,
        "wave2",
        holds_pair=True,
        decided_by="U_APP",
        decided_at=NOW,
        created_send_id="wave2",
        attempts=1,
        announced_state=S.CREATED.value,
    ),
    v3_request(
        "rfailed",
        S.FAILED,
        "wave3",
        holds_pair=True,
        decided_by="U_APP",
        decided_at=NOW,
        failure_kind=FailureKind.UNAVAILABLE.value,
        failure_message="Braze is unavailable",
        attempts=1,
    ),
    v3_request("rrejected", S.REJECTED, "wave4", holds_pair=False, reject_reason="no"),
    v3_request("rgenerated", S.PENDING, None, holds_pair=False),
]
V3_QUOTA = QuotaSnapshot(limit=100, remaining=7, reset_at=NOW + timedelta(hours=6), observed_at=NOW)


def write_version_3_database(url: str) -> None:
    """A database as the version-3 bot left it: its tables, requests in several states with
    their audit rows, and the one known quota."""
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.begin() as conn:
            for statement in V3_SCHEMA.format(**V3_TYPES[engine.dialect.name]).split(";"):
                conn.exec_driver_sql(statement)
            # Today's tables name the same columns, with the same types: the rows are written
            # through them (a column version 3 lacked is never named).
            conn.execute(schema_version_table.insert().values(version=3, applied_at=NOW))
            conn.execute(requests_table.insert(), V3_REQUESTS)
            conn.execute(
                audit_log.insert(),
                [
                    {
                        "request_id": row["id"],
                        "from_state": None,
                        "to_state": "pending",
                        "actor_id": "U_REQ",
                        "at": NOW,
                        "detail": "requested",
                    }
                    for row in V3_REQUESTS
                ],
            )
            conn.execute(
                v3_quota.insert().values(
                    id=1,
                    quota_limit=V3_QUOTA.limit,
                    remaining=V3_QUOTA.remaining,
                    reset_at=V3_QUOTA.reset_at,
                    observed_at=V3_QUOTA.observed_at,
                )
            )
    finally:
        engine.dispose()


def execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def schema_versions(url: str) -> list[int]:
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT version FROM schema_version ORDER BY version")
            return [int(v) for v in found.scalars()]
    finally:
        engine.dispose()


# ---- version 3 → now -------------------------------------------------------------------------


def test_upgrading_a_version_3_database_puts_every_request_in_the_default_workspace(
    database_url: str,
) -> None:
    write_version_3_database(database_url)

    with Store(database_url) as upgraded:
        for row in V3_REQUESTS:
            request = upgraded.get(str(row["id"]))
            assert request is not None
            assert request.workspace == DEFAULT_WORKSPACE
            assert request.state.value == row["state"]
            assert request.send_id == row["send_id"]
            trail = upgraded.audit(request.id)
            assert [(e.workspace, e.to_state, e.detail) for e in trail] == [
                (DEFAULT_WORKSPACE, S.PENDING, "requested")
            ]
    assert schema_versions(database_url) == [3, *range(4, SCHEMA_VERSION + 1)]


def test_upgrading_keeps_the_known_quota_as_the_default_workspaces(database_url: str) -> None:
    write_version_3_database(database_url)

    with Store(database_url) as upgraded:
        assert upgraded.quota(DEFAULT_WORKSPACE) == V3_QUOTA
        assert upgraded.quotas() == {DEFAULT_WORKSPACE: V3_QUOTA}
        assert upgraded.quota("eu") is None


def test_after_upgrading_the_held_pairs_are_still_held_in_the_default_workspace_only(
    database_url: str,
) -> None:
    write_version_3_database(database_url)

    with Store(database_url) as upgraded:
        for send_id, holder in (("wave1", "rpending"), ("wave2", "rcreated"), ("wave3", "rfailed")):
            held = upgraded.pair_holder(DEFAULT_WORKSPACE, CAMPAIGN, send_id)
            assert held is not None and held.id == holder
            assert upgraded.pair_holder("eu", CAMPAIGN, send_id) is None
        assert upgraded.pair_holder(DEFAULT_WORKSPACE, CAMPAIGN, "wave4") is None  # freed
        with pytest.raises(DuplicatePairError):
            hold(upgraded, DEFAULT_WORKSPACE, "wave1")
        assert hold(upgraded, "eu", "wave1").workspace == "eu"
        # A retry re-claims its pair in the same form the upgrade gave the held ones.
        retried = upgraded.transition("rfailed", S.FAILED, S.APPROVED, actor_id="U_APP")
        assert retried is not None and retried.workspace == DEFAULT_WORKSPACE
        with pytest.raises(DuplicatePairError):
            hold(upgraded, DEFAULT_WORKSPACE, "wave3")


def test_the_old_single_quota_table_is_gone_after_upgrading(database_url: str) -> None:
    write_version_3_database(database_url)
    Store(database_url).close()
    engine = sa.create_engine(normalise_url(database_url))
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert "braze_quota" not in tables
    assert "workspace_quota" in tables


def hold(store: Store, workspace: str, send_id: str) -> SendIdRequest:
    """A new request for the old requests' campaign, holding its pair in `workspace`."""
    return new_request(store, workspace=workspace, campaign_id=CAMPAIGN, send_id=send_id)


# ---- version 1 → now -------------------------------------------------------------------------


def test_upgrading_a_version_1_database_keeps_every_request_and_audit_row(
    database_url: str,
) -> None:
    write_version_3_database(database_url)
    # Version 1 had neither the version 2 nor the version 3 columns.
    execute(
        database_url,
        "DROP INDEX uq_requests_submission_key",
        "ALTER TABLE requests DROP COLUMN submission_key",
        "ALTER TABLE requests DROP COLUMN announced_state",
        "ALTER TABLE requests DROP COLUMN reminded_at",
        "DELETE FROM schema_version",
        "INSERT INTO schema_version (version, applied_at) VALUES (1, '2026-01-01 00:00:00')",
    )

    with Store(database_url) as upgraded:
        created = upgraded.get("rcreated")
        assert created is not None and created.state is S.CREATED
        assert created.announced_state is None and created.reminded_at is None
        assert len(upgraded.audit("rcreated")) == 1
        upgraded.mark_announced("rcreated", S.CREATED)
        marked = upgraded.get("rcreated")
        assert marked is not None and marked.announced_state is S.CREATED
    assert schema_versions(database_url) == list(range(1, SCHEMA_VERSION + 1))


# ---- version 5 → 6: the purpose -------------------------------------------------------------


def test_upgrading_gives_old_requests_no_purpose_and_new_ones_keep_theirs(
    database_url: str,
) -> None:
    write_version_3_database(database_url)

    with Store(database_url) as upgraded:
        old = upgraded.get(str(V3_REQUESTS[0]["id"]))
        assert old is not None and old.purpose is None
        new = new_request(upgraded, send_id="with_purpose", purpose="Second wave\nEU only")
        stored = upgraded.get(new.id)
        assert stored is not None and stored.purpose == "Second wave\nEU only"
    assert 6 in schema_versions(database_url)


# ---- version 6 → 7: retries, Braze calls, card posts ------------------------------------------


def test_upgrading_counts_a_claim_in_flight_as_calling_braze(database_url: str) -> None:
    # An older bot may have called Braze for an approval in flight at the upgrade: recovery must
    # call its outcome unknown, never send it back as "Braze was not called".
    write_version_3_database(database_url)
    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.begin() as conn:
            in_flight = v3_request(
                "rflight", S.APPROVED, "wave9", holds_pair=True, decided_by="U_APP", attempts=1
            )
            conn.execute(requests_table.insert(), [in_flight])
    finally:
        engine.dispose()

    with Store(database_url) as upgraded:
        flight = upgraded.get("rflight")
        assert flight is not None and flight.calling_since == flight.updated_at
        assert flight.retried_by is None
        pending = upgraded.get(str(V3_REQUESTS[0]["id"]))
        assert pending is not None and pending.calling_since is None
    assert 7 in schema_versions(database_url)


def test_upgrading_adds_the_indexes_housekeeping_reads_through(database_url: str) -> None:
    """Version 8 (issue 24): the quota-is-back job, retention and lost replies read only what
    they act on; an upgraded database gets the same indexes as a new one."""
    write_version_3_database(database_url)
    with Store(database_url) as upgraded:
        failed = upgraded.quota_failures_since(NOW - timedelta(days=1))
        assert failed == []  # rfailed failed on availability, not on the quota
    engine = sa.create_engine(normalise_url(database_url))
    try:
        names = {index["name"] for index in sa.inspect(engine).get_indexes("requests")}
    finally:
        engine.dispose()
    assert {
        "ix_requests_state_kind_updated",
        "ix_requests_state_updated",
        "ix_requests_unannounced",
    } <= names
    assert schema_versions(database_url) == list(range(3, SCHEMA_VERSION + 1))


# ---- version 8 → 9: the language of what is posted ----------------------------------------------


def test_upgrading_gives_old_requests_no_language_and_new_ones_keep_theirs(
    database_url: str,
) -> None:
    write_version_3_database(database_url)

    with Store(database_url) as upgraded:
        old = upgraded.get(str(V3_REQUESTS[0]["id"]))
        assert old is not None and old.language is None
        new = new_request(upgraded, send_id="auf_deutsch", language="de")
        stored = upgraded.get(new.id)
        assert stored is not None and stored.language == "de"
    assert 9 in schema_versions(database_url)


# ---- version 9 → 10 (issue 28): the Workflow Builder step ---------------------------------------


def test_upgrading_adds_the_workflow_steps_table_and_old_requests_have_no_step(
    database_url: str,
) -> None:
    write_version_3_database(database_url)
    with Store(database_url) as upgraded:
        old = str(V3_REQUESTS[0]["id"])
        assert upgraded.workflow_step(old) is None
        made = new_request(
            upgraded,
            send_id="after_upgrade",
            campaign_name=None,
            now=NOW,
            step=StepOrigin("Fx1", None),
            submission_key="step:Fx1",
        )
        step = upgraded.workflow_step(made.id)
        assert step is not None and step.function_execution_id == "Fx1"
    engine = sa.create_engine(normalise_url(database_url))
    try:
        names = {index["name"] for index in sa.inspect(engine).get_indexes("workflow_steps")}
    finally:
        engine.dispose()
    assert "ix_workflow_steps_unfinished" in names
    assert 10 in schema_versions(database_url)


# ---- version 10 → 11: the two-person rule ------------------------------------------------------


def test_upgrading_makes_every_earlier_request_need_one_approval_as_before(
    database_url: str,
) -> None:
    """Version 11 (issue 25): requests made before approvals_required need one approval, have
    none counted, and a pending one is claimed by its first approver as before."""
    write_version_3_database(database_url)
    with Store(database_url) as upgraded:
        for row in V3_REQUESTS:
            old = upgraded.get(str(row["id"]))
            assert old is not None
            assert old.approvals_required == 1 and old.approvals == ()
        pending = str(V3_REQUESTS[0]["id"])
        step, claimed = upgraded.add_approval(pending, "U_APP", now=NOW)
        assert step is ApprovalStep.CLAIMED and claimed is not None
        assert claimed.state is S.APPROVED and claimed.decided_by == "U_APP"
        new = new_request(upgraded, send_id="two_people", approvals_required=2)
        assert upgraded.get(new.id) == new and new.approvals_required == 2
    assert 11 in schema_versions(database_url)
