"""Data 2.2 (formatting requirements), 2.4 (required properties) and 2.4.1 (id)."""

from __future__ import annotations

import uuid

from conformance.context import Context
from conformance.examples import DROP, check_examples, invalid, sub_statement, valid
from conformance.registry import V2, requirement

EXT = "http://conformance.example.org/extensions/e"


@requirement(
    "Data 2.2", "stmt-actor-verb-object", 'A Statement MUST use "actor", "verb" and "object"'
)
def actor_verb_object(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("actor, verb and object only", {}),
            invalid("no actor", {"actor": DROP}),
            invalid("no verb", {"verb": DROP}),
            invalid("no object", {"object": DROP}),
            invalid("empty statement", lambda c: {}),
        ],
    )


@requirement(
    "Data 2.2",
    "reject-null",
    "The LRS MUST reject Statements with any null values (except inside extensions)",
)
def reject_null(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            invalid("actor.name null", {"actor.name": None}),
            invalid("verb.display null", {"verb.display": None}),
            invalid("verb display value null", {"verb.display": {"en-US": None}}),
            invalid("object.definition null", {"object.definition": None}),
            invalid("result.success null", {"result": {"success": None}}),
            invalid("context.registration null", {"context": {"registration": None}}),
            invalid("timestamp null", {"timestamp": None}),
            invalid("id null", {"id": None}),
            invalid("actor null", {"actor": None}),
            valid("null in result extensions", {"result": {"extensions": {EXT: None}}}),
            valid("null in context extensions", {"context": {"extensions": {EXT: {"a": None}}}}),
            valid("null in activity extensions", {"object.definition.extensions": {EXT: [None]}}),
        ],
    )


@requirement(
    "Data 2.2",
    "reject-wrong-type",
    "The LRS MUST reject Statements where the wrong data type is used (e.g. strings for numbers or booleans)",
)
def reject_wrong_type(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            invalid("score.raw as string", {"result": {"score": {"raw": "5"}}}),
            invalid("score.scaled as boolean", {"result": {"score": {"scaled": True}}}),
            invalid("success as string", {"result": {"success": "true"}}),
            invalid("completion as number", {"result": {"completion": 1}}),
            invalid("response as number", {"result": {"response": 5}}),
            invalid("actor.name as number", {"actor.name": 7}),
            invalid("verb.display as string", {"verb.display": "tested"}),
            invalid("verb.id as number", {"verb.id": 5}),
            invalid("definition.name as string", {"object.definition.name": "name"}),
            invalid("registration as number", {"context": {"registration": 5}}),
            invalid("timestamp as number", {"timestamp": 1700000000}),
            invalid("actor as array", {"actor": lambda c: [c.agent()]}),
        ],
    )


@requirement(
    "Data 2.2",
    "reject-bad-format",
    "The LRS MUST reject any non-format-following value, including the empty string, where a "
    "formatted string (mailto IRI, UUID, IRI, timestamp) is required",
)
def reject_bad_format(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            invalid("empty mbox", {"actor.mbox": ""}),
            invalid("mbox without mailto:", {"actor.mbox": "learner@conformance.example.org"}),
            invalid("empty id", {"id": ""}),
            invalid("empty verb id", {"verb.id": ""}),
            invalid("empty activity id", {"object.id": ""}),
            invalid("empty registration", {"context": {"registration": ""}}),
            invalid("empty timestamp", {"timestamp": ""}),
            invalid("empty activity type", {"object.definition.type": ""}),
            invalid("empty moreInfo", {"object.definition.moreInfo": ""}),
        ],
    )


@requirement(
    "Data 2.2",
    "reject-key-case",
    "The LRS MUST reject Statements where the case of a key does not match the specification",
)
def reject_key_case(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            invalid('"Verb" for "verb"', {"verb": DROP, "Verb": lambda c: c.verb()}),
            invalid('"Mbox" for "mbox"', {"actor": lambda c: {"Mbox": c.mbox()}}),
            invalid('"ObjectType" in actor', {"actor.ObjectType": "Agent"}),
            invalid('"Success" in result', {"result": {"Success": True}}),
            invalid('"Registration" in context', {"context": {"Registration": ctx.uuid()}}),
            invalid('"Name" in definition', {"object.definition.Name": {"en-US": "x"}}),
            invalid(
                '"ID" for "id" in verb',
                {"verb": {"ID": "http://adlnet.gov/expapi/verbs/experienced"}},
            ),
        ],
    )


@requirement(
    "Data 2.2",
    "reject-enum-case",
    "The LRS MUST reject Statements where a value restricted to enumerated values does not match "
    "the case given in the specification",
)
def reject_enum_case(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("objectType Agent", {"actor.objectType": "Agent"}),
            invalid("actor objectType agent", {"actor.objectType": "agent"}),
            invalid("object objectType activity", {"object.objectType": "activity"}),
            invalid(
                "objectType AGENT as object",
                {"object": lambda c: {**c.agent(), "objectType": "AGENT"}},
            ),
            invalid(
                "objectType group",
                {"actor": lambda c: {**c.group(c.agent()), "objectType": "group"}},
            ),
            invalid(
                "objectType statementref",
                {"object": {"objectType": "statementref", "id": ctx.uuid()}},
            ),
            invalid(
                "objectType substatement",
                {"object": lambda c: {**sub_statement(c), "objectType": "substatement"}},
            ),
            invalid("interactionType Choice", {"object.definition.interactionType": "Choice"}),
            invalid(
                "contextAgent objectType ContextAgent",
                {
                    "context": lambda c: {
                        "contextAgents": [{"objectType": "ContextAgent", "agent": c.agent()}]
                    }
                },
                versions=V2,
            ),
        ],
    )


@requirement(
    "Data 2.2",
    "reject-unknown-property",
    "The LRS MUST reject Statements where a key is not allowed by the specification (additional "
    "properties outside extensions; SHOULD* in 1.0.3, required by 2.0 [s1-s4])",
)
def reject_unknown_property(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            invalid("statement.foo", {"foo": "bar"}),
            invalid("actor.foo", {"actor.foo": "bar"}),
            invalid("verb.foo", {"verb.foo": "bar"}),
            invalid("object.foo", {"object.foo": "bar"}),
            invalid("definition.foo", {"object.definition.foo": "bar"}),
            invalid("result.foo", {"result": {"completion": True, "foo": "bar"}}),
            invalid("score.foo", {"result": {"score": {"scaled": 0.5, "foo": 1}}}),
            invalid("context.foo", {"context": {"foo": "bar"}}),
            invalid(
                "account.foo",
                {"actor": {"account": {"homePage": "http://example.org", "name": "a", "foo": "b"}}},
            ),
            invalid(
                "StatementRef.definition",
                {"object": {"objectType": "StatementRef", "id": ctx.uuid(), "definition": {}}},
            ),
            invalid("SubStatement.foo", {"object": lambda c: sub_statement(c, foo="bar")}),
            invalid(
                "interaction component.foo",
                {
                    "object.definition": {
                        "interactionType": "choice",
                        "choices": [{"id": "a", "description": {"en-US": "A"}, "foo": 1}],
                    }
                },
            ),
        ],
    )


@requirement(
    "Data 2.2",
    "reject-iri-without-scheme",
    "The LRS MUST reject Statements containing IRL or IRI values without a scheme",
)
def reject_iri_without_scheme(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("IRI with non-ASCII characters", {"verb.id": "http://example.com/فعل/خواندن"}),
            valid("urn activity id", {"object.id": lambda c: "urn:uuid:" + c.uuid()}),
            valid(
                "tag activity id",
                {"object.id": lambda c: f"tag:conformance.example.org,2024:{c.uuid()}"},
            ),
            invalid("verb id without scheme", {"verb.id": "tested"}),
            invalid("activity id without scheme", {"object.id": "activities/1"}),
            invalid("activity type without scheme", {"object.definition.type": "course"}),
            invalid(
                "moreInfo without scheme", {"object.definition.moreInfo": "www.example.org/info"}
            ),
            invalid("extension key without scheme", {"result": {"extensions": {"duration-ms": 5}}}),
            invalid(
                "account homePage without scheme",
                {"actor": {"account": {"homePage": "www.example.org", "name": "a"}}},
            ),
            invalid("openid without scheme", {"actor": {"openid": "openid.example.org/someone"}}),
            invalid(
                "parent activity id without scheme",
                {"context": {"contextActivities": {"parent": [{"id": "parent-1"}]}}},
            ),
        ],
    )


@requirement(
    "Data 2.4.1",
    "stmt-id-uuid",
    "A Statement id MUST be a UUID in standard string form",
)
def statement_id_uuid(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("random UUID", {"id": lambda c: c.uuid()}),
            valid("version 1 UUID", {"id": lambda c: str(uuid.uuid1())}),
            invalid("not a UUID", {"id": "1234"}),
            invalid("non-hex UUID", {"id": "zzzzzzzz-zzzz-4zzz-8zzz-zzzzzzzzzzzz"}),
            invalid("UUID without hyphens", {"id": lambda c: c.uuid().replace("-", "")}),
            invalid("urn:uuid: form", {"id": lambda c: "urn:uuid:" + c.uuid()}),
            invalid("braced UUID", {"id": lambda c: "{" + c.uuid() + "}"}),
            invalid("UUID too long", {"id": lambda c: c.uuid() + "0"}),
        ],
    )
