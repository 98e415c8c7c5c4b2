"""Document resources' rules (xAPI 1.0.3 Communication 2.2, 3.1; xAPI 2.0 [s50-s54]).

Pure functions: given the stored document (or None) and a request, the document to store
(None to delete) or the error to answer. The store runs them inside one transaction, so
that a precondition is checked against exactly the document it replaces.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson

from lrs.errors import BadRequest, Conflict, PreconditionFailed

JSON_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class Document:
    content: bytes
    content_type: str
    etag: str  # lowercase hex SHA-1 of the content, unquoted
    updated_us: int


@dataclass(frozen=True, slots=True)
class Write:
    """A PUT, POST or DELETE of one document, with its precondition headers."""

    method: str
    content: bytes = b""
    content_type: str = "application/octet-stream"
    if_match: str | None = None
    if_none_match: str | None = None
    # When a PUT must carry If-Match or If-None-Match (Communication 3.1): "always" for the
    # profile resources (400 for a new document, 409 over an existing one), "existing" for
    # state in xAPI 2.0 (409 over an existing one), "never" for state in 1.0.3.
    put_precondition: str = "always"


def etag_of(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


def quoted(etag: str) -> str:
    return f'"{etag}"'


def is_json(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == JSON_TYPE


def apply(existing: Document | None, write: Write, now_us: int) -> Document | None:
    """The document after `write`, or None when it is deleted; raises when refused."""
    check_preconditions(existing, write)
    if write.method == "DELETE":
        return None
    if write.method == "PUT":
        return _document(write.content, write.content_type, existing, now_us)
    if is_json(write.content_type):
        posted = _json_object(write.content, "the posted document")
        if existing is None:
            return _document(write.content, write.content_type, existing, now_us)
        if not is_json(existing.content_type):
            raise BadRequest(
                "cannot merge JSON into the stored document: it is "
                f"{existing.content_type!r}, not application/json (PUT replaces it)"
            )
        merged = _json_object(existing.content, "the stored document")
        merged.update(posted)  # only top-level properties merge (Communication 2.2)
        return _document(orjson.dumps(merged), JSON_TYPE, existing, now_us)
    if existing is not None:
        raise BadRequest(
            "POST merges JSON objects: send Content-Type application/json, or PUT to replace"
        )
    return _document(write.content, write.content_type, existing, now_us)


def check_preconditions(existing: Document | None, write: Write) -> None:
    if write.if_match is not None and (
        existing is None or not _matches(write.if_match, existing.etag)
    ):
        raise PreconditionFailed(
            "If-Match does not match the document's current ETag"
            if existing
            else "If-Match was given but there is no such document",
            "If-Match",
        )
    if (
        write.if_none_match is not None
        and existing is not None
        and _matches(write.if_none_match, existing.etag)
    ):
        raise PreconditionFailed("the document exists (If-None-Match)", "If-None-Match")
    if write.method != "PUT" or write.if_match is not None or write.if_none_match is not None:
        return
    if existing is None and write.put_precondition == "always":
        raise BadRequest(
            "a PUT to a profile needs If-None-Match: * (to create) or If-Match (to replace)",
            "If-None-Match",
        )
    if existing is not None and write.put_precondition != "never":
        raise Conflict(
            "the document already exists: GET it, check its current state, and PUT again with "
            "If-Match set to its ETag (or If-None-Match: * to create only)"
        )


def _matches(header: str, etag: str) -> bool:
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*":
            return True
        tag = tag.removeprefix("W/").strip('"')
        if tag == etag:
            return True
    return False


def _json_object(content: bytes, what: str) -> dict[str, object]:
    try:
        value = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise BadRequest(f"{what} is not a JSON object, so it cannot be merged")
    return value


def _document(
    content: bytes, content_type: str, existing: Document | None, now_us: int
) -> Document:
    updated = now_us if existing is None else max(now_us, existing.updated_us + 1)
    return Document(content, content_type, etag_of(content), updated)
