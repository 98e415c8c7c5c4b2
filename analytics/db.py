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

SCHEMA_VERSION = 2

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
    id UUID NOT NULL,
    stored TIMESTAMP NOT NULL,
    "timestamp" TIMESTAMP,
    voided BOOLEAN NOT NULL,
    voids UUID,
    actor_key VARCHAR,
    actor_name VARCHAR,
    actor_type VARCHAR,
    verb_id VARCHAR,
    object_id VARCHAR,
    object_type VARCHAR,
    object_definition_type VARCHAR,
    registration UUID,
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
    result_extensions JSON,
    body_sha256 VARCHAR
);
-- files made before body_sha256 existed (their rows have none: analytics.report reads those
-- statements' bodies from the store instead)
ALTER TABLE statements ADD COLUMN IF NOT EXISTS body_sha256 VARCHAR;
"""
# Made after the table has its current types (a view keeps the types it was made with).
VIEW = """
CREATE OR REPLACE VIEW live_statements AS
    SELECT * FROM statements WHERE NOT voided AND voids IS NULL;
"""

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
        _type_uuids(con)
        con.execute(VIEW)
    return con


def _type_uuids(con: duckdb.DuckDBPyConnection) -> None:
    """Files made before schema version 2 keep statement ids and registrations as text. As
    UUIDs they are 16 bytes, not 36 characters of random hex that barely compress, and the
    sync stores an id in half the time (lrs.xapi.facts keeps them validated and lower-case,
    so every value converts, and sorts as before)."""
    for (column,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'statements' "
        "AND column_name IN ('id', 'voids', 'registration') AND data_type = 'VARCHAR'"
    ).fetchall():
        con.execute(f"ALTER TABLE statements ALTER COLUMN {column} SET DATA TYPE UUID")
