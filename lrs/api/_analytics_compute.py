"""The computation of an analytics answer: read the analytics DuckDB file read-only,
compute the figures, serialise them; blocking, so `run` puts it on a thread pool and
answers 503 when it runs over its time limit."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lrs.api._analytics_answer import Answer, frame_answer, report_answer
from lrs.api._analytics_cache import Frames
from lrs.api._analytics_query import Query
from lrs.api._analytics_sources import Sources, needed
from lrs.api._analytics_watch import TimeUp, Watch
from lrs.errors import ServiceUnavailable

if TYPE_CHECKING:
    import duckdb
    import polars as pl

    from analytics.report import Report

NOT_SYNCED = "the analytics data set has not been built yet: run `lrs analytics sync`"
CHANGED_MEANWHILE = "the analytics data changed while this answer was computed; retry"
BUSY = "the analytics data set cannot be opened right now (a sync may be writing it); retry shortly"
TIME_UP = (
    "the computation ran over the time limit of {limit:g} s (LRS_ANALYTICS_TIME_LIMIT) and was "
    "stopped; narrow the request (unit, learner, ...) or ask the administrator to raise the limit"
)


@dataclass(frozen=True)
class Work:
    """What a computation reads: the analytics file, the store (for the audit report's
    evidence) and the catalog and roster; and the frames kept from earlier answers."""

    db: str
    store: str
    sources: Sources
    watch: Watch
    frames: Frames


@contextmanager
def _opened(work: Work) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """A read-only connection to the analytics file, and the version of the figures: the
    sync watermark and row count, and which catalog and roster files were loaded."""
    import duckdb

    from analytics.db import connect

    if not Path(work.db).is_file():
        raise ServiceUnavailable(NOT_SYNCED)
    try:
        con = connect(work.db, read_only=True)
    except duckdb.Error as exc:
        raise ServiceUnavailable(BUSY) from exc
    with work.watch.using(con):
        try:
            [row] = con.execute(
                "SELECT coalesce(max(last_seq), 0), (SELECT count(*) FROM statements) "
                "FROM sync_state"
            ).fetchall()
        except duckdb.CatalogException as exc:  # a file without the tables: never synced
            raise ServiceUnavailable(NOT_SYNCED) from exc
        figures = f"{row}|{work.sources.stamp()}"
        yield con, hashlib.sha256(figures.encode()).hexdigest()[:16]


def _derived(work: Work, query: Query) -> tuple[pl.DataFrame, str]:
    from analytics import derive

    catalog = work.sources.catalog()
    options = dict(query.options)
    if catalog is not None and query.metric == "click-through":
        options["expected_seconds"] = catalog.expected_seconds()
    if catalog is not None and query.metric == "skills":
        options["activity_skills"] = catalog.activity_skills()
    metrics: dict[str, Callable[..., pl.DataFrame]] = {
        "time-on-task": derive.time_on_task,
        "click-through": derive.click_through,
        "skills": derive.skills,
    }
    with _opened(work) as (con, version):
        frame: pl.DataFrame = metrics[query.metric](con, query.tenant, **options)
    return frame, version


def _version(work: Work) -> str:
    with _opened(work) as (_, version):
        return version


def _unchanged(work: Work, before: str) -> str:
    """`before`, the version of the figures read before a computation that opens its own
    connections, if it is still the version after it: otherwise a sync (or a new catalog or
    roster) landed in between, and the rows may belong to either."""
    if _version(work) != before:
        raise ServiceUnavailable(CHANGED_MEANWHILE)
    return before


def _risk_frame(work: Work, query: Query) -> tuple[pl.DataFrame, str]:
    from analytics.risk import risk, unit_risk

    catalog = needed(work.sources.catalog(), "LRS_ANALYTICS_CATALOG", "risk")
    roster = needed(work.sources.roster(), "LRS_ANALYTICS_ROSTER", "risk")
    version = _version(work)
    options = query.options
    frame = risk(work.db, catalog, roster, options["as_of"], query.tenant, options.get("unit"))
    return (unit_risk(frame) if options.get("per_unit") else frame), _unchanged(work, version)


def _proficiency_frame(work: Work, query: Query) -> tuple[pl.DataFrame, str]:
    from analytics.proficiency import near_ready, proficiency, test_out_candidates

    catalog = needed(work.sources.catalog(), "LRS_ANALYTICS_CATALOG", "proficiency")
    roster = work.sources.roster()
    options = query.options
    unit, day = options.get("unit"), options["as_of"]
    if options.get("test_out") or unit is not None:
        needed(roster, "LRS_ANALYTICS_ROSTER", "proficiency with test_out or unit")
    version = _version(work)
    frame = proficiency(work.db, catalog, day, query.tenant, roster, unit)
    if options.get("test_out") and roster is not None:
        work.watch.check()
        frame = test_out_candidates(work.db, catalog, roster, day, query.tenant, unit, frame)
        return frame, _unchanged(work, version)
    skill = options.get("near_ready")
    if skill is not None:
        # Ties (learners as near as each other) in learner order, so that pages are stable.
        frame = near_ready(frame, skill).sort(
            ["more_successes_needed", "p_mastery", "learner"],
            descending=[False, True, False],
            nulls_last=True,
        )
    return frame, _unchanged(work, version)


def _audit_report(work: Work, query: Query) -> tuple[Report, str]:
    from analytics.report import audit

    catalog = needed(work.sources.catalog(), "LRS_ANALYTICS_CATALOG", "report/audit")
    roster = needed(work.sources.roster(), "LRS_ANALYTICS_ROSTER", "report/audit")
    version = _version(work)
    options = query.options
    report = audit(
        work.db, catalog, roster, options["as_of"], options.get("unit"), query.tenant, work.store
    )
    return report, _unchanged(work, version)


FRAMES: dict[str, Callable[[Work, Query], tuple[pl.DataFrame, str]]] = {
    "time-on-task": _derived,
    "click-through": _derived,
    "skills": _derived,
    "risk": _risk_frame,
    "proficiency": _proficiency_frame,
}


def _frame(work: Work, query: Query) -> tuple[pl.DataFrame, str]:
    """The figures `query` is cut from (before its filters and page): kept from an earlier
    request when the data they come from is the same version."""
    key = (query.metric, query.tenant, tuple(sorted(query.options.items())))
    version = _version(work)
    frame = work.frames.get(version, key)
    if frame is None:
        frame, version = FRAMES[query.metric](work, query)
        work.frames.put(version, key, frame)
    return frame, version


def compute(work: Work, query: Query) -> Answer:
    """Blocking: read the analytics file, compute, filter, serialize one answer."""
    import duckdb

    from analytics.db import on_open

    hook = on_open.set(work.watch.adopt)  # this worker thread's context, until we return
    try:
        if query.metric == "report/audit":
            report, version = _audit_report(work, query)
            work.watch.check()
            return report_answer(report, version, query)
        frame, version = _frame(work, query)
        work.watch.check()
        return frame_answer(frame, version, query)
    except duckdb.InterruptException as exc:
        raise TimeUp from exc
    except duckdb.IOException as exc:  # the file lock: a sync holds the file
        raise ServiceUnavailable(BUSY) from exc
    finally:
        on_open.reset(hook)


async def run(executor: ThreadPoolExecutor, work: Work, query: Query, limit: float) -> Answer:
    """`compute` on the executor, answered 503 once it runs over `limit` seconds: its
    DuckDB connections are interrupted, and the thread is left to end on its own."""
    future = asyncio.wrap_future(executor.submit(compute, work, query))
    try:
        return await asyncio.wait_for(asyncio.shield(future), limit)
    except (TimeoutError, TimeUp) as exc:
        work.watch.expire()
        future.add_done_callback(_forget)
        raise ServiceUnavailable(TIME_UP.format(limit=limit)) from exc


def _forget(future: asyncio.Future[Answer]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved: an interrupted computation is not an error to log
