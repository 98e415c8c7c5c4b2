"""The About resource (xAPI 1.0.3 Communication 2.8): open to all, whatever the version header.

A client that speaks 1.0.x (it says so in its version header) is told about 1.0.3 only:
1.0-era clients such as TinCanPython refuse an About document that lists a version they
do not know. Every other client is told about both.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lrs.api._http import json_response, query_params
from lrs.xapi.versions import HEADER, SUPPORTED, XAPIVersion


async def endpoint(request: Request) -> Response:
    query_params(request, ())
    if request.headers.get(HEADER, "").strip().startswith("1.0"):
        return json_response({"version": [XAPIVersion.V1_0_3.value]})
    return json_response({"version": SUPPORTED})
