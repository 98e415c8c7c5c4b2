"""Small helpers with no HTTP: JSON, timestamps, hashes, multipart bodies."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from conformance.registry import CheckFailed

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$"
)


def dumps(value: Any) -> bytes:
    """UTF-8 JSON, non-ASCII characters left as they are (the LRS must read UTF-8)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_timestamp(text: str) -> datetime | None:
    """An ISO 8601 combined date and time as an aware UTC datetime (None if not one).

    A timestamp without a zone is read as UTC. Precision beyond microseconds is dropped.
    """
    match = _TIMESTAMP.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = (match.group(7) or "0")[:6].ljust(6, "0")
    try:
        moment = datetime(year, month, day, hour, minute, second, int(fraction), tzinfo=UTC)
    except ValueError:
        return None
    if match.group(9):
        offset = timedelta(hours=int(match.group(10)), minutes=int(match.group(11)))
        moment = moment - offset if match.group(9) == "+" else moment + offset
    return moment


def need_timestamp(text: Any, what: str) -> datetime:
    moment = parse_timestamp(text) if isinstance(text, str) else None
    if moment is None:
        raise CheckFailed(f"{what} is not an ISO 8601 timestamp: {text!r}")
    return moment


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, e.g. 2024-05-01T12:00:00.123Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def midpoint(a: datetime, b: datetime) -> datetime:
    return a + (b - a) / 2


def parse_http_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text).astimezone(UTC)
    except (TypeError, ValueError, IndexError):
        return None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha1_hex(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def short(value: Any, limit: int = 240) -> str:
    """A one-line excerpt of a value or response body, for failure messages."""
    if isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- multipart/mixed ---------------------------------------------------------------------------


@dataclass
class Part:
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


def attachment_part(data: bytes, content_type: str = "text/plain", **extra: str) -> Part:
    headers = {
        "Content-Type": content_type,
        "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": sha256_hex(data),
    }
    headers.update({k.replace("_", "-"): v for k, v in extra.items()})
    return Part(data, headers)


def multipart_body(
    statements: Any, parts: list[Part], first_type: str = "application/json"
) -> tuple[bytes, str]:
    """A multipart/mixed request body: the statement(s) first, then the attachment parts."""
    boundary = "xapi-conformance-" + secrets.token_hex(12)
    chunks = [b"--" + boundary.encode() + b"\r\n"]
    chunks.append(f"Content-Type: {first_type}\r\n\r\n".encode())
    chunks.append(statements if isinstance(statements, bytes) else dumps(statements))
    for part in parts:
        chunks.append(b"\r\n--" + boundary.encode() + b"\r\n")
        for key, value in part.headers.items():
            chunks.append(f"{key}: {value}\r\n".encode())
        chunks.append(b"\r\n" + part.body)
    chunks.append(b"\r\n--" + boundary.encode() + b"--\r\n")
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'


def boundary_of(content_type: str) -> str | None:
    match = re.search(r'boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))', content_type, re.IGNORECASE)
    if not match:
        return None
    return match.group(1) or match.group(2)


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """Split a multipart body (RFC 2046) into its parts; raises CheckFailed if it is not one."""
    boundary = boundary_of(content_type)
    if not boundary:
        raise CheckFailed(f"multipart response without a boundary: Content-Type {content_type!r}")
    delimiter = b"--" + boundary.encode()
    pieces = body.split(delimiter)
    if len(pieces) < 3:
        raise CheckFailed("multipart response has no parts delimited by its boundary")
    parts: list[Part] = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break
        if piece.startswith(b"\r\n"):
            piece = piece[2:]
        elif piece.startswith(b"\n"):
            piece = piece[1:]
        if piece.endswith(b"\r\n"):
            piece = piece[:-2]
        elif piece.endswith(b"\n"):
            piece = piece[:-1]
        head, sep, content = piece.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = piece.partition(b"\n\n")
        headers: dict[str, str] = {}
        for line in head.decode("latin-1").splitlines():
            if ":" in line:
                key, _, value = line.partition(":")
                headers[key.strip()] = value.strip()
        parts.append(Part(content, headers))
    return parts
