"""The query of an analytics request: each endpoint's parameters, read and validated at
the edge into one `Query` (which figures, for which store, filtered and paged how)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from starlette.requests import Request

from lrs.api._analytics_paging import read_cursor
from lrs.api._http import query_params
from lrs.errors import BadRequest
from lrs.xapi.timestamps import parse_timestamp

MAX_WHOLE = 1_000_000_000
MAX_IDLE_CUTOFF_S = 366 * 86400.0  # beyond a year "idle" means nothing (and keeps to BIGINT)
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
    offset, version = read_cursor(params["cursor"]) if "cursor" in params else (0, None)
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
