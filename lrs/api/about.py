"""The About resource (xAPI 1.0.3 Communication 2.8): open to all, whatever the version header."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lrs.api._http import json_response, query_params
from lrs.xapi.versions import SUPPORTED


async def endpoint(request: Request) -> Response:
    query_params(request, ())
    return json_response({"version": SUPPORTED})
