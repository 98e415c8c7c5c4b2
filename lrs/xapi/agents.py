"""Agent identity and the index terms of a statement.

`agent_key` turns an Agent or Identified Group into one canonical string per inverse
functional identifier (IFI, xAPI 1.0.3 Data 2.4.2.3), so that two objects naming the same
IFI get the same key however they spell the case-insensitive parts:

    {"mbox": "mailto:Ann@Example.COM"}                -> "mbox:mailto:Ann@example.com"
    {"mbox_sha1sum": "EBD31E95..."}                    -> "mbox_sha1sum:ebd31e95..."
    {"openid": "http://openid.example.org/ann"}        -> "openid:http://openid.example.org/ann"
    {"account": {"homePage": "http://x", "name": "7"}} -> 'account:["http://x","7"]'

The local part of an e-mail address is kept as written (only the domain and the `mailto:`
scheme are case-insensitive); the account pair is JSON-encoded, so no (homePage, name)
pair can collide with another.

`index_terms` lists the (kind, value) terms the store indexes for the GET /statements
filters (Communication 2.1.3); a query carries the terms every result must have.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import orjson

_ACTIVITY = "Activity"
_GROUP = "Group"
_SUBSTATEMENT = "SubStatement"
_CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")


@functools.lru_cache(maxsize=65536)
def _mbox_key(mbox: str) -> str:
    scheme, sep, address = mbox.partition(":")
    if not sep:
        return "mbox:" + mbox
    local, at, domain = address.rpartition("@")
    if not at:
        return "mbox:" + scheme.lower() + ":" + address
    return "mbox:" + scheme.lower() + ":" + local + "@" + domain.lower()


def agent_key(agent: Mapping[str, Any]) -> str | None:
    """The canonical key of an Agent's or Identified Group's IFI; None when it has none.

    An Anonymous Group (and anything else without an IFI) has no key.
    """
    mbox: str | None = agent.get("mbox")
    if mbox is not None:
        return _mbox_key(mbox)
    sha1: str | None = agent.get("mbox_sha1sum")
    if sha1 is not None:
        return "mbox_sha1sum:" + sha1.lower()
    openid: str | None = agent.get("openid")
    if openid is not None:
        return "openid:" + openid
    account = agent.get("account")
    if account is not None:
        encoded = orjson.dumps([account.get("homePage"), account.get("name")])
        return "account:" + encoded.decode()
    return None


def agent_keys(agent: Mapping[str, Any]) -> list[str]:
    """Keys an agent filter matches this Agent/Group by: its own, then its members'.

    Communication 2.1.3 (`agent`): a Group matches an Agent that is one of its members.
    """
    keys: list[str] = []
    own = agent_key(agent)
    if own is not None:
        keys.append(own)
    if agent.get("objectType") == _GROUP:
        for member in agent.get("member") or ():
            key = agent_key(member)
            if key is not None:
                keys.append(key)
    return keys


def _add_agent(add: Callable[[tuple[str, str]], None], kind: str, agent: Any) -> None:
    if isinstance(agent, Mapping):
        for key in agent_keys(agent):
            add((kind, key))


def _add_context(add: Callable[[tuple[str, str]], None], context: Mapping[str, Any]) -> None:
    """related_agent / related_activity terms of a Context object."""
    instructor = context.get("instructor")
    if instructor is not None:
        _add_agent(add, "related_agent", instructor)
    team = context.get("team")
    if team is not None:
        _add_agent(add, "related_agent", team)
    for entry in context.get("contextAgents") or ():  # xAPI 2.0 [x1]
        _add_agent(add, "related_agent", entry.get("agent"))
    for entry in context.get("contextGroups") or ():  # xAPI 2.0 [x2]
        _add_agent(add, "related_agent", entry.get("group"))
    activities = context.get("contextActivities")
    if activities:
        for kind in _CONTEXT_ACTIVITY_KINDS:
            value = activities.get(kind)
            if value is None:
                continue
            if isinstance(value, Mapping):  # a single Activity (0.95 style)
                add(("related_activity", value["id"]))
            else:
                for activity in value:
                    add(("related_activity", activity["id"]))


def index_terms(statement: Mapping[str, Any]) -> set[tuple[str, str]]:
    """The filter terms of a (validated) statement.

    ("agent", key)            the actor or object is that Agent/Identified Group, or is a
                              Group with that member (Communication 2.1.3 `agent`)
    ("related_agent", key)    all "agent" terms, plus authority, context instructor and team,
                              2.0 contextAgents[].agent and contextGroups[].group, and the
                              actor, object and those context agents of a SubStatement object
                              (`related_agents`); members of any of these Groups too
    ("activity", iri)         the object is that Activity
    ("related_activity", iri) the object Activity, every contextActivities entry, and the
                              same inside a SubStatement object (`related_activities`)
    ("verb", iri)             the statement's verb
    ("registration", uuid)    the statement's context registration, lower-case
    ("authority", key)        the authority, and each member when it is a Group (the
                              3-legged OAuth application + user pair); for the
                              statements/read/mine scope

    Choice: the `verb` and `registration` filters look at the statement itself only, not at
    a SubStatement object. The spec broadens only the agent and activity filters to
    SubStatements (through `related_agents` / `related_activities`); `verb` and
    `registration` have no such flag, and a SubStatement describes a potential event rather
    than one that occurred, so it does not make the statement "match" its verb or
    registration. StatementRef targets are not followed here (the store applies their
    terms at query time); a context `statement` reference never affects filtering.
    """
    terms: set[tuple[str, str]] = set()
    add = terms.add

    actor = statement.get("actor")
    if actor is not None:
        for key in agent_keys(actor):
            add(("agent", key))
            add(("related_agent", key))

    verb = statement.get("verb")
    if verb is not None:
        add(("verb", verb["id"]))

    obj = statement.get("object")
    if obj is not None:
        object_type = obj.get("objectType", _ACTIVITY)
        if object_type == _ACTIVITY:
            add(("activity", obj["id"]))
            add(("related_activity", obj["id"]))
        elif object_type == _SUBSTATEMENT:
            _add_agent(add, "related_agent", obj.get("actor"))
            sub_object = obj.get("object")
            if sub_object is not None:
                sub_type = sub_object.get("objectType", _ACTIVITY)
                if sub_type == _ACTIVITY:
                    add(("related_activity", sub_object["id"]))
                elif sub_type != "StatementRef":
                    _add_agent(add, "related_agent", sub_object)
            sub_context = obj.get("context")
            if sub_context is not None:
                _add_context(add, sub_context)
        elif object_type != "StatementRef":  # Agent or Group
            for key in agent_keys(obj):
                add(("agent", key))
                add(("related_agent", key))

    context = statement.get("context")
    if context is not None:
        registration = context.get("registration")
        if registration is not None:
            add(("registration", registration.lower()))
        _add_context(add, context)

    authority = statement.get("authority")
    if authority is not None:
        for key in agent_keys(authority):
            add(("authority", key))
            add(("related_agent", key))

    return terms
