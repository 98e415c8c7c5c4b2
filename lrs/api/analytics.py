"""Learner analytics over HTTP: the figures of `analytics.derive`, the scores of
`analytics.risk` and `analytics.proficiency`, and the audit report of `analytics.report`.

    GET /analytics/time-on-task    learner, activity, idle_cutoff
    GET /analytics/click-through   learner, activity, idle_cutoff, ratio, min_cohort, flagged
    GET /analytics/skills          learner, skill, as_of (a moment)
    GET /analytics/risk            learner, activity, unit, as_of (a day), per_unit
    GET /analytics/proficiency     learner, skill, unit, as_of (a day), near_ready, test_out
    GET /analytics/report/audit    unit, as_of (a day); format json, csv or html

Every endpoint takes `format` (json, the default, or csv). A JSON answer is one page,
`{"rows": [...], "more": "..."}`, of at most `limit` rows (LRS_ANALYTICS_PAGE_SIZE); `more`
is the URL of the next page ("" after the last), whose `cursor` says where it starts and
which figures it belongs to: when a sync, or a changed catalog or roster, changes them in
between, the next page answers 400 rather than mix old rows with new. CSV is the whole
answer, streamed.

These paths lie outside the xAPI base path: no X-Experience-API-Version is needed. A
credential needs the `analytics` scope (lrs.auth.ANALYTICS_READ) and sees only its own
store's (tenant's) rows. Every request, refused ones included, is recorded before it is
answered, one JSON line in the append-only file LRS_ANALYTICS_AUDIT_LOG; when the record
cannot be written the request fails (503) rather than serve unrecorded learner data.

The catalog (LRS_ANALYTICS_CATALOG) and roster (LRS_ANALYTICS_ROSTER) are loaded and
validated on first use and again whenever their file changes; an invalid one answers 503
with the loader's message (file, line, key), and the previous version is not used.

The analytics DuckDB file is opened read-only for each request, in a worker thread. A
connection kept open in the app state would hold DuckDB's file lock for the server's whole
life, and `lrs analytics sync`, another process and DuckDB's single writer, could then never
open the file; a per-request connection holds it for the length of one computation, at most
LRS_ANALYTICS_TIME_LIMIT seconds, after which the computation's connections are interrupted
and the request answers 503. While a sync holds the file, requests answer 503 with
Retry-After. The computations run on a small thread pool of their own, so that a slow one
never takes a thread the store needs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import math
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from lrs.api._context import credential_of, lrs_of
from lrs.api._http import JSON_TYPE, now_iso, query_params
from lrs.auth import ANALYTICS_READ
from lrs.config import Settings
from lrs.errors import BadRequest, LRSError, ServiceUnavailable
from lrs.xapi.timestamps import parse_timestamp

if TYPE_CHECKING:
    import duckdb
    import polars as pl

    from analytics.catalog import Catalog, Roster
    from analytics.report import Report

CSV_TYPE = "text/csv; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
NOT_SYNCED = "the analytics data set has not been built yet: run `lrs analytics sync`"
BUSY = "the analytics data set cannot be opened right now (a sync may be writing it); retry shortly"
TIME_UP = (
    "the computation ran over the time limit of {limit:g} s (LRS_ANALYTICS_TIME_LIMIT) and was "
    "stopped; narrow the request (unit, learner, ...) or ask the administrator to raise the limit"
)
CHANGED = (
    "the figures changed since the first page (a sync ran, or the catalog or roster changed): "
    "start again from the first page"
)
MAX_WHOLE = 1_000_000_000
MAX_IDLE_CUTOFF_S = 366 * 86400.0  # beyond a year "idle" means nothing (and keeps to BIGINT)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.6fZ"  # as the xAPI API writes times (UTC, microseconds)
CSV_CHUNK_ROWS = 10_000
THREADS = 4  # computations at once; more wait their turn (within their time limit)
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LEVELS = ("critical", "warning", "on track")


@dataclass(frozen=True)
class Query:
    """One validated request: which figures, for which store, filtered and paged how."""

    metric: str
    tenant: str
    fmt: str
    filters: dict[str, Any] = field(default_factory=dict)  # output column -> required value
    options: dict[str, Any] = field(default_factory=dict)  # keyword arguments of the metric
    limit: int = 0  # rows of a JSON page
    offset: int = 0  # of the page's first row (from the cursor)
    version: str | None = None  # of the figures the cursor's pages belong to
    echo: dict[str, str] = field(default_factory=dict)  # parameters the next page repeats
    path: str = ""  # of the endpoint, for the next page's URL


@dataclass(frozen=True)
class Answer:
    body: bytes | Iterator[bytes]
    media_type: str
    rows: int


# -- parameters ----------------------------------------------------------------------------


def _text(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is not None and not value:
        raise BadRequest(f"parameter {name!r} must not be empty", name)
    return value


def _number(params: Mapping[str, str], name: str, low: float, high: float) -> float | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low < value <= high):
        most = int(high) if float(high).is_integer() else high
        raise BadRequest(f"parameter {name!r} must be a number above {low:g}, at most {most}", name)
    return value


def _whole(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_WHOLE):
        raise BadRequest(f"parameter {name!r} must be a whole number from 1 to {MAX_WHOLE}", name)
    return int(raw)


def _boolean(params: Mapping[str, str], name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise BadRequest(f"parameter {name!r} must be true or false", name)
    return raw == "true"


def _moment(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        moment = parse_timestamp(raw)
    except ValueError as exc:
        raise BadRequest(f"parameter {name!r}: {exc}", name) from exc
    return moment.astimezone(UTC).replace(tzinfo=None)  # the file's times are naive UTC


def _day(params: Mapping[str, str], name: str) -> date:
    """A day, YYYY-MM-DD, judged at its end (UTC) as `lrs risk --as-of`; default today."""
    raw = params.get(name)
    if raw is None:
        return datetime.now(UTC).date()
    try:
        if DAY.match(raw):
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise BadRequest(f"parameter {name!r} must be a day, YYYY-MM-DD", name)


def _set(target: dict[str, Any], name: str, value: Any) -> None:
    if value is not None:
        target[name] = value


def _time_on_task(params: Mapping[str, str], query: Query) -> None:
    _set(query.filters, "activity", _text(params, "activity"))
    _set(query.options, "idle_cutoff_s", _number(params, "idle_cutoff", 0, MAX_IDLE_CUTOFF_S))


def _click_through(params: Mapping[str, str], query: Query) -> None:
    _time_on_task(params, query)
    _set(query.options, "ratio", _number(params, "ratio", 0, 1))
    _set(query.options, "min_cohort", _whole(params, "min_cohort"))
    _set(query.filters, "flagged", _boolean(params, "flagged"))


def _skills(params: Mapping[str, str], query: Query) -> None:
    _set(query.filters, "skill", _text(params, "skill"))
    _set(query.options, "as_of", _moment(params, "as_of"))


def _scored(params: Mapping[str, str], query: Query) -> None:
    """unit and as_of, shared by risk, proficiency and the audit report."""
    _set(query.options, "unit", _text(params, "unit"))
    query.options["as_of"] = _day(params, "as_of")
    query.echo["as_of"] = query.options["as_of"].isoformat()  # pages of one day, not of today


def _risk(params: Mapping[str, str], query: Query) -> None:
    _scored(params, query)
    _set(query.filters, "activity", _text(params, "activity"))
    level = _text(params, "level")
    if level is not None and level not in LEVELS:
        raise BadRequest(f"parameter 'level' must be one of {', '.join(LEVELS)}", "level")
    _set(query.filters, "level", level)
    _set(query.options, "per_unit", _boolean(params, "per_unit"))


def _proficiency(params: Mapping[str, str], query: Query) -> None:
    _scored(params, query)
    _set(query.filters, "skill", _text(params, "skill"))
    _set(query.options, "near_ready", _text(params, "near_ready"))
    _set(query.options, "test_out", _boolean(params, "test_out"))
    if query.options.get("test_out") and "near_ready" in query.options:
        raise BadRequest("parameters 'near_ready' and 'test_out' exclude each other", "test_out")


@dataclass(frozen=True)
class Metric:
    params: tuple[str, ...]  # beyond format, limit and cursor
    read: Callable[[Mapping[str, str], Query], None]
    formats: tuple[str, ...] = ("json", "csv")


METRICS: dict[str, Metric] = {
    "time-on-task": Metric(("learner", "activity", "idle_cutoff"), _time_on_task),
    "click-through": Metric(
        ("learner", "activity", "idle_cutoff", "ratio", "min_cohort", "flagged"), _click_through
    ),
    "skills": Metric(("learner", "skill", "as_of"), _skills),
    "risk": Metric(("learner", "activity", "unit", "as_of", "per_unit", "level"), _risk),
    "proficiency": Metric(
        ("learner", "skill", "unit", "as_of", "near_ready", "test_out"), _proficiency
    ),
    "report/audit": Metric(("unit", "as_of"), _scored, ("json", "csv", "html")),
}


def _cursor(raw: str) -> tuple[int, str]:
    try:
        state = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        offset, version = state["o"], state["v"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise BadRequest("the cursor is not one this LRS issued", "cursor") from exc
    if not (isinstance(offset, int) and offset > 0 and isinstance(version, str)):
        raise BadRequest("the cursor is not one this LRS issued", "cursor")
    return offset, version


def _token(offset: int, version: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"o": offset, "v": version})).rstrip(b"=").decode()


def parse_query(metric: str, request: Request, tenant: str, page_size: int) -> Query:
    spec = METRICS[metric]
    params = query_params(request, ("format", "limit", "cursor", *spec.params))
    fmt = params.get("format", "json")
    if fmt not in spec.formats:
        raise BadRequest(f"parameter 'format' must be one of {', '.join(spec.formats)}", "format")
    if fmt != "json":
        for name in ("limit", "cursor"):
            if name in params:
                raise BadRequest(f"parameter {name!r} pages JSON; {fmt} is the whole answer", name)
    limit = min(_whole(params, "limit") or page_size, page_size)
    offset, version = _cursor(params["cursor"]) if "cursor" in params else (0, None)
    echo = {name: value for name, value in params.items() if name != "cursor"}
    query = Query(
        metric,
        tenant,
        fmt,
        limit=limit,
        offset=offset,
        version=version,
        echo=echo,
        path=request.url.path,
    )
    _set(query.filters, "learner", _text(params, "learner"))
    spec.read(params, query)
    return query


# -- the catalog and the roster ------------------------------------------------------------


@dataclass
class Sources:
    """The customer's catalog and roster files: loaded on first use and again whenever a
    file changes (its modification time, size or inode); never a stale or invalid one."""

    catalog_path: str
    roster_path: str
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loaded: dict[str, tuple[tuple[int, int, int], Any]] = field(default_factory=dict)

    def _load(self, setting: str, path: str, loader: Callable[[str], Any]) -> Any:
        from analytics.catalog import CatalogError

        if not path:
            return None
        with self._lock:
            try:
                info = os.stat(path)
                stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
                seen = self._loaded.get(setting)
                if seen is not None and seen[0] == stamp:
                    return seen[1]
                value = loader(path)
            except (OSError, CatalogError) as exc:
                self._loaded.pop(setting, None)
                raise ServiceUnavailable(
                    f"{setting} cannot be used: {exc}; tell the administrator"
                ) from exc
            self._loaded[setting] = (stamp, value)
            return value

    def catalog(self) -> Catalog | None:
        from analytics.catalog import load_catalog

        catalog: Catalog | None = self._load(
            "LRS_ANALYTICS_CATALOG", self.catalog_path, load_catalog
        )
        return catalog

    def roster(self) -> Roster | None:
        from analytics.catalog import load_roster

        roster: Roster | None = self._load("LRS_ANALYTICS_ROSTER", self.roster_path, load_roster)
        return roster

    def stamp(self) -> str:
        """Which versions of the files the last `catalog()` and `roster()` loaded."""
        with self._lock:
            return repr(sorted((k, v[0]) for k, v in self._loaded.items()))

    def check(self) -> None:
        """Load both now: at start-up, to fail before serving with the loader's message."""
        self.catalog()
        self.roster()


def _needed(value: Any, setting: str, metric: str) -> Any:
    if value is None:
        raise ServiceUnavailable(f"{metric} needs {setting}, which the administrator has not set")
    return value


# -- the work, in a thread -----------------------------------------------------------------


class TimeUp(Exception):
    """The computation's time ran out while it was starting another step."""


class Watch:
    """The DuckDB connections of one computation, interrupted when its time is up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: list[duckdb.DuckDBPyConnection] = []
        self.expired = False

    @contextmanager
    def using(self, con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
        """`con` until the block ends, then closed; interrupted meanwhile if time runs out."""
        with self._lock:
            if self.expired:
                con.close()
                raise TimeUp
            self._connections.append(con)
        try:
            yield con
        finally:
            with self._lock:  # never closed while `expire` interrupts it
                self._connections.remove(con)
                con.close()

    def adopt(self, con: duckdb.DuckDBPyConnection) -> None:
        """Interrupt `con` too when time runs out: a connection the analytics functions
        opened themselves (announced through analytics.db.on_open)."""
        with self._lock:
            if self.expired:
                raise TimeUp
            self._connections.append(con)

    def check(self) -> None:
        if self.expired:
            raise TimeUp

    def expire(self) -> None:
        import duckdb

        with self._lock:
            self.expired = True
            for con in self._connections:
                with suppress(duckdb.Error):  # one its owner has closed meanwhile
                    con.interrupt()


@dataclass(frozen=True)
class Work:
    """What a computation reads: the analytics file, the store (for the audit report's
    evidence) and the catalog and roster."""

    db: str
    store: str
    sources: Sources
    watch: Watch


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


def _risk_frame(work: Work, query: Query) -> tuple[pl.DataFrame, str]:
    from analytics.risk import risk, unit_risk

    catalog = _needed(work.sources.catalog(), "LRS_ANALYTICS_CATALOG", "risk")
    roster = _needed(work.sources.roster(), "LRS_ANALYTICS_ROSTER", "risk")
    version = _version(work)
    options = query.options
    frame = risk(work.db, catalog, roster, options["as_of"], query.tenant, options.get("unit"))
    return (unit_risk(frame) if options.get("per_unit") else frame), version


def _proficiency_frame(work: Work, query: Query) -> tuple[pl.DataFrame, str]:
    from analytics.proficiency import near_ready, proficiency, test_out_candidates

    catalog = _needed(work.sources.catalog(), "LRS_ANALYTICS_CATALOG", "proficiency")
    roster = work.sources.roster()
    options = query.options
    unit, day = options.get("unit"), options["as_of"]
    if options.get("test_out") or unit is not None:
        _needed(roster, "LRS_ANALYTICS_ROSTER", "proficiency with test_out or unit")
    version = _version(work)
    frame = proficiency(work.db, catalog, day, query.tenant, roster, unit)
    if options.get("test_out") and roster is not None:
        work.watch.check()
        frame = test_out_candidates(work.db, catalog, roster, day, query.tenant, unit, frame)
        return frame, version
    skill = options.get("near_ready")
    if skill is not None:
        # Ties (learners as near as each other) in learner order, so that pages are stable.
        frame = near_ready(frame, skill).sort(
            ["more_successes_needed", "p_mastery", "learner"],
            descending=[False, True, False],
            nulls_last=True,
        )
    return frame, version


def _audit_report(work: Work, query: Query) -> tuple[Report, str]:
    from analytics.report import audit

    catalog = _needed(work.sources.catalog(), "LRS_ANALYTICS_CATALOG", "report/audit")
    roster = _needed(work.sources.roster(), "LRS_ANALYTICS_ROSTER", "report/audit")
    version = _version(work)
    options = query.options
    report = audit(
        work.db, catalog, roster, options["as_of"], options.get("unit"), query.tenant, work.store
    )
    return report, version


def _columns_apply(frame: pl.DataFrame, query: Query) -> None:
    for column in query.filters:
        if column not in frame.columns:
            raise BadRequest(f"parameter {column!r} does not apply to these figures", column)


def _more(query: Query, version: str, total: int) -> str:
    end = query.offset + query.limit
    if end >= total:
        return ""
    return f"{query.path}?{urlencode({**query.echo, 'cursor': _token(end, version)})}"


def _page_of(query: Query, version: str) -> None:
    if query.version is not None and query.version != version:
        raise BadRequest(CHANGED, "cursor")


def _csv_chunks(frame: pl.DataFrame) -> Iterator[bytes]:
    for start in range(0, max(frame.height, 1), CSV_CHUNK_ROWS):
        chunk = frame.slice(start, CSV_CHUNK_ROWS)
        yield chunk.write_csv(include_header=start == 0).encode()


def _frame_answer(frame: pl.DataFrame, version: str, query: Query) -> Answer:
    import polars as pl

    _columns_apply(frame, query)
    _page_of(query, version)
    if "tenant" in frame.columns:
        # The metric already restricts itself to the tenant; this keeps it so whatever it does.
        frame = frame.filter(pl.col("tenant") == query.tenant)
    if query.filters:
        frame = frame.filter(*(pl.col(name) == value for name, value in query.filters.items()))
    frame = frame.with_columns(
        pl.col(name).dt.strftime(TIME_FORMAT)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    )
    if query.fmt == "csv":
        # A list in one cell: its items joined by "|", which no IRI holds unencoded.
        flat = frame.with_columns(
            pl.col(name).cast(pl.List(pl.String)).list.join("|")
            for name, dtype in frame.schema.items()
            if isinstance(dtype, pl.List)
        )
        return Answer(_csv_chunks(flat), CSV_TYPE, frame.height)
    page = frame.slice(query.offset, query.limit)
    body = {"rows": page.to_dicts(), "more": _more(query, version, frame.height)}
    return Answer(orjson.dumps(body), JSON_TYPE, page.height)


def _report_answer(report: Report, version: str, query: Query) -> Answer:
    from analytics.report import COLUMNS, SUMMARY_COLUMNS, to_csv, to_html

    _page_of(query, version)
    if query.fmt == "csv":
        return Answer(to_csv(report).encode(), CSV_TYPE, len(report.rows))
    if query.fmt == "html":
        return Answer(to_html(report).encode(), HTML_TYPE, len(report.rows))
    page = report.rows[query.offset : query.offset + query.limit]
    body = {
        "report": report.metadata(),
        "summary": [dict(zip(SUMMARY_COLUMNS, s, strict=True)) for s in report.summary()],
        "rows": [dict(zip(COLUMNS, r, strict=True)) for r in page],
        "more": _more(query, version, len(report.rows)),
    }
    return Answer(orjson.dumps(body), JSON_TYPE, len(page))


FRAMES: dict[str, Callable[[Work, Query], tuple[pl.DataFrame, str]]] = {
    "time-on-task": _derived,
    "click-through": _derived,
    "skills": _derived,
    "risk": _risk_frame,
    "proficiency": _proficiency_frame,
}


def compute(work: Work, query: Query) -> Answer:
    """Blocking: read the analytics file, compute, filter, serialize one answer."""
    import duckdb

    from analytics.db import on_open

    hook = on_open.set(work.watch.adopt)  # this worker thread's context, until we return
    try:
        if query.metric == "report/audit":
            report, version = _audit_report(work, query)
            work.watch.check()
            return _report_answer(report, version, query)
        frame, version = FRAMES[query.metric](work, query)
        work.watch.check()
        return _frame_answer(frame, version, query)
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


# -- the audit record ----------------------------------------------------------------------


def _append(path: str, line: bytes) -> None:
    """One os.write of a whole line in append mode: lines of concurrent requests and server
    processes never interleave, and nothing already written is ever rewritten."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if os.write(fd, line) != len(line):
            raise OSError("short write")
        os.fsync(fd)
    finally:
        os.close(fd)


async def record(path: str, entry: dict[str, Any]) -> None:
    line = orjson.dumps(entry) + b"\n"
    try:
        await asyncio.to_thread(_append, path, line)
    except OSError as exc:
        raise ServiceUnavailable(
            "analytics access could not be recorded, so it is refused; tell the administrator"
        ) from exc


def _params_of(request: Request) -> dict[str, str | list[str]]:
    params: dict[str, str | list[str]] = {}
    for name, value in request.query_params.multi_items():
        seen = params.get(name)
        if seen is None:
            params[name] = value
        elif isinstance(seen, list):
            seen.append(value)
        else:
            params[name] = [seen, value]
    return params


# -- the endpoints -------------------------------------------------------------------------


@dataclass
class State:
    """What the analytics endpoints keep for the server's life: the catalog and roster,
    and the threads computations run on."""

    sources: Sources
    executor: ThreadPoolExecutor


def state_of(request: Request, settings: Settings) -> State:
    state: State | None = getattr(request.app.state, "analytics", None)
    if state is None:
        state = State(
            Sources(settings.analytics_catalog, settings.analytics_roster),
            ThreadPoolExecutor(THREADS, thread_name_prefix="analytics"),
        )
        request.app.state.analytics = state
    return state


def _endpoint(metric: str) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        lrs = lrs_of(request)
        settings = lrs.settings
        entry: dict[str, Any] = {
            "at": now_iso(),
            "endpoint": request.url.path,
            "params": _params_of(request),
            "key": None,
            "name": None,
            "tenant": None,
            "client": request.client.host if request.client else None,
        }
        try:
            credential = await credential_of(request)
            entry.update(key=credential.key, name=credential.name, tenant=credential.tenant)
            credential.require(ANALYTICS_READ)
            query = parse_query(metric, request, credential.tenant, settings.analytics_page_size)
            state = state_of(request, settings)
            work = Work(settings.analytics_db, settings.store, state.sources, Watch())
            answer = await run(state.executor, work, query, settings.analytics_time_limit)
        except Exception as exc:
            status = exc.status if isinstance(exc, LRSError) else 500
            message = exc.message if isinstance(exc, LRSError) else "internal error"
            entry.update(status=status, rows=None, error=message)
            await record(settings.analytics_audit_log, entry)
            raise
        entry.update(status=200, rows=answer.rows)
        await record(settings.analytics_audit_log, entry)
        headers = {"Cache-Control": "no-store"}
        if isinstance(answer.body, bytes):
            return Response(answer.body, 200, headers, media_type=answer.media_type)
        return StreamingResponse(answer.body, 200, headers, media_type=answer.media_type)

    return endpoint


def routes() -> list[Route]:
    return [Route(f"/{metric}", _endpoint(metric), methods=["GET"]) for metric in METRICS]
