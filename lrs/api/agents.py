"""The Agents resource (xAPI 1.0.3 Communication 2.4): the Person the LRS knows an agent as."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lrs.api._context import credential_of, lrs_of, version_of
from lrs.api._http import json_response, parse_json, query_params
from lrs.auth import DEFINE_READ
from lrs.errors import BadRequest
from lrs.xapi.activities import person
from lrs.xapi.agents import agent_key
from lrs.xapi.validate import validate_agent_param


async def endpoint(request: Request) -> Response:
    credential = await credential_of(request)
    credential.require(DEFINE_READ)
    params = query_params(request, {"agent"})
    if "agent" not in params:
        raise BadRequest("the agent parameter is required", "agent")
    agent = validate_agent_param(parse_json(params["agent"], "agent"), version_of(request))
    if agent.get("objectType") == "Group":
        raise BadRequest("the agent parameter must be an Agent, not a Group", "agent.objectType")
    key = agent_key(agent)
    assert key is not None  # validate_agent_param demands an identifier
    names = await lrs_of(request).store.get_agent_names(credential.tenant, key)
    return json_response(person(agent, names))
