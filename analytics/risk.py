"""Compliance risk per learner and requirement, and per unit, on an as-of date.

A transparent weighted-factor model: each factor is a number from 0 (no risk) to 1 (the
most risk it can signal), multiplied by its weight in points; the weights sum to 100, so
the score is the sum of the contributions and every point of it can be traced to a factor.
A requirement that is genuinely complete (or waived) scores 0: nothing is left to do.

| factor | weight | value |
|---|---|---|
| progress | 25 | 1 if not started; 1 - the share of its expected work credibly done |
| deadline | 35 | 1 overdue; else 1 - slack / 21 days, where slack = days left - days the remaining work needs at 30 min a day |
| inactivity | 15 | days since the learner's last statement (any activity) / 14, at most 1; 1 if never seen |
| time-on-task | 10 | 1 - time spent / expected duration, at least 0 |
| click-through | 10 | 1 if a completion of it (or of one of its parts) was far faster than the content can be read |
| past lateness | 5 | share of the learner's other requirements due before the as-of date that were late or are still open |

Why these weights: the deadline (35) is what makes an open requirement urgent, and
progress (25) is how much is still open; together they are 60 points, so a learner who has
not started and has no slack left is critical whatever else is true. Inactivity (15) tells
an engaged learner who simply has not reached this course yet from one who has stopped
(14 days: two rota cycles of a week). Time-on-task (10) and click-through (10) weigh the
quality of the work done so far: a click-through completion is not done, and it is a sign
of a learner who is rushing; past lateness (5) is weak evidence about the person, kept
small so that one old delay does not condemn anyone. 30 minutes a day is the learning
time a clinician can find on a normal shift; 21 days is about as far ahead as a rota is
planned, so the time within which protected time can still be scheduled.

Levels: critical at 65 or more, warning at 40 or more, else on track. A learner who has not
started 10 days before the due date scores about 70 (critical); one who has not started a
course 40 days ahead but was active yesterday scores about 36 (on track). Actions:
critical -> alert the unit's leadership with a protected-time suggestion (the remaining
expected work, before the due date); warning -> push micro-learning to the learner; on
track -> no action.

The as-of date is the end of that day (UTC): statements with a `timestamp` after it are
ignored, so the figures are what the evidence said on that day. Voiding is as of now: a
statement voided since does not count (it was retracted).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from analytics.catalog import Catalog, Roster
from analytics.collector import collector_paused
from analytics.db import VIEW, announce
from analytics.derive import click_through, each_activity, tenant_filter, time_on_task
from lrs.xapi.facts import DONE_VERBS, WAIVED

WEIGHTS: dict[str, float] = {
    "progress": 25.0,
    "deadline": 35.0,
    "inactivity": 15.0,
    "time_on_task": 10.0,
    "click_through": 10.0,
    "lateness": 5.0,
}
LEARNING_SECONDS_PER_DAY = 1800.0  # what a clinician can find on a normal shift
PLANNING_WINDOW_DAYS = 21.0  # how far ahead a rota (and protected time) is planned
INACTIVE_DAYS = 14.0  # two weekly rota cycles without a statement: fully inactive
CRITICAL = 65.0
WARNING = 40.0

ON_TRACK, WARN, CRIT = "on track", "warning", "critical"
ACTION_ALERT = "alert unit leadership"
ACTION_PUSH = "push micro-learning"
ACTION_NONE = "no action"


# --------------------------------------------------------------------------- as-of data


def as_of_moment(as_of: date | datetime) -> datetime:
    """The (naive UTC) moment the evidence stops: the end of an as-of date, or the given
    moment (an aware one converted to UTC)."""
    if isinstance(as_of, datetime):
        if as_of.tzinfo is not None:
            as_of = as_of.astimezone(UTC).replace(tzinfo=None)
        return as_of
    return datetime.combine(as_of + timedelta(days=1), time(0))


def as_of_date(as_of: date | datetime) -> date:
    return as_of_moment(as_of).date() if isinstance(as_of, datetime) else as_of


def as_of_connection(db: str | Path, as_of: date | datetime) -> duckdb.DuckDBPyConnection:
    """An in-memory connection whose `statements` and `live_statements` are the analytics
    file's, cut at the as-of moment (the derive functions read them by those names)."""
    moment = as_of_moment(as_of)
    con = announce(duckdb.connect())
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    path = str(db).replace("'", "''")
    con.execute(f"ATTACH '{path}' AS src (READ_ONLY)")
    cut = f"\"timestamp\" < TIMESTAMP '{moment.isoformat(sep=' ')}'"
    con.execute(f"CREATE VIEW statements AS SELECT * FROM src.statements WHERE {cut}")
    con.execute(VIEW)  # the file's live_statements, over the cut statements
    return con


def _strings_table(name: str, values: Iterable[str]) -> pa.Table:
    return pa.table({name: pa.array(sorted(set(values)), pa.string())})


def activity_evidence(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, tenant: str | None
) -> pl.DataFrame:
    """learner, requirement, activity, done_at, done_id, waiver_id: per learner and required
    activity, the activities that can decide its state (itself, and those with it as parent
    or grouping that were completed or are timed parts in the catalog), each with its first
    completion (completed, passed, satisfied, waived or result.completion) and the ids of
    its first completion and first waiver (ties broken by the smaller id). A requirement
    with other evidence only (e.g. answers) has one row of it, which says it was started."""
    clause, params = tenant_filter(tenant)
    required = [a.id for a in catalog.activities if a.required]
    con.register("risk_requirements", _strings_table("requirement", required))
    con.register("risk_parts", _strings_table("activity", _timed_parts(catalog)))
    done = ", ".join(f"'{v}'" for v in DONE_VERBS)
    try:
        frame: pl.DataFrame = con.sql(
            f"""
WITH own AS (
    -- per learner and activity first, so that each statement is not unnested and joined
    SELECT actor_key AS learner, object_id AS activity, parent_ids, grouping_ids,
           min("timestamp") FILTER (WHERE is_done) AS done_at,
           arg_min(id, ("timestamp", id)) FILTER (WHERE is_done) AS done_id,
           min("timestamp") FILTER (WHERE verb_id = '{WAIVED}') AS waiver_at,
           arg_min(id, ("timestamp", id)) FILTER (WHERE verb_id = '{WAIVED}') AS waiver_id
    FROM (
        SELECT *, verb_id IN ({done}) OR coalesce(completion, false) AS is_done
        FROM live_statements
        WHERE actor_key IS NOT NULL AND object_type = 'Activity' AND "timestamp" IS NOT NULL
              {clause}
    )
    GROUP BY ALL
), t AS (
    -- the activity itself, its parents and its groupings (a repeat changes no aggregate)
    {each_activity("own", "*", name="requirement", own="activity")}
), found AS (
    SELECT learner, requirement, activity, min(done_at) AS done_at,
           arg_min(done_id, (done_at, done_id)) FILTER (WHERE done_id IS NOT NULL) AS done_id,
           arg_min(waiver_id, (waiver_at, waiver_id)) FILTER (WHERE waiver_id IS NOT NULL)
               AS waiver_id
    FROM t JOIN risk_requirements USING (requirement)
    GROUP BY ALL
)
SELECT * FROM found
QUALIFY activity = requirement OR done_at IS NOT NULL
        OR activity IN (SELECT activity FROM risk_parts)
        OR row_number() OVER (PARTITION BY learner, requirement ORDER BY activity) = 1
ORDER BY ALL
""",
            params=params or None,
        ).pl()
    finally:
        con.unregister("risk_requirements")
        con.unregister("risk_parts")
    return frame


def last_seen(con: duckdb.DuckDBPyConnection, tenant: str | None) -> dict[str, datetime]:
    clause, params = tenant_filter(tenant)
    rows = con.sql(
        f"""SELECT actor_key, max("timestamp") FROM live_statements
            WHERE actor_key IS NOT NULL {clause} GROUP BY 1""",
        params=params or None,
    ).fetchall()
    return {learner: at for learner, at in rows}


def _timed_parts(catalog: Catalog) -> dict[str, float]:
    """The catalog activities that can be parts of a requirement: those not required
    themselves, with an expected duration."""
    return {
        a.id: a.expected_seconds
        for a in catalog.activities
        if a.expected_seconds is not None and not a.required
    }


def parts_of(evidence: pl.DataFrame, catalog: Catalog) -> dict[str, dict[str, float]]:
    """Requirement -> {part: expected seconds}: the catalog activities with an expected
    duration seen (by anyone) with the requirement as their parent or grouping."""
    timed = _timed_parts(catalog)
    out: dict[str, dict[str, float]] = {}
    pairs = (
        evidence.filter(pl.col("activity") != pl.col("requirement"))
        .select("requirement", "activity")
        .unique()
        .rows()
    )
    for requirement, activity in pairs:
        if activity in timed:
            out.setdefault(requirement, {})[activity] = timed[activity]
    return out


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Factor:
    name: str
    value: float  # 0..1
    words: str

    @functools.cached_property  # read for the score, the points and the explanation
    def points(self) -> float:
        return WEIGHTS[self.name] * min(max(self.value, 0.0), 1.0)


@dataclass
class _State:
    """What the evidence says about one learner and one requirement."""

    status: str  # complete, waived, click-through, in progress, not started
    done_at: datetime | None
    fraction: float  # share of the expected work credibly done
    seconds: float  # time on task
    expected: float | None
    last_at: datetime | None  # the learner's last statement anywhere
    flag_reason: str | None


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


def factors(
    state: _State, due: date, today: date, moment: datetime, lateness: tuple[int, int]
) -> list[Factor]:
    """The six factors of an open requirement, each with its reason in words and numbers."""
    out: list[Factor] = []
    if state.status == "not started":
        out.append(Factor("progress", 1.0, "not started: no statement on it or its parts"))
    else:
        label = "click-through completion, not counted as done; " if state.flag_reason else ""
        out.append(
            Factor(
                "progress",
                1.0 - state.fraction,
                f"{label}{state.fraction:.0%} of its expected work credibly done",
            )
        )
    days_left = (due - today).days
    remaining = (state.expected or 0.0) * (1.0 - state.fraction)
    need = remaining / LEARNING_SECONDS_PER_DAY
    if days_left < 0:
        out.append(Factor("deadline", 1.0, f"overdue by {-days_left} days (due {due})"))
    else:
        slack = days_left - need
        work = (
            f"{_minutes(remaining)} of remaining work ({need:.1f} days at "
            f"{LEARNING_SECONDS_PER_DAY / 60:.0f} min a day)"
            if state.expected is not None
            else "no expected duration in the catalog"
        )
        out.append(
            Factor(
                "deadline",
                1.0 - slack / PLANNING_WINDOW_DAYS,
                f"{days_left} days left to {due} for {work}: {slack:.1f} days of slack "
                f"in a {PLANNING_WINDOW_DAYS:.0f}-day planning window",
            )
        )
    if state.last_at is None:
        out.append(Factor("inactivity", 1.0, "no statement from the learner at all"))
    else:
        idle = (moment - state.last_at).total_seconds() / 86400
        out.append(
            Factor(
                "inactivity",
                idle / INACTIVE_DAYS,
                f"last statement {idle:.1f} days ago (fully inactive at {INACTIVE_DAYS:.0f})",
            )
        )
    if state.expected:
        ratio = state.seconds / state.expected
        out.append(
            Factor(
                "time_on_task",
                1.0 - ratio,
                f"{_minutes(state.seconds)} on task of {_minutes(state.expected)} expected "
                f"({ratio:.0%})",
            )
        )
    else:
        out.append(Factor("time_on_task", 0.0, "no expected duration to compare with"))
    out.append(
        Factor("click_through", 1.0, state.flag_reason)
        if state.flag_reason
        else Factor("click_through", 0.0, "no click-through")
    )
    late, due_before = lateness
    out.append(
        Factor("lateness", late / due_before, f"{late} of {due_before} earlier requirements late")
        if due_before
        else Factor("lateness", 0.0, "no earlier requirement to judge")
    )
    return out


def level_of(score: float) -> str:
    return CRIT if score >= CRITICAL else WARN if score >= WARNING else ON_TRACK


def _action(level: str, unit: str, state: _State, due: date, today: date) -> tuple[str, str]:
    if level == CRIT:
        remaining = max((state.expected or 0.0) * (1.0 - state.fraction), 0.0)
        days_left = (due - today).days
        when = f"before {due}" if days_left >= 0 else f"at once (overdue since {due})"
        if state.expected:
            minutes = max(15, math.ceil(remaining / 60 / 15) * 15)
            time_words = f"{minutes} min of protected time"
        else:
            time_words = "protected time"
        return ACTION_ALERT, (f"alert {unit} leadership: give {time_words} {when} to complete it")
    if level == WARN:
        if state.flag_reason:
            what = "redo the part completed too fast"
        elif state.status == "not started":
            what = "start with a short first module"
        else:
            what = "resume where they stopped"
        return ACTION_PUSH, f"push micro-learning to the learner: a reminder to {what}"
    return ACTION_NONE, "no action"


SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "learner": pl.String,
    "name": pl.String,
    "unit": pl.String,
    "role": pl.String,
    "activity": pl.String,
    "activity_name": pl.String,
    "due": pl.Date,
    "as_of": pl.Date,
    "days_left": pl.Int64,
    "status": pl.String,
    "completed_at": pl.Datetime("us"),
    "progress": pl.Float64,
    "seconds": pl.Float64,
    "expected_seconds": pl.Float64,
    "last_active_at": pl.Datetime("us"),
    "click_through": pl.Boolean,
    **{f"{name}_points": pl.Float64 for name in WEIGHTS},
    "score": pl.Float64,
    "level": pl.String,
    "explanation": pl.String,
    "action": pl.String,
    "recommended_action": pl.String,
}


@dataclass(frozen=True)
class Requirement:
    """One requirement of one learner on the roster, and what the evidence says of it."""

    learner: str
    unit: str
    role: str
    activity: str
    due: date
    state: _State


def requirement_states(
    db: str | Path,
    catalog: Catalog,
    roster: Roster,
    as_of: date | datetime,
    tenant: str | None = "default",
    unit: str | None = None,
    evidence: pl.DataFrame | None = None,
) -> list[Requirement]:
    """Each requirement of each learner on the roster (in `unit`, when given) with its state
    on the as-of date. `evidence`: the `activity_evidence` of the same data, when the
    caller has it already."""
    expected = {a.id: a.expected_seconds for a in catalog.activities}
    con = as_of_connection(db, as_of)
    try:
        if evidence is None:
            evidence = activity_evidence(con, catalog, tenant)
        seen = last_seen(con, tenant)
        tot = time_on_task(con, tenant)
        flagged = click_through(
            con, tenant, expected_seconds=catalog.expected_seconds(), seconds=tot
        ).filter(pl.col("flagged"))
    finally:
        con.close()
    parts = parts_of(evidence, catalog)
    flags = {(r["learner"], r["activity"]): r["reason"] for r in flagged.iter_rows(named=True)}
    required = [a.id for a in catalog.activities if a.required]
    seconds = {
        (learner, activity): s
        for learner, activity, s in tot.filter(pl.col("activity").is_in(required))
        .select("learner", "activity", "seconds")
        .rows()
    }
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for learner, requirement, activity, done_at, _, waiver_id in evidence.iter_rows():
        grouped.setdefault((learner, requirement), []).append(
            {"activity": activity, "done_at": done_at, "waived": waiver_id is not None}
        )
    return [
        Requirement(
            learner,
            unit_name,
            role,
            activity,
            due,
            _state(
                grouped.get((learner, activity), []),
                parts.get(activity, {}),
                flags,
                expected[activity],
                learner,
                activity,
                seconds.get((learner, activity), 0.0),
                seen.get(learner),
            ),
        )
        for learner, unit_name, role, activity, due in catalog.assignments(roster).rows()
        if unit is None or unit_name == unit
    ]


@collector_paused()
def risk(
    db: str | Path,
    catalog: Catalog,
    roster: Roster,
    as_of: date | datetime,
    tenant: str | None = "default",
    unit: str | None = None,
    evidence: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per learner on the roster and requirement of theirs: status, each factor's
    points, the score (0-100), the level, the explanation and the recommended action.
    `evidence`: the `activity_evidence` of the same data, when the caller has it already."""
    moment, today = as_of_moment(as_of), as_of_date(as_of)
    requirements = requirement_states(db, catalog, roster, as_of, tenant, unit, evidence)
    by_id = {a.id: a for a in catalog.activities}
    # Past lateness looks at the learner's other requirements: all in the list, since a
    # learner is on the roster once, in one unit.
    mine: dict[str, list[Requirement]] = {}
    for r in requirements:
        mine.setdefault(r.learner, []).append(r)
    people = {p.key: p for p in roster.learners}

    records: list[tuple[Any, ...]] = []  # in SCHEMA's order
    for r in requirements:
        learner, activity, due, state = r.learner, r.activity, r.due, r.state
        if state.status in ("complete", "waived"):
            assert state.done_at is not None
            late = " (after the due date)" if state.done_at.date() > due else ""
            points = dict.fromkeys(WEIGHTS, 0.0)
            score = 0.0
            explanation = (
                f"on track (0/100): {state.status} on {state.done_at:%Y-%m-%d %H:%M}{late}; "
                "nothing left to do"
            )
        else:
            earlier = [o for o in mine[learner] if o.activity != activity and o.due < today]
            late_count = sum(
                1 for o in earlier if o.state.done_at is None or o.state.done_at.date() > o.due
            )
            found = factors(state, due, today, moment, (late_count, len(earlier)))
            points = {f.name: round(f.points, 1) for f in found}
            score = round(sum(f.points for f in found), 1)
            level = level_of(score)
            explanation = f"{level} ({score:.1f}/100): " + "; ".join(
                f"{f.words} (+{f.points:.1f} of {WEIGHTS[f.name]:.0f}, {f.name.replace('_', '-')})"
                for f in found
            )
        level = level_of(score)
        action, text = _action(level, r.unit, state, due, today)
        records.append(
            (
                learner,
                people[learner].name,
                r.unit,
                r.role,
                activity,
                by_id[activity].name,
                due,
                today,
                (due - today).days,
                state.status,
                state.done_at,
                state.fraction,
                state.seconds,
                state.expected,
                state.last_at,
                state.flag_reason is not None,
                *(points[name] for name in WEIGHTS),
                score,
                level,
                explanation,
                action,
                text,
            )
        )
    return (
        pl.DataFrame(records, schema=SCHEMA, orient="row")
        if records
        else pl.DataFrame(schema=SCHEMA)
    )


def _state(
    rows: list[dict[str, Any]],
    known: dict[str, float],
    flags: dict[tuple[str, str], str],
    own_expected: float | None,
    learner: str,
    activity: str,
    seconds: float,
    last_at: datetime | None,
) -> _State:
    """The status of one requirement of one learner from its evidence `rows` (the
    requirement itself and its parts), the parts `known` (with their expected seconds) and
    the click-through `flags`. A click-through completion of the requirement or of any of
    its parts leaves it open: it counts as a risk, not as done."""
    own = next((r for r in rows if r["activity"] == activity), None)
    reason = next(
        (flags[(learner, r["activity"])] for r in rows if (learner, r["activity"]) in flags),
        None,
    )
    credible = {
        r["activity"]
        for r in rows
        if r["activity"] in known
        and r["done_at"] is not None
        and (learner, r["activity"]) not in flags
    }
    total = sum(known.values())
    fraction = sum(known[a] for a in credible) / total if total > 0 else 0.0
    expected = own_expected or total or None
    done_at: datetime | None = None
    if own is not None and own["waived"]:
        status, done_at = "waived", own["done_at"]
    elif reason is None and own is not None and own["done_at"] is not None:
        status, done_at = "complete", own["done_at"]
    elif reason is None and known and len(credible) == len(known):
        status = "complete"
        done_at = max(r["done_at"] for r in rows if r["activity"] in credible)
    elif reason is not None and any(r["done_at"] is not None for r in rows):
        status = "click-through"
    elif rows:
        status = "in progress"
    else:
        status = "not started"
    if status in ("complete", "waived"):
        fraction = 1.0
    return _State(status, done_at, fraction, seconds, expected, last_at, reason)


def unit_risk(frame: pl.DataFrame) -> pl.DataFrame:
    """Per unit and requirement: how many learners, complete, critical, warning, on track,
    the mean and maximum score, and the unit's recommended action."""
    return (
        frame.group_by("unit", "activity", "due")
        .agg(
            pl.len().alias("learners"),
            pl.col("status").is_in(["complete", "waived"]).sum().alias("complete"),
            (pl.col("level") == CRIT).sum().alias("critical"),
            (pl.col("level") == WARN).sum().alias("warning"),
            (pl.col("level") == ON_TRACK).sum().alias("on_track"),
            pl.col("score").mean().round(1).alias("mean_score"),
            pl.col("score").max().alias("max_score"),
        )
        .with_columns(
            pl.when(pl.col("critical") > 0)
            .then(
                pl.format(
                    "alert {} leadership: {} learner(s) critical; give them protected time",
                    pl.col("unit"),
                    pl.col("critical"),
                )
            )
            .when(pl.col("warning") > 0)
            .then(pl.format("push micro-learning to {} learner(s)", pl.col("warning")))
            .otherwise(pl.lit("no action"))
            .alias("recommended_action")
        )
        .sort("unit", "due", "activity")
    )
