"""What the LRS learns about activities and agents from the statements it stores.

The Activities resource answers with the LRS's canonical definition of an activity
(Communication 2.5), built here by merging every definition received: language maps gain
languages (a newer text replaces an older one in the same language), other properties
take the newest value. The Agents resource answers with a Person (Communication 2.4): the
agent's identifier and every name it has been seen with.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from lrs.xapi.agents import agent_key

_LANGUAGE_MAPS = ("name", "description")
_CONTEXT_KINDS = ("parent", "grouping", "category", "other")
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def definitions(statement: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(activity id, definition) of every Activity in the statement that carries one."""
    found: list[tuple[str, dict[str, Any]]] = []
    for activity in _activities(statement):
        definition = activity.get("definition")
        if definition:
            found.append((activity["id"], definition))
    return found


def _activities(statement: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    target = statement["object"]
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        yield target
    elif kind == "SubStatement":
        yield from _activities(target)
    context_activities = statement.get("context", {}).get("contextActivities", {})
    for kind in _CONTEXT_KINDS:
        value = context_activities.get(kind)
        if value is not None:
            yield from [value] if isinstance(value, Mapping) else value


def merge_definition(current: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(current or {})
    for key, value in new.items():
        if key in _LANGUAGE_MAPS and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def agent_names(statement: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(agent key, name, IFI property) of the named Agents acting in the statement."""
    found = []
    for agent in _named_agents(statement):
        key = agent_key(agent)
        if key is not None:
            found.append((key, agent["name"], {p: agent[p] for p in IFIS if p in agent}))
    return found


def _named_agents(statement: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    actor = statement["actor"]
    for agent in (actor, *actor.get("member", ())):
        if "name" in agent and agent.get("objectType", "Agent") == "Agent":
            yield agent


def person(agent: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The Person object for `agent`, given the names the LRS knows it by."""
    result: dict[str, Any] = {"objectType": "Person"}
    known = list(dict.fromkeys([*([agent["name"]] if "name" in agent else []), *names]))
    if known:
        result["name"] = known
    for prop in IFIS:
        if prop in agent:
            result[prop] = [agent[prop]]
    return result
