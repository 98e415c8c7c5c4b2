from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.errors import BadRequest
from lrs.xapi.formats import format_statement, parse_accept_language

# --- parse_accept_language -----------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, []),
        ("", []),
        ("en-US", ["en-US"]),
        ("fr;q=0.5, en-US", ["en-US", "fr"]),
        ("en-US,en;q=0.8", ["en-US", "en"]),
        ("da, en-gb;q=0.8, en;q=0.7", ["da", "en-gb", "en"]),
        ("de;q=0.3, fr;q=0.3, it", ["it", "de", "fr"]),  # equal q keeps header order
        ("fr;q=0, en", ["en"]),  # q=0 means not acceptable
        ("fr;q=0.000, en;q=0.1", ["en"]),
        ("fr;q=abc, en", ["en"]),  # unparseable q dropped
        ("fr;q=nan, en", ["en"]),
        ("*;q=0.1, ja", ["ja", "*"]),
        ("en ; Q=0.5 , , de", ["de", "en"]),
        ("en, EN;q=0.5", ["en"]),  # a repeated range keeps its first occurrence
        ("en;q=2", ["en"]),
    ],
)
def test_parse_accept_language(header: str | None, expected: list[str]) -> None:
    assert parse_accept_language(header) == expected


# --- fixtures ------------------------------------------------------------------------

ANN = {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"}
BOB = {"name": "Bob", "account": {"homePage": "http://lms.example.com", "name": "bob"}}
IDENTIFIED = {
    "objectType": "Group",
    "name": "Team",
    "mbox": "mailto:team@example.com",
    "member": [ANN, BOB],
}
ANONYMOUS = {"objectType": "Group", "name": "Ad hoc", "member": [ANN, BOB]}
VERB = {
    "id": "http://adlnet.gov/expapi/verbs/answered",
    "display": {"en-GB": "answered", "en-US": "answered (US)", "fr": "a répondu"},
}
ACTIVITY = {
    "objectType": "Activity",
    "id": "http://example.com/q1",
    "definition": {
        "name": {"en-US": "Question 1", "fr": "Question un", "de": "Frage eins"},
        "description": {"fr": "Choisissez", "en-GB": "Choose"},
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "moreInfo": "http://example.com/q1/info",
        "interactionType": "choice",
        "correctResponsesPattern": ["a"],
        "choices": [
            {"id": "a", "description": {"en-US": "A (US)", "fr": "A (fr)"}},
            {"id": "b"},
        ],
        "extensions": {"http://example.com/ext": {"en-US": "kept as is", "fr": "tel quel"}},
    },
}
PARENT = {"id": "http://example.com/quiz", "definition": {"name": {"de": "Quiz", "it": "Quiz"}}}


def statement() -> dict[str, Any]:
    return {
        "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
        "actor": IDENTIFIED,
        "verb": VERB,
        "object": ACTIVITY,
        "result": {"response": "a", "success": True},
        "context": {
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "instructor": BOB,
            "team": ANONYMOUS,
            "contextActivities": {"parent": PARENT, "grouping": [{"id": "http://x/g"}]},
        },
        "timestamp": "2024-01-02T03:04:05.678Z",
        "stored": "2024-01-02T03:04:06.000Z",
        "authority": {"objectType": "Agent", "name": "LRS", "mbox": "mailto:lrs@example.com"},
        "version": "1.0.0",
        "attachments": [
            {
                "usageType": "http://example.com/usage/cert",
                "display": {"en-US": "Certificate", "fr": "Certificat"},
                "contentType": "application/pdf",
                "length": 10,
                "sha2": "ab" * 32,
            }
        ],
    }


# --- exact ---------------------------------------------------------------------------


def test_exact_returns_the_statement() -> None:
    s = statement()
    s["context"]["contextActivities"]["parent"] = [PARENT]
    assert format_statement(s, "exact", ["fr"]) == s


def test_exact_wraps_single_context_activities_in_arrays() -> None:
    s = statement()
    before = copy.deepcopy(s)
    out = format_statement(s, "exact", [])
    assert out["context"]["contextActivities"] == {
        "parent": [PARENT],
        "grouping": [{"id": "http://x/g"}],
    }
    assert s == before


# --- ids -----------------------------------------------------------------------------


def test_ids_with_group_actor() -> None:
    s = statement()
    before = copy.deepcopy(s)
    out = format_statement(s, "ids", ["en-US"])
    assert out == {
        "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
        # an Identified Group keeps only objectType and its IFI
        "actor": {"objectType": "Group", "mbox": "mailto:team@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": "http://example.com/q1"},
        "result": {"response": "a", "success": True},
        "context": {
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "instructor": {"account": {"homePage": "http://lms.example.com", "name": "bob"}},
            # an Anonymous Group keeps its members, each reduced to its IFI
            "team": {
                "objectType": "Group",
                "member": [
                    {"objectType": "Agent", "mbox": "mailto:ann@example.com"},
                    {"account": {"homePage": "http://lms.example.com", "name": "bob"}},
                ],
            },
            "contextActivities": {
                "parent": [{"id": "http://example.com/quiz"}],
                "grouping": [{"id": "http://x/g"}],
            },
        },
        "timestamp": "2024-01-02T03:04:05.678Z",
        "stored": "2024-01-02T03:04:06.000Z",
        "authority": {"objectType": "Agent", "mbox": "mailto:lrs@example.com"},
        "version": "1.0.0",
        "attachments": s["attachments"],
    }
    assert s == before


def test_ids_substatement_and_agent_object() -> None:
    s = {
        "actor": ANONYMOUS,
        "verb": VERB,
        "object": {
            "objectType": "SubStatement",
            "actor": IDENTIFIED,
            "verb": VERB,
            "object": ACTIVITY,
            "context": {
                "contextAgents": [
                    {"objectType": "contextAgent", "agent": ANN, "relevantTypes": ["http://t"]}
                ],
                "contextGroups": [{"objectType": "contextGroup", "group": IDENTIFIED}],
            },
        },
    }
    out = format_statement(s, "ids", [])
    sub = out["object"]
    assert sub["objectType"] == "SubStatement"
    assert sub["actor"] == {"objectType": "Group", "mbox": "mailto:team@example.com"}
    assert sub["verb"] == {"id": VERB["id"]}
    assert sub["object"] == {"id": "http://example.com/q1"}
    assert sub["context"] == {
        "contextAgents": [
            {
                "objectType": "contextAgent",
                "agent": {"objectType": "Agent", "mbox": "mailto:ann@example.com"},
                "relevantTypes": ["http://t"],
            }
        ],
        "contextGroups": [
            {
                "objectType": "contextGroup",
                "group": {"objectType": "Group", "mbox": "mailto:team@example.com"},
            }
        ],
    }
    agent_object = format_statement({"actor": ANN, "verb": VERB, "object": ANN}, "ids", [])
    assert agent_object["object"] == {"objectType": "Agent", "mbox": "mailto:ann@example.com"}
    ref = {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}
    assert format_statement({"actor": ANN, "verb": VERB, "object": ref}, "ids", [])["object"] == ref


# --- canonical -----------------------------------------------------------------------


def test_canonical_with_accept_language() -> None:
    s = statement()
    before = copy.deepcopy(s)
    languages = parse_accept_language("fr;q=0.5, en-US")
    out = format_statement(s, "canonical", languages)
    assert out["verb"] == {"id": VERB["id"], "display": {"en-US": "answered (US)"}}
    assert out["object"] == {
        "objectType": "Activity",
        "id": "http://example.com/q1",
        "definition": {
            "name": {"en-US": "Question 1"},
            "description": {"fr": "Choisissez"},  # no en-US, en or other en-*: next is fr
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "moreInfo": "http://example.com/q1/info",
            "interactionType": "choice",
            "correctResponsesPattern": ["a"],
            "choices": [{"id": "a", "description": {"en-US": "A (US)"}}, {"id": "b"}],
            # extensions are not language maps the LRS knows about
            "extensions": {"http://example.com/ext": {"en-US": "kept as is", "fr": "tel quel"}},
        },
    }
    # neither en-US nor fr: the map's first entry
    assert out["context"]["contextActivities"]["parent"] == [
        {"id": "http://example.com/quiz", "definition": {"name": {"de": "Quiz"}}}
    ]
    assert out["attachments"][0]["display"] == {"en-US": "Certificate"}
    # agents and groups as in exact
    assert out["actor"] == IDENTIFIED
    assert out["context"]["team"] == ANONYMOUS
    assert out["authority"] == s["authority"]
    assert s == before


@pytest.mark.parametrize(
    ("languages", "keys", "expected"),
    [
        (["en-GB"], ["en-US", "en-GB"], "en-GB"),
        (["EN-gb"], ["en-US", "en-GB"], "en-GB"),  # tags are case-insensitive
        (["en"], ["fr", "en-US", "en-GB"], "en-US"),  # range "en" matches "en-US"
        (["en-US", "fr"], ["fr", "en"], "en"),  # "en-US" falls back to "en" before "fr"
        (["en-US", "fr"], ["en-GB", "fr"], "fr"),  # a sibling region loses to fr
        (["en-US", "de"], ["en-GB", "fr"], "en-GB"),  # ... but beats the first entry
        (["zh-Hant-TW"], ["zh", "zh-Hant"], "zh-Hant"),
        (["*"], ["ja", "ko"], "ja"),
        (["it", "*"], ["ja", "it"], "it"),
        ([], ["ja", "ko"], "ja"),
        (["de"], ["ja", "ko"], "ja"),
    ],
)
def test_canonical_language_choice(languages: list[str], keys: list[str], expected: str) -> None:
    verb = {"id": "http://example.com/v", "display": {key: key.upper() for key in keys}}
    s = {"actor": ANN, "verb": verb, "object": {"id": "http://example.com/a"}}
    out = format_statement(s, "canonical", languages)
    assert out["verb"]["display"] == {expected: expected.upper()}


def test_canonical_substatement_and_single_context_activity() -> None:
    s = {
        "actor": ANN,
        "verb": VERB,
        "object": {
            "objectType": "SubStatement",
            "actor": ANN,
            "verb": VERB,
            "object": ACTIVITY,
            "context": {"contextActivities": {"category": PARENT}},
        },
    }
    out = format_statement(s, "canonical", ["fr"])
    sub = out["object"]
    assert sub["verb"]["display"] == {"fr": "a répondu"}
    assert sub["object"]["definition"]["name"] == {"fr": "Question un"}
    assert sub["context"]["contextActivities"]["category"] == [
        {"id": "http://example.com/quiz", "definition": {"name": {"de": "Quiz"}}}
    ]


def test_canonical_leaves_missing_and_empty_maps() -> None:
    s = {
        "actor": ANN,
        "verb": {"id": "http://example.com/v"},
        "object": {"id": "http://example.com/a", "definition": {"name": {}}},
    }
    assert format_statement(s, "canonical", ["en"]) == s


def test_unknown_format() -> None:
    with pytest.raises(BadRequest) as raised:
        format_statement(statement(), "full", [])
    assert raised.value.path == "format"


LANGUAGE_TAG = st.from_regex(r"[a-z]{2}(-[A-Z]{2})?", fullmatch=True)


@given(
    st.dictionaries(LANGUAGE_TAG, st.text(max_size=5), min_size=1, max_size=6),
    st.lists(st.one_of(LANGUAGE_TAG, st.just("*")), max_size=4),
)
def test_canonical_keeps_exactly_one_entry_of_the_map(
    display: dict[str, str], languages: list[str]
) -> None:
    s = {"actor": ANN, "verb": {"id": "http://example.com/v", "display": display}}
    chosen = format_statement(s, "canonical", languages)["verb"]["display"]
    assert len(chosen) == 1
    [(key, value)] = chosen.items()
    assert display[key] == value
    if languages and languages[0] in display:  # the most preferred range, when present
        assert key == languages[0]
