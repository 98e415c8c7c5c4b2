"""`lrs report audit` and `lrs report verify`: the audit report of analytics.report on the
analytics file (LRS_ANALYTICS_DB) with its evidence read from the store (LRS_STORE)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from analytics.cli import _db, _load_catalog
from analytics.scoring_cli import (
    _as_of,
    _catalog,
    _day,
    _required_roster,
    _roster,
    _tenant,
    _unit,
)


@click.group("report")
def report_group() -> None:
    """Audit reports with a digest over their rows and the evidence they cite."""


@report_group.command("audit")
@_catalog
@_required_roster
@_as_of
@_unit
@_tenant
@click.option(
    "--format", "fmt", type=click.Choice(("csv", "html", "pdf")), default="csv", show_default=True
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Write to FILE.",
)
def audit_command(
    catalog_path: Path,
    roster_path: Path,
    as_of: datetime | None,
    unit: str | None,
    tenant: str,
    fmt: str,
    output: Path,
) -> None:
    """Per learner and requirement: status, completion date and the statements proving it."""
    from analytics.report import audit, to_csv, to_html

    catalog = _load_catalog(catalog_path)
    roster = _roster(roster_path)
    assert catalog is not None and roster is not None
    report = audit(_db(), catalog, roster, _day(as_of), unit, tenant)
    if fmt == "pdf":
        from analytics.report_pdf import to_pdf

        output.write_bytes(to_pdf(report))
    else:
        output.write_text(to_csv(report) if fmt == "csv" else to_html(report), encoding="utf-8")
    click.echo(f"{len(report.rows)} rows, {len(report.cited)} statements cited; {report.digest}")


@report_group.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(file: Path) -> None:
    """Re-check a report against the store: exit 0 only when nothing changed."""
    from analytics.report import ReportError, verify

    try:
        result = verify(file)
    except (ReportError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc
    if result.intact:
        click.echo(f"intact: {result.digest}")
        return
    click.echo(f"NOT intact (claimed {result.claimed}, now {result.digest}):")
    for problem in result.problems:
        click.echo(f"  - {problem}")
    sys.exit(1)


report: click.Group = report_group
