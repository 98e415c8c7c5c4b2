from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from lrs.xapi.agents import agent_key, agent_keys, index_terms

ANN = {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"}
BOB = {"mbox_sha1sum": "EBD31E95054C018B10727CCFFD2EF2EC3A016EE9"}
CAT = {"openid": "http://openid.example.org/cat"}
DAN = {"account": {"homePage": "http://lms.example.com", "name": "dan"}}
EVE = {"mbox": "mailto:eve@example.com"}
TEAM = {
    "objectType": "Group",
    "name": "Team",
    "account": {"homePage": "http://lms.example.com", "name": "team-1"},
    "member": [ANN, BOB],
}

ANN_KEY = "mbox:mailto:ann@example.com"
BOB_KEY = "mbox_sha1sum:ebd31e95054c018b10727ccffd2ef2ec3a016ee9"
CAT_KEY = "openid:http://openid.example.org/cat"
DAN_KEY = 'account:["http://lms.example.com","dan"]'
EVE_KEY = "mbox:mailto:eve@example.com"
TEAM_KEY = 'account:["http://lms.example.com","team-1"]'


# --- agent_key -----------------------------------------------------------------------


def test_agent_key_per_ifi() -> None:
    assert agent_key(ANN) == ANN_KEY
    assert agent_key(BOB) == BOB_KEY
    assert agent_key(CAT) == CAT_KEY
    assert agent_key(DAN) == DAN_KEY
    assert agent_key(TEAM) == TEAM_KEY


def test_agent_key_ignores_name_and_object_type() -> None:
    assert agent_key({"mbox": "mailto:ann@example.com"}) == ANN_KEY
    assert agent_key({"objectType": "Group", "mbox": "mailto:ann@example.com"}) == ANN_KEY


def test_agent_key_mbox_domain_and_scheme_are_case_insensitive() -> None:
    assert agent_key({"mbox": "MAILTO:ann@EXAMPLE.com"}) == ANN_KEY
    # the local part is case-sensitive
    assert agent_key({"mbox": "mailto:Ann@example.com"}) == "mbox:mailto:Ann@example.com"


def test_agent_key_anonymous_group_is_none() -> None:
    assert agent_key({"objectType": "Group", "member": [ANN, BOB]}) is None


def test_agent_key_account_encoding_does_not_collide() -> None:
    one = agent_key({"account": {"homePage": "http://a", "name": 'b","c'}})
    two = agent_key({"account": {"homePage": 'http://a","b', "name": "c"}})
    assert one != two
    assert agent_key({"account": {"homePage": "http://a:b", "name": "c"}}) != agent_key(
        {"account": {"homePage": "http://a", "name": "b:c"}}
    )


@given(st.text(), st.text(), st.text(), st.text())
def test_agent_key_account_is_injective(h1: str, n1: str, h2: str, n2: str) -> None:
    k1 = agent_key({"account": {"homePage": h1, "name": n1}})
    k2 = agent_key({"account": {"homePage": h2, "name": n2}})
    assert (k1 == k2) == ((h1, n1) == (h2, n2))


def test_agent_keys_of_group_include_members() -> None:
    assert agent_keys(TEAM) == [TEAM_KEY, ANN_KEY, BOB_KEY]
    assert agent_keys({"objectType": "Group", "member": [CAT]}) == [CAT_KEY]
    assert agent_keys(ANN) == [ANN_KEY]


# --- index_terms ---------------------------------------------------------------------

VERB = {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}}
REGISTRATION = "EC531277-B57B-4C15-8D91-D292C5B2B8F7"


def test_index_terms_simple_statement() -> None:
    statement = {
        "actor": ANN,
        "verb": VERB,
        "object": {"id": "http://example.com/a1"},
        "authority": DAN,
    }
    assert index_terms(statement) == {
        ("agent", ANN_KEY),
        ("related_agent", ANN_KEY),
        ("verb", VERB["id"]),
        ("activity", "http://example.com/a1"),
        ("related_activity", "http://example.com/a1"),
        ("authority", DAN_KEY),
        ("related_agent", DAN_KEY),
    }


def test_index_terms_group_actor_agent_object_and_context() -> None:
    statement = {
        "actor": TEAM,
        "verb": VERB,
        "object": {"objectType": "Agent", **CAT},
        "context": {
            "registration": REGISTRATION,
            "instructor": EVE,
            "team": {"objectType": "Group", "member": [DAN]},
            "contextActivities": {
                "parent": {"id": "http://example.com/parent"},  # single Activity form
                "grouping": [{"id": "http://example.com/g1"}, {"id": "http://example.com/g2"}],
                "category": [{"id": "http://example.com/cat", "objectType": "Activity"}],
                "other": [],
            },
            "statement": {
                "objectType": "StatementRef",
                "id": "9e13cefd-53d3-4eac-b5ed-2cf6693903bb",
            },
        },
        "authority": {"objectType": "Group", "member": [DAN, EVE]},
    }
    assert index_terms(statement) == {
        ("agent", TEAM_KEY),
        ("agent", ANN_KEY),
        ("agent", BOB_KEY),
        ("agent", CAT_KEY),
        ("related_agent", TEAM_KEY),
        ("related_agent", ANN_KEY),
        ("related_agent", BOB_KEY),
        ("related_agent", CAT_KEY),
        ("related_agent", EVE_KEY),
        ("related_agent", DAN_KEY),
        ("verb", VERB["id"]),
        ("registration", REGISTRATION.lower()),
        ("related_activity", "http://example.com/parent"),
        ("related_activity", "http://example.com/g1"),
        ("related_activity", "http://example.com/g2"),
        ("related_activity", "http://example.com/cat"),
        ("authority", DAN_KEY),
        ("authority", EVE_KEY),
    }


def test_index_terms_substatement() -> None:
    statement = {
        "actor": ANN,
        "verb": VERB,
        "object": {
            "objectType": "SubStatement",
            "actor": BOB,
            "verb": {"id": "http://example.com/verbs/planned"},
            "object": {"objectType": "Activity", "id": "http://example.com/sub-activity"},
            "context": {
                "registration": "2c0b6b05-2bb1-4c8e-9a64-2f3b9f21f0a1",
                "instructor": CAT,
                "contextActivities": {"parent": [{"id": "http://example.com/sub-parent"}]},
            },
        },
    }
    terms = index_terms(statement)
    assert terms == {
        ("agent", ANN_KEY),
        ("related_agent", ANN_KEY),
        ("verb", VERB["id"]),
        ("related_agent", BOB_KEY),
        ("related_agent", CAT_KEY),
        ("related_activity", "http://example.com/sub-activity"),
        ("related_activity", "http://example.com/sub-parent"),
    }
    # the SubStatement's agents and activities are only "related"; its verb and
    # registration are not indexed at all
    assert ("agent", BOB_KEY) not in terms
    assert ("activity", "http://example.com/sub-activity") not in terms


def test_index_terms_substatement_with_agent_object() -> None:
    statement = {
        "actor": ANN,
        "verb": VERB,
        "object": {
            "objectType": "SubStatement",
            "actor": BOB,
            "verb": VERB,
            "object": {"objectType": "Group", "member": [DAN]},
        },
    }
    assert ("related_agent", DAN_KEY) in index_terms(statement)
    assert ("agent", DAN_KEY) not in index_terms(statement)


def test_index_terms_statement_ref_object() -> None:
    statement = {
        "actor": ANN,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
        "object": {"objectType": "StatementRef", "id": "9e13cefd-53d3-4eac-b5ed-2cf6693903bb"},
    }
    assert index_terms(statement) == {
        ("agent", ANN_KEY),
        ("related_agent", ANN_KEY),
        ("verb", "http://adlnet.gov/expapi/verbs/voided"),
    }


def test_index_terms_xapi_2_context_agents_and_groups() -> None:
    statement = {
        "actor": ANN,
        "verb": VERB,
        "object": {"id": "http://example.com/a1"},
        "context": {
            "contextAgents": [
                {"objectType": "contextAgent", "agent": EVE, "relevantTypes": ["http://x/t"]}
            ],
            "contextGroups": [{"objectType": "contextGroup", "group": TEAM}],
        },
    }
    terms = index_terms(statement)
    for key in (EVE_KEY, TEAM_KEY, ANN_KEY, BOB_KEY):
        assert ("related_agent", key) in terms
    assert ("agent", EVE_KEY) not in terms
    assert ("agent", TEAM_KEY) not in terms


def test_index_terms_does_not_mutate() -> None:
    statement: dict[str, Any] = {
        "actor": TEAM,
        "verb": VERB,
        "object": {"id": "http://example.com/a1"},
        "context": {"registration": REGISTRATION},
    }
    before = copy.deepcopy(statement)
    index_terms(statement)
    assert statement == before
