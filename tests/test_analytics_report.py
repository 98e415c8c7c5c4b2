"""analytics.report: audit statuses, evidence, digest, CSV/HTML round trips and verify."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import sqlite3
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import analytics
from analytics.catalog import parse_catalog, parse_roster
from analytics.report import (
    COLUMNS,
    Report,
    ReportError,
    audit,
    parse_csv,
    parse_html,
    sort_rows,
    to_csv,
    to_html,
    verify,
)
from analytics.report_cli import report_group
from tests.test_analytics_sync import statement, store_statements

R = "https://x.example/sepsis"
H = "https://x.example/hygiene"
WAIVED = "https://w3id.org/xapi/adl/verbs/waived"
CATALOG_TOML = f"""
[[activity]]
id = "{R}"
name = "Sepsis"
due = 2024-03-31
expected_duration = "PT45M"

[[activity]]
id = "{H}"
name = "Hand hygiene"
due = 2024-03-15
expected_duration = "PT10M"
"""
ROSTER_CSV = (
    "name,unit,role,mbox\n"
    "Ann,ICU,RN,ann@x.example\n"
    "Bob,ICU,RN,bob@x.example\n"
    "Cat,ED,RN,cat@x.example\n"
    "Dan,ED,RN,dan@x.example\n"
)
CATALOG = parse_catalog(CATALOG_TOML)
ROSTER = parse_roster(ROSTER_CSV)
ANN, BOB, CAT, DAN = (f"mbox:mailto:{n}@x.example" for n in ("ann", "bob", "cat", "dan"))
AS_OF = date(2024, 3, 21)
GENERATED = datetime(2024, 3, 22, 8, 0, tzinfo=UTC)


def _done(who: str, activity: str, at: str, minutes: int) -> dict[str, Any]:
    return statement(
        "completed",
        activity,
        at,
        f"mailto:{who}@x.example",
        result={"completion": True, "duration": f"PT{minutes}M"},
    )


def _voiding(target: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:admin@x.example"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
        "object": {"objectType": "StatementRef", "id": target},
    }


class Data:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.store = tmp / "lrs.db"
        self.url = f"sqlite:///{self.store}"
        self.db = tmp / "a.duckdb"
        self.bob_click = _done("bob", R, "2024-03-20T10:00:00Z", 5)  # 11%: a click-through
        self.bob_h = _done("bob", H, "2024-03-10T09:00:00Z", 10)
        self.cat_r = _done("cat", R, "2024-03-10T10:00:00Z", 40)
        self.cat_r_again = _done("cat", R, "2024-03-12T10:00:00Z", 40)  # not the first
        self.cat_waiver = statement("x", H, "2024-03-01T08:00:00Z", "mailto:cat@x.example")
        self.cat_waiver["verb"] = {"id": WAIVED}
        self.dan_started = statement(
            "experienced", R, "2024-03-15T10:00:00Z", "mailto:dan@x.example"
        )
        self.dan_late = _done("dan", R, "2024-03-25T10:00:00Z", 50)  # after the as-of date
        store_statements(
            self.store,
            [
                self.bob_click,
                self.bob_h,
                self.cat_r,
                self.cat_r_again,
                self.cat_waiver,
                self.dan_started,
                self.dan_late,
            ],
        )
        self.sync()

    def sync(self) -> None:
        analytics.sync(self.url, self.db)

    def report(self, unit: str | None = None) -> Report:
        return audit(
            self.db, CATALOG, ROSTER, AS_OF, unit, store_url=self.url, generated_at=GENERATED
        )


@pytest.fixture
def data(tmp_path: Path) -> Data:
    return Data(tmp_path)


def _by(report: Report) -> dict[tuple[str, str], dict[str, str]]:
    return {(r[0], r[4]): dict(zip(COLUMNS, r, strict=True)) for r in report.rows}


def test_exact_statuses_dates_and_evidence(data: Data) -> None:
    rows = _by(data.report())
    got = {key: (r["status"], r["completed_at"], r["evidence"]) for key, r in rows.items()}
    assert got == {
        (ANN, R): ("not started", "", ""),
        (ANN, H): ("overdue", "", ""),
        (BOB, R): ("in progress", "", ""),  # a click-through completion is not complete
        (BOB, H): ("complete", "2024-03-10T09:00:00.000000Z", data.bob_h["id"]),
        (CAT, R): ("complete", "2024-03-10T10:00:00.000000Z", data.cat_r["id"]),
        (CAT, H): ("waived", "2024-03-01T08:00:00.000000Z", data.cat_waiver["id"]),
        (DAN, R): ("in progress", "", ""),  # its completion comes after the as-of date
        (DAN, H): ("overdue", "", ""),
    }
    assert rows[(ANN, R)]["name"] == "Ann" and rows[(ANN, R)]["requirement_name"] == "Sepsis"
    assert rows[(ANN, H)]["due"] == "2024-03-15"


def test_summary_per_unit_and_unit_filter(data: Data) -> None:
    report = data.report()
    assert report.summary() == [
        ("ED", "2", "4", "1", "1", "1", "0", "1", "0.500"),
        ("ICU", "2", "4", "1", "0", "1", "1", "1", "0.250"),
    ]
    icu = data.report("ICU")
    assert {r[2] for r in icu.rows} == {"ICU"} and len(icu.rows) == 4
    assert icu.digest != report.digest


def test_digest_is_stable_and_covers_the_evidence(data: Data) -> None:
    first, second = data.report(), data.report()
    assert first.digest == second.digest
    assert first.digest.startswith("sha256:") and len(first.digest) == 7 + 64
    later = audit(data.db, CATALOG, ROSTER, AS_OF, store_url=data.url)  # another time
    assert later.digest == first.digest and later.generated_at != first.generated_at
    assert first.cited == sorted([data.bob_h["id"], data.cat_r["id"], data.cat_waiver["id"]])
    assert set(first.evidence) == set(first.cited)
    assert all(e.sha256 and not e.voided for e in first.evidence.values())


@pytest.mark.parametrize("fmt", ["csv", "html"])
def test_formats_round_trip_with_metadata(data: Data, fmt: str) -> None:
    report = data.report()
    text = to_csv(report) if fmt == "csv" else to_html(report)
    parsed, meta = parse_csv(text) if fmt == "csv" else parse_html(text)
    assert parsed.rows == report.rows
    assert meta["digest"] == report.digest
    assert (meta["as_of"], meta["unit"], meta["generated_at"]) == (
        "2024-03-21",
        "",
        "2024-03-22T08:00:00.000000Z",
    )
    if fmt == "html":
        assert text.count("<svg") == 2 and "requirements (learner-course pairs)" in text
        assert "<script" not in text and "http-equiv" not in text
    else:
        assert text.splitlines()[0] == ",".join(COLUMNS)


@pytest.mark.parametrize("fmt", ["csv", "html"])
def test_verify_untouched_edited_and_voided(
    data: Data, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRS_STORE", data.url)
    report = data.report()
    path = data.tmp / f"report.{fmt}"
    text = to_csv(report) if fmt == "csv" else to_html(report)
    path.write_text(text, encoding="utf-8")
    ok = verify(path)
    assert ok.intact and ok.problems == [] and ok.digest == report.digest

    edited = data.tmp / f"edited.{fmt}"
    cell = ",overdue," if fmt == "csv" else "<td>overdue</td>"
    edited.write_text(text.replace(cell, cell.replace("overdue", "complete"), 1), encoding="utf-8")
    bad = verify(edited)
    assert not bad.intact
    assert bad.problems == ["rows changed: the report's rows do not match its rows digest"]

    store_statements(data.store, [_voiding(data.cat_r["id"])])
    data.sync()
    voided = verify(path)
    assert not voided.intact
    assert voided.problems == [f"evidence voided since: {data.cat_r['id']}"]
    # the report made now no longer cites it: Cat's first live completion is the later one
    now = _by(data.report())[(CAT, R)]
    assert (now["status"], now["evidence"]) == ("complete", data.cat_r_again["id"])


def _stored_body(data: Data, sid: str) -> bytes:
    with contextlib.closing(sqlite3.connect(data.store)) as conn:
        (body,) = conn.execute("SELECT body FROM statements WHERE id = ?", (sid,)).fetchone()
    return bytes(body)


def test_the_report_cites_the_hash_kept_at_ingest_and_verify_sees_a_changed_body(
    data: Data, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The analytics file has the hash of every cited statement as it was stored, so the
    audit does not open the store; a body changed in the store since fails verify."""
    report = audit(data.db, CATALOG, ROSTER, AS_OF, store_url="nostore://", generated_at=GENERATED)
    assert report.digest == data.report().digest
    sid = data.cat_r["id"]
    assert report.evidence[sid].sha256 == hashlib.sha256(_stored_body(data, sid)).hexdigest()

    path = data.tmp / "report.csv"
    path.write_text(to_csv(report), encoding="utf-8")
    monkeypatch.setenv("LRS_STORE", data.url)
    assert verify(path).intact
    changed = _stored_body(data, sid).replace(b'"PT40M"', b'"PT41M"')
    with contextlib.closing(sqlite3.connect(data.store)) as conn:
        conn.execute("UPDATE statements SET body = ? WHERE id = ?", (changed, sid))
        conn.commit()
    bad = verify(path)
    assert bad.problems == ["evidence changed: a cited statement's stored bytes differ"]


def test_statements_synced_without_their_hash_are_read_from_the_store(data: Data) -> None:
    """Rows an older version synced have no body_sha256: the report hashes those
    statements' bodies from the store, and comes out the same."""
    expected = data.report()
    with duckdb.connect(str(data.db)) as con:
        con.execute("UPDATE statements SET body_sha256 = NULL")
    assert data.report().digest == expected.digest
    with pytest.raises(ValueError):  # and it does read them from the store
        audit(data.db, CATALOG, ROSTER, AS_OF, store_url="nostore://")


def test_a_report_of_the_earlier_format_is_refused_clearly(data: Data) -> None:
    text = to_csv(data.report()).replace("lrs-audit-report/2", "lrs-audit-report/1")
    with pytest.raises(ReportError, match=r"another format \(lrs-audit-report/1;.*make it again"):
        parse_csv(text)


def test_cli_audit_and_verify(data: Data) -> None:
    (data.tmp / "catalog.toml").write_text(CATALOG_TOML)
    (data.tmp / "roster.csv").write_text(ROSTER_CSV)
    env = {"LRS_STORE": data.url, "LRS_ANALYTICS_DB": str(data.db)}
    runner = CliRunner()
    out = data.tmp / "icu.html"
    made = runner.invoke(
        report_group,
        [
            "audit",
            "--catalog",
            str(data.tmp / "catalog.toml"),
            "--roster",
            str(data.tmp / "roster.csv"),
            "--as-of",
            "2024-03-21",
            "--unit",
            "ICU",
            "--format",
            "html",
            "--output",
            str(out),
        ],
        env=env,
    )
    assert made.exit_code == 0, made.output
    assert "4 rows, 1 statements cited; sha256:" in made.output
    checked = runner.invoke(report_group, ["verify", str(out)], env=env)
    assert checked.exit_code == 0 and checked.output.startswith("intact: sha256:")
    out.write_text(out.read_text().replace("<td>not started</td>", "<td>complete</td>"))
    failed = runner.invoke(report_group, ["verify", str(out)], env=env)
    assert failed.exit_code == 1
    assert "NOT intact" in failed.output and "rows changed" in failed.output


@given(
    st.lists(
        st.tuples(st.sampled_from(["", "=", "+", "-", "@", "'", "\t", "a"]), st.text(max_size=8)),
        min_size=1,
        max_size=10,
    )
)
def test_csv_cells_never_start_a_formula_and_come_back_exactly(
    names: list[tuple[str, str]],
) -> None:
    rows = sort_rows(
        (
            f"mbox:mailto:l{n}@x.example",
            a + b,
            "=ICU",
            "RN",
            "https://x.example/c",
            "C",
            "",
            "not started",
            "",
            "",
        )
        for n, (a, b) in enumerate(names)
    )
    report = Report(date(2024, 3, 21), "=ICU", "default", "2024-03-22T08:00:00.000000Z", rows)
    text = to_csv(report)
    for line in csv.reader(io.StringIO(text)):
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in line)
    parsed, meta = parse_csv(text)
    assert parsed.rows == report.rows and meta["digest"] == report.digest


def test_a_course_complete_by_its_parts_cites_each_parts_first_completion(
    tmp_path: Path,
) -> None:
    """No completion of the course itself: it is complete when every timed part is, and the
    row cites the first completion of each part (not a repeat, not another learner's)."""
    course = "https://x.example/course"
    parts = ["https://x.example/course/au/1", "https://x.example/course/au/2"]
    catalog = parse_catalog(
        f'[[activity]]\nid = "{course}"\nname = "Course"\ndue = 2024-03-31\n'
        + "".join(
            f'\n[[activity]]\nid = "{p}"\nname = "Part"\nexpected_duration = "PT10M"\n'
            for p in parts
        )
    )
    roster = parse_roster(
        "name,unit,role,mbox\nAnn,ICU,RN,ann@x.example\nBob,ICU,RN,bob@x.example\n"
    )

    def done(who: str, part: str, at: str) -> dict[str, Any]:
        s = _done(who, part, at, 10)
        s["context"] = {"contextActivities": {"parent": [{"id": course}]}}
        return s

    firsts = [
        done("ann", parts[0], "2024-03-05T10:00:00Z"),
        done("ann", parts[1], "2024-03-06T10:00:00Z"),
    ]
    others = [
        done("ann", parts[0], "2024-03-07T10:00:00Z"),
        done("bob", parts[0], "2024-03-04T10:00:00Z"),
    ]
    store, db = tmp_path / "lrs.db", tmp_path / "a.duckdb"
    store_statements(store, [*others, *firsts])
    analytics.sync(f"sqlite:///{store}", db)
    report = audit(
        db, catalog, roster, AS_OF, store_url=f"sqlite:///{store}", generated_at=GENERATED
    )

    rows = _by(report)
    assert rows[(ANN, course)]["status"] == "complete"
    assert rows[(ANN, course)]["completed_at"] == "2024-03-06T10:00:00.000000Z"
    assert rows[(ANN, course)]["evidence"] == " ".join(sorted(s["id"] for s in firsts))
    assert rows[(BOB, course)]["status"] == "in progress"  # one part of two
    assert sorted(report.evidence) == sorted(s["id"] for s in firsts)
    assert all(report.evidence[s["id"]].sha256 is not None for s in firsts)
