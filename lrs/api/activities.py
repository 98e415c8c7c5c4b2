"""The Activities resource (xAPI 1.0.3 Communication 2.5): an activity's canonical definition."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lrs.api._context import credential_of, lrs_of
from lrs.api._http import json_response, query_params
from lrs.api._params import activity_param
from lrs.auth import DEFINE_READ
from lrs.xapi.formats import format_activity, parse_accept_language


async def endpoint(request: Request) -> Response:
    credential = await credential_of(request)
    credential.require(DEFINE_READ)
    activity_id = activity_param(query_params(request, {"activityId"}))
    definition = await lrs_of(request).store.get_activity(credential.tenant, activity_id)
    # An activity the LRS has never seen still gets an Activity object (Communication 2.5).
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if definition:
        activity["definition"] = definition
    languages = parse_accept_language(request.headers.get("accept-language"))
    return json_response(format_activity(activity, languages) if languages else activity)
