"""Does the analytics layer find what `lrs simulate` planted?

    python -m bench.analytics_accuracy [--learners 300] [--seed 1] [--dir DIR]

Simulates a hospital, imports the statements into a fresh embedded store through
`lrs.importer.import_lines` (the API's validation), syncs them into DuckDB, runs the
derivations with the simulated catalog, and prints:

- precision and recall of the click-through flags against the planted click-through
  learners, per learner (flagged on any AU) and per learner x AU completion;
- the error of time-on-task against the generator's ground truth: median and p90 of
  |derived - true| / true, per learner x AU and per learner x course.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Set as AbstractSet
from pathlib import Path

import polars as pl

import analytics
from analytics.simulate import Simulation, generate
from lrs.importer import import_lines
from lrs.store.sqlite import SQLiteStore
from lrs.xapi.versions import XAPIVersion


def import_simulation(sim: Simulation, store_path: Path) -> tuple[int, int]:
    """(accepted, rejected) lines of the simulation imported into the store at the path."""
    lines = [line.encode() for line in sim.ndjson()]

    async def run() -> tuple[int, int]:
        store = SQLiteStore(f"sqlite:///{store_path}")
        await store.open()
        try:
            report = await import_lines(
                store,
                "default",
                lines,
                XAPIVersion("2.0.0"),
                "https://lrs.invalid/credentials",
                500,
                lambda _: None,
            )
        finally:
            await store.close()
        return report.accepted, len(report.rejected)

    return asyncio.run(run())


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def precision_recall(
    flagged: AbstractSet[object], planted: AbstractSet[object]
) -> tuple[float, float]:
    hits = len(flagged & planted)
    precision = hits / len(flagged) if flagged else 1.0
    recall = hits / len(planted) if planted else 1.0
    return precision, recall


def evaluate(sim: Simulation, db: Path) -> dict[str, float]:
    catalog = sim.catalog()
    kinds = {p.key: p.kind for p in sim.learners}
    ct = analytics.click_through(db, "default", expected_seconds=catalog.expected_seconds())
    au_ids = {a.id for a in catalog.activities if not a.required}
    ct = ct.filter(pl.col("activity").is_in(au_ids))
    flagged_rows = set(ct.filter(pl.col("flagged")).select("learner", "activity").rows())
    planted_rows = {
        (learner, activity)
        for learner, activity in ct.select("learner", "activity").rows()
        if kinds.get(learner) == "click-through"
    }
    flagged_learners = {learner for learner, _ in flagged_rows}
    planted_learners = {learner for learner, _ in planted_rows}  # those who completed an AU
    lp, lr = precision_recall(flagged_learners, planted_learners)
    rp, rr = precision_recall(flagged_rows, planted_rows)
    tot = analytics.time_on_task(db, "default")
    derived = {(r[0], r[1]): r[2] for r in tot.select("learner", "activity", "seconds").rows()}
    errors: dict[str, list[float]] = {"au": [], "course": []}
    for (learner, activity), true in sim.truth_seconds.items():
        level = "au" if activity in au_ids else "course"
        errors[level].append(abs(derived.get((learner, activity), 0.0) - true) / true)
    return {
        "learner_precision": lp,
        "learner_recall": lr,
        "completion_precision": rp,
        "completion_recall": rr,
        "au_median": statistics.median(errors["au"]),
        "au_p90": quantile(errors["au"], 0.9),
        "course_median": statistics.median(errors["course"]),
        "course_p90": quantile(errors["course"], 0.9),
        "au_p99": quantile(errors["au"], 0.99),
        "planted_learners": len(planted_learners),
        "flagged_learners": len(flagged_learners),
        "pairs": len(errors["au"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="Default: a temporary one.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        where = args.dir or Path(scratch)
        where.mkdir(parents=True, exist_ok=True)
        store, db = where / "lrs.db", where / "analytics.duckdb"
        for old in (store, db):
            old.unlink(missing_ok=True)
        started = time.perf_counter()
        sim = generate(args.learners, args.seed)
        accepted, rejected = import_simulation(sim, store)
        analytics.sync(f"sqlite:///{store}", db)
        figures = evaluate(sim, db)
        took = time.perf_counter() - started
    print(
        f"{args.learners} learners, seed {args.seed}: {accepted} statements imported, "
        f"{rejected} rejected ({took:.1f} s)"
    )
    print(
        f"click-through per learner:    precision {figures['learner_precision']:.3f}  "
        f"recall {figures['learner_recall']:.3f}  "
        f"({figures['flagged_learners']:.0f} flagged, {figures['planted_learners']:.0f} planted)"
    )
    print(
        f"click-through per completion: precision {figures['completion_precision']:.3f}  "
        f"recall {figures['completion_recall']:.3f}"
    )
    print(
        f"time-on-task |error|/truth, learner x AU ({figures['pairs']:.0f}): "
        f"median {figures['au_median']:.2%}  p90 {figures['au_p90']:.2%}  "
        f"p99 {figures['au_p99']:.2%}"
    )
    print(
        f"time-on-task |error|/truth, learner x course:   "
        f"median {figures['course_median']:.2%}  p90 {figures['course_p90']:.2%}"
    )


if __name__ == "__main__":
    main()
