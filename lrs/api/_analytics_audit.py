"""The access record of the analytics endpoints: one JSON line per request, refused ones
included, appended to a file that is never rewritten; when the line cannot be written the
request is refused (503) rather than served unrecorded."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import orjson
from starlette.requests import Request

from lrs.errors import ServiceUnavailable


def _append(path: str, line: bytes) -> None:
    """One os.write of a whole line in append mode: lines of concurrent requests and server
    processes never interleave, and nothing already written is ever rewritten."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if os.write(fd, line) != len(line):
            raise OSError("short write")
        os.fsync(fd)
    finally:
        os.close(fd)


async def record(path: str, entry: dict[str, Any]) -> None:
    """Append `entry` to the record at `path`, or refuse the request (503)."""
    line = orjson.dumps(entry) + b"\n"
    try:
        await asyncio.to_thread(_append, path, line)
    except OSError as exc:
        raise ServiceUnavailable(
            "analytics access could not be recorded, so it is refused; tell the administrator"
        ) from exc


def params_of(request: Request) -> dict[str, str | list[str]]:
    """The query parameters as recorded: a repeated one as the list of its values."""
    params: dict[str, str | list[str]] = {}
    for name, value in request.query_params.multi_items():
        seen = params.get(name)
        if seen is None:
            params[name] = value
        elif isinstance(seen, list):
            seen.append(value)
        else:
            params[name] = [seen, value]
    return params
