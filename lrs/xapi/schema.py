"""JSON Schemas (draft 2020-12) for xAPI statements, built per version as Python dicts.

The schemas carry the structure of xAPI Data 2.x: types, required and allowed
properties (``additionalProperties: false`` everywhere except inside extensions), the
string formats (IRI, UUID, mailto, language tags, timestamps, durations, versions),
"exactly one inverse functional identifier", and the dispatch on ``objectType``.
The schema also carries some cross-property rules: real calendar dates (in the
timestamp pattern), ``revision``/``platform`` only with an Activity object, voiding
statements need a StatementRef object, interaction properties need an
``interactionType``. What it cannot express (raw score between min and max, component
lists allowed per interactionType, distinct component ids) is checked in Python by
``lrs.xapi.validate`` after a schema pass.

Dispatch on ``objectType`` uses ``if``/``then``/``else`` rather than ``oneOf`` so that a
failure is reported inside the one branch that applies, with a precise path.

Annotations read by ``lrs.xapi.validate`` to word error messages (JSON Schema
ignores unknown keywords):

* ``x-expect``   what a value must be ("an absolute IRI ..."), for type/pattern/enum errors
* ``x-msg``      the whole message for any error raised by this subschema's own keywords
* ``x-ifi``      this subschema's ``oneOf`` is the exactly-one-IFI rule
* ``x-unknown``  per-property explanations for properties that are not allowed here

Pattern strings are written in the common subset of ECMA-262, Rust ``regex`` and
Python ``re`` syntax: no lookaround, no named groups, ``[0-9]`` instead of ``\\d``.
"""

from __future__ import annotations

from typing import Any

from lrs.xapi.timestamps import TIMESTAMP_PATTERN
from lrs.xapi.versions import XAPIVersion

Schema = dict[str, Any]

# --- string formats -------------------------------------------------------------------

# IRI / IRL (xAPI Data 2.2, 4.3): an absolute IRI, i.e. a scheme (RFC 3986 3.1) then ":"
# then at least one character, with no whitespace or control characters. Best effort, as
# Data 2.2 allows; full RFC 3987 parsing is not attempted.
IRI_PATTERN = r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1F\x7F]+$"
# UUID in standard string form (RFC 4122 3), either case. Variant/version nibbles are
# not checked: the spec's own examples use ids outside variant 2.
UUID_PATTERN = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
MBOX_PATTERN = r"^mailto:[^@\s]+@[^@\s]+$"
SHA1_PATTERN = r"^[0-9A-Fa-f]{40}$"
# SHA-224/256/384/512 in hex (Communication 1.5.2: "SHA-2 ... of the raw data").
SHA2_PATTERN = r"^(?:[0-9A-Fa-f]{56}|[0-9A-Fa-f]{64}|[0-9A-Fa-f]{96}|[0-9A-Fa-f]{128})$"
# Internet media type (RFC 2045 token "/" token, optional parameters).
_TOKEN = r"[A-Za-z0-9!#$%&'*+.^_`|~\-]+"
CONTENT_TYPE_PATTERN = rf"^{_TOKEN}/{_TOKEN}(?:\s*;.*)?$"

# ISO 8601:2004 4.4.3.2 duration (the "alternative format" of 4.4.3.3 is not allowed):
# PnW, or PnYnMnDTnHnMnS with at least one component and at least one after T. A decimal
# fraction is accepted on any component; there is no limit on the number of digits
# (Data 4.6: an LRS SHOULD* NOT reject precision finer than 0.01 s).
_N = r"[0-9]+(?:[.,][0-9]+)?"
_DATE = rf"(?:{_N}Y(?:{_N}M)?(?:{_N}D)?|{_N}M(?:{_N}D)?|{_N}D)"
_TIME = rf"T(?:{_N}H(?:{_N}M)?(?:{_N}S)?|{_N}M(?:{_N}S)?|{_N}S)"
DURATION_PATTERN = rf"^P(?:{_N}W|{_DATE}(?:{_TIME})?|{_TIME})$"


def _ci(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


# RFC 5646 2.1 well-formed language tag (syntax, i.e. "the sequence of token lengths",
# which is what Data 2.2 requires), case-insensitive.
_A, _AN = "[A-Za-z]", "[A-Za-z0-9]"
_LANGTAG = (
    rf"(?:{_A}{{2,3}}(?:-{_A}{{3}}){{0,3}}|{_A}{{4}}|{_A}{{5,8}})"  # language (+ extlang)
    rf"(?:-{_A}{{4}})?"  # script
    rf"(?:-(?:{_A}{{2}}|[0-9]{{3}}))?"  # region
    rf"(?:-(?:{_AN}{{5,8}}|[0-9]{_AN}{{3}}))*"  # variants
    rf"(?:-[0-9A-WY-Za-wy-z](?:-{_AN}{{2,8}})+)*"  # extensions
    rf"(?:-[Xx](?:-{_AN}{{1,8}})+)?"  # private use
)
_IRREGULAR = [
    "en-GB-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-BE-FR",
    "sgn-BE-NL",
    "sgn-CH-DE",
]
LANGUAGE_TAG_PATTERN = (
    rf"^(?:{_LANGTAG}|[Xx](?:-{_AN}{{1,8}})+|{'|'.join(_ci(t) for t in _IRREGULAR)})$"
)

# Statement "version" (Data 2.4.10): 1.0.3 accepts 1.0 and 1.0.x only. A 2.0 LRS accepts
# 2.0.x and, because a 2.0 LRS still stores 1.0.x statements (e.g. statements forwarded
# from a 1.0.3 LRS, which MUST keep their version), also 1.0.x.
VERSION_PATTERNS: dict[XAPIVersion, str] = {
    XAPIVersion.V1_0_3: r"^1\.0(?:\.[0-9]+)?$",
    XAPIVersion.V2_0_0: r"^(?:1\.0|2\.0)(?:\.[0-9]+)?$",
}

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
INTERACTION_TYPES = (
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
)
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
INTERACTION_PROPERTIES = ("correctResponsesPattern", *COMPONENT_LISTS)
CONTEXT_ACTIVITY_KEYS = ("parent", "grouping", "category", "other")
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def _ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def _string(pattern: str, expect: str) -> Schema:
    return {"type": "string", "pattern": pattern, "x-expect": expect}


def _obj(
    properties: dict[str, Schema],
    required: list[str] | None = None,
    extra: Schema | None = None,
) -> Schema:
    """A closed object: only `properties` are allowed (additionalProperties false)."""
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    if extra:
        schema.update(extra)
    return schema


def _is(object_type: str) -> Schema:
    """`if` condition: the object's objectType is exactly `object_type`."""
    return {"properties": {"objectType": {"const": object_type}}, "required": ["objectType"]}


def _dispatch(branches: list[tuple[str, Schema]], default: Schema, expect: str) -> Schema:
    schema: Schema = default
    for object_type, branch in reversed(branches):
        schema = {"if": _is(object_type), "then": branch, "else": schema}
    return {"type": "object", "x-expect": expect, **schema}


_ONE_IFI: Schema = {"oneOf": [{"required": [ifi]} for ifi in IFIS], "x-ifi": True}


def _agent_properties(object_type: Schema) -> dict[str, Schema]:
    return {
        "objectType": object_type,
        "name": {"type": "string"},
        "mbox": _ref("mbox"),
        "mbox_sha1sum": _ref("mbox_sha1sum"),
        "openid": _ref("openid"),
        "account": _ref("account"),
    }


def _agent(object_type_expect: str) -> Schema:
    return _obj(
        _agent_properties({"const": "Agent", "x-expect": object_type_expect}),
        extra=_ONE_IFI,
    )


def _only_with_activity_object() -> Schema:
    """Data 2.4.6: context.revision and context.platform only when the object is an Activity."""
    refuse = {
        "not": {},
        "x-msg": "{where} must only be used when the statement's object is an Activity",
    }
    return {
        "if": {
            "properties": {
                "object": {
                    "properties": {
                        "objectType": {"enum": ["Agent", "Group", "StatementRef", "SubStatement"]}
                    },
                    "required": ["objectType"],
                }
            },
            "required": ["object"],
        },
        "then": {
            "properties": {"context": {"properties": {"revision": refuse, "platform": refuse}}}
        },
    }


def _voiding_needs_statement_ref() -> Schema:
    """Data 2.3.2: the object of a voiding statement is a StatementRef."""
    message = (
        f"a voiding statement (verb '{VOIDED}') must have a StatementRef object: "
        '{where} must be "StatementRef"'
    )
    return {
        "if": {
            "properties": {"verb": {"properties": {"id": {"const": VOIDED}}, "required": ["id"]}},
            "required": ["verb"],
        },
        "then": {
            "properties": {
                "object": {
                    "properties": {"objectType": {"const": "StatementRef", "x-msg": message}},
                    "required": ["objectType"],
                    "x-msg": message.replace("{where}", "{where}.objectType"),
                }
            }
        },
    }


def _defs(version: XAPIVersion) -> dict[str, Schema]:
    """All definitions of the statement schema for `version`."""
    any_ifi = {"anyOf": [{"required": [ifi]} for ifi in IFIS]}
    group_properties = _agent_properties({"const": "Group", "x-expect": "'Group'"})
    group_properties["member"] = {
        "type": "array",
        "items": _ref("agent"),
        "x-expect": "an array of Agents (members cannot be Groups)",
    }
    anonymous = {
        "required": ["member"],
        "properties": {"member": {"minItems": 1, "x-expect": "a non-empty array of Agents"}},
        "x-msg": (
            "{where} is an anonymous Group (it has none of the inverse functional identifiers "
            "mbox, mbox_sha1sum, openid, account), so it must list its Agents in a non-empty "
            "'member' array"
        ),
    }
    identified = {"x-ifi": True, "oneOf": _ONE_IFI["oneOf"]}

    context_properties: dict[str, Schema] = {
        "registration": _ref("uuid"),
        "instructor": _ref("actor"),
        "team": _ref("group"),
        "contextActivities": _ref("contextActivities"),
        "revision": {"type": "string"},
        "platform": {"type": "string"},
        "language": _ref("languageTag"),
        "statement": _ref("statementRef"),
        "extensions": _ref("extensions"),
    }
    context_unknown: dict[str, str] = {}
    if version.is_2:
        context_properties["contextAgents"] = {
            "type": "array",
            "items": _obj(
                {
                    "objectType": {"const": "contextAgent", "x-expect": "'contextAgent'"},
                    "agent": _ref("agent"),
                    "relevantTypes": _ref("relevantTypes"),
                },
                ["objectType", "agent"],
            ),
        }
        context_properties["contextGroups"] = {
            "type": "array",
            "items": _obj(
                {
                    "objectType": {"const": "contextGroup", "x-expect": "'contextGroup'"},
                    "group": _ref("group"),
                    "relevantTypes": _ref("relevantTypes"),
                },
                ["objectType", "group"],
            ),
        }
    else:
        for key in ("contextAgents", "contextGroups"):
            context_unknown[key] = f"'{key}' is not part of xAPI 1.0.3 (it was added in xAPI 2.0)"

    activity_list = {
        "if": {"type": "array"},
        "then": {"items": _ref("contextActivity")},
        "else": _ref("contextActivity"),
    }
    substatement_unknown = {
        key: f"a SubStatement must not have '{key}'"
        for key in ("id", "stored", "version", "authority")
    }
    object_kinds = "'Activity', 'Agent', 'Group', 'StatementRef' or 'SubStatement'"

    return {
        "iri": _string(IRI_PATTERN, "an absolute IRI with a scheme (e.g. 'http://example.com/x')"),
        "irl": _string(IRI_PATTERN, "an absolute IRL with a scheme (e.g. 'http://example.com/x')"),
        "uuid": _string(UUID_PATTERN, "a UUID in standard string form (8-4-4-4-12 hex digits)"),
        "mbox": _string(MBOX_PATTERN, "a mailto IRI ('mailto:' followed by an email address)"),
        "mbox_sha1sum": _string(SHA1_PATTERN, "a hex-encoded SHA-1 hash (40 hex digits)"),
        "openid": _string(IRI_PATTERN, "an absolute URI with a scheme"),
        "timestamp": _string(
            TIMESTAMP_PATTERN,
            "an ISO 8601 date-time with a time zone (e.g. '2024-05-04T17:00:00.000Z')",
        ),
        "duration": _string(
            DURATION_PATTERN, "an ISO 8601 duration (e.g. 'PT4H35M59.14S', 'P3Y', 'P4W')"
        ),
        "languageTag": _string(LANGUAGE_TAG_PATTERN, "an RFC 5646 language tag (e.g. 'en-US')"),
        "languageMap": {
            "type": "object",
            "x-expect": "a language map (an object of language tag -> string)",
            "propertyNames": {
                "pattern": LANGUAGE_TAG_PATTERN,
                "x-msg": "{where} has a key {key} that is not an RFC 5646 language tag "
                "(language map keys must be language tags such as 'en-US')",
            },
            "additionalProperties": {"type": "string"},
        },
        "extensions": {
            "type": "object",
            "x-expect": "an extensions object (IRI keys, any values)",
            "propertyNames": {
                "pattern": IRI_PATTERN,
                "x-msg": "{where} has a key {key} that is not an absolute IRI with a scheme "
                "(extension keys must be IRIs)",
            },
        },
        "relevantTypes": {
            "type": "array",
            "minItems": 1,
            "items": _ref("iri"),
            "x-expect": "a non-empty array of IRIs",
        },
        "account": _obj(
            {"homePage": _ref("irl"), "name": {"type": "string"}},
            ["homePage", "name"],
        ),
        "agent": _agent("'Agent' (only Agents are allowed here, not Groups)"),
        "actorAgent": _agent("'Agent' or 'Group'"),
        "group": {
            **_obj(group_properties, ["objectType"]),
            "if": any_ifi,
            "then": identified,
            "else": anonymous,
        },
        "actor": _dispatch([("Group", _ref("group"))], _ref("actorAgent"), "an Agent or Group"),
        "authority": _dispatch(
            [
                (
                    "Group",
                    _obj(
                        {
                            "objectType": {"const": "Group"},
                            "name": {"type": "string"},
                            "member": {
                                "type": "array",
                                "items": _ref("agent"),
                                "minItems": 2,
                                "maxItems": 2,
                                "x-expect": "an array of exactly two Agents "
                                "(the OAuth consumer and the user)",
                            },
                        },
                        ["objectType", "member"],
                        extra={
                            "x-unknown": {
                                ifi: "an authority Group must be an anonymous Group of exactly "
                                f"two Agents; it must not have an identifier such as '{ifi}'"
                                for ifi in IFIS
                            }
                        },
                    ),
                )
            ],
            _ref("actorAgent"),
            "an Agent, or a Group of two Agents",
        ),
        "verb": _obj({"id": _ref("iri"), "display": _ref("languageMap")}, ["id"]),
        "interactionComponent": _obj(
            {"id": {"type": "string"}, "description": _ref("languageMap")},
            ["id"],
        ),
        "componentList": {
            "type": "array",
            "items": _ref("interactionComponent"),
            "x-expect": "an array of interaction components",
        },
        "definition": _obj(
            {
                "name": _ref("languageMap"),
                "description": _ref("languageMap"),
                "type": _ref("iri"),
                "moreInfo": _ref("irl"),
                "interactionType": {
                    "enum": list(INTERACTION_TYPES),
                    "x-expect": "one of " + ", ".join(f"'{t}'" for t in INTERACTION_TYPES),
                },
                "correctResponsesPattern": {
                    "type": "array",
                    "items": {"type": "string"},
                    "x-expect": "an array of strings",
                },
                **{name: _ref("componentList") for name in COMPONENT_LISTS},
                "extensions": _ref("extensions"),
            },
            extra={
                "allOf": [
                    {
                        "dependentRequired": {
                            name: ["interactionType"] for name in INTERACTION_PROPERTIES
                        },
                        "x-msg": "{where} uses interaction properties ("
                        + ", ".join(INTERACTION_PROPERTIES)
                        + "), so it is an interaction activity and must have an "
                        "'interactionType'",
                    }
                ]
            },
        ),
        "activity": _obj(
            {
                "objectType": {"const": "Activity", "x-expect": "'Activity'"},
                "id": _ref("iri"),
                "definition": _ref("definition"),
            },
            ["id"],
        ),
        "contextActivity": _obj(
            {
                "objectType": {"const": "Activity", "x-expect": "'Activity'"},
                "id": _ref("iri"),
                "definition": _ref("definition"),
            },
            ["id"],
            extra={"x-expect": "an Activity object or an array of Activity objects"},
        ),
        "objectActivity": _obj(
            {
                "objectType": {"enum": ["Activity"], "x-expect": object_kinds},
                "id": _ref("iri"),
                "definition": _ref("definition"),
            },
            ["id"],
        ),
        "subObjectActivity": _obj(
            {
                "objectType": {
                    "enum": ["Activity"],
                    "x-expect": "'Activity', 'Agent', 'Group' or 'StatementRef'",
                },
                "id": _ref("iri"),
                "definition": _ref("definition"),
            },
            ["id"],
        ),
        "statementRef": _obj(
            {"objectType": {"const": "StatementRef"}, "id": _ref("uuid")},
            ["objectType", "id"],
        ),
        "object": _dispatch(
            [
                ("Agent", _ref("agent")),
                ("Group", _ref("group")),
                ("StatementRef", _ref("statementRef")),
                ("SubStatement", _ref("subStatement")),
            ],
            _ref("objectActivity"),
            "an Activity, Agent, Group, StatementRef or SubStatement object",
        ),
        "subObject": _dispatch(
            [
                ("Agent", _ref("agent")),
                ("Group", _ref("group")),
                ("StatementRef", _ref("statementRef")),
                (
                    "SubStatement",
                    {
                        "not": {},
                        "x-msg": "a SubStatement must not contain a "
                        "SubStatement ({where} cannot be a SubStatement)",
                    },
                ),
            ],
            _ref("subObjectActivity"),
            "an Activity, Agent, Group or StatementRef object",
        ),
        "score": _obj(
            {
                "scaled": {
                    "type": "number",
                    "minimum": -1,
                    "maximum": 1,
                    "x-expect": "a number between -1 and 1 inclusive",
                },
                "raw": {"type": "number"},
                "min": {"type": "number"},
                "max": {"type": "number"},
            },
        ),
        "result": _obj(
            {
                "score": _ref("score"),
                "success": {"type": "boolean"},
                "completion": {"type": "boolean"},
                "response": {"type": "string"},
                "duration": _ref("duration"),
                "extensions": _ref("extensions"),
            },
        ),
        "contextActivities": _obj(
            {key: activity_list for key in CONTEXT_ACTIVITY_KEYS},
        ),
        "context": _obj(context_properties, extra={"x-unknown": context_unknown}),
        "attachment": _obj(
            {
                "usageType": _ref("iri"),
                "display": _ref("languageMap"),
                "description": _ref("languageMap"),
                "contentType": _string(
                    CONTENT_TYPE_PATTERN, "an Internet media type (e.g. 'application/pdf')"
                ),
                "length": {
                    "type": "integer",
                    "minimum": 0,
                    "x-expect": "a non-negative integer (octets)",
                },
                "sha2": _string(
                    SHA2_PATTERN, "a hex-encoded SHA-2 hash (56, 64, 96 or 128 hex digits)"
                ),
                "fileUrl": _ref("irl"),
            },
            ["usageType", "display", "contentType", "length", "sha2"],
        ),
        "attachments": {
            "type": "array",
            "items": _ref("attachment"),
            "x-expect": "an array of attachment objects",
        },
        "version": _string(
            VERSION_PATTERNS[version],
            "'1.0' or '1.0.x'" if not version.is_2 else "'1.0', '1.0.x', '2.0' or '2.0.x'",
        ),
        "subStatement": _obj(
            {
                "objectType": {"const": "SubStatement"},
                "actor": _ref("actor"),
                "verb": _ref("verb"),
                "object": _ref("subObject"),
                "result": _ref("result"),
                "context": _ref("context"),
                "timestamp": _ref("timestamp"),
                "attachments": _ref("attachments"),
            },
            ["objectType", "actor", "verb", "object"],
            extra={"allOf": [_only_with_activity_object()], "x-unknown": substatement_unknown},
        ),
        "statement": _obj(
            {
                "id": _ref("uuid"),
                "actor": _ref("actor"),
                "verb": _ref("verb"),
                "object": _ref("object"),
                "result": _ref("result"),
                "context": _ref("context"),
                "timestamp": _ref("timestamp"),
                "stored": _ref("timestamp"),
                "authority": _ref("authority"),
                "version": _ref("version"),
                "attachments": _ref("attachments"),
            },
            ["actor", "verb", "object"],
            extra={
                "allOf": [_only_with_activity_object(), _voiding_needs_statement_ref()],
                "x-expect": "a JSON object (a statement)",
            },
        ),
        # The `agent` query parameter of GET /statements: an Agent or an identified Group.
        "agentParam": _dispatch(
            [
                (
                    "Group",
                    {
                        **_obj(group_properties, ["objectType"]),
                        **identified,
                    },
                )
            ],
            _ref("actorAgent"),
            "an Agent or identified Group object (JSON)",
        ),
    }


_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def statement_schema(version: XAPIVersion) -> Schema:
    """Schema of one statement."""
    return {"$schema": _SCHEMA_DIALECT, "$defs": _defs(version), **_ref("statement")}


def batch_schema(version: XAPIVersion) -> Schema:
    """Schema of a JSON array of statements."""
    return {
        "$schema": _SCHEMA_DIALECT,
        "$defs": _defs(version),
        "type": "array",
        "items": _ref("statement"),
    }


def agent_param_schema(version: XAPIVersion) -> Schema:
    """Schema of the `agent` query parameter (an Agent or an identified Group)."""
    return {"$schema": _SCHEMA_DIALECT, "$defs": _defs(version), **_ref("agentParam")}
