"""Query parameters shared by several resources, checked at the edge."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from lrs.errors import BadRequest
from lrs.xapi.timestamps import micros, parse_timestamp


def uuid_param(params: Mapping[str, str], name: str) -> str:
    value = params[name]
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise BadRequest(f"{name} must be a UUID, not {value!r}", name) from exc


def iri_param(params: Mapping[str, str], name: str) -> str:
    value = params[name]
    scheme, colon, rest = value.partition(":")
    if (
        not colon
        or not scheme
        or not rest
        or not scheme[0].isalpha()
        or any(c.isspace() for c in value)
    ):
        raise BadRequest(f"{name} must be an absolute IRI, not {value!r}", name)
    return value


def activity_param(params: Mapping[str, str]) -> str:
    if "activityId" not in params:
        raise BadRequest("the activityId parameter is required", "activityId")
    return iri_param(params, "activityId")


def time_param(params: Mapping[str, str], name: str) -> int | None:
    if name not in params:
        return None
    try:
        return micros(parse_timestamp(params[name]))
    except ValueError as exc:
        raise BadRequest(
            f"{name} must be an ISO 8601 timestamp, not {params[name]!r}", name
        ) from exc
