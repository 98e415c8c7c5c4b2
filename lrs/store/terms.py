"""How statement filter terms are indexed, shared by the stores.

`lrs.xapi.agents.index_terms` names each (kind, value) a filter can match. Kinds come in
families: an agent can be the actor (`agent`), any related agent (`related_agent`) or the
authority; an activity the object or any context activity. A store keeps one posting per
(family, value) and statement, with a bit per role, so an actor who is also the authority
costs one posting, not three.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping
from typing import Any

import orjson

from lrs.xapi.agents import index_terms

ROLES: dict[str, tuple[str, int]] = {
    "agent": ("agent", 1),
    "related_agent": ("agent", 2),
    "authority": ("agent", 4),
    "activity": ("activity", 1),
    "related_activity": ("activity", 2),
    "verb": ("verb", 1),
    "registration": ("registration", 1),
}

# Which posting list drives a filtered scan: the usually most selective kinds first.
SELECTIVITY = {
    "registration": 0,
    "agent": 1,
    "activity": 2,
    "related_agent": 3,
    "related_activity": 4,
    "authority": 5,
    "verb": 6,
}

Posting = tuple[str, str, int]  # (family, value, role bits)


def postings(terms: Iterable[tuple[str, str]]) -> tuple[Posting, ...]:
    merged: dict[tuple[str, str], int] = {}
    for kind, value in terms:
        family, role = ROLES[kind]
        key = (family, value)
        merged[key] = merged.get(key, 0) | role
    return tuple((family, value, roles) for (family, value), roles in merged.items())


def inherited(target: Mapping[str, Any]) -> tuple[set[tuple[str, str]], str | None]:
    """What a statement referring to `target` inherits from it: its filter terms (not its
    authority's; Communication 2.1.3, filter conditions for StatementRefs), and the id
    `target` itself refers to, whose terms are inherited too (None at the chain's end)."""
    terms = {t for t in index_terms(target) if t[0] != "authority"}
    obj = target.get("object", {})
    return terms, obj["id"].lower() if obj.get("objectType") == "StatementRef" else None


MAX_REF_DEPTH = 10  # a chain of StatementRefs is followed this far at most


def referred_postings(
    target_id: str, batch: Mapping[str, Mapping[str, Any]]
) -> Generator[str, bytes | None, tuple[Posting, ...]]:
    """The postings a StatementRef inherits from its target, and its target's target...
    (Communication 2.1.3, filter conditions for StatementRefs).

    Targets come from `batch` (id -> statement, the ones being stored with it) or from the
    store, which drives this generator: each id it yields is a stored statement whose body
    the store sends back (None when it has none), so one walk serves every store."""
    terms: set[tuple[str, str]] = set()
    seen: set[str] = set()
    for _ in range(MAX_REF_DEPTH):
        if target_id in seen:
            break
        seen.add(target_id)
        target = batch.get(target_id)
        if target is None:
            body = yield target_id
            if body is None:
                break
            target = orjson.loads(body)
        found, next_id = inherited(target)
        terms |= found
        if next_id is None:
            break
        target_id = next_id
    return postings(terms)
