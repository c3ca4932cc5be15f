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

``sqlite:///:memory:`` works only from a single thread (each pooled connection would see its own
empty database); use a file path for anything concurrent.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import secrets
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, Connection, Dialect, Engine, RowMapping, make_url
from sqlalchemy.pool import ConnectionPoolEntry

from bot.domain.models import (
    ALLOWED_TRANSITIONS,
    AuditEntry,
    FailureKind,
    QuotaSnapshot,
    RequestState,
    SendIdRequest,
)

SCHEMA_VERSION: Final = 3

# How to bring a database from version N-1 to N, in order. A new database gets the current
# tables from `metadata` directly; an older one gets these steps, each with its version row, in
# the same transaction, so an upgrade either completes or leaves the data as it was.
MIGRATIONS: Final[dict[int, tuple[str, ...]]] = {
    2: (
        # Which state's thread reply has been posted: lets the sweeper post replies a crash lost.
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
}

# Separates campaign ID and send ID inside pair_key; a control character cannot occur in either
# (send IDs are printable ASCII, campaign IDs are UUID-like), so distinct pairs get distinct keys.
PAIR_SEPARATOR: Final = "\x1f"

# States in which a request no longer holds its campaign/send ID pair. FAILED frees it only for
# REJECTED_BY_BRAZE (Braze refused the input, so nothing was created and a retry cannot help).
_FREEING_STATES: Final = frozenset(
    {RequestState.REJECTED, RequestState.EXPIRED, RequestState.CANCELLED}
)

_SQLITE_BUSY_TIMEOUT_MS: Final = 30_000
_PG_CONNECT_TIMEOUT_S: Final = 10
# Arbitrary constant ("SEND") for pg_advisory_xact_lock: serialises schema creation between
# replicas that start at the same moment (concurrent CREATE TABLE IF NOT EXISTS can still fail).
_PG_SCHEMA_LOCK_ID: Final = 0x53454E44
# Execution option read by the SQLite "begin" hook: write transactions take the write lock up front.
_IMMEDIATE: Final = "sendid_begin_immediate"


class StoreError(Exception):
    """The database could not do what was asked (unreachable, locked, schema too new, …)."""


class DuplicatePairError(StoreError):
    """The campaign/send ID pair is already held by another live request."""

    def __init__(self, existing_request_id: str, existing_state: RequestState) -> None:
        super().__init__(
            f"campaign/send ID pair already held by request {existing_request_id} "
            f"({existing_state.value})"
        )
        self.existing_request_id = existing_request_id
        self.existing_state = existing_state


class DuplicateSubmissionError(StoreError):
    """The same form submission (Slack view ID) already created a request: a replay."""

    def __init__(self, existing_request_id: str) -> None:
        super().__init__(f"this submission already created request {existing_request_id}")
        self.existing_request_id = existing_request_id


class UnknownRequestError(StoreError, LookupError):
    """No request with this ID."""


class _Unset(enum.Enum):
    UNSET = enum.auto()


# Sentinel for transition(): "leave this column alone", as opposed to None ("set it to NULL").
_UNSET: Final = _Unset.UNSET


class _UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes on both backends (SQLite stores naive text, PostgreSQL timestamptz)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            # A naive datetime is ambiguous; refusing it catches datetime.utcnow()-style bugs.
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware (UTC) datetime")
        value = value.astimezone(UTC)
        # SQLite stores text without an offset; all-UTC text sorts in time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData()

schema_version_table = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", _UTCDateTime, nullable=False),
)

requests_table = sa.Table(
    "requests",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("channel_id", sa.String(32), nullable=False),
    sa.Column("requester_id", sa.String(32), nullable=False),
    sa.Column("campaign_id", sa.String(128), nullable=False),
    sa.Column("send_id", sa.String(128), nullable=True),
    sa.Column("campaign_name", sa.Text, nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    # The state before the last transition: lets one UPDATE report which from-state it matched.
    sa.Column("previous_state", sa.String(16), nullable=True),
    # campaign_id + PAIR_SEPARATOR + send_id while the request holds the pair, else NULL.
    sa.Column("pair_key", sa.String(260), nullable=True),
    sa.Column("created_at", _UTCDateTime, nullable=False),
    sa.Column("updated_at", _UTCDateTime, nullable=False),
    sa.Column("expires_at", _UTCDateTime, nullable=False),
    sa.Column("card_ts", sa.String(32), nullable=True),
    sa.Column("decided_by", sa.String(32), nullable=True),
    sa.Column("decided_at", _UTCDateTime, nullable=True),
    sa.Column("reject_reason", sa.Text, nullable=True),
    sa.Column("created_send_id", sa.String(128), nullable=True),
    sa.Column("failure_kind", sa.String(32), nullable=True),
    sa.Column("failure_message", sa.Text, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("announced_state", sa.String(16), nullable=True),
    sa.Column("reminded_at", _UTCDateTime, nullable=True),
    sa.Column("submission_key", sa.String(64), nullable=True),
    sa.UniqueConstraint("pair_key", name="uq_requests_pair_key"),
    sa.Index("uq_requests_submission_key", "submission_key", unique=True),
    sa.Index("ix_requests_channel_created", "channel_id", "created_at"),
    sa.Index("ix_requests_state_expires", "state", "expires_at"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    # INTEGER (not BIGINT) on SQLite so that the column aliases the rowid and autoincrements.
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
    sa.Column("at", _UTCDateTime, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Index("ix_audit_log_request", "request_id", "id"),
)

# A single row (id = 1): only the newest observation matters, and every replica shares it.
quota_table = sa.Table(
    "braze_quota",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("quota_limit", sa.Integer, nullable=True),
    sa.Column("remaining", sa.Integer, nullable=True),
    sa.Column("reset_at", _UTCDateTime, nullable=True),
    sa.Column("observed_at", _UTCDateTime, nullable=False),
)

# Columns that become SendIdRequest fields (everything but bookkeeping columns).
_REQUEST_COLUMNS: Final = tuple(
    c for c in requests_table.c if c.name not in {"pair_key", "previous_state", "submission_key"}
)

_P = ParamSpec("_P")
_T = TypeVar("_T")


def normalise_url(url: str | URL) -> URL:
    """Parse a database URL; plain ``postgresql://`` / ``postgres://`` mean psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def pair_key(campaign_id: str, send_id: str | None) -> str | None:
    """The value of ``pair_key`` for a request holding this pair (None: Braze generates one)."""
    return None if send_id is None else f"{campaign_id}{PAIR_SEPARATOR}{send_id}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware (UTC) datetime")
    return value.astimezone(UTC)


def _translate_errors(method: Callable[_P, _T]) -> Callable[_P, _T]:
    """Surface driver failures (unreachable, locked, …) as StoreError, keeping the cause."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return method(*args, **kwargs)
        except exc.DBAPIError as error:
            raise StoreError(f"database error: {error.orig!r}") from error
        except exc.TimeoutError as error:  # every pooled connection busy for pool_timeout
            raise StoreError(f"database busy: {error}") from error

    return wrapper


def _to_request(row: RowMapping) -> SendIdRequest:
    failure_kind = row["failure_kind"]
    return SendIdRequest(
        id=row["id"],
        channel_id=row["channel_id"],
        requester_id=row["requester_id"],
        campaign_id=row["campaign_id"],
        send_id=row["send_id"],
        campaign_name=row["campaign_name"],
        state=RequestState(row["state"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        expires_at=row["expires_at"],
        card_ts=row["card_ts"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        reject_reason=row["reject_reason"],
        created_send_id=row["created_send_id"],
        failure_kind=None if failure_kind is None else FailureKind(failure_kind),
        failure_message=row["failure_message"],
        attempts=row["attempts"],
        announced_state=None
        if row["announced_state"] is None
        else RequestState(row["announced_state"]),
        reminded_at=row["reminded_at"],
    )


def _to_audit(row: RowMapping) -> AuditEntry:
    from_state = row["from_state"]
    return AuditEntry(
        request_id=row["request_id"],
        from_state=None if from_state is None else RequestState(from_state),
        to_state=RequestState(row["to_state"]),
        actor_id=row["actor_id"],
        at=row["at"],
        detail=row["detail"],
    )


class Store:
    """Thread-safe; share one instance per process. Replicas share state through the database."""

    def __init__(self, url: str | URL) -> None:
        self.url = normalise_url(url)
        self._is_sqlite = self.url.get_backend_name() == "sqlite"
        self._sqlite_writer: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if self._is_sqlite else contextlib.nullcontext()
        )
        self._engine = self._create_engine()
        # UPDATE … RETURNING: PostgreSQL always, SQLite from 3.35 (the dialect checks the library
        # version). Without it the row is re-read inside the same, already write-locked transaction.
        self._returning = bool(self._engine.dialect.update_returning)
        try:
            self._ensure_schema()
        except exc.DBAPIError as error:
            self._engine.dispose()
            raise StoreError(
                f"cannot open database {self.url.render_as_string(hide_password=True)}: "
                f"{error.orig!r}"
            ) from error
        except BaseException:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"Store({self.url.render_as_string(hide_password=True)!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- engine and schema ---------------------------------------------------------------------

    def _create_engine(self) -> Engine:
        if not self._is_sqlite:
            connect_args: dict[str, Any] = {}
            if "connect_timeout" not in self.url.query:
                # libpq waits forever for an unresponsive host; start-up and /readyz must not.
                connect_args["connect_timeout"] = _PG_CONNECT_TIMEOUT_S
            # pre_ping: a replica survives a database restart instead of failing on stale sockets.
            return sa.create_engine(self.url, pool_pre_ping=True, connect_args=connect_args)

        # File databases get a QueuePool and check_same_thread=False from the dialect (sized here
        # so that a burst of Slack handler threads waits on SQLite's lock, not on the pool);
        # :memory: gets one connection per thread. The sqlite3 timeout is the busy timeout.
        in_memory = self.url.database in (None, "", ":memory:") or (
            self.url.query.get("mode") == "memory"
        )
        pool_options: dict[str, Any] = {} if in_memory else {"pool_size": 5, "max_overflow": 20}
        engine = sa.create_engine(
            self.url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_MS / 1000}, **pool_options
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
            # Take transaction control away from the sqlite3 module (its legacy mode does not BEGIN
            # before SELECT or DDL); the "begin" hook below emits BEGIN itself.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_TIMEOUT_MS}")
                # WAL: readers never block the writer and vice versa; persistent once set.
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA foreign_keys = ON")
            finally:
                cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # Write transactions take the write lock at BEGIN, waiting up to the busy timeout. A
            # deferred transaction that read first and then wrote could fail at once with
            # SQLITE_BUSY_SNAPSHOT (the busy handler is not consulted for that upgrade).
            immediate = conn.get_execution_options().get(_IMMEDIATE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back on any exception."""
        # SQLite has one writer at a time anyway; queueing this process's writers on a lock
        # beats letting them poll in SQLite's busy handler (1-100 ms sleeps) under bursts.
        with self._sqlite_writer, self._engine.connect() as conn:
            conn.execution_options(**{_IMMEDIATE: True})
            with conn.begin():
                yield conn

    def _ensure_schema(self) -> None:
        with self._write() as conn:
            if not self._is_sqlite:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_SCHEMA_LOCK_ID)))
            metadata.create_all(conn, checkfirst=True)
            current = conn.execute(sa.select(sa.func.max(schema_version_table.c.version))).scalar()
            if current is None:
                conn.execute(
                    schema_version_table.insert().values(
                        version=SCHEMA_VERSION, applied_at=_utcnow()
                    )
                )
            elif current > SCHEMA_VERSION:
                # Written by newer code: running old code against it could corrupt data.
                raise StoreError(
                    f"database schema version {current} is newer than this bot supports "
                    f"({SCHEMA_VERSION}); upgrade the bot"
                )
            else:
                for version in range(current + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[version]:
                        if not self._is_sqlite:
                            statement = statement.replace("TIMESTAMP", "TIMESTAMP WITH TIME ZONE")
                        conn.exec_driver_sql(statement)
                    conn.execute(
                        schema_version_table.insert().values(version=version, applied_at=_utcnow())
                    )

    def close(self) -> None:
        self._engine.dispose()

    def ping(self) -> bool:
        """True when the database answers ``SELECT 1``. Never raises (used by GET /readyz)."""
        try:
            with self._engine.connect() as conn:
                return conn.execute(sa.select(sa.literal(1))).scalar() == 1
        except Exception:
            return False

    # -- requests ------------------------------------------------------------------------------

    @_translate_errors
    def create_request(
        self,
        *,
        channel_id: str,
        requester_id: str,
        campaign_id: str,
        send_id: str | None,
        campaign_name: str | None,
        ttl: timedelta,
        now: datetime | None = None,
        submission_key: str | None = None,
    ) -> SendIdRequest:
        """Store a new pending request, or raise DuplicatePairError if the pair is held, or
        DuplicateSubmissionError if `submission_key` (the form's view ID) already made one."""
        now = _utcnow() if now is None else _aware(now)
        key = pair_key(campaign_id, send_id)
        # A few rounds: after a unique violation the holder may free the pair before we look it
        # up (then inserting again is right), and a random ID may (very rarely) collide.
        for _ in range(5):
            request = SendIdRequest(
                id="r" + secrets.token_hex(6),
                channel_id=channel_id,
                requester_id=requester_id,
                campaign_id=campaign_id,
                send_id=send_id,
                campaign_name=campaign_name,
                state=RequestState.PENDING,
                created_at=now,
                updated_at=now,
                expires_at=now + ttl,
            )
            try:
                with self._write() as conn:
                    conn.execute(
                        requests_table.insert().values(
                            id=request.id,
                            channel_id=channel_id,
                            requester_id=requester_id,
                            campaign_id=campaign_id,
                            send_id=send_id,
                            campaign_name=campaign_name,
                            state=request.state.value,
                            pair_key=key,
                            submission_key=submission_key,
                            created_at=now,
                            updated_at=now,
                            expires_at=request.expires_at,
                            attempts=0,
                        )
                    )
                    self._insert_audit(
                        conn, request.id, None, RequestState.PENDING, requester_id, now, "requested"
                    )
                return request
            except exc.IntegrityError:
                if submission_key is not None:
                    earlier = self._made_by_submission(submission_key)
                    if earlier is not None:
                        raise DuplicateSubmissionError(earlier) from None
                holder = self._holder_of(key)
                if holder is not None:
                    raise DuplicatePairError(holder.id, holder.state) from None
        raise StoreError("could not store the request (the pair kept changing hands)")

    def _made_by_submission(self, submission_key: str) -> str | None:
        with self._engine.connect() as conn:
            found = conn.execute(
                sa.select(requests_table.c.id).where(
                    requests_table.c.submission_key == submission_key
                )
            ).scalar()
        return None if found is None else str(found)

    @_translate_errors
    def pair_holder(self, campaign_id: str, send_id: str | None) -> SendIdRequest | None:
        """The live request holding this pair, if any (None for send_id None: never held).

        A cheap pre-check for form validation; create_request stays the authority on races.
        """
        return self._holder_of(pair_key(campaign_id, send_id))

    def _holder_of(self, key: str | None) -> SendIdRequest | None:
        if key is None:
            return None
        with self._engine.connect() as conn:
            row = (
                conn.execute(sa.select(*_REQUEST_COLUMNS).where(requests_table.c.pair_key == key))
                .mappings()
                .first()
            )
        return None if row is None else _to_request(row)

    @_translate_errors
    def get(self, request_id: str) -> SendIdRequest | None:
        with self._engine.connect() as conn:
            row = (
                conn.execute(sa.select(*_REQUEST_COLUMNS).where(requests_table.c.id == request_id))
                .mappings()
                .first()
            )
        return None if row is None else _to_request(row)

    @_translate_errors
    def set_card(self, request_id: str, card_ts: str) -> None:
        """Remember the ts of the request's approval card (raises UnknownRequestError)."""
        with self._write() as conn:
            result = conn.execute(
                requests_table.update()
                .where(requests_table.c.id == request_id)
                .values(card_ts=card_ts)
            )
            if result.rowcount != 1:
                raise UnknownRequestError(request_id)

    @_translate_errors
    def mark_announced(self, request_id: str, state: RequestState | None) -> None:
        """Record that the thread reply for `state` has been posted (None: nothing posted)."""
        with self._write() as conn:
            conn.execute(
                requests_table.update()
                .where(requests_table.c.id == request_id)
                .values(announced_state=None if state is None else state.value)
            )

    @_translate_errors
    def claim_unshown(self, older_than: datetime) -> list[SendIdRequest]:
        """Take the pending requests stored before `older_than` that nobody has seen: no card,
        and the requester never told why (the bot stopped between storing and posting).

        Each is taken by one conditional UPDATE (announced_state := pending), so across replicas
        exactly one shows it; ``mark_announced(id, None)`` gives it back if showing failed.
        """
        pending = RequestState.PENDING.value
        unseen = sa.and_(
            requests_table.c.state == pending,
            requests_table.c.card_ts.is_(None),
            requests_table.c.announced_state.is_(None),
        )
        candidates = self._select(
            sa.select(*_REQUEST_COLUMNS)
            .where(unseen)
            .where(requests_table.c.created_at < _aware(older_than))
            .order_by(requests_table.c.created_at)
        )
        taken = []
        for request in candidates:
            with self._write() as conn:
                result = conn.execute(
                    requests_table.update()
                    .where(requests_table.c.id == request.id)
                    .where(unseen)
                    .values(announced_state=pending)
                )
            if result.rowcount == 1:
                taken.append(request)
        return taken

    @_translate_errors
    def unannounced(
        self, states: Iterable[RequestState], older_than: datetime
    ) -> list[SendIdRequest]:
        """Requests in `states`, last changed before `older_than`, whose reply was never posted."""
        wanted = [s.value for s in states]
        announced = requests_table.c.announced_state
        return self._select(
            sa.select(*_REQUEST_COLUMNS)
            .where(requests_table.c.state.in_(wanted))
            .where(requests_table.c.updated_at < _aware(older_than))
            .where(requests_table.c.card_ts.is_not(None))
            .where(sa.or_(announced.is_(None), announced != requests_table.c.state))
            .order_by(requests_table.c.updated_at)
        )

    @_translate_errors
    def claim_reminder(self, request_id: str, now: datetime) -> bool:
        """Atomically take the one reminder a pending request gets; False if already taken."""
        with self._write() as conn:
            result = conn.execute(
                requests_table.update()
                .where(requests_table.c.id == request_id)
                .where(requests_table.c.state == RequestState.PENDING.value)
                .where(requests_table.c.reminded_at.is_(None))
                .values(reminded_at=_aware(now))
            )
            return result.rowcount == 1

    @_translate_errors
    def transition(
        self,
        request_id: str,
        from_states: RequestState | Iterable[RequestState],
        to_state: RequestState,
        *,
        actor_id: str,
        detail: str = "",
        now: datetime | None = None,
        decided_by: str | Literal[_Unset.UNSET] | None = _UNSET,
        reject_reason: str | Literal[_Unset.UNSET] | None = _UNSET,
        created_send_id: str | Literal[_Unset.UNSET] | None = _UNSET,
        failure_kind: FailureKind | Literal[_Unset.UNSET] | None = _UNSET,
        failure_message: str | Literal[_Unset.UNSET] | None = _UNSET,
    ) -> SendIdRequest | None:
        """Move a request to ``to_state`` if it is in one of ``from_states``; audit it.

        Returns the updated request if this caller won, None if the request was not in an
        expected state (someone else won) or does not exist. Only the optional fields passed
        explicitly are written. Entering APPROVED counts an attempt and re-claims the pair
        (DuplicatePairError if, after a REJECTED_BY_BRAZE failure, another request took it).
        Entering FAILED requires a failure_kind. Illegal transitions raise ValueError.
        """
        sources = (from_states,) if isinstance(from_states, RequestState) else tuple(from_states)
        if not sources:
            raise ValueError("from_states is empty")
        for source in sources:
            if to_state not in ALLOWED_TRANSITIONS[source]:
                raise ValueError(f"illegal transition {source.value} -> {to_state.value}")
        if to_state is RequestState.FAILED and not isinstance(failure_kind, FailureKind):
            # Whether the pair is freed depends on the kind; a stale kind must not decide it.
            raise ValueError("entering failed requires a failure_kind")
        now = _utcnow() if now is None else _aware(now)

        values: dict[str, Any] = {
            "state": to_state.value,
            # SQL evaluates every SET expression against the row as it was before the UPDATE.
            "previous_state": requests_table.c.state,
            "updated_at": now,
        }
        if to_state is RequestState.APPROVED:
            values["attempts"] = requests_table.c.attempts + 1
            # Normally a no-op (the request already holds its pair); after a 400 freed it, a retry
            # must hold it again. NULL when send_id is NULL (NULL || x is NULL on both backends).
            values["pair_key"] = (
                requests_table.c.campaign_id + PAIR_SEPARATOR + requests_table.c.send_id
            )
        if to_state in _FREEING_STATES or (
            to_state is RequestState.FAILED and failure_kind is FailureKind.REJECTED_BY_BRAZE
        ):
            values["pair_key"] = None
        if decided_by is not _UNSET:
            values["decided_by"] = decided_by
            values["decided_at"] = None if decided_by is None else now
        if reject_reason is not _UNSET:
            values["reject_reason"] = reject_reason
        if created_send_id is not _UNSET:
            values["created_send_id"] = created_send_id
        if failure_kind is not _UNSET:
            values["failure_kind"] = None if failure_kind is None else failure_kind.value
        if failure_message is not _UNSET:
            values["failure_message"] = failure_message

        statement = (
            requests_table.update()
            .where(requests_table.c.id == request_id)
            .where(requests_table.c.state.in_([s.value for s in sources]))
            .values(**values)
        )
        try:
            with self._write() as conn:
                row: RowMapping | None
                if self._returning:
                    row = conn.execute(statement.returning(*requests_table.c)).mappings().first()
                else:
                    if conn.execute(statement).rowcount != 1:
                        return None
                    # Still the same transaction, write lock held: nobody changed it since.
                    row = (
                        conn.execute(
                            sa.select(requests_table).where(requests_table.c.id == request_id)
                        )
                        .mappings()
                        .one()
                    )
                if row is None:
                    return None
                self._insert_audit(
                    conn,
                    request_id,
                    RequestState(row["previous_state"]),
                    to_state,
                    actor_id,
                    now,
                    detail,
                )
                return _to_request(row)
        except exc.IntegrityError:
            # Only the pair re-claim on entering APPROVED can violate a constraint here.
            current = self.get(request_id)
            holder = (
                None if current is None else self.pair_holder(current.campaign_id, current.send_id)
            )
            if holder is None:
                raise
            raise DuplicatePairError(holder.id, holder.state) from None

    @staticmethod
    def _insert_audit(
        conn: Connection,
        request_id: str,
        from_state: RequestState | None,
        to_state: RequestState,
        actor_id: str,
        at: datetime,
        detail: str,
    ) -> None:
        conn.execute(
            audit_log.insert().values(
                request_id=request_id,
                from_state=None if from_state is None else from_state.value,
                to_state=to_state.value,
                actor_id=actor_id,
                at=at,
                detail=detail,
            )
        )

    @_translate_errors
    def audit(self, request_id: str) -> list[AuditEntry]:
        """The request's audit trail, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(audit_log)
                .where(audit_log.c.request_id == request_id)
                .order_by(audit_log.c.id)
            ).mappings()
            return [_to_audit(row) for row in rows]

    def audit_rows(
        self, since: datetime, until: datetime | None = None, *, batch_size: int = 500
    ) -> Generator[dict[str, Any], None, None]:
        """Every audit row with ``since <= at < until`` (no upper bound for None), joined with
        its request, oldest first (ties by insertion order), for exports.

        Streams in batches of ``batch_size`` over one read-only connection, held until the
        iterator is exhausted or closed. Each dict has: request_id, channel_id, campaign_id,
        send_id, created_send_id, requester_id, from_state (None for the creation row),
        to_state, actor_id, at (aware UTC datetime), detail. Failures raise StoreError.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        since = _aware(since)
        statement = (
            sa.select(
                audit_log.c.request_id,
                requests_table.c.channel_id,
                requests_table.c.campaign_id,
                requests_table.c.send_id,
                requests_table.c.created_send_id,
                requests_table.c.requester_id,
                audit_log.c.from_state,
                audit_log.c.to_state,
                audit_log.c.actor_id,
                audit_log.c.at,
                audit_log.c.detail,
            )
            .join(requests_table, requests_table.c.id == audit_log.c.request_id)
            .where(audit_log.c.at >= since)
            .order_by(audit_log.c.at, audit_log.c.id)
        )
        if until is not None:
            statement = statement.where(audit_log.c.at < _aware(until))
        options: dict[str, Any] = {"yield_per": batch_size}
        if not self._is_sqlite:
            options["postgresql_readonly"] = True
        return self._stream(statement, options)

    def _stream(
        self, statement: sa.Select[Any], options: dict[str, Any]
    ) -> Generator[dict[str, Any], None, None]:
        try:
            with self._engine.connect() as conn:
                result = conn.execution_options(**options).execute(statement).mappings()
                for row in result:
                    yield dict(row)
        except exc.DBAPIError as error:  # a generator: _translate_errors would not see these
            raise StoreError(f"database error: {error.orig!r}") from error
        except exc.TimeoutError as error:
            raise StoreError(f"database busy: {error}") from error

    @_translate_errors
    def recent_in_channel(self, channel_id: str, limit: int = 10) -> list[SendIdRequest]:
        """The channel's most recent requests, newest first."""
        return self._select(
            sa.select(*_REQUEST_COLUMNS)
            .where(requests_table.c.channel_id == channel_id)
            .order_by(requests_table.c.created_at.desc(), requests_table.c.id.desc())
            .limit(limit)
        )

    @_translate_errors
    def find_created(self, channel_id: str, send_id: str) -> SendIdRequest | None:
        """The newest request of the channel that created `send_id` (for /sendid stats)."""
        found = self._select(
            sa.select(*_REQUEST_COLUMNS)
            .where(requests_table.c.channel_id == channel_id)
            .where(requests_table.c.created_send_id == send_id)
            .where(requests_table.c.state == RequestState.CREATED.value)
            .order_by(requests_table.c.created_at.desc())
            .limit(1)
        )
        return found[0] if found else None

    @_translate_errors
    def recent_by_requester(self, requester_id: str, limit: int = 10) -> list[SendIdRequest]:
        """The person's most recent requests in any channel, newest first (App Home)."""
        return self._select(
            sa.select(*_REQUEST_COLUMNS)
            .where(requests_table.c.requester_id == requester_id)
            .order_by(requests_table.c.created_at.desc(), requests_table.c.id.desc())
            .limit(limit)
        )

    @_translate_errors
    def due_for_expiry(self, now: datetime) -> list[SendIdRequest]:
        """Pending requests whose deadline has passed (``expires_at <= now``), oldest first."""
        return self._select(
            sa.select(*_REQUEST_COLUMNS)
            .where(requests_table.c.state == RequestState.PENDING.value)
            .where(requests_table.c.expires_at <= _aware(now))
            .order_by(requests_table.c.expires_at, requests_table.c.id)
        )

    @_translate_errors
    def in_state(self, state: RequestState) -> list[SendIdRequest]:
        """All requests in ``state``, oldest first."""
        return self._select(
            sa.select(*_REQUEST_COLUMNS)
            .where(requests_table.c.state == state.value)
            .order_by(requests_table.c.created_at, requests_table.c.id)
        )

    def _select(self, statement: sa.Select[Any]) -> list[SendIdRequest]:
        with self._engine.connect() as conn:
            return [_to_request(row) for row in conn.execute(statement).mappings()]

    # -- quota ---------------------------------------------------------------------------------

    @_translate_errors
    def record_quota(self, snapshot: QuotaSnapshot) -> None:
        """Keep ``snapshot`` unless a newer observation (by observed_at) is already stored."""
        values = {
            "id": 1,
            "quota_limit": snapshot.limit,
            "remaining": snapshot.remaining,
            "reset_at": snapshot.reset_at,
            "observed_at": _aware(snapshot.observed_at),
        }
        # One atomic upsert; both dialects spell it INSERT … ON CONFLICT DO UPDATE … WHERE.
        insert = sqlite_insert if self._is_sqlite else postgresql_insert
        statement = insert(quota_table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[quota_table.c.id],
            set_={k: statement.excluded[k] for k in values if k != "id"},
            # Ties go to the later writer: the same instant observed again is no staler.
            where=quota_table.c.observed_at <= statement.excluded.observed_at,
        )
        with self._write() as conn:
            conn.execute(statement)

    @_translate_errors
    def quota(self) -> QuotaSnapshot | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(quota_table)).mappings().first()
        if row is None:
            return None
        return QuotaSnapshot(
            limit=row["quota_limit"],
            remaining=row["remaining"],
            reset_at=row["reset_at"],
            observed_at=row["observed_at"],
        )
