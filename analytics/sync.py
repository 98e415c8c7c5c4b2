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

import asyncio
import contextlib
import gc
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from analytics.db import SCHEMA_VERSION, connect, duration_parts

# How long a sync waits for readers of the analytics file to let go of it: longer than the
# time limit of an /analytics/ request (LRS_ANALYTICS_TIME_LIMIT, 30 s by default).
LOCK_WAIT_S = 60.0

# Statements per chunk (one DuckDB transaction): two of DuckDB's row groups (122,880 rows).
# A transaction that fills whole row groups has them written straight to the file, compressed;
# a smaller one goes through the write-ahead log first and is written again at checkpoint
# (measured on 500,000 statements: commits took 18 s in chunks of 100,000, 0.2 s in these).
CHUNK_ROWS = 245_760

CMI5_SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"

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
    "$.context.contextActivities.parent",
    "$.context.contextActivities.grouping",
    "$.context.contextActivities.category",
    "$.context.contextActivities.other",
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


_CA = "$.context.contextActivities."

FLATTEN = f"""
WITH raw AS (
    SELECT seq, tenant, stored_us, voided, voids,
           json_extract_string(body, {_PATHS!r}) AS v
    FROM chunk
), parsed AS (
    SELECT *, {duration_parts(_v("$.result.duration"))} AS dp FROM raw
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
    lrs_duration_parts_s(dp) AS duration_s,
    {_v("$.result.response")} AS response,
    lrs_activity_ids({_v(_CA + "parent")}) AS parent_ids,
    lrs_activity_ids({_v(_CA + "grouping")}) AS grouping_ids,
    lrs_activity_ids({_v(_CA + "category")}) AS category_ids,
    lrs_activity_ids({_v(_CA + "other")}) AS other_ids,
    list_concat(lrs_competency_ids({_v(_CA + "category")}),
                lrs_competency_ids({_v(_CA + "other")})) AS competency_ids,
    {_v("$.context.extensions")}::JSON AS context_extensions,
    {_v("$.result.extensions")}::JSON AS result_extensions
FROM parsed
"""

# A voiding statement voids its target (never another voiding statement: xAPI Data 2.3.2),
# whichever of the two is synced first.
APPLY_VOIDING = """
UPDATE statements AS s SET voided = true
FROM (
    SELECT tenant, voids AS target FROM statements
    WHERE seq > $low AND voids IS NOT NULL AND ($tenant IS NULL OR tenant = $tenant)
    UNION
    SELECT n.tenant, n.id FROM statements AS n
    JOIN statements AS v ON v.tenant = n.tenant AND v.voids = n.id
    WHERE n.seq > $low AND n.voids IS NULL AND ($tenant IS NULL OR n.tenant = $tenant)
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


@dataclass(frozen=True)
class _Feed:
    """Statements of one watermark: the whole embedded store (its `seq` is global), or one
    tenant of a MongoDB store (its `seq` counts per tenant)."""

    source: str  # the name the watermark is kept under
    tenant: str | None  # None: every tenant
    chunks: Callable[[int, int], Iterator[pa.Table]]  # (after seq, rows per chunk)


def source_of(store_url: str) -> str:
    """The name the watermark is kept under: the store URL with an absolute path."""
    from lrs.store.sqlite import path_from_url

    return "sqlite:///" + str(path_from_url(store_url).resolve())


def sync(
    store_url: str,
    db_path: str | Path,
    chunk_size: int = CHUNK_ROWS,
    progress: Callable[[int], Any] | None = None,
) -> SyncReport:
    """Copy the statements stored since the last sync into the analytics file."""
    if store_url.startswith("sqlite:///"):
        feeds = [_Feed(source_of(store_url), None, partial(_sqlite_chunks, store_url))]
    elif store_url.startswith(("mongodb://", "mongodb+srv://")):
        feeds = _mongo_feeds(store_url)
    else:
        raise ValueError(f"analytics sync reads sqlite:/// or mongodb:// stores, not {store_url!r}")
    started = time.perf_counter()
    con = connect(db_path, wait_s=LOCK_WAIT_S)
    con.execute("SET preserve_insertion_order = false")  # rows carry seq: order is free
    # The reader makes millions of short-lived objects: the cyclic GC would rescan them all.
    collecting = gc.isenabled()
    gc.disable()
    try:
        copied = 0
        last = 0
        for feed in feeds:
            row = con.execute(
                "SELECT last_seq FROM sync_state WHERE source = ?", [feed.source]
            ).fetchone()
            low = 0 if row is None else int(row[0])
            for table in feed.chunks(low, chunk_size):
                high = _apply_chunk(con, feed, table, low)
                copied += table.num_rows
                low = high
                if progress is not None:
                    progress(table.num_rows)
            last = max(last, low)
        return SyncReport(copied, time.perf_counter() - started, last)
    finally:
        con.close()
        if collecting:
            gc.enable()


def _apply_chunk(con: duckdb.DuckDBPyConnection, feed: _Feed, chunk: pa.Table, low: int) -> int:
    high = int(chunk["seq"][-1].as_py())  # rows come in seq order
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("chunk", chunk)
        con.execute("INSERT INTO statements " + FLATTEN)
        con.unregister("chunk")
        con.execute(APPLY_VOIDING, {"low": low, "tenant": feed.tenant})
        _update_watermark(con, feed.source, high)
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


_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("tenant", pa.string()),
        ("stored_us", pa.int64()),
        ("voided", pa.int64()),
        ("voids", pa.string()),
        ("body", pa.large_string()),
    ]
)
# DuckDB scans an Arrow table one record batch per thread: batches this long keep both
# cores busy without making each one's overhead count.
_BATCH_ROWS = 8192


def _table(columns: Sequence[Sequence[Any] | pa.Array]) -> pa.Table:
    arrays = [
        c if isinstance(c, pa.Array) else pa.array(c, f.type)
        for c, f in zip(columns, _SCHEMA, strict=True)
    ]
    table = pa.Table.from_arrays(arrays, schema=_SCHEMA)
    return pa.Table.from_batches(table.to_batches(max_chunksize=_BATCH_ROWS), _SCHEMA)


def _read_ahead(produce: Callable[[], Iterator[pa.Table]]) -> Iterator[pa.Table]:
    """The tables `produce` yields, made on a thread of its own (two ahead at most) while the
    caller works on the previous one: the readers release the GIL, and so does DuckDB."""
    ahead: queue.Queue[pa.Table | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def read() -> None:
        try:
            for table in produce():
                if stop.is_set():
                    break
                ahead.put(table)
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


def _sqlite_chunks(store_url: str, low: int, chunk_size: int) -> Iterator[pa.Table]:
    """Arrow tables of the embedded store's statements after `low`, in seq order."""
    from lrs.store.sqlite import path_from_url

    path = path_from_url(store_url)
    if not path.exists():
        raise FileNotFoundError(f"no store at {path}")

    def produce() -> Iterator[pa.Table]:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        try:
            conn.execute("PRAGMA mmap_size=17179869184")
            conn.execute("PRAGMA cache_size=-262144")
            after = low
            while True:
                table = _packed_chunk(conn, after, chunk_size)
                if table is None:
                    return
                after = table["seq"][-1].as_py()
                yield table
        finally:
            conn.close()

    return _read_ahead(produce)


# One row per chunk: each column aggregated in the same pass (so in the same order), and
# the bodies concatenated into one blob cut by their lengths. A row per statement would
# cost Python objects per statement, three times the time SQLite spends reading them.
_PACKED = """
SELECT count(*), json_group_array(seq), json_group_array(tenant), json_group_array(stored_us),
       json_group_array(voided), json_group_array(voids), json_group_array(length(body)),
       CAST(group_concat(body, '') AS BLOB)
FROM (SELECT * FROM statements WHERE seq > ? ORDER BY seq LIMIT ?)
"""


def _packed_chunk(conn: sqlite3.Connection, after: int, limit: int) -> pa.Table | None:
    count, *lists, bodies = conn.execute(_PACKED, (after, limit)).fetchone()
    if count == 0:
        return None
    seq, tenant, stored_us, voided, voids, lengths = (orjson.loads(x) for x in lists)
    offsets = pa.concat_arrays(
        [pa.array([0], pa.int64()), pc.cumulative_sum(pa.array(lengths, pa.int64()))]
    )
    body = pa.LargeStringArray.from_buffers(count, offsets.buffers()[1], pa.py_buffer(bodies))
    body.validate(full=True)  # UTF-8, and lengths that add up to the blob
    return _table([seq, tenant, stored_us, voided, voids, body])


def _mongo_feeds(store_url: str) -> list[_Feed]:
    """One feed per tenant of a MongoDB store, each with its own watermark."""
    from lrs.store.mongo import MongoStore

    async def tenants() -> list[str]:
        store = MongoStore(store_url)
        await store.open()
        try:
            return await store.tenants()
        finally:
            await store.close()

    source = "mongodb:" + _without_password(store_url)
    return [
        _Feed(f"{source}#{tenant}", tenant, partial(_mongo_chunks, store_url, tenant))
        for tenant in asyncio.run(tenants())
    ]


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _mongo_chunks(store_url: str, tenant: str, low: int, chunk_size: int) -> Iterator[pa.Table]:
    """Arrow tables of one tenant's visible statements after `low`, in seq order."""
    from lrs.store.mongo import MongoStore

    def produce() -> Iterator[pa.Table]:
        loop = asyncio.new_event_loop()
        store = MongoStore(store_url)
        loop.run_until_complete(store.open())
        try:
            after = low
            while True:
                rows = loop.run_until_complete(store.statements_after(tenant, after, chunk_size))
                if not rows:
                    return
                after = rows[-1][0]
                seqs, stored, voided, voids, bodies = zip(*rows, strict=True)
                del rows
                texts = [bytes(b).decode() for b in bodies]
                yield _table(
                    [seqs, [tenant] * len(seqs), stored, [int(v) for v in voided], voids, texts]
                )
        finally:
            loop.run_until_complete(store.close())
            loop.close()

    return _read_ahead(produce)
