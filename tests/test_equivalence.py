from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.xapi.equivalence import statements_equivalent

ANN = {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"}
BOB = {"account": {"homePage": "http://lms.example.com", "name": "bob"}}
CAT = {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"}


def base() -> dict[str, Any]:
    return {
        "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
        "actor": {"objectType": "Group", "name": "Team", "member": [ANN, BOB, CAT]},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/scored", "display": {"en-US": "scored"}},
        "object": {
            "objectType": "Activity",
            "id": "http://example.com/quiz",
            "definition": {"name": {"en-US": "Quiz"}},
        },
        "result": {
            "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
            "success": True,
            "duration": "PT1M30.25S",
            "extensions": {"http://example.com/ext/flag": True, "http://example.com/ext/n": 1},
        },
        "context": {
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "instructor": BOB,
            "language": "en-US",
            "contextActivities": {
                "parent": [{"id": "http://example.com/course"}],
                "grouping": [{"id": "http://example.com/g1"}, {"id": "http://example.com/g2"}],
            },
            "statement": {
                "objectType": "StatementRef",
                "id": "9e13cefd-53d3-4eac-b5ed-2cf6693903bb",
            },
            "extensions": {"http://example.com/ext/ctx": {"a": [1, 2, {"b": None}]}},
        },
        "timestamp": "2024-01-02T03:04:05.678Z",
        "attachments": [
            {
                "usageType": "http://example.com/usage/cert",
                "display": {"en-US": "Certificate"},
                "contentType": "application/pdf",
                "length": 10,
                "sha2": "ab" * 32,
            },
            {
                "usageType": "http://example.com/usage/photo",
                "display": {"en-US": "Photo"},
                "contentType": "image/png",
                "length": 20,
                "sha2": "cd" * 32,
            },
        ],
    }


def reorder(value: Any, rng: random.Random) -> Any:
    """The same JSON value with every object's keys in another order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: reorder(item, rng) for key, item in items}
    if isinstance(value, list):
        return [reorder(item, rng) for item in value]
    return value


def changed(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    statement = base()
    edit(statement)
    return statement


def test_identical() -> None:
    assert statements_equivalent(base(), base())


def test_key_order_is_ignored() -> None:
    for seed in range(5):
        assert statements_equivalent(base(), reorder(base(), random.Random(seed)))


def test_lrs_set_properties_are_ignored() -> None:
    stored = base() | {
        "stored": "2024-01-02T03:04:06.000Z",
        "authority": {"objectType": "Agent", "mbox": "mailto:lrs@example.com"},
        "version": "1.0.0",
    }
    resent = base() | {"stored": "2030-01-01T00:00:00Z", "version": "1.0.3"}
    assert statements_equivalent(stored, base())
    assert statements_equivalent(stored, resent)
    assert statements_equivalent(base(), stored)


def test_result_score_difference_is_a_conflict() -> None:
    other = changed(lambda s: s["result"]["score"].update(raw=6))
    assert not statements_equivalent(base(), other)
    assert not statements_equivalent(other, base())


def set_path(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(statement: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = statement
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return edit


def delete(path: str) -> Callable[[dict[str, Any]], None]:
    def edit(statement: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = statement
        for part in parents:
            target = target[part]
        del target[last]

    return edit


EQUIVALENT: dict[str, Callable[[dict[str, Any]], None]] = {
    "id case": set_path("id", "6690E6C9-3EF0-4ED3-8B37-7F3964730BEE"),
    "id assigned by the LRS": delete("id"),
    "timestamp assigned by the LRS": delete("timestamp"),
    "timestamp in another zone": set_path("timestamp", "2024-01-02T05:04:05.678+02:00"),
    "timestamp more precise": set_path("timestamp", "2024-01-02T03:04:05.678912345Z"),
    "timestamp without zone": set_path("timestamp", "2024-01-02T03:04:05.678"),
    "verb display": set_path("verb.display", {"fr": "a marqué"}),
    "verb display removed": delete("verb.display"),
    "activity definition": set_path("object.definition", {"name": {"en-US": "Quiz 2"}}),
    "activity objectType omitted": delete("object.objectType"),
    "member order": set_path("actor.member", [CAT, ANN, BOB]),
    "member objectType omitted": set_path(
        "actor.member", [{"name": "Ann", "mbox": "mailto:ann@example.com"}, BOB, CAT]
    ),
    "mbox domain case": set_path(
        "actor.member.0", {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@EXAMPLE.COM"}
    ),
    "mbox_sha1sum case": set_path(
        "actor.member.2", {"mbox_sha1sum": "EBD31E95054C018B10727CCFFD2EF2EC3A016EE9"}
    ),
    "registration case": set_path("context.registration", "EC531277-B57B-4C15-8D91-D292C5B2B8F7"),
    "statement ref case": set_path(
        "context.statement",
        {"objectType": "StatementRef", "id": "9E13CEFD-53D3-4EAC-B5ED-2CF6693903BB"},
    ),
    "language tag case": set_path("context.language", "en-us"),
    "single context activity": set_path(
        "context.contextActivities.parent", {"id": "http://example.com/course"}
    ),
    "context activity definition": set_path(
        "context.contextActivities.parent",
        [{"id": "http://example.com/course", "objectType": "Activity", "definition": {}}],
    ),
    "integral float": set_path("result.score.raw", 5.0),
    "duration beyond hundredths": set_path("result.duration", "PT1M30.2599S"),
    "duration trailing zero": set_path("result.duration", "PT1M30.250S"),
    "attachment order": lambda s: s["attachments"].reverse(),
    "attachment language tag and hash case": set_path(
        "attachments.0",
        {
            "usageType": "http://example.com/usage/cert",
            "display": {"EN-us": "Certificate"},
            "contentType": "Application/PDF",
            "length": 10,
            "sha2": "AB" * 32,
        },
    ),
}


@pytest.mark.parametrize("name", list(EQUIVALENT))
def test_allowed_differences(name: str) -> None:
    other = changed(EQUIVALENT[name])
    assert statements_equivalent(base(), other)
    assert statements_equivalent(other, base())


DIFFERENT: dict[str, Callable[[dict[str, Any]], None]] = {
    "id": set_path("id", "7690e6c9-3ef0-4ed3-8b37-7f3964730bee"),
    "timestamp": set_path("timestamp", "2024-01-02T03:04:05.679Z"),
    "timestamp zone misread": set_path("timestamp", "2024-01-02T03:04:05.678+01:00"),
    "verb": set_path("verb.id", "http://adlnet.gov/expapi/verbs/passed"),
    "activity id": set_path("object.id", "http://example.com/quiz2"),
    "object type": set_path("object", {"objectType": "Agent", "mbox": "mailto:ann@example.com"}),
    "member added": lambda s: s["actor"]["member"].append({"mbox": "mailto:dan@example.com"}),
    "member removed": lambda s: s["actor"]["member"].pop(),
    "agent name": set_path(
        "actor.member.0", {"objectType": "Agent", "mbox": "mailto:ann@example.com"}
    ),
    "mbox local part case": set_path(
        "actor.member.0", {"objectType": "Agent", "name": "Ann", "mbox": "mailto:Ann@example.com"}
    ),
    "group name": set_path("actor.name", "Other team"),
    "success": set_path("result.success", False),
    "result removed": delete("result"),
    "duration": set_path("result.duration", "PT1M30.26S"),
    "duration in other units": set_path("result.duration", "PT90.25S"),
    "extension true vs 1": lambda s: s["result"]["extensions"].update(
        {"http://example.com/ext/n": True}
    ),
    "nested extension": set_path(
        "context.extensions", {"http://example.com/ext/ctx": {"a": [2, 1]}}
    ),
    "context activity order": set_path(
        "context.contextActivities.grouping",
        [{"id": "http://example.com/g2"}, {"id": "http://example.com/g1"}],
    ),
    "registration": set_path("context.registration", "ec531277-b57b-4c15-8d91-d292c5b2b8f8"),
    "instructor": set_path("context.instructor", ANN),
    "attachment sha2": set_path("attachments.1.sha2", "ce" * 32),
    "attachment removed": lambda s: s["attachments"].pop(),
}


@pytest.mark.parametrize("name", list(DIFFERENT))
def test_conflicting_differences(name: str) -> None:
    other = changed(DIFFERENT[name])
    assert not statements_equivalent(base(), other)
    assert not statements_equivalent(other, base())


def substatement(**extra: Any) -> dict[str, Any]:
    return {
        "actor": ANN,
        "verb": {"id": "http://example.com/planned"},
        "object": {
            "objectType": "SubStatement",
            "actor": BOB,
            "verb": {"id": "http://example.com/visited", "display": {"en-US": "visited"}},
            "object": {"id": "http://example.com/site"},
            **extra,
        },
    }


def test_substatement_rules() -> None:
    timed = substatement(timestamp="2030-01-01T00:00:00Z")
    assert statements_equivalent(substatement(), substatement())
    assert statements_equivalent(timed, substatement(timestamp="2030-01-01T01:00:00+01:00"))
    # the LRS never sets a SubStatement's timestamp: one side only is a difference
    assert not statements_equivalent(timed, substatement())
    assert not statements_equivalent(timed, substatement(timestamp="2030-01-02T00:00:00Z"))
    # verb display and activity definitions inside are ignored too
    other = substatement()
    other["object"]["verb"]["display"] = {"de": "besucht"}
    other["object"]["object"]["definition"] = {"name": {"en": "Site"}}
    assert statements_equivalent(substatement(), other)
    other["object"]["actor"] = ANN
    assert not statements_equivalent(substatement(), other)


def test_empty_attachments_equal_none() -> None:
    with_empty = base() | {"attachments": []}
    without = base()
    del without["attachments"]
    assert statements_equivalent(with_empty, without)


def test_malformed_input_compares_unequal_without_raising() -> None:
    for bad in (
        {"actor": "nobody", "verb": None, "object": 3},
        {"actor": {"mbox": 5, "account": "x", "member": "y"}, "object": {"objectType": "Group"}},
        {"context": {"contextActivities": "x", "contextAgents": [1], "statement": []}},
        {"result": {"duration": 5}, "attachments": "x", "timestamp": 7},
    ):
        assert not statements_equivalent(base(), bad)
        assert statements_equivalent(bad, copy.deepcopy(bad))


def test_does_not_mutate() -> None:
    a, b = base(), changed(EQUIVALENT["single context activity"])
    before_a, before_b = copy.deepcopy(a), copy.deepcopy(b)
    statements_equivalent(a, b)
    assert (a, b) == (before_a, before_b)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(JSON, st.integers(0, 2**16))
def test_extensions_compare_as_json_modulo_key_order(value: Any, seed: int) -> None:
    a = base()
    a["result"]["extensions"] = {"http://example.com/x": value}
    b = reorder(a, random.Random(seed))
    assert statements_equivalent(a, b)
    c = copy.deepcopy(a)
    c["result"]["extensions"]["http://example.com/x"] = [value]
    assert not statements_equivalent(a, c)
