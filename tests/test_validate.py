"""Statement validation (xAPI Data 2.x), for xAPI 1.0.3 and 2.0.0.

Each invalid case asserts the JSON path of the innermost offending property and a
fragment of the plain-words message.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs.errors import BadRequest
from lrs.xapi.validate import validate_agent_param, validate_statement, validate_statements
from lrs.xapi.versions import XAPIVersion

V1 = XAPIVersion.V1_0_3
V2 = XAPIVersion.V2_0_0
BOTH = (V1, V2)
DELETE = object()

UUID = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"
UUID2 = "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"
SHA2 = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"

MINIMAL: dict[str, Any] = {
    "actor": {"mbox": "mailto:xapi@adlnet.gov"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
    "object": {"id": "http://www.example.com/meetings/occurances/34534"},
}

TYPICAL: dict[str, Any] = {
    "id": UUID,
    "actor": {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
    "object": {
        "objectType": "Activity",
        "id": "http://example.com/activities/1",
        "definition": {
            "name": {"en-US": "Module 1"},
            "description": {"en-US": "The first module"},
            "type": "http://adlnet.gov/expapi/activities/module",
            "moreInfo": "https://example.com/modules/1",
            "extensions": {"http://example.com/ext/level": 3},
        },
    },
    "result": {
        "score": {"scaled": 0.85, "raw": 85, "min": 0, "max": 100},
        "success": True,
        "completion": True,
        "response": "done",
        "duration": "PT1H2M3.45S",
        "extensions": {"http://example.com/ext/attempts": 2},
    },
    "context": {
        "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
        "instructor": {
            "objectType": "Agent",
            "account": {"homePage": "http://lms.example.com", "name": "t1"},
        },
        "team": {"objectType": "Group", "name": "Team", "mbox": "mailto:team@example.com"},
        "contextActivities": {
            "parent": [{"id": "http://example.com/courses/1"}],
            "grouping": [{"objectType": "Activity", "id": "http://example.com/programs/1"}],
            "category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}],
            "other": [],
        },
        "revision": "rev 2",
        "platform": "Example LMS",
        "language": "en-US",
        "statement": {"objectType": "StatementRef", "id": UUID2},
        "extensions": {"http://example.com/ext/session": "s1"},
    },
    "timestamp": "2024-05-04T12:00:00.123-05:00",
    "stored": "2024-05-04T17:00:01.000Z",
    "authority": {
        "objectType": "Agent",
        "account": {"homePage": "http://lrs.example.com", "name": "k"},
    },
    "version": "1.0.0",
    "attachments": [
        {
            "usageType": "http://example.com/attachment-usage/test",
            "display": {"en-US": "A test attachment"},
            "description": {"en-US": "A test attachment (description)"},
            "contentType": "text/plain; charset=ascii",
            "length": 27,
            "sha2": SHA2,
            "fileUrl": "http://over.there.com/file.txt",
        }
    ],
}

ATTACHMENT = TYPICAL["attachments"][0]
AGENT_B = {"mbox": "mailto:bob@example.com"}
OAUTH_CONSUMER = {"account": {"homePage": "http://example.com/xAPI/OAuth/Token", "name": "c"}}
SUBSTATEMENT = {
    "objectType": "SubStatement",
    "actor": {"objectType": "Agent", "mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/reported", "display": {"en-GB": "reported"}},
    "object": {"objectType": "Activity", "id": "http://www.example.com/meetings/34534"},
}


def without(obj: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k != key}


def build(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `base` with dotted-path `changes` applied (DELETE removes)."""
    statement = copy.deepcopy(base)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node: Any = statement
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        target: Any = int(last) if isinstance(node, list) else last
        if value is DELETE:
            del node[target]
        else:
            node[target] = copy.deepcopy(value)
    return statement


def rejected(body: object, version: XAPIVersion) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        validate_statements(body, version)
    return caught.value


# --- valid statements ---------------------------------------------------------------------

VALID: list[Any] = [
    pytest.param(MINIMAL, {}, BOTH, id="minimal-statement"),
    pytest.param(TYPICAL, {}, BOTH, id="statement-using-every-property"),
    pytest.param(
        MINIMAL,
        {"actor": {"mbox_sha1sum": "CD9B00A5611F94EAA7B1661EDAB976068E364975"}},
        BOTH,
        id="agent-identified-by-mbox-sha1sum",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"openid": "http://openid.example.org/12345"}},
        BOTH,
        id="agent-identified-by-openid",
    ),
    pytest.param(
        MINIMAL,
        {
            "actor": {
                "objectType": "Agent",
                "account": {"homePage": "http://www.example.com", "name": "1625378"},
            }
        },
        BOTH,
        id="agent-identified-by-account",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"objectType": "Group", "member": [AGENT_B]}},
        BOTH,
        id="anonymous-group-with-members",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"objectType": "Group", "openid": "http://example.org/g"}},
        BOTH,
        id="identified-group-without-members",
    ),
    pytest.param(
        MINIMAL,
        {
            "actor": {
                "objectType": "Group",
                "account": {"homePage": "http://x.org", "name": "g"},
                "member": [],
            }
        },
        BOTH,
        id="identified-group-with-empty-member-list",
    ),
    pytest.param(
        MINIMAL, {"id": "AA97B177-9383-4934-8543-0F91A7A02836"}, BOTH, id="uppercase-uuid-id"
    ),
    pytest.param(
        MINIMAL,
        {"id": "12345678-1234-5678-1234-567812345678"},
        BOTH,
        id="uuid-of-any-variant-as-in-the-spec-example",
    ),
    pytest.param(
        MINIMAL, {"verb.id": "http://example.com/فعل/خواندن"}, BOTH, id="verb-id-non-ascii-iri"
    ),
    pytest.param(MINIMAL, {"verb.display": {}}, BOTH, id="empty-language-map"),
    pytest.param(
        MINIMAL,
        {
            "verb.display": {
                "de": "besucht",
                "zh-Hant": "x",
                "sr-Latn-RS": "x",
                "cmn": "x",
                "de-DE-1996": "x",
                "en-US-x-twain": "x",
                "i-klingon": "x",
                "x-private": "x",
                "zh-min-nan": "x",
                "es-419": "x",
                "EN-us": "x",
            }
        },
        BOTH,
        id="rfc5646-language-tags",
    ),
    pytest.param(
        MINIMAL,
        {"object": {"objectType": "Agent", "mbox": "mailto:a@example.com"}},
        BOTH,
        id="agent-as-object",
    ),
    pytest.param(
        MINIMAL,
        {"object": {"objectType": "Group", "member": [AGENT_B]}},
        BOTH,
        id="anonymous-group-as-object",
    ),
    pytest.param(
        MINIMAL,
        {"object": {"objectType": "StatementRef", "id": UUID2}},
        BOTH,
        id="statement-ref-as-object",
    ),
    pytest.param(MINIMAL, {"object": SUBSTATEMENT}, BOTH, id="substatement-as-object"),
    pytest.param(
        MINIMAL,
        {
            "object": {
                **SUBSTATEMENT,
                "result": TYPICAL["result"],
                "context": TYPICAL["context"],
                "timestamp": "2099-01-01T00:00:00Z",
                "attachments": [ATTACHMENT],
            }
        },
        BOTH,
        id="substatement-with-result-context-future-timestamp-attachments",
    ),
    pytest.param(
        MINIMAL,
        {"object": {**SUBSTATEMENT, "object": {"objectType": "StatementRef", "id": UUID}}},
        BOTH,
        id="substatement-with-statement-ref-object",
    ),
    pytest.param(
        MINIMAL,
        {"verb.id": VOIDED, "object": {"objectType": "StatementRef", "id": UUID2}},
        BOTH,
        id="voiding-statement-with-statement-ref",
    ),
    pytest.param(
        MINIMAL,
        {"object": {**SUBSTATEMENT, "verb": {"id": VOIDED}}},
        BOTH,
        id="voided-verb-inside-substatement-is-not-a-voiding-statement",
    ),
    pytest.param(
        MINIMAL,
        {
            "context.contextActivities": {
                "parent": {"id": "http://example.com/p"},
                "other": {"objectType": "Activity", "id": "http://example.com/o"},
            }
        },
        BOTH,
        id="context-activities-as-single-objects",
    ),
    pytest.param(MINIMAL, {"context.language": "tlh"}, BOTH, id="context-language-three-letters"),
    pytest.param(
        MINIMAL,
        {
            "object": {"objectType": "Agent", "mbox": "mailto:a@example.com"},
            "context": {"language": "fr-CA", "registration": UUID},
        },
        BOTH,
        id="context-without-revision-or-platform-with-agent-object",
    ),
    pytest.param(
        MINIMAL,
        {
            "result.extensions": {
                "http://example.com/null": None,
                "http://example.com/e": "",
                "http://example.com/o": {},
                "http://example.com/n": [None],
            }
        },
        BOTH,
        id="extension-values-may-be-null-or-empty",
    ),
    pytest.param(MINIMAL, {"context.extensions": {}}, BOTH, id="empty-extensions-object"),
    pytest.param(
        MINIMAL,
        {"result.score": {"scaled": -1, "raw": 5, "min": 5, "max": 6}},
        BOTH,
        id="score-boundaries-are-inclusive",
    ),
    pytest.param(
        MINIMAL,
        {"result.score": {"scaled": 1.0, "raw": -12.5}},
        BOTH,
        id="raw-without-min-or-max-is-unrestricted",
    ),
    pytest.param(
        MINIMAL, {"result.score": {"min": 0.6767676, "max": 100.6767676}}, BOTH, id="score-decimals"
    ),
    pytest.param(
        MINIMAL,
        {"result.duration": "P1DT12H36M0.12567S"},
        BOTH,
        id="duration-finer-than-hundredths-is-not-rejected",
    ),
    pytest.param(MINIMAL, {"result.duration": "P4W"}, BOTH, id="duration-in-weeks"),
    pytest.param(
        MINIMAL, {"result.duration": "P3Y1M29DT4H35M59.14S"}, BOTH, id="duration-all-components"
    ),
    pytest.param(MINIMAL, {"result.duration": "PT16559.14S"}, BOTH, id="duration-in-seconds"),
    pytest.param(
        MINIMAL, {"timestamp": "2008-09-15T15:53:00.601+00:00"}, BOTH, id="rfc3339-timestamp"
    ),
    pytest.param(MINIMAL, {"timestamp": "2124-09-15T15:53:00Z"}, BOTH, id="future-timestamp"),
    pytest.param(
        MINIMAL,
        {"timestamp": "2024-02-29T23:59:59.999999999+14:00"},
        BOTH,
        id="timestamp-leap-day-nanoseconds",
    ),
    pytest.param(MINIMAL, {"version": "1.0"}, BOTH, id="version-1.0"),
    pytest.param(MINIMAL, {"version": "1.0.9"}, BOTH, id="version-1.0.9"),
    pytest.param(MINIMAL, {"version": "2.0.0"}, (V2,), id="version-2.0.0-in-2.0"),
    pytest.param(MINIMAL, {"version": "2.0"}, (V2,), id="version-2.0-in-2.0"),
    pytest.param(
        MINIMAL,
        {"authority": {"objectType": "Group", "member": [OAUTH_CONSUMER, AGENT_B]}},
        BOTH,
        id="authority-group-of-two-agents",
    ),
    pytest.param(
        MINIMAL, {"authority": {"mbox": "mailto:admin@example.com"}}, BOTH, id="authority-agent"
    ),
    pytest.param(MINIMAL, {"attachments": []}, BOTH, id="empty-attachments"),
    pytest.param(
        MINIMAL,
        {
            "attachments": [
                {k: v for k, v in ATTACHMENT.items() if k not in ("description", "fileUrl")}
            ]
        },
        BOTH,
        id="attachment-with-required-properties-only",
    ),
    pytest.param(
        MINIMAL,
        {
            "context.contextAgents": [
                {
                    "objectType": "contextAgent",
                    "agent": {"objectType": "Agent", "mbox": "mailto:p1@example.com"},
                    "relevantTypes": ["https://example.com/types/player"],
                },
                {"objectType": "contextAgent", "agent": AGENT_B},
            ],
            "context.contextGroups": [
                {
                    "objectType": "contextGroup",
                    "group": {
                        "objectType": "Group",
                        "mbox": "mailto:t@example.com",
                        "member": [AGENT_B],
                    },
                    "relevantTypes": ["https://example.com/types/team"],
                }
            ],
        },
        (V2,),
        id="context-agents-and-groups-in-2.0",
    ),
]

INTERACTIONS: list[Any] = [
    pytest.param(
        {"interactionType": "true-false", "correctResponsesPattern": ["true"]}, id="true-false"
    ),
    pytest.param(
        {
            "interactionType": "choice",
            "correctResponsesPattern": ["a[,]b"],
            "choices": [{"id": "a", "description": {"en-US": "A"}}, {"id": "b"}],
        },
        id="choice",
    ),
    pytest.param(
        {"interactionType": "fill-in", "correctResponsesPattern": ["{case_matters=false}x"]},
        id="fill-in",
    ),
    pytest.param({"interactionType": "long-fill-in"}, id="long-fill-in"),
    pytest.param(
        {
            "interactionType": "matching",
            "correctResponsesPattern": ["1[.]a"],
            "source": [{"id": "1"}],
            "target": [{"id": "a"}, {"id": "1"}],
        },
        id="matching-ids-unique-per-list",
    ),
    pytest.param(
        {"interactionType": "performance", "steps": [{"id": "s1"}, {"id": "s2"}]}, id="performance"
    ),
    pytest.param(
        {"interactionType": "sequencing", "choices": [{"id": "a"}, {"id": "b"}]}, id="sequencing"
    ),
    pytest.param({"interactionType": "likert", "scale": [{"id": "1"}, {"id": "2"}]}, id="likert"),
    pytest.param({"interactionType": "numeric", "correctResponsesPattern": ["4[:]"]}, id="numeric"),
    pytest.param({"interactionType": "other", "correctResponsesPattern": []}, id="other"),
]


@pytest.mark.parametrize(("base", "changes", "versions"), VALID)
def test_valid_statement_is_accepted(
    base: dict[str, Any], changes: dict[str, Any], versions: tuple[XAPIVersion, ...]
) -> None:
    statement = build(base, changes)
    for version in versions:
        assert validate_statements(statement, version) == [statement]
        assert validate_statement(statement, version) is statement


@pytest.mark.parametrize("definition", INTERACTIONS)
@pytest.mark.parametrize("version", BOTH)
def test_interaction_activity_with_its_component_lists_is_accepted(
    definition: dict[str, Any], version: XAPIVersion
) -> None:
    statement = build(MINIMAL, {"object.definition": definition})
    assert validate_statements(statement, version) == [statement]
    in_context = build(
        MINIMAL,
        {"context.contextActivities.other": [{"id": "http://x.org/q", "definition": definition}]},
    )
    assert validate_statements(in_context, version) == [in_context]


# --- invalid statements -------------------------------------------------------------------

INVALID: list[Any] = [
    # statement
    pytest.param(
        MINIMAL,
        {"actor": DELETE},
        BOTH,
        "$.actor",
        "missing the required property 'actor'",
        id="statement-without-actor",
    ),
    pytest.param(
        MINIMAL,
        {"verb": DELETE},
        BOTH,
        "$.verb",
        "required property 'verb'",
        id="statement-without-verb",
    ),
    pytest.param(
        MINIMAL,
        {"object": DELETE},
        BOTH,
        "$.object",
        "required property 'object'",
        id="statement-without-object",
    ),
    pytest.param(
        MINIMAL,
        {"Actor": AGENT_B},
        BOTH,
        "$.Actor",
        '"Actor" is not an allowed property of statement',
        id="statement-key-in-wrong-case",
    ),
    pytest.param(
        MINIMAL,
        {"objectType": "Statement"},
        BOTH,
        "$.objectType",
        "not an allowed property",
        id="statement-with-objecttype",
    ),
    pytest.param(
        MINIMAL,
        {"id": "AA97B177-9383-4934-8543-0F91A7A028368"},
        BOTH,
        "$.id",
        "UUID",
        id="id-with-too-many-digits",
    ),
    pytest.param(
        MINIMAL,
        {"id": "MA97B177-9383-4934-8543-0F91A7A02836"},
        BOTH,
        "$.id",
        "UUID",
        id="id-with-non-hex-letter",
    ),
    pytest.param(
        MINIMAL,
        {"id": "fd41c918b88b4b20a0a5a4c32391aaa0"},
        BOTH,
        "$.id",
        "standard string form",
        id="id-without-hyphens",
    ),
    pytest.param(MINIMAL, {"id": 12345}, BOTH, "$.id", "got an integer", id="id-numeric"),
    pytest.param(MINIMAL, {"id": None}, BOTH, "$.id", "must not be null", id="id-null"),
    pytest.param(
        MINIMAL, {"actor.name": None}, BOTH, "$.actor.name", "must not be null", id="null-value"
    ),
    pytest.param(
        MINIMAL, {"version": "1.1.0"}, BOTH, "$.version", 'got "1.1.0"', id="version-1.1.0"
    ),
    pytest.param(MINIMAL, {"version": "0.9.9"}, BOTH, "$.version", "'1.0'", id="version-0.9.9"),
    pytest.param(
        MINIMAL,
        {"version": "2.0.0"},
        (V1,),
        "$.version",
        "'1.0' or '1.0.x'",
        id="version-2.0.0-in-1.0.3",
    ),
    pytest.param(
        MINIMAL,
        {"version": "3.0.0"},
        (V2,),
        "$.version",
        "'2.0' or '2.0.x'",
        id="version-3.0.0-in-2.0",
    ),
    pytest.param(MINIMAL, {"version": 1.0}, BOTH, "$.version", "got a number", id="version-number"),
    pytest.param(
        MINIMAL, {"stored": "yesterday"}, BOTH, "$.stored", "ISO 8601", id="stored-not-a-timestamp"
    ),
    # actor: agents
    pytest.param(
        MINIMAL,
        {"actor": {"name": "nobody"}},
        BOTH,
        "$.actor",
        "actor must have exactly one inverse functional identifier (mbox, mbox_sha1sum, openid, account); found 0",
        id="agent-without-ifi",
    ),
    pytest.param(
        MINIMAL,
        {"actor.openid": "http://openid.example.org/1"},
        BOTH,
        "$.actor",
        "exactly one inverse functional identifier (mbox, mbox_sha1sum, openid, account); found 2 (mbox, openid)",
        id="agent-with-two-ifis",
    ),
    pytest.param(
        MINIMAL,
        {"actor.mbox": "xapi@adlnet.gov"},
        BOTH,
        "$.actor.mbox",
        "mailto IRI",
        id="mbox-without-mailto",
    ),
    pytest.param(
        MINIMAL,
        {"actor.mbox": "mailto:should.fail.com"},
        BOTH,
        "$.actor.mbox",
        "email address",
        id="mbox-without-address",
    ),
    pytest.param(
        MINIMAL,
        {"actor.mbox": "http://should.fail.com"},
        BOTH,
        "$.actor.mbox",
        "mailto IRI",
        id="mbox-not-mailto-iri",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e36497"}},
        BOTH,
        "$.actor.mbox_sha1sum",
        "40 hex digits",
        id="mbox-sha1sum-too-short",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"openid": "openid.example.org"}},
        BOTH,
        "$.actor.openid",
        "URI",
        id="openid-without-scheme",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"account": {"name": "x"}}},
        BOTH,
        "$.actor.account.homePage",
        "missing the required property 'homePage'",
        id="account-without-homepage",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"account": {"homePage": "http://x.org"}}},
        BOTH,
        "$.actor.account.name",
        "required property 'name'",
        id="account-without-name",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"account": {"homePage": "ab=c://should.fail.com", "name": "x"}}},
        BOTH,
        "$.actor.account.homePage",
        "IRL",
        id="account-homepage-not-irl",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"account": {"homePage": "http://x.org", "name": {"key": "v"}}}},
        BOTH,
        "$.actor.account.name",
        "must be a string; got an object",
        id="account-name-not-string",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"account": {"homePage": "http://x.org", "name": "x", "id": 1}}},
        BOTH,
        "$.actor.account.id",
        "not an allowed property of actor.account",
        id="account-extra-property",
    ),
    pytest.param(
        MINIMAL,
        {"actor.objectType": "agent"},
        BOTH,
        "$.actor.objectType",
        "'Agent' or 'Group'",
        id="actor-objecttype-wrong-case",
    ),
    pytest.param(
        MINIMAL,
        {"actor.objectType": 123},
        BOTH,
        "$.actor.objectType",
        "got 123",
        id="actor-objecttype-numeric",
    ),
    pytest.param(
        MINIMAL,
        {"actor": "agent"},
        BOTH,
        "$.actor",
        "must be an Agent or Group; got a string",
        id="actor-not-an-object",
    ),
    pytest.param(
        MINIMAL,
        {"actor.mbox": {"$ne": None}},
        BOTH,
        "$.actor.mbox",
        "got an object",
        id="actor-ifi-not-a-string",
    ),
    # actor: groups
    pytest.param(
        MINIMAL,
        {"actor": {"objectType": "Group", "name": "Group Anonymous"}},
        BOTH,
        "$.actor.member",
        "actor is an anonymous Group",
        id="anonymous-group-without-member",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"objectType": "Group", "member": []}},
        BOTH,
        "$.actor.member",
        "non-empty array of Agents; it has 0 item(s)",
        id="anonymous-group-with-empty-member",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"objectType": "Group", "member": AGENT_B}},
        BOTH,
        "$.actor.member",
        "must be an array of Agents",
        id="group-member-not-an-array",
    ),
    pytest.param(
        MINIMAL,
        {
            "actor": {
                "objectType": "Group",
                "member": [{"objectType": "Group", "member": [AGENT_B]}],
            }
        },
        BOTH,
        "$.actor.member[0].objectType",
        "only Agents are allowed here, not Groups",
        id="group-member-is-a-group",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"objectType": "Group", "member": [{"name": "x"}]}},
        BOTH,
        "$.actor.member[0]",
        "actor.member[0] must have exactly one inverse functional identifier",
        id="group-member-without-ifi",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"objectType": "Group", "mbox": "mailto:g@x.org", "openid": "http://x.org/g"}},
        BOTH,
        "$.actor",
        "found 2 (mbox, openid)",
        id="identified-group-with-two-ifis",
    ),
    pytest.param(
        MINIMAL,
        {"actor": {"objectType": "Group", "account": {"homePage": "http://x.org"}}},
        BOTH,
        "$.actor.account.name",
        "required property 'name'",
        id="identified-group-account-without-name",
    ),
    # verb
    pytest.param(
        MINIMAL,
        {"verb.id": DELETE},
        BOTH,
        "$.verb.id",
        "verb is missing the required property 'id'",
        id="verb-without-id",
    ),
    pytest.param(
        MINIMAL,
        {"verb.id": "attended"},
        BOTH,
        "$.verb.id",
        "absolute IRI",
        id="verb-id-without-scheme",
    ),
    pytest.param(
        MINIMAL,
        {"verb.id": "ab=c://should.fail.com"},
        BOTH,
        "$.verb.id",
        "IRI",
        id="verb-id-bad-scheme",
    ),
    pytest.param(
        MINIMAL,
        {"verb.id": "http://example.com/has space"},
        BOTH,
        "$.verb.id",
        "IRI",
        id="verb-id-with-whitespace",
    ),
    pytest.param(MINIMAL, {"verb.id": ""}, BOTH, "$.verb.id", "IRI", id="verb-id-empty-string"),
    pytest.param(
        MINIMAL,
        {"verb.display": "attended"},
        BOTH,
        "$.verb.display",
        "language map",
        id="verb-display-string",
    ),
    pytest.param(
        MINIMAL,
        {"verb.display": {"a12345": "attended"}},
        BOTH,
        "$.verb.display.a12345",
        'verb.display has a key "a12345" that is not an RFC 5646 language tag',
        id="verb-display-invalid-language-tag",
    ),
    pytest.param(
        MINIMAL,
        {"verb.display": {"s-something": "x"}},
        BOTH,
        "$.verb.display['s-something']",
        "RFC 5646",
        id="verb-display-singleton-as-language",
    ),
    pytest.param(
        MINIMAL,
        {"verb.display": {"en-US": 5}},
        BOTH,
        "$.verb.display['en-US']",
        "must be a string",
        id="verb-display-value-not-string",
    ),
    pytest.param(
        MINIMAL,
        {"verb.name": {"en": "x"}},
        BOTH,
        "$.verb.name",
        "not an allowed property of verb",
        id="verb-extra-property",
    ),
    # object: activity
    pytest.param(
        MINIMAL,
        {"object.id": DELETE},
        BOTH,
        "$.object.id",
        "object is missing the required property 'id'",
        id="activity-without-id",
    ),
    pytest.param(
        MINIMAL,
        {"object.id": "not an iri"},
        BOTH,
        "$.object.id",
        "absolute IRI",
        id="activity-id-not-iri",
    ),
    pytest.param(
        MINIMAL,
        {"object.objectType": "activity"},
        BOTH,
        "$.object.objectType",
        "'Activity', 'Agent', 'Group', 'StatementRef' or 'SubStatement'; got \"activity\"",
        id="object-objecttype-wrong-case",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition": "meeting"},
        BOTH,
        "$.object.definition",
        "must be an object",
        id="activity-definition-not-object",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition.name": 12345},
        BOTH,
        "$.object.definition.name",
        "language map",
        id="activity-name-numeric",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition.description": {"something": "x"}},
        BOTH,
        "$.object.definition.description.something",
        "RFC 5646",
        id="activity-description-invalid-key",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition.type": "meeting"},
        BOTH,
        "$.object.definition.type",
        "IRI",
        id="activity-type-not-iri",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition.moreInfo": "www.example.com"},
        BOTH,
        "$.object.definition.moreInfo",
        "IRL",
        id="activity-moreinfo-not-irl",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition.moreInfo": None},
        BOTH,
        "$.object.definition.moreInfo",
        "must not be null",
        id="activity-moreinfo-null",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition.interactionType": "true-faLse"},
        BOTH,
        "$.object.definition.interactionType",
        'got "true-faLse"',
        id="interaction-type-wrong-case",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition.interactionType": 12345},
        BOTH,
        "$.object.definition.interactionType",
        "'true-false', 'choice'",
        id="interaction-type-numeric",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition.interactionType": "ab=c://should.fail.com"},
        BOTH,
        "$.object.definition.interactionType",
        "must be one of",
        id="interaction-type-unknown",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition": {"interactionType": "choice", "correctResponsesPattern": "a"}},
        BOTH,
        "$.object.definition.correctResponsesPattern",
        "array of strings",
        id="correct-responses-not-array",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition": {"interactionType": "choice", "correctResponsesPattern": [1]}},
        BOTH,
        "$.object.definition.correctResponsesPattern[0]",
        "must be a string",
        id="correct-response-not-string",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition": {"choices": [{"id": "a"}]}},
        BOTH,
        "$.object.definition.interactionType",
        "must have an 'interactionType'",
        id="component-list-without-interaction-type",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition": {"correctResponsesPattern": ["a"]}},
        BOTH,
        "$.object.definition.interactionType",
        "interaction activity",
        id="correct-responses-without-interaction-type",
    ),
    pytest.param(
        MINIMAL,
        {
            "object.definition": {
                "interactionType": "choice",
                "choices": [{"id": "a"}],
                "scale": [{"id": "1"}],
            }
        },
        BOTH,
        "$.object.definition.scale",
        "not allowed for interactionType 'choice' (it supports only 'choices')",
        id="likert-scale-on-choice",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition": {"interactionType": "true-false", "choices": [{"id": "a"}]}},
        BOTH,
        "$.object.definition.choices",
        "supports no interaction component lists",
        id="choices-on-true-false",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition": {"interactionType": "matching", "steps": [{"id": "a"}]}},
        BOTH,
        "$.object.definition.steps",
        "'source' and 'target'",
        id="steps-on-matching",
    ),
    pytest.param(
        MINIMAL,
        {
            "object.definition": {
                "interactionType": "choice",
                "choices": [{"id": "a"}, {"id": "b"}, {"id": "a"}],
            }
        },
        BOTH,
        "$.object.definition.choices[2].id",
        "id 'a' appears more than once",
        id="duplicate-component-ids",
    ),
    pytest.param(
        MINIMAL,
        {
            "object.definition": {
                "interactionType": "likert",
                "scale": [{"description": {"en": "x"}}],
            }
        },
        BOTH,
        "$.object.definition.scale[0].id",
        "required property 'id'",
        id="component-without-id",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition": {"interactionType": "likert", "scale": [{"id": 1}]}},
        BOTH,
        "$.object.definition.scale[0].id",
        "must be a string",
        id="component-id-not-string",
    ),
    pytest.param(
        MINIMAL,
        {
            "object.definition": {
                "interactionType": "likert",
                "scale": [{"id": "1", "description": {"12": "x"}}],
            }
        },
        BOTH,
        "$.object.definition.scale[0].description['12']",
        "RFC 5646",
        id="component-description-bad-key",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition": {"interactionType": "likert", "scale": [{"id": "1", "name": "x"}]}},
        BOTH,
        "$.object.definition.scale[0].name",
        "not an allowed property",
        id="component-extra-property",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition.extensions": {"should fail": True}},
        BOTH,
        "$.object.definition.extensions['should fail']",
        'object.definition.extensions has a key "should fail" that is not an absolute IRI',
        id="extension-key-not-iri",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition.extensions": "x"},
        BOTH,
        "$.object.definition.extensions",
        "extensions object",
        id="extensions-not-object",
    ),
    pytest.param(
        MINIMAL,
        {"object.definition.title": {"en": "x"}},
        BOTH,
        "$.object.definition.title",
        "not an allowed property of object.definition",
        id="definition-extra-property",
    ),
    pytest.param(
        MINIMAL,
        {"object.mbox": "mailto:a@b.org"},
        BOTH,
        "$.object.mbox",
        "not an allowed property of object",
        id="activity-with-agent-property",
    ),
    # object: agents, groups, statement refs
    pytest.param(
        MINIMAL,
        {"object": {"objectType": "Agent", "name": "x"}},
        BOTH,
        "$.object",
        "found 0",
        id="agent-object-without-ifi",
    ),
    pytest.param(
        MINIMAL,
        {"object": {"objectType": "Group", "name": "x"}},
        BOTH,
        "$.object.member",
        "anonymous Group",
        id="anonymous-group-object-without-member",
    ),
    pytest.param(
        MINIMAL,
        {"object": {"objectType": "StatementRef"}},
        BOTH,
        "$.object.id",
        "required property 'id'",
        id="statement-ref-without-id",
    ),
    pytest.param(
        MINIMAL,
        {"object": {"objectType": "StatementRef", "id": "http://x.org/1"}},
        BOTH,
        "$.object.id",
        "UUID",
        id="statement-ref-id-not-uuid",
    ),
    pytest.param(
        MINIMAL,
        {"object": {"objectType": "StatementRef", "id": UUID, "definition": {}}},
        BOTH,
        "$.object.definition",
        "not an allowed property of object",
        id="statement-ref-extra-property",
    ),
    # object: substatements
    pytest.param(
        MINIMAL,
        {"object": without(SUBSTATEMENT, "actor")},
        BOTH,
        "$.object.actor",
        "object is missing the required property 'actor'",
        id="substatement-without-actor",
    ),
    pytest.param(
        MINIMAL,
        {"object": without(SUBSTATEMENT, "verb")},
        BOTH,
        "$.object.verb",
        "'verb'",
        id="substatement-without-verb",
    ),
    pytest.param(
        MINIMAL,
        {"object": without(SUBSTATEMENT, "object")},
        BOTH,
        "$.object.object",
        "'object'",
        id="substatement-without-object",
    ),
    pytest.param(
        MINIMAL,
        {"object": {**SUBSTATEMENT, "id": UUID}},
        BOTH,
        "$.object.id",
        "a SubStatement must not have 'id'",
        id="substatement-with-id",
    ),
    pytest.param(
        MINIMAL,
        {"object": {**SUBSTATEMENT, "stored": "2024-01-01T00:00:00Z"}},
        BOTH,
        "$.object.stored",
        "must not have 'stored'",
        id="substatement-with-stored",
    ),
    pytest.param(
        MINIMAL,
        {"object": {**SUBSTATEMENT, "version": "1.0.0"}},
        BOTH,
        "$.object.version",
        "must not have 'version'",
        id="substatement-with-version",
    ),
    pytest.param(
        MINIMAL,
        {"object": {**SUBSTATEMENT, "authority": AGENT_B}},
        BOTH,
        "$.object.authority",
        "must not have 'authority'",
        id="substatement-with-authority",
    ),
    pytest.param(
        MINIMAL,
        {"object": {**SUBSTATEMENT, "object": SUBSTATEMENT}},
        BOTH,
        "$.object.object",
        "a SubStatement must not contain a SubStatement",
        id="nested-substatement",
    ),
    pytest.param(
        MINIMAL,
        {"object": {**SUBSTATEMENT, "object": {"objectType": "substatement"}}},
        BOTH,
        "$.object.object.objectType",
        "'Activity', 'Agent', 'Group' or 'StatementRef'",
        id="substatement-object-objecttype-wrong-case",
    ),
    pytest.param(
        MINIMAL,
        {"object": {**SUBSTATEMENT, "timestamp": "01/011/2015"}},
        BOTH,
        "$.object.timestamp",
        "ISO 8601",
        id="substatement-invalid-timestamp",
    ),
    pytest.param(
        MINIMAL,
        {"object": {**SUBSTATEMENT, "verb": {"id": "x", "display": {}}}},
        BOTH,
        "$.object.verb.id",
        "IRI",
        id="substatement-verb-id-not-iri",
    ),
    pytest.param(
        MINIMAL,
        {"object": {**SUBSTATEMENT, "result": {"score": {"raw": 11, "max": 10}}}},
        BOTH,
        "$.object.result.score.raw",
        "object.result.score.raw (11) must not be greater than max (10)",
        id="substatement-raw-above-max",
    ),
    pytest.param(
        MINIMAL,
        {
            "object": {
                **SUBSTATEMENT,
                "object": AGENT_B | {"objectType": "Agent"},
                "context": {"revision": "1"},
            }
        },
        BOTH,
        "$.object.context.revision",
        "only be used when the statement's object is an Activity",
        id="substatement-revision-with-agent-object",
    ),
    pytest.param(
        MINIMAL,
        {
            "object": {
                **SUBSTATEMENT,
                "object": {
                    "id": "http://x.org/a",
                    "definition": {
                        "interactionType": "choice",
                        "choices": [{"id": "a"}, {"id": "a"}],
                    },
                },
            }
        },
        BOTH,
        "$.object.object.definition.choices[1].id",
        "appears more than once",
        id="substatement-duplicate-component-ids",
    ),
    pytest.param(
        MINIMAL,
        {"object": {**SUBSTATEMENT, "objectType": "Substatement"}},
        BOTH,
        "$.object.objectType",
        "SubStatement",
        id="substatement-objecttype-wrong-case",
    ),
    # result
    pytest.param(
        MINIMAL,
        {"result.score": 12345},
        BOTH,
        "$.result.score",
        "must be an object",
        id="score-not-object",
    ),
    pytest.param(
        MINIMAL,
        {"result.score.scaled": 1.01},
        BOTH,
        "$.result.score.scaled",
        "between -1 and 1 inclusive; got 1.01",
        id="scaled-above-one",
    ),
    pytest.param(
        MINIMAL,
        {"result.score.scaled": -1.00001},
        BOTH,
        "$.result.score.scaled",
        "between -1 and 1",
        id="scaled-below-minus-one",
    ),
    pytest.param(
        MINIMAL,
        {"result.score": {"raw": 101, "min": 0, "max": 100}},
        BOTH,
        "$.result.score.raw",
        "raw (101) must not be greater than max (100)",
        id="raw-above-max",
    ),
    pytest.param(
        MINIMAL,
        {"result.score": {"raw": -1, "min": 0}},
        BOTH,
        "$.result.score.raw",
        "raw (-1) must not be less than min (0)",
        id="raw-below-min",
    ),
    pytest.param(
        MINIMAL,
        {"result.score": {"min": 10, "max": 5}},
        BOTH,
        "$.result.score.min",
        "min (10) must be less than max (5)",
        id="min-above-max",
    ),
    pytest.param(
        MINIMAL,
        {"result.score": {"min": 5, "max": 5}},
        BOTH,
        "$.result.score.min",
        "min (5) must be less than max (5)",
        id="min-equal-to-max",
    ),
    pytest.param(
        MINIMAL,
        {"result.score.max": "100"},
        BOTH,
        "$.result.score.max",
        "must be a number; got a string",
        id="score-number-as-string",
    ),
    pytest.param(
        MINIMAL,
        {"result.score.raw": True},
        BOTH,
        "$.result.score.raw",
        "got a boolean",
        id="score-number-as-boolean",
    ),
    pytest.param(
        MINIMAL,
        {"result.success": "true"},
        BOTH,
        "$.result.success",
        "boolean",
        id="success-as-string",
    ),
    pytest.param(
        MINIMAL,
        {"result.completion": "false"},
        BOTH,
        "$.result.completion",
        "boolean",
        id="completion-as-string",
    ),
    pytest.param(
        MINIMAL,
        {"result.response": 12345},
        BOTH,
        "$.result.response",
        "must be a string",
        id="response-numeric",
    ),
    pytest.param(
        MINIMAL,
        {"result.duration": "PA1H0M0S"},
        BOTH,
        "$.result.duration",
        "ISO 8601 duration",
        id="duration-invalid",
    ),
    pytest.param(
        MINIMAL,
        {"result.duration": "P4W1D"},
        BOTH,
        "$.result.duration",
        "ISO 8601 duration",
        id="duration-weeks-combined-with-days",
    ),
    pytest.param(
        MINIMAL,
        {"result.duration": "PT"},
        BOTH,
        "$.result.duration",
        "ISO 8601 duration",
        id="duration-without-components",
    ),
    pytest.param(
        MINIMAL,
        {"result.duration": "P0000-00-01T00:00:00"},
        BOTH,
        "$.result.duration",
        "ISO 8601 duration",
        id="duration-alternative-format",
    ),
    pytest.param(
        MINIMAL,
        {"result.duration": 12345},
        BOTH,
        "$.result.duration",
        "got an integer",
        id="duration-numeric",
    ),
    pytest.param(
        MINIMAL,
        {"result.extensions": 12345},
        BOTH,
        "$.result.extensions",
        "extensions object",
        id="result-extensions-numeric",
    ),
    pytest.param(
        MINIMAL,
        {"result.extensions": {"http://x.org/ok": 1, "not-an-iri": 2}},
        BOTH,
        "$.result.extensions['not-an-iri']",
        "not an absolute IRI",
        id="result-extension-key-not-iri",
    ),
    pytest.param(
        MINIMAL,
        {"result.grade": "A"},
        BOTH,
        "$.result.grade",
        "not an allowed property of result",
        id="result-extra-property",
    ),
    # context
    pytest.param(
        MINIMAL,
        {"context.registration": "not-a-uuid"},
        BOTH,
        "$.context.registration",
        "UUID",
        id="registration-not-uuid",
    ),
    pytest.param(
        MINIMAL,
        {"context.registration": None},
        BOTH,
        "$.context.registration",
        "must not be null",
        id="registration-null",
    ),
    pytest.param(
        MINIMAL,
        {"context.instructor": "Mr. Smith"},
        BOTH,
        "$.context.instructor",
        "Agent or Group",
        id="instructor-string",
    ),
    pytest.param(
        MINIMAL,
        {"context.instructor": {"objectType": "Group", "name": "x"}},
        BOTH,
        "$.context.instructor.member",
        "context.instructor is an anonymous Group",
        id="instructor-anonymous-group-without-member",
    ),
    pytest.param(
        MINIMAL,
        {"context.team": AGENT_B},
        BOTH,
        "$.context.team.objectType",
        'must be "Group"',
        id="team-is-an-agent",
    ),
    pytest.param(
        MINIMAL,
        {"context.team": {"objectType": "Agent", "mbox": "mailto:a@b.org"}},
        BOTH,
        "$.context.team.objectType",
        "'Group'",
        id="team-with-agent-objecttype",
    ),
    pytest.param(
        MINIMAL,
        {"context.contextActivities": "parent"},
        BOTH,
        "$.context.contextActivities",
        "must be an object",
        id="context-activities-string",
    ),
    pytest.param(
        MINIMAL,
        {"context.contextActivities": {"consequences": []}},
        BOTH,
        "$.context.contextActivities.consequences",
        "allowed: parent, grouping, category, other",
        id="context-activities-unknown-key",
    ),
    pytest.param(
        MINIMAL,
        {"context.contextActivities.parent": "http://x.org/p"},
        BOTH,
        "$.context.contextActivities.parent",
        "Activity object or an array of Activity objects",
        id="context-activity-string",
    ),
    pytest.param(
        MINIMAL,
        {"context.contextActivities.parent": [{"id": "http://x.org/p"}, {"id": "p"}]},
        BOTH,
        "$.context.contextActivities.parent[1].id",
        "IRI",
        id="context-activity-id-not-iri",
    ),
    pytest.param(
        MINIMAL,
        {"context.contextActivities.grouping": {"objectType": "Agent", "mbox": "mailto:a@b.org"}},
        BOTH,
        "$.context.contextActivities.grouping.objectType",
        "'Activity'",
        id="context-activity-is-agent",
    ),
    pytest.param(
        MINIMAL,
        {
            "context.contextActivities.category": [
                {
                    "id": "http://x.org/c",
                    "definition": {"interactionType": "likert", "choices": [{"id": "1"}]},
                }
            ]
        },
        BOTH,
        "$.context.contextActivities.category[0].definition.choices",
        "interactionType 'likert'",
        id="context-activity-with-wrong-component-list",
    ),
    pytest.param(
        MINIMAL,
        {"context.revision": 12345},
        BOTH,
        "$.context.revision",
        "must be a string",
        id="revision-numeric",
    ),
    pytest.param(
        MINIMAL,
        {"context.platform": {"name": "x"}},
        BOTH,
        "$.context.platform",
        "must be a string",
        id="platform-object",
    ),
    pytest.param(
        MINIMAL,
        {"object": {"objectType": "Agent", "mbox": "mailto:a@b.org"}, "context.revision": "1"},
        BOTH,
        "$.context.revision",
        "context.revision must only be used when the statement's object is an Activity",
        id="revision-with-agent-object",
    ),
    pytest.param(
        MINIMAL,
        {"object": {"objectType": "Group", "member": [AGENT_B]}, "context.revision": "1"},
        BOTH,
        "$.context.revision",
        "object is an Activity",
        id="revision-with-group-object",
    ),
    pytest.param(
        MINIMAL,
        {"object": {"objectType": "StatementRef", "id": UUID}, "context.platform": "LMS"},
        BOTH,
        "$.context.platform",
        "object is an Activity",
        id="platform-with-statement-ref-object",
    ),
    pytest.param(
        MINIMAL,
        {"object": SUBSTATEMENT, "context.platform": "LMS"},
        BOTH,
        "$.context.platform",
        "object is an Activity",
        id="platform-with-substatement-object",
    ),
    pytest.param(
        MINIMAL,
        {"context.language": "something"},
        BOTH,
        "$.context.language",
        "RFC 5646 language tag",
        id="context-language-invalid",
    ),
    pytest.param(
        MINIMAL,
        {"context.language": 12345},
        BOTH,
        "$.context.language",
        "got an integer",
        id="context-language-numeric",
    ),
    pytest.param(
        MINIMAL,
        {"context.statement": {"id": UUID}},
        BOTH,
        "$.context.statement.objectType",
        "required property 'objectType'",
        id="context-statement-without-objecttype",
    ),
    pytest.param(
        MINIMAL,
        {"context.statement": {"objectType": "StatementRef", "id": "x"}},
        BOTH,
        "$.context.statement.id",
        "UUID",
        id="context-statement-id-not-uuid",
    ),
    pytest.param(
        MINIMAL,
        {"context.extensions": {"http://x.org/e": 1, "e": 2}},
        BOTH,
        "$.context.extensions.e",
        "not an absolute IRI",
        id="context-extension-key-not-iri",
    ),
    pytest.param(
        MINIMAL,
        {"context.contextAgents": [{"objectType": "contextAgent", "agent": AGENT_B}]},
        (V1,),
        "$.context.contextAgents",
        "not part of xAPI 1.0.3",
        id="context-agents-in-1.0.3",
    ),
    pytest.param(
        MINIMAL,
        {"context.contextGroups": []},
        (V1,),
        "$.context.contextGroups",
        "added in xAPI 2.0",
        id="context-groups-in-1.0.3",
    ),
    pytest.param(
        MINIMAL,
        {"context.contextAgents": [{"objectType": "Should fail", "agent": AGENT_B}]},
        (V2,),
        "$.context.contextAgents[0].objectType",
        "'contextAgent'",
        id="context-agent-wrong-objecttype",
    ),
    pytest.param(
        MINIMAL,
        {"context.contextAgents": [{"agent": AGENT_B}]},
        (V2,),
        "$.context.contextAgents[0].objectType",
        "required property 'objectType'",
        id="context-agent-without-objecttype",
    ),
    pytest.param(
        MINIMAL,
        {
            "context.contextAgents": [
                {"objectType": "contextAgent", "agent": {"key": "Should fail"}}
            ]
        },
        (V2,),
        "$.context.contextAgents[0].agent.key",
        "not an allowed property",
        id="context-agent-invalid-agent",
    ),
    pytest.param(
        MINIMAL,
        {
            "context.contextAgents": [
                {
                    "objectType": "contextAgent",
                    "agent": {"objectType": "Group", "mbox": "mailto:g@x.org"},
                }
            ]
        },
        (V2,),
        "$.context.contextAgents[0].agent.objectType",
        "only Agents are allowed here",
        id="context-agent-is-a-group",
    ),
    pytest.param(
        MINIMAL,
        {
            "context.contextAgents": [
                {"objectType": "contextAgent", "agent": AGENT_B, "relevantTypes": []}
            ]
        },
        (V2,),
        "$.context.contextAgents[0].relevantTypes",
        "non-empty array of IRIs",
        id="context-agent-relevant-types-empty",
    ),
    pytest.param(
        MINIMAL,
        {
            "context.contextAgents": [
                {"objectType": "contextAgent", "agent": AGENT_B, "relevantTypes": ["abc"]}
            ]
        },
        (V2,),
        "$.context.contextAgents[0].relevantTypes[0]",
        "absolute IRI",
        id="context-agent-relevant-type-not-iri",
    ),
    pytest.param(
        MINIMAL,
        {"context.contextAgents": {"objectType": "contextAgent", "agent": AGENT_B}},
        (V2,),
        "$.context.contextAgents",
        "must be an array",
        id="context-agents-not-an-array",
    ),
    pytest.param(
        MINIMAL,
        {
            "context.contextGroups": [
                {"objectType": "contextGroup", "group": {"key": "Should fail"}}
            ]
        },
        (V2,),
        "$.context.contextGroups[0].group.objectType",
        'must be "Group"',
        id="context-group-invalid-group",
    ),
    pytest.param(
        MINIMAL,
        {
            "context.contextGroups": [
                {"objectType": "Should fail", "group": {"objectType": "Group", "member": [AGENT_B]}}
            ]
        },
        (V2,),
        "$.context.contextGroups[0].objectType",
        "'contextGroup'",
        id="context-group-wrong-objecttype",
    ),
    pytest.param(
        MINIMAL,
        {
            "context.contextGroups": [
                {
                    "objectType": "contextGroup",
                    "group": {"objectType": "Group", "mbox": "mailto:g@x.org"},
                    "relevantTypes": ["abc"],
                }
            ]
        },
        (V2,),
        "$.context.contextGroups[0].relevantTypes[0]",
        "IRI",
        id="context-group-relevant-type-not-iri",
    ),
    pytest.param(
        MINIMAL,
        {"context.mood": "good"},
        BOTH,
        "$.context.mood",
        "not an allowed property of context",
        id="context-extra-property",
    ),
    # timestamp
    pytest.param(
        MINIMAL,
        {"timestamp": "should fail"},
        BOTH,
        "$.timestamp",
        "ISO 8601 date-time",
        id="timestamp-not-a-date",
    ),
    pytest.param(
        MINIMAL,
        {"timestamp": "01/011/2015"},
        BOTH,
        "$.timestamp",
        "not in the form",
        id="timestamp-us-date",
    ),
    pytest.param(
        MINIMAL,
        {"timestamp": "2008-09-15T15:53:00.601-00:00"},
        BOTH,
        "$.timestamp",
        "-00:00",
        id="timestamp-negative-zero-offset",
    ),
    pytest.param(
        MINIMAL,
        {"timestamp": "2008-09-15T15:53:00.601-0000"},
        BOTH,
        "$.timestamp",
        "-00:00",
        id="timestamp-negative-zero-offset-basic",
    ),
    pytest.param(
        MINIMAL,
        {"timestamp": "2008-09-15T15:53:00.601-00"},
        BOTH,
        "$.timestamp",
        "-00:00",
        id="timestamp-negative-zero-hours",
    ),
    pytest.param(
        MINIMAL,
        {"timestamp": "2008-13-15T15:53:00Z"},
        BOTH,
        "$.timestamp",
        "not a real calendar date",
        id="timestamp-month-13",
    ),
    pytest.param(
        MINIMAL,
        {"timestamp": "2023-02-29T15:53:00Z"},
        BOTH,
        "$.timestamp",
        "not a real calendar date",
        id="timestamp-29-february-outside-leap-year",
    ),
    pytest.param(
        MINIMAL,
        {"timestamp": "2008-09-15T15:53:00"},
        BOTH,
        "$.timestamp",
        "no time zone",
        id="timestamp-without-time-zone",
    ),
    pytest.param(
        MINIMAL,
        {"timestamp": 1714842000},
        BOTH,
        "$.timestamp",
        "got an integer",
        id="timestamp-numeric",
    ),
    # authority
    pytest.param(
        MINIMAL,
        {
            "authority": {
                "objectType": "Group",
                "mbox": "mailto:bob@example.com",
                "member": [OAUTH_CONSUMER, AGENT_B],
            }
        },
        BOTH,
        "$.authority.mbox",
        "authority Group must be an anonymous Group of exactly two Agents",
        id="authority-identified-group",
    ),
    pytest.param(
        MINIMAL,
        {"authority": {"objectType": "Group", "member": [AGENT_B]}},
        BOTH,
        "$.authority.member",
        "exactly two Agents (the OAuth consumer and the user); it has 1 item(s)",
        id="authority-group-of-one",
    ),
    pytest.param(
        MINIMAL,
        {
            "authority": {
                "objectType": "Group",
                "member": [OAUTH_CONSUMER, AGENT_B, {"mbox": "mailto:j@x.org"}],
            }
        },
        BOTH,
        "$.authority.member",
        "it has 3 item(s)",
        id="authority-group-of-three",
    ),
    pytest.param(
        MINIMAL,
        {"authority": {"objectType": "Group", "name": "x"}},
        BOTH,
        "$.authority.member",
        "required property 'member'",
        id="authority-group-without-member",
    ),
    pytest.param(
        MINIMAL,
        {"authority": {"objectType": "Agent"}},
        BOTH,
        "$.authority",
        "found 0",
        id="authority-agent-without-ifi",
    ),
    # attachments
    pytest.param(
        MINIMAL,
        {"attachments": ATTACHMENT},
        BOTH,
        "$.attachments",
        "array of attachment objects",
        id="attachments-not-an-array",
    ),
    *[
        pytest.param(
            MINIMAL,
            {"attachments": [without(ATTACHMENT, key)]},
            BOTH,
            f"$.attachments[0].{key}",
            f"required property '{key}'",
            id=f"attachment-without-{key}",
        )
        for key in ("usageType", "display", "contentType", "length", "sha2")
    ],
    pytest.param(
        MINIMAL,
        {"attachments": [{**ATTACHMENT, "usageType": "should fail"}]},
        BOTH,
        "$.attachments[0].usageType",
        "IRI",
        id="attachment-usage-type-not-iri",
    ),
    pytest.param(
        MINIMAL,
        {"attachments": [{**ATTACHMENT, "display": {"something": "x"}}]},
        BOTH,
        "$.attachments[0].display.something",
        "RFC 5646",
        id="attachment-display-bad-language",
    ),
    pytest.param(
        MINIMAL,
        {"attachments": [{**ATTACHMENT, "description": {"en-US": "x", "something": "y"}}]},
        BOTH,
        "$.attachments[0].description.something",
        "RFC 5646",
        id="attachment-description-bad-language",
    ),
    pytest.param(
        MINIMAL,
        {"attachments": [{**ATTACHMENT, "contentType": 12345}]},
        BOTH,
        "$.attachments[0].contentType",
        "got an integer",
        id="attachment-content-type-numeric",
    ),
    pytest.param(
        MINIMAL,
        {"attachments": [{**ATTACHMENT, "contentType": "pdf"}]},
        BOTH,
        "$.attachments[0].contentType",
        "Internet media type",
        id="attachment-content-type-not-media-type",
    ),
    pytest.param(
        MINIMAL,
        {"attachments": [{**ATTACHMENT, "length": "should fail"}]},
        BOTH,
        "$.attachments[0].length",
        "non-negative integer",
        id="attachment-length-string",
    ),
    pytest.param(
        MINIMAL,
        {"attachments": [{**ATTACHMENT, "length": 2.5}]},
        BOTH,
        "$.attachments[0].length",
        "integer",
        id="attachment-length-fraction",
    ),
    pytest.param(
        MINIMAL,
        {"attachments": [{**ATTACHMENT, "length": -1}]},
        BOTH,
        "$.attachments[0].length",
        "non-negative integer",
        id="attachment-length-negative",
    ),
    pytest.param(
        MINIMAL,
        {"attachments": [{**ATTACHMENT, "sha2": 12345}]},
        BOTH,
        "$.attachments[0].sha2",
        "SHA-2",
        id="attachment-sha2-numeric",
    ),
    pytest.param(
        MINIMAL,
        {"attachments": [{**ATTACHMENT, "sha2": "not-a-hash"}]},
        BOTH,
        "$.attachments[0].sha2",
        "hex-encoded SHA-2",
        id="attachment-sha2-not-hex",
    ),
    pytest.param(
        MINIMAL,
        {"attachments": [{**ATTACHMENT, "fileUrl": "should fail"}]},
        BOTH,
        "$.attachments[0].fileUrl",
        "IRL",
        id="attachment-file-url-not-irl",
    ),
    pytest.param(
        MINIMAL,
        {"attachments": [ATTACHMENT, {**ATTACHMENT, "data": "x"}]},
        BOTH,
        "$.attachments[1].data",
        "not an allowed property of attachments[1]",
        id="attachment-extra-property",
    ),
    # voiding
    pytest.param(
        MINIMAL,
        {"verb.id": VOIDED},
        BOTH,
        "$.object.objectType",
        "a voiding statement (verb 'http://adlnet.gov/expapi/verbs/voided') must have a StatementRef object",
        id="voiding-statement-with-activity-without-objecttype",
    ),
    pytest.param(
        MINIMAL,
        {"verb.id": VOIDED, "object.objectType": "Activity"},
        BOTH,
        "$.object.objectType",
        "must have a StatementRef object",
        id="voiding-statement-with-activity",
    ),
    pytest.param(
        MINIMAL,
        {"verb.id": VOIDED, "object": SUBSTATEMENT},
        BOTH,
        "$.object.objectType",
        "must have a StatementRef object",
        id="voiding-statement-with-substatement",
    ),
]


@pytest.mark.parametrize(("base", "changes", "versions", "path", "fragment"), INVALID)
def test_invalid_statement_is_rejected_with_path_and_reason(
    base: dict[str, Any],
    changes: dict[str, Any],
    versions: tuple[XAPIVersion, ...],
    path: str,
    fragment: str,
) -> None:
    statement = build(base, changes)
    for version in versions:
        error = rejected(statement, version)
        assert error.path == path, error.message
        assert fragment in error.message
        assert error.status == 400
        # the same problem inside a batch is reported under its index
        in_batch = rejected([MINIMAL, statement], version)
        assert in_batch.path == "$[1]" + path[1:]
        assert in_batch.message == error.message


# --- batches and bodies ---------------------------------------------------------------------


@pytest.mark.parametrize("version", BOTH)
def test_batch_returns_all_statements_in_order(version: XAPIVersion) -> None:
    batch = [build(TYPICAL, {"id": UUID}), build(MINIMAL, {}), build(MINIMAL, {"id": UUID2})]
    assert validate_statements(batch, version) == batch


@pytest.mark.parametrize(
    ("body", "path", "fragment"),
    [
        pytest.param([], "$", "empty array", id="empty-array"),
        pytest.param(
            "statement",
            "$",
            "statement object or an array of statements; got a string",
            id="string-body",
        ),
        pytest.param(None, "$", "got null", id="null-body"),
        pytest.param(42, "$", "got an integer", id="number-body"),
        pytest.param(
            [MINIMAL, "statement"], "$[1]", "must be a JSON object", id="batch-item-not-object"
        ),
        pytest.param([MINIMAL, None], "$[1]", "must not be null", id="batch-item-null"),
        pytest.param([MINIMAL, [MINIMAL]], "$[1]", "got an array", id="nested-array"),
    ],
)
def test_body_that_is_not_statements_is_rejected(body: object, path: str, fragment: str) -> None:
    for version in BOTH:
        error = rejected(body, version)
        assert (error.path, fragment in error.message) == (path, True), error.message


@pytest.mark.parametrize("version", BOTH)
def test_batch_reports_the_first_invalid_statement(version: XAPIVersion) -> None:
    batch = [
        build(MINIMAL, {}),
        build(MINIMAL, {"result.score": {"raw": 5, "max": 1}}),  # checked after the schema
        build(MINIMAL, {"actor.mbox": "bob"}),  # schema error in a later statement
    ]
    error = rejected(batch, version)
    assert error.path == "$[1].result.score.raw"
    batch[1] = build(MINIMAL, {})
    assert rejected(batch, version).path == "$[2].actor.mbox"


@pytest.mark.parametrize("version", BOTH)
def test_batch_with_duplicate_statement_ids_is_rejected(version: XAPIVersion) -> None:
    batch = [
        build(MINIMAL, {"id": UUID}),
        build(MINIMAL, {"id": UUID2}),
        build(MINIMAL, {"id": UUID.upper()}),
    ]
    error = rejected(batch, version)
    assert error.path == "$[2].id"
    assert "appears more than once in this batch (also at $[0])" in error.message


@pytest.mark.parametrize("version", BOTH)
def test_validate_statement_prefixes_error_paths(version: XAPIVersion) -> None:
    with pytest.raises(BadRequest) as caught:
        validate_statement(build(MINIMAL, {"actor.mbox": "bob"}), version, "$[7]")
    assert caught.value.path == "$[7].actor.mbox"
    with pytest.raises(BadRequest) as caught:
        validate_statement("nope", version)
    assert caught.value.path == "$"


def test_error_path_quotes_keys_that_are_not_identifiers() -> None:
    statement = build(MINIMAL, {"context.extensions": {"it's": 1}})
    assert rejected(statement, V2).path == "$.context.extensions['it\\'s']"


def test_extension_contents_are_not_validated() -> None:
    anything = {
        "http://x.org/e": {"Actor": None, "mbox": "not-an-email", "nested": [{"$ne": None}]}
    }
    statement = build(
        MINIMAL,
        {
            "result.extensions": anything,
            "context.extensions": anything,
            "object.definition.extensions": anything,
        },
    )
    for version in BOTH:
        assert validate_statements(statement, version) == [statement]


# --- the agent query parameter ------------------------------------------------------------


@pytest.mark.parametrize(
    "agent",
    [
        pytest.param({"mbox": "mailto:a@example.com"}, id="agent-mbox"),
        pytest.param(
            {
                "objectType": "Agent",
                "name": "A",
                "account": {"homePage": "http://x.org", "name": "a"},
            },
            id="agent-account",
        ),
        pytest.param({"objectType": "Group", "openid": "http://x.org/g"}, id="identified-group"),
        pytest.param(
            {"objectType": "Group", "mbox": "mailto:g@x.org", "member": [AGENT_B]},
            id="identified-group-with-members",
        ),
    ],
)
def test_agent_param_accepts_agents_and_identified_groups(agent: dict[str, Any]) -> None:
    for version in BOTH:
        assert validate_agent_param(agent, version) is agent


@pytest.mark.parametrize(
    ("agent", "path", "fragment"),
    [
        pytest.param({"mbox": {"$ne": None}}, "agent.mbox", "got an object", id="operator-in-ifi"),
        pytest.param(
            {"$ne": None}, "agent['$ne']", "not an allowed property of agent", id="operator-object"
        ),
        pytest.param(
            {"mbox": "mailto:a@x.org", "$where": "1"},
            "agent['$where']",
            "not an allowed property",
            id="operator-beside-ifi",
        ),
        pytest.param(
            {"name": "x"}, "agent", "exactly one inverse functional identifier", id="no-ifi"
        ),
        pytest.param(
            {"mbox": "mailto:a@x.org", "openid": "http://x.org"}, "agent", "found 2", id="two-ifis"
        ),
        pytest.param(
            {"objectType": "Group", "member": [AGENT_B]}, "agent", "found 0", id="anonymous-group"
        ),
        pytest.param({"mbox": "a@x.org"}, "agent.mbox", "mailto IRI", id="bad-mbox"),
        pytest.param(
            {"objectType": "Person", "mbox": "mailto:a@x.org"},
            "agent.objectType",
            "'Agent' or 'Group'",
            id="unknown-objecttype",
        ),
        pytest.param(
            "mailto:a@x.org", "agent", "must be an Agent or identified Group", id="string"
        ),
        pytest.param([{"mbox": "mailto:a@x.org"}], "agent", "got an array", id="array"),
    ],
)
def test_agent_param_rejects_anything_else(agent: object, path: str, fragment: str) -> None:
    for version in BOTH:
        with pytest.raises(BadRequest) as caught:
            validate_agent_param(agent, version)
        assert caught.value.path == path
        assert fragment in caught.value.message


def test_agent_param_path_prefix_is_configurable() -> None:
    with pytest.raises(BadRequest) as caught:
        validate_agent_param({"mbox": "x"}, V1, path="agent_param")
    assert caught.value.path == "agent_param.mbox"


# --- property: statements built from valid parts validate ---------------------------------

_label = st.text(max_size=12)
_word = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
_iri = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}.example/{path}",
    st.sampled_from(["http", "https", "urn+x"]),
    _word,
    _word,
)
_uuid = st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper())
_lang = st.sampled_from(
    ["en", "en-US", "de-DE", "zh-Hant", "sr-Latn-RS", "cmn", "es-419", "x-klingon"]
)
_lang_map = st.dictionaries(_lang, _label, max_size=3)
_extensions = st.dictionaries(
    _iri, st.none() | st.integers() | _label | st.lists(st.booleans()), max_size=3
)
_account = st.fixed_dictionaries({"homePage": _iri, "name": _label})
_ifi = st.one_of(
    st.builds(lambda u, d: {"mbox": f"mailto:{u}@{d}.example"}, _word, _word),
    st.text("0123456789abcdef", min_size=40, max_size=40).map(lambda h: {"mbox_sha1sum": h}),
    _iri.map(lambda i: {"openid": i}),
    _account.map(lambda a: {"account": a}),
)


def _with(
    base: st.SearchStrategy[dict[str, Any]], **optional: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda b, o: {**b, **o}, base, st.fixed_dictionaries({}, optional=optional))


_agent = _with(_ifi, objectType=st.just("Agent"), name=_label)
_members = st.lists(_agent, min_size=1, max_size=3)
_anonymous_group = _with(
    st.fixed_dictionaries({"objectType": st.just("Group"), "member": _members}), name=_label
)
_identified_group = _with(
    st.builds(lambda i: {"objectType": "Group", **i}, _ifi),
    name=_label,
    member=st.lists(_agent, max_size=2),
)
_group = _anonymous_group | _identified_group
_actor = _agent | _group
_verb = _with(st.fixed_dictionaries({"id": _iri}), display=_lang_map)


@st.composite
def _definition(draw: st.DrawFn) -> dict[str, Any]:
    definition = draw(
        _with(
            st.just({}),
            name=_lang_map,
            description=_lang_map,
            type=_iri,
            moreInfo=_iri,
            extensions=_extensions,
        )
    )
    interaction = draw(
        st.none()
        | st.sampled_from(
            [
                "true-false",
                "choice",
                "fill-in",
                "long-fill-in",
                "matching",
                "performance",
                "sequencing",
                "likert",
                "numeric",
                "other",
            ]
        )
    )
    if interaction is not None:
        definition["interactionType"] = interaction
        definition["correctResponsesPattern"] = draw(st.lists(_label, max_size=2))
        lists = {
            "choice": ["choices"],
            "sequencing": ["choices"],
            "likert": ["scale"],
            "matching": ["source", "target"],
            "performance": ["steps"],
        }.get(interaction, [])
        for name in lists:
            ids = draw(st.lists(_word, max_size=4, unique=True))
            definition[name] = [{"id": i, "description": draw(_lang_map)} for i in ids]
    return definition


_activity = _with(
    st.fixed_dictionaries({"id": _iri}), objectType=st.just("Activity"), definition=_definition()
)
_statement_ref = st.fixed_dictionaries({"objectType": st.just("StatementRef"), "id": _uuid})
_timestamp = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)).map(
    lambda d: d.isoformat(timespec="milliseconds") + "Z"
)
_duration = st.sampled_from(["PT1H2M3.45S", "P3Y", "P4W", "P1DT12H36M0.12567S", "PT0S", "P1M2D"])


@st.composite
def _score(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(st.integers(-1000, 1000))
    high = draw(st.integers(low + 1, low + 1000))
    raw = draw(st.integers(low, high))
    score = {"scaled": draw(st.floats(-1, 1)), "raw": raw, "min": low, "max": high}
    keep = draw(st.lists(st.sampled_from(sorted(score)), unique=True))
    return {key: score[key] for key in keep}


_result = _with(
    st.just({}),
    score=_score(),
    success=st.booleans(),
    completion=st.booleans(),
    response=_label,
    duration=_duration,
    extensions=_extensions,
)
_activities = _activity | st.lists(_activity, max_size=2)


def _context(version: XAPIVersion, activity_object: bool) -> st.SearchStrategy[dict[str, Any]]:
    optional: dict[str, st.SearchStrategy[Any]] = {
        "registration": _uuid,
        "instructor": _actor,
        "team": _group,
        "contextActivities": _with(
            st.just({}),
            parent=_activities,
            grouping=_activities,
            category=_activities,
            other=_activities,
        ),
        "language": _lang,
        "statement": _statement_ref,
        "extensions": _extensions,
    }
    if activity_object:
        optional |= {"revision": _label, "platform": _label}
    if version.is_2:
        relevant = st.lists(_iri, min_size=1, max_size=2)
        optional |= {
            "contextAgents": st.lists(
                _with(
                    st.fixed_dictionaries({"objectType": st.just("contextAgent"), "agent": _agent}),
                    relevantTypes=relevant,
                ),
                max_size=2,
            ),
            "contextGroups": st.lists(
                _with(
                    st.fixed_dictionaries({"objectType": st.just("contextGroup"), "group": _group}),
                    relevantTypes=relevant,
                ),
                max_size=2,
            ),
        }
    return _with(st.just({}), **optional)


_attachment = _with(
    st.fixed_dictionaries(
        {
            "usageType": _iri,
            "display": _lang_map,
            "contentType": st.sampled_from(["text/plain", "application/pdf", "image/png; q=1"]),
            "length": st.integers(0, 10**9),
            "sha2": st.text("0123456789abcdef", min_size=64, max_size=64),
        }
    ),
    description=_lang_map,
    fileUrl=_iri,
)


@st.composite
def _statement(draw: st.DrawFn, version: XAPIVersion, sub: bool = False) -> dict[str, Any]:
    kinds = ["activity", "agent", "group", "ref"] + ([] if sub else ["sub"])
    kind = draw(st.sampled_from(kinds))
    obj = {
        "activity": _activity,
        "agent": _agent.map(lambda a: {**a, "objectType": "Agent"}),
        "group": _group,
        "ref": _statement_ref,
        "sub": _statement(version, sub=True),
    }[kind]
    optional: dict[str, st.SearchStrategy[Any]] = {
        "result": _result,
        "context": _context(version, kind == "activity"),
        "timestamp": _timestamp,
        "attachments": st.lists(_attachment, max_size=2),
    }
    if sub:
        base = st.fixed_dictionaries(
            {"objectType": st.just("SubStatement"), "actor": _actor, "verb": _verb, "object": obj}
        )
    else:
        base = st.fixed_dictionaries({"actor": _actor, "verb": _verb, "object": obj})
        version_values = ["1.0", "1.0.0", "1.0.3"] + (["2.0", "2.0.0"] if version.is_2 else [])
        optional |= {
            "id": _uuid,
            "stored": _timestamp,
            "authority": _agent
            | st.fixed_dictionaries(
                {"objectType": st.just("Group"), "member": st.lists(_agent, min_size=2, max_size=2)}
            ),
            "version": st.sampled_from(version_values),
        }
    return draw(_with(base, **optional))


@pytest.mark.parametrize("version", BOTH)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_statement_built_from_valid_parts_validates(
    version: XAPIVersion, data: st.DataObject
) -> None:
    statements = data.draw(
        st.lists(_statement(version), min_size=1, max_size=3), label="statements"
    )
    for index, statement in enumerate(statements):
        statement["id"] = f"00000000-0000-4000-8000-{index:012d}"
    assert validate_statements(statements, version) == statements
    assert validate_statement(statements[0], version) is statements[0]
