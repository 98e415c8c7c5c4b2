"""The store protocol, called directly, on every backend: the embedded SQLite store, MongoDB
with transactions, and MongoDB with the standalone strategy (no transactions: a lease on the
tenant's counter and pending statements).

The MongoDB server is SecantusDB started by the tests, or LRS_TEST_MONGODB_URI.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from lrs.auth import new_credential
from lrs.errors import Conflict, PreconditionFailed, ServiceUnavailable
from lrs.store import Attachment, DocumentKey, StatementQuery, Store, open_store
from lrs.store.mongo import MongoStore
from lrs.xapi import documents
from lrs.xapi.agents import agent_key
from lrs.xapi.prepare import prepare
from lrs.xapi.validate import validate_statements
from lrs.xapi.versions import XAPIVersion
from tests.conftest import Server, store_url

AUTHORITY = {"objectType": "Agent", "name": "tests", "mbox": "mailto:lrs@example.org"}
NURSE = {"objectType": "Agent", "name": "A Nurse", "mbox": "mailto:nurse@example.org"}
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"

Run = Callable[[Callable[[Store], Awaitable[None]]], None]


@pytest.fixture(params=["sqlite", "mongodb", "mongodb-standalone"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def url(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> str:
    return store_url(request, kind.split("-")[0], tmp_path, "store")


def make_store(kind: str, url: str) -> Store:
    if kind == "mongodb-standalone":
        return MongoStore(url, transactions=False)
    return open_store(url)


@pytest.fixture
def run(kind: str, url: str) -> Iterator[Run]:
    """Run a test body on a freshly opened store, in its own event loop."""

    def runner(body: Callable[[Store], Awaitable[None]]) -> None:
        async def main() -> None:
            store = make_store(kind, url)
            await store.open()
            try:
                await body(store)
            finally:
                await store.close()

        asyncio.run(main())

    yield runner


def statement(activity: str = "http://example.org/a/1", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "actor": dict(NURSE),
        "verb": {"id": COMPLETED, "display": {"en-US": "completed"}},
        "object": {"objectType": "Activity", "id": activity},
    }
    body.update(extra)
    return body


def prepared(*statements: dict[str, Any]) -> Any:
    body = [orjson.loads(orjson.dumps(s)) for s in statements]
    return prepare(validate_statements(body, XAPIVersion.V2_0_0), XAPIVersion.V2_0_0, AUTHORITY)


async def save(store: Store, *statements: dict[str, Any], tenant: str = "t1") -> list[str]:
    batch = prepared(*statements)
    await store.save_statements(tenant, batch, {})
    return [p.id for p in batch]


def nurse_key() -> str:
    key = agent_key(NURSE)
    assert key is not None
    return key


async def ids_of(store: Store, tenant: str = "t1", **query: Any) -> list[str]:
    page = await store.query_statements(tenant, StatementQuery(**query))
    return [s.id for s in page.statements]


def test_round_trip_is_exact(run: Run) -> None:
    extensions = {
        "http://example.org/ext/a.b.c": {"$where": "1", "x.y": [1, 2.50, "$ne"]},
        "https://example.org/$weird.key": None,
    }
    sent = statement(result={"extensions": extensions}, timestamp="2024-01-02T03:04:05.678Z")

    async def body(store: Store) -> None:
        batch = prepared(sent)
        expected = batch[0].body
        await store.save_statements("t1", batch, {})
        found = await store.get_statement("t1", batch[0].id)
        assert found is not None and not found.voided
        assert found.body.startswith(expected[:-1])
        stored = orjson.loads(found.body)
        assert stored["result"]["extensions"] == extensions
        assert stored["timestamp"] == "2024-01-02T03:04:05.678Z"
        assert stored["stored"].endswith("Z")
        assert await store.get_statement("t2", batch[0].id) is None  # tenants never cross

    run(body)


def test_statements_by_id_many_at_once(run: Run) -> None:
    async def body(store: Store) -> None:
        batch = prepared(*(statement() for _ in range(3)))
        await store.save_statements("t1", batch, {})
        await store.save_statements("t2", prepared(statement()), {})
        target = {"objectType": "StatementRef", "id": batch[0].id}
        voiding = prepared(statement(verb={"id": VOIDED}, object=target))
        await store.save_statements("t1", voiding, {})
        wanted = [batch[0].id, batch[2].id, "00000000-0000-4000-8000-000000000000"]
        found = {s.id: s for s in await store.get_statements("t1", wanted)}
        assert sorted(found) == sorted(wanted[:2])  # the missing id is left out
        assert found[batch[0].id].voided and not found[batch[2].id].voided
        one = await store.get_statement("t1", batch[2].id)
        assert one is not None and found[batch[2].id].body == one.body
        assert await store.get_statements("t2", wanted) == []  # tenants never cross

    run(body)


def test_stored_and_seq_strictly_increase(run: Run) -> None:
    async def body(store: Store) -> None:
        for _ in range(3):
            await save(store, statement(), statement())
        await asyncio.gather(*(save(store, statement()) for _ in range(4)))
        rows = [s async for s in store.export_statements("t1", None, None)]
        assert len(rows) == 10
        assert [r.seq for r in rows] == sorted({r.seq for r in rows})
        assert [r.stored_us for r in rows] == sorted({r.stored_us for r in rows})
        for row in rows:  # no timestamp sent: it is `stored`
            parsed = orjson.loads(row.body)
            assert parsed["timestamp"] == parsed["stored"]

    run(body)


def test_resent_ids_and_conflicts(run: Run) -> None:
    async def body(store: Store) -> None:
        first = statement(id=str(uuid.uuid4()))
        [sid] = await save(store, first)
        await save(store, first)  # the same statement again: nothing new
        assert await ids_of(store) == [sid]
        other = statement(id=str(uuid.uuid4()))
        changed = statement("http://example.org/a/other", id=sid)
        with pytest.raises(Conflict):
            await save(store, other, changed)
        assert await ids_of(store) == [sid]  # the rejected batch stored nothing
        assert await store.get_statement("t1", other["id"]) is None
        await save(store, changed, tenant="t2")  # another tenant: no conflict
        assert await ids_of(store, "t2") == [sid]

    run(body)


def test_racing_writers_of_one_id(run: Run) -> None:
    async def body(store: Store) -> None:
        sid = str(uuid.uuid4())
        same = statement(id=sid)
        await asyncio.gather(*(save(store, same) for _ in range(3)))
        assert await ids_of(store) == [sid]
        sid2 = str(uuid.uuid4())
        outcomes = await asyncio.gather(
            save(store, statement("http://example.org/a/x", id=sid2)),
            save(store, statement("http://example.org/a/y", id=sid2)),
            return_exceptions=True,
        )
        assert sum(isinstance(o, Conflict) for o in outcomes) == 1
        assert sum(isinstance(o, list) for o in outcomes) == 1
        assert len(await ids_of(store)) == 2

    run(body)


def test_filters_and_paging(run: Run) -> None:
    async def body(store: Store) -> None:
        registration = str(uuid.uuid4())
        a = await save(
            store, statement("http://example.org/a/1"), statement("http://example.org/a/2")
        )
        b = await save(
            store,
            statement(
                "http://example.org/a/3",
                context={
                    "registration": registration,
                    "contextActivities": {"parent": [{"id": "http://example.org/a/1"}]},
                },
            ),
        )
        c = await save(store, statement(actor={"mbox": "mailto:other@example.org"}))
        everything = [*a, *b, *c]
        assert await ids_of(store, limit=10) == everything[::-1]
        assert await ids_of(store, limit=10, ascending=True) == everything
        assert await ids_of(store, terms=(("activity", "http://example.org/a/1"),)) == [
            c[0],
            a[0],
        ]
        assert await ids_of(store, terms=(("related_activity", "http://example.org/a/1"),)) == [
            c[0],
            b[0],
            a[0],
        ]
        assert await ids_of(store, terms=(("registration", registration),)) == b
        assert await ids_of(
            store, terms=(("agent", nurse_key()), ("activity", "http://example.org/a/2"))
        ) == [a[1]]
        assert (
            await ids_of(store, terms=(("verb", COMPLETED), ("agent", nurse_key())))
            == [*a, *b][::-1]
        )
        assert await ids_of(store, terms=(("activity", '{"$ne": null}'),)) == []
        assert await ids_of(store, terms=(("agent", "$where"),)) == []

        # paging: a frozen ceiling keeps the set stable while statements arrive
        first = await store.query_statements("t1", StatementQuery(limit=2))
        assert [s.id for s in first.statements] == [c[0], b[0]] and first.has_more
        late = await save(store, statement())
        second = await store.query_statements(
            "t1",
            StatementQuery(limit=2, before=first.statements[-1].seq, ceiling=first.ceiling),
        )
        assert [s.id for s in second.statements] == [a[1], a[0]] and not second.has_more
        assert await ids_of(store, limit=1) == late

        # since / until are bounds on `stored`
        rows = [s async for s in store.export_statements("t1", None, None)]
        middle = rows[2].stored_us
        assert await ids_of(store, since_us=middle, ascending=True) == [c[0], *late]
        assert await ids_of(store, until_us=middle, ascending=True) == [*a, *b]
        exported = [s.id async for s in store.export_statements("t1", rows[0].stored_us, middle)]
        assert exported == [a[1], b[0]]

    run(body)


def test_voiding_in_either_order_and_statement_refs(run: Run) -> None:
    async def body(store: Store) -> None:
        target = statement("http://example.org/a/voided", id=str(uuid.uuid4()))
        voiding = statement(
            verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target["id"]}
        )
        await save(store, target)
        [void_id] = await save(store, voiding)
        found = await store.get_statement("t1", target["id"])
        assert found is not None and found.voided
        assert await ids_of(store) == [void_id]

        # the voiding statement first, its target later: stored voided
        late = statement("http://example.org/a/late", id=str(uuid.uuid4()))
        await save(
            store,
            statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": late["id"]}),
        )
        await save(store, late)
        found = await store.get_statement("t1", late["id"])
        assert found is not None and found.voided
        assert await ids_of(store, terms=(("activity", "http://example.org/a/late"),)) != [
            late["id"]
        ]

        # a StatementRef inherits its target's filter terms
        kept = statement("http://example.org/a/kept", id=str(uuid.uuid4()))
        ref = statement(
            "x",
            verb={"id": "http://example.org/verbs/liked"},
            object={"objectType": "StatementRef", "id": kept["id"]},
        )
        [_, ref_id] = await save(store, kept, ref)
        assert await ids_of(store, terms=(("activity", "http://example.org/a/kept"),)) == [
            ref_id,
            kept["id"],
        ]

    run(body)


def test_activities_agent_names_attachments(run: Run) -> None:
    async def body(store: Store) -> None:
        iri = "http://example.org/a/defined"
        await save(
            store,
            statement(
                object={"id": iri, "definition": {"name": {"en-US": "First"}}},
            ),
        )
        await save(
            store,
            statement(
                actor={"name": "Nurse Two", "mbox": "mailto:nurse@example.org"},
                object={"id": iri, "definition": {"description": {"fr": "Décrit"}}},
            ),
        )
        definition = await store.get_activity("t1", iri)
        assert definition is not None
        assert definition["name"] == {"en-US": "First"}
        assert definition["description"] == {"fr": "Décrit"}
        assert await store.get_activity("t2", iri) is None
        assert await store.get_agent_names("t1", nurse_key()) == ["A Nurse", "Nurse Two"]

        data = b"\x00\x01 attachment"
        sha2 = "ab" * 32
        await store.save_statements(
            "t1", prepared(statement()), {sha2: Attachment(sha2, "text/plain", data)}
        )
        assert await store.get_attachments("t1", [sha2]) == [Attachment(sha2, "text/plain", data)]
        assert await store.get_attachments("t2", [sha2]) == []

    run(body)


def test_documents(run: Run) -> None:
    key = DocumentKey("state", "http://example.org/a/1", nurse_key(), "", "progress")

    def write(method: str, content: bytes, **extra: Any) -> Callable[[Any], Any]:
        w = documents.Write(method, content, "application/json", put_precondition="never", **extra)
        return lambda current: documents.apply(current, w, time.time_ns() // 1000)

    async def body(store: Store) -> None:
        await store.change_document("t1", key, write("PUT", b'{"n": 0}'))
        found = await store.get_document("t1", key)
        assert found is not None and found.content == b'{"n": 0}'
        assert found.etag == documents.etag_of(b'{"n": 0}')
        with pytest.raises(PreconditionFailed):
            await store.change_document("t1", key, write("PUT", b"{}", if_match='"nope"'))
        await store.change_document(
            "t1", key, write("PUT", b'{"n": 1}', if_match=f'"{found.etag}"')
        )

        # concurrent merges: each sees exactly the document it replaces
        await asyncio.gather(
            *(
                store.change_document("t1", key, write("POST", orjson.dumps({f"k{i}": i})))
                for i in range(5)
            )
        )
        merged = await store.get_document("t1", key)
        assert merged is not None
        assert orjson.loads(merged.content) == {"n": 1, **{f"k{i}": i for i in range(5)}}
        assert merged.updated_us > found.updated_us

        other = DocumentKey("state", key.activity, key.agent, str(uuid.uuid4()), "other")
        await store.change_document("t1", other, write("PUT", b"x"))
        assert await store.list_documents("t1", key, True, None) == [
            ("other", (await store.get_document("t1", other)).updated_us),  # type: ignore[union-attr]
            ("progress", merged.updated_us),
        ]
        assert [i for i, _ in await store.list_documents("t1", key, False, None)] == ["progress"]
        assert await store.list_documents("t1", key, True, merged.updated_us + 10**9) == []
        assert await store.get_document("t2", key) is None
        await store.delete_documents("t1", key, False)
        assert await store.get_document("t1", key) is None
        assert await store.get_document("t1", other) is not None
        await store.change_document("t1", other, write("DELETE", b""))
        assert await store.get_document("t1", other) is None

    run(body)


def test_credentials(run: Run) -> None:
    async def body(store: Store) -> None:
        made = new_credential("LMS", ["statements/write"], "hospital-a")
        await store.add_credential(made.credential)
        assert await store.get_credential(made.credential.key) == made.credential
        assert made.credential in await store.list_credentials()
        assert await store.revoke_credential(made.credential.key)
        assert not await store.revoke_credential(made.credential.key)
        assert await store.get_credential(made.credential.key) is None
        assert made.credential not in await store.list_credentials()

    run(body)


# -- MongoDB only ---------------------------------------------------------------------------


def test_standalone_recovers_a_dead_writers_batch(kind: str, url: str) -> None:
    """A writer that died with its batch half written: the next writer removes what was
    never acknowledged, and completes what was being made visible."""
    if kind != "mongodb-standalone":
        pytest.skip("the standalone strategy only")

    async def main() -> None:
        store = MongoStore(url, transactions=False)
        await store.open()
        try:
            [kept] = await save(store, statement())
            statements, counters = store.db["statements"], store.db["counters"]
            counter = await counters.find_one({"_id": "t1"})
            assert counter is not None
            dead = [prepared(statement())[0] for _ in range(2)]
            seq = int(counter["seq"])
            for i, p in enumerate(dead):
                await statements.insert_one(
                    {
                        "t": "t1",
                        "id": p.id,
                        "seq": seq + 1 + i,
                        "stored_us": int(counter["us"]) + 1 + i,
                        "voided": False,
                        "voids": None,
                        "body": p.body,
                        "p": [],
                        "b": "dead",
                        "pending": True,
                    }
                )
            await counters.update_one(
                {"_id": "t1"},
                {
                    "$set": {
                        "seq": seq + 2,
                        "us": int(counter["us"]) + 2,
                        "lock": "dead",
                        "lock_until": time.time() - 1,
                        "batch": "dead",
                        "phase": "insert",
                        "first": seq + 1,
                    }
                },
            )
            # never visible, and the ceiling is below the dead batch
            assert await ids_of(store) == [kept]
            [after] = await save(store, statement())
            assert await ids_of(store) == [after, kept]
            assert await statements.count_documents({"pending": True}) == 0
            # the same ids may now be stored for real
            await store.save_statements("t1", dead, {})
            assert len(await ids_of(store)) == 4
        finally:
            await store.close()

    asyncio.run(main())


# PyMongo's async client may leave the socket of a refused connection to the garbage
# collector; that is its business, not this test's.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_unreachable_mongodb_is_503(kind: str) -> None:
    if not kind.startswith("mongodb"):
        pytest.skip("MongoDB only")
    # A port bound (so nobody else takes it) but not listening: connections are refused.
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]

        async def main() -> None:
            store = open_store(f"mongodb://127.0.0.1:{port}/lrs?serverSelectionTimeoutMS=300")
            try:
                with pytest.raises(ServiceUnavailable):
                    await store.open()
                with pytest.raises(ServiceUnavailable):
                    await store.get_statement("t1", str(uuid.uuid4()))
            finally:
                await store.close()

        asyncio.run(main())
        gc.collect()  # now, under this test's warning filters


def test_operator_shaped_query_parameters_are_400(server: Server) -> None:
    """Query filters come from validated values only: client JSON never reaches a query."""
    with server.client() as client:
        for name, value in [
            ("agent", '{"$ne": null}'),
            ("agent", '{"mbox": {"$ne": null}}'),
            ("activity", '{"$where": "sleep(1000)"}'),
            ("verb", '{"$ne": null}'),
            ("registration", '{"$gt": ""}'),
        ]:
            response = client.get("/statements", params={name: value})
            assert response.status_code == 400, (name, value, response.text)
