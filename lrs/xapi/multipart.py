"""multipart/mixed bodies (RFC 2046 §5.1), as xAPI uses them for attachments.

`parse_multipart` splits a request body into its parts; `build_multipart` makes one
(for `GET /statements?attachments=true` responses, and for clients and tests).

Framing follows RFC 2046: a delimiter is CRLF "--" boundary, the CRLF before it
belongs to the delimiter (not to the preceding part), a delimiter line may carry
trailing whitespace ("transport padding"), anything before the first delimiter
is a preamble and anything after the closing one an epilogue; both are ignored.
Bodies framed with bare LF instead of CRLF are accepted too: the line ending of
the first delimiter line decides which one the whole body uses.

The parser works with `bytes.find` on the whole body, so multi-megabyte bodies cost
a few C-level scans and one copy of each part, never a Python loop per byte.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lrs.errors import BadRequest

MEDIA_TYPE = "multipart/mixed"
_CONTENT_TYPE = "Content-Type"

# `; name=value` where value is a token or a quoted-string (RFC 2045 §5.1, RFC 9110 §5.6.6).
_PARAM = re.compile(
    r';\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', re.DOTALL
)
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
_PADDING = b" \t"


@dataclass(frozen=True, slots=True)
class Part:
    """One body part: its header fields (names lower-cased, values stripped) and raw octets."""

    headers: Mapping[str, str]
    body: bytes


def media_type(content_type: str) -> str:
    """The lower-cased `type/subtype` of a Content-Type value, without parameters."""
    return content_type.split(";", 1)[0].strip().lower()


def content_type_params(content_type: str) -> dict[str, str]:
    """The parameters of a Content-Type value: names lower-cased, quoted values unquoted."""
    params: dict[str, str] = {}
    semicolon = content_type.find(";")
    if semicolon < 0:
        return params
    for match in _PARAM.finditer(content_type, semicolon):
        value = match.group(2).strip()
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            value = _QUOTED_PAIR.sub(r"\1", value[1:-1])
        params.setdefault(match.group(1).lower(), value)
    return params


def _boundary(content_type: str) -> bytes:
    if media_type(content_type) != MEDIA_TYPE:
        raise BadRequest(
            f"expected Content-Type {MEDIA_TYPE}, got {content_type!r}", path=_CONTENT_TYPE
        )
    boundary = content_type_params(content_type).get("boundary")
    if boundary is None:
        raise BadRequest(f"{MEDIA_TYPE} Content-Type has no boundary parameter", path=_CONTENT_TYPE)
    if not boundary:
        raise BadRequest(f"{MEDIA_TYPE} boundary is empty", path=_CONTENT_TYPE)
    if any(ord(c) < 0x20 or ord(c) > 0x7E for c in boundary):
        raise BadRequest(
            f"{MEDIA_TYPE} boundary {boundary!r} has characters outside printable ASCII",
            path=_CONTENT_TYPE,
        )
    return boundary.encode("ascii")


def _after_delimiter(body: bytes, at: int) -> tuple[bytes, int] | None:
    """What follows a candidate "--boundary" ending at `at`.

    Returns (b"--", at + 2) for a closing delimiter, (line ending, index after it) for an
    ordinary delimiter line, or None when the candidate is not a delimiter at all (the
    boundary is only a prefix of a longer string, or other text follows on the line).
    """
    if body.startswith(b"--", at):
        return b"--", at + 2
    end = len(body)
    i = at
    while i < end and body[i] in _PADDING:  # transport padding: a few bytes at most
        i += 1
    if body.startswith(b"\r\n", i):
        return b"\r\n", i + 2
    if body.startswith(b"\n", i):
        return b"\n", i + 1
    return None


def _first_delimiter(body: bytes, dash: bytes) -> tuple[bytes, int]:
    """The first delimiter: at the very start of the body or at the start of a line."""
    candidate = 0 if body.startswith(dash) else -1
    search_from = 0
    while True:
        if candidate < 0:
            found = body.find(b"\n" + dash, search_from)
            if found < 0:
                raise BadRequest(
                    "multipart body has no delimiter line for the boundary given in the "
                    "Content-Type header",
                    path="body",
                )
            candidate = found + 1
        after = _after_delimiter(body, candidate + len(dash))
        if after is not None:
            return after
        search_from = candidate + 1
        candidate = -1


def _parse_headers(block: bytes, newline: bytes, index: int) -> dict[str, str]:
    headers: dict[str, str] = {}
    last: str | None = None
    for raw in block.split(newline):
        if raw[:1] in (b" ", b"\t"):  # obsolete line folding: continues the previous field
            if last is None:
                raise BadRequest(
                    f"part[{index}] starts its headers with a continuation line",
                    path=f"part[{index}]",
                )
            headers[last] = f"{headers[last]} {_decode(raw, index).strip()}".strip()
            continue
        colon = raw.find(b":")
        name = _decode(raw[:colon], index).strip().lower() if colon > 0 else ""
        if not name or any(c in name for c in " \t"):
            raise BadRequest(
                f"part[{index}] has a malformed header line {raw[:80]!r}; is the blank line "
                "between its headers and its content missing?",
                path=f"part[{index}]",
            )
        value = _decode(raw[colon + 1 :], index).strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
        last = name
    return headers


def _decode(raw: bytes, index: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(
            f"part[{index}] has a header that is not UTF-8", path=f"part[{index}]"
        ) from None


def _part(content: bytes, newline: bytes, index: int) -> Part:
    if not content:
        return Part(headers={}, body=b"")
    if content.startswith(newline):  # no header fields at all
        return Part(headers={}, body=content[len(newline) :])
    end = content.find(newline + newline)
    if end < 0:
        raise BadRequest(
            f"part[{index}] has no blank line between its headers and its content",
            path=f"part[{index}]",
        )
    headers = _parse_headers(content[:end], newline, index)
    return Part(headers=headers, body=content[end + 2 * len(newline) :])


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """The parts of a multipart/mixed `body`, whose request Content-Type is `content_type`.

    Raises BadRequest (path "Content-Type", "body" or "part[i]", counting from 0) when the
    Content-Type is not multipart/mixed or has no boundary, when the body has no delimiter
    or no closing delimiter, or when a part's header section is malformed.
    """
    dash = b"--" + _boundary(content_type)
    newline, pos = _first_delimiter(body, dash)
    parts: list[Part] = []
    if newline == b"--":  # the first delimiter is already the closing one
        return parts
    delimiter = newline + dash
    while True:
        # Searching from the newline that ended the previous delimiter line lets a part be
        # empty ("--b CRLF --b"), as RFC 2046 permits.
        search_from = pos - len(newline)
        while True:
            found = body.find(delimiter, search_from)
            if found < 0:
                raise BadRequest(
                    f"multipart body has no closing delimiter (--boundary--) after "
                    f"part[{len(parts)}]",
                    path="body",
                )
            after = _after_delimiter(body, found + len(delimiter))
            if after is not None:
                break
            search_from = found + 1
        parts.append(_part(body[pos : max(found, pos)], newline, len(parts)))
        kind, pos = after
        if kind == b"--":
            return parts
        if kind != newline:
            raise BadRequest(
                f"multipart body mixes CRLF and bare LF line endings after part[{len(parts) - 1}]",
                path="body",
            )


def build_multipart(parts: Sequence[tuple[Mapping[str, str], bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed body holding `parts`, and the Content-Type header value to send it with.

    The boundary is random and occurs in no part. Header values must not contain CR or LF.
    """
    encoded: list[tuple[bytes, bytes]] = []
    for headers, body in parts:
        lines = []
        for name, value in headers.items():
            if any(c in name for c in ":\r\n") or any(c in value for c in "\r\n"):
                raise ValueError(f"header {name!r}: {value!r} cannot be written in a part")
            lines.append(f"{name}: {value}\r\n".encode())
        encoded.append((b"".join(lines), body))
    while True:
        boundary = "xapi-" + secrets.token_hex(16)
        token = boundary.encode("ascii")
        if not any(token in head or token in body for head, body in encoded):
            break
    dash = b"--" + token
    chunks: list[bytes] = []
    for head, body in encoded:
        chunks += (dash, b"\r\n", head, b"\r\n", body, b"\r\n")
    chunks += (dash, b"--\r\n")
    return b"".join(chunks), f"{MEDIA_TYPE}; boundary={boundary}"
