"""What the LRS returns for a stored Statement: the properties it sets (authority, timestamp,
version, stored) and the serialization it must keep (Data 2.2, 2.4.6.2, 2.4.7, 2.4.9, 2.4.10)."""

from __future__ import annotations

import struct
from typing import Any

from conformance.compare import differences, normalise, not_sent
from conformance.context import Context, expect
from conformance.registry import V1, V2, requirement
from conformance.util import need_timestamp, short

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


@requirement(
    "Data 2.4.9",
    "authority-agent",
    "The LRS MUST ensure every stored Statement has an authority; with HTTP Basic it is the "
    "user as an Agent",
)
def authority_agent(ctx: Context) -> None:
    statement_id = ctx.uuid()
    ctx.lrs.store(ctx.statement(id=statement_id))
    authority = ctx.lrs.fetch_statement(statement_id).get("authority")
    expect(isinstance(authority, dict), f"stored statement has no authority: {short(authority)}")
    assert isinstance(authority, dict)
    expect(
        authority.get("objectType", "Agent") == "Agent",
        f"authority is not an Agent: {short(authority)}",
    )
    ifis = [k for k in IFIS if k in authority]
    expect(len(ifis) == 1, f"authority Agent must have exactly one IFI: {short(authority)}")


@requirement(
    "Data 2.4.7",
    "timestamp-set-to-stored",
    'The "timestamp" property SHOULD* be set by the LRS to the value of "stored" if not provided',
)
def timestamp_set_to_stored(ctx: Context) -> None:
    statement_id = ctx.uuid()
    ctx.lrs.store(ctx.statement(id=statement_id))
    statement = ctx.lrs.fetch_statement(statement_id)
    stored = need_timestamp(statement.get("stored"), "stored")
    timestamp = need_timestamp(statement.get("timestamp"), "timestamp")
    expect(
        abs((timestamp - stored).total_seconds()) < 0.001,
        f"timestamp {statement.get('timestamp')} != stored {statement.get('stored')}",
    )


@requirement(
    "Data 2.4.10",
    "version-set-1.0",
    'Statements MUST retain the version they are accepted with; without one it MUST be set to "1.0.0"',
    versions=V1,
)
def version_set_1_0(ctx: Context) -> None:
    plain, versioned = ctx.uuid(), ctx.uuid()
    ctx.lrs.store(ctx.statement(id=plain), ctx.statement(id=versioned, version="1.0.3"))
    expect(
        ctx.lrs.fetch_statement(plain).get("version") == "1.0.0",
        "statement without version did not get 1.0.0",
    )
    got = ctx.lrs.fetch_statement(versioned).get("version")
    expect(got == "1.0.3", f"statement sent with version 1.0.3 came back with {got!r}")


@requirement(
    "Data 2.4.10",
    "version-retained-2.0",
    "Statements MUST retain the version they are accepted with, and every returned Statement has one",
    versions=V2,
)
def version_retained_2_0(ctx: Context) -> None:
    plain, versioned = ctx.uuid(), ctx.uuid()
    ctx.lrs.store(ctx.statement(id=plain), ctx.statement(id=versioned, version="2.0.0"))
    got = ctx.lrs.fetch_statement(plain).get("version")
    expect(
        isinstance(got, str) and got.startswith("2.0."),
        f"statement without version came back with {got!r}",
    )
    got = ctx.lrs.fetch_statement(versioned).get("version")
    expect(got == "2.0.0", f"statement sent with version 2.0.0 came back with {got!r}")


def _rich(ctx: Context) -> dict[str, Any]:
    return ctx.statement(
        id=ctx.uuid(),
        actor={"mbox": ctx.mbox(), "name": "Åsa Öberg 学习者"},
        verb={"id": ctx.iri("verbs"), "display": {"en-US": "practised", "fr": "pratiqué"}},
        object=ctx.activity(
            name={"en-US": "Central line insertion", "de": "Zentralvenenkatheter"},
            description={"en-US": "Simulated procedure"},
            type="http://adlnet.gov/expapi/activities/simulation",
            extensions={
                "http://conformance.example.org/ext/station": {"room": 3, "tags": ["a", None]}
            },
        ),
        result={
            "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
            "success": True,
            "completion": True,
            "response": "done",
            "duration": "PT1H2M3.5S",
        },
        context={
            "registration": ctx.uuid(),
            "instructor": ctx.agent("Dr Preceptor"),
            "platform": "sim",
            "language": "en-GB",
            "contextActivities": {"grouping": [ctx.activity()]},
            "extensions": {"http://conformance.example.org/ext/shift": "night"},
        },
        timestamp="2021-03-04T05:06:07.890Z",
    )


@requirement(
    "Data 2.2",
    "exact-roundtrip",
    "The LRS MUST NOT return a different serialization of any property except the listed "
    "exceptions (format=exact returns objects exactly as received)",
)
def exact_roundtrip(ctx: Context) -> None:
    sent = _rich(ctx)
    ctx.lrs.store(sent)
    ignore = not_sent(sent)
    for label, form in (("format=exact", "exact"), ("default format", None)):
        returned = ctx.lrs.fetch_statement(sent["id"], format=form)
        diffs = differences(normalise(sent, ignore), normalise(returned, ignore))
        expect(not diffs, f"returned statement ({label}) differs: " + "; ".join(diffs[:4]))


@requirement(
    "Data 2.4.6.2",
    "context-activities-as-arrays",
    "The LRS MUST return every contextActivities value as an array, a single Activity as an "
    "array of length one",
)
def context_activities_as_arrays(ctx: Context) -> None:
    statement_id = ctx.uuid()
    parent, other = ctx.activity(), ctx.activity()
    ctx.lrs.store(
        ctx.statement(
            id=statement_id, context={"contextActivities": {"parent": parent, "other": [other]}}
        )
    )
    acts = ctx.lrs.fetch_statement(statement_id).get("context", {}).get("contextActivities", {})
    expect(
        isinstance(acts.get("parent"), list) and len(acts["parent"]) == 1,
        f"parent came back as {short(acts.get('parent'))}",
    )
    expect(
        acts["parent"][0].get("id") == parent["id"], "parent array does not hold the same Activity"
    )
    expect(
        isinstance(acts.get("other"), list) and len(acts["other"]) == 1,
        f"other came back as {short(acts.get('other'))}",
    )


@requirement(
    "Data 2.2",
    "number-precision",
    "The LRS MUST process and store numbers with at least the precision of IEEE 754 32-bit floats",
)
def number_precision(ctx: Context) -> None:
    statement_id = ctx.uuid()
    score = {"scaled": 0.123456789, "raw": 123.456789, "min": 0.000123, "max": 98765.4321}
    ctx.lrs.store(ctx.statement(id=statement_id, result={"score": score}))
    got = ctx.lrs.fetch_statement(statement_id).get("result", {}).get("score", {})
    for key, value in score.items():
        single = struct.unpack("f", struct.pack("f", value))[0]
        tolerance = abs(value - single) * 1.01 + 1e-12
        returned = got.get(key)
        expect(
            isinstance(returned, int | float) and abs(returned - value) <= tolerance,
            f"score.{key} {value} came back as {returned!r}",
        )
