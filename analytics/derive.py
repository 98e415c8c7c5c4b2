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

Click-through is judged per learner and activity they completed (`completed`, `passed`,
cmi5 `satisfied`, or `result.completion`), over the activity and everything under it, on
three signals; each row says in words and numbers why it is or is not flagged:

- **Time**: time-on-task below a quarter of the expected duration (the catalog's, else the
  median of the learners who completed it when at least 5 did: a median of fewer says
  little). A quarter is four times faster than the typical learner: faster than the
  content can be read.
- **Answers**: the time per `answered` statement is its `result.duration`, else the gap
  from the previous statement of the same attempt (the cmi5 session, else the
  registration). An attempt is fast when more than half of its answers, and at least 3,
  took under 3 seconds. Reading a clinical multiple-choice question (a stem and four
  options, some 50-80 words) takes 15-25 s at ordinary reading speed and still 5-8 s
  skimming; pointing and clicking alone takes about a second. Under 3 s the question was
  not read: the answer is a guess or a pattern. One such answer is a slip; most of an
  attempt is a habit, hence the majority rule, and the minimum of 3 keeps a one-question
  check from deciding it.
- **Video** (the xAPI video profile, https://w3id.org/xapi/video): coverage is the union
  of the `played-segments` a learner's statements report (`from[.]to` pairs joined by
  `[,]`, cumulative per registration; all of them are merged, so order and duplicates do
  not matter), clipped to the video's `length`, over that length. A video with coverage
  below 80% of its `completion-threshold` (1 when absent, as the profile says) is low;
  the 20% slack allows for an intro or credits skipped and the last seconds a player
  fails to report when the page closes. Forward seeks (`seeked` with `time-to` after
  `time-from`) and the highest playback `speed` are reported with it. A completed
  activity whose own video, or a video under it, is low is flagged.

`required` (a frame of learner and activity, as `Catalog.assignments(roster)` gives)
keeps only the rows of activities required of each learner, or part of one (a parent or
grouping activity of the completion is required: a cmi5 course is done through its AUs):
click-through is about required content, and the parts' signals roll up to the requirement.
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
SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
COMPLETED = ADL + "completed"
PASSED = ADL + "passed"
ANSWERED = ADL + "answered"
VIDEO = "https://w3id.org/xapi/video"
VIDEO_TYPE = VIDEO + "/activity-type/video"
PLAYED, PAUSED, SEEKED = (f"{VIDEO}/verbs/{verb}" for verb in ("played", "paused", "seeked"))
VIDEO_EXTENSION = VIDEO + "/extensions/"

IDLE_CUTOFF_S = 1800.0
CLICK_THROUGH_RATIO = 0.25
MIN_COHORT = 5
FAST_ANSWER_S = 3.0
FAST_SHARE = 0.5
MIN_ANSWERS = 3
MIN_COVERAGE = 0.8


def tenant_filter(tenant: str | None, **values: object) -> tuple[str, dict[str, object]]:
    """A WHERE clause's `AND tenant = $tenant` (nothing for every tenant) and the named
    parameters of a query: `values`, with the tenant's."""
    if tenant is None:
        return "", dict(values)
    return "AND tenant = $tenant", {**values, "tenant": tenant}


def skills_table(activity_skills: Mapping[str, Sequence[str]]) -> pa.Table:
    """activity, skill: the catalog's skill mapping as a table to join."""
    pairs = [(a, s) for a, names in activity_skills.items() for s in names]
    return pa.table(
        {
            "activity": pa.array([a for a, _ in pairs], pa.string()),
            "skill": pa.array([s for _, s in pairs], pa.string()),
        }
    )


def each_activity(source: str, columns: str, name: str = "activity", own: str = "object_id") -> str:
    """SQL: the `columns` of every row of `source`, once with the activity it is about (its
    column `own`) and once with each of its parent and grouping activities, that activity
    named `name`. An activity listed twice gives the row twice."""
    return (
        f"SELECT {columns}, {own} AS {name} FROM {source}\n"
        f"    UNION ALL SELECT {columns}, unnest(parent_ids) FROM {source}\n"
        f"    UNION ALL SELECT {columns}, unnest(grouping_ids) FROM {source}"
    )


def _intervals_sql(tenant_clause: str) -> str:
    # Plans: `s` is not materialized (each use scans only the columns it needs); a session's
    # statements are dropped by session, not statement by statement (a join of every
    # statement with the measured sessions cost most of the time at 10 M); windows are
    # partitioned by a hash of their keys first, then the keys (exact, and sorting on an
    # integer first is several times faster than on the strings alone).
    return f"""
WITH s AS NOT MATERIALIZED (
    SELECT tenant, actor_key, id, epoch_us("timestamp") AS ts, verb_id, object_id,
           registration, session_id, duration_s, parent_ids,
           grouping_ids
    FROM live_statements
    WHERE actor_key IS NOT NULL AND "timestamp" IS NOT NULL AND object_type = 'Activity'
          {tenant_clause}
), cmi5 AS (
    SELECT tenant, actor_key, session_id, object_id, parent_ids, grouping_ids,
           ts - CAST(round(duration_s * 1e6) AS BIGINT) AS start_us, ts AS end_us,
           'cmi5 session' AS source
    FROM s
    WHERE session_id IS NOT NULL AND verb_id IN ('{TERMINATED}', '{ABANDONED}')
          AND duration_s > 0
), unmeasured AS (
    SELECT * FROM (SELECT DISTINCT tenant, actor_key, session_id FROM s
                   WHERE session_id IS NOT NULL)
    ANTI JOIN (SELECT DISTINCT tenant, actor_key, session_id FROM cmi5)
        USING (tenant, actor_key, session_id)
), rest AS (
    SELECT * FROM s WHERE session_id IS NULL
    UNION ALL
    SELECT s.* FROM s SEMI JOIN unmeasured USING (tenant, actor_key, session_id)
), own AS (
    SELECT tenant, actor_key, object_id, parent_ids, grouping_ids,
           ts - CAST(round(duration_s * 1e6) AS BIGINT) AS start_us, ts AS end_us,
           'result.duration' AS source
    FROM rest WHERE duration_s > 0
), streams AS (
    SELECT *, lag(ts) OVER (
        PARTITION BY hash(tenant, actor_key, registration), tenant, actor_key, registration
        ORDER BY ts, id
    ) AS previous_us
    FROM rest
), gaps AS (
    SELECT tenant, actor_key, object_id, parent_ids, grouping_ids, previous_us AS start_us,
           ts AS end_us, 'gap' AS source
    FROM streams
    WHERE (duration_s IS NULL OR duration_s = 0) AND previous_us IS NOT NULL
          AND ts - previous_us <= $idle_us AND ts > previous_us
), intervals AS (
    SELECT tenant, actor_key, object_id, parent_ids, grouping_ids, start_us, end_us, source
    FROM cmi5
    UNION ALL SELECT * FROM own
    UNION ALL SELECT * FROM gaps
), exploded AS (
    SELECT tenant, actor_key AS learner,
           unnest(list_distinct(list_prepend(object_id, list_concat(parent_ids, grouping_ids))))
               AS activity,
           start_us, end_us, source
    FROM intervals
), ordered AS (
    -- Sorted by start, each interval adds what reaches beyond every earlier one's end: the
    -- sum is the length of the union, with one sort (no islands to build first).
    SELECT *, max(end_us) OVER (
        PARTITION BY hash(tenant, learner, activity), tenant, learner, activity
        ORDER BY start_us, end_us ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS reach
    FROM exploded
)
SELECT tenant, learner, activity,
       sum(greatest(end_us - greatest(start_us, coalesce(reach, start_us)), 0)) / 1e6
           AS seconds,
       count(*) FILTER (WHERE reach IS NULL OR start_us > reach)::BIGINT AS spans,
       list_concat(
           CASE WHEN bool_or(source = 'cmi5 session') THEN ['cmi5 session'] ELSE [] END,
           CASE WHEN bool_or(source = 'gap') THEN ['gap'] ELSE [] END,
           CASE WHEN bool_or(source = 'result.duration') THEN ['result.duration'] ELSE [] END
       ) AS sources,
       make_timestamp(min(start_us)) AS first,
       make_timestamp(max(end_us)) AS last
FROM ordered
GROUP BY tenant, learner, activity
"""


def _open(db: str | Path | duckdb.DuckDBPyConnection) -> tuple[duckdb.DuckDBPyConnection, bool]:
    if isinstance(db, duckdb.DuckDBPyConnection):
        return db, False
    return connect(db, read_only=True), True  # others may read it meanwhile


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
        clause, named = tenant_filter(tenant, idle_us=int(idle_cutoff_s * 1e6))
        return _frame(con, _intervals_sql(clause) + " ORDER BY ALL", named)
    finally:
        if owned:
            con.close()


def _base_sql(clause: str) -> str:
    return f"""base AS NOT MATERIALIZED (
    SELECT tenant, actor_key AS learner, id, epoch_us("timestamp") AS ts, verb_id, object_id,
           coalesce(session_id, registration::VARCHAR, '') AS attempt, duration_s, completion,
           parent_ids, grouping_ids,
           list_distinct(list_prepend(object_id, list_concat(parent_ids, grouping_ids)))
               AS related,
           object_definition_type, category_ids, context_extensions AS cx,
           result_extensions AS rx
    FROM live_statements
    WHERE actor_key IS NOT NULL AND "timestamp" IS NOT NULL AND object_type = 'Activity'
          {clause}
)"""


def _extension(column: str, name: str) -> str:
    return f"({column} ->> '$.\"{VIDEO_EXTENSION}{name}\"')"


def _videos_sql() -> str:
    """CTEs from `base` to `videos`: one row per learner and video with its figures."""
    length, threshold = _extension("cx", "length"), _extension("cx", "completion-threshold")
    time_from, time_to = _extension("rx", "time-from"), _extension("rx", "time-to")
    return f""", v AS (
    SELECT tenant, learner, object_id AS video, ts, verb_id, related,
           TRY_CAST({length} AS DOUBLE) AS length_s,
           TRY_CAST(rtrim(lower(trim({_extension("cx", "speed")})), 'x') AS DOUBLE) AS speed,
           TRY_CAST({threshold} AS DOUBLE) AS threshold,
           {_extension("rx", "played-segments")} AS segments,
           TRY_CAST({time_from} AS DOUBLE) AS time_from, TRY_CAST({time_to} AS DOUBLE) AS time_to
    FROM base
    WHERE verb_id IN ('{PLAYED}', '{PAUSED}', '{SEEKED}')
          OR object_definition_type = '{VIDEO_TYPE}' OR list_contains(category_ids, '{VIDEO}')
), video AS (
    SELECT tenant, learner, video, max(length_s) AS length_s, max(speed) AS speed,
           coalesce(max(threshold) FILTER (WHERE threshold > 0 AND threshold <= 1), 1.0)
               AS threshold,
           bool_or(segments IS NOT NULL) AS reported,
           list_distinct(flatten(list(related))) AS related
    FROM v GROUP BY ALL
), seeks AS (
    SELECT tenant, learner, video, count(*) AS forward_seeks,
           sum(time_to - time_from) AS skipped_s
    FROM (SELECT DISTINCT tenant, learner, video, ts, time_from, time_to FROM v
          WHERE verb_id = '{SEEKED}' AND time_to > time_from)
    GROUP BY ALL
), segment_texts AS (
    SELECT DISTINCT tenant, learner, video, unnest(string_split(segments, '[,]')) AS segment
    FROM v WHERE segments IS NOT NULL
), segment_ends AS (
    SELECT tenant, learner, video,
           TRY_CAST(string_split(segment, '[.]')[1] AS DOUBLE) AS a,
           TRY_CAST(string_split(segment, '[.]')[2] AS DOUBLE) AS b
    FROM segment_texts WHERE len(string_split(segment, '[.]')) = 2
), segments AS (
    SELECT e.tenant, e.learner, e.video, greatest(0.0, least(a, b)) AS lo,
           least(w.length_s, greatest(a, b)) AS hi
    FROM segment_ends AS e JOIN video AS w USING (tenant, learner, video)
    WHERE w.length_s > 0 AND isfinite(a) AND isfinite(b)
), reaching AS (
    SELECT *, max(hi) OVER (
        PARTITION BY tenant, learner, video ORDER BY lo, hi
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS reach
    FROM segments WHERE hi > lo
), stretches AS (
    SELECT *, sum(CASE WHEN reach IS NULL OR lo > reach THEN 1 ELSE 0 END) OVER (
        PARTITION BY tenant, learner, video ORDER BY lo, hi ROWS UNBOUNDED PRECEDING
    ) AS stretch
    FROM reaching
), played AS (
    SELECT tenant, learner, video, sum(hi - lo) AS played_s
    FROM (
        SELECT tenant, learner, video, stretch, min(lo) AS lo, max(hi) AS hi
        FROM stretches GROUP BY ALL
    )
    GROUP BY ALL
), videos AS (
    SELECT w.tenant, w.learner, w.video, w.related, w.length_s,
           round(coalesce(p.played_s, 0), 3) AS played_s,
           CASE WHEN w.reported AND w.length_s > 0
                THEN least(1.0, round(coalesce(p.played_s, 0) / w.length_s, 4)) END AS coverage,
           w.threshold, coalesce(k.forward_seeks, 0)::BIGINT AS forward_seeks,
           round(coalesce(k.skipped_s, 0), 3) AS skipped_s, w.speed
    FROM video AS w
    LEFT JOIN played AS p USING (tenant, learner, video)
    LEFT JOIN seeks AS k USING (tenant, learner, video)
)"""


def video_coverage(
    db: str | Path | duckdb.DuckDBPyConnection,
    tenant: str | None = None,
    min_coverage: float = MIN_COVERAGE,
) -> pl.DataFrame:
    """One row per learner and video (xAPI video profile): its length, the seconds of it
    played (the union of the played segments), coverage (played / length, NULL when no
    statement reports played segments or the length is unknown), the completion
    threshold, `low` (coverage below `min_coverage` of the threshold), forward seeks, the
    seconds they skipped, and the highest playback speed."""
    con, owned = _open(db)
    try:
        clause, named = tenant_filter(tenant, min_coverage=min_coverage)
        sql = f"""
WITH {_base_sql(clause)}{_videos_sql()}
SELECT tenant, learner, video, length_s, played_s, coverage, threshold,
       coverage < $min_coverage * threshold AS low, forward_seeks, skipped_s, speed
FROM videos ORDER BY tenant, learner, video
"""
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


def _required_table(required: pl.DataFrame | None) -> pa.Table:
    pairs = required.select("learner", "activity") if required is not None else None
    return pa.table(
        {
            "learner": pa.array([] if pairs is None else pairs["learner"].to_list(), pa.string()),
            "activity": pa.array([] if pairs is None else pairs["activity"].to_list(), pa.string()),
        }
    )


_CLICK_THROUGH_SQL = """
WITH tot AS ({intervals}),
{base}{videos}, done AS (
    SELECT tenant, learner, object_id AS activity, make_timestamp(min(ts)) AS completed_at
           {related}
    FROM base
    WHERE verb_id IN ('{completed}', '{passed}', '{satisfied}') OR completion
    GROUP BY tenant, learner, object_id
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
), needs_gap AS (
    -- An answer without its own duration is timed from the statement before it; only the
    -- attempts that have one need the window (sorting every statement is the costly part).
    SELECT DISTINCT tenant, learner, attempt FROM base
    WHERE verb_id = '{answered}' AND NOT coalesce(duration_s > 0, false)
), stamps AS (
    SELECT DISTINCT tenant, learner, attempt, ts, max(ts) OVER (
        PARTITION BY tenant, learner, attempt ORDER BY ts
        RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS previous_us
    FROM base SEMI JOIN needs_gap USING (tenant, learner, attempt)
), prior AS (
    SELECT b.*, s.previous_us FROM base AS b
    LEFT JOIN stamps AS s USING (tenant, learner, attempt, ts)
    WHERE b.verb_id = '{answered}'
), answer AS (
    -- one row per answer: a re-sent copy (same attempt, question, moment and context) is
    -- the same answer
    SELECT tenant, learner, attempt, object_id, ts, parent_ids, grouping_ids,
           min(CASE WHEN duration_s > 0 THEN duration_s ELSE (ts - previous_us) / 1e6 END)
               AS seconds
    FROM prior WHERE verb_id = '{answered}'
    GROUP BY tenant, learner, attempt, object_id, ts, parent_ids, grouping_ids
    HAVING seconds IS NOT NULL
), by_context AS (
    -- an attempt's answers share their parent and grouping: lists made once per attempt
    SELECT tenant, learner, attempt,
           list_distinct(list_concat(parent_ids, grouping_ids)) AS ancestors,
           count(*) AS n, count(*) FILTER (WHERE seconds < $fast_s) AS fast,
           list(seconds) AS times
    FROM answer GROUP BY tenant, learner, attempt, parent_ids, grouping_ids
), per_attempt AS (
    SELECT tenant, learner, activity, attempt, sum(n) AS n, sum(fast) AS fast,
           flatten(list(times)) AS times
    FROM (
        SELECT tenant, learner, unnest(ancestors) AS activity, attempt, n, fast, times
        FROM by_context
        UNION ALL
        -- the question itself, when it is an activity completed (and not its own parent);
        -- most answers are to questions nobody completes: the few completed activities'
        -- ids rule them out before the join on learner and attempt
        SELECT a.tenant, a.learner, a.object_id, a.attempt, 1,
               CASE WHEN a.seconds < $fast_s THEN 1 ELSE 0 END, [a.seconds]
        FROM done AS d
        JOIN answer AS a
            ON d.tenant = a.tenant AND d.learner = a.learner AND d.activity = a.object_id
        WHERE a.object_id IN (SELECT DISTINCT activity FROM done)
              AND NOT list_contains(a.parent_ids, a.object_id)
              AND NOT list_contains(a.grouping_ids, a.object_id)
    )
    GROUP BY ALL
), answers AS (
    SELECT tenant, learner, activity, sum(n)::BIGINT AS answers,
           sum(fast)::BIGINT AS fast_answers,
           list_aggregate(flatten(list(times)), 'median') AS answer_median_s,
           count(*)::BIGINT AS attempts,
           count(*) FILTER (WHERE n >= $min_answers AND fast > $fast_share * n)::BIGINT
               AS fast_attempts
    FROM per_attempt GROUP BY ALL
), video_rows AS (
    SELECT tenant, learner, unnest(related) AS activity, video, coverage, played_s,
           length_s, threshold, forward_seeks, skipped_s, speed,
           coverage < $min_coverage * threshold AS low
    FROM videos WHERE coverage IS NOT NULL
), watched AS (
    SELECT tenant, learner, activity, count(*)::BIGINT AS videos,
           count(*) FILTER (WHERE low)::BIGINT AS low_videos,
           min(coverage) AS video_coverage,
           arg_min(played_s, struct_pack(c := coverage, v := video)) AS video_played_s,
           arg_min(length_s, struct_pack(c := coverage, v := video)) AS video_length_s,
           arg_min(threshold, struct_pack(c := coverage, v := video)) AS video_threshold,
           sum(forward_seeks)::BIGINT AS forward_seeks, sum(skipped_s) AS skipped_s,
           max(speed) AS video_speed
    FROM video_rows GROUP BY ALL
), signals AS (
    SELECT j.tenant, j.learner, j.activity, j.completed_at, j.seconds, j.expected_seconds,
        j.expected_from, j.learners,
        CASE WHEN j.expected_seconds > 0 THEN j.seconds / j.expected_seconds END AS ratio,
        coalesce(j.expected_seconds > 0 AND j.seconds < $ratio * j.expected_seconds, false)
            AS time_flagged,
        coalesce(a.answers, 0)::BIGINT AS answers,
        coalesce(a.fast_answers, 0)::BIGINT AS fast_answers,
        a.answer_median_s::DOUBLE AS answer_median_s,
        coalesce(a.attempts, 0)::BIGINT AS attempts,
        coalesce(a.fast_attempts, 0)::BIGINT AS fast_attempts,
        coalesce(a.fast_attempts > 0, false) AS answers_flagged,
        coalesce(w.videos, 0)::BIGINT AS videos, coalesce(w.low_videos, 0)::BIGINT AS low_videos,
        w.video_coverage, w.video_played_s, w.video_length_s, w.video_threshold,
        coalesce(w.forward_seeks, 0)::BIGINT AS forward_seeks, w.skipped_s, w.video_speed,
        coalesce(w.low_videos > 0, false) AS video_flagged
    FROM judged AS j
    LEFT JOIN answers AS a USING (tenant, learner, activity)
    LEFT JOIN watched AS w USING (tenant, learner, activity)
    {restrict}
)
SELECT tenant, learner, activity, completed_at, seconds, expected_seconds, expected_from,
    ratio, time_flagged, answers, fast_answers, answer_median_s, attempts, fast_attempts,
    answers_flagged, videos, low_videos, video_coverage, forward_seeks, video_speed,
    video_flagged,
    time_flagged OR answers_flagged OR video_flagged AS flagged,
    list_concat(
        CASE WHEN time_flagged THEN ['time'] ELSE [] END,
        CASE WHEN answers_flagged THEN ['answers'] ELSE [] END,
        CASE WHEN video_flagged THEN ['video'] ELSE [] END
    )::VARCHAR[] AS signals,
    concat_ws('; ',
        CASE
            WHEN expected_seconds IS NULL THEN printf(
                'not judged: no catalog duration and only %d learner(s) completed it (need %d)',
                learners, $min_cohort)
            WHEN expected_seconds <= 0 THEN 'not judged: expected duration is 0'
            ELSE printf('%s in %.0f s, %.0f%% of the expected %.0f s (%s); threshold %.0f%%',
                CASE WHEN time_flagged THEN 'click-through: completed' ELSE 'completed' END,
                seconds, 100 * seconds / expected_seconds, expected_seconds, expected_from,
                100 * $ratio)
        END,
        CASE WHEN answers > 0 THEN printf(
            '%s: %d of %d questions answered in under %g s; median %.1f s%s',
            CASE WHEN answers_flagged THEN 'fast answers' ELSE 'answers' END,
            fast_answers, answers, $fast_s, answer_median_s,
            CASE WHEN answers_flagged THEN printf(
                '; most answers that fast in %d of %d attempt(s) (threshold: over %.0f%% of '
                'at least %d answers)', fast_attempts, attempts, 100 * $fast_share, $min_answers)
                ELSE '' END)
        END,
        CASE WHEN videos > 0 THEN printf(
            '%s: %s%.0f%% played (%.0f of %.0f s; threshold %.0f%%), %d forward seek(s) '
            'skipping %.0f s, %s',
            CASE WHEN video_flagged THEN 'skipped video' ELSE 'video' END,
            CASE WHEN videos > 1 THEN printf('%d of %d videos low; lowest ', low_videos, videos)
                 ELSE '' END,
            100 * video_coverage, video_played_s, video_length_s,
            100 * $min_coverage * video_threshold, forward_seeks, skipped_s,
            coalesce(printf('speed up to %gx', video_speed), 'speed not reported'))
        END
    ) AS reason
FROM signals
ORDER BY tenant, learner, activity
"""

# With `required`: a completion's activity and every parent or grouping activity of it,
# and the test that one of them is required of the learner.
RELATED = ", list_distinct(flatten(list(related))) AS related"
RESTRICT = """WHERE EXISTS (
        SELECT 1 FROM required_activities AS r
        WHERE r.learner = j.learner AND list_contains(j.related, r.activity)
    )"""


def click_through(
    db: str | Path | duckdb.DuckDBPyConnection,
    tenant: str | None = None,
    expected_seconds: Mapping[str, float] | None = None,
    ratio: float = CLICK_THROUGH_RATIO,
    min_cohort: int = MIN_COHORT,
    idle_cutoff_s: float = IDLE_CUTOFF_S,
    fast_answer_s: float = FAST_ANSWER_S,
    fast_share: float = FAST_SHARE,
    min_answers: int = MIN_ANSWERS,
    min_coverage: float = MIN_COVERAGE,
    required: pl.DataFrame | None = None,
    seconds: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per learner and activity they completed (or passed, or satisfied), judged on
    time, answers and video (see the module docstring for the method and thresholds).

    `flagged` is true when any signal is; `signals` lists them and `reason` gives every
    judged signal in words and numbers. `required` (columns learner and activity, e.g.
    `catalog.assignments(roster)`) keeps only the activities required of each learner.
    `seconds`: the `time_on_task` of the same data, when the caller has it already (it is
    the costliest part; `idle_cutoff_s` is then the one it was computed with).
    """
    con, owned = _open(db)
    clause, named = tenant_filter(
        tenant,
        idle_us=int(idle_cutoff_s * 1e6),
        ratio=ratio,
        min_cohort=min_cohort,
        fast_s=fast_answer_s,
        fast_share=fast_share,
        min_answers=min_answers,
        min_coverage=min_coverage,
    )
    try:
        con.register("catalog_expected", _catalog_table(expected_seconds or {}))
        con.register("required_activities", _required_table(required))
        if seconds is not None:
            con.register("time_on_task", seconds.select("tenant", "learner", "activity", "seconds"))
            del named["idle_us"]  # what the intervals would have used
        sql = _CLICK_THROUGH_SQL.format(
            intervals=_intervals_sql(clause) if seconds is None else "FROM time_on_task",
            base=_base_sql(clause),
            videos=_videos_sql(),
            completed=COMPLETED,
            passed=PASSED,
            satisfied=SATISFIED,
            answered=ANSWERED,
            related="" if required is None else RELATED,
            restrict="" if required is None else RESTRICT,
        )
        return _frame(con, sql, named)
    finally:
        con.unregister("catalog_expected")
        con.unregister("required_activities")
        if seconds is not None:
            con.unregister("time_on_task")
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
        clause, named = tenant_filter(tenant, as_of=as_of)
        con.register("catalog_skills", skills_table(activity_skills or {}))
        sql = f"""
WITH e AS NOT MATERIALIZED (
    SELECT tenant, actor_key AS learner, id, "timestamp" AS ts, success, competency_ids,
           object_id, parent_ids, grouping_ids
    FROM live_statements
    WHERE actor_key IS NOT NULL AND success IS NOT NULL {clause}
), activities AS (
    {each_activity("e", "tenant, learner, id, ts, success")}
), tagged AS (
    -- UNION, not UNION ALL: a statement is evidence of a skill once, however many of its
    -- activities name it
    SELECT tenant, learner, id, ts, success, unnest(competency_ids) AS skill FROM e
    UNION
    SELECT a.tenant, a.learner, a.id, a.ts, a.success, k.skill
    FROM activities AS a JOIN catalog_skills AS k USING (activity)
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
