"""What the three document resources share (xAPI 1.0.3 Communication 2.2, 3.1).

State, Activity Profile and Agent Profile differ only in the parameters that place a
document (activity, agent, registration) and the name of its id parameter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import Response

from lrs.api._context import credential_of, lrs_of, version_of
from lrs.api._http import JSON_TYPE, http_date, parse_json, query_params, read_body
from lrs.api._params import activity_param, time_param, uuid_param
from lrs.errors import BadRequest, NotFound
from lrs.store import DocumentKey
from lrs.xapi.agents import agent_key
from lrs.xapi.documents import Write, apply, etag_of, quoted
from lrs.xapi.validate import validate_agent_param
from lrs.xapi.versions import XAPIVersion


@dataclass(frozen=True)
class DocumentResource:
    resource: str
    id_param: str
    activity: bool
    agent: bool
    registration: bool
    read_scopes: frozenset[str]
    write_scopes: frozenset[str]
    # lrs.xapi.documents.Write.put_precondition for a request of this version.
    put_precondition: Callable[[XAPIVersion], str]
    # Whether DELETE without the id parameter deletes every document in scope (state only).
    delete_all: bool = False

    async def handle(self, request: Request) -> Response:
        version = version_of(request)
        credential = await credential_of(request)
        reading = request.method in ("GET", "HEAD")
        credential.require(self.read_scopes if reading else self.write_scopes)
        allowed = {self.id_param}
        allowed |= {"activityId"} if self.activity else set()
        allowed |= {"agent"} if self.agent else set()
        allowed |= {"registration"} if self.registration else set()
        if reading:
            allowed.add("since")
        params = query_params(request, allowed)
        key = DocumentKey(
            resource=self.resource,
            activity=activity_param(params) if self.activity else "",
            agent=_agent(params, version) if self.agent else "",
            registration=uuid_param(params, "registration") if "registration" in params else "",
            id=params.get(self.id_param, ""),
        )
        store = lrs_of(request).store
        tenant = credential.tenant
        has_id = self.id_param in params
        if reading and has_id:
            if "since" in params:
                raise BadRequest(f"since lists ids; it cannot go with {self.id_param}", "since")
            document = await store.get_document(tenant, key)
            if document is None:
                raise NotFound(f"no document with {self.id_param} {key.id!r}", self.id_param)
            return Response(
                document.content,
                headers={
                    "Content-Type": document.content_type,
                    "ETag": quoted(document.etag),
                    "Last-Modified": http_date(document.updated_us),
                },
            )
        any_registration = "registration" not in params
        if reading:
            since = time_param(params, "since")
            found = await store.list_documents(tenant, key, any_registration, since)
            body = orjson.dumps([doc_id for doc_id, _ in found])
            headers = {"ETag": quoted(etag_of(body))}
            if found:
                headers["Last-Modified"] = http_date(max(updated for _, updated in found))
            return Response(body, headers={**headers, "Content-Type": JSON_TYPE})
        if not has_id:
            if request.method == "DELETE" and self.delete_all:
                await store.delete_documents(tenant, key, any_registration)
                return Response(status_code=204)
            raise BadRequest(f"{request.method} needs the {self.id_param} parameter", self.id_param)
        content, content_type = b"", ""
        if request.method != "DELETE":
            content = await read_body(request, lrs_of(request).settings.max_body_bytes)
            content_type = request.headers.get("content-type", "application/octet-stream")
        write = Write(
            method=request.method,
            content=content,
            content_type=content_type,
            if_match=request.headers.get("if-match"),
            if_none_match=request.headers.get("if-none-match"),
            put_precondition=self.put_precondition(version),
        )
        now_us = time.time_ns() // 1000
        await store.change_document(tenant, key, lambda existing: apply(existing, write, now_us))
        return Response(status_code=204)


def _agent(params: dict[str, str], version: XAPIVersion) -> str:
    if "agent" not in params:
        raise BadRequest("the agent parameter is required", "agent")
    key = agent_key(validate_agent_param(parse_json(params["agent"], "agent"), version))
    if key is None:
        raise BadRequest("the agent parameter must identify an Agent", "agent")
    return key
