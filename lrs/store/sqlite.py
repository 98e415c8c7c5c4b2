"""The embedded store: one SQLite file, no server.

Writes go through one writer thread with group commit: every write that arrives while a
commit is in flight joins the next transaction, each in its own savepoint, so one fsync
covers many requests and a rejected batch rolls back alone. The WAL is checkpointed into
the database file every 64 MB rather than SQLite's default 4 MB: pages written again and
again (index tails) are then copied once, which measured 27% more ingest throughput. Reads
run on a small pool of threads, each with its own connection (WAL lets them read while
the writer writes).

Statement filters are served by an inverted index: `terms` interns each (family, value) of
a tenant (an agent's key, an activity id, a verb id, a registration) and `postings` lists,
per term, the sequence numbers of the statements that carry it, in order, with flags saying
how (an agent as actor or object, as any related agent, as authority...). A filtered page
is a range scan of one posting list, checked against the others.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import orjson

from lrs.auth import Credential
from lrs.errors import Conflict, ServiceUnavailable
from lrs.store.base import (
    Attachment,
    DocumentKey,
    PreparedStatement,
    StatementPage,
    StatementQuery,
    StoredStatement,
)
from lrs.store.terms import ROLES, SELECTIVITY, Posting, referred_postings
from lrs.xapi.activities import merge_definition
from lrs.xapi.documents import Document
from lrs.xapi.equivalence import statements_equivalent
from lrs.xapi.facts import facts_of_body, placed, with_body_hash

T = TypeVar("T")

# What the analytics sync reads of each statement, instead of its body (made, and filled
# for the statements of files written before it existed, by add_missing_facts).
FACTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS statement_facts (
    seq INTEGER PRIMARY KEY,          -- the statement's
    facts BLOB NOT NULL               -- lrs.xapi.facts.placed: with seq, tenant and stored
);
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS statements (
    seq INTEGER PRIMARY KEY,          -- commit order; equals `stored` order within a tenant
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    stored_us INTEGER NOT NULL,
    voided INTEGER NOT NULL DEFAULT 0,
    voids TEXT,                       -- the id this statement voids, if it is a voiding one
    body BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS statements_by_id ON statements (tenant, id);
CREATE INDEX IF NOT EXISTS statements_by_tenant ON statements (tenant, seq);
CREATE INDEX IF NOT EXISTS statements_by_stored ON statements (tenant, stored_us);
CREATE INDEX IF NOT EXISTS statements_by_target ON statements (tenant, voids)
    WHERE voids IS NOT NULL;
CREATE TABLE IF NOT EXISTS terms (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (tenant, kind, value)
);
CREATE TABLE IF NOT EXISTS postings (
    term INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    flags INTEGER NOT NULL,           -- role bits (lrs.store.terms): how the statement has it
    PRIMARY KEY (term, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attachments (
    tenant TEXT NOT NULL,
    sha2 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS attachments_by_hash ON attachments (tenant, sha2);
CREATE TABLE IF NOT EXISTS activities (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    definition BLOB NOT NULL,         -- canonical: merged from every definition received
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agent_names (
    tenant TEXT NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (tenant, key, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS documents (
    tenant TEXT NOT NULL,
    resource TEXT NOT NULL,
    activity TEXT NOT NULL,
    agent TEXT NOT NULL,
    registration TEXT NOT NULL,
    id TEXT NOT NULL,
    content BLOB NOT NULL,
    content_type TEXT NOT NULL,
    etag TEXT NOT NULL,
    updated_us INTEGER NOT NULL,
    PRIMARY KEY (tenant, resource, activity, agent, registration, id)
);
CREATE TABLE IF NOT EXISTS credentials (
    key TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    salt BLOB NOT NULL,
    secret_hash BLOB NOT NULL,
    created_us INTEGER NOT NULL,
    revoked_us INTEGER
);
"""

_STATEMENT_COLUMNS = "s.seq, s.id, s.stored_us, s.voided, s.body"
_TERM_CACHE_LIMIT = 200_000
# PRAGMA user_version of a file whose every statement has its statement_facts row. Files
# made before are brought up to it when opened (see add_missing_facts).
FACTS_VERSION = 1
_FACTS_BATCH = 10_000


def path_from_url(url: str) -> Path:
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        raise ValueError(f"not an SQLite store URL: {url!r} (expected sqlite:///PATH)")
    return Path(url[len(prefix) :])


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before we answer, even across a power loss.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA cache_size=-131072")
    conn.execute("PRAGMA mmap_size=1073741824")
    conn.execute("PRAGMA wal_autocheckpoint=16384")  # pages of 4 KiB: 64 MiB
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


def add_missing_facts(conn: sqlite3.Connection) -> int:
    """Give every statement without a statement_facts row one, computed from its body, in
    transactions of a few thousand; then mark the file as up to date. The number added."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version >= FACTS_VERSION:
        return 0
    conn.executescript(FACTS_SCHEMA)
    added = after = 0
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            rows = conn.execute(
                "SELECT seq, tenant, stored_us, body FROM statements s WHERE seq > ? AND NOT "
                "EXISTS (SELECT 1 FROM statement_facts f WHERE f.seq = s.seq) ORDER BY seq LIMIT ?",
                (after, _FACTS_BATCH),
            ).fetchall()
            conn.executemany(
                "INSERT INTO statement_facts (seq, facts) VALUES (?, ?)",
                [(q, placed(facts_of_body(b), q, t, us)) for q, t, us, b in rows],
            )
            if not rows:
                conn.execute(f"PRAGMA user_version = {FACTS_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if not rows:
            return added
        added += len(rows)
        after = rows[-1][0]


def _row(row: tuple[Any, ...]) -> StoredStatement:
    return StoredStatement(
        seq=row[0], id=row[1], stored_us=row[2], voided=bool(row[3]), body=row[4]
    )


class SQLiteStore:
    def __init__(self, url: str, readers: int = 4) -> None:
        self.path = path_from_url(url)
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="lrs-sqlite-read")
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="lrs-sqlite-write")
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._queue: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = []
        self._draining: asyncio.Task[None] | None = None
        self._write_terms: dict[tuple[str, str, str], int] = {}
        # What the writer last stored, to skip rewriting what did not change.
        self._definitions: dict[tuple[str, str], dict[str, Any]] = {}
        self._names: set[tuple[str, str, str]] = set()
        self._read_terms: dict[tuple[str, str, str], int] = {}

    # -- plumbing ---------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def run() -> T:
            try:
                return fn(self._conn())
            except sqlite3.Error as exc:
                raise ServiceUnavailable(f"embedded store unavailable: {exc}") from exc

        return await asyncio.get_running_loop().run_in_executor(self._readers, run)

    async def _write(self, job: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((job, future))
        if self._draining is None:
            self._draining = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._queue:
                jobs, self._queue = self._queue, []
                try:
                    outcomes = await loop.run_in_executor(self._writer, self._commit, jobs)
                except Exception as exc:
                    error = ServiceUnavailable(f"embedded store could not commit: {exc}")
                    for _, future in jobs:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), (ok, value) in zip(jobs, outcomes, strict=True):
                    if future.done():
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        finally:
            self._draining = None

    def _commit(
        self, jobs: Sequence[tuple[Callable[[sqlite3.Connection], Any], Any]]
    ) -> list[tuple[bool, Any]]:
        conn = self._conn()
        outcomes: list[tuple[bool, Any]] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for job, _ in jobs:
                conn.execute("SAVEPOINT job")
                try:
                    outcomes.append((True, job(conn)))
                except Exception as exc:
                    conn.execute("ROLLBACK TO job")
                    self._forget()  # the caches may hold what was just rolled back
                    outcomes.append((False, exc))
                conn.execute("RELEASE job")
            conn.execute("COMMIT")
        except BaseException:
            self._forget()
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return outcomes

    def _forget(self) -> None:
        self._write_terms.clear()
        self._definitions.clear()
        self._names.clear()

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)

        def create(conn: sqlite3.Connection) -> None:
            conn.executescript(SCHEMA)
            add_missing_facts(conn)

        await self._read(create)

    async def close(self) -> None:
        self._readers.shutdown(wait=True)
        self._writer.shutdown(wait=True)
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()

    # -- statements -------------------------------------------------------------------------

    async def save_statements(
        self,
        tenant: str,
        batch: Sequence[PreparedStatement],
        attachments: Mapping[str, Attachment],
    ) -> None:
        await self._write(lambda conn: self._save(conn, tenant, batch, attachments))

    def _save(
        self,
        conn: sqlite3.Connection,
        tenant: str,
        batch: Sequence[PreparedStatement],
        attachments: Mapping[str, Attachment],
    ) -> None:
        ids = [p.id for p in batch]
        existing = dict(
            self._select_in(
                conn, "SELECT id, body FROM statements WHERE tenant=? AND id IN", tenant, ids
            )
        )
        fresh = [p for p in batch if p.id not in existing]
        for p in batch:
            if p.id in existing and not statements_equivalent(
                orjson.loads(existing[p.id]), p.statement
            ):
                raise Conflict(
                    f"statement {p.id} already exists with different content", path="$.id"
                )
        if fresh:
            self._insert(conn, tenant, fresh)
        conn.executemany(
            "INSERT OR IGNORE INTO attachments (tenant, sha2, content_type, data) VALUES (?, ?, ?, ?)",
            [(tenant, a.sha2, a.content_type, a.data) for a in attachments.values()],
        )

    def _insert(
        self, conn: sqlite3.Connection, tenant: str, fresh: Sequence[PreparedStatement]
    ) -> None:
        (last_seq,) = conn.execute("SELECT coalesce(max(seq), 0) FROM statements").fetchone()
        row = conn.execute(
            "SELECT stored_us FROM statements WHERE tenant=? ORDER BY stored_us DESC LIMIT 1",
            (tenant,),
        ).fetchone()
        last_us = 0 if row is None else row[0]
        first_us = max(time.time_ns() // 1000, last_us + 1)
        already_voided = {
            target
            for (target,) in self._select_in(
                conn,
                "SELECT voids FROM statements WHERE tenant=? AND voids IN",
                tenant,
                [p.id for p in fresh if p.voids is None],
            )
        }
        rows = []
        facts = []
        by_id: dict[str, dict[str, Any]] = {}  # the batch so far: StatementRef targets
        postings: list[tuple[int, int, int]] = []
        term_ids = self._write_terms
        for offset, p in enumerate(fresh):
            seq, stored_us = last_seq + 1 + offset, first_us + offset
            stored = _format_micros(stored_us)
            appended = f',"stored":"{stored}"'
            p.statement["stored"] = stored
            if p.timestamp_from_stored:
                p.statement["timestamp"] = stored
                appended += f',"timestamp":"{stored}"'
            body = p.body[:-1] + appended.encode() + b"}"
            voided = p.voids is None and p.id in already_voided
            rows.append((seq, tenant, p.id, stored_us, voided, p.voids, body))
            facts.append(
                (seq, placed(with_body_hash(p.facts, p.statement, body), seq, tenant, stored_us))
            )
            by_id[p.id] = p.statement
            entries = p.postings
            if p.refers_to is not None:
                entries += self._referred_postings(conn, tenant, p.refers_to, by_id)
            for family, value, roles in entries:
                term = term_ids.get((tenant, family, value))
                if term is None:
                    term = self._term_id(conn, tenant, family, value)
                postings.append((term, seq, roles))
        conn.executemany(
            "INSERT INTO statements (seq, tenant, id, stored_us, voided, voids, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany("INSERT INTO statement_facts (seq, facts) VALUES (?, ?)", facts)
        # A StatementRef's inherited postings may repeat its own: roles are OR-ed.
        conn.executemany(
            "INSERT INTO postings (term, seq, flags) VALUES (?, ?, ?) "
            "ON CONFLICT (term, seq) DO UPDATE SET flags = flags | excluded.flags",
            postings,
        )
        for p in fresh:
            for activity_id, definition in p.definitions:
                self._learn_definition(conn, tenant, activity_id, definition)
            for key, name, _ in p.agent_names:
                if (tenant, key, name) not in self._names:
                    conn.execute(
                        "INSERT OR IGNORE INTO agent_names (tenant, key, name) VALUES (?, ?, ?)",
                        (tenant, key, name),
                    )
                    if len(self._names) >= _TERM_CACHE_LIMIT:
                        self._names.clear()
                    self._names.add((tenant, key, name))
        # A voiding statement never voids another voiding statement (xAPI Data 2.3.2).
        conn.executemany(
            "UPDATE statements SET voided=1 WHERE tenant=? AND id=? AND voids IS NULL",
            [(tenant, p.voids) for p in fresh if p.voids is not None],
        )

    def _referred_postings(
        self,
        conn: sqlite3.Connection,
        tenant: str,
        target_id: str,
        batch: Mapping[str, dict[str, Any]],
    ) -> tuple[Posting, ...]:
        walk = referred_postings(target_id, batch)
        try:
            wanted = next(walk)
            while True:
                row = conn.execute(
                    "SELECT body FROM statements WHERE tenant=? AND id=?", (tenant, wanted)
                ).fetchone()
                wanted = walk.send(None if row is None else row[0])
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    def _learn_definition(
        self, conn: sqlite3.Connection, tenant: str, activity_id: str, definition: dict[str, Any]
    ) -> None:
        current = self._definitions.get((tenant, activity_id))
        if current is None:
            row = conn.execute(
                "SELECT definition FROM activities WHERE tenant=? AND id=?", (tenant, activity_id)
            ).fetchone()
            current = None if row is None else orjson.loads(row[0])
        merged = merge_definition(current, definition)
        if merged != current:
            conn.execute(
                "INSERT OR REPLACE INTO activities (tenant, id, definition) VALUES (?, ?, ?)",
                (tenant, activity_id, orjson.dumps(merged)),
            )
        if len(self._definitions) >= _TERM_CACHE_LIMIT:
            self._definitions.clear()
        self._definitions[(tenant, activity_id)] = merged

    def _term_id(self, conn: sqlite3.Connection, tenant: str, kind: str, value: str) -> int:
        key = (tenant, kind, value)
        term = self._write_terms.get(key)
        if term is None:
            (term,) = conn.execute(
                "INSERT INTO terms (tenant, kind, value) VALUES (?, ?, ?) "
                "ON CONFLICT (tenant, kind, value) DO UPDATE SET kind=excluded.kind RETURNING id",
                key,
            ).fetchone()
            if len(self._write_terms) >= _TERM_CACHE_LIMIT:
                self._write_terms.clear()
            self._write_terms[key] = term
        return int(term)

    @staticmethod
    def _select_in(
        conn: sqlite3.Connection, sql: str, tenant: str, values: Sequence[str | int]
    ) -> Iterable[tuple[Any, ...]]:
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            placeholders = ",".join("?" * len(chunk))
            yield from conn.execute(f"{sql} ({placeholders})", (tenant, *chunk))

    async def get_statement(self, tenant: str, statement_id: str) -> StoredStatement | None:
        def fetch(conn: sqlite3.Connection) -> StoredStatement | None:
            row = conn.execute(
                f"SELECT {_STATEMENT_COLUMNS} FROM statements s WHERE s.tenant=? AND s.id=?",
                (tenant, statement_id),
            ).fetchone()
            return None if row is None else _row(row)

        return await self._read(fetch)

    async def get_statements(self, tenant: str, ids: Sequence[str]) -> list[StoredStatement]:
        def fetch(conn: sqlite3.Connection) -> list[StoredStatement]:
            # Ids first (from the index alone), then the rows in file order: random ids
            # would read the file's pages in random order (on a store larger than memory,
            # about a fifth slower, measured on 10 M statements).
            sql = "SELECT s.seq FROM statements s WHERE s.tenant=? AND s.id IN"
            seqs = sorted(seq for (seq,) in self._select_in(conn, sql, tenant, ids))
            sql = f"SELECT {_STATEMENT_COLUMNS} FROM statements s WHERE s.tenant=? AND s.seq IN"
            return [_row(row) for row in self._select_in(conn, sql, tenant, seqs)]

        return await self._read(fetch)

    async def query_statements(self, tenant: str, query: StatementQuery) -> StatementPage:
        return await self._read(lambda conn: self._query(conn, tenant, query))

    def _lookup_term(
        self, conn: sqlite3.Connection, tenant: str, kind: str, value: str
    ) -> int | None:
        key = (tenant, kind, value)
        term = self._read_terms.get(key)
        if term is None:
            row = conn.execute(
                "SELECT id FROM terms WHERE tenant=? AND kind=? AND value=?", key
            ).fetchone()
            if row is None:
                return None
            term = int(row[0])
            if len(self._read_terms) >= _TERM_CACHE_LIMIT:
                self._read_terms.clear()
            self._read_terms[key] = term
        return term

    def _query(self, conn: sqlite3.Connection, tenant: str, q: StatementQuery) -> StatementPage:
        ceiling = q.ceiling
        if ceiling is None:
            (ceiling,) = conn.execute("SELECT coalesce(max(seq), 0) FROM statements").fetchone()
        low = q.after or 0  # exclusive
        high = ceiling if q.before is None else min(ceiling, q.before - 1)  # inclusive
        if q.since_us is not None:
            low = max(low, _last_seq_stored_by(conn, tenant, q.since_us))
        if q.until_us is not None:
            high = min(high, _last_seq_stored_by(conn, tenant, q.until_us))
        empty = StatementPage([], False, ceiling)
        if low >= high:
            return empty
        filters: list[int] = []
        for kind, value in sorted(q.terms, key=lambda t: SELECTIVITY[t[0]]):
            family, role = ROLES[kind]
            term = self._lookup_term(conn, tenant, family, value)
            if term is None:
                return empty
            filters += (term, role)
        order = "ASC" if q.ascending else "DESC"
        if not filters:
            sql = (
                f"SELECT {_STATEMENT_COLUMNS} FROM statements s WHERE s.tenant=? AND s.seq>? "
                f"AND s.seq<=? AND s.voided=0 ORDER BY s.seq {order} LIMIT ?"
            )
            params: tuple[Any, ...] = (tenant, low, high, q.limit + 1)
        else:
            checks = "".join(
                f" AND EXISTS (SELECT 1 FROM postings q{i} WHERE q{i}.term=? "
                f"AND q{i}.seq=p.seq AND q{i}.flags & ?)"
                for i in range(len(filters) // 2 - 1)
            )
            sql = (
                f"SELECT {_STATEMENT_COLUMNS} FROM postings p CROSS JOIN statements s "
                f"ON s.seq=p.seq WHERE p.term=? AND p.flags & ? AND p.seq>? AND p.seq<=? "
                f"AND s.voided=0{checks} ORDER BY p.seq {order} LIMIT ?"
            )
            params = (*filters[:2], low, high, *filters[2:], q.limit + 1)
        rows = [_row(r) for r in conn.execute(sql, params)]
        return StatementPage(rows[: q.limit], len(rows) > q.limit, ceiling)

    async def get_attachments(self, tenant: str, hashes: Sequence[str]) -> list[Attachment]:
        def fetch(conn: sqlite3.Connection) -> list[Attachment]:
            return [
                Attachment(sha2, content_type, data)
                for sha2, content_type, data in self._select_in(
                    conn,
                    "SELECT sha2, content_type, data FROM attachments WHERE tenant=? AND sha2 IN",
                    tenant,
                    list(hashes),
                )
            ]

        return await self._read(fetch)

    async def export_statements(
        self, tenant: str, since_us: int | None, until_us: int | None
    ) -> AsyncIterator[StoredStatement]:
        after = 0
        while True:

            def page(conn: sqlite3.Connection, after: int = after) -> list[StoredStatement]:
                return [
                    _row(r)
                    for r in conn.execute(
                        f"SELECT {_STATEMENT_COLUMNS} FROM statements s WHERE s.tenant=? "
                        "AND s.seq>? AND s.stored_us>? AND s.stored_us<=? ORDER BY s.seq LIMIT 1000",
                        (tenant, after, since_us or -1, until_us or 2**62),
                    )
                ]

            rows = await self._read(page)
            if not rows:
                return
            for row in rows:
                yield row
            after = rows[-1].seq

    # -- activities and agents ----------------------------------------------------------------

    async def get_activity(self, tenant: str, activity_id: str) -> dict[str, Any] | None:
        def fetch(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = conn.execute(
                "SELECT definition FROM activities WHERE tenant=? AND id=?", (tenant, activity_id)
            ).fetchone()
            return None if row is None else dict(orjson.loads(row[0]))

        return await self._read(fetch)

    async def get_agent_names(self, tenant: str, key: str) -> list[str]:
        def fetch(conn: sqlite3.Connection) -> list[str]:
            return [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM agent_names WHERE tenant=? AND key=? ORDER BY name",
                    (tenant, key),
                )
            ]

        return await self._read(fetch)

    # -- documents --------------------------------------------------------------------------

    async def get_document(self, tenant: str, key: DocumentKey) -> Document | None:
        def fetch(conn: sqlite3.Connection) -> Document | None:
            row = conn.execute(
                f"SELECT content, content_type, etag, updated_us FROM documents WHERE {_DOC}",
                _doc_params(tenant, key),
            ).fetchone()
            return None if row is None else Document(*row)

        return await self._read(fetch)

    async def list_documents(
        self, tenant: str, scope: DocumentKey, any_registration: bool, since_us: int | None
    ) -> list[tuple[str, int]]:
        where, params = _doc_scope(tenant, scope, any_registration)

        def fetch(conn: sqlite3.Connection) -> list[tuple[str, int]]:
            return list(
                conn.execute(
                    f"SELECT id, updated_us FROM documents WHERE {where} AND updated_us > ? "
                    "ORDER BY id",
                    (*params, -1 if since_us is None else since_us),
                )
            )

        return await self._read(fetch)

    async def change_document(
        self, tenant: str, key: DocumentKey, change: Callable[[Document | None], Document | None]
    ) -> None:
        params = _doc_params(tenant, key)

        def job(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                f"SELECT content, content_type, etag, updated_us FROM documents WHERE {_DOC}",
                params,
            ).fetchone()
            new = change(None if row is None else Document(*row))
            if new is None:
                conn.execute(f"DELETE FROM documents WHERE {_DOC}", params)
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO documents (tenant, resource, activity, agent, "
                    "registration, id, content, content_type, etag, updated_us) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*params, new.content, new.content_type, new.etag, new.updated_us),
                )

        await self._write(job)

    async def delete_documents(
        self, tenant: str, scope: DocumentKey, any_registration: bool
    ) -> None:
        where, params = _doc_scope(tenant, scope, any_registration)
        await self._write(lambda conn: conn.execute(f"DELETE FROM documents WHERE {where}", params))

    # -- credentials ------------------------------------------------------------------------

    async def add_credential(self, credential: Credential) -> None:
        def insert(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO credentials (key, tenant, name, scopes, salt, secret_hash, created_us) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    credential.key,
                    credential.tenant,
                    credential.name,
                    orjson.dumps(sorted(credential.scopes)).decode(),
                    credential.salt,
                    credential.secret_hash,
                    time.time_ns() // 1000,
                ),
            )

        await self._write(insert)

    async def get_credential(self, key: str) -> Credential | None:
        def fetch(conn: sqlite3.Connection) -> Credential | None:
            row = conn.execute(
                "SELECT key, tenant, name, scopes, salt, secret_hash FROM credentials "
                "WHERE key=? AND revoked_us IS NULL",
                (key,),
            ).fetchone()
            return None if row is None else _credential(row)

        return await self._read(fetch)

    async def list_credentials(self) -> list[Credential]:
        def fetch(conn: sqlite3.Connection) -> list[Credential]:
            return [
                _credential(row)
                for row in conn.execute(
                    "SELECT key, tenant, name, scopes, salt, secret_hash FROM credentials "
                    "WHERE revoked_us IS NULL ORDER BY created_us"
                )
            ]

        return await self._read(fetch)

    async def revoke_credential(self, key: str) -> bool:
        def revoke(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE credentials SET revoked_us=? WHERE key=? AND revoked_us IS NULL",
                (time.time_ns() // 1000, key),
            )
            return cursor.rowcount > 0

        return await self._write(revoke)


_DOC = "tenant=? AND resource=? AND activity=? AND agent=? AND registration=? AND id=?"


def _doc_params(tenant: str, key: DocumentKey) -> tuple[str, ...]:
    return (tenant, key.resource, key.activity, key.agent, key.registration, key.id)


def _doc_scope(
    tenant: str, scope: DocumentKey, any_registration: bool
) -> tuple[str, tuple[str, ...]]:
    where = "tenant=? AND resource=? AND activity=? AND agent=?"
    params: tuple[str, ...] = (tenant, scope.resource, scope.activity, scope.agent)
    if not any_registration:
        where += " AND registration=?"
        params += (scope.registration,)
    return where, params


def _format_micros(stored_us: int) -> str:
    seconds, fraction = divmod(stored_us, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{fraction:06d}Z"


def _last_seq_stored_by(conn: sqlite3.Connection, tenant: str, stored_us: int) -> int:
    """The last sequence number stored at or before `stored_us` (0 if none).

    `seq` and `stored` grow together within a tenant, so a time bound is a sequence bound.
    """
    row = conn.execute(
        "SELECT seq FROM statements WHERE tenant=? AND stored_us<=? ORDER BY stored_us DESC LIMIT 1",
        (tenant, stored_us),
    ).fetchone()
    return 0 if row is None else int(row[0])


def _credential(row: tuple[Any, ...]) -> Credential:
    key, tenant, name, scopes, salt, secret_hash = row
    return Credential(
        key=key,
        tenant=tenant,
        name=name,
        scopes=frozenset(orjson.loads(scopes)),
        salt=salt,
        secret_hash=secret_hash,
    )
