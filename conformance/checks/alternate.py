"""Communication 1.3: the alternate request syntax (1.0.3 only; dropped from 2.0): a form POST
with the intended method in ?method=, and headers, parameters and content as form fields."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import httpx

from conformance.context import Context, expect, expect_status, json_of
from conformance.registry import V1, requirement
from conformance.resources import ACTIVITY_PROFILE, STATE, create, json_doc
from conformance.util import short

FORM = "application/x-www-form-urlencoded"


def alternate(
    ctx: Context,
    method: str,
    resource: str,
    fields: dict[str, str],
    *,
    content: str | None = None,
    query: dict[str, str] | None = None,
    headers_as_fields: bool = True,
) -> httpx.Response:
    """POST resource?method=METHOD with the form; by default Authorization and the version go as
    form fields only, not HTTP headers."""
    form = dict(fields)
    if content is not None:
        form["content"] = content
        form.setdefault("Content-Type", "application/json")
    auth: str | None = ctx.lrs.authorization
    version: str | None = ctx.version
    if headers_as_fields:
        form["Authorization"] = ctx.lrs.authorization
        form["X-Experience-API-Version"] = ctx.version
        auth = version = None
    return ctx.lrs.request(
        "POST",
        resource,
        params={"method": method, **(query or {})},
        content=urlencode(form).encode(),
        headers={"Content-Type": FORM},
        auth=auth,
        version=version,
    )


@requirement(
    "Communication 1.3",
    "alternate-put-statement",
    "The LRS MUST support the alternate syntax: a PUT of a Statement as a form POST with "
    "method=PUT, content (read as UTF-8), statementId and the Authorization and version headers "
    "as form fields",
    versions=V1,
)
def alternate_put_statement(ctx: Context) -> None:
    statement_id = ctx.uuid()
    statement = ctx.statement(id=statement_id, result={"response": "Grüße ✓ 学"})
    content = json.dumps(statement, ensure_ascii=False)
    response = alternate(ctx, "PUT", "statements", {"statementId": statement_id}, content=content)
    expect_status(response, 204, what="alternate-syntax PUT statement")
    got = ctx.lrs.fetch_statement(statement_id)
    expect(got.get("id") == statement_id, "statement not stored")
    response_text = got.get("result", {}).get("response")
    expect(response_text == "Grüße ✓ 学", f"content not read as UTF-8: {response_text!r}")


@requirement(
    "Communication 1.3",
    "alternate-post-statement",
    "With the alternate syntax, method=POST stores Statements from the content form field",
    versions=V1,
)
def alternate_post_statement(ctx: Context) -> None:
    statement = ctx.statement(id=ctx.uuid())
    response = alternate(ctx, "POST", "statements", {}, content=json.dumps([statement]))
    expect_status(response, 200, what="alternate-syntax POST statements")
    expect(json_of(response, "POST") == [statement["id"]], f"answered {short(response.text)}")
    ctx.lrs.fetch_statement(statement["id"])


@requirement(
    "Communication 1.3",
    "alternate-get-statements",
    "With the alternate syntax, method=GET fetches Statements, form fields other than content and "
    "the listed headers being treated as query parameters",
    versions=V1,
)
def alternate_get_statements(ctx: Context) -> None:
    registration = ctx.uuid()
    (statement_id,) = ctx.lrs.store(ctx.statement(context={"registration": registration}))
    ctx.lrs.settle(statement_id)
    response = alternate(ctx, "GET", "statements", {"statementId": statement_id})
    expect_status(response, 200, what="alternate-syntax GET statementId")
    expect(json_of(response, "GET").get("id") == statement_id, f"answered {short(response.text)}")
    response = alternate(ctx, "GET", "statements", {"registration": registration})
    expect_status(response, 200, what="alternate-syntax GET query")
    ids = [s.get("id") for s in json_of(response, "GET").get("statements", [])]
    expect(ids == [statement_id], f"query by registration returned {ids}")


@requirement(
    "Communication 1.3",
    "alternate-documents",
    "The alternate syntax works on the document resources: PUT, GET and DELETE with parameters "
    "as form fields",
    versions=V1,
)
def alternate_documents(ctx: Context) -> None:
    params = STATE.one(STATE.scope(ctx), "alt")
    response = alternate(ctx, "PUT", STATE.path, params, content=json.dumps({"via": "form"}))
    expect_status(response, 204, what="alternate-syntax PUT state")
    response = alternate(ctx, "GET", STATE.path, params)
    expect_status(response, 200, what="alternate-syntax GET state")
    expect(
        json_of(response, "state") == {"via": "form"}, f"state came back as {short(response.text)}"
    )
    expect_status(
        alternate(ctx, "DELETE", STATE.path, params), 204, what="alternate-syntax DELETE state"
    )
    expect(json_doc(ctx, STATE, params) is None, "state document still there after DELETE")


@requirement(
    "Communication 1.3",
    "alternate-precondition-fields",
    "The LRS MUST treat If-Match and If-None-Match form fields as headers",
    versions=V1,
)
def alternate_precondition_fields(ctx: Context) -> None:
    params = ACTIVITY_PROFILE.one(ACTIVITY_PROFILE.scope(ctx), "alt")
    create(ctx, ACTIVITY_PROFILE, params, {"v": 1})
    response = alternate(
        ctx, "PUT", ACTIVITY_PROFILE.path, {**params, "If-None-Match": "*"}, content='{"v": 2}'
    )
    expect_status(
        response, 412, what="alternate-syntax PUT with If-None-Match=* over an existing document"
    )
    expect(json_doc(ctx, ACTIVITY_PROFILE, params) == {"v": 1}, "document changed")


@requirement(
    "Communication 3.2",
    "alternate-malformed",
    "The LRS SHOULD* reject with 400 a form-encoded request without a method parameter, or with "
    "query parameters besides method",
    versions=V1,
)
def alternate_malformed(ctx: Context) -> None:
    problems = []
    statement_id = ctx.uuid()
    form = urlencode(
        {"statementId": statement_id, "content": json.dumps(ctx.statement(id=statement_id))}
    )
    response = ctx.lrs.request(
        "POST", "statements", content=form.encode(), headers={"Content-Type": FORM}
    )
    if response.status_code != 400:
        problems.append(f"form POST without method: {response.status_code}")
    other = ctx.uuid()
    response = alternate(
        ctx,
        "PUT",
        "statements",
        {},
        content=json.dumps(ctx.statement(id=other)),
        query={"statementId": other},
    )
    if response.status_code != 400:
        problems.append(f"statementId in the query string: {response.status_code}")
    expect(not problems, "; ".join(problems))
