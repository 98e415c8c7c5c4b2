"""The Activities and Agents resources over real HTTP."""

from __future__ import annotations

import json
import uuid

import httpx

from tests.conftest import Server, activity_iri, statement


def test_activity_definition_is_merged_from_statements(client: httpx.Client) -> None:
    activity = activity_iri()
    first = statement(activity)
    first["object"]["definition"] = {
        "name": {"en-US": "Sepsis protocol", "fr": "Protocole sepsis"},
        "type": "http://adlnet.gov/expapi/activities/course",
    }
    later = statement(activity)
    later["object"]["definition"] = {
        "name": {"en-US": "Sepsis protocol (2026)"},
        "description": {"en-US": "Annual refresher"},
    }
    assert client.post("/statements", json=[first, later]).status_code == 200
    response = client.get("/activities", params={"activityId": activity})
    assert response.status_code == 200
    assert response.json() == {
        "objectType": "Activity",
        "id": activity,
        "definition": {
            "name": {"en-US": "Sepsis protocol (2026)", "fr": "Protocole sepsis"},
            "type": "http://adlnet.gov/expapi/activities/course",
            "description": {"en-US": "Annual refresher"},
        },
    }
    french = client.get(
        "/activities", params={"activityId": activity}, headers={"Accept-Language": "fr"}
    )
    assert french.json()["definition"]["name"] == {"fr": "Protocole sepsis"}


def test_context_activities_are_learned_too(client: httpx.Client) -> None:
    course = activity_iri()
    body = statement(
        context={
            "contextActivities": {
                "parent": [{"id": course, "definition": {"name": {"en-US": "ICU onboarding"}}}]
            }
        }
    )
    client.post("/statements", json=body)
    definition = client.get("/activities", params={"activityId": course}).json()["definition"]
    assert definition == {"name": {"en-US": "ICU onboarding"}}


def test_unknown_activity_still_answers_an_activity(client: httpx.Client) -> None:
    activity = activity_iri()
    response = client.get("/activities", params={"activityId": activity})
    assert response.json() == {"objectType": "Activity", "id": activity}
    assert client.get("/activities").status_code == 400
    assert client.get("/activities", params={"activityId": "no iri"}).status_code == 400


def test_person_combines_the_names_an_agent_was_seen_with(client: httpx.Client) -> None:
    mbox = f"mailto:{uuid.uuid4()}@example.org"
    for name in ("Dr. Ada Byron", "Ada Lovelace"):
        body = statement(mbox=mbox)
        body["actor"]["name"] = name
        client.post("/statements", json=body)
    response = client.get("/agents", params={"agent": json.dumps({"mbox": mbox})})
    assert response.status_code == 200
    assert response.json() == {
        "objectType": "Person",
        "name": ["Ada Lovelace", "Dr. Ada Byron"],
        "mbox": [mbox],
    }


def test_person_for_an_unknown_agent_and_bad_agents(server: Server, client: httpx.Client) -> None:
    account = {"homePage": "https://lms.example.org", "name": "u-17"}
    response = client.get("/agents", params={"agent": json.dumps({"account": account})})
    assert response.json() == {"objectType": "Person", "account": [account]}
    group = {"objectType": "Group", "mbox": "mailto:team@example.org"}
    assert client.get("/agents", params={"agent": json.dumps(group)}).status_code == 400
    assert client.get("/agents", params={"agent": "{}"}).status_code == 400
    with server.client("other") as other:
        mbox = "mailto:nurse@example.org"
        assert (
            "name" not in other.get("/agents", params={"agent": json.dumps({"mbox": mbox})}).json()
        )
