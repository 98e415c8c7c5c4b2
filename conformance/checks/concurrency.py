"""Communication 3.1: concurrency control (ETags, If-Match, If-None-Match) on the document
resources. 1.0.3 and 2.0 differ: 2.0 drops the SHA-1 ETag rule and makes If-Match on POST and
DELETE mandatory [s50, s52, s54]."""

from __future__ import annotations

import hashlib

from conformance.context import Context, expect, expect_status
from conformance.registry import V1
from conformance.resources import (
    JSON,
    PROFILES,
    STATE,
    Resource,
    content_of,
    create,
    etag_of,
    json_doc,
    per_resource,
    put,
)

SECTION = "Communication 3.1"
STALE = '"0000000000000000000000000000000000000000"'


def _doc(ctx: Context, res: Resource, body: object = None) -> dict[str, str]:
    params = res.one(res.scope(ctx), "guarded")
    create(ctx, res, params, body if body is not None else {"v": 1})
    return params


@per_resource(
    "etag",
    "An LRS responding to a GET of a {res} document MUST add an ETag header, in quotes",
    section=SECTION,
)
def etag(ctx: Context, res: Resource) -> None:
    params = _doc(ctx, res)
    response = ctx.lrs.get(res.path, params=params)
    expect_status(response, 200, what="GET document")
    value = response.headers.get("ETag", "")
    expect(
        len(value) > 2 and value.startswith(('"', 'W/"')) and value.endswith('"'),
        f"ETag is {value!r}",
    )


@per_resource(
    "etag-sha1",
    "Without a transfer encoding, the {res} ETag MUST be the hexadecimal SHA-1 digest of the "
    "contents (1.0.3; SHOULD be lowercase)",
    section=SECTION,
    versions=V1,
)
def etag_sha1(ctx: Context, res: Resource) -> None:
    params = _doc(ctx, res, b"some \xe2\x9c\x93 bytes")
    response = ctx.lrs.get(res.path, params=params, headers={"Accept-Encoding": "identity"})
    expect_status(response, 200, what="GET document")
    wanted = '"' + hashlib.sha1(response.content).hexdigest() + '"'
    got = response.headers.get("ETag", "")
    expect(got.lower() == wanted, f"ETag is {got!r}, SHA-1 of the contents is {wanted}")


@per_resource(
    "put-if-match",
    "A PUT to a {res} document with If-Match holding its current ETag succeeds (204); with a stale "
    "ETag the LRS MUST answer 412 and MUST NOT change it",
    section=SECTION,
)
def put_if_match(ctx: Context, res: Resource) -> None:
    params = _doc(ctx, res)
    current = etag_of(ctx, res, params)
    response = put(ctx, res, params, b'{"v": 2}', JSON, {"If-Match": current})
    expect_status(response, 204, what="PUT with If-Match of the current ETag")
    expect(json_doc(ctx, res, params) == {"v": 2}, "document not replaced")
    response = put(ctx, res, params, b'{"v": 3}', JSON, {"If-Match": current})
    expect_status(response, 412, what="PUT with If-Match of a stale ETag")
    expect(json_doc(ctx, res, params) == {"v": 2}, "document changed by a failed PUT")


@per_resource(
    "put-if-none-match",
    "A PUT to an existing {res} document with If-None-Match: * MUST answer 412 and MUST NOT change "
    "it; to a new one it succeeds",
    section=SECTION,
)
def put_if_none_match(ctx: Context, res: Resource) -> None:
    params = _doc(ctx, res)
    response = put(ctx, res, params, b'{"v": 2}', JSON, {"If-None-Match": "*"})
    expect_status(response, 412, what="PUT with If-None-Match: * to an existing document")
    expect(json_doc(ctx, res, params) == {"v": 1}, "document changed by a failed PUT")


@per_resource(
    "put-without-precondition",
    "A PUT without If-Match or If-None-Match to an existing {res} document MUST answer 409 with an "
    "explanation, and MUST NOT change it",
    section=SECTION,
    resources=PROFILES,
)
def put_without_precondition(ctx: Context, res: Resource) -> None:
    params = _doc(ctx, res)
    response = put(ctx, res, params, b'{"v": 2}', JSON)
    expect_status(response, 409, what="PUT without precondition headers to an existing document")
    expect(bool(response.content.strip()), "409 without an explanation in the body")
    expect(json_doc(ctx, res, params) == {"v": 1}, "document changed by a rejected PUT")


@per_resource(
    "put-without-precondition-allowed",
    "The {res} resource permits PUT, POST and DELETE without concurrency headers (1.0.3)",
    section=SECTION,
    versions=V1,
    resources=(STATE,),
)
def state_without_precondition(ctx: Context, res: Resource) -> None:
    params = _doc(ctx, res)
    expect_status(
        put(ctx, res, params, b'{"v": 2}', JSON), 204, what="PUT over an existing state document"
    )
    expect(json_doc(ctx, res, params) == {"v": 2}, "state document not replaced")
    response = ctx.lrs.document("POST", res.path, params, b'{"w": 3}', JSON)
    expect_status(response, 204, what="POST to a state document")
    expect_status(
        ctx.lrs.document("DELETE", res.path, params), 204, what="DELETE of a state document"
    )


@per_resource(
    "post-if-match",
    "A POST to a {res} document with If-Match holding its current ETag merges (204); with a stale "
    "ETag the LRS answers 412 and changes nothing (SHOULD* in 1.0.3, required in 2.0 [s50])",
    section=SECTION,
)
def post_if_match(ctx: Context, res: Resource) -> None:
    params = _doc(ctx, res)
    current = etag_of(ctx, res, params)
    response = ctx.lrs.document("POST", res.path, params, b'{"w": 2}', JSON, {"If-Match": current})
    expect_status(response, 204, what="POST with If-Match of the current ETag")
    response = ctx.lrs.document("POST", res.path, params, b'{"z": 3}', JSON, {"If-Match": current})
    expect_status(response, 412, what="POST with If-Match of a stale ETag")
    expect(json_doc(ctx, res, params) == {"v": 1, "w": 2}, "document changed by a failed POST")


@per_resource(
    "post-if-none-match",
    "A POST to an existing {res} document with If-None-Match: * answers 412 and changes nothing "
    "(SHOULD* in 1.0.3)",
    section=SECTION,
)
def post_if_none_match(ctx: Context, res: Resource) -> None:
    params = _doc(ctx, res)
    response = ctx.lrs.document("POST", res.path, params, b'{"w": 2}', JSON, {"If-None-Match": "*"})
    expect_status(response, 412, what="POST with If-None-Match: * to an existing document")
    expect(json_doc(ctx, res, params) == {"v": 1}, "document changed by a failed POST")


@per_resource(
    "delete-if-match",
    "A DELETE of a {res} document with a stale If-Match answers 412 and keeps it; with the current "
    "ETag it deletes it (SHOULD* in 1.0.3, required in 2.0 [s50])",
    section=SECTION,
)
def delete_if_match(ctx: Context, res: Resource) -> None:
    params = _doc(ctx, res)
    response = ctx.lrs.document("DELETE", res.path, params, headers={"If-Match": STALE})
    expect_status(response, 412, what="DELETE with a stale If-Match")
    expect(content_of(ctx, res, params) is not None, "document deleted by a failed DELETE")
    current = etag_of(ctx, res, params)
    response = ctx.lrs.document("DELETE", res.path, params, headers={"If-Match": current})
    expect_status(response, 204, what="DELETE with If-Match of the current ETag")
    expect(content_of(ctx, res, params) is None, "document still there")


@per_resource(
    "etag-changes",
    "The ETag of a {res} document changes when its contents change, and a stale one never "
    "matches a later PUT (412)",
    section=SECTION,
)
def etag_changes(ctx: Context, res: Resource) -> None:
    params = _doc(ctx, res)
    first = etag_of(ctx, res, params)
    expect_status(
        put(ctx, res, params, b'{"v": 2}', JSON, {"If-Match": first}),
        204,
        what="PUT with current ETag",
    )
    second = etag_of(ctx, res, params)
    expect(first != second, f"ETag {first} unchanged after the contents changed")
    expect_status(
        put(ctx, res, params, b'{"v": 1}', JSON, {"If-Match": STALE}),
        412,
        what="PUT with an unrelated ETag",
    )
