"""Bulk loading of NDJSON statements through the same validation as the API."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lrs.api._http import parse_json
from lrs.errors import LRSError
from lrs.store import PreparedStatement, Store
from lrs.xapi.prepare import prepare
from lrs.xapi.validate import validate_statement
from lrs.xapi.versions import XAPIVersion


@dataclass
class ImportReport:
    accepted: int = 0
    rejected: list[tuple[int, LRSError]] = field(default_factory=list)


async def import_lines(
    store: Store,
    tenant: str,
    lines: Sequence[bytes],
    version: XAPIVersion,
    authority_homepage: str,
    batch_size: int,
    progress: Callable[[int], Any],
) -> ImportReport:
    """Store every valid line; report each rejected line with its reason.

    Statements that already carry an authority keep it (an export from another LRS); the
    others get the importer's.
    """
    importer = {
        "objectType": "Agent",
        "name": "lrs import",
        "account": {"homePage": authority_homepage, "name": "import"},
    }
    report = ImportReport()
    pending: dict[str, tuple[int, PreparedStatement]] = {}
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                statement = validate_statement(parse_json(line), version)
                authority = statement.get("authority", importer)
                (prepared,) = prepare([statement], version, authority)
            except LRSError as exc:
                report.rejected.append((number, exc))
            else:
                if prepared.id in pending or len(pending) >= batch_size:
                    await _flush(store, tenant, pending, report)
                pending[prepared.id] = (number, prepared)
        progress(1)
    await _flush(store, tenant, pending, report)
    report.rejected.sort(key=lambda item: item[0])
    return report


async def _flush(
    store: Store,
    tenant: str,
    pending: dict[str, tuple[int, PreparedStatement]],
    report: ImportReport,
) -> None:
    if not pending:
        return
    try:
        await store.save_statements(tenant, [p for _, p in pending.values()], {})
        report.accepted += len(pending)
    except LRSError:
        # Find the lines at fault: one at a time, so that the others still land.
        for number, prepared in pending.values():
            try:
                await store.save_statements(tenant, [prepared], {})
                report.accepted += 1
            except LRSError as exc:
                report.rejected.append((number, exc))
    pending.clear()
