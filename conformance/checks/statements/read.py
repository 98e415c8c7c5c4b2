"""Communication 2.1.3: GET of single Statements, its parameter rules and the formats."""

from __future__ import annotations

from typing import Any

from conformance.context import Context, expect, expect_status, json_of
from conformance.registry import requirement
from conformance.util import short

IFIS = {"mbox", "mbox_sha1sum", "openid", "account"}


@requirement(
    "Communication 2.1.3",
    "get-statement",
    'GET statements?statementId=ID answers 200 with that Statement, including the LRS-set "stored"',
)
def get_statement(ctx: Context) -> None:
    statement_id = ctx.uuid()
    ctx.lrs.store(ctx.statement(id=statement_id))
    statement = ctx.lrs.fetch_statement(statement_id)
    expect(isinstance(statement, dict), f"not a Statement object: {short(statement)}")
    expect(
        statement.get("id") == statement_id, f"asked for {statement_id}, got {statement.get('id')}"
    )
    for key in ("actor", "verb", "object", "stored"):
        expect(key in statement, f"returned statement lacks {key!r}")


@requirement(
    "Communication 2.1.3",
    "stmt-get-both-ids",
    "The LRS MUST reject with 400 a GET with both statementId and voidedStatementId",
)
def get_both_ids(ctx: Context) -> None:
    (statement_id,) = ctx.lrs.store(ctx.statement())
    ctx.lrs.fetch_statement(statement_id)
    response = ctx.lrs.get(
        "statements", params={"statementId": statement_id, "voidedStatementId": statement_id}
    )
    expect_status(response, 400, what="GET with statementId and voidedStatementId")


@requirement(
    "Communication 2.1.3",
    "stmt-get-id-other-params",
    "The LRS MUST reject with 400 a GET with statementId or voidedStatementId and any other "
    'parameter besides "attachments" or "format"',
)
def get_id_other_params(ctx: Context) -> None:
    statement_id = ctx.uuid()
    ctx.lrs.store(ctx.statement(id=statement_id))
    ctx.lrs.fetch_statement(statement_id)
    extras = {
        "verb": "http://adlnet.gov/expapi/verbs/experienced",
        "limit": "1",
        "since": "2000-01-01T00:00:00Z",
        "ascending": "true",
        "registration": ctx.uuid(),
        "agent": '{"mbox": "mailto:someone@conformance.example.org"}',
    }
    problems = []
    for key in ("statementId", "voidedStatementId"):
        for name, value in extras.items():
            response = ctx.lrs.get("statements", params={key: statement_id, name: value})
            if response.status_code != 400:
                problems.append(f"{key}+{name}: {response.status_code}")
    for name, value in (("format", "exact"), ("attachments", "false")):
        response = ctx.lrs.get("statements", params={"statementId": statement_id, name: value})
        if response.status_code != 200:
            problems.append(f"statementId+{name} (allowed) answered {response.status_code}")
    expect(not problems, "; ".join(problems))


@requirement(
    "Communication 2.1.3",
    "query-statement-result",
    'GET statements without an id answers 200 with a StatementResult: a "statements" array and, '
    'if present, a "more" string',
)
def query_statement_result(ctx: Context) -> None:
    ctx.lrs.settle(*ctx.lrs.store(ctx.statement()))
    response = ctx.lrs.get("statements")
    expect_status(response, 200, what="GET statements")
    result = json_of(response, "GET statements")
    expect(
        isinstance(result, dict) and isinstance(result.get("statements"), list),
        f"not a StatementResult: {short(result)}",
    )
    expect(
        len(result["statements"]) >= 1, "StatementResult is empty although statements were stored"
    )
    expect(
        isinstance(result.get("more", ""), str),
        f'"more" is not a string: {short(result.get("more"))}',
    )


@requirement(
    "Communication 2.1.3",
    "query-no-match-empty",
    "When no Statements match, the LRS MUST still answer 200 with a StatementResult whose "
    '"statements" is an empty array',
)
def query_no_match_empty(ctx: Context) -> None:
    result = ctx.lrs.query({"registration": ctx.uuid()})
    expect(result["statements"] == [], f"statements is {short(result['statements'])}")
    result = ctx.lrs.query({"verb": ctx.iri("verbs")})
    expect(result["statements"] == [], f"statements is {short(result['statements'])}")


def _minimal_agent(agent: Any) -> bool:
    return (
        isinstance(agent, dict)
        and set(agent) <= IFIS | {"objectType"}
        and len(set(agent) & IFIS) == 1
    )


@requirement(
    "Communication 2.1.3",
    "format-ids",
    "With format=ids the LRS only includes the minimum information needed to identify Agents, "
    "Activities and Groups (no names, no definitions; anonymous groups by their members' IFIs)",
)
def format_ids(ctx: Context) -> None:
    registration = ctx.uuid()
    first = ctx.statement(
        context={"registration": registration},
        object=ctx.activity(name={"en-US": "n"}, description={"en-US": "d"}),
    )
    second = ctx.statement(
        actor={"objectType": "Group", "name": "Ward 7", "member": [ctx.agent("A"), ctx.agent("B")]},
        object=ctx.agent("Object Agent"),
        context={"registration": registration},
    )
    ctx.lrs.settle(*ctx.lrs.store(first, second))
    result = ctx.lrs.query({"registration": registration, "format": "ids"})
    statements = {s.get("id"): s for s in result["statements"]}
    expect(len(statements) == 2, f"query returned {len(statements)} statements, expected 2")
    problems = []
    for s in statements.values():
        actor, obj = s.get("actor", {}), s.get("object", {})
        if actor.get("objectType") == "Group":
            members = actor.get("member", [])
            if set(actor) - {"objectType", "member"} or not all(_minimal_agent(m) for m in members):
                problems.append(f"group actor not minimal: {short(actor, 120)}")
        elif not _minimal_agent(actor):
            problems.append(f"actor not minimal: {short(actor, 120)}")
        if obj.get("objectType", "Activity") == "Activity" and set(obj) - {"objectType", "id"}:
            problems.append(f"activity not minimal: {short(obj, 120)}")
        if obj.get("objectType") == "Agent" and not _minimal_agent(obj):
            problems.append(f"agent object not minimal: {short(obj, 120)}")
    expect(not problems, "; ".join(problems))


@requirement(
    "Data 2.4.3",
    "verb-display-ids",
    'With format=ids the LRS SHOULD* NOT include the Verb\'s "display" property',
)
def verb_display_ids(ctx: Context) -> None:
    statement_id = ctx.uuid()
    ctx.lrs.store(ctx.statement(id=statement_id))
    verb = ctx.lrs.fetch_statement(statement_id, format="ids").get("verb", {})
    expect("display" not in verb, f"verb came back as {short(verb)}")


@requirement(
    "Data 2.4.3",
    "verb-display-exact",
    'With format=exact the LRS MUST return the Verb\'s "display" exactly as included (or omitted)',
)
def verb_display_exact(ctx: Context) -> None:
    with_display, without = ctx.uuid(), ctx.uuid()
    display = {"en-US": "rehearsed", "nb": "øvde"}
    verb = ctx.iri("verbs")
    ctx.lrs.store(
        ctx.statement(id=with_display, verb={"id": verb, "display": display}),
        ctx.statement(id=without, verb={"id": verb}),
    )
    got = ctx.lrs.fetch_statement(with_display, format="exact").get("verb", {})
    expect(got.get("display") == display, f"display came back as {short(got.get('display'))}")
    got = ctx.lrs.fetch_statement(without, format="exact").get("verb", {})
    expect("display" not in got, f"a display was added: {short(got)}")


@requirement(
    "Communication 2.1.3",
    "format-canonical-language",
    "With format=canonical the LRS MUST return only one language in each language map of an "
    "Activity, chosen with the Accept-Language header",
)
def format_canonical_language(ctx: Context) -> None:
    statement_id = ctx.uuid()
    choices = [
        {"id": "a", "description": {"en-US": "Yes", "fr": "Oui"}},
        {"id": "b", "description": {"en-US": "No", "fr": "Non"}},
    ]
    activity = ctx.activity(
        name={"en-US": "Hand hygiene", "fr": "Hygiène des mains", "de": "Händehygiene"},
        description={"en-US": "Five moments", "fr": "Cinq moments"},
        type="http://adlnet.gov/expapi/activities/cmi.interaction",
        interactionType="choice",
        choices=choices,
    )
    ctx.lrs.store(ctx.statement(id=statement_id, object=activity))
    ctx.lrs.fetch_statement(statement_id)
    response = ctx.lrs.get(
        "statements",
        params={"statementId": statement_id, "format": "canonical"},
        headers={"Accept-Language": "fr"},
    )
    expect_status(response, 200, what="GET with format=canonical")
    definition = json_of(response, "canonical").get("object", {}).get("definition", {})
    maps = {"name": definition.get("name"), "description": definition.get("description")}
    for i, choice in enumerate(definition.get("choices", [])):
        maps[f"choices[{i}].description"] = choice.get("description")
    problems = [
        f"{k} = {short(v, 80)}"
        for k, v in maps.items()
        if not (isinstance(v, dict) and list(v) == ["fr"])
    ]
    expect(not problems, "expected only the fr entry: " + "; ".join(problems))


@requirement(
    "Communication 2.1.3",
    "format-canonical-agents",
    "With format=canonical the LRS returns the original Agent and Group objects, as in exact",
)
def format_canonical_agents(ctx: Context) -> None:
    statement_id = ctx.uuid()
    actor = {
        "objectType": "Group",
        "name": "Night shift",
        "member": [ctx.agent("Ana"), ctx.agent("Bo")],
    }
    ctx.lrs.store(
        ctx.statement(id=statement_id, actor=actor, context={"instructor": ctx.agent("Dr C")})
    )
    got = ctx.lrs.fetch_statement(statement_id, format="canonical")
    expect(
        got.get("actor", {}).get("name") == "Night shift",
        f"actor came back as {short(got.get('actor'))}",
    )
    names = sorted(m.get("name", "") for m in got.get("actor", {}).get("member", []))
    expect(names == ["Ana", "Bo"], f"members came back as {short(got.get('actor'))}")
    instructor = got.get("context", {}).get("instructor", {})
    expect(instructor.get("name") == "Dr C", f"instructor came back as {short(instructor)}")
