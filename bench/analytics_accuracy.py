"""Does the analytics layer find what `lrs simulate` planted?

    python -m bench.analytics_accuracy [--learners 300] [--seed 1] [--dir DIR]

Simulates a hospital, imports the statements into a fresh embedded store through
`lrs.importer.import_lines` (the API's validation), syncs them into DuckDB, runs the
derivations with the simulated catalog, and prints:

- precision and recall of each click-through signal (time ratio, answer latency, video
  coverage) against the behaviour the generator planted, over every completion (AUs,
  videos, quizzes and requirements), and over the required activities alone (the
  catalog's assignments of the roster: what `lrs analytics click-through --catalog
  --roster` shows), for the signals together too; and per learner (flagged on any
  requirement against any behaviour planted);
- the error of time-on-task against the generator's ground truth: median, p90 and p99 of
  |derived - true| / true, for cmi5 content (per learner x AU and x course) and for
  non-cmi5 content (the video, the plain-xAPI lesson and the simulation, per learner x
  requirement) separately.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import polars as pl

import analytics
from analytics.catalog import parse_roster
from analytics.simulate import COURSES, LESSONS, SCENARIOS, SIGNALS, VIDEOS, Simulation, generate
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


def _scores(
    ct: pl.DataFrame, planted: AbstractSet[tuple[str, str, str]], signal: str
) -> tuple[float, float, int, int]:
    """(precision, recall, flagged, planted) of one signal's flags over the rows of `ct`."""
    column = {"time": "time_flagged", "answers": "answers_flagged", "video": "video_flagged"}
    rows = ct.select("learner", "activity", column.get(signal, "flagged")).rows()
    flagged = {(learner, activity) for learner, activity, flag in rows if flag}
    truth = {
        (learner, activity)
        for learner, activity, _ in rows
        if (
            (learner, activity, signal) in planted
            if signal in column
            else any((learner, activity, s) in planted for s in column)
        )
    }
    precision, recall = precision_recall(flagged, truth)
    return precision, recall, len(flagged), len(truth)


def _errors(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "median": float("nan"), "p90": float("nan"), "p99": float("nan")}
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p90": quantile(values, 0.9),
        "p99": quantile(values, 0.99),
    }


def evaluate(sim: Simulation, db: Path) -> dict[str, Any]:
    catalog = sim.catalog()
    expected = catalog.expected_seconds()
    roster = parse_roster(sim.roster_csv())
    every = analytics.click_through(db, "default", expected_seconds=expected)
    required = analytics.click_through(
        db, "default", expected_seconds=expected, required=catalog.assignments(roster)
    )
    signals: dict[str, tuple[float, float, int, int]] = {}
    for signal in (*SIGNALS, "any"):
        signals[f"{signal}, every completion"] = _scores(every, sim.planted, signal)
        signals[f"{signal}, required"] = _scores(required, sim.planted, signal)
    flagged_learners = set(required.filter(pl.col("flagged"))["learner"].to_list())
    rows = set(required.select("learner", "activity").rows())
    planted_learners = {
        learner for learner, activity, _ in sim.planted if (learner, activity) in rows
    }
    lp, lr = precision_recall(flagged_learners, planted_learners)

    tot = analytics.time_on_task(db, "default")
    derived = {(r[0], r[1]): r[2] for r in tot.select("learner", "activity", "seconds").rows()}
    cmi5_courses = {c.id for c in COURSES}
    cmi5_aus = {c.au_id(n) for c in COURSES for n in range(len(c.aus))}
    errors: dict[str, list[float]] = {"cmi5 AU": [], "cmi5 course": [], "non-cmi5": []}
    for (learner, activity), true in sim.truth_seconds.items():
        level = (
            "cmi5 AU"
            if activity in cmi5_aus
            else "cmi5 course"
            if activity in cmi5_courses
            else "non-cmi5"
        )
        errors[level].append(abs(derived.get((learner, activity), 0.0) - true) / true)
    non_cmi5 = {
        kind: [
            abs(derived.get((learner, activity), 0.0) - true) / true
            for (learner, activity), true in sim.truth_seconds.items()
            if activity in ids
        ]
        for kind, ids in (
            ("video", {v.id for v in VIDEOS}),
            ("lesson", {lesson.id for lesson in LESSONS}),
            ("simulation", {s.id for s in SCENARIOS}),
        )
    }
    return {
        "signals": signals,
        "learners": (lp, lr, len(flagged_learners), len(planted_learners)),
        "time_on_task": {
            **{level: _errors(values) for level, values in errors.items()},
            **{f"non-cmi5 {kind}": _errors(values) for kind, values in non_cmi5.items()},
        },
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
    print("click-through signal vs planted behaviour     precision  recall  flagged  planted")
    for name, (precision, recall, flagged, planted) in figures["signals"].items():
        print(f"  {name:<40} {precision:9.3f} {recall:7.3f} {flagged:8d} {planted:8d}")
    lp, lr, lf, lpl = figures["learners"]
    print(f"  {'learners (any required activity)':<40} {lp:9.3f} {lr:7.3f} {lf:8d} {lpl:8d}")
    print("time-on-task |error|/truth                      n   median      p90      p99")
    for level, e in figures["time_on_task"].items():
        print(f"  {level:<40} {e['n']:6.0f} {e['median']:8.2%} {e['p90']:8.2%} {e['p99']:8.2%}")


if __name__ == "__main__":
    main()
