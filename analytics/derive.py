"""Derived learning metrics over the analytics file: DuckDB SQL, returned as Polars frames.

Time-on-task (per learner and activity, rolled up to every ancestor through
contextActivities parent and grouping) is the length of the union of time intervals, so
overlapping evidence is never counted twice and neither arrival order nor duplicates change
it. Intervals come from three sources, in order of trust:

1. cmi5 sessions: a `terminated` or `abandoned` statement with a session id and a
   `result.duration` spans [timestamp - duration, timestamp]. Every other statement of that
   session then adds nothing: the AU itself measured the session.
2. `result.duration` of any other statement: [timestamp - duration, timestamp].
3. Gaps: a statement without a duration extends the learner's time from the previous
   statement of the same registration (statements without one form one stream per learner)
   when the gap is at most the idle cut-off (default 30 minutes, the usual web-analytics
   session timeout: a longer silence means the learner left).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from analytics.db import connect

ADL = "http://adlnet.gov/expapi/verbs/"
TERMINATED = ADL + "terminated"
ABANDONED = "https://w3id.org/xapi/adl/verbs/abandoned"
COMPLETED = ADL + "completed"
PASSED = ADL + "passed"

IDLE_CUTOFF_S = 1800.0
CLICK_THROUGH_RATIO = 0.25
MIN_COHORT = 5


def _tenant_filter(tenant: str | None) -> tuple[str, list[object]]:
    return ("AND tenant = ?", [tenant]) if tenant is not None else ("", [])


def _intervals_sql(tenant_clause: str) -> str:
    return f"""
WITH s AS (
    SELECT tenant, actor_key, id, epoch_us("timestamp") AS ts, verb_id, object_id,
           coalesce(registration, '') AS registration, session_id, duration_s,
           list_distinct(list_concat(parent_ids, grouping_ids)) AS ancestors
    FROM live_statements
    WHERE actor_key IS NOT NULL AND "timestamp" IS NOT NULL AND object_type = 'Activity'
          {tenant_clause}
), cmi5 AS (
    SELECT tenant, actor_key, session_id, object_id, ancestors,
           ts - CAST(round(duration_s * 1e6) AS BIGINT) AS start_us, ts AS end_us,
           'cmi5 session' AS source
    FROM s
    WHERE session_id IS NOT NULL AND verb_id IN ('{TERMINATED}', '{ABANDONED}')
          AND duration_s > 0
), rest AS (
    SELECT * FROM s
    WHERE NOT EXISTS (
        SELECT 1 FROM cmi5 AS c
        WHERE c.tenant = s.tenant AND c.actor_key = s.actor_key
              AND c.session_id = s.session_id
    )
), own AS (
    SELECT tenant, actor_key, object_id, ancestors,
           ts - CAST(round(duration_s * 1e6) AS BIGINT) AS start_us, ts AS end_us,
           'result.duration' AS source
    FROM rest WHERE duration_s > 0
), streams AS (
    SELECT *, lag(ts) OVER (
        PARTITION BY tenant, actor_key, registration ORDER BY ts, id
    ) AS previous_us
    FROM rest
), gaps AS (
    SELECT tenant, actor_key, object_id, ancestors, previous_us AS start_us, ts AS end_us,
           'gap' AS source
    FROM streams
    WHERE (duration_s IS NULL OR duration_s = 0) AND previous_us IS NOT NULL
          AND ts - previous_us <= $idle_us AND ts > previous_us
), intervals AS (
    SELECT tenant, actor_key, object_id, ancestors, start_us, end_us, source FROM cmi5
    UNION ALL SELECT * FROM own
    UNION ALL SELECT * FROM gaps
), exploded AS (
    SELECT tenant, actor_key AS learner,
           unnest(list_distinct(list_prepend(object_id, ancestors))) AS activity,
           start_us, end_us, source
    FROM intervals
), ordered AS (
    SELECT *, max(end_us) OVER (
        PARTITION BY tenant, learner, activity ORDER BY start_us, end_us
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS reach
    FROM exploded
), numbered AS (
    SELECT *, sum(CASE WHEN reach IS NULL OR start_us > reach THEN 1 ELSE 0 END) OVER (
        PARTITION BY tenant, learner, activity ORDER BY start_us, end_us
        ROWS UNBOUNDED PRECEDING
    ) AS island
    FROM ordered
), merged AS (
    SELECT tenant, learner, activity, island, min(start_us) AS start_us,
           max(end_us) AS end_us, list_distinct(list(source)) AS sources
    FROM numbered GROUP BY ALL
)
SELECT tenant, learner, activity,
       sum(end_us - start_us) / 1e6 AS seconds,
       count(*)::BIGINT AS spans,
       list_sort(list_distinct(flatten(list(sources)))) AS sources,
       make_timestamp(min(start_us)) AS first,
       make_timestamp(max(end_us)) AS last
FROM merged
GROUP BY tenant, learner, activity
"""


def _open(db: str | Path | duckdb.DuckDBPyConnection) -> tuple[duckdb.DuckDBPyConnection, bool]:
    if isinstance(db, duckdb.DuckDBPyConnection):
        return db, False
    return connect(db), True


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: object) -> pl.DataFrame:
    frame: pl.DataFrame = con.sql(sql, params=params).pl()
    return frame


def time_on_task(
    db: str | Path | duckdb.DuckDBPyConnection,
    tenant: str | None = None,
    idle_cutoff_s: float = IDLE_CUTOFF_S,
) -> pl.DataFrame:
    """Seconds per learner and activity (and every ancestor activity), with how many
    disjoint spans they come from, the sources used, and the first and last moment."""
    con, owned = _open(db)
    try:
        clause, params = _tenant_filter(tenant)
        sql = _intervals_sql(clause.replace("?", "$tenant")) + " ORDER BY ALL"
        named: dict[str, object] = {"idle_us": int(idle_cutoff_s * 1e6)}
        if params:
            named["tenant"] = params[0]
        return _frame(con, sql, named)
    finally:
        if owned:
            con.close()


def _catalog_table(expected: Mapping[str, float]) -> pa.Table:
    return pa.table(
        {
            "activity": pa.array(list(expected), pa.string()),
            "expected_seconds": pa.array(list(expected.values()), pa.float64()),
        }
    )


def click_through(
    db: str | Path | duckdb.DuckDBPyConnection,
    tenant: str | None = None,
    expected_seconds: Mapping[str, float] | None = None,
    ratio: float = CLICK_THROUGH_RATIO,
    min_cohort: int = MIN_COHORT,
    idle_cutoff_s: float = IDLE_CUTOFF_S,
) -> pl.DataFrame:
    """One row per learner and activity they completed (or passed): flagged when their
    time-on-task is below `ratio` of the expected duration.

    The expected duration is the catalog's (`expected_seconds`), else the median time of
    the cohort of learners who completed it, when at least `min_cohort` did (a median of
    fewer says little). The default ratio, a quarter, flags someone who went four times as
    fast as the typical learner: faster than anyone can read the content.
    """
    con, owned = _open(db)
    try:
        clause, params = _tenant_filter(tenant)
        clause = clause.replace("?", "$tenant")
        named: dict[str, object] = {
            "idle_us": int(idle_cutoff_s * 1e6),
            "ratio": ratio,
            "min_cohort": min_cohort,
        }
        if params:
            named["tenant"] = params[0]
        con.register("catalog_expected", _catalog_table(expected_seconds or {}))
        sql = f"""
WITH tot AS ({_intervals_sql(clause)}),
done AS (
    SELECT tenant, actor_key AS learner, object_id AS activity,
           min("timestamp") AS completed_at
    FROM live_statements
    WHERE actor_key IS NOT NULL AND object_type = 'Activity'
          AND (verb_id IN ('{COMPLETED}', '{PASSED}') OR completion) {clause}
    GROUP BY ALL
), timed AS (
    SELECT d.*, coalesce(t.seconds, 0) AS seconds FROM done AS d
    LEFT JOIN tot AS t USING (tenant, learner, activity)
), cohort AS (
    SELECT tenant, activity, median(seconds) AS median_seconds, count(*) AS learners
    FROM timed GROUP BY ALL
), judged AS (
    SELECT t.*, c.learners,
        CASE WHEN k.expected_seconds IS NOT NULL THEN k.expected_seconds
             WHEN c.learners >= $min_cohort THEN c.median_seconds END AS expected_seconds,
        CASE WHEN k.expected_seconds IS NOT NULL THEN 'catalog'
             WHEN c.learners >= $min_cohort
                 THEN 'cohort median of ' || c.learners || ' learners' END AS expected_from
    FROM timed AS t
    JOIN cohort AS c USING (tenant, activity)
    LEFT JOIN catalog_expected AS k USING (activity)
)
SELECT tenant, learner, activity, completed_at, seconds, expected_seconds, expected_from,
    CASE WHEN expected_seconds > 0 THEN seconds / expected_seconds END AS ratio,
    coalesce(expected_seconds > 0 AND seconds < $ratio * expected_seconds, false) AS flagged,
    CASE
        WHEN expected_seconds IS NULL THEN printf(
            'not judged: no catalog duration and only %d learner(s) completed it (need %d)',
            learners, $min_cohort)
        WHEN expected_seconds <= 0 THEN 'not judged: expected duration is 0'
        ELSE printf('%s in %.0f s, %.0f%% of the expected %.0f s (%s); threshold %.0f%%',
            CASE WHEN seconds < $ratio * expected_seconds
                 THEN 'click-through: completed' ELSE 'completed' END,
            seconds, 100 * seconds / expected_seconds, expected_seconds, expected_from,
            100 * $ratio)
    END AS reason
FROM judged
ORDER BY ALL
"""
        return _frame(con, sql, named)
    finally:
        con.unregister("catalog_expected")
        if owned:
            con.close()


def skills(
    db: str | Path | duckdb.DuckDBPyConnection,
    tenant: str | None = None,
    activity_skills: Mapping[str, Sequence[str]] | None = None,
    as_of: datetime | None = None,
) -> pl.DataFrame:
    """Evidence per learner and skill, from statements with a `result.success`.

    A statement is evidence of a skill when a context category/other activity is a
    competency (its definition type ends in /competency or /objective), or when the
    catalog (`activity_skills`) maps its object or one of its parent/grouping activities
    to that skill. Recency is days from the last evidence to `as_of` (default: the latest
    `stored` in the file, so that figures do not drift with the clock).
    """
    con, owned = _open(db)
    try:
        clause, params = _tenant_filter(tenant)
        clause = clause.replace("?", "$tenant")
        named: dict[str, object] = {"as_of": as_of}
        if params:
            named["tenant"] = params[0]
        pairs = [(a, s) for a, names in (activity_skills or {}).items() for s in names]
        con.register(
            "catalog_skills",
            pa.table(
                {
                    "activity": pa.array([a for a, _ in pairs], pa.string()),
                    "skill": pa.array([s for _, s in pairs], pa.string()),
                }
            ),
        )
        sql = f"""
WITH e AS (
    SELECT tenant, actor_key AS learner, id, "timestamp" AS ts, success, competency_ids,
           list_distinct(list_prepend(object_id, list_concat(parent_ids, grouping_ids)))
               AS related
    FROM live_statements
    WHERE actor_key IS NOT NULL AND success IS NOT NULL {clause}
), tagged AS (
    SELECT tenant, learner, id, ts, success, unnest(competency_ids) AS skill FROM e
    UNION
    SELECT e.tenant, e.learner, e.id, e.ts, e.success, k.skill
    FROM (SELECT tenant, learner, id, ts, success, unnest(related) AS activity FROM e) AS e
    JOIN catalog_skills AS k USING (activity)
), reference AS (
    SELECT coalesce($as_of::TIMESTAMP, (SELECT max(stored) FROM statements)) AS at
)
SELECT tenant, learner, skill,
       count(*)::BIGINT AS evidence,
       count(*) FILTER (WHERE success)::BIGINT AS successes,
       count(*) FILTER (WHERE success) / count(*) AS success_rate,
       min(ts) AS first_at, max(ts) AS last_at,
       date_diff('second', max(ts), any_value(reference.at)) / 86400.0 AS days_since_last,
       list(id ORDER BY ts, id) AS statement_ids
FROM tagged, reference
GROUP BY tenant, learner, skill
ORDER BY tenant, learner, skill
"""
        return _frame(con, sql, named)
    finally:
        con.unregister("catalog_skills")
        if owned:
            con.close()
