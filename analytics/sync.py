"""Incremental, idempotent copy of the store's statements into the analytics DuckDB file.

The watermark is the store's `seq` (commit order; `stored` grows with it within a tenant),
kept in the DuckDB file's `sync_state` table. Each chunk of statements is inserted in one
DuckDB transaction together with the new watermark and the voiding it brings, so a crash at
any point leaves the file at the end of the last whole chunk: the next run starts there, and
nothing is lost or copied twice.

Reading: the store keeps the facts of each statement (lrs.xapi.facts: its flattened fields,
computed at ingest) beside its body. A thread of its own reads them, a few hundred bytes
per statement, while DuckDB, which releases the GIL, inserts the previous chunk: one
INSERT that parses each statement's facts once (json_transform) into the table's columns.
A third thread asks the kernel for the pages of the facts ahead of the reader, and for no
others (analytics.readahead): they lie between the bodies' pages in the file.
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

from analytics.db import SCHEMA_VERSION, connect
from analytics.readahead import TableReadahead
from lrs.xapi.facts import facts_of_body, placed

# How long a sync waits for readers of the analytics file to let go of it: longer than the
# time limit of an /analytics/ request (LRS_ANALYTICS_TIME_LIMIT, 30 s by default).
LOCK_WAIT_S = 60.0

# DuckDB's row group. A transaction that fills whole row groups has them written straight to
# the file, compressed; a smaller one goes through the write-ahead log first and is written
# again at checkpoint (measured on 500,000 statements: commits took 18 s in chunks of 100,000,
# 0.2 s in chunks of two row groups).
ROW_GROUP_ROWS = 122_880
# Statements per chunk (one DuckDB transaction): whole row groups, two so that both cores
# insert one each (see _sqlite_chunks).
CHUNK_ROWS = 2 * ROW_GROUP_ROWS

# The facts of a statement (lrs.xapi.facts) as DuckDB reads them.
_FACT_TYPES = {
    "q": "BIGINT", "n": "VARCHAR", "s": "BIGINT",
    "i": "UUID", "t": "BIGINT", "v": "UUID", "k": "VARCHAR", "an": "VARCHAR",
    "at": "VARCHAR", "vb": "VARCHAR", "oi": "VARCHAR", "ot": "VARCHAR", "od": "VARCHAR",
    "rg": "UUID", "ss": "VARCHAR", "su": "BOOLEAN", "co": "BOOLEAN", "sc": "DOUBLE",
    "sr": "DOUBLE", "du": "DOUBLE", "re": "VARCHAR", "pa": ["VARCHAR"], "gr": ["VARCHAR"],
    "ca": ["VARCHAR"], "oa": ["VARCHAR"], "cp": ["VARCHAR"], "cx": "JSON", "rx": "JSON",
    "h": "VARCHAR",
}  # fmt: skip

# Every new statement comes in not voided: APPLY_VOIDING, in the same transaction, voids
# what the statements synced so far void.
INSERT = f"""
INSERT INTO statements
SELECT f.q, f.n, f.i, make_timestamp(f.s), make_timestamp(coalesce(f.t, f.s)), false, f.v,
       f.k, f.an, coalesce(f."at", 'Agent'), f.vb, f.oi, coalesce(f.ot, 'Activity'), f.od,
       f.rg, f.ss, f.su, f.co, f.sc, f.sr, f.du, f.re, coalesce(f.pa, []), coalesce(f.gr, []),
       coalesce(f.ca, []), coalesce(f.oa, []), coalesce(f.cp, []), f.cx, f.rx, f.h
FROM (SELECT json_transform(facts, '{orjson.dumps(_FACT_TYPES).decode()}') AS f FROM chunk)
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
    chunks: Callable[[int, int], Iterator[_Chunk]]  # (after seq, rows per chunk)


@dataclass(frozen=True)
class _Chunk:
    facts: pa.Table  # one column, `facts`: lrs.xapi.facts.placed, one statement a row
    last_seq: int


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
    copied = 0
    last = 0
    try:
        for feed in feeds:
            row = con.execute(
                "SELECT last_seq FROM sync_state WHERE source = ?", [feed.source]
            ).fetchone()
            low = 0 if row is None else int(row[0])
            for chunk in feed.chunks(low, chunk_size):
                _apply_chunk(con, feed, chunk, low)
                copied += chunk.facts.num_rows
                low = chunk.last_seq
                if progress is not None:
                    progress(chunk.facts.num_rows)
            last = max(last, low)
    finally:
        con.close()  # its checkpoint is part of the work: timed with it
        if collecting:
            gc.enable()
    return SyncReport(copied, time.perf_counter() - started, last)


def _apply_chunk(con: duckdb.DuckDBPyConnection, feed: _Feed, chunk: _Chunk, low: int) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("chunk", chunk.facts)
        con.execute(INSERT)
        con.unregister("chunk")
        con.execute(APPLY_VOIDING, {"low": low, "tenant": feed.tenant})
        _update_watermark(con, feed.source, chunk.last_seq)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _update_watermark(con: duckdb.DuckDBPyConnection, source: str, high: int) -> None:
    con.execute(
        "INSERT INTO sync_state VALUES (?, ?, now()::TIMESTAMP, ?) ON CONFLICT (source) "
        "DO UPDATE SET last_seq = excluded.last_seq, synced_at = excluded.synced_at",
        [source, high, SCHEMA_VERSION],
    )


_SCHEMA = pa.schema([("facts", pa.large_string())])


def _read_ahead(produce: Callable[[], Iterator[_Chunk]]) -> Iterator[_Chunk]:
    """The chunks `produce` yields, made on a thread of its own (two ahead at most) while the
    caller works on the previous one: the readers release the GIL, and so does DuckDB."""
    ahead: queue.Queue[_Chunk | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def read() -> None:
        try:
            for chunk in produce():
                if stop.is_set():
                    break
                ahead.put(chunk)
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


def _sqlite_chunks(store_url: str, low: int, chunk_size: int) -> Iterator[_Chunk]:
    """Chunks of the embedded store's statements after `low`, in seq order."""
    from lrs.store.sqlite import add_missing_facts, path_from_url

    path = path_from_url(store_url)
    if not path.exists():
        raise FileNotFoundError(f"no store at {path}")
    # A store written before statements had facts, and not opened by the LRS since.
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as writer:
        add_missing_facts(writer)

    def produce() -> Iterator[_Chunk]:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        readahead = TableReadahead(path, conn, "statement_facts", low)
        try:
            # A scan reads each page once: a large cache would only cost the pages it maps in.
            conn.execute("PRAGMA cache_size=-8192")
            after = low
            # The first chunk is one row group: DuckDB starts on it while the next is read.
            size = min(chunk_size, ROW_GROUP_ROWS)
            while True:
                # A record batch per row group: DuckDB scans an Arrow table a record batch
                # per thread, and each thread writes the rows it inserts as row groups of
                # its own. Batches of smaller sizes would leave each thread a part-filled
                # one per chunk, which every checkpoint then merges: compressed twice.
                batches: list[pa.RecordBatch] = []
                rows = 0
                while rows < size:
                    limit = min(ROW_GROUP_ROWS, size - rows)
                    batch, after = _read_batch(conn, after, limit, readahead.reached)
                    if batch is None:
                        break
                    batches.append(batch)
                    rows += batch.num_rows
                if not batches:
                    return
                yield _Chunk(pa.Table.from_batches(batches, _SCHEMA), after)
                size = chunk_size
        finally:
            readahead.close()
            conn.close()

    return _read_ahead(produce)


# Statements read per query.
_READ_ROWS = 8192
# One row per query: the facts concatenated into one blob, cut by their lengths. A row per
# statement would cost Python objects per statement, more than the time SQLite spends
# reading them; a row per record batch, a blob so large that the time the kernel takes to
# map its pages in would count.
_PACKED = """
SELECT count(*), max(seq), json_group_array(length(facts)), CAST(group_concat(facts, '') AS BLOB)
FROM (SELECT * FROM statement_facts WHERE seq > ? ORDER BY seq LIMIT ?)
"""


def _read_batch(
    conn: sqlite3.Connection, after: int, limit: int, reached: Callable[[int], None]
) -> tuple[pa.RecordBatch | None, int]:
    """A record batch of the facts of the (at most `limit`) statements after seq `after`, and
    the seq of the last one; (None, `after`) if there is none. `reached` hears of each seq
    read up to."""
    parts: list[pa.LargeStringArray] = []
    rows = 0
    while rows < limit:
        count, last, lengths, blob = conn.execute(
            _PACKED, (after, min(_READ_ROWS, limit - rows))
        ).fetchone()
        if count == 0:
            break
        parts.append(_facts(blob, orjson.loads(lengths)))
        rows += count
        after = last
        reached(after)
    if not parts:
        return None, after
    return pa.RecordBatch.from_arrays([pa.concat_arrays(parts)], schema=_SCHEMA), after


def _facts(blob: bytes, lengths: Sequence[int]) -> pa.LargeStringArray:
    """The facts of these lengths that `blob` is the concatenation of."""
    offsets = pa.concat_arrays(
        [pa.array([0], pa.int64()), pc.cumulative_sum(pa.array(lengths, pa.int64()))]
    )
    facts = pa.LargeStringArray.from_buffers(len(lengths), offsets.buffers()[1], pa.py_buffer(blob))
    # UTF-8, and lengths that add up to the blob: checked while the blob is in the CPU's
    # cache (a check of the whole record batch, after, costs several times more).
    facts.validate(full=True)
    return facts


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


def _mongo_chunks(store_url: str, tenant: str, low: int, chunk_size: int) -> Iterator[_Chunk]:
    """Chunks of one tenant's visible statements after `low`, in seq order."""
    from lrs.store.mongo import MongoStore

    def produce() -> Iterator[_Chunk]:
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
                lines = [
                    placed(_facts_of(facts, body), seq, tenant, stored_us)
                    for seq, stored_us, facts, body in rows
                ]
                del rows
                table = pa.table({"facts": pa.array(lines, pa.large_string())})
                batches = table.to_batches(ROW_GROUP_ROWS)  # see _sqlite_chunks
                yield _Chunk(pa.Table.from_batches(batches, _SCHEMA), after)
        finally:
            loop.run_until_complete(store.close())
            loop.close()

    return _read_ahead(produce)


def _facts_of(facts: bytes | None, body: bytes | None) -> bytes:
    """The facts of a MongoDB statement: a document stored before statements had facts
    comes with its body instead."""
    if facts is not None:
        return facts
    if body is None:
        raise ValueError("a statement with neither facts nor body")
    return facts_of_body(body)
