"""Proficiency per learner and skill: a Beta-Bernoulli posterior over answer-level evidence.

The model: each learner has, per skill, an unknown rate `p` of answering its questions
right; each answer is a Bernoulli draw of `p`. With the uniform prior Beta(1, 1) (it says
nothing: two pseudo-answers, one right, one wrong), `s` right and `f` wrong answers give the
posterior Beta(1 + s, 1 + f): its mean is the estimate and its central 80% interval the
uncertainty. A learner **masters** a skill when P(p >= 0.8 | evidence) >= 0.8: more likely
than four in five to answer at least four in five right. From nothing, that takes 7 right
answers in a row; one wrong answer costs 5 more right ones.

Why not Bayesian Knowledge Tracing: BKT needs four parameters per skill (prior knowledge,
learning, slip, guess) that nobody has fitted for a hospital's question bank, and fixed
guesses of them would drive the estimate more than the evidence does on the handful of
answers a learner gives per skill. The Beta posterior has one assumption (the prior), an
uncertainty that shrinks visibly with evidence, and integer parameters, so its tail is an
exact binomial sum (no numerical library needed). It ignores learning over time; recency is
reported (last evidence) rather than modelled.

Evidence: `answered` statements with a `result.success`, tagged to a skill by a
competency in their context or by the catalog (the question, its AU, or the AU's parent or
grouping). Completions, passes and satisfactions never count: completing content is not
evidence of mastering it. A right answer inside an AU that the learner completed as a
click-through (far faster than it can be read) is not counted either: it cannot be told
from a guess; a wrong one still counts.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from analytics.catalog import Catalog, Roster
from analytics.collector import collector_paused
from analytics.derive import click_through, each_activity, skills_table, tenant_filter
from analytics.risk import activity_evidence, as_of_connection, parts_of
from lrs.xapi.facts import WAIVED

ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
PRIOR = (1.0, 1.0)  # Beta(alpha, beta): uniform
MASTERY_RATE = 0.8
CONFIDENCE = 0.8
INTERVAL = 0.8  # central credible interval reported
TESTED_OUT = "Tested Out"
CMI5_REASON = "https://w3id.org/xapi/cmi5/result/extensions/reason"


def p_above(successes: int, failures: int, rate: float = MASTERY_RATE) -> float:
    """P(p > rate) under Beta(1 + successes, 1 + failures): for integer parameters the
    Beta tail equals a binomial one, P(Binomial(s + f + 1, rate) <= s)."""
    n = successes + failures + 1
    if rate <= 0.0:
        return 1.0
    if rate >= 1.0:
        return 0.0
    # In logarithms (comb(n, k) overflows a float past about a thousand answers), each term
    # from the one before: log C(n, k) = log C(n, k - 1) + log(n - k + 1) - log(k).
    k = np.arange(1, successes + 1, dtype=np.float64)
    first = n * math.log1p(-rate)  # k = 0
    steps = np.log(n - k + 1) - np.log(k) + (math.log(rate) - math.log1p(-rate))
    return min(1.0, math.exp(first) + float(np.exp(first + np.cumsum(steps)).sum()))


def beta_quantile(successes: int, failures: int, q: float) -> float:
    """The q-quantile of Beta(1 + successes, 1 + failures): Newton's method on its CDF from
    the mean, falling back to bisection whenever a step would leave the bracket."""
    a, b = 1.0 + successes, 1.0 + failures
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    lo, hi, x = 0.0, 1.0, a / (a + b)
    for _ in range(100):
        error = 1.0 - p_above(successes, failures, x) - q
        if abs(error) < 1e-12 or hi - lo < 1e-12:
            break
        if error < 0:
            lo = x
        else:
            hi = x
        density = math.exp(log_norm + (a - 1) * math.log(x) + (b - 1) * math.log1p(-x))
        step = x - error / density if density > 0 else lo
        x = step if lo < step < hi else (lo + hi) / 2
    return x


def more_successes_needed(successes: int, failures: int, limit: int = 100) -> int | None:
    """How many more right answers in a row reach mastery (0: mastered already); None when
    more than `limit`. P(mastery) grows with every right answer, so bisection finds it."""
    if p_above(successes + limit, failures) < CONFIDENCE:
        return None
    lo, hi = -1, limit  # not enough at lo (none yet checked), enough at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if p_above(successes + mid, failures) >= CONFIDENCE:
            hi = mid
        else:
            lo = mid
    return hi


@functools.cache
def posterior(successes: int, failures: int) -> tuple[float, float, float, float, bool, int | None]:
    """mean, lower and upper ends of the credible interval, P(mastery), mastered, and the
    more right answers mastery needs. A function of the two counts only, which thousands
    of learner x skill rows share: each pair is worked out once."""
    a, b = PRIOR[0] + successes, PRIOR[1] + failures
    tail = (1 - INTERVAL) / 2
    p = p_above(successes, failures)
    return (
        a / (a + b),
        beta_quantile(successes, failures, tail),
        beta_quantile(successes, failures, 1 - tail),
        p,
        p >= CONFIDENCE,
        more_successes_needed(successes, failures),
    )


def answer_evidence(
    con: duckdb.DuckDBPyConnection,
    activity_skills: Mapping[str, Sequence[str]],
    tenant: str | None,
    expected_seconds: Mapping[str, float],
) -> pl.DataFrame:
    """learner, skill, id, ts, success, trusted: a row per answer and skill it is evidence
    of (twice when two of its activities name the skill: deduplicating 6 M rows cost DuckDB
    more than Polars, so `_summarise` does it); `trusted` is false for a right answer in a
    click-through AU."""
    flagged = click_through(con, tenant, expected_seconds=expected_seconds).filter(
        pl.col("flagged")
    )
    con.register("prof_skills", skills_table(activity_skills))
    con.register("prof_flagged", flagged.select("learner", "activity"))
    clause, params = tenant_filter(tenant)
    try:
        frame: pl.DataFrame = con.sql(
            f"""
WITH e AS NOT MATERIALIZED (
    SELECT actor_key AS learner, id, "timestamp" AS ts, success, competency_ids, object_id,
           parent_ids, grouping_ids
    FROM live_statements
    WHERE actor_key IS NOT NULL AND success IS NOT NULL AND verb_id = '{ANSWERED}' {clause}
), activities AS NOT MATERIALIZED (
    {each_activity("e", "learner, id, ts, success")}
), suspect AS (
    SELECT DISTINCT id FROM activities JOIN prof_flagged USING (learner, activity)
), tagged AS (
    -- an answer tagged with a skill by more than one route repeats: _summarise counts it once
    SELECT learner, id, ts, success, unnest(competency_ids) AS skill FROM e
    UNION ALL
    SELECT a.learner, a.id, a.ts, a.success, k.skill
    FROM activities AS a JOIN prof_skills AS k USING (activity)
)
SELECT learner, skill, id, ts, success,
       NOT (success AND id IN (SELECT id FROM suspect)) AS trusted
FROM tagged
""",
            params=params,
        ).pl()
    finally:
        con.unregister("prof_skills")
        con.unregister("prof_flagged")
    return frame


@collector_paused()
def proficiency(
    db: str | Path,
    catalog: Catalog,
    as_of: date | datetime,
    tenant: str | None = "default",
    roster: Roster | None = None,
    unit: str | None = None,
) -> pl.DataFrame:
    """One row per learner and skill with evidence: counts, posterior mean, the 80%
    credible interval, P(mastery), mastered, and the right answers still needed."""
    con = as_of_connection(db, as_of)
    try:
        evidence = answer_evidence(
            con, catalog.activity_skills(), tenant, catalog.expected_seconds()
        )
    finally:
        con.close()
    return _summarise(evidence, roster, unit)


def _summarise(evidence: pl.DataFrame, roster: Roster | None, unit: str | None) -> pl.DataFrame:
    counted = (
        # learner and skill as categories while deduplicating and grouping: hashed as small
        # integers, not as strings, over millions of rows
        evidence.with_columns(pl.col("learner", "skill").cast(pl.Categorical))
        .unique(["learner", "skill", "id"])
        .group_by("learner", "skill")
        .agg(
            (pl.col("success") & pl.col("trusted")).sum().cast(pl.Int64).alias("successes"),
            (~pl.col("success")).sum().cast(pl.Int64).alias("failures"),
            (~pl.col("trusted")).sum().cast(pl.Int64).alias("untrusted"),
            pl.col("ts").max().alias("last_at"),
            pl.col("id").sort_by("ts", "id").alias("statement_ids"),
        )
        .with_columns(pl.col("learner", "skill").cast(pl.String))
        .sort("learner", "skill")
    )
    stats = pl.DataFrame(
        [posterior(s, f) for s, f in counted.select("successes", "failures").rows()],
        schema={
            "mean": pl.Float64,
            "lower": pl.Float64,
            "upper": pl.Float64,
            "p_mastery": pl.Float64,
            "mastered": pl.Boolean,
            "more_successes_needed": pl.Int64,
        },
        orient="row",
    )
    out = pl.concat([counted, stats], how="horizontal").with_columns(
        (pl.col("successes") + pl.col("failures")).alias("evidence")
    )
    if roster is not None:
        out = (
            roster.frame()
            .select("learner", "name", "unit", "role")
            .join(out, on="learner", how="inner")
        )
        if unit is not None:
            out = out.filter(pl.col("unit") == unit)
    return out.select(
        *(c for c in ("learner", "name", "unit", "role") if c in out.columns),
        "skill",
        "evidence",
        "successes",
        "failures",
        "untrusted",
        "mean",
        "lower",
        "upper",
        "p_mastery",
        "mastered",
        "more_successes_needed",
        "last_at",
        "statement_ids",
    )


def near_ready(frame: pl.DataFrame, skill: str, limit: int | None = None) -> pl.DataFrame:
    """Learners closest to mastering `skill` (from a `proficiency` frame) who have not yet:
    fewest right answers still needed first, then the highest P(mastery)."""
    out = frame.filter((pl.col("skill") == skill) & ~pl.col("mastered")).sort(
        ["more_successes_needed", "p_mastery"], descending=[False, True], nulls_last=True
    )
    return out.head(limit) if limit is not None else out


@collector_paused()
def test_out_candidates(
    db: str | Path,
    catalog: Catalog,
    roster: Roster,
    as_of: date | datetime,
    tenant: str | None = "default",
    unit: str | None = None,
    frame: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Learners who master every skill of a requirement of theirs that they have not
    completed: each a suggested cmi5 `waived` with reason "Tested Out". The skills of a
    requirement are its own, its questions', and those of its parts (catalog activities
    seen with it as parent or grouping)."""
    if frame is None:
        frame = proficiency(db, catalog, as_of, tenant, roster, unit)
    requirements = [a.id for a in catalog.activities if a.required]
    con = as_of_connection(db, as_of)
    try:
        evidence = activity_evidence(con, catalog, tenant)
    finally:
        con.close()
    by_id = {a.id: a for a in catalog.activities}
    parts = parts_of(evidence, catalog)
    skills_of: dict[str, set[str]] = {}
    for r in requirements:
        named: set[str] = set()
        for a in (r, *parts.get(r, {})):
            named.update(by_id[a].skills)
            for skills in by_id[a].questions.values():
                named.update(skills)
        skills_of[r] = named
    done = {
        (learner, requirement)
        for learner, requirement, activity, done_at in evidence.select(
            "learner", "requirement", "activity", "done_at"
        ).rows()
        if activity == requirement and done_at is not None
    }
    mastered: dict[str, set[str]] = {}
    for learner, skill in frame.filter(pl.col("mastered")).select("learner", "skill").rows():
        mastered.setdefault(learner, set()).add(skill)
    assignments = catalog.assignments(roster)
    if unit is not None:
        assignments = assignments.filter(pl.col("unit") == unit)
    rows = []
    for learner, unit_name, role, activity, due in assignments.rows():
        needed = skills_of.get(activity, set())
        if not needed or (learner, activity) in done:
            continue
        if needed <= mastered.get(learner, set()):
            rows.append(
                (
                    learner,
                    unit_name,
                    role,
                    activity,
                    due,
                    sorted(needed),
                    WAIVED,
                    TESTED_OUT,
                    f"masters {', '.join(sorted(needed))} "
                    f"(P(rate >= {MASTERY_RATE:.0%}) >= {CONFIDENCE:.0%} each) "
                    "before completing it",
                )
            )
    return pl.DataFrame(
        rows,
        schema={
            "learner": pl.String,
            "unit": pl.String,
            "role": pl.String,
            "activity": pl.String,
            "due": pl.Date,
            "skills": pl.List(pl.String),
            "verb": pl.String,
            "reason": pl.String,
            "why": pl.String,
        },
        orient="row",
    )
