"""Helpers shared by the statement checks."""

from __future__ import annotations

import time
from typing import Any

from conformance.context import Context
from conformance.registry import CheckFailed


def absent(ctx: Context, *ids: str) -> None:
    """Fail if any of the ids can be retrieved, once a later statement is available (so that
    'not yet available' cannot pass for 'not stored')."""
    (marker,) = ctx.lrs.store(ctx.statement())
    ctx.lrs.settle(marker)
    for statement_id in ids:
        response = ctx.lrs.get("statements", params={"statementId": statement_id})
        if response.status_code != 404:
            raise CheckFailed(
                f"statement {statement_id} of the rejected request was stored ({response.status_code})"
            )


def ids_of(ctx: Context, params: dict[str, str]) -> set[str]:
    """Ids of all statements a query matches (following `more`)."""
    return set(ctx.lrs.query_ids(params))


def expect_set(got: set[str], wanted: set[str], names: dict[str, str], what: str) -> None:
    if got != wanted:
        missing = [names.get(i, i) for i in wanted - got]
        extra = [names.get(i, i) for i in got - wanted]
        raise CheckFailed(
            f"{what}: missing {missing or 'nothing'}, unexpected {extra or 'nothing'}"
        )


def three_in_turn(ctx: Context) -> tuple[str, list[str], list[Any]]:
    """Three statements with one registration, stored by separate requests a little apart."""
    registration = ctx.uuid()
    ids: list[str] = []
    for _ in range(3):
        ids += ctx.lrs.store(ctx.statement(context={"registration": registration}))
        time.sleep(0.03)
    stored = ctx.lrs.settle(*ids)
    return registration, ids, stored
