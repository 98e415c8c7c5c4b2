"""analytics.report_pdf: a readable A4 PDF whose figures are the CSV's, and verify on it."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from analytics.report import Report, ReportError, read_report, to_csv, verify
from analytics.report_cli import report_group
from analytics.report_pdf import ATTACHMENT, parse_pdf, to_pdf
from tests.test_analytics_report import (
    AS_OF,
    CATALOG_TOML,
    ROSTER_CSV,
    Data,
    _voiding,
)
from tests.test_analytics_sync import store_statements


@pytest.fixture
def data(tmp_path: Path) -> Data:
    return Data(tmp_path)


def _pages(pdf: bytes) -> list[list[str]]:
    """Each page's text, one stripped line per drawn string."""
    reader = PdfReader(io.BytesIO(pdf))
    return [
        [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        for page in reader.pages
    ]


def _contains(lines: list[str], run: list[str]) -> bool:
    return any(lines[i : i + len(run)] == run for i in range(len(lines) - len(run) + 1))


def _csv_summary(text: str) -> list[list[str]]:
    return [line[1:] for line in csv.reader(io.StringIO(text)) if line[:1] == ["# summary"]]


def _write(path: Path, report: Report) -> Path:
    path.write_bytes(to_pdf(report))
    return path


def test_a_valid_a4_pdf_with_the_metadata_the_csv_has(data: Data) -> None:
    report = data.report()
    pdf = to_pdf(report)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(pdf), strict=True)  # a sound cross-reference table
    width, height = landscape(A4)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (round(width), round(height))
    assert reader.metadata is not None and reader.metadata.subject == report.digest
    assert reader.metadata.creation_date_raw == "D:20240322080000Z"  # the generation time
    first = _pages(pdf)[0]
    for line in (
        "Compliance audit report: all units, as of 2024-03-21",
        "2024-03-22T08:00:00.000000Z",
        "default",
        report.digest,
        report.rows_digest,
        report.evidence_digest,
    ):
        assert line in first
    assert to_pdf(report) == pdf  # the same report, the same bytes


def test_a_unit_outside_ascii_names_the_document_and_its_rows() -> None:
    unit = "Néonatologie (Größe) ✓"
    row = ("mbox:mailto:zoë@x.example", "Zoë Ł", unit, "RN", "https://x.example/a", "Hygiène")
    report = Report(
        AS_OF,
        unit,
        "default",
        "2024-03-22T08:00:00.000000Z",
        [(*row, "2024-03-31", "not started", "", "")],
    )
    pdf = to_pdf(report)
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    assert reader.metadata is not None
    assert reader.metadata.title == f"Audit report: {unit} as of 2024-03-21"
    text = "\n".join("\n".join(page) for page in _pages(pdf))
    # the standard fonts draw WinAnsi: a character it lacks prints as ?
    assert "Zoë ?" in text and "Néonatologie (Größe) ?" in text
    assert parse_pdf(pdf)[0].rows == report.rows


def test_summary_figures_and_charts_are_the_csvs(data: Data) -> None:
    report = data.report()
    summary = _csv_summary(to_csv(report))
    assert summary[0][-1] == "completion_rate" and len(summary) == 3
    lines = _pages(to_pdf(report))[0]
    assert _contains(lines, [c.replace("_", " ") for c in summary[0]])
    for figures in summary[1:]:
        assert _contains(lines, figures), figures
    for unit, *_ in summary[1:]:
        assert f"{unit}: requirements per status" in lines
    assert lines.count("requirements (learner-course pairs)") == 2
    assert lines.count("status") == 2
    # ED's bars carry their counts: 1 complete, 1 waived, 1 in progress, 0 not started, 1 overdue
    assert _contains(lines, ["1", "1", "1", "0", "1", "complete", "waived", "in", "progress"])


def test_rows_paginate_with_the_header_on_every_page(data: Data) -> None:
    one = data.report().rows
    rows = [
        (f"mbox:mailto:l{i:03}@x.example", f"Learner {i}", *r[2:]) for i in range(40) for r in one
    ]
    report = Report(AS_OF, None, "default", "2024-03-22T08:00:00.000000Z", sorted(rows))
    pages = _pages(to_pdf(report))
    assert len(pages) >= 3
    for number, lines in enumerate(pages, 1):
        assert f"page {number} of {len(pages)}" in lines
        assert report.digest in lines[0]
        if number > 1 and any(line.startswith("Learner ") for line in lines):  # has rows
            header = "Learner Unit / role Requirement Status Completed at Evidence"
            assert header in lines  # the header's cells share a baseline: one extracted line
    names = {line for page in pages for line in page if re.fullmatch(r"Learner \d+", line)}
    assert names == {f"Learner {i}" for i in range(40)}


def test_the_embedded_csv_is_the_report_csv(data: Data) -> None:
    report = data.report("ICU")
    reader = PdfReader(io.BytesIO(to_pdf(report)))
    (attached,) = reader.attachment_list
    assert attached.name == ATTACHMENT and attached.subtype == "/text/csv"
    assert attached.content.decode("utf-8") == to_csv(report)
    parsed, meta = parse_pdf(to_pdf(report))
    assert parsed.rows == report.rows and parsed.unit == "ICU"
    assert meta["digest"] == report.digest


def test_verify_untouched_tampered_and_voided(
    data: Data, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRS_STORE", data.url)
    report = data.report()
    path = _write(tmp_path / "report.pdf", report)
    ok = verify(path)
    assert ok.intact and ok.problems == [] and ok.digest == report.digest

    writer = PdfWriter(clone_from=path)
    (attached,) = writer.attachment_list
    attached.content = attached.content.replace(b",overdue,", b",complete,", 1)
    tampered = tmp_path / "tampered.pdf"
    writer.write(tampered)
    bad = verify(tampered)
    assert not bad.intact
    assert bad.problems == ["rows changed: the report's rows do not match its rows digest"]

    store_statements(data.store, [_voiding(data.cat_r["id"])])
    data.sync()
    voided = verify(path)
    assert not voided.intact
    assert voided.problems == [f"evidence voided since: {data.cat_r['id']}"]


def test_a_pdf_without_exactly_one_report_is_refused(data: Data, tmp_path: Path) -> None:
    plain = tmp_path / "plain.pdf"
    canvas = Canvas(str(plain))
    canvas.drawString(72, 720, "not a report")
    canvas.save()
    with pytest.raises(ReportError, match=r"expected one embedded audit-report\.csv, found 0"):
        read_report(plain)

    twice = PdfWriter(clone_from=_write(tmp_path / "r.pdf", data.report()))
    twice.add_attachment(ATTACHMENT, to_csv(data.report("ED")).encode())
    doubled = tmp_path / "doubled.pdf"
    twice.write(doubled)
    with pytest.raises(ReportError, match="found 2"):
        read_report(doubled)

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nnothing else")
    with pytest.raises(ReportError):
        read_report(broken)


def test_cli_audit_pdf_and_verify(data: Data) -> None:
    (data.tmp / "catalog.toml").write_text(CATALOG_TOML)
    (data.tmp / "roster.csv").write_text(ROSTER_CSV)
    env = {"LRS_STORE": data.url, "LRS_ANALYTICS_DB": str(data.db)}
    runner = CliRunner()
    out = data.tmp / "icu.pdf"
    args = ["--catalog", str(data.tmp / "catalog.toml"), "--roster", str(data.tmp / "roster.csv")]
    args += ["--as-of", str(AS_OF), "--unit", "ICU", "--format", "pdf", "--output", str(out)]
    made = runner.invoke(report_group, ["audit", *args], env=env)
    assert made.exit_code == 0, made.output
    assert "4 rows, 1 statements cited; sha256:" in made.output
    assert parse_pdf(out.read_bytes())[0].rows == data.report("ICU").rows
    checked = runner.invoke(report_group, ["verify", str(out)], env=env)
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("intact: sha256:")
    out.write_bytes(b"%PDF-1.4\nnot a report")
    failed = runner.invoke(report_group, ["verify", str(out)], env=env)
    assert failed.exit_code == 1 and "Error:" in failed.output


def test_a_row_too_long_for_a_page_is_cut_on_the_page_not_in_the_csv() -> None:
    key = "account:" + "x" * 20_000
    ids = " ".join(f"00000000-0000-4000-8000-{i:012}" for i in range(100))
    row = (key, "", "ICU", "RN", "https://x.example/a", "A", "2024-03-31", "complete", "", ids)
    report = Report(AS_OF, None, "default", "2024-03-22T08:00:00.000000Z", [row])
    pdf = to_pdf(report)
    text = "\n".join("\n".join(page) for page in _pages(pdf))
    assert "(cut: see audit-report.csv)" in text and "and 71 more: see audit-report.csv" in text
    assert parse_pdf(pdf)[0].rows == report.rows
