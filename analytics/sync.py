"""Incremental, idempotent copy of the store's statements into the analytics DuckDB file.

The watermark is the store's `seq` (commit order; `stored` grows with it within a tenant),
kept in the DuckDB file's `sync_state` table. Each chunk of statements is flattened and
inserted in one DuckDB transaction together with the new watermark and the voiding it
brings, so a crash at any point leaves the file at the end of the last whole chunk: the
next run starts there, and nothing is lost or copied twice.

Reading: Python's sqlite3 fetches large chunks on a thread of its own while DuckDB, which
releases the GIL, flattens the previous chunk; the flattening is one set-based SQL statement
over the chunk (DuckDB's JSON functions parse each body once, for every path at a time).
"""

from __future__ import annotations

import contextlib
import gc
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from analytics.db import SCHEMA_VERSION, connect, duration_parts

CMI5_SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"

# Context activities of these definition types are competencies (skills) in themselves.
COMPETENCY_TYPE_SUFFIXES = ("/competency", "/objective")

_PATHS = [
    "$.id",
    "$.actor.objectType",
    "$.actor.name",
    "$.actor.mbox",
    "$.actor.mbox_sha1sum",
    "$.actor.openid",
    "$.actor.account.homePage",
    "$.actor.account.name",
    "$.verb.id",
    "$.object.objectType",
    "$.object.id",
    "$.object.definition.type",
    "$.context.registration",
    f'$.context.extensions."{CMI5_SESSION}"',
    "$.context.extensions",
    "$.context.contextActivities",
    "$.result.success",
    "$.result.completion",
    "$.result.score.scaled",
    "$.result.score.raw",
    "$.result.duration",
    "$.result.response",
    "$.result.extensions",
    "$.timestamp",
]
_P = {path: index + 1 for index, path in enumerate(_PATHS)}  # DuckDB lists count from 1


def _v(path: str) -> str:
    return f"v[{_P[path]}]"


_ACTIVITY_LIST = '[{"id": "VARCHAR", "definition": {"type": "VARCHAR"}}]'
_CONTEXT_ACTIVITIES = (
    f'{{"parent": {_ACTIVITY_LIST}, "grouping": {_ACTIVITY_LIST}, '
    f'"category": {_ACTIVITY_LIST}, "other": {_ACTIVITY_LIST}}}'
)
_COMPETENCY = " OR ".join(f"ends_with(a.definition.type, '{s}')" for s in COMPETENCY_TYPE_SUFFIXES)

FLATTEN = f"""
WITH raw AS (
    SELECT seq, tenant, stored_us, voided, voids,
           json_extract_string(body, {_PATHS!r}) AS v
    FROM chunk
), parsed AS (
    SELECT *,
        json_transform({_v("$.context.contextActivities")}, '{_CONTEXT_ACTIVITIES}') AS ca,
        {duration_parts(_v("$.result.duration"))} AS dp
    FROM raw
)
SELECT
    seq,
    tenant,
    lower({_v("$.id")}) AS id,
    make_timestamp(stored_us) AS stored,
    try_cast(try_cast({_v("$.timestamp")} AS TIMESTAMPTZ) AS TIMESTAMP) AS "timestamp",
    voided <> 0 AS voided,
    voids,
    CASE
        WHEN {_v("$.actor.mbox")} IS NOT NULL THEN lrs_mbox_key({_v("$.actor.mbox")})
        WHEN {_v("$.actor.mbox_sha1sum")} IS NOT NULL
            THEN 'mbox_sha1sum:' || lower({_v("$.actor.mbox_sha1sum")})
        WHEN {_v("$.actor.openid")} IS NOT NULL THEN 'openid:' || {_v("$.actor.openid")}
        WHEN {_v("$.actor.account.homePage")} IS NOT NULL
             OR {_v("$.actor.account.name")} IS NOT NULL
            THEN 'account:' || to_json([{_v("$.actor.account.homePage")},
                                        {_v("$.actor.account.name")}])::VARCHAR
    END AS actor_key,
    {_v("$.actor.name")} AS actor_name,
    coalesce({_v("$.actor.objectType")}, 'Agent') AS actor_type,
    {_v("$.verb.id")} AS verb_id,
    {_v("$.object.id")} AS object_id,
    coalesce({_v("$.object.objectType")}, 'Activity') AS object_type,
    {_v("$.object.definition.type")} AS object_definition_type,
    lower({_v("$.context.registration")}) AS registration,
    {_v(f'$.context.extensions."{CMI5_SESSION}"')} AS session_id,
    try_cast({_v("$.result.success")} AS BOOLEAN) AS success,
    try_cast({_v("$.result.completion")} AS BOOLEAN) AS completion,
    try_cast({_v("$.result.score.scaled")} AS DOUBLE) AS score_scaled,
    try_cast({_v("$.result.score.raw")} AS DOUBLE) AS score_raw,
    CASE WHEN dp IS NOT NULL THEN lrs_duration_parts_s(dp) END AS duration_s,
    {_v("$.result.response")} AS response,
    coalesce(list_transform(ca.parent, lambda a: a.id), []) AS parent_ids,
    coalesce(list_transform(ca.grouping, lambda a: a.id), []) AS grouping_ids,
    coalesce(list_transform(ca.category, lambda a: a.id), []) AS category_ids,
    coalesce(list_transform(ca.other, lambda a: a.id), []) AS other_ids,
    list_transform(
        list_filter(list_concat(coalesce(ca.category, []), coalesce(ca.other, [])),
                    lambda a: {_COMPETENCY}),
        lambda a: a.id) AS competency_ids,
    {_v("$.context.extensions")}::JSON AS context_extensions,
    {_v("$.result.extensions")}::JSON AS result_extensions
FROM parsed
"""

# A voiding statement voids its target (never another voiding statement: xAPI Data 2.3.2),
# whichever of the two is synced first.
APPLY_VOIDING = """
UPDATE statements AS s SET voided = true
FROM (
    SELECT tenant, voids AS target FROM statements WHERE seq > $low AND voids IS NOT NULL
    UNION
    SELECT n.tenant, n.id FROM statements AS n
    JOIN statements AS v ON v.tenant = n.tenant AND v.voids = n.id
    WHERE n.seq > $low AND n.voids IS NULL
) AS t
WHERE s.tenant = t.tenant AND s.id = t.target AND s.voids IS NULL AND NOT s.voided
"""


@dataclass(frozen=True)
class SyncReport:
    statements: int
    seconds: float
    last_seq: int

    @property
    def per_second(self) -> float:
        return self.statements / self.seconds if self.seconds > 0 else 0.0


def source_of(store_url: str) -> str:
    """The name the watermark is kept under: the store URL with an absolute path."""
    from lrs.store.sqlite import path_from_url

    return "sqlite:///" + str(path_from_url(store_url).resolve())


def sync(
    store_url: str,
    db_path: str | Path,
    chunk_size: int = 100_000,
    progress: Callable[[int], Any] | None = None,
) -> SyncReport:
    """Copy the statements stored since the last sync into the analytics file."""
    if not store_url.startswith("sqlite:///"):
        raise ValueError(
            f"analytics sync reads the embedded store only (sqlite:///PATH), not {store_url!r}"
        )
    source = source_of(store_url)
    started = time.perf_counter()
    con = connect(db_path)
    # The reader makes millions of short-lived tuples: the cyclic GC would rescan them all.
    collecting = gc.isenabled()
    gc.disable()
    try:
        row = con.execute("SELECT last_seq FROM sync_state WHERE source = ?", [source]).fetchone()
        low = 0 if row is None else int(row[0])
        copied = 0
        for table in _chunks(store_url, low, chunk_size):
            high = _apply_chunk(con, source, table, low)
            copied += table.num_rows
            low = high
            if progress is not None:
                progress(table.num_rows)
        return SyncReport(copied, time.perf_counter() - started, low)
    finally:
        con.close()
        if collecting:
            gc.enable()


def _apply_chunk(con: duckdb.DuckDBPyConnection, source: str, chunk: pa.Table, low: int) -> int:
    high = int(chunk["seq"][-1].as_py())  # rows come in seq order
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("chunk", chunk)
        con.execute("INSERT INTO statements " + FLATTEN)
        con.unregister("chunk")
        con.execute(APPLY_VOIDING, {"low": low})
        _update_watermark(con, source, high)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return high


def _update_watermark(con: duckdb.DuckDBPyConnection, source: str, high: int) -> None:
    con.execute(
        "INSERT INTO sync_state VALUES (?, ?, now()::TIMESTAMP, ?) ON CONFLICT (source) "
        "DO UPDATE SET last_seq = excluded.last_seq, synced_at = excluded.synced_at",
        [source, high, SCHEMA_VERSION],
    )


_COLUMNS = "seq, tenant, stored_us, voided, voids, CAST(body AS TEXT)"
_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("tenant", pa.string()),
        ("stored_us", pa.int64()),
        ("voided", pa.int64()),
        ("voids", pa.string()),
        ("body", pa.string()),
    ]
)


def _chunks(store_url: str, low: int, chunk_size: int) -> Iterator[pa.Table]:
    """Arrow tables of the statements after `low`, in seq order, read ahead on a thread."""
    from lrs.store.sqlite import path_from_url

    path = path_from_url(store_url)
    if not path.exists():
        raise FileNotFoundError(f"no store at {path}")
    ahead: queue.Queue[pa.Table | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def read() -> None:
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            try:
                conn.execute("PRAGMA mmap_size=17179869184")
                conn.execute("PRAGMA cache_size=-262144")
                after = low
                while not stop.is_set():
                    rows = conn.execute(
                        f"SELECT {_COLUMNS} FROM statements WHERE seq > ? ORDER BY seq LIMIT ?",
                        (after, chunk_size),
                    ).fetchall()
                    if not rows:
                        break
                    after = rows[-1][0]
                    columns = list(zip(*rows, strict=True))
                    del rows
                    ahead.put(
                        pa.Table.from_arrays(
                            [pa.array(c, f.type) for c, f in zip(columns, _SCHEMA, strict=True)],
                            schema=_SCHEMA,
                        )
                    )
            finally:
                conn.close()
            ahead.put(None)
        except BaseException as exc:
            ahead.put(exc)

    reader = threading.Thread(target=read, name="analytics-sync-read", daemon=True)
    reader.start()
    try:
        while True:
            item = ahead.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # unblock a reader waiting to put
            with contextlib.suppress(queue.Empty):
                ahead.get(timeout=0.05)
        reader.join()
