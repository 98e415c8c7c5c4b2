"""Building and sending Statements with attachments."""

from __future__ import annotations

from typing import Any

import httpx

from conformance.context import Context
from conformance.util import Part, multipart_body, sha256_hex

USAGE = "http://conformance.example.org/attachment-usage/evidence"


def attachment_object(
    data: bytes, content_type: str = "text/plain", **extra: Any
) -> dict[str, Any]:
    attachment: dict[str, Any] = {
        "usageType": USAGE,
        "display": {"en-US": "Evidence"},
        "contentType": content_type,
        "length": len(data),
        "sha2": sha256_hex(data),
    }
    attachment.update(extra)
    return attachment


def send_multipart(
    ctx: Context,
    statements: Any,
    parts: list[Part],
    *,
    put_id: str | None = None,
    first_type: str = "application/json",
) -> httpx.Response:
    body, content_type = multipart_body(statements, parts, first_type)
    headers = {"Content-Type": content_type}
    if put_id is not None:
        return ctx.lrs.request(
            "PUT", "statements", params={"statementId": put_id}, content=body, headers=headers
        )
    return ctx.lrs.request("POST", "statements", content=body, headers=headers)
