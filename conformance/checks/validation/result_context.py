"""Data 2.4.5 (Result, Score, Duration) and 2.4.6 (Context, incl. 2.0 contextAgents/Groups)."""

from __future__ import annotations

from typing import Any

from conformance.context import Context
from conformance.examples import (
    agent,
    anonymous_group,
    check_examples,
    identified_group,
    invalid,
    statement_ref,
    sub_statement,
    valid,
)
from conformance.registry import V1, V2, requirement

ROLE = "http://conformance.example.org/roles/preceptor"


@requirement(
    "Data 2.4.5.1",
    "score-scaled-range",
    'Score "scaled" MUST be a decimal number between -1 and 1 inclusive',
)
def score_scaled_range(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("scaled 1", {"result": {"score": {"scaled": 1}}}),
            valid("scaled -1", {"result": {"score": {"scaled": -1}}}),
            valid("scaled 0.95", {"result": {"score": {"scaled": 0.95}}}),
            invalid("scaled 1.01", {"result": {"score": {"scaled": 1.01}}}),
            invalid("scaled -1.5", {"result": {"score": {"scaled": -1.5}}}),
            invalid("scaled 100", {"result": {"score": {"scaled": 100}}}),
        ],
    )


def _score(**values: float) -> dict[str, Any]:
    return {"result": {"score": values}}


@requirement(
    "Data 2.4.5.1",
    "score-raw-in-range",
    'Score "raw" MUST lie between "min" and "max", inclusive, when they are present',
)
def score_raw_in_range(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("raw within min and max", _score(raw=7, min=0, max=10)),
            valid("raw equal to min", _score(raw=0, min=0, max=10)),
            valid("raw equal to max", _score(raw=10, min=0, max=10)),
            valid("raw without bounds", _score(raw=-1234.5)),
            valid("negative bounds", _score(raw=-3, min=-5, max=-1)),
            invalid("raw above max", _score(raw=11, min=0, max=10)),
            invalid("raw below min", _score(raw=-1, min=0, max=10)),
            invalid("raw above max without min", _score(raw=11, max=10)),
            invalid("raw below min without max", _score(raw=-1, min=0)),
        ],
    )


@requirement(
    "Data 2.4.5.1",
    "score-min-below-max",
    'Score "min" MUST be less than "max" (and "max" greater than "min")',
)
def score_min_below_max(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("min below max", _score(min=-0.5, max=0.5)),
            invalid("min greater than max", _score(min=10, max=5)),
            invalid("min equal to max", _score(min=5, max=5)),
        ],
    )


@requirement(
    "Data 2.4.5",
    "result-types",
    'Result "success" and "completion" MUST be booleans, "response" a string, "extensions" an '
    "object keyed by IRIs",
)
def result_types(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid(
                "every result property",
                {
                    "result": {
                        "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
                        "success": True,
                        "completion": False,
                        "response": "a[,]b",
                        "duration": "PT1M",
                        "extensions": {
                            "http://conformance.example.org/ext/r": {"nested": [1, "x", True]}
                        },
                    }
                },
            ),
            invalid("success as 0", {"result": {"success": 0}}),
            invalid("completion as 'yes'", {"result": {"completion": "yes"}}),
            invalid("response as object", {"result": {"response": {"text": "a"}}}),
            invalid("result as string", {"result": "passed"}),
            invalid("score as number", {"result": {"score": 0.5}}),
        ],
    )


@requirement(
    "Data 4.6",
    "duration-format",
    "A Duration MUST be expressed in the ISO 8601 duration format (not the alternative format); "
    "the LRS SHOULD* NOT reject one with more than 0.01 s precision [2.0 s17]",
)
def duration_format(ctx: Context) -> None:
    good = [
        "PT4H35M59.14S",
        "PT16559.14S",
        "P3Y1M29DT4H35M59.14S",
        "P3Y",
        "P4W",
        "PT0S",
        "PT1.2345S",
    ]
    bad = ["1 hour", "PT", "P", "P4W1D", "P0003-01-29T04:35:59", "PT1H30", "4H35M", "PT-"]
    examples = [valid(f"duration {d}", {"result": {"duration": d}}) for d in good]
    examples += [invalid(f"duration {d!r}", {"result": {"duration": d}}) for d in bad]
    examples.append(invalid("duration as number", {"result": {"duration": 60}}))
    check_examples(ctx, examples)


@requirement(
    "Data 2.4.6",
    "context-types",
    "Context properties MUST have their types: registration a UUID, instructor an Agent or Group, "
    "team a Group, language an RFC 5646 tag, statement a StatementRef, extensions keyed by IRIs",
)
def context_types(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid(
                "every context property",
                {
                    "context": lambda c: {
                        "registration": c.uuid(),
                        "instructor": c.agent(),
                        "team": c.group(c.agent()),
                        "revision": "r2",
                        "platform": "sim lab",
                        "language": "en-US",
                        "statement": statement_ref(c),
                        "extensions": {"http://conformance.example.org/ext/c": 1},
                    }
                },
            ),
            valid("instructor a group", {"context": {"instructor": anonymous_group}}),
            valid("team an identified group", {"context": {"team": identified_group}}),
            invalid("registration not a UUID", {"context": {"registration": "attempt-1"}}),
            invalid("instructor without IFI", {"context": {"instructor": {"name": "Dr X"}}}),
            invalid("team an Agent", {"context": {"team": agent}}),
            invalid("language not a tag", {"context": {"language": "English (US)"}}),
            invalid("statement without objectType", {"context": {"statement": {"id": ctx.uuid()}}}),
            invalid(
                "statement an Activity",
                {
                    "context": {
                        "statement": {
                            "objectType": "Activity",
                            "id": "http://conformance.example.org/a",
                        }
                    }
                },
            ),
            invalid("extension key not an IRI", {"context": {"extensions": {"altitude": 100}}}),
            invalid("context as array", {"context": []}),
        ],
    )


@requirement(
    "Data 2.4.6.2",
    "context-activities-form",
    "Every key of contextActivities MUST be parent, grouping, category or other, and every value "
    "an Activity or an array of Activities",
)
def context_activities_form(ctx: Context) -> None:
    def acts(value: Any) -> dict[str, Any]:
        return {"context": {"contextActivities": value}}

    check_examples(
        ctx,
        [
            valid(
                "all four keys as arrays",
                acts(
                    lambda c: {
                        k: [c.activity()] for k in ("parent", "grouping", "category", "other")
                    }
                ),
            ),
            valid("single Activity object", acts(lambda c: {"parent": c.activity()})),
            valid("empty array", acts({"category": []})),
            invalid("unknown key", acts(lambda c: {"sibling": [c.activity()]})),
            invalid("key in wrong case", acts(lambda c: {"Parent": [c.activity()]})),
            invalid("value a string", acts({"parent": "http://conformance.example.org/a"})),
            invalid("activity without id", acts({"grouping": [{"objectType": "Activity"}]})),
            invalid("an Agent as context activity", acts(lambda c: {"other": [c.agent()]})),
        ],
    )


@requirement(
    "Data 2.4.6",
    "context-revision-platform",
    'Context "revision" and "platform" MUST only be used if the Statement\'s object is an Activity',
)
def context_revision_platform(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("revision with an Activity", {"context": {"revision": "1.1"}}),
            valid("platform with an Activity", {"context": {"platform": "iPad"}}),
            invalid(
                "revision with an Agent object", {"object": agent, "context": {"revision": "1.1"}}
            ),
            invalid(
                "platform with an Agent object", {"object": agent, "context": {"platform": "iPad"}}
            ),
            invalid(
                "revision with a StatementRef",
                {"object": statement_ref, "context": {"revision": "2"}},
            ),
            invalid(
                "platform with a SubStatement",
                {"object": sub_statement, "context": {"platform": "web"}},
            ),
        ],
    )


def _context_agent(ctx: Context, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "objectType": "contextAgent",
        "agent": ctx.agent(),
        "relevantTypes": [ROLE],
    }
    entry.update(extra)
    return entry


def _context_group(ctx: Context, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "objectType": "contextGroup",
        "group": ctx.group(ctx.agent(), identified=True),
        "relevantTypes": [ROLE],
    }
    entry.update(extra)
    return entry


@requirement(
    "Data 2.4.6",
    "context-agents",
    'contextAgents MUST be an array of objects with objectType "contextAgent", an "agent" that is '
    'an Agent and optional "relevantTypes" IRIs [2.0 x1]',
    versions=V2,
)
def context_agents(ctx: Context) -> None:
    def entries(make: Any) -> dict[str, Any]:
        return {"context": lambda c: {"contextAgents": make(c)}}

    check_examples(
        ctx,
        [
            valid("contextAgent with relevantTypes", entries(lambda c: [_context_agent(c)])),
            valid(
                "contextAgent without relevantTypes",
                entries(lambda c: [{"objectType": "contextAgent", "agent": c.agent()}]),
            ),
            invalid("not an array", entries(lambda c: _context_agent(c))),
            invalid("without objectType", entries(lambda c: [{"agent": c.agent()}])),
            invalid("objectType Agent", entries(lambda c: [_context_agent(c, objectType="Agent")])),
            invalid(
                "without agent",
                entries(lambda c: [{"objectType": "contextAgent", "relevantTypes": [ROLE]}]),
            ),
            invalid(
                "agent without IFI", entries(lambda c: [_context_agent(c, agent={"name": "x"})])
            ),
            invalid(
                "agent a Group",
                entries(lambda c: [_context_agent(c, agent=c.group(c.agent(), identified=True))]),
            ),
            invalid(
                "relevantTypes not IRIs",
                entries(lambda c: [_context_agent(c, relevantTypes=["preceptor"])]),
            ),
            invalid(
                "relevantTypes a string", entries(lambda c: [_context_agent(c, relevantTypes=ROLE)])
            ),
            invalid("unknown property", entries(lambda c: [_context_agent(c, role="x")])),
        ],
    )


@requirement(
    "Data 2.4.6",
    "context-groups",
    'contextGroups MUST be an array of objects with objectType "contextGroup", a "group" that is a '
    'Group and optional "relevantTypes" IRIs [2.0 x2]',
    versions=V2,
)
def context_groups(ctx: Context) -> None:
    def entries(make: Any) -> dict[str, Any]:
        return {"context": lambda c: {"contextGroups": make(c)}}

    check_examples(
        ctx,
        [
            valid("contextGroup with an identified group", entries(lambda c: [_context_group(c)])),
            valid(
                "contextGroup with an anonymous group",
                entries(lambda c: [_context_group(c, group=c.group(c.agent()))]),
            ),
            invalid("not an array", entries(lambda c: _context_group(c))),
            invalid(
                "objectType contextAgent",
                entries(lambda c: [_context_group(c, objectType="contextAgent")]),
            ),
            invalid("without group", entries(lambda c: [{"objectType": "contextGroup"}])),
            invalid("group an Agent", entries(lambda c: [_context_group(c, group=c.agent())])),
            invalid(
                "relevantTypes not IRIs",
                entries(lambda c: [_context_group(c, relevantTypes=["team"])]),
            ),
        ],
    )


@requirement(
    "Data 2.4.6",
    "context-agents-not-1.0",
    "contextAgents and contextGroups are not 1.0.3 properties, so a 1.0.3 LRS MUST reject them "
    "as keys not allowed by the specification",
    versions=V1,
)
def context_agents_not_1_0(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            invalid(
                "contextAgents in 1.0.3",
                {"context": lambda c: {"contextAgents": [_context_agent(c)]}},
            ),
            invalid(
                "contextGroups in 1.0.3",
                {"context": lambda c: {"contextGroups": [_context_group(c)]}},
            ),
        ],
    )
