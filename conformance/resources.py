"""The three document resources (state, activity profile, agent profile), described once so
that a behaviour check can be registered as one requirement per resource."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from conformance.context import Context, expect_status
from conformance.registry import BOTH, CheckFailed, register
from conformance.util import short

JSON = "application/json"


@dataclass(frozen=True)
class Resource:
    slug: str  # used in requirement ids: state-put-get
    title: str  # used in requirement texts
    path: str  # relative to the endpoint
    section: str  # where the spec defines the resource
    id_param: str  # stateId or profileId
    activity: bool  # scoped by activityId
    agent: bool  # scoped by agent

    def scope(self, ctx: Context, **extra: str) -> dict[str, str]:
        """Parameters naming a fresh context (a new Activity and/or Agent) for documents."""
        params: dict[str, str] = {}
        if self.activity:
            params["activityId"] = ctx.iri()
        if self.agent:
            params["agent"] = json.dumps(ctx.agent())
        params.update(extra)
        return params

    def one(self, scope: dict[str, str], doc_id: str) -> dict[str, str]:
        return {**scope, self.id_param: doc_id}


STATE = Resource("state", "State", "activities/state", "Communication 2.3", "stateId", True, True)
ACTIVITY_PROFILE = Resource(
    "activity-profile",
    "Activity Profile",
    "activities/profile",
    "Communication 2.7",
    "profileId",
    True,
    False,
)
AGENT_PROFILE = Resource(
    "agent-profile",
    "Agent Profile",
    "agents/profile",
    "Communication 2.6",
    "profileId",
    False,
    True,
)
RESOURCES = (STATE, ACTIVITY_PROFILE, AGENT_PROFILE)
PROFILES = (ACTIVITY_PROFILE, AGENT_PROFILE)

ResourceCheck = Callable[[Context, Resource], None]


def per_resource(
    suffix: str,
    text: str,
    *,
    section: str | None = None,
    versions: tuple[str, ...] = BOTH,
    resources: tuple[Resource, ...] = RESOURCES,
) -> Callable[[ResourceCheck], ResourceCheck]:
    """Register a check once per document resource, as `<resource>-<suffix>`; `{res}` in the
    text becomes the resource's title."""

    def decorate(check: ResourceCheck) -> ResourceCheck:
        for res in resources:

            def bound(ctx: Context, res: Resource = res) -> None:
                check(ctx, res)

            register(
                section or res.section,
                f"{res.slug}-{suffix}",
                text.format(res=res.title),
                bound,
                module=check.__module__,
                versions=versions,
            )
        return check

    return decorate


def put(
    ctx: Context,
    res: Resource,
    params: dict[str, str],
    body: bytes,
    content_type: str = JSON,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return ctx.lrs.document("PUT", res.path, params, body, content_type, headers)


def create(
    ctx: Context, res: Resource, params: dict[str, str], body: Any, content_type: str = JSON
) -> None:
    """Store a new document (If-None-Match: *, acceptable to every version); setup step."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = put(ctx, res, params, data, content_type, {"If-None-Match": "*"})
    expect_status(response, 204, what=f"setup: PUT new {res.title} document")


def etag_of(ctx: Context, res: Resource, params: dict[str, str]) -> str:
    response = ctx.lrs.get(res.path, params=params)
    expect_status(response, 200, what=f"GET {res.title} document")
    etag = str(response.headers.get("ETag", ""))
    if not etag:
        raise CheckFailed(f"GET {res.title} document answered without an ETag")
    return etag


def content_of(ctx: Context, res: Resource, params: dict[str, str]) -> bytes | None:
    """The document's bytes, or None if it does not exist (404)."""
    response = ctx.lrs.get(res.path, params=params)
    if response.status_code == 404:
        return None
    expect_status(response, 200, what=f"GET {res.title} document")
    return response.content


def json_doc(ctx: Context, res: Resource, params: dict[str, str]) -> Any:
    data = content_of(ctx, res, params)
    if data is None:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return f"<not JSON: {short(data, 60)}>"
