"""Whether two statements are "the same" statement (xAPI 1.0.3 Data 2.3.1).

Used when a statement arrives with an id the LRS already has (a match answers success
and changes nothing, a mismatch 409 Conflict; Communication 2.1.1 / 2.1.2) and when a
signed statement is checked against its JWS payload (Data 2.6).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeGuard

import orjson

from lrs.xapi.agents import agent_key

_TOP_IGNORED = frozenset(("id", "timestamp", "stored", "authority", "version"))
_SUB_IGNORED = frozenset(("timestamp",))
_IFIS = frozenset(("mbox", "mbox_sha1sum", "openid", "account"))
_MILLISECOND = timedelta(milliseconds=1)
_SECONDS = re.compile(r"(\d+)[.,](\d+)S$")
_MAX_EXACT_INT = 2**53


def statements_equivalent(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """True when `a` and `b` differ only in ways Statement Immutability allows.

    The statement comparison requirements (Data 2.3.1) say differences that the
    immutability exceptions could have caused MUST be ignored and any other difference
    MUST NOT. Applied here:

    Ignored (set or changed by an LRS, or not part of the statement):
      * `stored`, `authority`, `version`: always.
      * `id` and `timestamp` (of the statement itself): when either side lacks them (the
        LRS assigns them); when both have them, the ids must be the same UUID
        (case-insensitive) and the timestamps the same instant (below).
      * Verb `display` and Activity `definition` (wherever an Activity appears: object,
        contextActivities, SubStatement): not part of the statement.
      * Serialisation: key order; `objectType` omitted where it has a default ("Agent" for
        actor-like positions, "Activity" for objects and context activities); a single
        contextActivities Activity versus an array of one; the order of Group members
        and of attachments (unordered lists); an empty `attachments` or `member` array
        versus none; 1 versus 1.0.
      * Timestamps (statement and SubStatement) compare as points in time: any time zone,
        "Z" or offset, no zone read as UTC, and differences under one millisecond (an LRS
        may truncate or round to milliseconds).
      * Case of case-insensitive text: UUIDs (`id`, context `registration`, StatementRef
        ids), `mbox_sha1sum`, the `mailto:` scheme and domain of `mbox` (not the local
        part), language tags (context `language`, language-map keys), attachment `sha2`
        and `contentType`.
      * Result duration: compared as a string, except that seconds beyond 0.01 s precision
        are dropped (Data 4.6: "SHOULD* NOT be included in the comparison"; an LRS may
        truncate), with trailing zeros of the fraction, so "PT1.1234S" == "PT1.12S" and
        "PT1.50S" == "PT1.5S", but "PT60S" != "PT1M".

    Not ignored: everything else, compared as JSON values (strings exactly, `true` is not
    `1`), including agent names, result, context, extensions, the SubStatement's
    timestamp being present on one side only, attachment metadata, and the order of
    contextActivities, contextAgents and contextGroups arrays. IRIs are compared as plain
    strings (RFC 3987 5.3.1), as xAPI 2.0 allows.

    Malformed input (such as an unvalidated JWS payload) never raises; it just compares
    unequal to a valid statement.
    """
    if not _same_when_both(a.get("id"), b.get("id"), _same_uuid):
        return False
    if not _same_when_both(a.get("timestamp"), b.get("timestamp"), _same_instant):
        return False
    sub_a, sub_b = a.get("object"), b.get("object")
    if _is_substatement(sub_a) and _is_substatement(sub_b):
        time_a, time_b = sub_a.get("timestamp"), sub_b.get("timestamp")
        if (time_a is None) != (time_b is None):
            return False
        if time_a is not None and not _same_instant(time_a, time_b):
            return False
    return _dumps(_norm_statement(a, _TOP_IGNORED)) == _dumps(_norm_statement(b, _TOP_IGNORED))


# --- scalar comparisons ----------------------------------------------------------------


def _same_when_both(x: Any, y: Any, same: Callable[[Any, Any], bool]) -> bool:
    return x is None or y is None or same(x, y)


def _same_uuid(x: Any, y: Any) -> bool:
    if isinstance(x, str) and isinstance(y, str):
        return x.lower() == y.lower()
    return bool(x == y)


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.upper())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _same_instant(x: Any, y: Any) -> bool:
    moment_x, moment_y = _instant(x), _instant(y)
    if moment_x is None or moment_y is None:
        return bool(x == y)
    return abs(moment_x - moment_y) < _MILLISECOND


def _is_substatement(value: Any) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(value, Mapping) and value.get("objectType") == "SubStatement"


# --- normal forms ------------------------------------------------------------------------


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _norm_json(value: Any) -> Any:
    """A JSON value with 1.0 written 1 (keys are sorted when dumped)."""
    if isinstance(value, Mapping):
        return {key: _norm_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_norm_json(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < _MAX_EXACT_INT:
        return int(value)
    return value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else _norm_json(value)


def _norm_language_map(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return _norm_json(value)
    return {str(key).lower(): _norm_json(text) for key, text in value.items()}


def _unordered(items: Any, norm: Callable[[Any], Any]) -> Any:
    if not isinstance(items, list):
        return _norm_json(items)
    return sorted(_dumps(norm(item)).decode() for item in items)


def _norm_agent(agent: Any) -> Any:
    if not isinstance(agent, Mapping):
        return _norm_json(agent)
    out: dict[str, Any] = {"objectType": agent.get("objectType", "Agent")}
    for key, value in agent.items():
        if key == "objectType":
            continue
        if key in _IFIS:
            ifi = {key: value}
            try:
                out[key] = agent_key(ifi)
            except (AttributeError, TypeError):  # malformed IFI value
                out[key] = _norm_json(value)
        elif key == "member":
            if value != []:
                out[key] = _unordered(value, _norm_agent)
        else:
            out[key] = _norm_json(value)
    return out


def _norm_activity(activity: Any) -> Any:
    if not isinstance(activity, Mapping):
        return _norm_json(activity)
    out: dict[str, Any] = {"objectType": "Activity"}
    for key, value in activity.items():
        if key not in ("definition", "objectType"):
            out[key] = _norm_json(value)
    if activity.get("objectType", "Activity") != "Activity":
        out["objectType"] = activity["objectType"]
    return out


def _norm_statement_ref(ref: Any) -> Any:
    if not isinstance(ref, Mapping):
        return _norm_json(ref)
    return {key: _lower(value) if key == "id" else _norm_json(value) for key, value in ref.items()}


def _norm_verb(verb: Any) -> Any:
    if not isinstance(verb, Mapping):
        return _norm_json(verb)
    return {key: _norm_json(value) for key, value in verb.items() if key != "display"}


def _norm_object(obj: Any) -> Any:
    if not isinstance(obj, Mapping):
        return _norm_json(obj)
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        return _norm_activity(obj)
    if object_type in ("Agent", "Group"):
        return _norm_agent(obj)
    if object_type == "StatementRef":
        return _norm_statement_ref(obj)
    if object_type == "SubStatement":
        return _norm_statement(obj, _SUB_IGNORED)
    return _norm_json(obj)


def _norm_duration(duration: Any) -> Any:
    if not isinstance(duration, str):
        return _norm_json(duration)
    match = _SECONDS.search(duration)
    if match is None:
        return duration
    fraction = match.group(2)[:2].rstrip("0")
    seconds = match.group(1) + ("." + fraction if fraction else "")
    return duration[: match.start()] + seconds + "S"


def _norm_result(result: Any) -> Any:
    if not isinstance(result, Mapping):
        return _norm_json(result)
    return {
        key: _norm_duration(value) if key == "duration" else _norm_json(value)
        for key, value in result.items()
    }


def _norm_context_entries(entries: Any, field: str) -> Any:
    """contextAgents / contextGroups: each entry's agent or group normalised, in order."""
    if not isinstance(entries, list):
        return _norm_json(entries)
    out: list[Any] = []
    for entry in entries:
        if isinstance(entry, Mapping):
            out.append(
                {
                    key: _norm_agent(value) if key == field else _norm_json(value)
                    for key, value in entry.items()
                }
            )
        else:
            out.append(_norm_json(entry))
    return out


def _norm_context_activities(activities: Any) -> Any:
    if not isinstance(activities, Mapping):
        return _norm_json(activities)
    return {
        kind: [_norm_activity(a) for a in (value if isinstance(value, list) else [value])]
        for kind, value in activities.items()
    }


def _norm_context(context: Any) -> Any:
    if not isinstance(context, Mapping):
        return _norm_json(context)
    out: dict[str, Any] = {}
    for key, value in context.items():
        if key in ("registration", "language"):
            out[key] = _lower(value)
        elif key in ("instructor", "team"):
            out[key] = _norm_agent(value)
        elif key == "contextActivities":
            out[key] = _norm_context_activities(value)
        elif key == "statement":
            out[key] = _norm_statement_ref(value)
        elif key == "contextAgents":
            out[key] = _norm_context_entries(value, "agent")
        elif key == "contextGroups":
            out[key] = _norm_context_entries(value, "group")
        else:
            out[key] = _norm_json(value)
    return out


def _norm_attachment(attachment: Any) -> Any:
    if not isinstance(attachment, Mapping):
        return _norm_json(attachment)
    out: dict[str, Any] = {}
    for key, value in attachment.items():
        if key in ("display", "description"):
            out[key] = _norm_language_map(value)
        elif key in ("sha2", "contentType"):
            out[key] = _lower(value)
        else:
            out[key] = _norm_json(value)
    return out


_NORMALISERS: dict[str, Callable[[Any], Any]] = {
    "actor": _norm_agent,
    "verb": _norm_verb,
    "object": _norm_object,
    "result": _norm_result,
    "context": _norm_context,
    "attachments": lambda value: _unordered(value, _norm_attachment),
}


def _norm_statement(statement: Mapping[str, Any], ignored: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key in ignored:
            continue
        if key == "attachments" and value == []:
            continue
        normaliser = _NORMALISERS.get(key)
        out[key] = normaliser(value) if normaliser is not None else _norm_json(value)
    return out
