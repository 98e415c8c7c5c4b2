"""The `format` parameter of GET /statements (xAPI 1.0.3 Communication 2.1.3).

    exact      the statement as stored
    ids        Agents and Identified Groups reduced to objectType (when given) and their
               IFI; Anonymous Groups to objectType and their members so reduced; Activities
               to {"id"}; Verbs to {"id"}
    canonical  Agents and Groups as in exact; every language map of Activity definitions
               (name, description, interaction components' description), Verb displays and
               attachment display/description reduced to the one entry that best fits the
               request's Accept-Language (Communication 2.1.3 "Language Filtering
               Requirements for Canonical Format Statements"); the rest of each Activity
               definition as stored

In every format a contextActivities value that is a single Activity comes back as an array
of one (Data 2.4.6.2: the LRS MUST return arrays there).

The statement given is never mutated. The result is a shallow rebuild: objects the format
does not change are shared with the input, so treat the result as read-only (serialise it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from lrs.errors import BadRequest

FORMATS = ("exact", "ids", "canonical")
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")


# --- Accept-Language ---------------------------------------------------------------


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges of an Accept-Language header, most preferred first.

    Ranges with q=0 (not acceptable) or an unparseable q are dropped; equal q keeps header
    order; a range repeated keeps its first occurrence. Ranges keep their spelling ("*"
    included); matching is case-insensitive.
    """
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(header.split(",")):
        language, *params = item.split(";")
        language = language.strip()
        if not language or language.lower() in seen:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                if not math.isfinite(q):
                    q = 0.0
        if q <= 0.0:
            continue
        seen.add(language.lower())
        ranked.append((-min(q, 1.0), index, language))
    ranked.sort()
    return [language for _, _, language in ranked]


@lru_cache(maxsize=4096)
def _best_key(keys: tuple[str, ...], ranges: tuple[str, ...]) -> str:
    """The key of a language map (keys in map order) to keep for these lower-case ranges.

    For each range in preference order: a key equal to it; then a key it is a prefix of
    ("en" matches "en-GB", RFC 2616 14.4); then the range truncated subtag by subtag
    ("en-US" matches "en", RFC 4647 lookup); "*" matches the first key. When no range
    matches that way, a key with the same primary language as a range ("en-US" -> "en-GB")
    in preference order; failing that the map's first key.
    """
    lowered = [key.lower() for key in keys]
    for wanted in ranges:
        if wanted == "*":
            return keys[0]
        for key, low in zip(keys, lowered, strict=True):
            if low == wanted:
                return key
        prefix = wanted + "-"
        for key, low in zip(keys, lowered, strict=True):
            if low.startswith(prefix):
                return key
        subtags = wanted.split("-")
        for end in range(len(subtags) - 1, 0, -1):
            if len(subtags[end - 1]) == 1:  # never end on a singleton such as "x"
                continue
            truncated = "-".join(subtags[:end])
            for key, low in zip(keys, lowered, strict=True):
                if low == truncated:
                    return key
    for wanted in ranges:
        primary = wanted.split("-", 1)[0]
        for key, low in zip(keys, lowered, strict=True):
            if low.split("-", 1)[0] == primary:
                return key
    return keys[0]


def _pick(language_map: Mapping[str, Any], ranges: tuple[str, ...]) -> Any:
    if len(language_map) <= 1:
        return language_map
    key = _best_key(tuple(language_map), ranges)
    return {key: language_map[key]}


# --- shared --------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _context_activities_fixed(context: Mapping[str, Any]) -> Mapping[str, Any]:
    """The context with single-Activity contextActivities values wrapped in arrays."""
    activities = context.get("contextActivities")
    if not activities or all(isinstance(v, list) for v in activities.values()):
        return context
    out = dict(context)
    out["contextActivities"] = {kind: _as_list(v) for kind, v in activities.items()}
    return out


def _exact(statement: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(statement)
    context = statement.get("context")
    if context is not None:
        out["context"] = _context_activities_fixed(context)
    obj = statement.get("object")
    if obj is not None and obj.get("objectType") == "SubStatement":
        sub_context = obj.get("context")
        if sub_context is not None:
            fixed = _context_activities_fixed(sub_context)
            if fixed is not sub_context:
                out["object"] = {**obj, "context": fixed}
    return out


# --- ids -----------------------------------------------------------------------------


def _ids_agent(agent: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    object_type = agent.get("objectType")
    if object_type is not None:
        out["objectType"] = object_type
    for ifi in _IFIS:
        value = agent.get(ifi)
        if value is not None:
            out[ifi] = value
            return out
    out["member"] = [_ids_agent(member) for member in agent.get("member") or ()]
    return out


def _ids_object(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        return {"id": obj["id"]}
    if object_type in ("Agent", "Group"):
        return _ids_agent(obj)
    if object_type == "SubStatement":
        return _ids_statement(obj)
    return obj  # StatementRef: already minimal


def _ids_context(context: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(context)
    instructor = context.get("instructor")
    if instructor is not None:
        out["instructor"] = _ids_agent(instructor)
    team = context.get("team")
    if team is not None:
        out["team"] = _ids_agent(team)
    activities = context.get("contextActivities")
    if activities is not None:
        out["contextActivities"] = {
            kind: [{"id": activity["id"]} for activity in _as_list(value)]
            for kind, value in activities.items()
        }
    context_agents = context.get("contextAgents")
    if context_agents is not None:
        out["contextAgents"] = [
            {**entry, "agent": _ids_agent(entry["agent"])} for entry in context_agents
        ]
    context_groups = context.get("contextGroups")
    if context_groups is not None:
        out["contextGroups"] = [
            {**entry, "group": _ids_agent(entry["group"])} for entry in context_groups
        ]
    return out


def _ids_statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(statement)
    actor = statement.get("actor")
    if actor is not None:
        out["actor"] = _ids_agent(actor)
    verb = statement.get("verb")
    if verb is not None:
        out["verb"] = {"id": verb["id"]}
    obj = statement.get("object")
    if obj is not None:
        out["object"] = _ids_object(obj)
    context = statement.get("context")
    if context is not None:
        out["context"] = _ids_context(context)
    authority = statement.get("authority")
    if authority is not None:
        out["authority"] = _ids_agent(authority)
    return out


# --- canonical -----------------------------------------------------------------------


def _canonical_activity(activity: Mapping[str, Any], ranges: tuple[str, ...]) -> Mapping[str, Any]:
    definition = activity.get("definition")
    if not definition:
        return activity
    new_definition = dict(definition)
    for name in ("name", "description"):
        language_map = definition.get(name)
        if language_map is not None:
            new_definition[name] = _pick(language_map, ranges)
    for name in _COMPONENT_LISTS:
        components = definition.get(name)
        if components is not None:
            new_definition[name] = [
                {**c, "description": _pick(c["description"], ranges)} if "description" in c else c
                for c in components
            ]
    return {**activity, "definition": new_definition}


def _canonical_attachments(attachments: list[Any], ranges: tuple[str, ...]) -> list[Any]:
    out: list[Any] = []
    for attachment in attachments:
        new = dict(attachment)
        for name in ("display", "description"):
            language_map = attachment.get(name)
            if language_map is not None:
                new[name] = _pick(language_map, ranges)
        out.append(new)
    return out


def _canonical_statement(statement: Mapping[str, Any], ranges: tuple[str, ...]) -> dict[str, Any]:
    out = dict(statement)
    verb = statement.get("verb")
    if verb is not None and "display" in verb:
        out["verb"] = {**verb, "display": _pick(verb["display"], ranges)}
    obj = statement.get("object")
    if obj is not None:
        object_type = obj.get("objectType", "Activity")
        if object_type == "Activity":
            out["object"] = _canonical_activity(obj, ranges)
        elif object_type == "SubStatement":
            out["object"] = _canonical_statement(obj, ranges)
    context = statement.get("context")
    if context is not None:
        activities = context.get("contextActivities")
        if activities is not None:
            out["context"] = {
                **context,
                "contextActivities": {
                    kind: [_canonical_activity(a, ranges) for a in _as_list(value)]
                    for kind, value in activities.items()
                },
            }
    attachments = statement.get("attachments")
    if attachments:
        out["attachments"] = _canonical_attachments(attachments, ranges)
    return out


# --- entry point ---------------------------------------------------------------------


def format_statement(
    statement: Mapping[str, Any], fmt: str, languages: Sequence[str]
) -> dict[str, Any]:
    """`statement` in the GET /statements `format` `fmt` ("exact", "ids" or "canonical").

    `languages` are the Accept-Language ranges, most preferred first (see
    `parse_accept_language`); only "canonical" uses them. Raises BadRequest for another
    format.
    """
    if fmt == "exact":
        return _exact(statement)
    if fmt == "ids":
        return _ids_statement(statement)
    if fmt == "canonical":
        ranges = tuple(language.lower() for language in languages)
        return _canonical_statement(statement, ranges)
    raise BadRequest(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}", path="format")


def format_activity(activity: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
    """An Activity with each language map reduced to the best language for `languages`."""
    return dict(_canonical_activity(activity, tuple(languages)))
