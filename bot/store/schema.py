"""The tables, and how their rows become the domain's records.

Every datetime column is an aware UTC datetime on both backends. ``pair_key`` is the database's
half of the duplicate-pair rule: set while a request holds its campaign/send ID pair in its Braze
workspace, NULL once it is freed (NULLs never collide), under a unique constraint.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Dialect, RowMapping

from bot.domain.models import AuditEntry, FailureKind, RequestState, SendIdRequest

# Separates workspace, campaign ID and send ID inside pair_key; a control character cannot occur
# in any (workspace names are letters, digits, - and _; send IDs are printable ASCII; campaign IDs
# are UUID-like), so distinct pairs get distinct keys.
PAIR_SEPARATOR: Final = "\x1f"


# The requests whose state's thread reply is not recorded as posted (housekeeping re-posts it);
# the partial index ix_requests_unannounced holds just these.
UNANNOUNCED: Final = "announced_state IS NULL OR announced_state <> state"


def pair_key(workspace: str, campaign_id: str, send_id: str | None) -> str | None:
    """The value of ``pair_key`` for a request holding this pair in this workspace (None:
    Braze generates the send ID, so there is no pair to hold)."""
    if send_id is None:
        return None
    return f"{workspace}{PAIR_SEPARATOR}{campaign_id}{PAIR_SEPARATOR}{send_id}"


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """``value`` in UTC; a naive datetime is refused (it would be ambiguous)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware (UTC) datetime")
    return value.astimezone(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes on both backends (SQLite stores naive text, PostgreSQL timestamptz)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # A naive datetime is ambiguous; refusing it catches datetime.utcnow()-style bugs.
        value = aware(value)
        # SQLite stores text without an offset; all-UTC text sorts in time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData()


def request_reference(constraint: str, *, primary_key: bool = False) -> sa.Column[str]:
    """A ``request_id`` column naming a request: a foreign key to requests.id, `constraint`
    being the key's name (what a migration would refer to)."""
    return sa.Column(
        "request_id",
        sa.String(32),
        sa.ForeignKey("requests.id", name=constraint),
        primary_key=primary_key,
        nullable=False,
    )


schema_version_table = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

requests_table = sa.Table(
    "requests",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("channel_id", sa.String(32), nullable=False),
    # The Braze workspace the request was made in (bot.domain.workspaces); never changes.
    sa.Column("workspace", sa.String(32), nullable=False),
    sa.Column("requester_id", sa.String(32), nullable=False),
    sa.Column("campaign_id", sa.String(128), nullable=False),
    sa.Column("send_id", sa.String(128), nullable=True),
    sa.Column("campaign_name", sa.Text, nullable=True),
    # What the requester said the send ID is for (optional).
    sa.Column("purpose", sa.Text, nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    # The state before the last transition: lets one UPDATE report which from-state it matched.
    sa.Column("previous_state", sa.String(16), nullable=True),
    # workspace + SEP + campaign_id + SEP + send_id while the request holds the pair, else NULL.
    sa.Column("pair_key", sa.String(260), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("card_ts", sa.String(32), nullable=True),
    # Since when someone is posting the card (a claim; see HousekeepingQueries.claim_card_post).
    sa.Column("card_posting_at", UTCDateTime, nullable=True),
    sa.Column("decided_by", sa.String(32), nullable=True),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    # Who clicked the last Retry (decided_by stays the approver who signed off).
    sa.Column("retried_by", sa.String(32), nullable=True),
    sa.Column("reject_reason", sa.Text, nullable=True),
    sa.Column("created_send_id", sa.String(128), nullable=True),
    sa.Column("failure_kind", sa.String(32), nullable=True),
    sa.Column("failure_message", sa.Text, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    # When the claimed approval's Braze call started; NULL until then (reset by each claim).
    sa.Column("calling_since", UTCDateTime, nullable=True),
    sa.Column("announced_state", sa.String(16), nullable=True),
    sa.Column("reminded_at", UTCDateTime, nullable=True),
    sa.Column("submission_key", sa.String(64), nullable=True),
    # The language of what is posted about it ("en", "de"); NULL for older requests.
    sa.Column("language", sa.String(8), nullable=True),
    # The two-person rule (schema version 9): distinct approvals needed before Braze is called,
    # and who has approved so far (user IDs in order, space-separated). Written only under the
    # request's row lock (RequestApprovals.add_approval), so nobody counts twice.
    sa.Column("approvals_required", sa.Integer, nullable=False, server_default="1"),
    sa.Column("approvals", sa.Text, nullable=False, server_default=""),
    sa.UniqueConstraint("pair_key", name="uq_requests_pair_key"),
    sa.Index("uq_requests_submission_key", "submission_key", unique=True),
    sa.Index("ix_requests_channel_created", "channel_id", "created_at"),
    sa.Index("ix_requests_state_expires", "state", "expires_at"),
    # A person's pending requests, counted inside every insert (the per-person cap).
    sa.Index("ix_requests_requester_state", "requester_id", "state"),
    # Housekeeping's rounds read only what they act on: failures of a kind (the quota is
    # back; setup failures nobody retried), what is past the retention period, and the
    # requests whose thread reply is missing (a partial index: few rows).
    sa.Index("ix_requests_state_kind_updated", "state", "failure_kind", "updated_at"),
    sa.Index("ix_requests_state_updated", "state", "updated_at"),
    sa.Index(
        "ix_requests_unannounced",
        "state",
        "updated_at",
        sqlite_where=sa.text(UNANNOUNCED),
        postgresql_where=sa.text(UNANNOUNCED),
    ),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    # INTEGER (not BIGINT) on SQLite so that the column aliases the rowid and autoincrements.
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    request_reference("fk_audit_log_request"),
    # The request's workspace, kept in the trail itself: which Braze workspace was called.
    sa.Column("workspace", sa.String(32), nullable=False),
    sa.Column("from_state", sa.String(16), nullable=True),
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("actor_id", sa.String(32), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Index("ix_audit_log_request", "request_id", "id"),
)

# One row per Braze workspace (each has its own daily quota): only the newest observation
# matters, and every replica shares it.
quota_table = sa.Table(
    "workspace_quota",
    metadata,
    sa.Column("workspace", sa.String(32), primary_key=True),
    sa.Column("quota_limit", sa.Integer, nullable=True),
    sa.Column("remaining", sa.Integer, nullable=True),
    sa.Column("reset_at", UTCDateTime, nullable=True),
    sa.Column("observed_at", UTCDateTime, nullable=False),
)

# Slack request signatures already answered (bot.http.slack_endpoint): a replay inside Slack's
# five-minute window is refused by every replica and after restarts. Only signatures whose HMAC
# verified are written; housekeeping deletes those whose timestamp has left the window.
signatures_table = sa.Table(
    "slack_signatures",
    metadata,
    # The 64 hex digits after "v0=" (a MAC over public data: nothing secret).
    sa.Column("signature", sa.String(64), primary_key=True),
    # Slack's X-Slack-Request-Timestamp (Unix seconds): how long the entry matters.
    sa.Column("request_timestamp", sa.BigInteger, nullable=False),
    sa.Index("ix_slack_signatures_timestamp", "request_timestamp"),
)

# What the bot told whom about a request beyond its thread, and how often a reply failed: one row
# per (request, notice), so a notice claimed by one replica is never sent by another, and a DM
# click counts only where the bot sent that person that DM (see bot.domain.notices).
notices_table = sa.Table(
    "request_notices",
    metadata,
    request_reference("fk_request_notices_request", primary_key=True),
    sa.Column("notice", sa.String(80), primary_key=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("at", UTCDateTime, nullable=False),
)

# The Workflow Builder step execution a request came from (bot.domain.workflow_steps): one row
# per request a workflow made, written with it. Finishing the step is a claim (finishing_at,
# with the outcome it sends) and then a record (finished_at), so it happens once across
# replicas and restarts, and a crash between the two is taken over after a lease.
workflow_steps_table = sa.Table(
    "workflow_steps",
    metadata,
    request_reference("fk_workflow_steps_request", primary_key=True),
    # Slack's IDs: a re-delivered function_executed event names the same execution.
    sa.Column("function_execution_id", sa.String(64), nullable=False),
    sa.Column("workflow_execution_id", sa.String(64), nullable=True),
    # "complete" or "fail", and what it sends (JSON): fixed by the first claim.
    sa.Column("verdict", sa.String(16), nullable=True),
    sa.Column("outcome", sa.Text, nullable=True),
    sa.Column("finishing_at", UTCDateTime, nullable=True),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("function_execution_id", name="uq_workflow_steps_execution"),
    # Housekeeping looks for steps still to finish: few rows.
    sa.Index(
        "ix_workflow_steps_unfinished",
        "request_id",
        sqlite_where=sa.text("finished_at IS NULL"),
        postgresql_where=sa.text("finished_at IS NULL"),
    ),
)

# Columns that become SendIdRequest fields (everything but bookkeeping columns).
REQUEST_COLUMNS: Final = tuple(
    c
    for c in requests_table.c
    if c.name not in {"pair_key", "previous_state", "submission_key", "card_posting_at"}
)


# The fields whose domain values are enums: the columns hold the members' values.
_ENUM_FIELDS: Final = {
    "state": RequestState,
    "failure_kind": FailureKind,
    "announced_state": RequestState,
}


def to_request(row: RowMapping) -> SendIdRequest:
    """The request in a row of ``REQUEST_COLUMNS`` (each column is the field of its name)."""
    fields = {column.name: row[column.name] for column in REQUEST_COLUMNS}
    for name, enum_type in _ENUM_FIELDS.items():
        if fields[name] is not None:
            fields[name] = enum_type(fields[name])
    fields["approvals"] = tuple(fields["approvals"].split())
    return SendIdRequest(**fields)


def request_row(request: SendIdRequest) -> dict[str, object]:
    """The values of ``REQUEST_COLUMNS`` for `request`: what to_request reads back."""
    values = {column.name: getattr(request, column.name) for column in REQUEST_COLUMNS}
    return {name: _stored(value) for name, value in values.items()}


def _stored(value: object) -> object:
    if isinstance(value, tuple):  # approvals: user IDs, which hold no spaces
        return " ".join(value)
    return value.value if isinstance(value, Enum) else value


def to_audit(row: RowMapping) -> AuditEntry:
    from_state = row["from_state"]
    return AuditEntry(
        request_id=row["request_id"],
        workspace=row["workspace"],
        from_state=None if from_state is None else RequestState(from_state),
        to_state=RequestState(row["to_state"]),
        actor_id=row["actor_id"],
        at=row["at"],
        detail=row["detail"],
    )
