"""State, Activity Profile and Agent Profile over real HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Server, activity_iri


def agent() -> str:
    return json.dumps({"mbox": f"mailto:{uuid.uuid4()}@example.org"})


RESOURCES = {
    "state": ("/activities/state", "stateId"),
    "activity_profile": ("/activities/profile", "profileId"),
    "agent_profile": ("/agents/profile", "profileId"),
}


def place(resource: str) -> tuple[str, dict[str, str]]:
    path, id_param = RESOURCES[resource]
    params = {id_param: f"doc-{uuid.uuid4()}"}
    if resource != "agent_profile":
        params["activityId"] = activity_iri()
    if resource != "activity_profile":
        params["agent"] = agent()
    return path, params


@pytest.fixture(params=sorted(RESOURCES))
def resource(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def test_any_content_round_trips_byte_for_byte_with_etag(
    client: httpx.Client, resource: str
) -> None:
    path, params = place(resource)
    content = b"\x89PNG\r\n\x00 binary \xff"
    put = client.put(
        path,
        params=params,
        content=content,
        headers={"Content-Type": "image/png", "If-None-Match": "*"},
    )
    assert put.status_code == 204, put.text
    got = client.get(path, params=params)
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-type"] == "image/png"
    assert got.headers["etag"] == f'"{hashlib.sha1(content).hexdigest()}"'
    assert got.headers["last-modified"].endswith("GMT")
    head = client.head(path, params=params)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == got.headers["etag"]


def test_post_merges_top_level_json_properties(client: httpx.Client, resource: str) -> None:
    path, params = place(resource)
    assert client.post(path, params=params, json={"x": "foo", "y": {"a": 1}}).status_code == 204
    assert client.post(path, params=params, json={"x": "bash", "y": {"b": 2}}).status_code == 204
    assert client.get(path, params=params).json() == {"x": "bash", "y": {"b": 2}}


def test_post_that_cannot_merge_is_400_and_changes_nothing(
    client: httpx.Client, resource: str
) -> None:
    path, params = place(resource)
    client.post(path, params=params, json={"kept": True})
    refused = client.post(
        path, params=params, content=b"text", headers={"Content-Type": "text/plain"}
    )
    assert refused.status_code == 400
    not_object = client.post(path, params=params, json=[1, 2])
    assert not_object.status_code == 400
    assert client.get(path, params=params).json() == {"kept": True}


def test_preconditions(client: httpx.Client, resource: str) -> None:
    path, params = place(resource)
    created = client.put(path, params=params, json={"v": 1}, headers={"If-None-Match": "*"})
    assert created.status_code == 204
    etag = client.get(path, params=params).headers["etag"]
    again = client.put(path, params=params, json={"v": 2}, headers={"If-None-Match": "*"})
    assert again.status_code == 412
    stale = client.put(path, params=params, json={"v": 2}, headers={"If-Match": '"0000"'})
    assert stale.status_code == 412
    assert stale.json()["error"]["path"] == "If-Match"
    assert client.get(path, params=params).json() == {"v": 1}
    fresh = client.put(path, params=params, json={"v": 2}, headers={"If-Match": etag})
    assert fresh.status_code == 204
    assert client.delete(path, params=params, headers={"If-Match": etag}).status_code == 412
    assert client.delete(path, params=params).status_code == 204
    assert client.get(path, params=params).status_code == 404


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_put_over_existing_document_without_precondition(
    server: Server, resource: str, version: str
) -> None:
    path, params = place(resource)
    with server.client(version=version) as client:
        client.put(path, params=params, json={"v": 1}, headers={"If-None-Match": "*"})
        response = client.put(path, params=params, json={"v": 2})
        allowed = resource == "state" and version == "1.0.3"
        assert response.status_code == (204 if allowed else 409)
        if not allowed:
            assert "If-Match" in response.json()["error"]["message"]
            assert client.get(path, params=params).json() == {"v": 1}


def test_ids_listed_with_since(client: httpx.Client, resource: str) -> None:
    path, params = place(resource)
    id_param = RESOURCES[resource][1]
    scope = {k: v for k, v in params.items() if k != id_param}
    client.post(path, params={**scope, id_param: "a"}, json={})
    first = client.get(path, params={**scope, id_param: "a"}).headers["last-modified"]
    del first
    listed = client.get(path, params=scope)
    assert listed.json() == ["a"]
    stamp = client.get("/statements", params={"limit": "1"}).headers[
        "X-Experience-API-Consistent-Through"
    ]
    client.post(path, params={**scope, id_param: "b"}, json={})
    assert sorted(client.get(path, params=scope).json()) == ["a", "b"]
    assert client.get(path, params={**scope, "since": stamp}).json() == ["b"]


def test_state_registrations_and_delete_all(client: httpx.Client) -> None:
    activity, who = activity_iri(), agent()
    scope = {"activityId": activity, "agent": who}
    registration = str(uuid.uuid4())
    client.post("/activities/state", params={**scope, "stateId": "plain"}, json={"a": 1})
    client.post(
        "/activities/state",
        params={**scope, "stateId": "bookmark", "registration": registration},
        json={"page": 3},
    )
    only = client.get("/activities/state", params={**scope, "registration": registration})
    assert only.json() == ["bookmark"]
    missing = client.get("/activities/state", params={**scope, "stateId": "bookmark"})
    assert missing.status_code == 404  # a registration's state is not the plain one
    deleted = client.delete("/activities/state", params={**scope, "registration": registration})
    assert deleted.status_code == 204
    assert client.get("/activities/state", params=scope).json() == ["plain"]
    assert client.delete("/activities/state", params=scope).status_code == 204
    assert client.get("/activities/state", params=scope).json() == []


@pytest.mark.parametrize(
    ("path", "params", "bad"),
    [
        (
            "/activities/state",
            {"activityId": "not an iri", "agent": '{"mbox":"mailto:a@b.c"}', "stateId": "s"},
            "activityId",
        ),
        ("/activities/state", {"activityId": "http://x.org/a", "stateId": "s"}, "agent"),
        (
            "/activities/state",
            {"activityId": "http://x.org/a", "agent": '{"mbox":"a@b.c"}', "stateId": "s"},
            "agent",
        ),
        (
            "/activities/state",
            {
                "activityId": "http://x.org/a",
                "agent": '{"mbox":"mailto:a@b.c"}',
                "stateId": "s",
                "registration": "r",
            },
            "registration",
        ),
        (
            "/activities/profile",
            {"activityId": "http://x.org/a", "profileId": "p", "agent": "{}"},
            "agent",
        ),
        (
            "/agents/profile",
            {"agent": '{"mbox":"mailto:a@b.c"}', "profileId": "p", "since": "x"},
            "since",
        ),
    ],
)
def test_bad_document_parameters_are_400(
    client: httpx.Client, path: str, params: dict[str, str], bad: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400
    assert response.json()["error"]["path"].startswith(bad)


def test_document_scopes_and_tenants(server: Server, client: httpx.Client) -> None:
    path, params = place("activity_profile")
    client.post(path, params=params, json={"secret": 1})
    with server.client("writer") as writer:
        assert writer.get(path, params=params).status_code == 403
    with server.client("other") as other:
        assert other.get(path, params=params).status_code == 404


def test_concurrent_writers_with_if_match_have_one_winner_per_version(
    server: Server, resource: str
) -> None:
    path, params = place(resource)
    key, secret = server.credentials["admin"]

    async def race() -> list[int]:
        async with httpx.AsyncClient(
            base_url=server.url,
            auth=(key, secret),
            headers={"X-Experience-API-Version": "2.0.0"},
            timeout=30,
        ) as client:
            await client.put(
                path, params=params, json={"writer": None}, headers={"If-None-Match": "*"}
            )
            winners = []
            for _round in range(3):
                etag = (await client.get(path, params=params)).headers["etag"]

                # Every writer's content is new, so only a changed document fails If-Match.
                async def write(n: int, etag: str = etag) -> tuple[int, int]:
                    answer = await client.put(
                        path, params=params, json={"writer": n}, headers={"If-Match": etag}
                    )
                    return n, answer.status_code

                results = await asyncio.gather(*(write(_round * 100 + n) for n in range(20)))
                won = [n for n, status in results if status == 204]
                assert sorted(status for _, status in results) == [204] + [412] * 19
                stored: dict[str, Any] = (await client.get(path, params=params)).json()
                assert stored == {"writer": won[0]}
                winners.append(won[0])
            return winners

    assert len(asyncio.run(race())) == 3


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_creating_a_profile_by_put_needs_a_precondition_but_state_does_not(
    server: Server, resource: str, version: str
) -> None:
    path, params = place(resource)
    with server.client(version=version) as client:
        response = client.put(path, params=params, json={"v": 1})
        if resource == "state":
            assert response.status_code == 204
        else:
            assert response.status_code == 400
            assert response.json()["error"]["path"] == "If-None-Match"
            assert client.get(path, params=params).status_code == 404
