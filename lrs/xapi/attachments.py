"""Attachments of statement requests (xAPI 1.0.3 Data 2.4.11, Communication 1.5.2).

A statement request carrying attachment data is multipart/mixed: the first part holds
the statement(s) as application/json, each further part the raw octets of one
attachment, with an `X-Experience-API-Hash` header giving their SHA-2 and
`Content-Transfer-Encoding: binary`. An attachment object in a statement refers to its
data by `sha2`; one whose data is not sent needs a `fileUrl`.

Flow for `PUT`/`POST /statements`:

    parts = parse_multipart(body, content_type)          # multipart.py
    statements_json, data = split_statement_request(parts)
    statements = <parse and validate statements_json>
    check_attachments(statements, data, batch=<the JSON was an array>)

and for an application/json request `check_attachments(statements, {}, batch=...)`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from lrs.errors import BadRequest
from lrs.xapi.multipart import Part, media_type

HASH_HEADER = "x-experience-api-hash"
TRANSFER_ENCODING_HEADER = "content-transfer-encoding"
SIGNATURE_USAGE_TYPE = "http://adlnet.gov/expapi/attachments/signature"
DEFAULT_CONTENT_TYPE = "application/octet-stream"

# SHA-2 digests by hex length. The spec asks for "SHA-2" and recommends SHA-256, -384 or -512.
_SHA2_BY_HEX_LENGTH: dict[int, Callable[[bytes], Any]] = {
    56: hashlib.sha224,
    64: hashlib.sha256,
    96: hashlib.sha384,
    128: hashlib.sha512,
}
_HEX = frozenset("0123456789abcdef")


def sha2_hex(data: bytes, hex_length: int = 64) -> str:
    """The SHA-2 digest of `data` in lower-case hex, of the variant with that hex length."""
    digest = _SHA2_BY_HEX_LENGTH.get(hex_length)
    if digest is None:
        raise ValueError(f"no SHA-2 variant has a {hex_length}-digit hex digest")
    return str(digest(data).hexdigest())


def split_statement_request(parts: list[Part]) -> tuple[bytes, dict[str, tuple[str, bytes]]]:
    """The statement JSON of a multipart statement request, and its attachment data.

    Returns (first part's body, {sha2: (content type, data)}) with sha2 in lower-case hex.
    Raises BadRequest (path "part[i]") when there are no parts, the first part is not
    application/json, or a later part lacks X-Experience-API-Hash, declares a
    Content-Transfer-Encoding other than binary (none at all is taken as binary, as the
    spec says the LRS SHOULD assume), or has data whose SHA-2 is not the declared hash.
    Several parts with the same hash are accepted (they then hold the same octets).
    """
    if not parts:
        raise BadRequest("multipart statement request has no parts", path="part[0]")
    first = parts[0]
    first_type = first.headers.get("content-type")
    if first_type is None or media_type(first_type) != "application/json":
        raise BadRequest(
            "the first part of a multipart statement request must hold the statements, "
            f"with Content-Type application/json (got {first_type!r})",
            path="part[0]",
        )
    data: dict[str, tuple[str, bytes]] = {}
    for index, part in enumerate(parts[1:], start=1):
        path = f"part[{index}]"
        declared = part.headers.get(HASH_HEADER)
        if declared is None:
            raise BadRequest(
                f"attachment {path} has no X-Experience-API-Hash header "
                "(all statements belong in the first part)",
                path=path,
            )
        sha2 = declared.strip().lower()
        if len(sha2) not in _SHA2_BY_HEX_LENGTH or not _HEX.issuperset(sha2):
            raise BadRequest(
                f"attachment {path} has X-Experience-API-Hash {declared!r}, "
                "which is not a hex SHA-256, SHA-384 or SHA-512 digest",
                path=path,
            )
        encoding = part.headers.get(TRANSFER_ENCODING_HEADER)
        if encoding is not None and encoding.strip().lower() != "binary":
            raise BadRequest(
                f"attachment {path} has Content-Transfer-Encoding {encoding!r}; "
                "attachment parts must be binary",
                path=path,
            )
        actual = sha2_hex(part.body, len(sha2))
        if actual != sha2:
            raise BadRequest(
                f"attachment {path} declares X-Experience-API-Hash {sha2} but its "
                f"{len(part.body)} octets hash to {actual}",
                path=path,
            )
        content_type = part.headers.get("content-type", "").strip() or DEFAULT_CONTENT_TYPE
        data.setdefault(sha2, (content_type, part.body))
    return first.body, data


def _attachment_lists(statement: Mapping[str, Any], path: str) -> Iterator[tuple[str, list[Any]]]:
    """(path, attachments array) of a statement and of its SubStatement object, if any."""
    attachments = statement.get("attachments")
    if isinstance(attachments, list):
        yield f"{path}.attachments", attachments
    obj = statement.get("object")
    if isinstance(obj, Mapping) and obj.get("objectType") == "SubStatement":
        sub = obj.get("attachments")
        if isinstance(sub, list):
            yield f"{path}.object.attachments", sub


def _attachment_objects(
    statement: Mapping[str, Any], path: str
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for list_path, attachments in _attachment_lists(statement, path):
        for j, attachment in enumerate(attachments):
            if isinstance(attachment, Mapping):
                yield f"{list_path}[{j}]", attachment


def _sha2(attachment: Mapping[str, Any]) -> str | None:
    sha2 = attachment.get("sha2")
    return sha2.strip().lower() if isinstance(sha2, str) else None


def attachment_hashes(statement: Mapping[str, Any]) -> list[str]:
    """The distinct sha2 values (lower-case) of a statement's attachments, in order.

    Includes attachments of a SubStatement object. Malformed entries are skipped (the
    statement validator reports them).
    """
    seen: dict[str, None] = {}
    for _, attachment in _attachment_objects(statement, "$"):
        sha2 = _sha2(attachment)
        if sha2:
            seen.setdefault(sha2, None)
    return list(seen)


def check_attachments(
    statements: Sequence[Mapping[str, Any]],
    parts: Mapping[str, tuple[str, bytes]],
    *,
    batch: bool = True,
) -> None:
    """Check that statement attachments and received attachment data match one to one.

    `parts` is the data from `split_statement_request` (keys lower-case sha2), empty for
    an application/json request. `batch` says whether the request body was a JSON array
    (paths "$[i].attachments[j].sha2") or a single statement ("$.attachments[j].sha2").

    Raises BadRequest when an attachment has no fileUrl and no part carries its sha2, or
    when a part's hash is referenced by no attachment of any statement. Attachments of a
    SubStatement object count like the statement's own (spec Data 2.4.11 allows them
    there, and their data travels the same way).
    """
    referenced: set[str] = set()
    for i, statement in enumerate(statements):
        path = f"$[{i}]" if batch else "$"
        for attachment_path, attachment in _attachment_objects(statement, path):
            sha2 = _sha2(attachment)
            if sha2 is None:
                continue  # the statement validator rejects a missing or non-string sha2
            referenced.add(sha2)
            if sha2 in parts or attachment.get("fileUrl") is not None:
                continue
            if not parts:
                message = (
                    f"attachment {attachment_path} has no fileUrl, so its data must be "
                    "sent as a part of a multipart/mixed request"
                )
            else:
                message = (
                    f"attachment {attachment_path} has no fileUrl and no part of the "
                    f"request has X-Experience-API-Hash {sha2}"
                )
            raise BadRequest(message, path=f"{attachment_path}.sha2")
    for sha2 in parts:
        if sha2 not in referenced:
            raise BadRequest(
                f"the request has a part with X-Experience-API-Hash {sha2}, which no "
                "statement attachment references",
                path="X-Experience-API-Hash",
            )
