"""Communication 3.2: error codes (400 for unknown or wrong-case parameters, malformed
requests; 404 for missing resources)."""

from __future__ import annotations

import json

from conformance.context import Context, expect
from conformance.registry import requirement
from conformance.resources import ACTIVITY_PROFILE, AGENT_PROFILE, STATE, create


def _all_400(ctx: Context, requests: dict[str, tuple[str, str, dict[str, str]]]) -> None:
    problems = []
    for label, (method, resource, params) in requests.items():
        body = b"{}" if method in ("PUT", "POST") else None
        headers = {"Content-Type": "application/json", "If-None-Match": "*"} if body else {}
        response = ctx.lrs.request(method, resource, params=params, content=body, headers=headers)
        if response.status_code != 400:
            problems.append(f"{label}: {response.status_code}")
    expect(not problems, "; ".join(problems))


@requirement(
    "Communication 3.2",
    "unknown-parameter",
    "The LRS MUST reject with 400 any request using a parameter it does not recognize in its "
    "context",
)
def unknown_parameter(ctx: Context) -> None:
    (statement_id,) = ctx.lrs.store(ctx.statement())
    agent = json.dumps(ctx.agent())
    activity = ctx.iri()
    state = {"activityId": activity, "agent": agent, "stateId": "s"}
    _all_400(
        ctx,
        {
            "GET statements?foo": ("GET", "statements", {"foo": "bar"}),
            "GET statements?statementId&foo": (
                "GET",
                "statements",
                {"statementId": statement_id, "foo": "bar"},
            ),
            "GET statements?verb&page": (
                "GET",
                "statements",
                {"verb": "http://adlnet.gov/expapi/verbs/experienced", "page": "2"},
            ),
            "GET state?foo": ("GET", "activities/state", {**state, "foo": "bar"}),
            "PUT state?profileId": ("PUT", "activities/state", {**state, "profileId": "p"}),
            "GET activities/profile?stateId": (
                "GET",
                "activities/profile",
                {"activityId": activity, "stateId": "s"},
            ),
            "GET agents/profile?activityId": (
                "GET",
                "agents/profile",
                {"agent": agent, "activityId": activity},
            ),
            "GET agents?foo": ("GET", "agents", {"agent": agent, "foo": "bar"}),
            "GET activities?foo": ("GET", "activities", {"activityId": activity, "foo": "bar"}),
        },
    )


@requirement(
    "Communication 3.2",
    "wrong-case-parameter",
    "The LRS MUST reject with 400 any request using parameters that match the specification's "
    "parameters in all but case",
)
def wrong_case_parameter(ctx: Context) -> None:
    (statement_id,) = ctx.lrs.store(ctx.statement())
    ctx.lrs.fetch_statement(statement_id)
    agent = json.dumps(ctx.agent())
    activity = ctx.iri()
    _all_400(
        ctx,
        {
            "statementID": ("GET", "statements", {"statementID": statement_id}),
            "StatementId": ("GET", "statements", {"StatementId": statement_id}),
            "Verb": ("GET", "statements", {"Verb": "http://adlnet.gov/expapi/verbs/experienced"}),
            "LIMIT": ("GET", "statements", {"LIMIT": "1"}),
            "state ActivityId": (
                "GET",
                "activities/state",
                {"ActivityId": activity, "agent": agent, "stateId": "s"},
            ),
            "state StateId": (
                "GET",
                "activities/state",
                {"activityId": activity, "agent": agent, "StateId": "s"},
            ),
            "agents Agent": ("GET", "agents", {"Agent": agent}),
            "activities activityID": ("GET", "activities", {"activityID": activity}),
            "profile ProfileId": (
                "GET",
                "activities/profile",
                {"activityId": activity, "ProfileId": "p"},
            ),
        },
    )


@requirement(
    "Communication 3.2",
    "malformed-body",
    "A request whose body is malformed JSON, or not a Statement or array of Statements, is "
    "rejected with 400",
)
def malformed_body(ctx: Context) -> None:
    problems = []
    for label, body in (
        ("truncated JSON", b'{"actor": {"mbox": "mailto:a@conformance.example.org"}, "verb": '),
        ("not JSON", b"actor=me&verb=did"),
        ("JSON string", b'"statement"'),
        ("JSON number", b"42"),
        ("array of strings", b'["a", "b"]'),
    ):
        response = ctx.lrs.request(
            "POST", "statements", content=body, headers={"Content-Type": "application/json"}
        )
        if response.status_code != 400:
            problems.append(f"POST {label}: {response.status_code}")
    response = ctx.lrs.request(
        "PUT",
        "statements",
        params={"statementId": ctx.uuid()},
        content=b"{",
        headers={"Content-Type": "application/json"},
    )
    if response.status_code != 400:
        problems.append(f"PUT truncated JSON: {response.status_code}")
    expect(not problems, "; ".join(problems))


@requirement(
    "Communication 3.2",
    "content-type-mismatch",
    "The LRS SHOULD* reject with 400 a request whose Content-Type does not match its content",
)
def content_type_mismatch(ctx: Context) -> None:
    body = json.dumps(ctx.statement()).encode()
    problems = []
    for kind in ("text/plain", "application/xml", "multipart/mixed; boundary=nothing-here"):
        response = ctx.lrs.request(
            "POST", "statements", content=body, headers={"Content-Type": kind}
        )
        if response.status_code != 400:
            problems.append(f"JSON sent as {kind}: {response.status_code}")
    expect(not problems, "; ".join(problems))


@requirement(
    "Communication 3.2",
    "not-found",
    "The LRS answers 404 to requests for a single Statement or document that does not exist",
)
def not_found(ctx: Context) -> None:
    problems = []
    response = ctx.lrs.get("statements", params={"statementId": ctx.uuid()})
    if response.status_code != 404:
        problems.append(f"unknown statementId: {response.status_code}")
    response = ctx.lrs.get("statements", params={"voidedStatementId": ctx.uuid()})
    if response.status_code != 404:
        problems.append(f"unknown voidedStatementId: {response.status_code}")
    for res in (STATE, ACTIVITY_PROFILE, AGENT_PROFILE):
        scope = res.scope(ctx)
        create(ctx, res, res.one(scope, "exists"), {"x": 1})
        response = ctx.lrs.get(res.path, params=res.one(scope, "does-not-exist"))
        if response.status_code != 404:
            problems.append(f"unknown {res.title} document: {response.status_code}")
    expect(not problems, "; ".join(problems))
