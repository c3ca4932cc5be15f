"""`python -m bot audit`, run as a real subprocess against a database filled through the Store.

Runs on SQLite (a file) and PostgreSQL (an isolated schema). The subprocess gets only
SENDID_DATABASE_URL: no Slack or Braze setting is present, as on an admin's box.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.audit import COLUMNS, neutralise_formula
from bot.domain.models import FailureKind, RequestState
from bot.domain.workspaces import DEFAULT_WORKSPACE
from bot.store import Store
from tests.support import databases
from tests.support.bots import clean_env
from tests.support.processes import Processes
from tests.support.records import new_request
from tests.support.spreadsheets import formula_cells

S = RequestState
UNAVAILABLE = "Braze is unavailable (HTTP 503)"


# A purpose over two lines that a spreadsheet would take for a formula.
LATE_PURPOSE = "=HYPERLINK(1)\nsecond wave, EU only"


def at(day: int, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.fixture(params=databases.BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every test here runs on SQLite and on PostgreSQL (the conftest's store uses this)."""
    with databases.database_url(request.param, tmp_path) as url:
        yield url


def run_audit(
    processes: Processes, args: list[str], database_url: str | None
) -> subprocess.CompletedProcess[str]:
    # Nothing from the developer's environment that the bot reads: no tokens, no other SENDID_*.
    env = clean_env() if database_url is None else clean_env(SENDID_DATABASE_URL=database_url)
    return processes.run_bot("audit", *args, env=env)


Audit = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def audit(processes: Processes, database_url: str) -> Audit:
    """``audit("--since", …)``: `python -m bot audit …` on this test's database."""
    return lambda *args: run_audit(processes, list(args), database_url)


def row(request_id: str, request: dict[str, Any], **audit: Any) -> dict[str, Any]:
    return {"request_id": request_id, **request, **audit}


def fill(store: Store) -> list[dict[str, Any]]:
    """Requests and transitions around the window 2025-03-01 (UTC); returns the expected rows
    inside it, in time order, as JSON-style values."""

    def new(
        campaign: str, send_id: str | None, requester: str, when: datetime, **fields: Any
    ) -> str:
        """A request by `requester` made at `when`; `fields`: other create_request values."""
        return new_request(
            store, campaign_id=campaign, send_id=send_id, requester_id=requester, now=when, **fields
        ).id

    def approve_then(request_id: str, approved: datetime, to: RequestState, **fields: Any) -> None:
        """U_APP approves at `approved`; Braze's answer (`to`, with `fields`) a minute later."""
        assert store.transition(
            request_id, S.PENDING, S.APPROVED, actor_id="U_APP", decided_by="U_APP", now=approved
        )
        answered = approved + timedelta(minutes=1)
        assert store.transition(
            request_id, S.APPROVED, to, actor_id="system", now=answered, **fields
        )

    # Inserted first, but later in time than "early" below: the export orders by time.
    late = new("cmp-late", "summer", "U_LATE", at(1, 10), workspace="eu", purpose=LATE_PURPOSE)
    approve_then(late, at(1, 10, 5), S.CREATED, created_send_id="summer", detail="braze: success")
    early = new("cmp-early", None, "U_EARLY", at(1, 0, 0, 0))  # first instant of the day
    approve_then(
        early, at(1, 9, 0), S.FAILED, failure_kind=FailureKind.UNAVAILABLE, detail=UNAVAILABLE
    )
    # Requested the day before, expired inside the window: only the expiry is in it.
    before = new("cmp-before", "winter", "U_BEFORE", datetime(2025, 2, 28, 23, 59, 59, tzinfo=UTC))
    assert store.transition(before, S.PENDING, S.EXPIRED, actor_id="system", now=at(1, 11))
    # Requested at the window's last microsecond, rejected just after it.
    edge = new("cmp-edge", "autumn", "U_EDGE", at(1, 23, 59, 59, 999_999))
    assert store.transition(
        edge,
        S.PENDING,
        S.REJECTED,
        actor_id="U_APP",
        reject_reason="not now",
        detail="not now",
        now=at(2, 0),
    )

    def req(
        campaign: str,
        send_id: str | None,
        created: str | None,
        who: str,
        workspace: str = DEFAULT_WORKSPACE,
        purpose: str | None = None,
    ) -> dict[str, Any]:
        return {
            "channel_id": "C1",
            "workspace": workspace,
            "campaign_id": campaign,
            "send_id": send_id,
            "created_send_id": created,
            "purpose": purpose,
            "requester_id": who,
        }

    r_late = req("cmp-late", "summer", "summer", "U_LATE", workspace="eu", purpose=LATE_PURPOSE)
    r_early = req("cmp-early", None, None, "U_EARLY")
    r_before = req("cmp-before", "winter", None, "U_BEFORE")
    r_edge = req("cmp-edge", "autumn", None, "U_EDGE")

    def entry(
        request_id: str,
        request: dict[str, Any],
        from_state: str | None,
        to_state: str,
        actor: str,
        when: datetime,
        detail: str = "",
    ) -> dict[str, Any]:
        return row(
            request_id,
            request,
            from_state=from_state,
            to_state=to_state,
            actor_id=actor,
            at=when.isoformat(),
            detail=detail,
        )

    return [
        entry(early, r_early, None, "pending", "U_EARLY", at(1, 0), "requested"),
        entry(early, r_early, "pending", "approved", "U_APP", at(1, 9)),
        entry(early, r_early, "approved", "failed", "system", at(1, 9, 1), UNAVAILABLE),
        entry(late, r_late, None, "pending", "U_LATE", at(1, 10), "requested"),
        entry(late, r_late, "pending", "approved", "U_APP", at(1, 10, 5)),
        entry(late, r_late, "approved", "created", "system", at(1, 10, 6), "braze: success"),
        entry(before, r_before, "pending", "expired", "system", at(1, 11)),
        entry(edge, r_edge, None, "pending", "U_EDGE", at(1, 23, 59, 59, 999_999), "requested"),
    ]


def parse_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header, *rows = list(reader)
    return header, [dict(zip(header, r, strict=True)) for r in rows]


def as_csv(expected: list[dict[str, Any]]) -> list[dict[str, str]]:
    # As written: formula starters neutralised (the purpose starts with "=").
    return [
        {k: "" if v is None else neutralise_formula(str(v)) for k, v in e.items()} for e in expected
    ]


Rows = list[dict[str, Any]]


@pytest.fixture
def expected(store: Store) -> Rows:
    """The store filled by fill(): the rows an export of 2025-03-01 must list."""
    return fill(store)


# -- the window, both formats, both backends ---------------------------------------------------


def test_csv_lists_exactly_the_transitions_of_the_day_in_time_order(
    expected: Rows, audit: Audit
) -> None:
    done = audit("--since", "2025-03-01", "--until", "2025-03-01")

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    header, rows = parse_csv(done.stdout)
    assert header == list(COLUMNS)
    assert rows == as_csv(expected)


def test_json_lines_list_exactly_the_transitions_of_the_day_in_time_order(
    expected: Rows, audit: Audit
) -> None:
    done = audit("--since", "2025-03-01", "--until", "2025-03-01", "--format", "json")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [json.loads(line) for line in lines] == expected
    assert all(datetime.fromisoformat(o["at"]).utcoffset() == timedelta(0) for o in expected)


def test_datetime_bounds_honour_their_offsets_and_include_both_ends(
    expected: Rows, audit: Audit
) -> None:
    # 10:00+01:00 is 09:00 UTC (the approval of "early"); --until 10:05Z includes that instant.
    done = audit("--since", "2025-03-01T10:00:00+01:00", "--until", "2025-03-01T10:05:00Z")

    assert done.returncode == 0, done.stderr
    assert parse_csv(done.stdout)[1] == as_csv(expected[1:5])


@pytest.mark.usefixtures("expected")
def test_without_until_everything_since_is_listed(audit: Audit) -> None:
    done = audit("--since", "2025-03-01T23:00:00Z", "--format", "json")

    assert done.returncode == 0, done.stderr
    got = [
        (o["campaign_id"], o["to_state"], o["at"])
        for o in map(json.loads, done.stdout.splitlines())
    ]
    assert got == [
        ("cmp-edge", "pending", "2025-03-01T23:59:59.999999+00:00"),
        ("cmp-edge", "rejected", "2025-03-02T00:00:00+00:00"),
    ]


@pytest.mark.usefixtures("expected")
def test_an_empty_window_prints_only_the_header_and_succeeds(audit: Audit) -> None:
    as_csv_ = audit("--since", "2030-01-01")
    as_json = audit("--since", "2030-01-01", "--format", "json")

    assert (as_csv_.returncode, as_csv_.stderr) == (0, "")
    assert parse_csv(as_csv_.stdout) == (list(COLUMNS), [])
    assert (as_json.returncode, as_json.stdout, as_json.stderr) == (0, "", "")


# -- CSV injection -----------------------------------------------------------------------------


HOSTILE = {
    "campaign_id": '=HYPERLINK("http://evil.example","x")',
    "send_id": "+1+1",
    "requester_id": "@SUM(A1)",
    "detail": '-2+3, "quoted"\nsecond line',
}


def export_hostile(
    values: dict[str, str], store: Store, audit: Audit
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """A request made of `values` (campaign, send ID, requester), rejected with `values`'
    detail, exported as CSV and as JSON."""
    request = new_request(
        store,
        requester_id=values["requester_id"],
        campaign_id=values["campaign_id"],
        send_id=values["send_id"],
        campaign_name=None,
        now=at(1, 8),
    )
    store.transition(
        request.id, S.PENDING, S.REJECTED, actor_id="U_APP", detail=values["detail"], now=at(1, 9)
    )
    args = ["--since", "2025-03-01", "--until", "2025-03-01"]
    return (
        audit(*args),
        audit(*args, "--format", "json"),
    )


def test_csv_neutralises_formulas_and_json_keeps_the_values_as_they_are(
    store: Store, audit: Audit
) -> None:
    as_csv_, as_json = export_hostile(HOSTILE, store, audit)

    assert as_csv_.returncode == 0, as_csv_.stderr
    _, (created, rejected) = parse_csv(as_csv_.stdout)
    assert created["campaign_id"] == "'" + HOSTILE["campaign_id"]
    assert created["send_id"] == "'+1+1"
    assert created["requester_id"] == "'@SUM(A1)"
    assert rejected["detail"] == "'" + HOSTILE["detail"]  # embedded newline survives quoting
    assert created["detail"] == "requested" and created["from_state"] == ""
    for cell in (*created.values(), *rejected.values()):
        assert not cell.startswith(("=", "+", "-", "@"))
    objects = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert objects[0]["campaign_id"] == HOSTILE["campaign_id"]
    assert objects[0]["send_id"] == HOSTILE["send_id"]
    assert objects[1]["detail"] == HOSTILE["detail"]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t'=1"),
        ("\r=1", "'\r'=1"),
        ("\0x", "'\0x"),
        ("a=1", "a=1"),
        ("", ""),
        # Where another list separator would start a cell (German Excel reads ";").
        (";=1+1;", ";'=1+1;"),
        ("a,-1", "a,'-1"),
        ('a; "@b', "a; \"'@b"),
        ("a\n+1", "a\n'+1"),
        ("a\t-1", "a\t'-1"),
        ("a-1;b", "a-1;b"),
        ("2025-03-01T00:00:00+00:00", "2025-03-01T00:00:00+00:00"),
    ],
)
def test_neutralise_formula(value: str, safe: str) -> None:
    assert neutralise_formula(value) == safe


SEPARATOR_ATTACKS = {
    "campaign_id": "cmp;=1+1;",
    "send_id": ";=1+1;",
    "requester_id": 'U1,"@SUM(A1)',
    "detail": "ok\t-2+3\r\n=cmd|' /C calc'!A0",
}


def test_no_cell_begins_a_formula_whichever_separator_the_spreadsheet_reads_with(
    store: Store, audit: Audit
) -> None:
    as_csv_, as_json = export_hostile(SEPARATOR_ATTACKS, store, audit)

    assert as_csv_.returncode == 0, as_csv_.stderr
    assert formula_cells(as_csv_.stdout) == []
    assert as_csv_.stdout.startswith('"request_id","channel_id",')  # every field quoted
    _, (created, _rejected) = parse_csv(as_csv_.stdout)
    assert created["send_id"] == ";'=1+1;"
    objects = [json.loads(line) for line in as_json.stdout.splitlines()]
    for key in ("campaign_id", "send_id", "requester_id"):
        assert objects[0][key] == SEPARATOR_ATTACKS[key]
    assert objects[1]["detail"] == SEPARATOR_ATTACKS["detail"]


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["--since", "2025-13-01"], "--since"),
        (["--since", "yesterday"], "--since"),
        (["--since", "2025-03-01T10:00:00"], "offset"),  # naive: which zone?
        (["--since", "2025-03-01", "--until", "03/02/2025"], "--until"),
        (["--since", "2025-03-02", "--until", "2025-03-01"], "before --since"),
        (["--since", "0001-01-01T00:00:00+01:00"], "out of range"),
        (["--until", "2025-03-01"], "--since"),  # --since is required
        (["--since", "2025-03-01", "--format", "xml"], "--format"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line_and_no_traceback(
    args: list[str], mentions: str, tmp_path: Path, processes: Processes
) -> None:
    database = tmp_path / "untouched.db"

    done = run_audit(processes, args, f"sqlite:///{database}")

    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("python -m bot audit: error:")
    assert mentions in lines[0]
    assert "Traceback" not in done.stderr
    assert not database.exists()


def test_a_missing_sqlite_file_is_an_error_and_is_not_created(
    tmp_path: Path, processes: Processes
) -> None:
    database = tmp_path / "nowhere.db"

    done = run_audit(processes, ["--since", "2025-03-01"], f"sqlite:///{database}")

    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"python -m bot audit: error: no database at {database} (check SENDID_DATABASE_URL)"
    ]
    assert not database.exists()


def test_an_unreachable_database_is_one_line_and_exit_1(processes: Processes) -> None:
    url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"  # nothing listens on port 1

    done = run_audit(processes, ["--since", "2025-03-01"], url)

    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_a_password_in_the_urls_query_string_is_not_printed(processes: Processes) -> None:
    """Issue 24, item 6: before, the error line printed `?password=hunter2secret` as written."""
    url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2&password=hunter2secret"

    done = run_audit(processes, ["--since", "2025-03-01"], url)

    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert "hunter2secret" not in line
    assert "?connect_timeout=2&password=***" in line


@pytest.mark.parametrize("url", ["not a url", "mysql://admin:hunter2secret@db.example/sendid"])
def test_an_unusable_database_url_is_one_line_exit_2_without_the_password(
    url: str, processes: Processes
) -> None:
    done = run_audit(processes, ["--since", "2025-03-01"], url)

    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "SENDID_DATABASE_URL" in done.stderr
    assert "hunter2secret" not in done.stderr and "Traceback" not in done.stderr


def test_the_database_url_is_read_from_a_dotenv_file_too(
    tmp_path: Path, processes: Processes
) -> None:
    url = databases.sqlite_url(tmp_path)
    with Store(url) as store:
        new_request(store, requester_id="U1", now=at(1, 8))
    (tmp_path / ".env").write_text(f"SENDID_DATABASE_URL={url}\n", encoding="utf-8")

    done = run_audit(processes, ["--since", "2025-03-01", "--format", "json"], None)

    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["requester_id"] for line in done.stdout.splitlines()] == ["U1"]


def test_help_documents_the_formula_guard_and_the_json_lines_format(processes: Processes) -> None:
    done = run_audit(processes, ["--help"], None)

    assert done.returncode == 0
    assert "single quote" in done.stdout and "= + - @" in done.stdout
    assert "JSON Lines" in done.stdout


# -- the store method behind it ----------------------------------------------------------------


def test_audit_rows_streams_in_batches_and_stops_early_without_harm(store: Store) -> None:
    ids = [
        new_request(
            store, requester_id=f"U{i}", send_id=f"s{i}", now=at(1, 0) + timedelta(seconds=i)
        ).id
        for i in range(40)
    ]

    rows = list(store.audit_rows(at(1, 0), at(2, 0), batch_size=7))
    partial = store.audit_rows(at(1, 0), batch_size=3)
    first = next(partial)
    partial.close()

    assert [r["request_id"] for r in rows] == ids
    assert set(rows[0]) == set(COLUMNS)
    assert rows[0]["at"] == at(1, 0) and rows[0]["at"].tzinfo is not None
    assert first["request_id"] == ids[0]
    # The connection went back to the pool: writes still work.
    assert store.transition(ids[0], S.PENDING, S.CANCELLED, actor_id="U0", now=at(1, 5))


def test_audit_rows_refuses_naive_datetimes(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.audit_rows(datetime(2025, 3, 1))
