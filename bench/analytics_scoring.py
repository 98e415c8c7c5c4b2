"""Do risk and proficiency find what `lrs simulate` planted?

    python -m bench.analytics_scoring [--learners 300] [--seed 1] [--as-of-day 35]

Simulates a hospital, imports and syncs it (as bench.analytics_accuracy does), then, on
the as-of day (days after the simulation's start):

- risk: each learner's score is the highest of their requirements'; the planted
  never-starters and stallers are the positives. Prints precision and recall of "critical"
  and of "warning or worse", and the AUC of the score.
- proficiency: each learner's figure is the mean, over the skills they have evidence of,
  of the posterior mean; AUC of planted experts against the others who answered
  (diligent, staller, click-through).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import polars as pl

import analytics
from analytics.catalog import parse_roster
from analytics.proficiency import proficiency
from analytics.risk import risk
from analytics.simulate import generate
from bench.analytics_accuracy import import_simulation, precision_recall


def auc(scores: dict[str, float], positives: set[str]) -> float:
    """The chance a random positive scores above a random negative (ties count half)."""
    pos = [s for k, s in scores.items() if k in positives]
    neg = [s for k, s in scores.items() if k not in positives]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of-day", type=int, default=35)
    parser.add_argument("--dir", type=Path, default=None, help="Default: a temporary one.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        where = args.dir or Path(scratch)
        where.mkdir(parents=True, exist_ok=True)
        store, db = where / "lrs.db", where / "analytics.duckdb"
        for old in (store, db):
            old.unlink(missing_ok=True)
        sim = generate(args.learners, args.seed)
        accepted, rejected = import_simulation(sim, store)
        analytics.sync(f"sqlite:///{store}", db)
        catalog, roster = sim.catalog(), parse_roster(sim.roster_csv())
        as_of = sim.start + timedelta(days=args.as_of_day)
        started = time.perf_counter()
        scored = risk(db, catalog, roster, as_of)
        risk_s = time.perf_counter() - started
        started = time.perf_counter()
        skills = proficiency(db, catalog, as_of)
        proficiency_s = time.perf_counter() - started
    kinds = {p.key: p.kind for p in sim.learners}
    per_learner = scored.group_by("learner").agg(
        pl.col("score").max(), pl.col("level").unique().alias("levels")
    )
    scores = dict(per_learner.select("learner", "score").rows())
    planted = {k for k in scores if kinds[k] in ("never-start", "staller")}
    critical = {
        k for k, levels in per_learner.select("learner", "levels").rows() if "critical" in levels
    }
    flagged = {
        k
        for k, levels in per_learner.select("learner", "levels").rows()
        if "critical" in levels or "warning" in levels
    }
    cp, cr = precision_recall(critical, planted)
    wp, wr = precision_recall(flagged, planted)
    print(
        f"{args.learners} learners, seed {args.seed}: {accepted} statements imported, "
        f"{rejected} rejected; as of {as_of} (day {args.as_of_day})"
    )
    print(
        f"risk ({scored.height} learner x requirement rows, {risk_s:.2f} s): "
        f"{len(planted)} planted never-starters/stallers"
    )
    print(f"  critical:           precision {cp:.3f}  recall {cr:.3f}  ({len(critical)} learners)")
    print(f"  warning or worse:   precision {wp:.3f}  recall {wr:.3f}  ({len(flagged)} learners)")
    print(f"  AUC of the score:   {auc(scores, planted):.3f}")
    # A click-through completion is not done (risk says so): every learner with click-through
    # planted on a requirement (the click-through kind, and the occasional diligent learner
    # who skips a video or guesses through a quiz) is at risk too.
    required = {a.id for a in catalog.activities if a.required}
    rushing = (
        planted
        | {k for k in scores if kinds[k] == "click-through"}
        | {k for k, activity, _ in sim.planted if activity in required and k in scores}
    )
    xp, xr = precision_recall(critical, rushing)
    print(
        f"  counting planted click-through on a requirement as at risk too ({len(rushing)} "
        f"learners): critical precision {xp:.3f} recall {xr:.3f}, AUC {auc(scores, rushing):.3f}"
    )
    by_kind = {
        kind: [s for k, s in scores.items() if kinds[k] == kind] for kind in set(kinds.values())
    }
    print(
        "  mean score by kind: "
        + ", ".join(f"{k} {sum(v) / len(v):.1f}" for k, v in sorted(by_kind.items()) if v)
    )
    mastery = dict(skills.group_by("learner").agg(pl.col("mean").mean()).rows())
    experts = {k for k in mastery if kinds[k] == "expert"}
    print(
        f"proficiency ({skills.height} learner x skill rows, {proficiency_s:.2f} s): "
        f"{len(experts)} experts of {len(mastery)} learners with evidence; "
        f"AUC experts vs the others: {auc(mastery, experts):.3f}"
    )
    print(
        f"  mastered (P(rate >= 80%) >= 80%): experts "
        f"{skills.filter(pl.col('learner').is_in(experts))['mastered'].mean():.1%} of their "
        f"skills, others {skills.filter(~pl.col('learner').is_in(experts))['mastered'].mean():.1%}"
    )


if __name__ == "__main__":
    main()
