"""HTTP plumbing shared by the resources: bodies, parameters, JSON, dates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from email.utils import format_datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from lrs.errors import BadRequest, PayloadTooLarge
from lrs.xapi.timestamps import from_micros, now_utc, to_utc_string

JSON_TYPE = "application/json"


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body of {declared} bytes exceeds the limit of {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(data: bytes | str, path: str = "$") -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"body is not valid JSON (UTF-8): {exc}", path) from exc


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type=JSON_TYPE)


def query_params(request: Request, allowed: Iterable[str]) -> dict[str, str]:
    """The request's parameters, refusing unknown, repeated or wrongly-cased names.

    (xAPI 1.0.3 Communication 3.2: unknown parameters, and known ones in all but case, are 400.)
    """
    allowed = set(allowed)
    lowered = {name.lower(): name for name in allowed}
    params: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name not in allowed:
            if name.lower() in lowered:
                raise BadRequest(
                    f"parameter {name!r} must be spelled {lowered[name.lower()]!r}", name
                )
            raise BadRequest(
                f"unknown parameter {name!r}; this resource accepts {', '.join(sorted(allowed))}",
                name,
            )
        if name in params:
            raise BadRequest(f"parameter {name!r} is given more than once", name)
        params[name] = value
    return params


def parse_bool(params: Mapping[str, str], name: str) -> bool:
    value = params.get(name, "false")
    if value not in ("true", "false"):
        raise BadRequest(f"parameter {name!r} must be true or false, not {value!r}", name)
    return value == "true"


def http_date(stored_us: int) -> str:
    return format_datetime(from_micros(stored_us), usegmt=True)


def now_iso() -> str:
    return to_utc_string(now_utc())


def iso(dt: datetime) -> str:
    return to_utc_string(dt)
