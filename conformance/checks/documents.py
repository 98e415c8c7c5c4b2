"""Communication 2.2, 2.3, 2.6, 2.7: the document resources (state, activity profile, agent
profile), each behaviour checked on every resource."""

from __future__ import annotations

import json
import time

from conformance.context import Context, expect, expect_status, json_of, stored_of
from conformance.registry import requirement
from conformance.resources import (
    JSON,
    PROFILES,
    STATE,
    Resource,
    content_of,
    create,
    json_doc,
    per_resource,
    put,
)
from conformance.util import format_timestamp, parse_http_date, short

BINARY = bytes(range(256)) * 4


@per_resource(
    "put-get",
    "PUT stores a {res} document (204), even for an Activity or Agent the LRS has never seen, "
    "and GET returns it (200) with its content and Content-Type",
)
def put_get(ctx: Context, res: Resource) -> None:
    scope = res.scope(ctx)
    binary, text = res.one(scope, "binary"), res.one(scope, "json")
    response = put(ctx, res, binary, BINARY, "application/octet-stream", {"If-None-Match": "*"})
    expect_status(response, 204, what="PUT binary document")
    response = ctx.lrs.get(res.path, params=binary)
    expect_status(response, 200, what="GET binary document")
    expect(
        response.content == BINARY,
        f"binary document came back changed ({len(response.content)} bytes)",
    )
    kind = response.headers.get("Content-Type", "")
    expect(
        kind.split(";")[0].strip() == "application/octet-stream",
        f"Content-Type came back as {kind!r}",
    )
    document = {"bookmark": "page-7", "score": 3, "nested": {"a": [1, 2]}}
    expect_status(
        put(ctx, res, text, json.dumps(document).encode(), JSON, {"If-None-Match": "*"}),
        204,
        what="PUT JSON document",
    )
    response = ctx.lrs.get(res.path, params=text)
    expect_status(response, 200, what="GET JSON document")
    expect(
        json_of(response, "document") == document,
        f"JSON document came back as {short(response.text)}",
    )
    kind = response.headers.get("Content-Type", "")
    expect(kind.split(";")[0].strip() == JSON, f"Content-Type came back as {kind!r}")


@per_resource("get-missing-404", "GET of a {res} document that does not exist answers 404")
def get_missing(ctx: Context, res: Resource) -> None:
    scope = res.scope(ctx)
    create(ctx, res, res.one(scope, "stored"), {"x": 1})
    response = ctx.lrs.get(res.path, params=res.one(scope, "never-stored"))
    expect_status(response, 404, what="GET of a missing document")


@per_resource("post-creates", "POST of a {res} document that does not exist stores it (204)")
def post_creates(ctx: Context, res: Resource) -> None:
    params = res.one(res.scope(ctx), "posted")
    response = ctx.lrs.document("POST", res.path, params, b'{"x": "foo"}', JSON)
    expect_status(response, 204, what="POST new JSON document")
    got = json_doc(ctx, res, params)
    expect(got == {"x": "foo"}, f"document came back as {short(got)}")


@per_resource(
    "post-merge",
    "POST of a JSON object onto a JSON {res} document MUST merge top-level properties (the posted "
    "ones replace existing ones whole) and answer 204",
    section="Communication 2.2",
)
def post_merge(ctx: Context, res: Resource) -> None:
    params = res.one(res.scope(ctx), "merged")
    create(ctx, res, params, {"x": "foo", "y": "bar", "n": {"keep": 1, "drop": 2}})
    etag = ctx.lrs.get(res.path, params=params).headers.get("ETag", "")
    headers = {"If-Match": etag} if etag else {}
    body = b'{"x": "bash", "z": "faz", "n": {"keep": 3}}'
    response = ctx.lrs.document("POST", res.path, params, body, JSON, headers)
    expect_status(response, 204, what="POST JSON onto a JSON document")
    got = json_doc(ctx, res, params)
    wanted = {"x": "bash", "y": "bar", "z": "faz", "n": {"keep": 3}}
    expect(got == wanted, f"merged document is {short(got)}, expected {short(wanted)}")


@per_resource(
    "post-merge-needs-json",
    "If the posted or the existing {res} document is not a JSON object (application/json), POST "
    "MUST answer 400 and MUST NOT change the document",
    section="Communication 2.2",
)
def post_merge_needs_json(ctx: Context, res: Resource) -> None:
    scope = res.scope(ctx)
    problems = []
    text = res.one(scope, "text")
    create(ctx, res, text, b"plain words", "text/plain")
    response = ctx.lrs.document("POST", res.path, text, b'{"x": 1}', JSON)
    if response.status_code != 400:
        problems.append(f"JSON onto a text/plain document: {response.status_code}")
    if content_of(ctx, res, text) != b"plain words":
        problems.append("text/plain document changed")
    target = res.one(scope, "json")
    create(ctx, res, target, {"x": 1})
    for label, body, kind in (
        ("text/plain body", b'{"y": 2}', "text/plain"),
        ("JSON array", b"[1, 2]", JSON),
        ("malformed JSON", b'{"y": ', JSON),
        ("JSON string", b'"y"', JSON),
    ):
        response = ctx.lrs.document("POST", res.path, target, body, kind)
        if response.status_code != 400:
            problems.append(f"{label}: {response.status_code}")
    got = json_doc(ctx, res, target)
    if got != {"x": 1}:
        problems.append(f"JSON document changed to {short(got)}")
    expect(not problems, "; ".join(problems))


@per_resource("delete", "DELETE of a {res} document answers 204 and removes it")
def delete(ctx: Context, res: Resource) -> None:
    params = res.one(res.scope(ctx), "doomed")
    create(ctx, res, params, {"x": 1})
    expect_status(ctx.lrs.document("DELETE", res.path, params), 204, what="DELETE document")
    expect(content_of(ctx, res, params) is None, "document still there after DELETE")


@per_resource(
    "list-ids",
    "GET of the {res} resource without a document id answers 200 with the array of the ids stored "
    "in that context",
)
def list_ids(ctx: Context, res: Resource) -> None:
    scope = res.scope(ctx)
    for doc_id in ("alpha", "beta", "gamma δ"):
        create(ctx, res, res.one(scope, doc_id), {"id": doc_id})
    response = ctx.lrs.get(res.path, params=scope)
    expect_status(response, 200, what="GET ids")
    ids = json_of(response, "ids")
    expect(
        isinstance(ids, list) and sorted(ids) == ["alpha", "beta", "gamma δ"],
        f"ids are {short(ids)}",
    )


@per_resource(
    "list-since",
    'With "since", GET of the {res} ids returns only documents stored or updated after that '
    "Timestamp (exclusive)",
)
def list_since(ctx: Context, res: Resource) -> None:
    scope = res.scope(ctx)
    create(ctx, res, res.one(scope, "before"), {"n": 1})
    create(ctx, res, res.one(scope, "updated"), {"n": 1})
    time.sleep(0.03)
    (marker,) = ctx.lrs.store(ctx.statement())
    since = format_timestamp(stored_of(ctx.lrs.fetch_statement(marker)))
    time.sleep(0.03)
    create(ctx, res, res.one(scope, "after"), {"n": 2})
    response = ctx.lrs.document("POST", res.path, res.one(scope, "updated"), b'{"m": 2}', JSON)
    expect_status(response, 204, what="setup: POST update of a document")
    response = ctx.lrs.get(res.path, params={**scope, "since": since})
    expect_status(response, 200, what="GET ids with since")
    ids = json_of(response, "ids")
    expect(
        isinstance(ids, list) and sorted(ids) == ["after", "updated"],
        f"since={since} (the LRS's stored time between the writes) returned {short(ids)}, expected after and updated",
    )


@per_resource(
    "last-modified",
    'GET of a single {res} document SHOULD* include a "Last-Modified" header with when it was last '
    "modified (required in 2.0 [s38-s41])",
    section="Communication 2.2",
)
def last_modified(ctx: Context, res: Resource) -> None:
    params = res.one(res.scope(ctx), "dated")
    create(ctx, res, params, {"x": 1})
    response = ctx.lrs.get(res.path, params=params)
    moment = parse_http_date(response.headers.get("Last-Modified"))
    expect(moment is not None, f"Last-Modified is {response.headers.get('Last-Modified')!r}")
    served = parse_http_date(response.headers.get("Date"))
    if served is not None and moment is not None:
        expect(
            abs((served - moment).total_seconds()) < 300,
            f"Last-Modified {response.headers.get('Last-Modified')} is not the time of the PUT",
        )


@per_resource(
    "list-last-modified",
    'GET of several {res} ids SHOULD* include a "Last-Modified" header with when the latest one '
    "was modified",
    section="Communication 2.2",
)
def list_last_modified(ctx: Context, res: Resource) -> None:
    scope = res.scope(ctx)
    create(ctx, res, res.one(scope, "one"), {"x": 1})
    response = ctx.lrs.get(res.path, params=scope)
    expect_status(response, 200, what="GET ids")
    value = response.headers.get("Last-Modified")
    expect(parse_http_date(value) is not None, f"Last-Modified is {value!r}")


@per_resource(
    "required-params",
    "Requests to the {res} resource missing a required parameter answer 400",
)
def required_params(ctx: Context, res: Resource) -> None:
    scope = res.scope(ctx)
    problems = []
    for missing in [k for k in ("activityId", "agent") if k in scope]:
        params = {k: v for k, v in res.one(scope, "doc").items() if k != missing}
        for method in ("GET", "PUT"):
            response = ctx.lrs.document(
                method, res.path, params, b"{}", JSON if method == "PUT" else None
            )
            if response.status_code != 400:
                problems.append(f"{method} without {missing}: {response.status_code}")
    response = put(ctx, res, scope, b"{}", JSON, {"If-None-Match": "*"})
    if response.status_code != 400:
        problems.append(f"PUT without {res.id_param}: {response.status_code}")
    if res in PROFILES:
        response = ctx.lrs.document("DELETE", res.path, scope)
        if response.status_code != 400:
            problems.append(f"DELETE without {res.id_param}: {response.status_code}")
    expect(not problems, "; ".join(problems))


@per_resource(
    "param-values",
    "The LRS MUST validate {res} parameter values like Statement values: agent a JSON Agent with "
    "one IFI, activityId an IRI, registration a UUID, since a Timestamp (400 otherwise)",
    section="Data 2.2",
)
def param_values(ctx: Context, res: Resource) -> None:
    scope = res.scope(ctx)
    bad: dict[str, dict[str, str]] = {"since not a timestamp": {**scope, "since": "last week"}}
    if res.agent:
        bad["agent not JSON"] = {**scope, "agent": "mailto:someone@conformance.example.org"}
        bad["agent without IFI"] = {**scope, "agent": json.dumps({"name": "x"})}
        bad["agent with two IFIs"] = {
            **scope,
            "agent": json.dumps(
                {"mbox": "mailto:a@conformance.example.org", "openid": "http://o.example.org/a"}
            ),
        }
    if res.activity:
        bad["activityId not an IRI"] = {**scope, "activityId": "not an iri"}
    if res is STATE:
        bad["registration not a UUID"] = {**scope, "registration": "attempt-1"}
    problems = []
    for label, params in bad.items():
        response = ctx.lrs.get(res.path, params=params)
        if response.status_code != 400:
            problems.append(f"{label}: {response.status_code}")
    expect(not problems, "; ".join(problems))


@requirement(
    "Communication 2.3",
    "state-registration-scope",
    "A State document lives in the context of its Activity, Agent and registration: another "
    "registration neither sees nor lists it",
)
def state_registration_scope(ctx: Context) -> None:
    scope = STATE.scope(ctx)
    first, second = ctx.uuid(), ctx.uuid()
    create(ctx, STATE, STATE.one({**scope, "registration": first}, "bookmark"), {"r": 1})
    got = content_of(ctx, STATE, STATE.one({**scope, "registration": second}, "bookmark"))
    expect(got is None, "document stored under one registration was returned for another")
    response = ctx.lrs.get(STATE.path, params={**scope, "registration": second})
    expect_status(response, 200, what="GET state ids of another registration")
    expect(json_of(response, "ids") == [], f"another registration lists {short(response.text)}")


@requirement(
    "Communication 2.3",
    "state-delete-all",
    "DELETE of the State resource without stateId deletes all state documents of the context "
    "(Activity + Agent [+ registration]) and answers 204",
)
def state_delete_all(ctx: Context) -> None:
    scope = STATE.scope(ctx)
    first, second = {**scope, "registration": ctx.uuid()}, {**scope, "registration": ctx.uuid()}
    for doc_id in ("a", "b"):
        create(ctx, STATE, STATE.one(first, doc_id), {"d": doc_id})
    create(ctx, STATE, STATE.one(second, "kept"), {"d": "kept"})
    create(ctx, STATE, STATE.one(scope, "plain"), {"d": "plain"})
    expect_status(
        ctx.lrs.document("DELETE", STATE.path, first),
        204,
        what="DELETE all state of a registration",
    )
    expect(content_of(ctx, STATE, STATE.one(first, "a")) is None, "state document a still there")
    expect(content_of(ctx, STATE, STATE.one(first, "b")) is None, "state document b still there")
    expect(
        content_of(ctx, STATE, STATE.one(second, "kept")) is not None,
        "another registration's state was deleted",
    )
    expect_status(
        ctx.lrs.document("DELETE", STATE.path, scope), 204, what="DELETE all state of the context"
    )
    expect(
        content_of(ctx, STATE, STATE.one(scope, "plain")) is None,
        "state without registration still there",
    )
