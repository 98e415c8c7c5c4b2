"""Communication 1.1 (HEAD), 1.2 (headers), 1.4 (encoding), 2.1.3 (statement headers) and
3.3 (versioning)."""

from __future__ import annotations

import json

import httpx

from conformance.compare import differences, normalise
from conformance.context import Context, expect, expect_status
from conformance.registry import V1, V2, requirement
from conformance.resources import RESOURCES, create
from conformance.util import need_timestamp, parse_http_date, parse_timestamp

VERSION = "X-Experience-API-Version"
CONSISTENT = "X-Experience-API-Consistent-Through"


def _sample(ctx: Context) -> dict[str, httpx.Response]:
    """One response of each kind the LRS gives: success, created, errors, unauthenticated."""
    statement_id = ctx.uuid()
    state = {"activityId": ctx.iri(), "agent": json.dumps(ctx.agent()), "stateId": "s"}
    lrs = ctx.lrs
    return {
        "GET about": lrs.get("about"),
        "GET about without version": lrs.get("about", version=None),
        "PUT statement (204)": lrs.put_statement(ctx.statement(), statement_id),
        "POST statement (200)": lrs.post_statements(ctx.statement()),
        "GET statements (200)": lrs.get("statements", params={"limit": "1"}),
        "POST invalid statement (400)": lrs.post_statements({"verb": {}}),
        "GET unknown statement (404)": lrs.get("statements", params={"statementId": ctx.uuid()}),
        "GET with bad credentials (401)": lrs.get(
            "statements", auth="Basic " + "bm9ib2R5Om5vdGhpbmc="
        ),
        "GET without version header (400)": lrs.get("statements", version=None),
        "PUT state (204)": lrs.document(
            "PUT", "activities/state", state, b"{}", "application/json"
        ),
        "GET missing state (404)": lrs.get("activities/state", params={**state, "stateId": "none"}),
    }


@requirement(
    "Communication 3.3",
    "version-header-every-response",
    'The LRS MUST include the "X-Experience-API-Version" header in every response',
)
def version_header_every_response(ctx: Context) -> None:
    missing = [label for label, r in _sample(ctx).items() if VERSION not in r.headers]
    expect(not missing, "no version header on: " + ", ".join(missing))


@requirement(
    "Communication 3.3",
    "version-header-latest-patch",
    "The LRS MUST set the version header to the latest patch version (of the version asked for)",
)
def version_header_latest_patch(ctx: Context) -> None:
    asked = ("1.0.0", "1.0.1", "1.0.3") if ctx.version == "1.0.3" else ("2.0.0",)
    problems = []
    for version in asked:
        got = ctx.lrs.get("statements", params={"limit": "1"}, version=version).headers.get(VERSION)
        if got != ctx.version:
            problems.append(f"asked {version}, answered {got!r}")
    expect(not problems, f"expected {ctx.version}: " + "; ".join(problems))


def _accepted(ctx: Context, versions: tuple[str, ...]) -> None:
    problems = []
    for version in versions:
        response = ctx.lrs.get("statements", params={"limit": "1"}, version=version)
        if response.status_code != 200:
            problems.append(f"{version}: {response.status_code}")
    expect(not problems, "rejected: " + "; ".join(problems))


@requirement(
    "Communication 3.3",
    "version-1.0-accepted",
    'The LRS MUST accept requests with a version header of "1.0" (as "1.0.0") and of any "1.0.x"',
    versions=V1,
)
def version_1_0_accepted(ctx: Context) -> None:
    _accepted(ctx, ("1.0", "1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.9"))


@requirement(
    "Communication 3.3",
    "version-2.0-accepted",
    'The LRS MUST accept requests with any "2.0.x" version header [g4]',
    versions=V2,
)
def version_2_0_accepted(ctx: Context) -> None:
    _accepted(ctx, ("2.0.0", "2.0.9"))


@requirement(
    "Communication 3.3",
    "version-missing-rejected",
    "The LRS MUST reject requests without a version header with 400",
)
def version_missing_rejected(ctx: Context) -> None:
    expect_status(
        ctx.lrs.get("statements", version=None), 400, what="GET statements without version header"
    )
    response = ctx.lrs.post_statements(ctx.statement(), version=None)
    expect_status(response, 400, what="POST statement without version header")


@requirement(
    "Communication 3.3",
    "version-unsupported-rejected",
    "The LRS MUST reject with 400 requests with a version header before 1.0.0, of 1.1.0 or "
    "later in 1.0.x, or otherwise unsupported",
)
def version_unsupported_rejected(ctx: Context) -> None:
    bad = ["0.9", "0.95", "3.0.0", "banana", ""]
    if ctx.version == "1.0.3":
        bad.append("1.1.0")
    problems = []
    for version in bad:
        response = ctx.lrs.get("statements", params={"limit": "1"}, version=version)
        if response.status_code != 400:
            problems.append(f"{version!r}: {response.status_code}")
    expect(not problems, "; ".join(problems))


@requirement(
    "Communication 2.1.3",
    "consistent-through",
    'The LRS MUST include "X-Experience-API-Consistent-Through", an ISO 8601 timestamp, on all '
    "responses to Statement resource requests",
)
def consistent_through(ctx: Context) -> None:
    statement_id = ctx.uuid()
    responses = {
        "PUT": ctx.lrs.put_statement(ctx.statement(), statement_id),
        "POST": ctx.lrs.post_statements(ctx.statement()),
    }
    ctx.lrs.fetch_statement(statement_id)
    responses["GET single"] = ctx.lrs.get("statements", params={"statementId": statement_id})
    responses["GET query"] = ctx.lrs.get("statements", params={"limit": "1"})
    problems = []
    for label, response in responses.items():
        value = response.headers.get(CONSISTENT)
        if value is None:
            problems.append(f"{label}: missing")
        elif parse_timestamp(value) is None:
            problems.append(f"{label}: {value!r} is not ISO 8601")
    expect(not problems, "; ".join(problems))


@requirement(
    "Communication 2.1.3",
    "statement-last-modified",
    'A single-Statement GET SHOULD* include a "Last-Modified" header matching its "stored" '
    "(required in 2.0 [s38-s41])",
)
def statement_last_modified(ctx: Context) -> None:
    (statement_id,) = ctx.lrs.store(ctx.statement())
    stored = need_timestamp(ctx.lrs.fetch_statement(statement_id).get("stored"), "stored")
    response = ctx.lrs.get("statements", params={"statementId": statement_id})
    value = response.headers.get("Last-Modified")
    moment = parse_http_date(value)
    expect(moment is not None, f"Last-Modified is {value!r}")
    assert moment is not None
    expect(
        abs((moment - stored).total_seconds()) < 1,
        f"Last-Modified {value} does not match stored {stored.isoformat()}",
    )


def _same_as_get(
    ctx: Context, label: str, resource: str, params: dict[str, str], status: int = 200
) -> list[str]:
    get = ctx.lrs.get(resource, params=params)
    if get.status_code != status:
        return [
            f"{label}: GET answered {get.status_code}, not {status}, so HEAD cannot be compared"
        ]
    head = ctx.lrs.request("HEAD", resource, params=params)
    problems = []
    if head.status_code != get.status_code:
        problems.append(f"{label}: HEAD {head.status_code}, GET {get.status_code}")
    if head.content:
        problems.append(f"{label}: HEAD answered a body")
    for name in ("Content-Type", "ETag", "Last-Modified", VERSION):
        if get.headers.get(name) is not None and head.headers.get(name) is None:
            problems.append(f"{label}: HEAD lacks {name}")
    if get.headers.get("ETag") and head.headers.get("ETag") not in (None, get.headers.get("ETag")):
        problems.append(f"{label}: HEAD ETag differs")
    return problems


@requirement(
    "Communication 1.1",
    "head-statements",
    "The LRS MUST answer HEAD on the Statement resource as it would GET, without a body",
)
def head_statements(ctx: Context) -> None:
    (statement_id,) = ctx.lrs.store(ctx.statement())
    ctx.lrs.settle(statement_id)
    problems = _same_as_get(ctx, "single statement", "statements", {"statementId": statement_id})
    problems += _same_as_get(
        ctx, "unknown statement", "statements", {"statementId": ctx.uuid()}, 404
    )
    problems += _same_as_get(ctx, "query", "statements", {"limit": "2"})
    expect(not problems, "; ".join(problems))


@requirement(
    "Communication 1.1",
    "head-documents",
    "The LRS MUST answer HEAD on the document resources as it would GET, without a body",
)
def head_documents(ctx: Context) -> None:
    problems = []
    for res in RESOURCES:
        scope = res.scope(ctx)
        create(ctx, res, res.one(scope, "head"), {"h": 1})
        problems += _same_as_get(ctx, f"{res.title} document", res.path, res.one(scope, "head"))
        problems += _same_as_get(ctx, f"{res.title} ids", res.path, scope)
        problems += _same_as_get(
            ctx, f"missing {res.title} document", res.path, res.one(scope, "none"), 404
        )
    expect(not problems, "; ".join(problems))


@requirement(
    "Communication 1.1",
    "head-other",
    "The LRS MUST answer HEAD on the About, Agents and Activities resources as it would GET",
)
def head_other(ctx: Context) -> None:
    problems = _same_as_get(ctx, "about", "about", {})
    problems += _same_as_get(ctx, "agents", "agents", {"agent": json.dumps(ctx.agent())})
    statement = ctx.statement()
    ctx.lrs.settle(*ctx.lrs.store(statement))
    activity = statement["object"]["id"]
    problems += _same_as_get(ctx, "activities", "activities", {"activityId": activity})
    expect(not problems, "; ".join(problems))


@requirement(
    "Communication 1.4",
    "utf8",
    "All strings MUST be encoded and interpreted as UTF-8",
)
def utf8(ctx: Context) -> None:
    statement_id = ctx.uuid()
    sent = ctx.statement(
        id=statement_id,
        actor={"objectType": "Agent", "mbox": ctx.mbox(), "name": "Zoë Łukasiewicz 山田 🩺"},
        verb={"id": ctx.iri("verbs"), "display": {"ja": "完了しました", "el": "ολοκλήρωσε"}},
        result={"response": "Ünïcödé ✓ \u00a0 \u2028 end"},
    )
    ctx.lrs.store(sent)
    got = ctx.lrs.fetch_statement(statement_id)
    diffs = []
    for key in ("actor", "verb", "result"):
        diffs += differences(normalise(sent[key]), normalise(got.get(key)), f"$.{key}")
    expect(not diffs, "non-ASCII text changed: " + "; ".join(diffs[:3]))
