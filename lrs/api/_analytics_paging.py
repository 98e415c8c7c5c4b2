"""Paging of analytics answers: the cursor of a next page (where it starts, and which
version of the figures it belongs to), its URL, and the check that the figures have not
changed since the first page."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import orjson

from lrs.errors import BadRequest

if TYPE_CHECKING:
    from lrs.api._analytics_query import Query

CHANGED = (
    "the figures changed since the first page (a sync ran, or the catalog or roster changed): "
    "start again from the first page"
)


def read_cursor(raw: str) -> tuple[int, str]:
    """The offset and figures' version a cursor of `cursor_of` holds."""
    try:
        state = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        offset, version = state["o"], state["v"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise BadRequest("the cursor is not one this LRS issued", "cursor") from exc
    if not (isinstance(offset, int) and offset > 0 and isinstance(version, str)):
        raise BadRequest("the cursor is not one this LRS issued", "cursor")
    return offset, version


def cursor_of(offset: int, version: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"o": offset, "v": version})).rstrip(b"=").decode()


def next_page(query: Query, version: str, total: int) -> str:
    """The URL of the page after `query`'s, of `total` rows; "" after the last."""
    end = query.offset + query.limit
    if end >= total:
        return ""
    return f"{query.path}?{urlencode({**query.echo, 'cursor': cursor_of(end, version)})}"


def check_version(query: Query, version: str) -> None:
    """A next page answers 400 when the figures it continues are not these any more."""
    if query.version is not None and query.version != version:
        raise BadRequest(CHANGED, "cursor")
