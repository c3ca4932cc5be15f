"""Upgrading a database written by an older bot, on SQLite and PostgreSQL: every row is kept.

The older databases are built from the schema those versions created (below, frozen as it was
in version 3, the last one before Braze workspaces), with rows as that bot wrote them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.domain.errors import DuplicatePairError
from bot.domain.models import FailureKind, QuotaSnapshot, RequestState, SendIdRequest
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.store import SCHEMA_VERSION, Store, normalise_url
from bot.store.schema import UTCDateTime
from tests.support import databases
from tests.support.records import NOW, new_request

S = RequestState
CAMPAIGN = "3f1c9e2a-5b7d-4c8e-9a10-1b2c3d4e5f60"


@pytest.fixture(params=databases.BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with databases.database_url(request.param, tmp_path) as url:
        yield url


# ---- the schema of version 3 -----------------------------------------------------------------

v3 = sa.MetaData()
v3_requests = sa.Table(
    "requests",
    v3,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("channel_id", sa.String(32), nullable=False),
    sa.Column("requester_id", sa.String(32), nullable=False),
    sa.Column("campaign_id", sa.String(128), nullable=False),
    sa.Column("send_id", sa.String(128), nullable=True),
    sa.Column("campaign_name", sa.Text, nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("previous_state", sa.String(16), nullable=True),
    sa.Column("pair_key", sa.String(260), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("card_ts", sa.String(32), nullable=True),
    sa.Column("decided_by", sa.String(32), nullable=True),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Column("reject_reason", sa.Text, nullable=True),
    sa.Column("created_send_id", sa.String(128), nullable=True),
    sa.Column("failure_kind", sa.String(32), nullable=True),
    sa.Column("failure_message", sa.Text, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("announced_state", sa.String(16), nullable=True),
    sa.Column("reminded_at", UTCDateTime, nullable=True),
    sa.Column("submission_key", sa.String(64), nullable=True),
    sa.UniqueConstraint("pair_key", name="uq_requests_pair_key"),
    sa.Index("uq_requests_submission_key", "submission_key", unique=True),
    sa.Index("ix_requests_channel_created", "channel_id", "created_at"),
    sa.Index("ix_requests_state_expires", "state", "expires_at"),
)
v3_audit = sa.Table(
    "audit_log",
    v3,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column(
        "request_id",
        sa.String(32),
        sa.ForeignKey("requests.id", name="fk_audit_log_request"),
        nullable=False,
    ),
    sa.Column("from_state", sa.String(16), nullable=True),
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("actor_id", sa.String(32), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Index("ix_audit_log_request", "request_id", "id"),
)
v3_quota = sa.Table(
    "braze_quota",
    v3,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("quota_limit", sa.Integer, nullable=True),
    sa.Column("remaining", sa.Integer, nullable=True),
    sa.Column("reset_at", UTCDateTime, nullable=True),
    sa.Column("observed_at", UTCDateTime, nullable=False),
)
v3_versions = sa.Table(
    "schema_version",
    v3,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
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
            v3.create_all(conn)
            conn.execute(v3_versions.insert().values(version=3, applied_at=NOW))
            conn.execute(v3_requests.insert(), V3_REQUESTS)
            conn.execute(
                v3_audit.insert(),
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
