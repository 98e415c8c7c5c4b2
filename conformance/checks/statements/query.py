"""Communication 2.1.3: the query parameters of GET statements."""

from __future__ import annotations

import json
from typing import Any

from conformance.context import Context, expect, expect_status, stored_of
from conformance.examples import sub_statement
from conformance.registry import CheckFailed, requirement
from conformance.util import format_timestamp, midpoint, short

from .common import expect_set, ids_of, three_in_turn


@requirement(
    "Communication 2.1.3",
    "query-agent",
    'The "agent" filter returns Statements whose actor or object is that Agent (or a Group with '
    "it as a member), and not those where it only appears elsewhere",
)
def query_agent(ctx: Context) -> None:
    who = ctx.agent("Filtered")
    team = ctx.group(ctx.agent(), identified=True)
    cases = {
        "actor": ctx.statement(actor=who),
        "object": ctx.statement(object=who),
        "group member actor": ctx.statement(actor=ctx.group(ctx.agent(), {"mbox": who["mbox"]})),
        "identified group actor": ctx.statement(actor=team),
        "instructor only": ctx.statement(context={"instructor": who}),
        "someone else": ctx.statement(),
    }
    ids = ctx.lrs.store(*cases.values())
    ctx.lrs.settle(*ids)
    names = dict(zip(ids, cases, strict=True))
    got = ids_of(ctx, {"agent": json.dumps({"mbox": who["mbox"]})})
    expect_set(got, set(ids[:3]), names, "agent filter")
    got = ids_of(ctx, {"agent": json.dumps({"objectType": "Group", "mbox": team["mbox"]})})
    expect_set(got, {ids[3]}, names, "agent filter with an Identified Group")


@requirement(
    "Communication 2.1.3",
    "query-related-agents",
    'With related_agents=true the "agent" filter also matches instructor, team and the Agents '
    "of a contained SubStatement",
)
def query_related_agents(ctx: Context) -> None:
    who = ctx.agent()
    cases = {
        "actor": ctx.statement(actor=who),
        "instructor": ctx.statement(context={"instructor": who}),
        "team member": ctx.statement(context={"team": ctx.group(who, ctx.agent())}),
        "SubStatement actor": ctx.statement(object=sub_statement(ctx, actor=who)),
        "SubStatement object": ctx.statement(object=sub_statement(ctx, object=who)),
        "someone else": ctx.statement(context={"instructor": ctx.agent()}),
    }
    ids = ctx.lrs.store(*cases.values())
    ctx.lrs.settle(*ids)
    names = dict(zip(ids, cases, strict=True))
    got = ids_of(ctx, {"agent": json.dumps(who), "related_agents": "true"})
    expect_set(got, set(ids[:5]), names, "agent filter with related_agents=true")
    got = ids_of(ctx, {"agent": json.dumps(who), "related_agents": "false"})
    expect_set(got, {ids[0]}, names, "agent filter with related_agents=false")


@requirement(
    "Communication 2.1.3",
    "query-verb",
    'The "verb" filter returns only Statements with that Verb id',
)
def query_verb(ctx: Context) -> None:
    verb = ctx.verb()
    ids = ctx.lrs.store(ctx.statement(verb=verb), ctx.statement(verb=verb), ctx.statement())
    ctx.lrs.settle(*ids)
    expect_set(ids_of(ctx, {"verb": verb["id"]}), set(ids[:2]), {}, "verb filter")


@requirement(
    "Communication 2.1.3",
    "query-activity",
    'The "activity" filter returns Statements whose object is that Activity (not context '
    "Activities unless related_activities=true)",
)
def query_activity(ctx: Context) -> None:
    target = ctx.activity()
    cases = {
        "object": ctx.statement(object=target),
        "parent": ctx.statement(context={"contextActivities": {"parent": [target]}}),
        "unrelated": ctx.statement(),
    }
    ids = ctx.lrs.store(*cases.values())
    ctx.lrs.settle(*ids)
    names = dict(zip(ids, cases, strict=True))
    expect_set(ids_of(ctx, {"activity": target["id"]}), {ids[0]}, names, "activity filter")


@requirement(
    "Communication 2.1.3",
    "query-related-activities",
    "With related_activities=true the activity filter also matches context Activities and those "
    "of a contained SubStatement",
)
def query_related_activities(ctx: Context) -> None:
    target = ctx.activity()
    sub = sub_statement(ctx)
    sub["context"] = {"contextActivities": {"category": [target]}}
    cases = {
        "object": ctx.statement(object=target),
        "parent": ctx.statement(context={"contextActivities": {"parent": [target]}}),
        "grouping": ctx.statement(context={"contextActivities": {"grouping": [target]}}),
        "category": ctx.statement(context={"contextActivities": {"category": target}}),
        "other": ctx.statement(context={"contextActivities": {"other": [ctx.activity(), target]}}),
        "SubStatement object": ctx.statement(object=sub_statement(ctx, object=target)),
        "SubStatement context": ctx.statement(object=sub),
        "unrelated": ctx.statement(context={"contextActivities": {"parent": [ctx.activity()]}}),
    }
    ids = ctx.lrs.store(*cases.values())
    ctx.lrs.settle(*ids)
    names = dict(zip(ids, cases, strict=True))
    got = ids_of(ctx, {"activity": target["id"], "related_activities": "true"})
    expect_set(got, set(ids[:7]), names, "activity filter with related_activities=true")


@requirement(
    "Communication 2.1.3",
    "query-registration",
    'The "registration" filter returns only Statements with that registration',
)
def query_registration(ctx: Context) -> None:
    registration = ctx.uuid()
    ids = ctx.lrs.store(
        ctx.statement(context={"registration": registration}),
        ctx.statement(context={"registration": ctx.uuid()}),
        ctx.statement(),
    )
    ctx.lrs.settle(*ids)
    expect_set(ids_of(ctx, {"registration": registration}), {ids[0]}, {}, "registration filter")


@requirement(
    "Communication 2.1.3",
    "query-since-until",
    '"since" returns Statements stored after the Timestamp (exclusive), "until" those stored at or '
    "before it",
)
def query_since_until(ctx: Context) -> None:
    registration, ids, stored = three_in_turn(ctx)
    times = [stored_of(s) for s in stored]
    if not times[0] < times[1] < times[2]:
        raise CheckFailed(
            f"setup: statements stored in turn have stored {[s.get('stored') for s in stored]}"
        )
    early, late = (
        format_timestamp(midpoint(times[0], times[1])),
        format_timestamp(midpoint(times[1], times[2])),
    )
    names = {ids[0]: "first", ids[1]: "second", ids[2]: "third"}
    expect_set(
        ids_of(ctx, {"registration": registration, "since": early}),
        {ids[1], ids[2]},
        names,
        f"since={early}",
    )
    expect_set(
        ids_of(ctx, {"registration": registration, "until": late}),
        {ids[0], ids[1]},
        names,
        f"until={late}",
    )
    both = {"registration": registration, "since": early, "until": late}
    expect_set(ids_of(ctx, both), {ids[1]}, names, "since and until")


@requirement(
    "Communication 2.1.3",
    "query-order",
    "Statements are returned in reverse chronological order of stored, or ascending with "
    "ascending=true",
)
def query_order(ctx: Context) -> None:
    registration, ids, _ = three_in_turn(ctx)
    got = [s.get("id") for s in ctx.lrs.query({"registration": registration})["statements"]]
    expect(got == ids[::-1], f"default order is {got}, expected newest first {ids[::-1]}")
    got = [
        s.get("id")
        for s in ctx.lrs.query({"registration": registration, "ascending": "true"})["statements"]
    ]
    expect(got == ids, f"ascending=true order is {got}, expected {ids}")


@requirement(
    "Data 2.5",
    "query-limit-more",
    'With "limit" the LRS returns at most that many Statements and a "more" IRL (relative: path '
    "and query only) that leads to the rest; the last page's more is empty",
)
def query_limit_more(ctx: Context) -> None:
    registration, ids, _ = three_in_turn(ctx)
    result = ctx.lrs.query({"registration": registration, "limit": "2"})
    first = [s.get("id") for s in result["statements"]]
    expect(len(first) == 2, f"limit=2 returned {len(first)} statements")
    more = result.get("more")
    expect(isinstance(more, str) and more != "", f'"more" is {more!r} although a statement is left')
    assert isinstance(more, str)
    expect(
        more.startswith("/") and "://" not in more.split("?")[0],
        f'"more" is not a relative IRL with the full path: {more!r}',
    )
    seen = list(first)
    pages = 0
    while more and pages < 5:
        response = ctx.lrs.get("", absolute=ctx.lrs.resolve_more(more))
        expect_status(response, 200, what=f"GET more {more}")
        page: dict[str, Any] = response.json()
        seen += [s.get("id") for s in page.get("statements", [])]
        more = page.get("more", "")
        pages += 1
    expect(sorted(seen) == sorted(ids), f"paging returned {seen}, expected each of {ids} once")


@requirement(
    "Communication 2.1.3",
    "query-limit-zero",
    "limit=0 means the maximum the server allows",
)
def query_limit_zero(ctx: Context) -> None:
    registration, ids, _ = three_in_turn(ctx)
    got = [
        s.get("id")
        for s in ctx.lrs.query({"registration": registration, "limit": "0"})["statements"]
    ]
    expect(sorted(got) == sorted(ids), f"limit=0 returned {len(got)} of the 3 matching statements")


@requirement(
    "Data 2.2",
    "query-param-values",
    "The LRS MUST validate parameter values to the same standards as values of the same types "
    "in Statements (400 otherwise)",
)
def query_param_values(ctx: Context) -> None:
    bad = {
        "agent not JSON": {"agent": "mailto:someone@conformance.example.org"},
        "agent without IFI": {"agent": json.dumps({"name": "x"})},
        "agent with two IFIs": {
            "agent": json.dumps(
                {"mbox": "mailto:a@conformance.example.org", "openid": "http://o.example.org/a"}
            )
        },
        "agent an anonymous Group": {
            "agent": json.dumps(
                {"objectType": "Group", "member": [{"mbox": "mailto:a@conformance.example.org"}]}
            )
        },
        "verb not an IRI": {"verb": "experienced"},
        "activity not an IRI": {"activity": "activity 1"},
        "registration not a UUID": {"registration": "attempt-1"},
        "since not a timestamp": {"since": "yesterday"},
        "until not a timestamp": {"until": "2020-13-45"},
        "limit negative": {"limit": "-1"},
        "limit not a number": {"limit": "ten"},
        "format unknown": {"format": "full"},
        "ascending not boolean": {"ascending": "yes"},
        "related_agents not boolean": {"related_agents": "1"},
        "related_activities not boolean": {"related_activities": "maybe"},
        "attachments not boolean": {"attachments": "sometimes"},
        "statementId not a UUID": {"statementId": "statement-1"},
    }
    problems = []
    for label, params in bad.items():
        response = ctx.lrs.get("statements", params=params)
        if response.status_code != 400:
            problems.append(f"{label} answered {response.status_code}")
    expect(not problems, "; ".join(problems))


@requirement(
    "Data 3.1",
    "iri-no-scheme-normalization",
    "LRSs SHOULD* compare IRIs only by simple string comparison or syntax-based normalization, not "
    "scheme- or protocol-based normalization (2.0 [s17-s18])",
)
def iri_no_scheme_normalization(ctx: Context) -> None:
    base = ctx.iri()
    port = base.replace("conformance.example.org/", "conformance.example.org:80/", 1)
    ids = ctx.lrs.store(
        ctx.statement(object=ctx.activity(port)), ctx.statement(object=ctx.activity(base + "/"))
    )
    ctx.lrs.settle(*ids)
    got = ids_of(ctx, {"activity": base})
    expect(
        not got,
        f"activity={base} matched {short(sorted(got))} (stored with :80 or a trailing slash)",
    )
    expect_set(ids_of(ctx, {"activity": port}), {ids[0]}, {}, "activity filter with the exact IRI")
