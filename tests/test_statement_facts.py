"""lrs.xapi.facts: the flattened fields of a statement, as the analytics sync reads them."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.xapi.facts import _micros, duration_seconds, placed, statement_facts
from lrs.xapi.timestamps import TIMESTAMP_PATTERN, micros, parse_timestamp

VERB = "http://adlnet.gov/expapi/verbs/"
SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
ID = "AB7E2E43-1D4C-4E8E-9C4B-6F0E4B1F2A3C"


def facts(statement: dict[str, Any]) -> dict[str, Any]:
    return dict(orjson.loads(statement_facts(statement)))


def minimal(**extra: Any) -> dict[str, Any]:
    s: dict[str, Any] = {
        "id": ID,
        "actor": {"mbox": "mailto:Ann@Example.ORG"},
        "verb": {"id": VERB + "experienced"},
        "object": {"id": "https://x.example/a"},
    }
    s.update(extra)
    return s


def test_every_field_of_a_full_statement() -> None:
    s = minimal(
        actor={"objectType": "Agent", "name": "Ann", "mbox": "mailto:Ann@Example.ORG"},
        verb={"id": VERB + "passed"},
        object={
            "objectType": "Activity",
            "id": "https://x.example/au/1",
            "definition": {"type": "http://adlnet.gov/expapi/activities/module"},
        },
        timestamp="2024-01-02T10:00:00.250Z",
        result={
            "success": True,
            "completion": False,
            "score": {"scaled": 0.9, "raw": 9, "min": 0, "max": 10},
            "duration": "PT1H2M3.5S",
            "response": "yes",
            "extensions": {"https://x.example/e": [1, 2]},
        },
        context={
            "registration": ID,
            "contextActivities": {
                "parent": [{"id": "https://x.example/course"}],
                "grouping": [{"id": "https://x.example/program"}],
                "category": [
                    {"id": "https://x.example/cat"},
                    {
                        "id": "https://x.example/goal",
                        "definition": {"type": "https://x.example/types/objective"},
                    },
                ],
                "other": [
                    {
                        "id": "https://x.example/skills/triage",
                        "definition": {"type": "https://x.example/types/competency"},
                    }
                ],
            },
            "extensions": {SESSION: "s-1", "https://x.example/n": 2},
        },
    )
    assert facts(s) == {
        "i": ID.lower(),
        "t": 1704189600250000,
        "k": "mbox:mailto:Ann@example.org",
        "an": "Ann",
        "at": "Agent",
        "vb": VERB + "passed",
        "oi": "https://x.example/au/1",
        "ot": "Activity",
        "od": "http://adlnet.gov/expapi/activities/module",
        "rg": ID.lower(),
        "ss": "s-1",
        "su": True,
        "co": False,
        "sc": 0.9,
        "sr": 9.0,
        "du": 3723.5,
        "re": "yes",
        "pa": ["https://x.example/course"],
        "gr": ["https://x.example/program"],
        "ca": ["https://x.example/cat", "https://x.example/goal"],
        "oa": ["https://x.example/skills/triage"],
        "cp": ["https://x.example/goal", "https://x.example/skills/triage"],
        "cx": {SESSION: "s-1", "https://x.example/n": 2},
        "rx": {"https://x.example/e": [1, 2]},
    }


def test_absent_fields_are_left_out() -> None:
    # No timestamp: the store sets it to `stored`, which the sync reads from `placed`.
    assert facts(minimal()) == {
        "i": ID.lower(),
        "k": "mbox:mailto:Ann@example.org",
        "vb": VERB + "experienced",
        "oi": "https://x.example/a",
    }


@pytest.mark.parametrize(
    ("actor", "key", "kind"),
    [
        (
            {"objectType": "Group", "mbox": "mailto:Team@X.example", "member": []},
            "mbox:mailto:Team@x.example",
            "Group",
        ),
        (
            {"objectType": "Group", "member": [{"mbox": "mailto:a@x.example"}]},
            None,  # an Anonymous Group has no key
            "Group",
        ),
        (
            {"mbox_sha1sum": "EBD31E95054C018B10727CCFFD2EF2EC3A016EE9"},
            "mbox_sha1sum:ebd31e95054c018b10727ccffd2ef2ec3a016ee9",
            None,
        ),
        ({"openid": "http://openid.example.org/ann"}, "openid:http://openid.example.org/ann", None),
        (
            {"account": {"homePage": "http://x.example", "name": "7"}},
            'account:["http://x.example","7"]',
            None,
        ),
        ({"mbox": "mailto:Ann"}, "mbox:mailto:Ann", None),
        ({"mbox": "Ann@X.example"}, "mbox:Ann@X.example", None),
    ],
)
def test_actors(actor: dict[str, Any], key: str | None, kind: str | None) -> None:
    got = facts(minimal(actor=actor))
    assert (got.get("k"), got.get("at")) == (key, kind)


def test_single_activity_context_activities() -> None:
    got = facts(
        minimal(
            context={
                "contextActivities": {
                    "parent": {"id": "https://x.example/p"},
                    "other": {
                        "id": "https://x.example/o",
                        "definition": {"type": "https://x.example/competency"},
                    },
                }
            }
        )
    )
    assert (got["pa"], got["oa"], got["cp"]) == (
        ["https://x.example/p"],
        ["https://x.example/o"],
        ["https://x.example/o"],
    )
    assert "gr" not in got and "ca" not in got


def test_voiding_and_other_objects() -> None:
    voiding = minimal(verb={"id": VERB + "voided"}, object={"objectType": "StatementRef", "id": ID})
    got = facts(voiding)
    assert (got["v"], got["ot"], got["oi"]) == (ID.lower(), "StatementRef", ID)
    ref = facts(minimal(object={"objectType": "StatementRef", "id": ID}))
    assert "v" not in ref
    agent = facts(minimal(object={"objectType": "Agent", "mbox": "mailto:b@x.example"}))
    assert ("oi" in agent, agent["ot"]) == (False, "Agent")


@pytest.mark.parametrize(
    ("score", "scaled", "raw"),
    [
        ({"scaled": -1, "raw": 0}, -1.0, 0.0),
        ({"scaled": "0.5", "raw": True}, None, None),
        ({"raw": None}, None, None),
        ({"raw": 12345678901}, None, 12345678901.0),
    ],
)
def test_scores_are_numbers_or_nothing(
    score: dict[str, Any], scaled: float | None, raw: float | None
) -> None:
    got = facts(minimal(result={"score": score, "success": "yes"}))
    assert (got.get("sc"), got.get("sr"), got.get("su")) == (scaled, raw, None)


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("2024-01-02T10:00:00+02:00", "2024-01-02T08:00:00Z"),
        ("2024-01-02T10:00:00.1234567-05:30", "2024-01-02T15:30:00.123456Z"),
        ("2024-01-02t10:00:00,5Z", "2024-01-02T10:00:00.5Z"),
        ("2024-01-02T10:00Z", "2024-01-02T10:00:00Z"),
        ("2024-01-02T10:00:00+0100", "2024-01-02T09:00:00Z"),
    ],
)
def test_timestamps_in_utc_microseconds(timestamp: str, expected: str) -> None:
    assert facts(minimal(timestamp=timestamp))["t"] == micros(parse_timestamp(expected))


@given(st.from_regex(TIMESTAMP_PATTERN, fullmatch=True))
def test_timestamps_read_as_the_lrs_reads_them(timestamp: str) -> None:
    assert _micros(timestamp) == micros(parse_timestamp(timestamp))


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [
        ("PT1H2M3.5S", 3723.5),
        ("P1Y", 31536000.0),
        ("P1M", 2592000.0),
        ("PT1M", 60.0),
        ("P2W", 1209600.0),
        ("P1DT12H", 129600.0),
        ("PT0,5S", 0.5),
        ("P1DT", 86400.0),
        ("PT0S", 0.0),
        ("P", None),
        ("PT", None),
        ("PT1.S", None),
        ("1H", None),
        ("PT1H ", None),
        ("PT1H\n", None),
        ("PT\u0661S", None),  # an Arabic-Indic digit is not a digit here
        (60, None),
    ],
)
def test_durations(duration: Any, seconds: float | None) -> None:
    assert duration_seconds(duration) == seconds
    assert facts(minimal(result={"duration": duration})).get("du") == seconds


def test_values_of_other_types_are_copied_as_they_are() -> None:
    # The sync reads them as their JSON text, as the analytics always did.
    got = facts(minimal(result={"response": 42}, context={"extensions": {SESSION: 7}}))
    assert (got["re"], got["ss"]) == (42, 7)


def test_placed_adds_the_store_s_fields() -> None:
    assert orjson.loads(placed(statement_facts(minimal()), 7, "t\u00e9", 99)) == {
        "q": 7,
        "n": "t\u00e9",
        "s": 99,
        **facts(minimal()),
    }
    assert orjson.loads(placed(b"{}", 1, "x", 2)) == {"q": 1, "n": "x", "s": 2}
