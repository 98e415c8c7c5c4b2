"""Data 2.4.3 (Verb), 2.4.4 (Object: Activity, Agent/Group, StatementRef, SubStatement)
and 2.3.2 (the form of a voiding Statement)."""

from __future__ import annotations

from conformance.context import VOIDED, Context
from conformance.examples import (
    DROP,
    agent,
    check_examples,
    identified_group,
    invalid,
    statement_ref,
    sub_statement,
    valid,
    with_sub,
)
from conformance.registry import requirement

CMI = "http://adlnet.gov/expapi/activities/cmi.interaction"


@requirement("Data 2.4.3", "verb-id", 'A Verb MUST have an "id" that is an IRI')
def verb_id(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("verb without display", {"verb.display": DROP}),
            invalid("verb without id", {"verb": {"display": {"en-US": "tested"}}}),
            invalid("empty verb", {"verb": {}}),
            invalid("verb as a string", {"verb": "http://adlnet.gov/expapi/verbs/experienced"}),
        ],
    )


@requirement("Data 2.4.3", "verb-display", 'A Verb\'s "display" MUST be a Language Map')
def verb_display(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("two languages", {"verb.display": {"en-US": "tested", "es": "probado"}}),
            invalid("display value not a string", {"verb.display": {"en-US": 5}}),
            invalid("display as array", {"verb.display": ["tested"]}),
        ],
    )


@requirement(
    "Data 2.4.4.1",
    "activity-id",
    'An Activity MUST have an "id" that is an IRI, and "objectType" MUST be "Activity" when present',
)
def activity_id(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("activity without objectType", {"object.objectType": DROP}),
            invalid("activity without id", {"object": {"objectType": "Activity"}}),
            invalid("activity id as number", {"object.id": 42}),
            invalid("objectType Activities", {"object.objectType": "Activities"}),
        ],
    )


@requirement(
    "Data 2.4.4.1",
    "activity-definition",
    "An Activity Definition's name and description MUST be Language Maps, type an IRI, moreInfo "
    "an IRL and extensions an object keyed by IRIs",
)
def activity_definition(ctx: Context) -> None:
    full = {
        "name": {"en-US": "Full definition"},
        "description": {"en-US": "All properties"},
        "type": "http://adlnet.gov/expapi/activities/course",
        "moreInfo": "https://conformance.example.org/more",
        "extensions": {"http://conformance.example.org/ext/level": 3},
    }
    check_examples(
        ctx,
        [
            valid("every definition property", {"object.definition": full}),
            valid("definition with a type only", {"object.definition": {"type": CMI}}),
            invalid("description as string", {"object.definition.description": "text"}),
            invalid("type not an IRI", {"object.definition.type": "not an iri"}),
            invalid("moreInfo not an IRL", {"object.definition.moreInfo": "not an irl"}),
            invalid("extensions as array", {"object.definition.extensions": ["x"]}),
            invalid("definition as string", {"object.definition": "a definition"}),
        ],
    )


def _interaction(kind: str, **extra: object) -> dict[str, object]:
    return {"type": CMI, "interactionType": kind, **extra}


@requirement(
    "Data 2.4.4.1",
    "interaction-type",
    "Interaction Activities MUST have a valid interactionType; correctResponsesPattern is an "
    "array of strings; interaction components have a string id and a Language Map description",
)
def interaction_type(ctx: Context) -> None:
    choices = [
        {"id": "a", "description": {"en-US": "A"}},
        {"id": "b", "description": {"en-US": "B"}},
    ]
    kinds = ["true-false", "fill-in", "long-fill-in", "numeric", "other"]
    examples = [
        valid(f"interactionType {k}", {"object.definition": _interaction(k)}) for k in kinds
    ]
    examples += [
        valid(
            "choice with choices",
            {
                "object.definition": _interaction(
                    "choice", choices=choices, correctResponsesPattern=["a[,]b"]
                )
            },
        ),
        valid(
            "sequencing with choices",
            {"object.definition": _interaction("sequencing", choices=choices)},
        ),
        valid("likert with scale", {"object.definition": _interaction("likert", scale=choices)}),
        valid(
            "matching with source and target",
            {"object.definition": _interaction("matching", source=choices, target=choices)},
        ),
        valid(
            "performance with steps",
            {"object.definition": _interaction("performance", steps=choices)},
        ),
        valid(
            "empty correctResponsesPattern",
            {"object.definition": _interaction("true-false", correctResponsesPattern=[])},
        ),
        invalid("unknown interactionType", {"object.definition": _interaction("multiple-choice")}),
        invalid(
            "correctResponsesPattern as string",
            {"object.definition": _interaction("fill-in", correctResponsesPattern="x")},
        ),
        invalid(
            "correctResponsesPattern of numbers",
            {"object.definition": _interaction("numeric", correctResponsesPattern=[4])},
        ),
        invalid(
            "component without id",
            {
                "object.definition": _interaction(
                    "choice", choices=[{"description": {"en-US": "A"}}]
                )
            },
        ),
        invalid(
            "component id as number",
            {"object.definition": _interaction("choice", choices=[{"id": 1}])},
        ),
        invalid(
            "component description as string",
            {"object.definition": _interaction("likert", scale=[{"id": "a", "description": "A"}])},
        ),
        invalid(
            "choices not an array",
            {"object.definition": _interaction("choice", choices={"id": "a"})},
        ),
    ]
    check_examples(ctx, examples)


@requirement(
    "Data 2.4.4.1",
    "interaction-component-ids-distinct",
    "Within an array of interaction components, all id values MUST be distinct",
)
def interaction_component_ids_distinct(ctx: Context) -> None:
    twice = [
        {"id": "a", "description": {"en-US": "A"}},
        {"id": "a", "description": {"en-US": "A again"}},
    ]
    check_examples(
        ctx,
        [
            invalid(
                "choice ids repeated", {"object.definition": _interaction("choice", choices=twice)}
            ),
            invalid(
                "steps ids repeated",
                {"object.definition": _interaction("performance", steps=twice)},
            ),
        ],
    )


@requirement(
    "Data 2.4.4.2",
    "object-agent-objecttype",
    'An Agent or Group used as a Statement\'s object MUST specify "objectType"',
)
def object_agent_objecttype(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("agent object", {"object": agent}),
            valid("identified group object", {"object": identified_group}),
            invalid("agent object without objectType", {"object": lambda c: {"mbox": c.mbox()}}),
            invalid(
                "group object without objectType",
                {"object": lambda c: {"mbox": c.mbox(), "member": [c.agent()]}},
            ),
        ],
    )


@requirement(
    "Data 2.4.4.3",
    "statementref-form",
    'A Statement Reference MUST have "objectType" "StatementRef" and an "id" that is a UUID',
)
def statementref_form(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("StatementRef to an unknown statement", {"object": statement_ref}),
            invalid("StatementRef without id", {"object": {"objectType": "StatementRef"}}),
            invalid(
                "StatementRef id not a UUID",
                {"object": {"objectType": "StatementRef", "id": "statement-1"}},
            ),
            invalid(
                "StatementRef id an IRI",
                {
                    "object": {
                        "objectType": "StatementRef",
                        "id": "http://conformance.example.org/s/1",
                    }
                },
            ),
        ],
    )


@requirement(
    "Data 2.4.4.3",
    "substatement-valid",
    "A SubStatement MUST be validated as a Statement (and MAY have a timestamp in the future)",
)
def substatement_valid(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("SubStatement of an activity", {"object": sub_statement}),
            valid("SubStatement of an agent", {"object": with_sub(object=agent)}),
            valid("SubStatement of a StatementRef", {"object": with_sub(object=statement_ref)}),
            valid(
                "SubStatement with result, context and future timestamp",
                {
                    "object": with_sub(
                        result={"completion": True},
                        context={"registration": ctx.uuid()},
                        timestamp="2099-01-01T00:00:00.000Z",
                    )
                },
            ),
            invalid("SubStatement without verb", {"object": with_sub(verb=DROP)}),
            invalid("SubStatement without actor", {"object": with_sub(actor=DROP)}),
            invalid("SubStatement without object", {"object": with_sub(object=DROP)}),
            invalid("SubStatement actor without IFI", {"object": with_sub(actor={"name": "x"})}),
            invalid("SubStatement verb id not an IRI", {"object": with_sub(verb__id="tested")}),
            invalid("SubStatement with bad timestamp", {"object": with_sub(timestamp="yesterday")}),
        ],
    )


@requirement(
    "Data 2.4.4.3",
    "substatement-forbidden-properties",
    'A SubStatement MUST NOT have the "id", "stored", "version" or "authority" properties',
)
def substatement_forbidden_properties(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            invalid("SubStatement with id", {"object": with_sub(id=lambda c: c.uuid())}),
            invalid(
                "SubStatement with stored", {"object": with_sub(stored="2020-01-01T00:00:00.000Z")}
            ),
            invalid("SubStatement with version", {"object": with_sub(version="1.0.0")}),
            invalid("SubStatement with authority", {"object": with_sub(authority=agent)}),
        ],
    )


@requirement(
    "Data 2.4.4.3",
    "substatement-not-nested",
    "A SubStatement MUST NOT contain a SubStatement of its own",
)
def substatement_not_nested(ctx: Context) -> None:
    check_examples(
        ctx, [invalid("nested SubStatement", {"object": with_sub(object=sub_statement)})]
    )


@requirement(
    "Data 2.3.2",
    "voiding-statementref",
    'The object of a voiding Statement MUST be a StatementRef (objectType "StatementRef" and the '
    "target's id)",
)
def voiding_statementref(ctx: Context) -> None:
    voided = {"id": VOIDED, "display": {"en-US": "voided"}}
    check_examples(
        ctx,
        [
            invalid("voiding an activity", {"verb": voided}),
            invalid("voiding an agent", {"verb": voided, "object": agent}),
            invalid("voiding a SubStatement", {"verb": voided, "object": sub_statement}),
        ],
    )
