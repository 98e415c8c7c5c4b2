"""The analytics DuckDB file: its schema, and connections to it.

Every time is UTC (`TimeZone` is set to UTC on each connection); timestamps are stored as
naive TIMESTAMP values in UTC with microsecond precision.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path

import duckdb

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_state (
    source VARCHAR PRIMARY KEY,   -- the store the rows come from (its URL)
    last_seq BIGINT NOT NULL,     -- the watermark: every statement with seq <= it is here
    synced_at TIMESTAMP NOT NULL,
    schema_version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS statements (
    seq BIGINT NOT NULL,
    tenant VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    stored TIMESTAMP NOT NULL,
    "timestamp" TIMESTAMP,
    voided BOOLEAN NOT NULL,
    voids VARCHAR,
    actor_key VARCHAR,
    actor_name VARCHAR,
    actor_type VARCHAR,
    verb_id VARCHAR,
    object_id VARCHAR,
    object_type VARCHAR,
    object_definition_type VARCHAR,
    registration VARCHAR,
    session_id VARCHAR,
    success BOOLEAN,
    completion BOOLEAN,
    score_scaled DOUBLE,
    score_raw DOUBLE,
    duration_s DOUBLE,
    response VARCHAR,
    parent_ids VARCHAR[],
    grouping_ids VARCHAR[],
    category_ids VARCHAR[],
    other_ids VARCHAR[],
    competency_ids VARCHAR[],
    context_extensions JSON,
    result_extensions JSON
);
CREATE OR REPLACE VIEW live_statements AS
    SELECT * FROM statements WHERE NOT voided AND voids IS NULL;
"""

# Macros live in the temp schema of each connection: nothing to migrate in the file.
MACROS = r"""
CREATE OR REPLACE TEMP MACRO lrs_mbox_key(m) AS (
    CASE
        WHEN m = lower(m) THEN 'mbox:' || m  -- the usual case, and the cheap one
        WHEN instr(m, ':') = 0 THEN 'mbox:' || m
        WHEN instr(substr(m, instr(m, ':') + 1), '@') = 0
            THEN 'mbox:' || lower(substr(m, 1, instr(m, ':') - 1)) || ':'
                 || substr(m, instr(m, ':') + 1)
        ELSE 'mbox:' || lower(substr(m, 1, instr(m, ':') - 1)) || ':'
             || substr(m, instr(m, ':') + 1,
                       length(m) - instr(m, ':') - instr(reverse(m), '@'))
             || '@' || lower(substr(m, length(m) - instr(reverse(m), '@') + 2))
    END
);
-- Seconds in the parts of an ISO 8601 duration (the struct `duration_parts` makes); NULL
-- when every part is empty: no duration, or not one (a duration has at least one part).
CREATE OR REPLACE TEMP MACRO lrs_duration_parts_s(p) AS (
    CASE WHEN concat(p.y, p.mo, p.w, p.d, p.h, p.mi, p.s) <> '' THEN
      coalesce(try_cast(nullif(replace(p.y, ',', '.'), '') AS DOUBLE), 0) * 31536000
    + coalesce(try_cast(nullif(replace(p.mo, ',', '.'), '') AS DOUBLE), 0) * 2592000
    + coalesce(try_cast(nullif(replace(p.w, ',', '.'), '') AS DOUBLE), 0) * 604800
    + coalesce(try_cast(nullif(replace(p.d, ',', '.'), '') AS DOUBLE), 0) * 86400
    + coalesce(try_cast(nullif(replace(p.h, ',', '.'), '') AS DOUBLE), 0) * 3600
    + coalesce(try_cast(nullif(replace(p.mi, ',', '.'), '') AS DOUBLE), 0) * 60
    + coalesce(try_cast(nullif(replace(p.s, ',', '.'), '') AS DOUBLE), 0)
    END
);
-- The ids in a contextActivities value: an array of Activities, or one (Data 2.4.6.2).
CREATE OR REPLACE TEMP MACRO lrs_activity_ids(j) AS (
    CASE WHEN j IS NULL THEN []
         WHEN left(j, 1) = '{' THEN [json_extract_string(j, '$.id')]
         ELSE json_extract_string(j, '$[*].id') END
);
-- The ids of the Activities in such a value whose type makes them a competency (a skill in
-- itself). They are rare: the JSON is parsed only when its text names such a type.
CREATE OR REPLACE TEMP MACRO lrs_competency_ids(j) AS (
    CASE WHEN j IS NULL OR NOT (contains(j, '/competency"') OR contains(j, '/objective"'))
            THEN []
         ELSE list_transform(
             list_filter(
                 json_transform(CASE WHEN left(j, 1) = '{' THEN '[' || j || ']' ELSE j END,
                                '[{"id": "VARCHAR", "definition": {"type": "VARCHAR"}}]'),
                 lambda a: ends_with(a.definition.type, '/competency')
                           OR ends_with(a.definition.type, '/objective')),
             lambda a: a.id) END
);
"""
_NUMBER = r"(\d+(?:[.,]\d+)?)"
DURATION_PATTERN = (
    rf"^P(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$"
)


# Told of every DuckDB connection the analytics open in this context: the HTTP layer uses it
# to interrupt a computation that runs over its time limit, wherever it opened them.
on_open: ContextVar[Callable[[duckdb.DuckDBPyConnection], None] | None] = ContextVar(
    "on_open", default=None
)


def announce(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    hook = on_open.get()
    if hook is not None:
        hook(con)
    return con


def connect(
    path: str | Path, read_only: bool = False, wait_s: float = 0.0
) -> duckdb.DuckDBPyConnection:
    """A connection to the analytics file, with the schema created (unless read-only).

    DuckDB lets one process write a file, or several read it, not both: while another
    process holds the file (a server answering an /analytics/ request, say), the connection
    is tried again for up to `wait_s` seconds."""
    if not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.1)
    announce(con)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    if not read_only:
        con.execute(SCHEMA)
    con.execute(MACROS)
    return con


def duration_parts(expression: str) -> str:
    """SQL for the parts of the ISO 8601 duration in `expression`, in one regexp pass (a
    text that is not a duration gives every part '': see lrs_duration_parts_s).

    Years count 365 days and months 30: xAPI durations are spans of activity, not calendar
    arithmetic, and the LRS never sees a month-long one in practice.
    """
    names = "['y', 'mo', 'w', 'd', 'h', 'mi', 's']"
    return f"regexp_extract({expression}, '{DURATION_PATTERN}', {names})"
