"""Query benchmark: first-page GET /statements latency per filter shape, on a loaded store.

    python -m bench.query --url http://127.0.0.1:8080/xapi --user KEY --password SECRET \\
        [--load 1000000] [--repeat 200] [--limit 10]

(or set LRS_BENCH_URL, LRS_BENCH_USER, LRS_BENCH_PASSWORD).

1. Load: the data set is the first `--load` statements of the deterministic generator
   in `bench.statements`. The store's share of it is found by looking statements up by
   id (a binary search with GET ?statementId=), and the rest is POSTed in batches of
   `--batch-size` on `--load-connections` connections, with progress and load rate.
   Interrupting and re-running resumes where the load stopped.
2. Query: each filter shape runs `--repeat` times one after another on one keep-alive
   connection (after a few unmeasured warm-up runs); the table gives p50/p95/p99 of the
   time to the last byte of the response. The filter values come from the generator and
   occur in the data; the first response of each shape is checked against its filter
   ("check" column: how many statements came back, "+more" when a `more` link came too).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import orjson

from bench.ingest import (
    Connection,
    Target,
    add_target_arguments,
    ms,
    percentile,
    preflight,
    print_table,
    run,
    target_from,
)
from bench.statements import DEFAULT_SEED, QueryValues, statement_id, statements

Check = Callable[[dict[str, Any]], bool]


# --------------------------------------------------------------------------- loading


async def statement_exists(conn: Connection, target: Target, index: int, seed: int) -> bool:
    query = urlencode({"statementId": statement_id(index, seed)})
    status, body = await conn.request("GET", target.path(f"statements?{query}"))
    if status == 200:
        return True
    if status == 404:
        return False
    raise SystemExit(f"GET statements?{query} answered {status}: {body[:300]!r}")


async def count_loaded(conn: Connection, target: Target, wanted: int, seed: int) -> int:
    """How many of the first `wanted` statements the store holds, assuming a loaded prefix."""
    if wanted == 0 or not await statement_exists(conn, target, 0, seed):
        return 0
    if await statement_exists(conn, target, wanted - 1, seed):
        return wanted
    present, absent = 0, wanted - 1
    while absent - present > 1:
        middle = (present + absent) // 2
        if await statement_exists(conn, target, middle, seed):
            present = middle
        else:
            absent = middle
    return present + 1


async def _post_batch(conn: Connection, target: Target, batch: list[dict[str, Any]]) -> None:
    path = target.path("statements")
    status, body = await conn.request("POST", path, orjson.dumps(batch))
    if status == 200:
        return
    if status == 409:
        # Some statements were there already (a resumed load): send them one by one.
        for item in batch:
            status, body = await conn.request("POST", path, orjson.dumps(item))
            if status not in (200, 204, 409):
                raise SystemExit(f"POST statements answered {status}: {body[:500]!r}")
        return
    raise SystemExit(f"POST statements ({len(batch)}) answered {status}: {body[:500]!r}")


async def load(
    target: Target, start: int, stop: int, batch_size: int, connections: int, seed: int
) -> None:
    total = stop - start
    print(f"loading statements {start}..{stop - 1} ({total}) in batches of {batch_size}")
    starts = iter(range(start, stop, batch_size))
    done = 0
    began = last_report = time.perf_counter()

    async def worker() -> None:
        nonlocal done, last_report
        conn = Connection(target)
        try:
            for first in starts:
                batch = list(statements(first, min(first + batch_size, stop), seed))
                await _post_batch(conn, target, batch)
                done += len(batch)
                now = time.perf_counter()
                if now - last_report >= 5 or done == total:
                    last_report = now
                    rate = done / (now - began)
                    eta = (total - done) / rate if rate else math.inf
                    print(
                        f"  {start + done:>9}/{stop}  {100 * done / total:5.1f}%  "
                        f"{rate:7.0f} statements/s  ETA {eta / 60:5.1f} min",
                        flush=True,
                    )
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - began
    print(f"loaded {total} statements in {elapsed:.1f} s: {total / elapsed:.0f} statements/s")


# --------------------------------------------------------------------------- queries


def _activity_ids(st: dict[str, Any]) -> set[str]:
    ids = {st.get("object", {}).get("id", "")}
    for group in st.get("context", {}).get("contextActivities", {}).values():
        ids.update(a.get("id", "") for a in (group if isinstance(group, list) else [group]))
    return ids


def _stored_after(since: str) -> Check:
    moment = datetime.fromisoformat(since)
    return lambda st: datetime.fromisoformat(st["stored"]) > moment


def shapes(values: QueryValues, since: str | None) -> list[tuple[str, dict[str, str], Check]]:
    agent = orjson.dumps({"mbox": values.agent_mbox}).decode()
    mbox = values.agent_mbox

    def by_agent(st: dict[str, Any]) -> bool:
        return bool(st["actor"].get("mbox") == mbox)

    def by_verb(st: dict[str, Any]) -> bool:
        return bool(st["verb"]["id"] == values.verb)

    out: list[tuple[str, dict[str, str], Check]] = [
        ("no filter", {}, lambda st: True),
        ("agent", {"agent": agent}, by_agent),
        ("verb", {"verb": values.verb}, by_verb),
        (
            "activity",
            {"activity": values.activity},
            lambda st: bool(st["object"].get("id") == values.activity),
        ),
        (
            "registration",
            {"registration": values.registration},
            lambda st: bool(st.get("context", {}).get("registration") == values.registration),
        ),
        (
            "activity+related_activities",
            {"activity": values.course, "related_activities": "true"},
            lambda st: values.course in _activity_ids(st),
        ),
        (
            "agent+related_agents",
            {"agent": agent, "related_agents": "true"},
            lambda st: mbox.encode() in orjson.dumps(st),
        ),
    ]
    if since is not None:
        out.append(("since", {"since": since}, _stored_after(since)))
    out.append(
        (
            "agent+verb",
            {"agent": agent, "verb": values.verb},
            lambda st: by_agent(st) and by_verb(st),
        )
    )
    return out


def describe(body: bytes, check: Check) -> str:
    try:
        result = orjson.loads(body)
        found = result["statements"]
        bad = sum(not check(st) for st in found)
    except (orjson.JSONDecodeError, KeyError, TypeError) as err:
        return f"bad response: {type(err).__name__}"
    more = "+more" if result.get("more") else ""
    return f"{len(found)}{more}" + (f" ({bad} DO NOT MATCH)" if bad else " ok")


async def measure(
    conn: Connection,
    target: Target,
    params: dict[str, str],
    check: Check,
    repeat: int,
    warmup: int,
) -> tuple[list[int], str, int]:
    path = target.path("statements" + (f"?{urlencode(params)}" if params else ""))
    latencies: list[int] = []
    note, errors = "", 0
    for i in range(warmup + repeat):
        t0 = time.perf_counter_ns()
        status, body = await conn.request("GET", path)
        elapsed = time.perf_counter_ns() - t0
        if status != 200:
            errors += 1
            note = note or f"HTTP {status}: {body[:120]!r}"
            continue
        if not note:
            note = describe(body, check)
        if i >= warmup:
            latencies.append(elapsed)
    return sorted(latencies), note, errors


async def stored_of(conn: Connection, target: Target, index: int, seed: int) -> str | None:
    query = urlencode({"statementId": statement_id(index, seed)})
    status, body = await conn.request("GET", target.path(f"statements?{query}"))
    if status != 200:
        return None
    stored = orjson.loads(body).get("stored")
    return stored if isinstance(stored, str) else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.query", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    add_target_arguments(parser)
    parser.add_argument("--load", type=int, default=1_000_000, help="statements the store holds")
    parser.add_argument("--batch-size", type=int, default=500, help="statements per load POST")
    parser.add_argument("--load-connections", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=200, help="measured runs per query shape")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured runs per shape first")
    parser.add_argument("--limit", type=int, default=10, help="limit parameter (0: omit it)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="data set seed")
    parser.add_argument("--skip-load", action="store_true", help="query whatever is there")
    args = parser.parse_args(argv)
    target = target_from(parser, args)
    if args.load < 9:
        parser.error("--load must be at least 9 (one session)")

    async def go() -> int:
        conn = Connection(target)
        await preflight(conn, target)
        print(f"LRS {target.base_url}, xAPI {target.version}")
        t = time.perf_counter()
        have = await count_loaded(conn, target, args.load, args.seed)
        print(f"store holds {have} of the {args.load} statements ({time.perf_counter() - t:.1f} s)")
        if have < args.load and not args.skip_load:
            # Concurrent batches may have left gaps just below the first missing one.
            resume = max(0, have - args.batch_size * args.load_connections)
            resume -= resume % args.batch_size
            await load(target, resume, args.load, args.batch_size, args.load_connections, args.seed)
            have = args.load
        if have < 9:
            raise SystemExit("the store holds too little of the data set to query it")
        values = QueryValues.for_loaded(have, args.seed)
        since = await stored_of(conn, target, values.middle_index, args.seed)
        if since is None:
            print("could not read `stored` of a loaded statement: skipping the since query")
        rows = []
        for name, params, check in shapes(values, since):
            if args.limit:
                params = {**params, "limit": str(args.limit)}
            lat, note, errors = await measure(conn, target, params, check, args.repeat, args.warmup)
            rows.append(
                [
                    name,
                    str(len(lat)),
                    ms(percentile(lat, 50)),
                    ms(percentile(lat, 95)),
                    ms(percentile(lat, 99)),
                    ms(lat[-1] if lat else math.nan),
                    str(errors),
                    note,
                ]
            )
            print(f"  {name}: p50 {rows[-1][2]} ms", flush=True)
        await conn.close()
        limit = f"limit={args.limit}" if args.limit else "default limit"
        print_table(
            ["query", "runs", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "check"],
            rows,
            f"GET /statements, first page ({limit}), {have} statements stored",
        )
        print(
            "\nfilter values: "
            + ", ".join(
                f"{k}={v}"
                for k, v in [
                    ("agent", values.agent_mbox),
                    ("verb", values.verb),
                    ("activity", values.activity),
                    ("related activity", values.course),
                    ("registration", values.registration),
                    ("since", since),
                ]
            )
        )
        return 1 if any(r[6] != "0" or "DO NOT MATCH" in r[7] for r in rows) else 0

    return run(go, use_uvloop=not args.no_uvloop)


if __name__ == "__main__":
    sys.exit(main())
