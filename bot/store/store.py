"""`Store`: every query group over one database, opened and brought up to date at once."""

from __future__ import annotations

from sqlalchemy import exc
from sqlalchemy.engine import URL

from bot.database_url import MASK, url_secrets
from bot.store.approvals import RequestApprovals
from bot.store.audit_trail import AuditTrail
from bot.store.engine import Database
from bot.store.errors import StoreError
from bot.store.housekeeping import HousekeepingQueries
from bot.store.migrations import ensure_schema
from bot.store.notices import NoticeRecords
from bot.store.quota import QuotaRecords
from bot.store.reads import RequestReads
from bot.store.retention import RetentionQueries
from bot.store.signatures import SignatureRecords
from bot.store.workflow_steps import WorkflowStepRecords


class Store(
    RequestApprovals,
    RequestReads,
    HousekeepingQueries,
    QuotaRecords,
    AuditTrail,
    NoticeRecords,
    SignatureRecords,
    RetentionQueries,
    WorkflowStepRecords,
):
    """Thread-safe; share one instance per process. Replicas share state through the database."""

    def __init__(self, url: str | URL) -> None:
        self._db = Database(url)
        try:
            ensure_schema(self._db)
        except exc.DBAPIError as error:
            self._db.close()
            why = repr(error.orig)
            for secret in url_secrets(self._db.url.render_as_string(hide_password=False)):
                why = why.replace(secret, MASK)  # a driver may echo what it was given
            raise StoreError(f"cannot open database {self._db.display_url()}: {why}") from error
        except BaseException:
            self._db.close()
            raise

    @property
    def url(self) -> URL:
        return self._db.url

    def __repr__(self) -> str:
        return f"Store({self._db.display_url()!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def ping(self) -> bool:
        """True when the database answers ``SELECT 1``. Never raises (used by GET /readyz)."""
        return self._db.ping()
