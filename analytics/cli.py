"""`lrs analytics`: sync the analytics file and print derived metrics or SQL results."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

import click
import polars as pl

from analytics.catalog import Catalog, CatalogError, load_catalog, load_roster
from analytics.db import connect
from analytics.derive import click_through, skills, time_on_task
from analytics.sync import CHUNK_ROWS, sync
from lrs.config import Settings

FORMATS = ("table", "csv", "json", "parquet")


def _db() -> str:
    return Settings.from_env().analytics_db


def _write(frame: pl.DataFrame, fmt: str, output: Path | None) -> None:
    if fmt == "parquet":
        if output is None:
            raise click.UsageError("--format parquet needs --output FILE")
        frame.write_parquet(output)
        return
    if fmt == "csv":
        flat = frame.with_columns(
            pl.col(c).cast(pl.List(pl.String)).list.join(" ")
            for c, t in frame.schema.items()
            if isinstance(t, pl.List)
        )
        text = flat.write_csv()
    elif fmt == "json":
        text = frame.write_json()
    else:
        with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=200, tbl_width_chars=400):
            text = str(frame)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text)


def _output_options(command: Callable[..., None]) -> Callable[..., None]:
    command = click.option(
        "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True
    )(command)
    return click.option(
        "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
    )(command)


_tenant = click.option("--store", "tenant", default="default", show_default=True)
_catalog = click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The catalog TOML file (expected durations, skills).",
)


def _load_catalog(path: Path | None) -> Catalog | None:
    if path is None:
        return None
    try:
        return load_catalog(path)
    except CatalogError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group("analytics")
def analytics_group() -> None:
    """Learning analytics on a DuckDB copy of the statements (LRS_ANALYTICS_DB)."""


@analytics_group.command("sync")
@click.option("--chunk", "chunk_size", default=CHUNK_ROWS, show_default=True)
def sync_command(chunk_size: int) -> None:
    """Copy the statements stored since the last sync into the analytics file."""
    settings = Settings.from_env()
    with click.progressbar(length=0, label="syncing", file=sys.stderr) as bar:
        report = sync(settings.store, settings.analytics_db, chunk_size, bar.update)
    click.echo(
        f"{report.statements} statements synced in {report.seconds:.2f} s "
        f"({report.per_second:,.0f}/s); watermark seq {report.last_seq}"
    )


@analytics_group.command("time-on-task")
@_tenant
@click.option("--idle-cutoff", default=1800.0, show_default=True, help="Seconds.")
@_output_options
def time_on_task_command(tenant: str, idle_cutoff: float, fmt: str, output: Path | None) -> None:
    """Seconds per learner and activity, rolled up to parents and groupings."""
    _write(time_on_task(_db(), tenant, idle_cutoff), fmt, output)


@analytics_group.command("click-through")
@_tenant
@click.option("--ratio", default=0.25, show_default=True, help="Of the expected time.")
@click.option("--min-cohort", default=5, show_default=True)
@click.option(
    "--fast-answer", default=3.0, show_default=True, help="Seconds: an answer faster is fast."
)
@click.option(
    "--fast-share",
    default=0.5,
    show_default=True,
    help="An attempt is fast when more than this share of its answers is.",
)
@click.option("--min-answers", default=3, show_default=True, help="Per attempt, to judge it.")
@click.option(
    "--min-coverage",
    default=0.8,
    show_default=True,
    help="Of a video's completion threshold: less played is a skipped video.",
)
@_catalog
@click.option(
    "--roster",
    "roster_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The roster CSV; with --catalog, only the activities required of each learner.",
)
@_output_options
def click_through_command(
    tenant: str,
    ratio: float,
    min_cohort: int,
    fast_answer: float,
    fast_share: float,
    min_answers: int,
    min_coverage: float,
    catalog_path: Path | None,
    roster_path: Path | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Completions much faster than expected, answered without reading, or with their
    video skipped: each row with its reason."""
    catalog = _load_catalog(catalog_path)
    if roster_path is not None and catalog is None:
        raise click.UsageError("--roster needs --catalog (which says what is required)")
    required = None
    if catalog is not None and roster_path is not None:
        try:
            required = catalog.assignments(load_roster(roster_path))
        except CatalogError as exc:
            raise click.ClickException(str(exc)) from exc
    expected = catalog.expected_seconds() if catalog is not None else None
    frame = click_through(
        _db(),
        tenant,
        expected_seconds=expected,
        ratio=ratio,
        min_cohort=min_cohort,
        fast_answer_s=fast_answer,
        fast_share=fast_share,
        min_answers=min_answers,
        min_coverage=min_coverage,
        required=required,
    )
    _write(frame, fmt, output)


@analytics_group.command("skills")
@_tenant
@_catalog
@_output_options
def skills_command(tenant: str, catalog_path: Path | None, fmt: str, output: Path | None) -> None:
    """Evidence per learner and skill."""
    catalog = _load_catalog(catalog_path)
    mapping = catalog.activity_skills() if catalog is not None else None
    _write(skills(_db(), tenant, activity_skills=mapping), fmt, output)


@analytics_group.command("sql")
@click.argument("query")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds before it stops.")
@_output_options
def sql_command(query: str, timeout: float, fmt: str, output: Path | None) -> None:
    """Run a read-only SQL query on the analytics file (tables: statements,
    live_statements, sync_state)."""
    con = connect(_db(), read_only=True)
    timer = threading.Timer(timeout, con.interrupt)
    timer.start()
    try:
        frame = con.sql(query).pl()
    except Exception as exc:
        if not timer.is_alive():
            raise click.ClickException(f"query stopped after {timeout:g} s") from exc
        raise click.ClickException(str(exc)) from exc
    finally:
        timer.cancel()
        con.close()
    _write(frame, fmt, output)
