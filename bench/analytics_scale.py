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
`lrs report audit --format csv|html|pdf`), one after the other in one process; each
prints its seconds, its rows and the peak RSS so far. The PDF is made in a child process,
stopped after --pdf-timeout seconds (default 600). The issue's targets, on this machine and 10 M statements of a 5,000-learner
hospital: risk, proficiency and an audit report each at most 30 s (the report: `audit`
then one format, so `audit` + `to_pdf` for the slowest), and all derivations together
at most 60 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
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
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def size(result: object) -> str:
    """Rows of a frame or report, or the length of a text or PDF."""
    if hasattr(result, "height"):
        return f"{result.height:,} rows"
    if hasattr(result, "rows"):
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


def _pdf_child(report: Report, out: Connection) -> None:
    started = time.perf_counter()
    pdf = to_pdf(report)
    out.send((time.perf_counter() - started, len(pdf)))


def pdf_step(report: Report, timeout: float, seconds: dict[str, float]) -> bool:
    """to_pdf in a child process (forked: it has the report), stopped after `timeout`
    seconds: a whole-hospital PDF can take hours."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_pdf_child, args=(report, send))
    started = time.perf_counter()
    child.start()
    done = receive.poll(timeout)
    if done:
        seconds["to_pdf"], length = receive.recv()
        result = f"{length / 1e6:,.1f} MB"
    else:
        child.terminate()
        seconds["to_pdf"] = time.perf_counter() - started
        result = "stopped: over --pdf-timeout"
    child.join()
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"{'to_pdf':<16} {'>' if not done else ' '}{seconds['to_pdf']:7.2f} s  {result:<28} "
        f"peak RSS {child_mb:,.0f} MB (its process)",
        flush=True,
    )
    return done


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
    parser.add_argument(
        "--pdf-timeout", type=float, default=600.0, help="Seconds before to_pdf is stopped."
    )
    args = parser.parse_args()
    if not args.db.exists():
        raise SystemExit(f"{args.db}: no such file")
    db, tenant = args.db, args.tenant
    as_of = args.as_of or last_day(db)
    print(f"{db} as of {as_of}, evidence from {args.store}")
    s: dict[str, float] = {}
    cat, people = timed("catalog, roster", lambda: (catalog(), roster()), s)
    timed("time_on_task", lambda: analytics.time_on_task(db, tenant), s)
    expected = cat.expected_seconds()
    timed("click_through", lambda: analytics.click_through(db, tenant, expected), s)
    timed("skills", lambda: analytics.skills(db, tenant, cat.activity_skills()), s)
    s["derivations"] = s["time_on_task"] + s["click_through"] + s["skills"]
    print(f"{'derivations':<16} {s['derivations']:8.2f} s  (the three above)")
    timed("risk", lambda: risk(db, cat, people, as_of, tenant), s)
    timed("proficiency", lambda: proficiency(db, cat, as_of, tenant, people), s)
    report = timed("audit", lambda: audit(db, cat, people, as_of, None, tenant, args.store), s)
    # the PDF first, from the report as audit returns it: it hashes the rows itself, as
    # `lrs report audit --format pdf` does (after to_csv the digests would be cached)
    over = "" if pdf_step(report, args.pdf_timeout, s) else ">"
    timed("to_csv", lambda: to_csv(report), s)
    timed("to_html", lambda: to_html(report), s)
    s["audit + pdf"] = s["audit"] + s["to_pdf"]
    print(
        f"{'audit + pdf':<16} {over:>1}{s['audit + pdf']:7.2f} s  (lrs report audit --format pdf)"
    )
    print(f"peak RSS {peak_rss_mb():,.0f} MB")
    print(
        "against the targets (for 10 M statements): "
        + ", ".join(
            f"{name} {over if name == 'audit + pdf' else ''}{s[name]:.1f} s of {limit:.0f}"
            for name, limit in TARGETS.items()
        )
    )


if __name__ == "__main__":
    main()
