"""Audit reports: per learner and requirement, the status on an as-of date, the completion
date and the statements that prove it; summary figures per unit; and a digest over the
report and the evidence it cites, so that `verify` can tell whether anything has changed.

Statuses come from `analytics.risk.requirement_states` (one source of truth, the risk
model's): its `complete` and `waived` are kept; an open requirement (risk's `in progress`,
`not started` or `click-through`) is `overdue` once its due date is before the as-of date,
else `in progress` (a click-through completion is in progress: it is not done) or `not
started`.

Evidence: for a `waived` row, the learner's first `waived` statement on the requirement;
for a `complete` row, the first completion of the requirement itself, or, when it was
completed through its parts, the first completion of each part. Open rows cite nothing.

The digest (`sha256:` + hex) is SHA-256 over the text

    lrs-audit-report/2\\n
    <rows digest hex>\\n
    <evidence digest hex>\\n

where the rows digest is SHA-256 over the canonical report text: the line
`{"as_of":..,"tenant":..,"unit":..}` (JSON, sorted keys, no spaces; unit null for the
whole store) then one line per row, rows sorted by (unit, learner, requirement), each the
JSON array of its ten cells as they appear in every format (strings; evidence ids
space-separated and sorted); and the evidence digest is SHA-256 over, for each cited
statement id in sorted order, `id\\n`, then `voided\\n` or `live\\n` or `missing\\n`, then the
SHA-256 (hex) of the statement's body as stored (nothing when missing) and `\\n`.

Where the evidence comes from: the LRS hashes the body of every statement that says its
activity is done when it stores it (lrs.xapi.facts.with_body_hash), and the sync copies that
hash into the analytics file (`body_sha256`), so a report reads the hashes of the statements
it cites with its other figures, however large the store. A statement stored before the LRS
kept the hash is read from the LRS store and hashed there
(`lrs.store.open_store(Settings.from_env().store).get_statements`), as `verify` reads every
cited statement: the store's current bytes and voided flag are what a report is checked
against. The generation time is shown in every format but is not in the digest: the same
evidence and the same as-of date give the same digest, whenever the report is made.
"""

from __future__ import annotations

import asyncio
import csv
import functools
import hashlib
import html
import io
import json
import operator
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from analytics.catalog import Catalog, Roster
from analytics.collector import collector_paused
from analytics.risk import (
    Requirement,
    activity_evidence,
    as_of_connection,
    as_of_date,
    parts_of,
    requirement_states,
)

FORMAT_TAG = "lrs-audit-report/2"
COLUMNS = (
    "learner",
    "name",
    "unit",
    "role",
    "requirement",
    "requirement_name",
    "due",
    "status",
    "completed_at",
    "evidence",
)
STATUSES = ("complete", "waived", "in progress", "not started", "overdue")
SUMMARY_COLUMNS = ("unit", "learners", "requirements", *STATUSES, "completion_rate")


class ReportError(ValueError):
    """A file that is not an audit report this module can read."""


@dataclass(frozen=True)
class Evidence:
    """One cited statement: the SHA-256 (hex) of its stored body (None: not in the store)."""

    id: str
    sha256: str | None
    voided: bool


@dataclass(frozen=True)
class Report:
    """A report's rows and the evidence they cite, fixed once made (a report with other
    evidence is another Report: dataclasses.replace), so that each digest is computed once
    however many formats show it."""

    as_of: date
    unit: str | None
    tenant: str
    generated_at: str
    rows: list[tuple[str, ...]]  # COLUMNS, canonical strings, sorted
    evidence: dict[str, Evidence] = field(default_factory=dict)

    @functools.cached_property
    def cited(self) -> list[str]:
        return cited_ids(self.rows)

    @functools.cached_property
    def rows_digest(self) -> str:
        return rows_digest(self.as_of, self.unit, self.tenant, self.rows)

    @functools.cached_property
    def evidence_digest(self) -> str:
        return evidence_digest(self.cited, self.evidence)

    @property
    def digest(self) -> str:
        return combine(self.rows_digest, self.evidence_digest)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, schema=list(COLUMNS), orient="row")

    def summary(self) -> list[tuple[str, ...]]:
        return summary(self.rows)

    def metadata(self) -> dict[str, str]:
        rows_hex, evidence_hex = self.rows_digest, self.evidence_digest  # each hashed once
        return {
            "format": FORMAT_TAG,
            "as_of": self.as_of.isoformat(),
            "unit": self.unit or "",
            "tenant": self.tenant,
            "generated_at": self.generated_at,
            "digest": combine(rows_hex, evidence_hex),
            "rows_digest": rows_hex,
            "evidence_digest": evidence_hex,
        }


# --------------------------------------------------------------------------- building


def _utc(at: datetime | None) -> str:
    return "" if at is None else at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def report_status(risk_status: str, due: date, today: date) -> str:
    if risk_status in ("complete", "waived"):
        return risk_status
    if due < today:
        return "overdue"
    return "not started" if risk_status == "not started" else "in progress"


@collector_paused()
def audit(
    db: str | Path,
    catalog: Catalog,
    roster: Roster,
    as_of: date | datetime,
    unit: str | None = None,
    tenant: str = "default",
    store_url: str | None = None,
    generated_at: datetime | None = None,
) -> Report:
    """The audit report on `as_of` for `unit` (None: every unit), with the hash of each
    cited statement from the analytics file, or, for one synced without it, read from the
    store at `store_url` (default: LRS_STORE)."""
    today = as_of_date(as_of)
    assigned = {
        (learner, activity)
        for learner, learner_unit, _, activity, _ in catalog.assignments(roster).rows()
        if unit is None or learner_unit == unit
    }
    con = as_of_connection(db, as_of)
    try:
        evidence = activity_evidence(con, catalog, tenant)
        # What a row can cite: the first completion or waiver of the requirement, or the
        # first completions of its parts; their hashes are read now, with the figures.
        parts = parts_of(evidence, catalog)
        first: dict[tuple[str, str], str] = {}
        first_waiver: dict[tuple[str, str], str] = {}
        for learner, requirement, activity, _, done_id, waiver_id in evidence.rows():
            if (learner, requirement) not in assigned:
                continue
            if done_id is not None and (
                activity == requirement or activity in parts.get(requirement, {})
            ):
                first[(learner, activity)] = done_id
            if waiver_id is not None and activity == requirement:
                first_waiver[(learner, activity)] = waiver_id
        candidates = sorted({*first.values(), *first_waiver.values()})
        found = body_hashes(con, tenant, candidates)
    finally:
        con.close()
    # Statements stored before the LRS kept their hash: read from the store (from disk, when
    # it is larger than memory) while the assessment computes (on the CPU).
    pool = ThreadPoolExecutor(1, thread_name_prefix="audit-evidence")
    unhashed = [sid for sid in candidates if sid not in found]
    reading = pool.submit(fetch_evidence, unhashed, tenant, store_url)
    try:
        requirements = requirement_states(db, catalog, roster, as_of, tenant, unit, evidence)
        report = _report(
            requirements,
            catalog,
            roster,
            parts,
            first,
            first_waiver,
            today,
            unit,
            tenant,
            generated_at,
        )
        found |= reading.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return replace(report, evidence={sid: found[sid] for sid in report.cited})


def body_hashes(
    con: duckdb.DuckDBPyConnection, tenant: str, ids: Sequence[str]
) -> dict[str, Evidence]:
    """The statements among `ids` whose body hash the analytics file has (those synced are
    live: the figures read only live statements)."""
    con.register("audit_candidates", pa.table({"id": pa.array(ids, pa.string())}))
    try:
        rows = con.sql(
            """SELECT id::VARCHAR, body_sha256 FROM statements SEMI JOIN audit_candidates USING (id)
               WHERE tenant = $tenant AND body_sha256 IS NOT NULL""",
            params={"tenant": tenant},
        ).fetchall()
    finally:
        con.unregister("audit_candidates")
    return {sid: Evidence(sid, sha, False) for sid, sha in rows}


def _report(
    requirements: list[Requirement],
    catalog: Catalog,
    roster: Roster,
    parts: dict[str, dict[str, float]],
    first: dict[tuple[str, str], str],
    first_waiver: dict[tuple[str, str], str],
    today: date,
    unit: str | None,
    tenant: str,
    generated_at: datetime | None,
) -> Report:
    """The report's rows, each citing the first completion or waiver that proves it (of the
    requirement, or of its `parts`)."""
    names = {p.key: p.name or "" for p in roster.learners}
    titles = {a.id: a.name or "" for a in catalog.activities}
    rows: list[tuple[str, ...]] = []
    for r in requirements:
        learner, requirement, state = r.learner, r.activity, r.state
        status = report_status(state.status, r.due, today)
        ids: list[str] = []
        if status == "waived":
            ids = [first_waiver[(learner, requirement)]]
        elif status == "complete":
            own = first.get((learner, requirement))
            if own is not None:
                ids = [own]
            else:
                ids = [first[(learner, p)] for p in parts.get(requirement, {})]
        rows.append(
            (
                learner,
                names[learner],
                r.unit,
                r.role,
                requirement,
                titles[requirement],
                r.due.isoformat(),
                status,
                _utc(state.done_at),
                " ".join(sorted(set(ids))),
            )
        )
    return Report(
        as_of=today,
        unit=unit,
        tenant=tenant,
        generated_at=_utc((generated_at or datetime.now(UTC)).replace(tzinfo=None)),
        rows=sort_rows(rows),
    )


# unit, learner, requirement, then the other cells: the order of (r[2], r[0], r[4], r)
_ROW_ORDER = operator.itemgetter(2, 0, 4, 1, 3, 5, 6, 7, 8, 9)


def sort_rows(rows: Iterable[Sequence[str]]) -> list[tuple[str, ...]]:
    return sorted((tuple(r) for r in rows), key=_ROW_ORDER)


def cited_ids(rows: Iterable[Sequence[str]]) -> list[str]:
    return sorted({sid for r in rows for sid in r[9].split()})


def fetch_evidence(
    ids: Sequence[str], tenant: str, store_url: str | None = None
) -> dict[str, Evidence]:
    """Each statement as the store holds it now, its body hashed."""
    from lrs.config import Settings
    from lrs.store import open_store

    url = store_url or Settings.from_env().store

    async def run() -> dict[str, Evidence]:
        store = open_store(url)
        await store.open()
        try:
            out = {sid: Evidence(sid, None, False) for sid in ids}  # until found
            # A store reads a call's statements in file order: large calls, few passes.
            for start in range(0, len(ids), 50_000):
                for got in await store.get_statements(tenant, ids[start : start + 50_000]):
                    sha = hashlib.sha256(got.body).hexdigest()
                    out[got.id] = Evidence(got.id, sha, got.voided)
            return out
        finally:
            await store.close()

    return asyncio.run(run()) if ids else {}


def summary(rows: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    """Per unit: learners, requirements (learner x requirement rows), the count of each
    status and the completion rate (complete or waived over requirements, 3 decimals)."""
    units: dict[str, dict[str, Any]] = {}
    for r in rows:
        u = units.setdefault(r[2], {"learners": set(), "n": 0} | dict.fromkeys(STATUSES, 0))
        u["learners"].add(r[0])
        u["n"] += 1
        u[r[7]] = u.get(r[7], 0) + 1
    out: list[tuple[str, ...]] = []
    for name in sorted(units):
        u = units[name]
        rate = (u["complete"] + u["waived"]) / u["n"] if u["n"] else 0.0
        out.append(
            (
                name,
                str(len(u["learners"])),
                str(u["n"]),
                *(str(u[s]) for s in STATUSES),
                f"{rate:.3f}",
            )
        )
    return out


# --------------------------------------------------------------------------- digest


_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def rows_digest(as_of: date, unit: str | None, tenant: str, rows: Iterable[Sequence[str]]) -> str:
    head = _json({"as_of": as_of.isoformat(), "tenant": tenant, "unit": unit})
    lines = [head, *(_json(list(r)) for r in sort_rows(rows)), ""]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def evidence_digest(ids: Sequence[str], evidence: dict[str, Evidence]) -> str:
    lines = []
    for sid in sorted(ids):
        e = evidence.get(sid)
        sha = None if e is None else e.sha256
        state = "missing" if sha is None else "voided" if e and e.voided else "live"
        lines.append(f"{sid}\n{state}\n{sha or ''}\n")
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def combine(rows_hex: str, evidence_hex: str) -> str:
    text = f"{FORMAT_TAG}\n{rows_hex}\n{evidence_hex}\n"
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- CSV


# A cell starting with one of these is a formula to a spreadsheet: a learner named
# "=HYPERLINK(...)" must not run in the compliance officer's Excel. Such a cell is written
# with a leading apostrophe (shown as text, never evaluated), and so is one that already
# starts with an apostrophe, so that reading strips exactly one and every value comes back.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def _to_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _from_cell(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def to_csv(report: Report) -> str:
    """The rows (header first), a blank line, then `#`-prefixed metadata and summary lines:
    a spreadsheet shows them as rows of their own under the table."""
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\r\n")
    w.writerow(COLUMNS)
    w.writerows([_to_cell(v) for v in row] for row in report.rows)
    w.writerow([])
    for key, value in report.metadata().items():
        w.writerow([f"# {key}", _to_cell(value)])
    w.writerow(["# summary", *SUMMARY_COLUMNS])
    for s in report.summary():
        w.writerow(["# summary", *(_to_cell(v) for v in s)])
    return buffer.getvalue()


def _meta_report(meta: dict[str, str], rows: list[tuple[str, ...]]) -> tuple[Report, str]:
    made_by = meta.get("format", "")
    if made_by.startswith("lrs-audit-report/") and made_by != FORMAT_TAG:
        raise ReportError(
            f"an audit report of another format ({made_by}; this version reads {FORMAT_TAG}): "
            "make it again with this version"
        )
    if made_by != FORMAT_TAG:
        raise ReportError(f"not an audit report ({FORMAT_TAG} metadata missing)")
    try:
        as_of = date.fromisoformat(meta["as_of"])
        report = Report(
            as_of,
            meta["unit"] or None,
            meta["tenant"],
            meta["generated_at"],
            sort_rows(rows),
        )
        return report, meta["digest"]
    except (KeyError, ValueError) as exc:
        raise ReportError(f"bad report metadata: {exc}") from exc


def parse_csv(text: str) -> tuple[Report, dict[str, str]]:
    lines = list(csv.reader(io.StringIO(text)))
    if not lines or tuple(lines[0]) != COLUMNS:
        raise ReportError("not an audit report CSV (unexpected header)")
    rows: list[tuple[str, ...]] = []
    meta: dict[str, str] = {}
    in_rows = True
    for line in lines[1:]:
        if not line or not any(line):
            in_rows = False
            continue
        if in_rows:
            if len(line) != len(COLUMNS):
                raise ReportError(f"a row has {len(line)} cells, expected {len(COLUMNS)}")
            rows.append(tuple(_from_cell(v) for v in line))
        elif line[0].startswith("# ") and line[0] != "# summary" and len(line) >= 2:
            meta[line[0][2:]] = _from_cell(line[1])
    report, _ = _meta_report(meta, rows)
    return report, meta


# --------------------------------------------------------------------------- HTML

STATUS_COLOURS = {
    "complete": "#2e7d32",
    "waived": "#6a8caf",
    "in progress": "#f9a825",
    "not started": "#9e9e9e",
    "overdue": "#c62828",
}


def bar_chart(unit: str, counts: dict[str, int]) -> str:
    """An inline SVG bar chart: one bar per status, y axis = requirement rows."""
    width, height, left, bottom, top = 460, 240, 50, 50, 30
    plot_w, plot_h = width - left - 20, height - top - bottom
    peak = max([*counts.values(), 1])
    step = plot_w / len(STATUSES)
    e = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{e(unit)}: requirements per status">',
        f'<text x="{width / 2}" y="16" text-anchor="middle" font-weight="bold">'
        f"{e(unit)}: requirements per status</text>",
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="black"/>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="black"/>',
    ]
    for tick in sorted({0, peak // 2, peak}):
        y = top + plot_h - plot_h * tick / peak
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}</text>'
        )
    for i, status in enumerate(STATUSES):
        n = counts.get(status, 0)
        h = plot_h * n / peak
        x = left + i * step + step * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{step * 0.7:.1f}" '
            f'height="{h:.1f}" fill="{STATUS_COLOURS[status]}"/>'
            f'<text x="{x + step * 0.35:.1f}" y="{top + plot_h - h - 3:.1f}" '
            f'text-anchor="middle" font-size="11">{n}</text>'
            f'<text x="{x + step * 0.35:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
            f'font-size="11">{status}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle" '
        'font-size="12">status</text>'
        f'<text transform="translate(14 {top + plot_h / 2}) rotate(-90)" '
        'text-anchor="middle" font-size="12">requirements (learner-course pairs)</text></svg>'
    )
    return "".join(parts)


def to_html(report: Report) -> str:
    e = html.escape
    meta = report.metadata()
    head = "".join(f'<meta name="lrs-report-{k}" content="{e(v)}">\n' for k, v in meta.items())
    scope = report.unit or "all units"
    summary_rows = report.summary()
    charts = "".join(
        "<figure>"
        + bar_chart(s[0], {st: int(s[3 + i]) for i, st in enumerate(STATUSES)})
        + "</figure>"
        for s in summary_rows
    )
    summary_table = (
        "<table><tr>"
        + "".join(f"<th>{e(c)}</th>" for c in SUMMARY_COLUMNS)
        + "</tr>"
        + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in s) + "</tr>" for s in summary_rows)
        + "</table>"
    )
    rows_table = (
        '<table id="rows"><thead><tr>'
        + "".join(f"<th>{e(c)}</th>" for c in COLUMNS)
        + "</tr></thead><tbody>"
        + "".join(
            '<tr class="row">' + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>"
            for r in report.rows
        )
        + "</tbody></table>"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Audit report: {e(scope)} as of {report.as_of}</title>
{head}<style>
body {{ font-family: sans-serif; font-size: 12px; margin: 1.5em; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #999; padding: 2px 5px; text-align: left; vertical-align: top; }}
#rows td:last-child {{ font-family: monospace; font-size: 10px; word-break: break-all; }}
figure {{ display: inline-block; margin: 0.5em; page-break-inside: avoid; }}
dl {{ display: grid; grid-template-columns: max-content auto; gap: 2px 1em; }}
dd {{ margin: 0; font-family: monospace; word-break: break-all; }}
@page {{ size: A4 landscape; margin: 12mm; }}
@media print {{ body {{ margin: 0; }} tr {{ page-break-inside: avoid; }} }}
</style></head><body>
<h1>Compliance audit report: {e(scope)}, as of {report.as_of}</h1>
<dl>{"".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in meta.items())}</dl>
<h2>Summary per unit</h2>
{summary_table}
{charts}
<h2>Learners and requirements</h2>
{rows_table}
<p>Verify with <code>lrs report verify FILE</code>: it recomputes the digest from these rows
and the store's current copy of every cited statement.</p>
</body></html>
"""


class _HTMLReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.rows: list[tuple[str, ...]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name") or ""
        if tag == "meta" and name.startswith("lrs-report-"):
            self.meta[name.removeprefix("lrs-report-")] = a.get("content") or ""
        elif tag == "tr" and a.get("class") == "row":
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(tuple(self._row))
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse_html(text: str) -> tuple[Report, dict[str, str]]:
    reader = _HTMLReader()
    reader.feed(text)
    reader.close()
    for r in reader.rows:
        if len(r) != len(COLUMNS):
            raise ReportError(f"a row has {len(r)} cells, expected {len(COLUMNS)}")
    report, _ = _meta_report(reader.meta, reader.rows)
    return report, reader.meta


# --------------------------------------------------------------------------- verify


@dataclass
class Verification:
    intact: bool
    problems: list[str]
    digest: str
    claimed: str


def read_report(path: str | Path) -> tuple[Report, dict[str, str]]:
    data = Path(path).read_bytes()
    if data.startswith(b"%PDF"):
        from analytics.report_pdf import parse_pdf

        return parse_pdf(data)
    text = data.decode("utf-8")
    if text.lstrip().startswith("<"):
        return parse_html(text)
    return parse_csv(text)


def verify(path: str | Path, store_url: str | None = None) -> Verification:
    """Recompute a report file's digest from its rows and the store's current copy of
    every cited statement, and say what differs."""
    report, meta = read_report(path)
    report = replace(report, evidence=fetch_evidence(report.cited, report.tenant, store_url))
    problems: list[str] = []
    if report.rows_digest != meta.get("rows_digest"):
        problems.append("rows changed: the report's rows do not match its rows digest")
    missing = [sid for sid, e in report.evidence.items() if e.sha256 is None]
    voided = [sid for sid, e in report.evidence.items() if e.sha256 is not None and e.voided]
    if voided:
        problems.append("evidence voided since: " + ", ".join(voided))
    if missing:
        problems.append("evidence missing from the store: " + ", ".join(missing))
    if report.evidence_digest != meta.get("evidence_digest") and not (voided or missing):
        problems.append("evidence changed: a cited statement's stored bytes differ")
    if combine(meta.get("rows_digest", ""), meta.get("evidence_digest", "")) != meta.get("digest"):
        problems.append("digest changed: the report's digest does not match its parts")
    digest = report.digest
    if not problems and digest != meta.get("digest"):
        problems.append("digest mismatch")
    return Verification(not problems, problems, digest, meta.get("digest", ""))
