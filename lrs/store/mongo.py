"""The MongoDB store, on PyMongo's async API (`pymongo.AsyncMongoClient`).

Selected by `LRS_STORE=mongodb://HOST:PORT/DBNAME` (or `mongodb+srv://...`); the database
is the one the URL names (`lrs` when it names none). One client per store instance, made in
`open()` and closed in `close()`.

Collections and their indexes (created in `open()`, idempotently, at every start-up):

statements   {t: tenant, id, seq, stored_us, voided, voids, body: the exact JSON bytes,
              f: the statement's facts (lrs.xapi.facts; absent from documents stored before
              facts existed), p: [{k: "family:value", r: role bits}], b: batch id, pending:
              only while a batch is being written on a standalone server}
    (t, id) unique          ids unique per tenant; GET by statementId; the equivalence check
                            on a re-sent id; a duplicate-key race ends in that check
    (t, seq) unique         unfiltered pages (a range scan in either direction), the ceiling
                            of a first page, export in `stored` order
    (t, stored_us)          `since` / `until` turned into sequence bounds
    (t, voids) partial      "is this new statement already voided?" (a voiding statement may
                            arrive before its target)
    (t, p.k, seq)           every filter (agent, verb, activity, registration, related_*,
                            authority): a filtered page is a range scan on `seq` of one
                            posting list, the other terms checked on the fetched documents
    (t, b) partial          finding the statements of an interrupted batch (standalone only)
counters     {_id: tenant, seq, us}: the last sequence number and `stored` (microseconds) of
             the tenant; on a standalone server also the writer's lease and batch phase
activities   {t, id, definition: canonical JSON bytes}          (t, id) unique
agent_names  {t, key, name}                                     (t, key, name) unique
attachments  {t, sha2, content_type, data}                      (t, sha2) unique
documents    {t, resource, activity, agent, registration, id, content, content_type, etag,
              updated_us, v: version}
    (t, resource, activity, agent, registration, id) unique   one document per key; the
                            listing and deletion of a scope is a prefix of it
credentials  {_id: key, tenant, name, scopes, salt, secret_hash, created_us, revoked_us}

Statement bodies are stored as the bytes received (plus `stored`, and `timestamp` when the
LRS set it), so that extension keys full of dots and `$` round-trip exactly and are never
field names; definitions are stored as JSON bytes for the same reason. Every query filter is
built from validated values (strings, integers) only, never from client JSON.

`stored` and `seq`: a per-tenant counter document holds the last sequence number and the
last `stored` time. A batch reads it and moves it forward by the batch's size, taking
`stored = max(now, last + 1 µs)` for its first statement, so both are strictly increasing per
tenant and a sequence bound is a time bound. Writers of a tenant are serialised on that
document, so sequence order is also the order in which statements become visible: a reader
never sees statement n+1 while statement n is still to come (which would let a page's
ceiling or an analytics watermark skip it).

A batch is all or nothing:
- With transactions (replica sets, sharded clusters): the conflict check, the counter, the
  inserts, the voiding, the definitions and names are one transaction. Two writers of one
  tenant both write its counter document, so one of them meets a write conflict and is run
  again (`with_transaction` retries it) after the other has committed.
- On a standalone server (no transactions): the counter document doubles as a lease lock of
  the tenant's writers. Under it: the conflict check (reads only: a rejected batch writes
  nothing), then the counter records the batch id and phase "insert", the statements are
  inserted with `pending: true` (every read ignores pending statements), the phase becomes
  "flip", one update_many clears `pending`, the voiding, definitions and names follow, and
  the lease is released. A reader takes as its ceiling the seq before the first statement of
  a batch in phase "flip", so it never pages past half of a batch. A writer that dies
  leaves the lease to expire; the next writer of the tenant then deletes a batch caught in
  "insert" (it was never acknowledged) or finishes one caught in "flip" (its flip and voids;
  its activity definitions and agent names may be missing until statements teach them
  again).

Documents (state, profiles) use a version field and a conditional write, retried on a lost
race, so that the change function (the precondition check) sees exactly the document it
replaces, on either kind of deployment.

Driver errors are mapped where they enter our code: connection loss, a primary election,
timeouts and transient transaction errors become ServiceUnavailable (503, Retry-After).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import secrets
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

import orjson
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    ConnectionFailure,
    DuplicateKeyError,
    ExecutionTimeout,
    OperationFailure,
    PyMongoError,
    WTimeoutError,
)
from pymongo.operations import IndexModel
from pymongo.write_concern import WriteConcern

from lrs.auth import Credential
from lrs.errors import Conflict, LRSError, ServiceUnavailable
from lrs.store.base import (
    Attachment,
    DocumentKey,
    PreparedStatement,
    StatementPage,
    StatementQuery,
    StoredStatement,
)
from lrs.store.sqlite import _format_micros
from lrs.store.terms import ROLES, SELECTIVITY, Posting, referred_postings
from lrs.xapi.activities import merge_definition
from lrs.xapi.documents import Document
from lrs.xapi.equivalence import statements_equivalent
from lrs.xapi.facts import with_body_hash

P = ParamSpec("P")
T = TypeVar("T")
Doc = dict[str, Any]

_LEASE_SECONDS = 30.0
_LOCK_WAIT_SECONDS = 30.0
_RACE_RETRIES = 5
_VISIBLE = {"pending": {"$exists": False}}
_STATEMENT_FIELDS = {"seq": 1, "id": 1, "stored_us": 1, "voided": 1, "body": 1}


def _mapped(fn: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """Turn the driver's errors into ours at the boundary of the store."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await fn(*args, **kwargs)
        except LRSError:
            raise
        except (ConnectionFailure, ExecutionTimeout, WTimeoutError) as exc:
            raise ServiceUnavailable(f"MongoDB unavailable: {exc}") from exc
        except OperationFailure as exc:
            if exc.has_error_label("TransientTransactionError") or exc.has_error_label(
                "RetryableWriteError"
            ):
                raise ServiceUnavailable(f"MongoDB busy: {exc}") from exc
            raise
        except PyMongoError as exc:
            raise ServiceUnavailable(f"MongoDB error: {exc}") from exc

    return wrapper


def _key(family: str, value: str) -> str:
    return f"{family}:{value}"


def _stored(doc: Doc) -> StoredStatement:
    return StoredStatement(
        seq=int(doc["seq"]),
        id=doc["id"],
        stored_us=int(doc["stored_us"]),
        voided=bool(doc["voided"]),
        body=bytes(doc["body"]),
    )


def _now_us() -> int:
    return time.time_ns() // 1000


class MongoStore:
    def __init__(self, url: str, transactions: bool | None = None) -> None:
        """`transactions`: None to detect (replica set or mongos), False to use the
        standalone strategy even where transactions exist (the tests do, to cover it)."""
        self.url = url
        self._transactions_wanted = transactions
        self.transactions = False
        self._client: AsyncMongoClient[Doc] | None = None
        self._db: AsyncDatabase[Doc] | None = None

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def db(self) -> AsyncDatabase[Doc]:
        if self._db is None:
            raise ServiceUnavailable("the MongoDB store is not open")
        return self._db

    def _c(self, name: str) -> AsyncCollection[Doc]:
        return self.db[name]

    @_mapped
    async def open(self) -> None:
        client: AsyncMongoClient[Doc] = AsyncMongoClient(self.url, tz_aware=True)
        self._client = client
        default = client.get_default_database(default="lrs")
        concern = client.write_concern
        if not concern.document:  # the URL set none: acknowledged by a majority, journaled
            concern = WriteConcern("majority", j=True)
        self._db = client.get_database(default.name, write_concern=concern)
        hello = await client.admin.command("hello")
        detected = "setName" in hello or hello.get("msg") == "isdbgrid"
        self.transactions = detected and self._transactions_wanted is not False
        await self._create_indexes()

    async def _create_indexes(self) -> None:
        t = ("t", ASCENDING)
        await self._c("statements").create_indexes(
            [
                IndexModel([t, ("id", ASCENDING)], unique=True, name="by_id"),
                IndexModel([t, ("seq", ASCENDING)], unique=True, name="by_seq"),
                IndexModel([t, ("stored_us", ASCENDING)], name="by_stored"),
                IndexModel(
                    [t, ("voids", ASCENDING)],
                    name="by_target",
                    partialFilterExpression={"voids": {"$type": "string"}},
                ),
                IndexModel([t, ("p.k", ASCENDING), ("seq", ASCENDING)], name="by_term"),
                IndexModel(
                    [t, ("b", ASCENDING)],
                    name="by_batch",
                    partialFilterExpression={"b": {"$type": "string"}},
                ),
            ]
        )
        await self._c("activities").create_index([t, ("id", ASCENDING)], unique=True)
        await self._c("agent_names").create_index(
            [t, ("key", ASCENDING), ("name", ASCENDING)], unique=True
        )
        await self._c("attachments").create_index([t, ("sha2", ASCENDING)], unique=True)
        await self._c("documents").create_index(
            [t] + [(f, ASCENDING) for f in ("resource", "activity", "agent", "registration", "id")],
            unique=True,
            name="by_key",
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
        self._client = None
        self._db = None

    # -- statements -------------------------------------------------------------------------

    @_mapped
    async def save_statements(
        self,
        tenant: str,
        batch: Sequence[PreparedStatement],
        attachments: Mapping[str, Attachment],
    ) -> None:
        for attempt in range(_RACE_RETRIES):
            try:
                if self.transactions:
                    await self._save_in_transaction(tenant, batch, attachments)
                else:
                    await self._save_standalone(tenant, batch, attachments)
                return
            except DuplicateKeyError:
                # Another writer stored one of these ids (or took the tenant's counter)
                # between our check and our insert: check again, against what it stored.
                if attempt == _RACE_RETRIES - 1:
                    raise ServiceUnavailable("MongoDB: too many concurrent writers") from None
                await asyncio.sleep(0.01 * (attempt + 1))

    async def _fresh(
        self,
        tenant: str,
        batch: Sequence[PreparedStatement],
        session: AsyncClientSession | None,
    ) -> list[PreparedStatement]:
        """The statements of `batch` not stored yet; Conflict if one is, differently."""
        ids = list(dict.fromkeys(p.id for p in batch))
        existing = {
            doc["id"]: doc["body"]
            async for doc in self._c("statements").find(
                {"t": tenant, "id": {"$in": ids}, **_VISIBLE},
                {"id": 1, "body": 1},
                session=session,
            )
        }
        for p in batch:
            if p.id in existing and not statements_equivalent(
                orjson.loads(existing[p.id]), p.statement
            ):
                raise Conflict(
                    f"statement {p.id} already exists with different content", path="$.id"
                )
        fresh: dict[str, PreparedStatement] = {}
        for p in batch:
            if p.id not in existing and p.id not in fresh:
                fresh[p.id] = p
        return list(fresh.values())

    async def _documents_for(
        self,
        tenant: str,
        fresh: Sequence[PreparedStatement],
        first_seq: int,
        first_us: int,
        batch_id: str | None,
        session: AsyncClientSession | None,
    ) -> list[Doc]:
        targets = [p.id for p in fresh if p.voids is None]
        already_voided = (
            {
                doc["voids"]
                async for doc in self._c("statements").find(
                    {"t": tenant, "voids": {"$in": targets}, **_VISIBLE},
                    {"voids": 1},
                    session=session,
                )
            }
            if targets
            else set()
        )
        docs = []
        by_id: dict[str, dict[str, Any]] = {}  # the batch so far: StatementRef targets
        for offset, p in enumerate(fresh):
            seq, stored_us = first_seq + offset, first_us + offset
            stored = _format_micros(stored_us)
            appended = f',"stored":"{stored}"'
            p.statement["stored"] = stored
            if p.timestamp_from_stored:
                p.statement["timestamp"] = stored
                appended += f',"timestamp":"{stored}"'
            body = p.body[:-1] + appended.encode() + b"}"
            by_id[p.id] = p.statement
            roles: dict[str, int] = {}
            entries: tuple[Posting, ...] = p.postings
            if p.refers_to is not None:
                entries += await self._referred_postings(tenant, p.refers_to, by_id, session)
            for family, value, role in entries:
                k = _key(family, value)
                roles[k] = roles.get(k, 0) | role
            doc: Doc = {
                "t": tenant,
                "id": p.id,
                "seq": seq,
                "stored_us": stored_us,
                "voided": p.voids is None and p.id in already_voided,
                "voids": p.voids,
                "body": body,
                "f": with_body_hash(p.facts, p.statement, body),
                "p": [{"k": k, "r": r} for k, r in roles.items()],
            }
            if batch_id is not None:
                doc["b"] = batch_id
                doc["pending"] = True
            docs.append(doc)
        return docs

    async def _referred_postings(
        self,
        tenant: str,
        target_id: str,
        batch: Mapping[str, dict[str, Any]],
        session: AsyncClientSession | None,
    ) -> tuple[Posting, ...]:
        walk = referred_postings(target_id, batch)
        try:
            wanted = next(walk)
            while True:
                doc = await self._c("statements").find_one(
                    {"t": tenant, "id": wanted, **_VISIBLE}, {"body": 1}, session=session
                )
                wanted = walk.send(None if doc is None else doc["body"])
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    async def _after_insert(
        self,
        tenant: str,
        fresh: Sequence[PreparedStatement],
        session: AsyncClientSession | None,
    ) -> None:
        """Voiding, activity definitions and agent names of the statements just stored."""
        targets = [p.voids for p in fresh if p.voids is not None]
        if targets:
            # A voiding statement never voids another voiding statement (xAPI Data 2.3.2).
            await self._c("statements").update_many(
                {"t": tenant, "id": {"$in": targets}, "voids": None},
                {"$set": {"voided": True}},
                session=session,
            )
        learned: dict[str, dict[str, Any] | None] = {}
        for p in fresh:
            for activity_id, definition in p.definitions:
                if activity_id not in learned:
                    doc = await self._c("activities").find_one(
                        {"t": tenant, "id": activity_id}, session=session
                    )
                    learned[activity_id] = None if doc is None else orjson.loads(doc["definition"])
                learned[activity_id] = merge_definition(learned[activity_id], definition)
        for activity_id, merged in learned.items():
            await self._c("activities").update_one(
                {"t": tenant, "id": activity_id},
                {"$set": {"definition": orjson.dumps(merged)}},
                upsert=True,
                session=session,
            )
        names = {(key, name) for p in fresh for key, name, _ in p.agent_names}
        for key, name in names:
            await self._c("agent_names").update_one(
                {"t": tenant, "key": key, "name": name},
                {"$setOnInsert": {"t": tenant, "key": key, "name": name}},
                upsert=True,
                session=session,
            )

    async def _save_attachments(
        self,
        tenant: str,
        attachments: Mapping[str, Attachment],
        session: AsyncClientSession | None,
    ) -> None:
        for a in attachments.values():
            await self._c("attachments").update_one(
                {"t": tenant, "sha2": a.sha2},
                {"$setOnInsert": {"content_type": a.content_type, "data": a.data}},
                upsert=True,
                session=session,
            )

    async def _save_in_transaction(
        self,
        tenant: str,
        batch: Sequence[PreparedStatement],
        attachments: Mapping[str, Attachment],
    ) -> None:
        assert self._client is not None
        saved = [(p, dict(p.statement)) for p in batch]

        async def work(session: AsyncClientSession) -> None:
            for p, original in saved:  # a retried transaction starts from the statement
                p.statement.clear()
                p.statement.update(original)
            fresh = await self._fresh(tenant, batch, session)
            if fresh:
                counter = await self._c("counters").find_one({"_id": tenant}, session=session)
                last_seq = 0 if counter is None else int(counter["seq"])
                last_us = 0 if counter is None else int(counter["us"])
                first_us = max(_now_us(), last_us + 1)
                n = len(fresh)
                await self._c("counters").update_one(
                    {"_id": tenant},
                    {"$set": {"seq": last_seq + n, "us": first_us + n - 1}},
                    upsert=True,
                    session=session,
                )
                docs = await self._documents_for(
                    tenant, fresh, last_seq + 1, first_us, None, session
                )
                await self._c("statements").insert_many(docs, ordered=True, session=session)
                await self._after_insert(tenant, fresh, session)
            await self._save_attachments(tenant, attachments, session)

        async with self._client.start_session() as session:
            await session.with_transaction(work)

    # -- the standalone strategy: a lease on the tenant's counter, pending statements --------

    async def _acquire(self, tenant: str, token: str) -> Doc:
        counters = self._c("counters")
        with contextlib.suppress(DuplicateKeyError):  # created by a racing writer: as good
            await counters.update_one(
                {"_id": tenant}, {"$setOnInsert": {"seq": 0, "us": 0}}, upsert=True
            )
        deadline = time.monotonic() + _LOCK_WAIT_SECONDS
        delay = 0.005
        while True:
            now = time.time()
            doc = await counters.find_one_and_update(
                {"_id": tenant, "$or": [{"lock": None}, {"lock_until": {"$lt": now}}]},
                {"$set": {"lock": token, "lock_until": now + _LEASE_SECONDS}},
                return_document=ReturnDocument.AFTER,
            )
            if doc is None:  # held by another writer, unless the reply was lost: check
                doc = await counters.find_one({"_id": tenant, "lock": token})
            if doc is not None:
                return doc
            if time.monotonic() > deadline:
                raise ServiceUnavailable("MongoDB: the tenant's writers are busy; retry")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)

    async def _hold(self, tenant: str, token: str, changes: Doc) -> None:
        """Update the counter while we hold its lease (and extend the lease)."""
        changes = {**changes, "lock_until": time.time() + _LEASE_SECONDS}
        done = await self._c("counters").update_one(
            {"_id": tenant, "lock": token}, {"$set": changes}
        )
        if done.matched_count != 1:
            raise ServiceUnavailable("MongoDB: the write took too long and lost its lease")

    async def _recover(self, tenant: str, counter: Doc) -> None:
        """Finish or undo the batch of a writer that died holding the lease."""
        statements = self._c("statements")
        batch_id = counter.get("batch")
        if batch_id is not None and counter.get("phase") == "flip":
            await statements.update_many(
                {"t": tenant, "b": batch_id, "pending": True}, {"$unset": {"pending": ""}}
            )
            targets = [
                doc["voids"]
                async for doc in statements.find(
                    {"t": tenant, "b": batch_id, "voids": {"$type": "string"}}, {"voids": 1}
                )
            ]
            if targets:
                await statements.update_many(
                    {"t": tenant, "id": {"$in": targets}, "voids": None},
                    {"$set": {"voided": True}},
                )
        # Anything still pending was never acknowledged: it goes.
        await statements.delete_many({"t": tenant, "pending": True})

    async def _save_standalone(
        self,
        tenant: str,
        batch: Sequence[PreparedStatement],
        attachments: Mapping[str, Attachment],
    ) -> None:
        token = secrets.token_hex(12)
        counter = await self._acquire(tenant, token)
        try:
            if counter.get("batch") is not None or counter.get("phase") is not None:
                await self._recover(tenant, counter)
                await self._hold(tenant, token, {"batch": None, "phase": None})
            fresh = await self._fresh(tenant, batch, None)  # reads only: a refusal writes nothing
            if fresh:
                last_seq = int(counter.get("seq", 0))
                last_us = int(counter.get("us", 0))
                first_us = max(_now_us(), last_us + 1)
                n = len(fresh)
                batch_id = token
                await self._hold(
                    tenant,
                    token,
                    {
                        "seq": last_seq + n,
                        "us": first_us + n - 1,
                        "batch": batch_id,
                        "phase": "insert",
                        "first": last_seq + 1,
                    },
                )
                docs = await self._documents_for(
                    tenant, fresh, last_seq + 1, first_us, batch_id, None
                )
                await self._save_attachments(tenant, attachments, None)
                await self._c("statements").insert_many(docs, ordered=True)
                await self._hold(tenant, token, {"phase": "flip"})
                await self._c("statements").update_many(
                    {"t": tenant, "b": batch_id, "pending": True}, {"$unset": {"pending": ""}}
                )
                await self._after_insert(tenant, fresh, None)
                await self._hold(tenant, token, {"batch": None, "phase": None})
            else:
                await self._save_attachments(tenant, attachments, None)
        except DuplicateKeyError:
            # A pending leftover of a dead writer (or a racing id): undo ours, try again.
            await self._c("statements").delete_many({"t": tenant, "b": token, "pending": True})
            await self._hold(tenant, token, {"batch": None, "phase": None})
            raise
        finally:
            # If this fails, the lease expires by itself and the next writer recovers.
            with contextlib.suppress(PyMongoError):
                await self._c("counters").update_one(
                    {"_id": tenant, "lock": token}, {"$set": {"lock": None, "lock_until": 0}}
                )

    async def _ceiling(self, tenant: str) -> int:
        """The last sequence number a reader may page up to: every statement at or before it
        is visible, and stays so."""
        top = await self._c("statements").find_one(
            {"t": tenant, **_VISIBLE}, {"seq": 1}, sort=[("seq", DESCENDING)]
        )
        ceiling = 0 if top is None else int(top["seq"])
        counter = await self._c("counters").find_one({"_id": tenant}, {"phase": 1, "first": 1})
        if counter is not None and counter.get("phase") is not None:
            ceiling = min(ceiling, int(counter["first"]) - 1)
        return ceiling

    @_mapped
    async def get_statement(self, tenant: str, statement_id: str) -> StoredStatement | None:
        doc = await self._c("statements").find_one(
            {"t": tenant, "id": statement_id, **_VISIBLE}, _STATEMENT_FIELDS
        )
        return None if doc is None else _stored(doc)

    async def get_statements(self, tenant: str, ids: Sequence[str]) -> list[StoredStatement]:
        found: list[StoredStatement] = []
        for start in range(0, len(ids), 1000):
            cursor = self._c("statements").find(
                {"t": tenant, "id": {"$in": list(ids[start : start + 1000])}, **_VISIBLE},
                _STATEMENT_FIELDS,
            )
            found += [_stored(doc) async for doc in cursor]
        return found

    async def _last_seq_stored_by(self, tenant: str, stored_us: int) -> int:
        doc = await self._c("statements").find_one(
            {"t": tenant, "stored_us": {"$lte": stored_us}},
            {"seq": 1},
            sort=[("stored_us", DESCENDING)],
        )
        return 0 if doc is None else int(doc["seq"])

    @_mapped
    async def query_statements(self, tenant: str, query: StatementQuery) -> StatementPage:
        q = query
        ceiling = await self._ceiling(tenant) if q.ceiling is None else q.ceiling
        low = q.after or 0  # exclusive
        high = ceiling if q.before is None else min(ceiling, q.before - 1)  # inclusive
        if q.since_us is not None:
            low = max(low, await self._last_seq_stored_by(tenant, int(q.since_us)))
        if q.until_us is not None:
            high = min(high, await self._last_seq_stored_by(tenant, int(q.until_us)))
        if low >= high:
            return StatementPage([], False, ceiling)
        conditions: list[Doc] = []
        for kind, value in sorted(q.terms, key=lambda t: SELECTIVITY[t[0]]):
            family, role = ROLES[kind]
            conditions.append(
                {"p": {"$elemMatch": {"k": _key(family, str(value)), "r": {"$bitsAnySet": role}}}}
            )
        where: Doc = {"t": tenant, "seq": {"$gt": int(low), "$lte": int(high)}, "voided": False}
        if len(conditions) == 1:
            where.update(conditions[0])
        elif conditions:
            where["$and"] = conditions
        where.update(_VISIBLE)
        cursor = (
            self._c("statements")
            .find(where, _STATEMENT_FIELDS)
            .sort("seq", ASCENDING if q.ascending else DESCENDING)
            .limit(int(q.limit) + 1)
        )
        rows = [_stored(doc) async for doc in cursor]
        return StatementPage(rows[: q.limit], len(rows) > q.limit, ceiling)

    @_mapped
    async def get_attachments(self, tenant: str, hashes: Sequence[str]) -> list[Attachment]:
        return [
            Attachment(doc["sha2"], doc["content_type"], bytes(doc["data"]))
            async for doc in self._c("attachments").find(
                {"t": tenant, "sha2": {"$in": [str(h) for h in hashes]}}
            )
        ]

    async def export_statements(
        self, tenant: str, since_us: int | None, until_us: int | None
    ) -> AsyncIterator[StoredStatement]:
        after = 0

        @_mapped
        async def page(after: int) -> list[StoredStatement]:
            ceiling = await self._ceiling(tenant)
            where: Doc = {
                "t": tenant,
                "seq": {"$gt": after, "$lte": ceiling},
                "stored_us": {"$gt": since_us or -1, "$lte": until_us or 2**62},
                **_VISIBLE,
            }
            cursor = (
                self._c("statements")
                .find(where, _STATEMENT_FIELDS)
                .sort("seq", ASCENDING)
                .limit(1000)
            )
            return [_stored(doc) async for doc in cursor]

        while True:
            rows = await page(after)
            if not rows:
                return
            for row in rows:
                yield row
            after = rows[-1].seq

    # -- the analytics sync's reader ------------------------------------------------------------

    @_mapped
    async def tenants(self) -> list[str]:
        """Every tenant that has stored a statement (each has a counter document)."""
        return sorted(str(t) for t in await self._c("counters").distinct("_id"))

    @_mapped
    async def statements_after(
        self, tenant: str, after: int, limit: int
    ) -> list[tuple[int, int, bytes | None, bytes | None]]:
        """(seq, stored_us, facts, body) of the tenant's statements after sequence number
        `after`, in seq order, up to the ceiling: a watermark never skips a statement of a
        batch still being written. The body only of statements stored without facts."""
        ceiling = await self._ceiling(tenant)
        statements = self._c("statements")
        cursor = (
            statements.find(
                {"t": tenant, "seq": {"$gt": int(after), "$lte": ceiling}, **_VISIBLE},
                {"seq": 1, "stored_us": 1, "f": 1},
            )
            .sort("seq", ASCENDING)
            .limit(int(limit))
        )
        rows = [(int(d["seq"]), int(d["stored_us"]), d.get("f")) async for d in cursor]
        missing = [seq for seq, _, facts in rows if facts is None]
        bodies = {}
        for start in range(0, len(missing), 1000):
            async for d in statements.find(
                {"t": tenant, "seq": {"$in": missing[start : start + 1000]}}, {"seq": 1, "body": 1}
            ):
                bodies[int(d["seq"])] = bytes(d["body"])
        return [
            (seq, us, None if facts is None else bytes(facts), bodies.get(seq))
            for seq, us, facts in rows
        ]

    # -- activities and agents ----------------------------------------------------------------

    @_mapped
    async def get_activity(self, tenant: str, activity_id: str) -> dict[str, Any] | None:
        doc = await self._c("activities").find_one({"t": tenant, "id": activity_id})
        return None if doc is None else dict(orjson.loads(doc["definition"]))

    @_mapped
    async def get_agent_names(self, tenant: str, key: str) -> list[str]:
        cursor = self._c("agent_names").find({"t": tenant, "key": key}).sort("name", ASCENDING)
        return [doc["name"] async for doc in cursor]

    # -- documents --------------------------------------------------------------------------

    @staticmethod
    def _doc_filter(tenant: str, key: DocumentKey) -> Doc:
        return {
            "t": tenant,
            "resource": key.resource,
            "activity": key.activity,
            "agent": key.agent,
            "registration": key.registration,
            "id": key.id,
        }

    @staticmethod
    def _scope_filter(tenant: str, scope: DocumentKey, any_registration: bool) -> Doc:
        where: Doc = {
            "t": tenant,
            "resource": scope.resource,
            "activity": scope.activity,
            "agent": scope.agent,
        }
        if not any_registration:
            where["registration"] = scope.registration
        return where

    @_mapped
    async def get_document(self, tenant: str, key: DocumentKey) -> Document | None:
        doc = await self._c("documents").find_one(self._doc_filter(tenant, key))
        return None if doc is None else _document(doc)

    @_mapped
    async def list_documents(
        self, tenant: str, scope: DocumentKey, any_registration: bool, since_us: int | None
    ) -> list[tuple[str, int]]:
        where = self._scope_filter(tenant, scope, any_registration)
        where["updated_us"] = {"$gt": -1 if since_us is None else int(since_us)}
        cursor = self._c("documents").find(where, {"id": 1, "updated_us": 1}).sort("id", 1)
        return [(doc["id"], int(doc["updated_us"])) async for doc in cursor]

    @_mapped
    async def change_document(
        self, tenant: str, key: DocumentKey, change: Callable[[Document | None], Document | None]
    ) -> None:
        documents = self._c("documents")
        where = self._doc_filter(tenant, key)
        for _ in range(50):
            doc = await documents.find_one(where)
            new = change(None if doc is None else _document(doc))
            if doc is None and new is None:
                return
            if doc is None:
                assert new is not None
                try:
                    await documents.insert_one({**where, **_fields(new), "v": 1})
                    return
                except DuplicateKeyError:
                    continue  # created meanwhile: decide again against it
            exact = {"_id": doc["_id"], "v": doc["v"]}
            if new is None:
                done = await documents.delete_one(exact)
                if done.deleted_count == 1:
                    return
            else:
                replaced = await documents.update_one(
                    exact, {"$set": {**_fields(new), "v": doc["v"] + 1}}
                )
                if replaced.matched_count == 1:
                    return
            # changed meanwhile: decide again against what is there now
        raise ServiceUnavailable("MongoDB: the document keeps changing; retry")

    @_mapped
    async def delete_documents(
        self, tenant: str, scope: DocumentKey, any_registration: bool
    ) -> None:
        await self._c("documents").delete_many(self._scope_filter(tenant, scope, any_registration))

    # -- credentials ------------------------------------------------------------------------

    @_mapped
    async def add_credential(self, credential: Credential) -> None:
        await self._c("credentials").insert_one(
            {
                "_id": credential.key,
                "tenant": credential.tenant,
                "name": credential.name,
                "scopes": sorted(credential.scopes),
                "salt": credential.salt,
                "secret_hash": credential.secret_hash,
                "created_us": _now_us(),
                "revoked_us": None,
            }
        )

    @_mapped
    async def get_credential(self, key: str) -> Credential | None:
        doc = await self._c("credentials").find_one({"_id": str(key), "revoked_us": None})
        return None if doc is None else _credential(doc)

    @_mapped
    async def list_credentials(self) -> list[Credential]:
        cursor = self._c("credentials").find({"revoked_us": None}).sort("created_us", 1)
        return [_credential(doc) async for doc in cursor]

    @_mapped
    async def revoke_credential(self, key: str) -> bool:
        done = await self._c("credentials").update_one(
            {"_id": str(key), "revoked_us": None}, {"$set": {"revoked_us": _now_us()}}
        )
        return done.modified_count > 0


def _fields(document: Document) -> Doc:
    return {
        "content": document.content,
        "content_type": document.content_type,
        "etag": document.etag,
        "updated_us": document.updated_us,
    }


def _document(doc: Doc) -> Document:
    return Document(bytes(doc["content"]), doc["content_type"], doc["etag"], int(doc["updated_us"]))


def _credential(doc: Doc) -> Credential:
    return Credential(
        key=doc["_id"],
        tenant=doc["tenant"],
        name=doc["name"],
        scopes=frozenset(doc["scopes"]),
        salt=bytes(doc["salt"]),
        secret_hash=bytes(doc["secret_hash"]),
    )
