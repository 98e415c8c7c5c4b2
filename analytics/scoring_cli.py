"""`lrs risk` and `lrs proficiency`: the scores of analytics.risk and analytics.proficiency
on the analytics file (LRS_ANALYTICS_DB), printed or written like `lrs analytics ...`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import click

from analytics.catalog import CatalogError, Roster, load_roster
from analytics.cli import _db, _load_catalog, _output_options, _write

_catalog = click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The catalog TOML file (requirements, expected durations, skills).",
)
_as_of = click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to judge, YYYY-MM-DD (its end, UTC; default: today).",
)
_unit = click.option("--unit", default=None, help="Only learners of this unit.")
_tenant = click.option("--store", "tenant", default="default", show_default=True)
_required_roster = click.option(
    "--roster",
    "roster_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The roster CSV file (who is in which unit and role).",
)


def _roster(path: Path | None) -> Roster | None:
    if path is None:
        return None
    try:
        return load_roster(path)
    except CatalogError as exc:
        raise click.ClickException(str(exc)) from exc


def _day(value: datetime | None) -> date:
    return value.date() if value is not None else datetime.now(UTC).date()


@click.command("risk")
@_catalog
@_required_roster
@_as_of
@_unit
@_tenant
@click.option("--per-unit", is_flag=True, help="One row per unit and requirement.")
@_output_options
def _risk(
    catalog_path: Path,
    roster_path: Path,
    as_of: datetime | None,
    unit: str | None,
    tenant: str,
    per_unit: bool,
    fmt: str,
    output: Path | None,
) -> None:
    """Compliance risk per learner and requirement: score, level, explanation, action."""
    from analytics.risk import risk, unit_risk

    catalog = _load_catalog(catalog_path)
    roster = _roster(roster_path)
    assert catalog is not None and roster is not None
    frame = risk(_db(), catalog, roster, _day(as_of), tenant, unit)
    _write(unit_risk(frame) if per_unit else frame, fmt, output)


@click.command("proficiency")
@_catalog
@click.option(
    "--roster",
    "roster_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The roster CSV file (adds name, unit, role; needed by --test-out and --unit).",
)
@_as_of
@_unit
@_tenant
@click.option("--near-ready", "skill", default=None, help="Learners closest to this skill.")
@click.option("--test-out", is_flag=True, help='Suggested cmi5 waivers ("Tested Out").')
@_output_options
def _proficiency(
    catalog_path: Path,
    roster_path: Path | None,
    as_of: datetime | None,
    unit: str | None,
    tenant: str,
    skill: str | None,
    test_out: bool,
    fmt: str,
    output: Path | None,
) -> None:
    """Mastery per learner and skill (Beta posterior mean and 80% interval)."""
    from analytics.proficiency import near_ready, proficiency, test_out_candidates

    catalog = _load_catalog(catalog_path)
    roster = _roster(roster_path)
    assert catalog is not None
    if (test_out or unit is not None) and roster is None:
        raise click.UsageError("--test-out and --unit need --roster")
    day = _day(as_of)
    frame = proficiency(_db(), catalog, day, tenant, roster, unit)
    if test_out:
        assert roster is not None
        frame = test_out_candidates(_db(), catalog, roster, day, tenant, unit, frame)
    elif skill is not None:
        frame = near_ready(frame, skill)
    _write(frame, fmt, output)


risk: click.Command = _risk
proficiency: click.Command = _proficiency
