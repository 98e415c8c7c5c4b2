"""Learner analytics over HTTP: the derived figures of `analytics.derive`, as JSON or CSV.

    GET /analytics/time-on-task    learner, activity, idle_cutoff, format
    GET /analytics/click-through   learner, activity, ratio, min_cohort, idle_cutoff,
                                   flagged, format
    GET /analytics/skills          learner, skill, as_of, format

These paths lie outside the xAPI base path: no X-Experience-API-Version is needed. A
credential needs the `analytics` scope (lrs.auth.ANALYTICS_READ) and sees only its own
store's (tenant's) rows. Every request, refused ones included, is recorded before it is
answered, one JSON line in the append-only file LRS_ANALYTICS_AUDIT_LOG; when the record
cannot be written the request fails (503) rather than serve unrecorded learner data.

The analytics DuckDB file is opened read-only for each request, in a worker thread. A
connection kept open in the app state would hold DuckDB's file lock for the server's whole
life, and `lrs analytics sync`, another process and DuckDB's single writer, could then never
open the file; a per-request connection holds it for the length of one query, and each
request sees the latest completed sync. While a sync holds the file, requests answer 503
with Retry-After.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lrs.api._context import credential_of, lrs_of
from lrs.api._http import JSON_TYPE, now_iso, query_params
from lrs.auth import ANALYTICS_READ
from lrs.errors import BadRequest, LRSError, ServiceUnavailable
from lrs.xapi.timestamps import parse_timestamp

if TYPE_CHECKING:
    import duckdb
    import polars as pl

CSV_TYPE = "text/csv; charset=utf-8"
FORMATS = ("json", "csv")
NOT_SYNCED = "the analytics data set has not been built yet: run `lrs analytics sync`"
MAX_WHOLE = 1_000_000_000
MAX_IDLE_CUTOFF_S = 366 * 86400.0  # beyond a year "idle" means nothing (and keeps to BIGINT)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.6fZ"  # as the xAPI API writes times (UTC, microseconds)


@dataclass(frozen=True)
class Query:
    """One validated request: which figures, for which store, filtered how."""

    metric: str
    tenant: str
    fmt: str
    filters: dict[str, Any] = field(default_factory=dict)  # output column -> required value
    options: dict[str, Any] = field(default_factory=dict)  # keyword arguments of the metric


@dataclass(frozen=True)
class Answer:
    body: bytes
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


def _set(target: dict[str, Any], name: str, value: Any) -> None:
    if value is not None:
        target[name] = value


def _time_on_task(params: Mapping[str, str], query: Query) -> None:
    _set(query.options, "idle_cutoff_s", _number(params, "idle_cutoff", 0, MAX_IDLE_CUTOFF_S))


def _click_through(params: Mapping[str, str], query: Query) -> None:
    _set(query.options, "idle_cutoff_s", _number(params, "idle_cutoff", 0, MAX_IDLE_CUTOFF_S))
    _set(query.options, "ratio", _number(params, "ratio", 0, 1))
    _set(query.options, "min_cohort", _whole(params, "min_cohort"))
    _set(query.filters, "flagged", _boolean(params, "flagged"))


def _skills(params: Mapping[str, str], query: Query) -> None:
    _set(query.filters, "skill", _text(params, "skill"))
    _set(query.options, "as_of", _moment(params, "as_of"))


# metric -> (its parameters beyond `learner` and `format`, what reads them)
METRICS: dict[str, tuple[tuple[str, ...], Callable[[Mapping[str, str], Query], None]]] = {
    "time-on-task": (("activity", "idle_cutoff"), _time_on_task),
    "click-through": (
        ("activity", "idle_cutoff", "ratio", "min_cohort", "flagged"),
        _click_through,
    ),
    "skills": (("skill", "as_of"), _skills),
}


def parse_query(metric: str, request: Request, tenant: str) -> Query:
    names, read = METRICS[metric]
    params = query_params(request, ("learner", "format", *names))
    fmt = params.get("format", "json")
    if fmt not in FORMATS:
        raise BadRequest(f"parameter 'format' must be one of {', '.join(FORMATS)}", "format")
    query = Query(metric, tenant, fmt)
    _set(query.filters, "learner", _text(params, "learner"))
    if "activity" in names:
        _set(query.filters, "activity", _text(params, "activity"))
    read(params, query)
    return query


# -- the work, in a thread -----------------------------------------------------------------


def _derive(con: duckdb.DuckDBPyConnection, query: Query) -> pl.DataFrame:
    from analytics import derive

    metrics: dict[str, Callable[..., pl.DataFrame]] = {
        "time-on-task": derive.time_on_task,
        "click-through": derive.click_through,
        "skills": derive.skills,
    }
    metric = metrics[query.metric]
    frame: pl.DataFrame = metric(con, query.tenant, **query.options)
    return frame


def compute(db: str, query: Query) -> Answer:
    """Blocking: open the analytics file read-only, derive, filter, serialize."""
    if not Path(db).is_file():
        raise ServiceUnavailable(NOT_SYNCED)
    import duckdb
    import polars as pl

    from analytics.db import connect

    try:
        con = connect(db, read_only=True)
    except duckdb.Error as exc:
        raise ServiceUnavailable(
            "the analytics data set cannot be opened right now (a sync may be writing it); "
            "retry shortly"
        ) from exc
    try:
        frame = _derive(con, query)
    except duckdb.CatalogException as exc:  # a file without the tables: never synced
        raise ServiceUnavailable(NOT_SYNCED) from exc
    finally:
        con.close()
    # The metric already restricts itself to the tenant; this keeps it so whatever it does.
    conditions = [pl.col("tenant") == query.tenant]
    conditions += [pl.col(column) == value for column, value in query.filters.items()]
    frame = frame.filter(*conditions).with_columns(
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
        return Answer(flat.write_csv().encode(), CSV_TYPE, frame.height)
    return Answer(orjson.dumps(frame.to_dicts()), JSON_TYPE, frame.height)


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


def _endpoint(metric: str) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        lrs = lrs_of(request)
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
            query = parse_query(metric, request, credential.tenant)
            answer = await asyncio.to_thread(compute, lrs.settings.analytics_db, query)
        except Exception as exc:
            status = exc.status if isinstance(exc, LRSError) else 500
            message = exc.message if isinstance(exc, LRSError) else "internal error"
            entry.update(status=status, rows=None, error=message)
            await record(lrs.settings.analytics_audit_log, entry)
            raise
        entry.update(status=200, rows=answer.rows)
        await record(lrs.settings.analytics_audit_log, entry)
        return Response(
            answer.body, 200, {"Cache-Control": "no-store"}, media_type=answer.media_type
        )

    return endpoint


def routes() -> list[Route]:
    return [Route(f"/{metric}", _endpoint(metric), methods=["GET"]) for metric in METRICS]
