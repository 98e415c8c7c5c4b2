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

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from lrs.api._analytics_audit import params_of, record
from lrs.api._analytics_cache import Frames
from lrs.api._analytics_compute import Work, run
from lrs.api._analytics_query import METRICS, parse_query
from lrs.api._analytics_sources import Sources
from lrs.api._analytics_watch import Watch
from lrs.api._context import credential_of, lrs_of
from lrs.api._http import now_iso
from lrs.auth import ANALYTICS_READ
from lrs.config import Settings
from lrs.errors import LRSError

__all__ = ["State", "Watch", "routes", "state_of"]

THREADS = 4  # computations at once; more wait their turn (within their time limit)


@dataclass
class State:
    """What the analytics endpoints keep for the server's life: the catalog and roster,
    the threads computations run on, and the frames recent answers were cut from."""

    sources: Sources
    executor: ThreadPoolExecutor
    frames: Frames


def state_of(request: Request, settings: Settings) -> State:
    state: State | None = getattr(request.app.state, "analytics", None)
    if state is None:
        state = State(
            Sources(settings.analytics_catalog, settings.analytics_roster),
            ThreadPoolExecutor(THREADS, thread_name_prefix="analytics"),
            Frames(),
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
            "params": params_of(request),
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
            work = Work(settings.analytics_db, settings.store, state.sources, Watch(), state.frames)
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
