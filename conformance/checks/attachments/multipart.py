"""Communication 1.5 (application/json and multipart/mixed statement requests), Data 2.4.11
and the "attachments" parameter of GET statements (Communication 2.1.3)."""

from __future__ import annotations

import json

from conformance.context import Context, expect, expect_status
from conformance.registry import requirement
from conformance.util import Part, attachment_part, parse_multipart, sha256_hex, short

from ..statements.common import absent
from .common import attachment_object, send_multipart

FILE_URL = "https://conformance.example.org/files/evidence.txt"


@requirement(
    "Communication 1.5.2",
    "multipart-accepted",
    "The LRS MUST accept multipart/mixed POST and PUT requests with Statements whose attachment "
    "parts match their sha2, including one part shared by several Statements",
)
def multipart_accepted(ctx: Context) -> None:
    data, other = f"note {ctx.run} ✓".encode(), b"\x00\x01binary\xff" * 10
    one = ctx.statement(
        id=ctx.uuid(),
        attachments=[attachment_object(data), attachment_object(other, "application/octet-stream")],
    )
    response = send_multipart(
        ctx, one, [attachment_part(data), attachment_part(other, "application/octet-stream")]
    )
    expect_status(response, 200, what="POST one statement with two attachments")
    stored = ctx.lrs.fetch_statement(one["id"])
    hashes = [a.get("sha2") for a in stored.get("attachments", [])]
    expect(
        hashes == [sha256_hex(data), sha256_hex(other)],
        f"attachments came back as {short(stored.get('attachments'))}",
    )
    shared = f"shared {ctx.run}".encode()
    batch = [ctx.statement(attachments=[attachment_object(shared)]) for _ in range(2)]
    response = send_multipart(ctx, batch, [attachment_part(shared)])
    expect_status(response, 200, what="POST two statements sharing one attachment part")
    put_id = ctx.uuid()
    response = send_multipart(
        ctx,
        ctx.statement(attachments=[attachment_object(data)]),
        [attachment_part(data)],
        put_id=put_id,
    )
    expect_status(response, 204, what="PUT a statement with an attachment")


@requirement(
    "Communication 1.5.2",
    "multipart-missing-data",
    "The LRS MUST reject (400) Statements having Attachments that neither contain a fileUrl nor "
    "match a received attachment part by their hash",
)
def multipart_missing_data(ctx: Context) -> None:
    data = f"declared {ctx.run}".encode()
    control = ctx.statement(attachments=[attachment_object(data)])
    response = send_multipart(ctx, control, [attachment_part(data)])
    expect_status(response, 200, what="setup: statement with its attachment part")
    problems = []
    absent_id = ctx.uuid()
    response = send_multipart(
        ctx, ctx.statement(id=absent_id, attachments=[attachment_object(data)]), []
    )
    if response.status_code != 400:
        problems.append(f"no attachment part: {response.status_code}")
    wrong = attachment_part(b"other bytes")
    response = send_multipart(ctx, ctx.statement(attachments=[attachment_object(data)]), [wrong])
    if response.status_code != 400:
        problems.append(f"part with another hash: {response.status_code}")
    lying = Part(b"other bytes", {**attachment_part(data).headers})
    response = send_multipart(ctx, ctx.statement(attachments=[attachment_object(data)]), [lying])
    if response.status_code != 400:
        problems.append(
            f"part whose content does not match its hash header: {response.status_code}"
        )
    expect(not problems, "; ".join(problems))
    absent(ctx, absent_id)


@requirement(
    "Communication 1.5.2",
    "multipart-structure",
    "The LRS SHOULD* reject (400) multipart requests not structured as specified: first part not "
    "application/json, or an attachment part without X-Experience-API-Hash",
)
def multipart_structure(ctx: Context) -> None:
    data = f"structure {ctx.run}".encode()
    control = ctx.statement(attachments=[attachment_object(data)])
    response = send_multipart(ctx, control, [attachment_part(data)])
    expect_status(response, 200, what="setup: well-formed multipart request")
    problems = []
    statement = ctx.statement(attachments=[attachment_object(data)])
    response = send_multipart(ctx, statement, [attachment_part(data)], first_type="text/plain")
    if response.status_code != 400:
        problems.append(f"first part text/plain: {response.status_code}")
    part = attachment_part(data)
    del part.headers["X-Experience-API-Hash"]
    response = send_multipart(ctx, ctx.statement(attachments=[attachment_object(data)]), [part])
    if response.status_code != 400:
        problems.append(f"part without X-Experience-API-Hash: {response.status_code}")
    expect(not problems, "; ".join(problems))


@requirement(
    "Communication 1.5.2",
    "multipart-without-attachments",
    "The LRS SHOULD* accept multipart/mixed requests whose Statements have no attachments, or "
    "only attachments with a fileUrl",
)
def multipart_without_attachments(ctx: Context) -> None:
    expect_status(
        send_multipart(ctx, ctx.statement(), []), 200, what="multipart with no attachments"
    )
    linked = ctx.statement(attachments=[attachment_object(b"remote", fileUrl=FILE_URL)])
    expect_status(
        send_multipart(ctx, [linked], []), 200, what="multipart with fileUrl-only attachments"
    )


@requirement(
    "Communication 1.5.1",
    "json-attachments",
    "With application/json the LRS MUST accept Statements whose attachments all have a fileUrl, "
    "and reject (400) one whose attachment has neither fileUrl nor data",
)
def json_attachments(ctx: Context) -> None:
    linked = ctx.statement(attachments=[attachment_object(b"remote", fileUrl=FILE_URL)])
    expect_status(
        ctx.lrs.post_statements([linked, ctx.statement()]),
        200,
        what="JSON batch with fileUrl attachments",
    )
    orphan_id = ctx.uuid()
    orphan = ctx.statement(id=orphan_id, attachments=[attachment_object(b"nowhere")])
    expect_status(
        ctx.lrs.post_statements(orphan),
        400,
        what="JSON statement with an attachment lacking fileUrl",
    )
    absent(ctx, orphan_id)


@requirement(
    "Communication 2.1.3",
    "get-attachments-true",
    "With attachments=true the LRS MUST answer in the multipart format: the Statement(s) as "
    "application/json first, then each attachment's raw data with its X-Experience-API-Hash",
)
def get_attachments_true(ctx: Context) -> None:
    data = f"returned {ctx.run} ✓".encode()
    registration = ctx.uuid()
    statement = ctx.statement(
        id=ctx.uuid(), attachments=[attachment_object(data)], context={"registration": registration}
    )
    expect_status(
        send_multipart(ctx, statement, [attachment_part(data)]),
        200,
        what="setup: POST with attachment",
    )
    ctx.lrs.settle(statement["id"])
    for label, params in (
        ("single", {"statementId": statement["id"], "attachments": "true"}),
        ("query", {"registration": registration, "attachments": "true"}),
    ):
        response = ctx.lrs.get("statements", params=params)
        expect_status(response, 200, what=f"GET {label} with attachments=true")
        kind = response.headers.get("Content-Type", "")
        expect(kind.lower().startswith("multipart/mixed"), f"{label}: Content-Type is {kind!r}")
        parts = parse_multipart(response.content, kind)
        first = parts[0].header("Content-Type") or ""
        expect(
            first.split(";")[0].strip() == "application/json", f"{label}: first part is {first!r}"
        )
        body = json.loads(parts[0].body)
        found = body if label == "single" else (body.get("statements") or [{}])[0]
        expect(found.get("id") == statement["id"], f"{label}: first part holds {short(body, 100)}")
        matching = [p for p in parts[1:] if p.header("X-Experience-API-Hash") == sha256_hex(data)]
        expect(
            bool(matching), f"{label}: no part with the attachment's hash among {len(parts) - 1}"
        )
        expect(
            matching[0].body == data,
            f"{label}: attachment data came back as {short(matching[0].body, 60)}",
        )


@requirement(
    "Communication 2.1.3",
    "get-attachments-false",
    "With attachments=false (the default) the LRS MUST NOT include attachment data and MUST "
    "report application/json",
)
def get_attachments_false(ctx: Context) -> None:
    data = f"kept back {ctx.run}".encode()
    statement = ctx.statement(id=ctx.uuid(), attachments=[attachment_object(data)])
    expect_status(
        send_multipart(ctx, statement, [attachment_part(data)]),
        200,
        what="setup: POST with attachment",
    )
    ctx.lrs.fetch_statement(statement["id"])
    for params in (
        {"statementId": statement["id"]},
        {"statementId": statement["id"], "attachments": "false"},
    ):
        response = ctx.lrs.get("statements", params=params)
        kind = response.headers.get("Content-Type", "")
        expect(
            kind.split(";")[0].strip() == "application/json",
            f"Content-Type is {kind!r} for {params}",
        )
        expect(data not in response.content, "attachment data included")
