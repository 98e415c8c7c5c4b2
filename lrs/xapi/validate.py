"""Statement validation for xAPI 1.0.3 and 2.0.0.

Two stages:

1. JSON Schema (``lrs.xapi.schema``), compiled once per version with jsonschema-rs at
   first use. ``is_valid`` is the fast path; only on failure are the errors walked
   (``iter_errors``) to pick the innermost one and word it in plain language.
2. Small Python checks for what JSON Schema cannot say well, run once the schema
   passes: raw score between min and max, interaction component lists allowed per
   ``interactionType`` with distinct ids, and no duplicate statement ids in a batch.
   (Calendar dates, revision/platform only with an Activity object and voiding are
   in the schema; see lrs.xapi.schema.)

Every problem raises ``BadRequest(message, path)``; ``path`` is a JSON path to the
innermost offending property (``$.actor.mbox``, ``$[3].context.extensions['bad key']``).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from lrs.errors import BadRequest
from lrs.types import Statement
from lrs.xapi import schema as xs
from lrs.xapi.timestamps import TIMESTAMP_PATTERN, timestamp_problem
from lrs.xapi.versions import XAPIVersion

Segment = str | int
_Kind = jsonschema_rs.ValidationErrorKind


@dataclass(frozen=True, slots=True)
class _Compiled:
    statement: jsonschema_rs.Validator
    statement_schema: dict[str, Any]
    batch: jsonschema_rs.Validator
    agent: jsonschema_rs.Validator
    agent_schema: dict[str, Any]


@functools.cache
def _compiled(version: XAPIVersion) -> _Compiled:
    """The validators for `version`, compiled on first use."""
    statement_schema = xs.statement_schema(version)
    agent_schema = xs.agent_param_schema(version)
    return _Compiled(
        statement=jsonschema_rs.validator_for(statement_schema),
        statement_schema=statement_schema,
        batch=jsonschema_rs.validator_for(xs.batch_schema(version)),
        agent=jsonschema_rs.validator_for(agent_schema),
        agent_schema=agent_schema,
    )


# --- public interface -----------------------------------------------------------------


def validate_statements(body: object, version: XAPIVersion) -> list[Statement]:
    """The statements of a POST body (one statement or a non-empty array of them).

    Raises BadRequest for the first problem, in statement order.
    """
    if isinstance(body, dict):
        return [validate_statement(body, version, "$")]
    if not isinstance(body, list):
        raise BadRequest(
            "the request body must be a statement object or an array of statements; "
            f"got {_json_type(body)}",
            "$",
        )
    if not body:
        raise BadRequest("the request body is an empty array; send at least one statement", "$")
    compiled = _compiled(version)
    schema_ok = compiled.batch.is_valid(body)
    seen: dict[str, int] = {}
    for index, statement in enumerate(body):
        prefix = f"$[{index}]"
        if schema_ok:
            _check_statement(statement, prefix)
        else:
            validate_statement(statement, version, prefix)
        statement_id = statement.get("id")
        if statement_id is not None:
            key = statement_id.lower()
            first = seen.setdefault(key, index)
            if first != index:
                raise BadRequest(
                    f"statement id {statement_id!r} appears more than once in this batch "
                    f"(also at $[{first}]); statement ids in a batch must be unique",
                    f"{prefix}.id",
                )
    return body


def validate_statement(obj: object, version: XAPIVersion, path: str = "$") -> Statement:
    """`obj` as a statement, if it is a valid one for `version`; else BadRequest.

    `path` is the JSON path of `obj` in the request, used as the prefix of error paths.
    """
    compiled = _compiled(version)
    if not compiled.statement.is_valid(obj):
        raise _schema_failure(compiled.statement, compiled.statement_schema, obj, path, "statement")
    assert isinstance(obj, dict)
    _check_statement(obj, path)
    return obj


def validate_agent_param(obj: object, version: XAPIVersion, path: str = "agent") -> dict[str, Any]:
    """The `agent` parameter of GET /statements (JSON-decoded): an Agent or identified Group.

    Exactly one inverse functional identifier; no other properties (so query-operator
    objects such as ``{"$ne": null}`` are rejected).
    """
    compiled = _compiled(version)
    if not compiled.agent.is_valid(obj):
        raise _schema_failure(compiled.agent, compiled.agent_schema, obj, path, path)
    assert isinstance(obj, dict)
    return obj


# --- paths ------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _segment(segment: Segment) -> str:
    if isinstance(segment, int):
        return f"[{segment}]"
    if _IDENTIFIER.match(segment):
        return f".{segment}"
    escaped = segment.replace("\\", "\\\\").replace("'", "\\'")
    return f"['{escaped}']"


def _json_path(prefix: str, segments: tuple[Segment, ...] | list[Segment]) -> str:
    """``prefix`` followed by `segments` in JSON path form: ``$.a.b[0]['c d']``."""
    return prefix + "".join(_segment(s) for s in segments)


def _where(segments: tuple[Segment, ...] | list[Segment], root: str) -> str:
    """How a message names a location: ``actor.mbox``, or `root` for the whole value."""
    if not segments:
        return root
    relative = _json_path("", segments)
    if root == "statement":
        return relative[1:] if relative.startswith(".") else relative
    return root + relative


# --- schema errors ------------------------------------------------------------------------

_TYPE_WORDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "a boolean (true or false)",
    "null": "null",
}


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _show(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _subschema(root: dict[str, Any], schema_path: list[Segment]) -> dict[str, Any]:
    """The subschema holding the keyword at the end of `schema_path`."""
    node: Any = root
    for key in schema_path[:-1]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return {}
    return node if isinstance(node, dict) else {}


_ANNOTATIONS = ("x-msg", "x-expect", "x-unknown", "x-ifi")


def _rank(
    error: jsonschema_rs.ValidationError, root_schema: dict[str, Any]
) -> tuple[int, int, int]:
    """How well `error` explains the failure: deepest first, then errors about
    objectType (they decide what the object is), then errors we have words for."""
    kind = error.kind
    path = error.instance_path
    depth = len(path)
    child = None
    if isinstance(kind, _Kind.Required):
        child = kind.property
    elif isinstance(kind, _Kind.AdditionalProperties):
        child = kind.unexpected[0] if kind.unexpected else None
    elif isinstance(kind, _Kind.PropertyNames):
        child = ""
    if child is not None:
        depth += 1  # these point at a child property
    about_type = int(
        child == "objectType" or (child is None and bool(path) and path[-1] == "objectType")
    )
    sub = _subschema(root_schema, list(error.schema_path))
    annotated = int(any(key in sub for key in _ANNOTATIONS))
    return depth, about_type, annotated


def _schema_failure(
    validator: jsonschema_rs.Validator,
    root_schema: dict[str, Any],
    instance: object,
    prefix: str,
    root: str,
) -> BadRequest:
    """The BadRequest for the innermost error of `instance`."""
    best: jsonschema_rs.ValidationError | None = None
    best_rank = (-1, 0, 0)
    for error in validator.iter_errors(instance):
        rank = _rank(error, root_schema)
        if rank > best_rank:
            best, best_rank = error, rank
    if best is None:  # is_valid and iter_errors disagree: should not happen
        return BadRequest(f"{root} is not valid", prefix)
    segments, message = _describe(best, root_schema, root)
    return BadRequest(message, _json_path(prefix, segments))


def _describe(
    error: jsonschema_rs.ValidationError, root_schema: dict[str, Any], root: str
) -> tuple[list[Segment], str]:
    """(instance path of the offending property, plain-words message) for `error`."""
    kind = error.kind
    segments: list[Segment] = list(error.instance_path)
    sub = _subschema(root_schema, list(error.schema_path))
    where = _where(segments, root)
    value = error.instance
    custom: str | None = sub.get("x-msg")
    expect: str | None = sub.get("x-expect")

    if isinstance(kind, _Kind.PropertyNames):
        key = kind.error.instance
        segments.append(str(key))
        text = custom or "{where} has an invalid key {key}"
        return segments, _fill(text, where, _show(key))

    if custom is not None and not isinstance(kind, _Kind.AdditionalProperties):
        if isinstance(kind, _Kind.Required):
            segments.append(kind.property)
        return segments, _fill(custom, where, "")

    if isinstance(kind, _Kind.Required):
        segments.append(kind.property)
        message = f"{where} is missing the required property '{kind.property}'"
        object_type = sub.get("properties", {}).get(kind.property, {}).get("const")
        if kind.property == "objectType" and object_type is not None:
            message += f" (it must be {_show(object_type)} here)"
        return segments, message

    if isinstance(kind, _Kind.AdditionalProperties):
        key = kind.unexpected[0]
        segments.append(key)
        unknown: dict[str, str] = sub.get("x-unknown", {})
        if key in unknown:
            return segments, unknown[key]
        allowed = ", ".join(sub.get("properties", {}))
        return segments, (
            f"{_show(key)} is not an allowed property of {where} "
            f"(allowed: {allowed}; names are case-sensitive)"
        )

    if isinstance(kind, (_Kind.OneOfNotValid, _Kind.OneOfMultipleValid)) and sub.get("x-ifi"):
        present = [ifi for ifi in xs.IFIS if isinstance(value, dict) and ifi in value]
        found = f"found {len(present)}" + (f" ({', '.join(present)})" if present else "")
        return segments, (
            f"{where} must have exactly one inverse functional identifier "
            f"(mbox, mbox_sha1sum, openid, account); {found}"
        )

    if isinstance(kind, _Kind.Type):
        if value is None:
            return segments, f"{where} must not be null (null is only allowed inside extensions)"
        wanted = expect or " or ".join(_TYPE_WORDS.get(t, t) for t in kind.types)
        return segments, f"{where} must be {wanted}; got {_json_type(value)}"

    if isinstance(kind, (_Kind.Constant, _Kind.Enum)):
        if expect is None:
            if isinstance(kind, _Kind.Constant):
                expect = _show(kind.expected_value)
            else:
                expect = "one of " + ", ".join(_show(o) for o in kind.options)
        return segments, f"{where} must be {expect}; got {_show(value)}"

    if isinstance(kind, (_Kind.MinItems, _Kind.MaxItems)) and isinstance(value, list):
        wanted = expect or "an array of a different length"
        return segments, f"{where} must be {wanted}; it has {len(value)} item(s)"

    if isinstance(kind, (_Kind.Pattern, _Kind.Minimum, _Kind.Maximum)) and expect:
        message = f"{where} must be {expect}; got {_show(value)}"
        if isinstance(kind, _Kind.Pattern) and kind.pattern == TIMESTAMP_PATTERN:
            message += f": {timestamp_problem(str(value))}"
        return segments, message

    return segments, f"{where} is not valid: {error.message}"


def _fill(template: str, where: str, key: str) -> str:
    return template.replace("{where}", where).replace("{key}", key)


# --- checks after the schema ------------------------------------------------------------

_ALLOWED_LISTS: dict[str, tuple[str, ...]] = {
    "choice": ("choices",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "matching": ("source", "target"),
    "performance": ("steps",),
}


def _fail(prefix: str, segments: tuple[Segment, ...], message: str) -> BadRequest:
    return BadRequest(message, _json_path(prefix, segments))


def _check_statement(statement: dict[str, Any], prefix: str, at: tuple[Segment, ...] = ()) -> None:
    """Rules beyond the schema for a schema-valid statement (or the SubStatement at `at`).

    Written for the common case: a few dict lookups when nothing needs checking.
    """
    result = statement.get("result")
    if result is not None:
        score = result.get("score")
        if score is not None and len(score) > 1:
            _check_score(score, prefix, at)
    obj = statement["object"]
    definition = obj.get("definition")
    if definition is not None:
        if "interactionType" in definition:
            _check_interaction(definition, prefix, (*at, "object", "definition"))
    elif obj.get("objectType") == "SubStatement":
        _check_statement(obj, prefix, (*at, "object"))
    context = statement.get("context")
    if context is not None:
        activities = context.get("contextActivities")
        if activities is not None:
            for key, value in activities.items():
                if isinstance(value, list):
                    for index, activity in enumerate(value):
                        definition = activity.get("definition")
                        if definition is not None and "interactionType" in definition:
                            _check_interaction(
                                definition,
                                prefix,
                                (*at, "context", "contextActivities", key, index, "definition"),
                            )
                else:
                    definition = value.get("definition")
                    if definition is not None and "interactionType" in definition:
                        _check_interaction(
                            definition,
                            prefix,
                            (*at, "context", "contextActivities", key, "definition"),
                        )


def _check_score(score: dict[str, Any], prefix: str, at: tuple[Segment, ...]) -> None:
    """Data 2.4.5.1: min < max ("min: less than max"), raw between them (bounds included)."""
    low, high, raw = score.get("min"), score.get("max"), score.get("raw")
    if low is not None and high is not None and low >= high:
        problem = ("min", f"min ({low}) must be less than max ({high})")
    elif raw is not None and low is not None and raw < low:
        problem = ("raw", f"raw ({raw}) must not be less than min ({low})")
    elif raw is not None and high is not None and raw > high:
        problem = ("raw", f"raw ({raw}) must not be greater than max ({high})")
    else:
        return
    at = (*at, "result", "score")
    raise _fail(prefix, (*at, problem[0]), f"{_where(at, 'statement')}.{problem[1]}")


def _check_interaction(definition: dict[str, Any], prefix: str, at: tuple[Segment, ...]) -> None:
    """Data 2.4.4.1: only the component lists the interactionType supports; distinct ids."""
    interaction_type = definition["interactionType"]
    allowed = _ALLOWED_LISTS.get(interaction_type, ())
    for key in xs.COMPONENT_LISTS:
        components = definition.get(key)
        if components is None:
            continue
        if key not in allowed:
            supported = (
                "supports only " + " and ".join(f"'{k}'" for k in allowed)
                if allowed
                else "supports no interaction component lists"
            )
            raise _fail(
                prefix,
                (*at, key),
                f"{_where((*at, key), 'statement')} is not allowed for interactionType "
                f"'{interaction_type}' "
                f"(it {supported})",
            )
        seen: set[str] = set()
        for index, component in enumerate(components):
            component_id = component["id"]
            if component_id in seen:
                raise _fail(
                    prefix,
                    (*at, key, index, "id"),
                    f"interaction component id {component_id!r} appears more than once in "
                    f"{_where((*at, key), 'statement')}; ids must be distinct",
                )
            seen.add(component_id)
