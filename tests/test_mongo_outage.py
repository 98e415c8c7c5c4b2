"""MongoDB dies (SIGKILL) in the middle of a batch load and comes back: nothing acknowledged
is lost, and no refused batch is stored in part. Real processes, real wire connection.

It runs the standalone strategy (plain journaled writes, pending statements, a lease): on
SecantusDB a committed *transaction* is not durable across SIGKILL (measured: 130 of 1,000
acknowledged documents gone after a kill, while journaled single writes all survived), so a
transaction run would test SecantusDB, not the LRS. A real replica set commits transactions
with w=majority, j=true.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

from lrs.errors import ServiceUnavailable
from lrs.store.mongo import MongoStore
from lrs.xapi.prepare import prepare
from lrs.xapi.validate import validate_statements
from lrs.xapi.versions import XAPIVersion
from tests.conftest import start_mongodb, statement

BATCHES = 80
BATCH_SIZE = 10
V2 = XAPIVersion.V2_0_0
AUTHORITY = {"objectType": "Agent", "name": "tests", "mbox": "mailto:lrs@example.org"}


def test_killing_mongodb_mid_load_loses_nothing_acknowledged_and_no_partial_batch(
    tmp_path: Path,
) -> None:
    database, uri = start_mongodb(tmp_path / "mongo")
    port = int(uri.split(":")[2].split("/")[0])
    url = f"mongodb://127.0.0.1:{port}/outage?directConnection=true&serverSelectionTimeoutMS=2000"
    outcomes: list[tuple[list[str], str, float, float]] = []
    killed_at = 0.0

    async def load(store: MongoStore) -> None:
        for _ in range(BATCHES):
            ids = [str(uuid.uuid4()) for _ in range(BATCH_SIZE)]
            batch = validate_statements([statement(id=i) for i in ids], V2)
            start = time.monotonic()
            try:
                await store.save_statements("t", prepare(batch, V2, AUTHORITY), {})
                outcome = "stored"
            except ServiceUnavailable:
                outcome = "refused"
            outcomes.append((ids, outcome, start, time.monotonic()))

    async def outage() -> None:
        nonlocal database, killed_at
        while len(outcomes) < 15:
            await asyncio.sleep(0.01)
        database.kill()  # no shutdown: whatever was in flight is cut
        killed_at = time.monotonic()
        await asyncio.to_thread(database.wait)
        await asyncio.sleep(3)
        database, _ = await asyncio.to_thread(start_mongodb, tmp_path / "mongo", port)

    async def main() -> set[str]:
        store = MongoStore(url, transactions=False)
        await store.open()
        try:
            await asyncio.gather(load(store), outage())
            found = set()
            for ids, *_ in outcomes:
                for i in ids:
                    if await store.get_statement("t", i) is not None:
                        found.add(i)
            return found
        finally:
            await store.close()

    try:
        found = asyncio.run(main())
    finally:
        database.terminate()
        database.wait(timeout=10)

    assert any(start <= killed_at <= end for _, _, start, end in outcomes), "not mid-load"
    stored = [ids for ids, outcome, *_ in outcomes if outcome == "stored"]
    refused = [ids for ids, outcome, *_ in outcomes if outcome == "refused"]
    assert refused, "the outage refused no batch"
    assert len(stored) > 15  # before the outage, and after the restart too
    assert stored[-1] == outcomes[-1][0]  # writing works again after the restart
    assert [i for ids in stored for i in ids if i not in found] == []
    assert [ids for ids in refused if 0 < len(set(ids) & found) < len(ids)] == []
