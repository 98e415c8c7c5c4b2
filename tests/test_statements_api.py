"""The Statements resource over real HTTP against `lrs serve`."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Server, activity_iri, statement

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def post(client: httpx.Client, body: Any) -> list[str]:
    response = client.post("/statements", json=body)
    assert response.status_code == 200, response.text
    ids: list[str] = response.json()
    return ids


def query(client: httpx.Client, **params: str) -> list[dict[str, Any]]:
    response = client.get("/statements", params=params)
    assert response.status_code == 200, response.text
    statements: list[dict[str, Any]] = response.json()["statements"]
    return statements


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["status"] == status
    return error


# -- writing ----------------------------------------------------------------------------------


def test_post_one_statement_returns_its_id_and_sets_lrs_properties(
    server: Server, client: httpx.Client
) -> None:
    (statement_id,) = post(client, statement())
    response = client.get("/statements", params={"statementId": statement_id})
    assert response.status_code == 200
    stored = response.json()
    assert stored["id"] == statement_id
    assert stored["version"] == "2.0.0"
    assert stored["timestamp"] == stored["stored"]
    assert stored["authority"]["account"]["name"] == server.credentials["admin"][0]
    assert stored["authority"]["name"] == "admin"
    assert response.headers["Last-Modified"].endswith("GMT")
    assert "X-Experience-API-Consistent-Through" in response.headers
    assert response.headers["X-Experience-API-Version"] == "2.0.0"


def test_statement_sent_in_1_0_3_gets_version_1_0_0(server: Server) -> None:
    with server.client(version="1.0.3") as client:
        (statement_id,) = post(client, statement())
        stored = client.get("/statements", params={"statementId": statement_id})
    assert stored.json()["version"] == "1.0.0"
    assert stored.headers["X-Experience-API-Version"] == "1.0.3"


def test_2_0_converts_a_timestamp_to_utc(client: httpx.Client) -> None:
    (statement_id,) = post(client, statement(timestamp="2026-03-01T10:00:00.000+02:00"))
    stored = client.get("/statements", params={"statementId": statement_id}).json()
    assert stored["timestamp"].startswith("2026-03-01T08:00:00")
    assert stored["timestamp"].endswith("Z")


def test_batch_returns_ids_in_order_and_stored_strictly_increases(client: httpx.Client) -> None:
    given = [str(uuid.uuid4()) for _ in range(5)]
    ids = post(client, [statement(id=i) for i in given])
    assert ids == given
    stored = [client.get("/statements", params={"statementId": i}).json()["stored"] for i in ids]
    assert stored == sorted(stored) and len(set(stored)) == 5


def test_put_stores_under_statement_id(client: httpx.Client) -> None:
    statement_id = str(uuid.uuid4())
    response = client.put("/statements", params={"statementId": statement_id}, json=statement())
    assert response.status_code == 204
    assert client.get("/statements", params={"statementId": statement_id}).json()["id"] == (
        statement_id
    )


def test_put_needs_statement_id_and_a_matching_one(client: httpx.Client) -> None:
    error = error_of(client.put("/statements", json=statement()), 400)
    assert error["path"] == "statementId"
    mismatch = statement(id=str(uuid.uuid4()))
    response = client.put("/statements", params={"statementId": str(uuid.uuid4())}, json=mismatch)
    assert error_of(response, 400)["path"] == "$.id"


def test_resending_the_same_statement_succeeds_and_stores_nothing_new(client: httpx.Client) -> None:
    body = statement(id=str(uuid.uuid4()))
    post(client, body)
    first = client.get("/statements", params={"statementId": body["id"]}).json()
    post(client, body)
    again = client.get("/statements", params={"statementId": body["id"]}).json()
    assert again == first
    put = client.put("/statements", params={"statementId": body["id"]}, json=body)
    assert put.status_code == 204


def test_different_content_under_an_existing_id_is_a_conflict(client: httpx.Client) -> None:
    body = statement(id=str(uuid.uuid4()))
    post(client, body)
    changed = {**body, "result": {"success": True}}
    error_of(client.post("/statements", json=changed), 409)
    kept = client.get("/statements", params={"statementId": body["id"]}).json()
    assert "result" not in kept


def test_a_rejected_batch_stores_nothing(client: httpx.Client) -> None:
    good = statement(id=str(uuid.uuid4()))
    bad = statement()
    bad["actor"] = {"mbox": "not-an-email"}
    error = error_of(client.post("/statements", json=[good, bad]), 400)
    assert error["path"].startswith("$[1].actor")
    error_of(client.get("/statements", params={"statementId": good["id"]}), 404)


def test_a_batch_conflicting_with_a_stored_statement_stores_nothing(client: httpx.Client) -> None:
    stored = statement(id=str(uuid.uuid4()))
    post(client, stored)
    fresh = statement(id=str(uuid.uuid4()))
    conflicting = {**stored, "result": {"completion": True}}
    error_of(client.post("/statements", json=[fresh, conflicting]), 409)
    error_of(client.get("/statements", params={"statementId": fresh["id"]}), 404)


def test_duplicate_ids_in_one_batch_are_refused(client: httpx.Client) -> None:
    same = str(uuid.uuid4())
    error = error_of(client.post("/statements", json=[statement(id=same), statement(id=same)]), 400)
    assert error["path"] == "$[1].id"
    error_of(client.get("/statements", params={"statementId": same}), 404)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"actor": {"objectType": "Agent"}}, "$.actor"),
        ({"verb": {"display": {"en-US": "did"}}}, "$.verb"),
        ({"timestamp": "2026-13-01T00:00:00Z"}, "$.timestamp"),
        ({"result": {"score": {"scaled": 2}}}, "$.result.score.scaled"),
        ({"context": {"registration": "not-a-uuid"}}, "$.context.registration"),
        ({"unknownProperty": 1}, "$"),
    ],
)
def test_invalid_statements_are_400_with_the_json_path(
    client: httpx.Client, change: dict[str, Any], path: str
) -> None:
    error = error_of(client.post("/statements", json={**statement(), **change}), 400)
    assert error["path"].startswith(path)
    assert error["message"]


def test_context_agents_are_2_0_only(server: Server) -> None:
    body = statement(
        context={
            "contextAgents": [
                {"objectType": "contextAgent", "agent": {"mbox": "mailto:coach@example.org"}}
            ]
        }
    )
    with server.client(version="2.0.0") as client:
        post(client, body)
    with server.client(version="1.0.3") as client:
        error_of(client.post("/statements", json=body), 400)


# -- voiding ----------------------------------------------------------------------------------


def void(client: httpx.Client, target: str) -> str:
    (voiding,) = post(
        client,
        statement(
            verb={"id": VOIDED, "display": {"en-US": "voided"}},
            object={"objectType": "StatementRef", "id": target},
        ),
    )
    return voiding


def test_voided_statement_leaves_queries_but_stays_retrievable(client: httpx.Client) -> None:
    activity = activity_iri()
    (target,) = post(client, statement(activity))
    voiding = void(client, target)
    error_of(client.get("/statements", params={"statementId": target}), 404)
    voided = client.get("/statements", params={"voidedStatementId": target})
    assert voided.status_code == 200 and voided.json()["id"] == target
    error_of(client.get("/statements", params={"voidedStatementId": voiding}), 404)
    found = [s["id"] for s in query(client, activity=activity)]
    assert target not in found
    assert voiding in found  # a StatementRef matches the filters of its target


def test_a_voiding_statement_cannot_itself_be_voided(client: httpx.Client) -> None:
    (target,) = post(client, statement())
    voiding = void(client, target)
    void(client, voiding)
    assert client.get("/statements", params={"statementId": voiding}).status_code == 200


def test_voiding_an_unknown_statement_is_accepted_and_applies_when_it_arrives(
    client: httpx.Client,
) -> None:
    target = str(uuid.uuid4())
    void(client, target)
    post(client, statement(id=target))
    error_of(client.get("/statements", params={"statementId": target}), 404)
    assert client.get("/statements", params={"voidedStatementId": target}).status_code == 200


# -- querying ---------------------------------------------------------------------------------


def test_filters_agent_verb_activity_registration(client: httpx.Client) -> None:
    activity = activity_iri()
    registration = str(uuid.uuid4())
    learner = f"mailto:{uuid.uuid4()}@example.org"
    ids = post(
        client,
        [
            statement(activity, mbox=learner, context={"registration": registration}),
            statement(activity),
            statement(
                activity,
                mbox=learner,
                verb={"id": "http://adlnet.gov/expapi/verbs/attempted"},
            ),
        ],
    )
    agent = json.dumps({"mbox": learner})
    assert [s["id"] for s in query(client, agent=agent)] == [ids[2], ids[0]]
    assert [s["id"] for s in query(client, activity=activity, verb=VERB_COMPLETED)] == [
        ids[1],
        ids[0],
    ]
    assert [s["id"] for s in query(client, registration=registration)] == [ids[0]]
    assert [s["id"] for s in query(client, agent=agent, activity=activity, ascending="true")] == [
        ids[0],
        ids[2],
    ]


VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def test_related_activities_and_related_agents(client: httpx.Client) -> None:
    course = activity_iri()
    instructor = f"mailto:{uuid.uuid4()}@example.org"
    (inner,) = post(
        client,
        statement(
            context={
                "contextActivities": {"parent": [{"id": course}]},
                "instructor": {"mbox": instructor},
            }
        ),
    )
    assert query(client, activity=course) == []
    assert [s["id"] for s in query(client, activity=course, related_activities="true")] == [inner]
    agent = json.dumps({"mbox": instructor})
    assert query(client, agent=agent) == []
    assert [s["id"] for s in query(client, agent=agent, related_agents="true")] == [inner]


def test_since_and_until_are_on_stored(client: httpx.Client) -> None:
    activity = activity_iri()
    ids = post(client, [statement(activity, timestamp="2001-01-01T00:00:00Z") for _ in range(3)])
    stored = [client.get("/statements", params={"statementId": i}).json()["stored"] for i in ids]
    assert [s["id"] for s in query(client, activity=activity, since=stored[0])] == [ids[2], ids[1]]
    assert [s["id"] for s in query(client, activity=activity, until=stored[1])] == [ids[1], ids[0]]


def test_paging_with_more_is_complete_and_stable_while_statements_arrive(
    client: httpx.Client,
) -> None:
    for ascending in ("false", "true"):
        activity = activity_iri()
        ids = post(client, [statement(activity) for _ in range(7)])
        response = client.get(
            "/statements", params={"activity": activity, "limit": "3", "ascending": ascending}
        )
        seen: list[str] = []
        while True:
            page = response.json()
            seen += [s["id"] for s in page["statements"]]
            if not page["more"]:
                break
            post(client, statement(activity))  # arrivals must not shift the pages
            response = client.get(page["more"].removeprefix("/xapi"))
            assert response.status_code == 200
        assert seen == (ids if ascending == "true" else ids[::-1])


def test_a_forged_more_token_is_400(client: httpx.Client) -> None:
    error_of(client.get("/statements", params={"more": "not-a-token"}), 400)


def test_formats_ids_and_canonical(client: httpx.Client) -> None:
    activity = activity_iri()
    post(client, statement(activity))
    (ids_form,) = query(client, activity=activity, format="ids")
    assert ids_form["object"]["id"] == activity
    assert "definition" not in ids_form["object"]
    assert "name" not in ids_form["actor"]
    response = client.get(
        "/statements",
        params={"activity": activity, "format": "canonical"},
        headers={"Accept-Language": "fr"},
    )
    (canonical,) = response.json()["statements"]
    assert canonical["object"]["definition"]["name"] == {"fr": "Protocole sepsis"}
    error_of(client.get("/statements", params={"format": "full"}), 400)


def test_statement_ref_matches_the_filters_of_its_target(client: httpx.Client) -> None:
    activity = activity_iri()
    (target,) = post(client, statement(activity))
    (ref,) = post(
        client,
        statement(
            verb={"id": "http://example.org/verbs/confirmed"},
            object={"objectType": "StatementRef", "id": target},
        ),
    )
    assert [s["id"] for s in query(client, activity=activity)] == [ref, target]


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"unknown": "1"}, "unknown"),
        ({"Verb": VERB_COMPLETED}, "Verb"),
        ({"statementId": str(uuid.uuid4()), "verb": VERB_COMPLETED}, "verb"),
        ({"statementId": str(uuid.uuid4()), "voidedStatementId": str(uuid.uuid4())}, None),
        ({"statementId": "nope"}, "statementId"),
        ({"limit": "-1"}, "limit"),
        ({"ascending": "yes"}, "ascending"),
        ({"since": "yesterday"}, "since"),
        ({"agent": "{not json"}, "agent"),
        ({"agent": '{"mbox": {"$ne": null}}'}, "agent"),
        ({"agent": '{"$where": "1"}'}, "agent"),
        ({"verb": "not an iri"}, "verb"),
        ({"registration": "x"}, "registration"),
    ],
)
def test_bad_query_parameters_are_400(
    client: httpx.Client, params: dict[str, str], path: str | None
) -> None:
    error = error_of(client.get("/statements", params=params), 400)
    if path is not None:
        assert error["path"].startswith(path)


def test_head_answers_like_get_without_a_body(client: httpx.Client) -> None:
    (statement_id,) = post(client, statement())
    response = client.head("/statements", params={"statementId": statement_id})
    assert response.status_code == 200
    assert response.content == b""
    assert "Last-Modified" in response.headers
    assert client.head("/statements").status_code == 200


# -- headers, versions, auth ------------------------------------------------------------------


def test_about_needs_neither_credentials_nor_version(server: Server) -> None:
    response = httpx.get(f"{server.url}/about")
    assert response.status_code == 200
    assert response.json() == {"version": ["1.0.3", "2.0.0"]}
    assert response.headers["X-Experience-API-Version"] == "2.0.0"


@pytest.mark.parametrize(
    ("header", "status", "answer"),
    [
        (None, 400, "2.0.0"),
        ("0.95", 400, "2.0.0"),
        ("1.1.0", 400, "2.0.0"),
        ("1.0", 200, "1.0.3"),
        ("1.0.1", 200, "1.0.3"),
        ("2.0.7", 200, "2.0.0"),
    ],
)
def test_version_header_is_negotiated(
    server: Server, header: str | None, status: int, answer: str
) -> None:
    with server.client(version="") as client:
        headers = {} if header is None else {"X-Experience-API-Version": header}
        response = client.get("/statements", headers=headers, params={"limit": "1"})
    assert response.status_code == status
    assert response.headers["X-Experience-API-Version"] == answer


def test_missing_or_wrong_credentials_are_401(server: Server) -> None:
    headers = {"X-Experience-API-Version": "2.0.0"}
    error_of(httpx.get(f"{server.url}/statements", headers=headers), 401)
    key, _ = server.credentials["admin"]
    wrong = httpx.get(f"{server.url}/statements", headers=headers, auth=(key, "wrong"))
    error_of(wrong, 401)


def test_scopes_are_enforced(server: Server) -> None:
    with server.client("reader") as reader:
        error_of(reader.post("/statements", json=statement()), 403)
    with server.client("writer") as writer:
        post(writer, statement())
        error_of(writer.get("/statements"), 403)


def test_read_mine_sees_only_its_own_statements(server: Server, client: httpx.Client) -> None:
    activity = activity_iri()
    (theirs,) = post(client, statement(activity))
    with server.client("mine") as mine:
        (own,) = post(mine, statement(activity))
        assert [s["id"] for s in query(mine, activity=activity)] == [own]
        error_of(mine.get("/statements", params={"statementId": theirs}), 404)


def test_tenants_never_see_each_other(server: Server, client: httpx.Client) -> None:
    activity = activity_iri()
    (statement_id,) = post(client, statement(activity))
    with server.client("other") as other:
        error_of(other.get("/statements", params={"statementId": statement_id}), 404)
        assert query(other, activity=activity) == []
        (their_id,) = post(other, statement(activity, id=statement_id))
    assert their_id == statement_id  # the same id is free in another store


def test_revoked_credentials_stop_working(server: Server) -> None:
    made = server.cli("credentials", "create", "--name", "temp", "--scope", "all", "--json")
    credential = json.loads(made.stdout)
    auth = (credential["key"], credential["secret"])
    headers = {"X-Experience-API-Version": "2.0.0"}
    assert httpx.get(f"{server.url}/statements", headers=headers, auth=auth).status_code == 200
    assert server.cli("credentials", "revoke", credential["key"]).returncode == 0
    error_of(httpx.get(f"{server.url}/statements", headers=headers, auth=auth), 401)


def test_cors_preflight_and_headers(server: Server) -> None:
    preflight = httpx.options(
        f"{server.url}/statements",
        headers={
            "Origin": "https://content.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, x-experience-api-version",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://content.example.org"
    assert "x-experience-api-version" in preflight.headers["Access-Control-Allow-Headers"]
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    with server.client() as client:
        response = client.get("/about", headers={"Origin": "https://content.example.org"})
    assert (
        "X-Experience-API-Consistent-Through" in response.headers["Access-Control-Expose-Headers"]
    )


def test_alternate_request_syntax(server: Server) -> None:
    key, secret = server.credentials["admin"]
    authorization = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
    statement_id = str(uuid.uuid4())
    response = httpx.post(
        f"{server.url}/statements",
        params={"method": "PUT"},
        data={
            "statementId": statement_id,
            "content": json.dumps(statement()),
            "Authorization": authorization,
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 204, response.text
    fetched = httpx.post(
        f"{server.url}/statements",
        params={"method": "GET"},
        data={
            "statementId": statement_id,
            "Authorization": authorization,
            "X-Experience-API-Version": "1.0.3",
        },
    )
    assert fetched.status_code == 200
    assert fetched.json()["id"] == statement_id
    extra = httpx.post(
        f"{server.url}/statements",
        params={"method": "GET", "verb": VERB_COMPLETED},
        data={"Authorization": authorization, "X-Experience-API-Version": "1.0.3"},
    )
    error_of(extra, 400)
    # Real headers still count; a content without a Content-Type field is JSON.
    with_headers = httpx.post(
        f"{server.url}/statements",
        params={"method": "PUT"},
        data={"statementId": str(uuid.uuid4()), "content": json.dumps(statement())},
        headers={"Authorization": authorization, "X-Experience-API-Version": "1.0.3"},
    )
    assert with_headers.status_code == 204, with_headers.text
    listed = httpx.post(
        f"{server.url}/statements",
        params={"method": "GET"},
        data={"limit": "1"},
        headers={"Authorization": authorization, "X-Experience-API-Version": "1.0.3"},
    )
    assert len(listed.json()["statements"]) == 1


def test_alternate_request_syntax_is_not_xapi_2(server: Server) -> None:
    key, secret = server.credentials["admin"]
    response = httpx.post(
        f"{server.url}/statements",
        params={"method": "PUT"},
        data={"statementId": str(uuid.uuid4()), "content": json.dumps(statement())},
        headers={"X-Experience-API-Version": "2.0.0"},
        auth=(key, secret),
    )
    assert error_of(response, 400)["path"] == "method"


@pytest.mark.parametrize(
    "params",
    [{"statementId": str(uuid.uuid4())}, {"LIMIT": "1"}, {"statementId": "x", "verb": "y"}],
)
def test_statement_errors_carry_consistent_through(
    client: httpx.Client, params: dict[str, str]
) -> None:
    response = client.get("/statements", params=params)
    assert response.status_code in (400, 404)
    assert response.headers["X-Experience-API-Consistent-Through"].endswith("Z")


# -- bad input never hurts --------------------------------------------------------------------


def count(client: httpx.Client) -> int:
    total = 0
    response = client.get("/statements", params={"limit": "0"})
    while True:
        page = response.json()
        total += len(page["statements"])
        if not page["more"]:
            return total
        response = client.get(page["more"].removeprefix("/xapi"))


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"actor": ', "application/json", 400),
        (b"\xff\xfe{}", "application/json", 400),
        (b'{"a": "\xc3\x28"}', "application/json", 400),
        (b"{}", "text/plain", 400),
        (b"", "application/json", 400),
        (b"[" * 5000 + b"]" * 5000, "application/json", 400),
        (b'{"extensions": ' + b'{"a":' * 3000 + b"1" + b"}" * 3001, "application/json", 400),
        (b"x" * 400_000, "application/json", 413),
        (b"[]", "application/json", 400),
        (b"--b\r\nContent-Type: application/json\r\n\r\n{}", "multipart/mixed; boundary=b", 400),
    ],
)
def test_bad_bodies_are_4xx_json_and_store_nothing(
    client: httpx.Client, content: bytes, content_type: str, status: int
) -> None:
    before = count(client)
    response = client.post("/statements", content=content, headers={"Content-Type": content_type})
    error_of(response, status)
    assert count(client) == before


def test_single_context_activity_comes_back_as_an_array(client: httpx.Client) -> None:
    course = activity_iri()
    body = statement(context={"contextActivities": {"grouping": {"id": course}}})
    (statement_id,) = post(client, body)
    stored = client.get("/statements", params={"statementId": statement_id}).json()
    assert stored["context"]["contextActivities"]["grouping"] == [{"id": course}]
    post(client, {**body, "id": statement_id})  # the single-object form is still the same statement
