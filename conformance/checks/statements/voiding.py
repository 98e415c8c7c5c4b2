"""Data 2.3.2 and Communication 2.1.4 (voiding), and the filter rule for StatementRefs
(Communication 2.1.3, "Filter Conditions for StatementRefs")."""

from __future__ import annotations

import json
import time

from conformance.context import Context, expect, expect_status, stored_of
from conformance.registry import requirement
from conformance.util import format_timestamp, midpoint

from .common import expect_set, ids_of


def _voided_pair(ctx: Context) -> tuple[str, str, dict[str, object]]:
    """A statement about a fresh activity and a statement voiding it, both available."""
    target = ctx.statement(id=ctx.uuid())
    ctx.lrs.store(target)
    ctx.lrs.fetch_statement(target["id"])
    (voiding,) = ctx.lrs.store(ctx.voiding(target["id"]))
    ctx.lrs.settle(voiding)
    return target["id"], voiding, target


@requirement(
    "Communication 2.1.4",
    "voided-by-voided-id-only",
    "The LRS MUST NOT return a voided Statement unless requested by voidedStatementId (then 200)",
)
def voided_by_voided_id_only(ctx: Context) -> None:
    target, _, _ = _voided_pair(ctx)
    response = ctx.lrs.get("statements", params={"statementId": target})
    expect_status(response, 404, what="GET statementId of a voided statement")
    got = ctx.lrs.fetch_statement(target, voided=True)
    expect(got.get("id") == target, f"voidedStatementId returned {got.get('id')}")


@requirement(
    "Communication 2.1.4",
    "voided-not-in-queries",
    "Voided Statements MUST NOT be returned by queries, even when they match the filters",
)
def voided_not_in_queries(ctx: Context) -> None:
    registration = ctx.uuid()
    target = ctx.statement(id=ctx.uuid(), context={"registration": registration})
    kept = ctx.statement(id=ctx.uuid(), context={"registration": registration})
    ctx.lrs.store(target, kept)
    (voiding,) = ctx.lrs.store(ctx.voiding(target["id"]))
    ctx.lrs.settle(kept["id"], voiding)
    got = ids_of(ctx, {"registration": registration})
    names = {
        target["id"]: "voided",
        kept["id"]: "kept",
        voiding: "voiding (targets the voided one)",
    }
    expect_set(got, {kept["id"], voiding}, names, "query by registration")


@requirement(
    "Communication 2.1.3",
    "voided-id-of-unvoided",
    "GET with voidedStatementId of a Statement that is not voided answers 404",
)
def voided_id_of_unvoided(ctx: Context) -> None:
    (statement_id,) = ctx.lrs.store(ctx.statement())
    ctx.lrs.settle(statement_id)
    response = ctx.lrs.get("statements", params={"voidedStatementId": statement_id})
    expect_status(response, 404, what="GET voidedStatementId of a statement that is not voided")


@requirement(
    "Communication 2.1.4",
    "voiding-statement-returned",
    "The LRS MUST still return Statements targeting a voided Statement, including the voiding "
    "Statement, by the StatementRef filter rule",
)
def voiding_statement_returned(ctx: Context) -> None:
    target, voiding, statement = _voided_pair(ctx)
    activity = statement["object"]
    assert isinstance(activity, dict)
    got = ids_of(ctx, {"activity": str(activity["id"])})
    expect_set(
        got,
        {voiding},
        {target: "voided", voiding: "voiding"},
        "query by the voided statement's activity",
    )
    got = ctx.lrs.fetch_statement(voiding)
    expect(got.get("id") == voiding, "the voiding statement is not retrievable")


@requirement(
    "Data 2.3.2",
    "voiding-not-voidable",
    "A Statement that voids another cannot itself be voided: it is voided only if it is not a "
    "voiding Statement",
)
def voiding_not_voidable(ctx: Context) -> None:
    target, voiding, _ = _voided_pair(ctx)
    response = ctx.lrs.post_statements(ctx.voiding(voiding))
    if response.status_code == 200:
        ctx.lrs.settle(*response.json())
    else:
        (marker,) = ctx.lrs.store(ctx.statement())
        ctx.lrs.settle(marker)
    expect_status(
        ctx.lrs.get("statements", params={"statementId": voiding}),
        200,
        what="GET the voiding statement after trying to void it",
    )
    expect_status(
        ctx.lrs.get("statements", params={"statementId": target}),
        404,
        what="GET the statement it voided",
    )


@requirement(
    "Data 2.3.2",
    "voiding-unknown-target",
    "The LRS SHOULD* NOT reject a voiding Statement because its target is not present (2.0 [s58])",
)
def voiding_unknown_target(ctx: Context) -> None:
    expect_status(
        ctx.lrs.post_statements(ctx.voiding(ctx.uuid())), 200, what="voiding an unknown statement"
    )


def _chain(ctx: Context) -> tuple[dict[str, str], str, str, str]:
    """A matches the filters; B targets A, C targets B; D mentions A only in context."""
    actor, verb, activity = ctx.agent(), ctx.verb(), ctx.activity()
    a = ctx.statement(id=ctx.uuid(), actor=actor, verb=verb, object=activity)
    ctx.lrs.store(a)
    ctx.lrs.settle(a["id"])
    time.sleep(0.03)
    b = ctx.statement(id=ctx.uuid(), object={"objectType": "StatementRef", "id": a["id"]})
    ctx.lrs.store(b)
    c = ctx.statement(id=ctx.uuid(), object={"objectType": "StatementRef", "id": b["id"]})
    d = ctx.statement(
        id=ctx.uuid(), context={"statement": {"objectType": "StatementRef", "id": a["id"]}}
    )
    ctx.lrs.store(c, d)
    ctx.lrs.settle(b["id"], c["id"], d["id"])
    names = {
        a["id"]: "A",
        b["id"]: "B (targets A)",
        c["id"]: "C (targets B)",
        d["id"]: "D (context only)",
    }
    return names, json.dumps(actor), str(verb["id"]), str(activity["id"])


@requirement(
    "Communication 2.1.3",
    "statementref-filter",
    "Statements targeting another by a StatementRef object match the non-time filters when the "
    "targeted Statement does, recursively; a StatementRef in context does not count",
)
def statementref_filter(ctx: Context) -> None:
    names, agent, verb, activity = _chain(ctx)
    a, b, c, _ = names
    for key, value in (("verb", verb), ("activity", activity), ("agent", agent)):
        expect_set(ids_of(ctx, {key: value}), {a, b, c}, names, f"{key} filter")


@requirement(
    "Communication 2.1.3",
    "statementref-time-filters",
    "Time and sequence filters (since, until, limit) still apply to the Statement making the "
    "StatementRef",
)
def statementref_time_filters(ctx: Context) -> None:
    names, _, verb, _ = _chain(ctx)
    a, b, c, _ = names
    a_stored, b_stored = (
        stored_of(ctx.lrs.fetch_statement(a)),
        stored_of(ctx.lrs.fetch_statement(b)),
    )
    since = format_timestamp(midpoint(a_stored, b_stored))
    expect_set(
        ids_of(ctx, {"verb": verb, "since": since}), {b, c}, names, f"verb filter since {since}"
    )
    until = format_timestamp(midpoint(a_stored, b_stored))
    expect_set(
        ids_of(ctx, {"verb": verb, "until": until}), {a}, names, f"verb filter until {until}"
    )
    page = ctx.lrs.query({"verb": verb, "limit": "1"})["statements"]
    expect(len(page) == 1, f"limit=1 returned {len(page)} statements")
