"""Scoring at scale: every derivation, risk, proficiency and the audit report, timed.

    python -m bench.analytics_scale --db ANALYTICS.duckdb --store STORE_URL [--as-of DAY]

    python -m bench.analytics_scale \\
        --db /tmp/lrs-bench-analytics/analytics-1000000.duckdb \\
        --store sqlite:////tmp/lrs-bench-analytics/lrs-1000000.db

DB is an analytics file already synced (`analytics.sync`, or `python -m bench.analytics`)
from STORE, a store of bench.statements; the audit report takes the hashes of the
statements it cites from DB, and reads from STORE only those synced without one (a store
loaded before the LRS kept them). The catalog and roster are bench.statements' `catalog()`
(16 courses as requirements, 37 AUs with expected durations, 111 questions with skills)
and `roster()` (5,000 clinicians in 8 units). DAY (YYYY-MM-DD) is the as-of date; by
default the day of the last statement in DB, so that all of it counts.

The steps call the Python API the CLI calls (`lrs analytics time-on-task`,
`click-through --catalog`, `skills --catalog`, `lrs risk`, `lrs proficiency --roster`,
`lrs report audit --format pdf|csv|html`); each prints its seconds, its rows and the peak
RSS of its process. The derivations run one after the other in this process. Risk,
proficiency and the audit report each run in a process of their own, started fresh, as
the CLI commands do: run after the derivations in one long process, the audit was 2-6 s
slower (more CPU for the same work, from what the earlier steps left behind). The report's
process makes the PDF first, from the report as `audit` returns it (it hashes the rows
itself, as `lrs report audit --format pdf` does), then the CSV and the HTML.

The issue's targets, on this machine and 10 M statements of a 5,000-learner hospital:
risk, proficiency and an audit report each at most 30 s (the report: `audit` then one
format, so `audit` + `to_pdf` for the slowest), and all derivations together at most 60 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from collections.abc import Callable
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import duckdb

import analytics
from analytics.proficiency import proficiency
from analytics.report import Report, audit, to_csv, to_html
from analytics.report_pdf import to_pdf
from analytics.risk import risk
from bench.statements import catalog, roster

TARGETS = {"derivations": 60.0, "risk": 30.0, "proficiency": 30.0, "audit + pdf": 30.0}


def peak_rss_mb() -> float:
    """This process's peak resident set (Linux): VmHWM, not getrusage's ru_maxrss, which a
    process started by fork and exec carries over from its parent."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024  # kB


def size(result: object) -> str:
    """Rows of a frame or report, or the length of a text or PDF."""
    if hasattr(result, "height"):
        return f"{result.height:,} rows"
    if isinstance(result, Report):
        return f"{len(result.rows):,} rows, {len(result.cited):,} cited"
    if isinstance(result, str | bytes):
        return f"{len(result) / 1e6:,.1f} MB"
    return ""


def timed(label: str, work: Callable[[], Any], seconds: dict[str, float]) -> Any:
    started = time.perf_counter()
    result = work()
    seconds[label] = time.perf_counter() - started
    print(
        f"{label:<16} {seconds[label]:8.2f} s  {size(result):<28} peak RSS {peak_rss_mb():,.0f} MB",
        flush=True,
    )
    return result


def _step(name: str, db: Path, store: str, as_of: date, tenant: str, out: Connection) -> None:
    """Risk, proficiency or the audit report (and its formats), timed in a fresh process;
    the seconds are sent to `out`."""
    cat, people = catalog(), roster()
    seconds: dict[str, float] = {}
    if name == "risk":
        timed("risk", lambda: risk(db, cat, people, as_of, tenant), seconds)
    elif name == "proficiency":
        timed("proficiency", lambda: proficiency(db, cat, as_of, tenant, people), seconds)
    else:
        report = timed("audit", lambda: audit(db, cat, people, as_of, None, tenant, store), seconds)
        timed("to_pdf", lambda: to_pdf(report), seconds)
        timed("to_csv", lambda: to_csv(report), seconds)
        timed("to_html", lambda: to_html(report), seconds)
    out.send(seconds)


def in_fresh_process(name: str, args: tuple[Any, ...], seconds: dict[str, float]) -> None:
    """`_step` in a process of its own, which prints its lines (peak RSS: its own)."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_step, args=(name, *args, send))
    child.start()
    seconds.update(receive.recv())
    child.join()


def last_day(db: Path) -> date:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute('SELECT max("timestamp") FROM statements').fetchone()
    if row is None or row[0] is None:
        raise SystemExit(f"{db}: no statements; sync it first")
    day: date = row[0].date()
    return day


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="A synced analytics file.")
    parser.add_argument("--store", required=True, help="The store URL it was synced from.")
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=None, help="Default: DB's last day."
    )
    parser.add_argument("--tenant", default="default")
    args = parser.parse_args()
    if not args.db.exists():
        raise SystemExit(f"{args.db}: no such file")
    db, tenant = args.db, args.tenant
    as_of = args.as_of or last_day(db)
    print(f"{db} as of {as_of}, evidence from {args.store}")
    s: dict[str, float] = {}
    cat = timed("catalog", catalog, s)
    timed("time_on_task", lambda: analytics.time_on_task(db, tenant), s)
    expected = cat.expected_seconds()
    timed("click_through", lambda: analytics.click_through(db, tenant, expected), s)
    timed("skills", lambda: analytics.skills(db, tenant, cat.activity_skills()), s)
    s["derivations"] = s["time_on_task"] + s["click_through"] + s["skills"]
    print(f"{'derivations':<16} {s['derivations']:8.2f} s  (the three above)")
    for name in ("risk", "proficiency", "audit"):
        in_fresh_process(name, (db, args.store, as_of, tenant), s)
    s["audit + pdf"] = s["audit"] + s["to_pdf"]
    print(f"{'audit + pdf':<16} {s['audit + pdf']:8.2f} s  (lrs report audit --format pdf)")
    print(f"peak RSS of this process {peak_rss_mb():,.0f} MB")
    print(
        "against the targets (for 10 M statements): "
        + ", ".join(f"{name} {s[name]:.1f} s of {limit:.0f}" for name, limit in TARGETS.items())
    )


if __name__ == "__main__":
    main()
