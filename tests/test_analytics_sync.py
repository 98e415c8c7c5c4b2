"""analytics.sync: flattening, idempotence, crash safety, voiding."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import importlib
import uuid
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

import analytics
from lrs.store import open_store
from lrs.xapi.prepare import prepare
from lrs.xapi.validate import validate_statement
from lrs.xapi.versions import XAPIVersion
from tests.conftest import store_url

# `analytics.sync` is the function; the module is reached by name.
sync_module = importlib.import_module("analytics.sync")
V2 = XAPIVersion("2.0.0")
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.invalid", "name": "t"}}
SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
VERB = "http://adlnet.gov/expapi/verbs/"


def store_statements(
    store_at: Path | str, statements: list[dict[str, Any]], tenant: str = "default"
) -> None:
    """Validate, prepare and save statements (one batch each) into a store: an embedded
    store's file, or any store's URL."""

    async def run() -> None:
        store = open_store(store_at if isinstance(store_at, str) else f"sqlite:///{store_at}")
        await store.open()
        try:
            for s in statements:
                valid = validate_statement(copy.deepcopy(s), V2)
                await store.save_statements(tenant, prepare([valid], V2, AUTHORITY), {})
        finally:
            await store.close()

    asyncio.run(run())


def statement(
    verb: str,
    activity: str,
    at: str,
    who: str = "mailto:Ann@Example.ORG",
    **extra: Any,
) -> dict[str, Any]:
    s: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"name": "Ann", "mbox": who},
        "verb": {"id": VERB + verb},
        "object": {"id": activity},
        "timestamp": at,
    }
    s.update(extra)
    return s


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def test_flattens_one_statement(tmp_path: Path) -> None:
    store, db = tmp_path / "lrs.db", tmp_path / "a.duckdb"
    s = statement(
        "passed",
        "https://x.example/au/1",
        "2024-01-02T10:00:00+02:00",
        result={
            "success": True,
            "completion": True,
            "score": {"scaled": 0.9, "raw": 9, "min": 0, "max": 10},
            "duration": "PT1H2M3.5S",
            "response": "yes",
            "extensions": {"https://x.example/e": 1},
        },
        context={
            "registration": "AB7E2E43-1D4C-4E8E-9C4B-6F0E4B1F2A3C",
            "contextActivities": {
                "parent": [{"id": "https://x.example/course"}],
                "grouping": [{"id": "https://x.example/program"}],
                "category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"}],
                "other": [
                    {
                        "id": "https://x.example/skills/triage",
                        "definition": {"type": "https://x.example/types/competency"},
                    }
                ],
            },
            "extensions": {SESSION: "s-1"},
        },
    )
    store_statements(store, [s])
    report = analytics.sync(f"sqlite:///{store}", db)
    assert report.statements == 1 and report.last_seq == 1
    (row,) = rows(
        db,
        "SELECT id, tenant, actor_key, actor_name, verb_id, object_id, object_type, "
        "registration, session_id, strftime(\"timestamp\", '%Y-%m-%dT%H:%M:%S'), success, "
        "completion, score_scaled, score_raw, duration_s, response, parent_ids, grouping_ids, "
        "category_ids, other_ids, competency_ids, result_extensions::VARCHAR, voided "
        "FROM statements",
    )
    assert row == (
        uuid.UUID(s["id"]),  # ids and registrations are typed UUID
        "default",
        "mbox:mailto:Ann@example.org",
        "Ann",
        VERB + "passed",
        "https://x.example/au/1",
        "Activity",
        uuid.UUID("ab7e2e43-1d4c-4e8e-9c4b-6f0e4b1f2a3c"),
        "s-1",
        "2024-01-02T08:00:00",
        True,
        True,
        0.9,
        9.0,
        3723.5,
        "yes",
        ["https://x.example/course"],
        ["https://x.example/program"],
        ["https://w3id.org/xapi/cmi5/context/categories/moveon"],
        ["https://x.example/skills/triage"],
        ["https://x.example/skills/triage"],
        '{"https://x.example/e":1}',
        False,
    )


@pytest.mark.parametrize(
    ("actor", "key"),
    [
        (
            {"mbox_sha1sum": "EBD31E95054C018B10727CCFFD2EF2EC3A016EE9"},
            "mbox_sha1sum:ebd31e95054c018b10727ccffd2ef2ec3a016ee9",
        ),
        ({"openid": "http://openid.example.org/ann"}, "openid:http://openid.example.org/ann"),
        (
            {"account": {"homePage": "http://x.example", "name": "7"}},
            'account:["http://x.example","7"]',
        ),
    ],
)
def test_actor_keys_match_the_lrs(tmp_path: Path, actor: dict[str, Any], key: str) -> None:
    from lrs.xapi.agents import agent_key

    assert agent_key(actor) == key
    s = statement("experienced", "https://x.example/a", "2024-01-02T10:00:00Z")
    s["actor"] = actor
    store_statements(tmp_path / "lrs.db", [s])
    analytics.sync(f"sqlite:///{tmp_path / 'lrs.db'}", tmp_path / "a.duckdb")
    assert rows(tmp_path / "a.duckdb", "SELECT actor_key FROM statements") == [(key,)]


@pytest.fixture(params=["sqlite", "mongodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store of each kind."""
    return store_url(request, str(request.param), tmp_path, "sync")


def test_sync_is_incremental_and_idempotent(tmp_path: Path, store: str) -> None:
    url, db = store, tmp_path / "a.duckdb"
    first = [
        statement("experienced", f"https://x.example/{n}", "2024-01-02T10:00:00Z") for n in range(5)
    ]
    store_statements(url, first)
    assert analytics.sync(url, db, chunk_size=2).statements == 5
    assert analytics.sync(url, db).statements == 0
    store_statements(url, [statement("experienced", "https://x.example/9", "2024-01-02T11:00:00Z")])
    report = analytics.sync(url, db)
    assert (report.statements, report.last_seq) == (1, 6)
    assert rows(db, "SELECT count(*), count(DISTINCT id) FROM statements") == [(6, 6)]


def test_a_crash_halfway_loses_and_duplicates_nothing(
    tmp_path: Path, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, db = store, tmp_path / "a.duckdb"
    store_statements(
        url,
        [
            statement("experienced", f"https://x.example/{n}", "2024-01-02T10:00:00Z")
            for n in range(5)
        ],
    )
    calls = 0
    real = sync_module._update_watermark

    def crash_on_second_chunk(con: duckdb.DuckDBPyConnection, source: str, high: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("power cut")
        real(con, source, high)

    monkeypatch.setattr(sync_module, "_update_watermark", crash_on_second_chunk)
    with pytest.raises(RuntimeError, match="power cut"):
        analytics.sync(url, db, chunk_size=2)
    assert rows(db, "SELECT count(*) FROM statements") == [(2,)]
    monkeypatch.setattr(sync_module, "_update_watermark", real)
    assert analytics.sync(url, db, chunk_size=2).statements == 3
    assert rows(db, "SELECT count(*), count(DISTINCT id) FROM statements") == [(5, 5)]


def _voiding(target: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:admin@x.example"},
        "verb": {"id": VERB + "voided"},
        "object": {"objectType": "StatementRef", "id": target},
    }


def test_voiding_synced_later_marks_the_target(tmp_path: Path, store: str) -> None:
    url, db = store, tmp_path / "a.duckdb"
    target = statement("completed", "https://x.example/a", "2024-01-02T10:00:00Z")
    keep = statement("completed", "https://x.example/b", "2024-01-02T10:00:00Z")
    store_statements(url, [target, keep])
    analytics.sync(url, db)
    store_statements(url, [_voiding(target["id"])])
    analytics.sync(url, db)
    assert rows(db, "SELECT object_id FROM live_statements") == [("https://x.example/b",)]
    assert rows(db, f"SELECT voided FROM statements WHERE id = '{target['id']}'") == [(True,)]


def test_voiding_in_the_same_chunk_and_before_the_target(tmp_path: Path, store: str) -> None:
    url, db = store, tmp_path / "a.duckdb"
    first = statement("completed", "https://x.example/a", "2024-01-02T10:00:00Z")
    late = statement("completed", "https://x.example/c", "2024-01-02T10:00:00Z")
    # `late`'s voiding statement arrives before `late` itself.
    store_statements(url, [first, _voiding(first["id"]), _voiding(late["id"]), late])
    analytics.sync(url, db, chunk_size=3)
    assert rows(db, "SELECT count(*) FROM live_statements") == [(0,)]


def test_a_file_with_text_ids_gets_uuid_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    """A file synced before schema version 2 kept ids and registrations as text: the next
    sync types them as UUID, and voiding across the two still finds its target."""
    url, db = f"sqlite:///{tmp_path / 'lrs.db'}", tmp_path / "a.duckdb"
    target = statement("completed", "https://x.example/a", "2024-01-02T10:00:00Z")
    target["context"] = {"registration": "AB7E2E43-1D4C-4E8E-9C4B-6F0E4B1F2A3C"}
    store_statements(url, [target])
    analytics.sync(url, db)
    with contextlib.closing(duckdb.connect(str(db))) as con:
        for column in ("id", "voids", "registration"):
            con.execute(f"ALTER TABLE statements ALTER COLUMN {column} SET DATA TYPE VARCHAR")
    store_statements(url, [_voiding(target["id"])])
    assert analytics.sync(url, db).statements == 1
    types = (
        "SELECT DISTINCT table_name, data_type FROM duckdb_columns() "
        "WHERE column_name IN ('id', 'voids', 'registration') ORDER BY ALL"
    )
    assert rows(db, types) == [("live_statements", "UUID"), ("statements", "UUID")]
    assert rows(db, "SELECT registration::VARCHAR, voided FROM statements WHERE voids IS NULL") == [
        ("ab7e2e43-1d4c-4e8e-9c4b-6f0e4b1f2a3c", True)
    ]


def test_tenants_stay_apart(tmp_path: Path, store: str) -> None:
    db = tmp_path / "a.duckdb"
    for tenant in ("north", "south"):
        store_statements(
            store, [statement("experienced", "https://x.example/a", "2024-01-02T10:00:00Z")], tenant
        )
    analytics.sync(store, db)
    store_statements(
        store, [statement("experienced", "https://x.example/b", "2024-01-02T10:00:00Z")], "south"
    )
    assert analytics.sync(store, db).statements == 1  # a watermark per tenant where seq is
    assert rows(db, "SELECT tenant, object_id FROM statements ORDER BY tenant, object_id") == [
        ("north", "https://x.example/a"),
        ("south", "https://x.example/a"),
        ("south", "https://x.example/b"),
    ]


def test_a_store_it_cannot_read_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sqlite:/// or mongodb://"):
        analytics.sync("postgres://localhost/x", tmp_path / "a.duckdb")


def test_sync_waits_for_a_reader_to_let_go_of_the_file(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    store, db = tmp_path / "lrs.db", tmp_path / "a.duckdb"
    store_statements(
        store, [statement("experienced", "https://x.example/a", "2024-01-02T10:00:00Z")]
    )
    analytics.sync(f"sqlite:///{store}", db)
    reader = subprocess.Popen(  # another process reading, as a server's /analytics/ request
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print('reading', flush=True); time.sleep(1.5)",
            str(db),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline() == b"reading\n"
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(db)).close()
        started = time.monotonic()
        assert analytics.sync(f"sqlite:///{store}", db).statements == 0
        assert time.monotonic() - started > 0.5  # it waited, then went ahead
    finally:
        reader.wait(timeout=10)
        reader.stdout.close()


def test_a_record_batch_is_a_row_group_and_the_first_chunk_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each of DuckDB's threads then writes whole row groups; and DuckDB starts on the first
    chunk while the reader reads the next."""
    monkeypatch.setattr(sync_module, "ROW_GROUP_ROWS", 2)
    monkeypatch.setattr(sync_module, "_READ_ROWS", 1)  # several queries a record batch
    store = tmp_path / "lrs.db"
    store_statements(
        store,
        [
            statement("experienced", f"https://x.example/{n}", "2024-01-02T10:00:00Z")
            for n in range(7)
        ],
    )
    chunks = list(sync_module._sqlite_chunks(f"sqlite:///{store}", 0, 4))
    assert [[b.num_rows for b in c.facts.to_batches()] for c in chunks] == [[2], [2, 2], [1]]
    assert [c.last_seq for c in chunks] == [2, 6, 7]
    seqs = [orjson.loads(f)["q"] for c in chunks for f in c.facts.column("facts").to_pylist()]
    assert seqs == list(range(1, 8))


def test_a_target_stored_after_its_synced_voiding_statement_is_voided(
    tmp_path: Path, store: str
) -> None:
    url, db = store, tmp_path / "a.duckdb"
    late = statement("completed", "https://x.example/a", "2024-01-02T10:00:00Z")
    store_statements(url, [_voiding(late["id"])])
    analytics.sync(url, db)
    store_statements(url, [late])
    analytics.sync(url, db)
    assert rows(db, "SELECT count(*) FROM live_statements") == [(0,)]
    assert rows(db, f"SELECT voided FROM statements WHERE id = '{late['id']}'") == [(True,)]


def _mixed_statements() -> list[dict[str, Any]]:
    voided = statement("completed", "https://x.example/a", "2024-01-02T10:00:00+01:00")
    no_timestamp = statement("experienced", "https://x.example/b", "")
    del no_timestamp["timestamp"]
    scored = statement(
        "passed",
        "https://x.example/c",
        "2024-01-02T11:00:00Z",
        result={"score": {"scaled": 0.5}, "duration": "P1DT2H", "extensions": {"e:x": [1]}},
        context={"contextActivities": {"parent": {"id": "https://x.example/course"}}},
    )
    return [voided, no_timestamp, scored, _voiding(voided["id"])]


ALL_COLUMNS = "SELECT * EXCLUDE (stored), stored IS NOT NULL FROM statements ORDER BY seq"


def test_statements_stored_before_facts_existed_get_them(tmp_path: Path, store: str) -> None:
    """Facts missing from a store (a file or documents written before they existed) are
    computed from the bodies: on opening an embedded store, or by the sync."""
    url = store
    store_statements(url, _mixed_statements())
    analytics.sync(url, tmp_path / "with.duckdb")
    expected = rows(tmp_path / "with.duckdb", ALL_COLUMNS)
    assert len(expected) == 4
    assert rows(tmp_path / "with.duckdb", "SELECT count(*) FROM live_statements") == [(2,)]

    if url.startswith("sqlite:///"):
        import sqlite3

        from lrs.store.sqlite import path_from_url

        path = path_from_url(url)

        def forget_facts() -> list[tuple[Any, ...]]:
            with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
                facts = conn.execute("SELECT * FROM statement_facts ORDER BY seq").fetchall()
                conn.execute("DELETE FROM statement_facts WHERE seq > 1")
                conn.execute("PRAGMA user_version = 0")
                return facts

        def facts_now() -> list[tuple[Any, ...]]:
            with contextlib.closing(sqlite3.connect(path)) as conn:
                return conn.execute("SELECT * FROM statement_facts ORDER BY seq").fetchall()

        def timestamped(facts: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
            # From the body, a timestamp the store set is `stored` itself, not a missing one.
            return [{"t": f["s"], **f} for f in (orjson.loads(b) for _, b in facts)]

        original = forget_facts()

        async def reopen() -> None:
            opened = open_store(url)
            await opened.open()
            await opened.close()

        asyncio.run(reopen())
        assert timestamped(facts_now()) == timestamped(original)
        with contextlib.closing(sqlite3.connect(path)) as conn:  # this time the sync does
            conn.execute("DROP TABLE statement_facts")
            conn.execute("PRAGMA user_version = 0")
    else:
        from lrs.store.mongo import MongoStore

        async def forget() -> None:
            mongo = MongoStore(url)
            await mongo.open()
            try:
                await mongo._c("statements").update_many({}, {"$unset": {"f": ""}})
            finally:
                await mongo.close()

        asyncio.run(forget())
    analytics.sync(url, tmp_path / "without.duckdb")
    assert rows(tmp_path / "without.duckdb", ALL_COLUMNS) == expected


def test_a_statement_that_proves_done_carries_the_hash_of_its_stored_body(
    tmp_path: Path, store: str
) -> None:
    """What an audit report cites (a completion, a pass, a waiver, result.completion) comes
    with the SHA-256 of the bytes the store keeps; other statements have none."""
    done = statement("passed", "https://x.example/a", "2024-01-02T10:00:00Z")
    complete = statement(
        "experienced", "https://x.example/b", "2024-01-02T10:00:00Z", result={"completion": True}
    )
    waived = statement("x", "https://x.example/c", "2024-01-02T10:00:00Z")
    waived["verb"] = {"id": "https://w3id.org/xapi/adl/verbs/waived"}
    seen = statement("experienced", "https://x.example/d", "2024-01-02T10:00:00Z")
    store_statements(store, [done, complete, waived, seen])
    analytics.sync(store, tmp_path / "a.duckdb")

    async def bodies() -> dict[str, bytes]:
        opened = open_store(store)
        await opened.open()
        try:
            ids = [s["id"] for s in (done, complete, waived, seen)]
            return {s.id: s.body for s in await opened.get_statements("default", ids)}
        finally:
            await opened.close()

    stored = asyncio.run(bodies())
    hashes = dict(rows(tmp_path / "a.duckdb", "SELECT id::VARCHAR, body_sha256 FROM statements"))
    assert hashes == {
        **{s["id"]: hashlib.sha256(stored[s["id"]]).hexdigest() for s in (done, complete, waived)},
        seen["id"]: None,
    }
