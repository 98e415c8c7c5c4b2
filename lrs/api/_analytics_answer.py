"""The answer of an analytics request, serialised: a JSON page of rows, the whole answer as
CSV streamed in chunks, or the audit report as JSON, CSV or HTML."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson

from lrs.api._analytics_paging import check_version, next_page
from lrs.api._http import JSON_TYPE
from lrs.errors import BadRequest

if TYPE_CHECKING:
    import polars as pl

    from analytics.report import Report
    from lrs.api._analytics_query import Query

CSV_TYPE = "text/csv; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.6fZ"  # as the xAPI API writes times (UTC, microseconds)
CSV_CHUNK_ROWS = 10_000


@dataclass(frozen=True)
class Answer:
    """A body whole or in chunks to stream, its media type, and its rows for the record."""

    body: bytes | Iterator[bytes]
    media_type: str
    rows: int


def _columns_apply(frame: pl.DataFrame, query: Query) -> None:
    for column in query.filters:
        if column not in frame.columns:
            raise BadRequest(f"parameter {column!r} does not apply to these figures", column)


def _csv_chunks(frame: pl.DataFrame) -> Iterator[bytes]:
    for start in range(0, max(frame.height, 1), CSV_CHUNK_ROWS):
        chunk = frame.slice(start, CSV_CHUNK_ROWS)
        yield chunk.write_csv(include_header=start == 0).encode()


def frame_answer(frame: pl.DataFrame, version: str, query: Query) -> Answer:
    import polars as pl

    _columns_apply(frame, query)
    check_version(query, version)
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
    body = {"rows": page.to_dicts(), "more": next_page(query, version, frame.height)}
    return Answer(orjson.dumps(body), JSON_TYPE, page.height)


def report_answer(report: Report, version: str, query: Query) -> Answer:
    from analytics.report import COLUMNS, SUMMARY_COLUMNS, to_csv, to_html

    check_version(query, version)
    if query.fmt == "csv":
        return Answer(to_csv(report).encode(), CSV_TYPE, len(report.rows))
    if query.fmt == "html":
        return Answer(to_html(report).encode(), HTML_TYPE, len(report.rows))
    page = report.rows[query.offset : query.offset + query.limit]
    body = {
        "report": report.metadata(),
        "summary": [dict(zip(SUMMARY_COLUMNS, s, strict=True)) for s in report.summary()],
        "rows": [dict(zip(COLUMNS, r, strict=True)) for r in page],
        "more": next_page(query, version, len(report.rows)),
    }
    return Answer(orjson.dumps(body), JSON_TYPE, len(page))
