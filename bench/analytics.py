"""Analytics benchmark: sync speed and derivation time on generated statements.

    python -m bench.analytics [--count 1000000] [--dir /tmp/lrs-bench-analytics] [--cold]

Loads `count` statements of bench.statements into an embedded store in DIR (kept, so a
second run reuses it), then measures: a full sync into a fresh DuckDB file (with --cold,
the store's pages are first taken out of the page cache, as after a reboot), an incremental
sync of the last 10,000 statements (loaded by the run, or, when an earlier run
loaded them, taken out of the analytics file again first), and each derivation.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import time
from pathlib import Path

import duckdb

import analytics
from bench.statements import statements
from lrs.store.sqlite import SQLiteStore
from lrs.xapi.prepare import prepare
from lrs.xapi.validate import validate_statement
from lrs.xapi.versions import XAPIVersion

V2 = XAPIVersion("2.0.0")
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.invalid", "name": "b"}}
INCREMENT = 10_000


def stored_count(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        (count,) = conn.execute("SELECT count(*) FROM statements").fetchone()
    return int(count)


async def load(path: Path, start: int, stop: int) -> None:
    store = SQLiteStore(f"sqlite:///{path}")
    await store.open()
    try:
        batch = []
        for s in statements(start, stop):
            batch.extend(prepare([validate_statement(s, V2)], V2, AUTHORITY))
            if len(batch) == 1000:
                await store.save_statements("default", batch, {})
                batch = []
        if batch:
            await store.save_statements("default", batch, {})
    finally:
        await store.close()


def rewind(db: Path, count: int) -> None:
    """Take the last `count` statements out of the analytics file and set its watermark
    back before them, as if they had not been synced yet."""
    with duckdb.connect(str(db)) as con:
        (high,) = con.execute("SELECT max(seq) FROM statements").fetchone() or (0,)
        con.execute("DELETE FROM statements WHERE seq > ?", [high - count])
        con.execute("UPDATE sync_state SET last_seq = ?", [high - count])
        con.execute("CHECKPOINT")


def evict(path: Path) -> None:
    """Take the file's pages out of the page cache (Linux), so that the next read of it
    comes from the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def timed(label: str, work: object) -> None:
    assert callable(work)
    started = time.perf_counter()
    result = work()
    rows = getattr(result, "height", "")
    print(f"{label:<28} {time.perf_counter() - started:8.2f} s  {rows}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/lrs-bench-analytics"))
    parser.add_argument("--cold", action="store_true", help="sync from a store not in memory")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    store = args.dir / f"lrs-{args.count}.db"
    base = args.count - INCREMENT
    have = stored_count(store)
    if have < base:
        print(f"loading {base - have} statements into {store} ...")
        asyncio.run(load(store, have, base))
    db = args.dir / f"analytics-{args.count}.duckdb"
    db.unlink(missing_ok=True)
    url = f"sqlite:///{store}"
    if args.cold:
        evict(store)
    cpu = time.process_time()  # every thread of this process: the sync's too
    full = analytics.sync(url, db)
    cpu = time.process_time() - cpu
    # The CPU time tells the work apart from the host's speed of the moment: on a shared VM the
    # same sync has taken from 6.4 to 14.9 CPU-µs per statement within one day.
    print(
        f"full sync: {full.statements} statements in {full.seconds:.2f} s = {full.per_second:,.0f}/s"
        f" (CPU {cpu / max(full.statements, 1) * 1e6:.2f} µs/statement,"
        f" {cpu / full.seconds if full.seconds else 0:.2f} cores busy)"
    )
    if stored_count(store) < args.count:
        asyncio.run(load(store, base, args.count))
    else:  # loaded by an earlier run: the file forgets its last INCREMENT statements instead
        rewind(db, INCREMENT)
    step = analytics.sync(url, db)
    print(f"incremental sync: {step.statements} statements in {step.seconds:.2f} s")
    timed("time_on_task", lambda: analytics.time_on_task(db))
    timed("click_through", lambda: analytics.click_through(db))
    timed("skills (course = skill)", lambda: analytics.skills(db, activity_skills=_course_skills()))


def _course_skills() -> dict[str, list[str]]:
    from bench.statements import COURSES, course_id

    return {course_id(n): [slug] for n, (slug, _, _) in enumerate(COURSES)}


if __name__ == "__main__":
    main()
