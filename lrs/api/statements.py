"""The Statements resource (xAPI 1.0.3 Communication 2.1; xAPI 2.0)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from lrs.api._context import credential_of, lrs_of, version_of
from lrs.api._http import (
    JSON_TYPE,
    http_date,
    json_response,
    media_type,
    parse_bool,
    parse_json,
    query_params,
    read_body,
)
from lrs.api._params import iri_param, time_param, uuid_param
from lrs.auth import STATEMENTS_READ, STATEMENTS_WRITE, Credential
from lrs.errors import BadRequest, NotFound
from lrs.store import Attachment, StatementPage, StatementQuery, StoredStatement
from lrs.xapi.agents import agent_key
from lrs.xapi.attachments import attachment_hashes, check_attachments, split_statement_request
from lrs.xapi.formats import format_statement, parse_accept_language
from lrs.xapi.multipart import build_multipart, parse_multipart
from lrs.xapi.prepare import SIGNATURE_USAGE, prepare
from lrs.xapi.signature import verify_signature
from lrs.xapi.validate import validate_agent_param, validate_statements
from lrs.xapi.versions import XAPIVersion

CONSISTENT_THROUGH = "X-Experience-API-Consistent-Through"
SINGLE_PARAMS = {"statementId", "voidedStatementId", "format", "attachments"}
QUERY_PARAMS = {
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
}
FORMATS = ("exact", "ids", "canonical")


async def endpoint(request: Request) -> Response:
    # X-Experience-API-Consistent-Through is added by lrs.app.XAPIMiddleware, errors included.
    if request.method in ("GET", "HEAD"):
        return await get(request)
    if request.method == "PUT":
        return await put(request)
    return await post(request)


# -- writing ----------------------------------------------------------------------------------


async def put(request: Request) -> Response:
    params = query_params(request, {"statementId"})
    if "statementId" not in params:
        raise BadRequest("PUT /statements needs the statementId parameter", "statementId")
    statement_id = uuid_param(params, "statementId")
    body, parts = await _statement_body(request)
    if not isinstance(body, dict):
        raise BadRequest("PUT /statements takes one statement (a JSON object)", "$")
    if "id" in body and isinstance(body["id"], str) and body["id"].lower() != statement_id:
        raise BadRequest(
            f"statement id {body['id']} differs from the statementId parameter {statement_id}",
            "$.id",
        )
    body.setdefault("id", statement_id)
    await _store(request, body, parts)
    return Response(status_code=204)


async def post(request: Request) -> Response:
    query_params(request, ())
    body, parts = await _statement_body(request)
    ids = await _store(request, body, parts)
    return json_response(ids)


async def _statement_body(request: Request) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    limit = lrs_of(request).settings.max_body_bytes
    data = await read_body(request, limit)
    kind = media_type(request)
    if kind == JSON_TYPE:
        return parse_json(data), {}
    if kind == "multipart/mixed":
        statement_json, parts = split_statement_request(
            parse_multipart(data, request.headers["content-type"])
        )
        return parse_json(statement_json), parts
    raise BadRequest(
        f"Content-Type must be application/json or multipart/mixed, not {kind or 'absent'!r}",
        "Content-Type",
    )


async def _store(request: Request, body: Any, parts: dict[str, tuple[str, bytes]]) -> list[str]:
    version = version_of(request)
    credential = await credential_of(request)
    credential.require(STATEMENTS_WRITE)
    lrs = lrs_of(request)
    statements = validate_statements(body, version)
    batch = isinstance(body, list)
    check_attachments(statements, parts, batch=batch)
    _check_signatures(statements, parts, batch)
    authority = credential.authority(lrs.settings.authority_homepage)
    prepared = prepare(statements, version, authority)
    attachments = {
        sha2: Attachment(sha2, content_type, data) for sha2, (content_type, data) in parts.items()
    }
    await lrs.store.save_statements(credential.tenant, prepared, attachments)
    return [p.statement["id"] for p in prepared]


def _check_signatures(
    statements: Sequence[dict[str, Any]], parts: Mapping[str, tuple[str, bytes]], batch: bool
) -> None:
    for index, statement in enumerate(statements):
        for position, attachment in enumerate(statement.get("attachments", ())):
            if attachment["usageType"] != SIGNATURE_USAGE:
                continue
            where = f"{f'$[{index}]' if batch else '$'}.attachments[{position}]"
            if attachment["contentType"] != "application/octet-stream":
                raise BadRequest(
                    "a signature attachment must have contentType application/octet-stream",
                    f"{where}.contentType",
                )
            part = parts.get(attachment["sha2"].lower())
            if part is None:
                raise BadRequest("a signed statement must carry its signature as a part", where)
            verify_signature(statement, part[1])


# -- reading ----------------------------------------------------------------------------------


async def get(request: Request) -> Response:
    version = version_of(request)
    credential = await credential_of(request)
    credential.require(STATEMENTS_READ)
    raw = dict(request.query_params)
    if "more" in raw:
        params = query_params(request, {"more"})
        return await _query(request, credential, version, *_decode_more(params["more"]))
    if "statementId" in raw or "voidedStatementId" in raw:
        return await _single(request, credential, query_params(request, SINGLE_PARAMS))
    params = query_params(request, QUERY_PARAMS)
    fmt = _format(params)
    attachments = parse_bool(params, "attachments")
    return await _query(
        request, credential, version, _parse_query(params, version), fmt, attachments
    )


async def _single(request: Request, credential: Credential, params: dict[str, str]) -> Response:
    if "statementId" in params and "voidedStatementId" in params:
        raise BadRequest("give statementId or voidedStatementId, not both", "voidedStatementId")
    voided = "voidedStatementId" in params
    name = "voidedStatementId" if voided else "statementId"
    statement_id = uuid_param(params, name)
    fmt = _format(params)
    attachments = parse_bool(params, "attachments")
    found = await lrs_of(request).store.get_statement(credential.tenant, statement_id)
    if (
        found is None
        or found.voided != voided
        or (credential.reads_only_own and not _own(found, credential, request))
    ):
        raise NotFound(f"no {'voided ' if voided else ''}statement with id {statement_id}", name)
    statement = _render(found, fmt, request)
    headers = {"Last-Modified": http_date(found.stored_us)}
    if attachments:
        return await _multipart(request, credential, orjson.dumps(statement), [statement], headers)
    return Response(orjson.dumps(statement), headers=headers, media_type=JSON_TYPE)


def _own(found: StoredStatement, credential: Credential, request: Request) -> bool:
    authority = orjson.loads(found.body).get("authority", {})
    mine = credential.authority(lrs_of(request).settings.authority_homepage)
    return agent_key(authority) == agent_key(mine)


async def _query(
    request: Request,
    credential: Credential,
    version: XAPIVersion,
    query: StatementQuery,
    fmt: str,
    attachments: bool,
) -> Response:
    lrs = lrs_of(request)
    page_size = lrs.settings.page_size
    query = replace(query, limit=min(query.limit or page_size, page_size))
    scoped = query
    if credential.reads_only_own:
        mine = agent_key(credential.authority(lrs.settings.authority_homepage))
        assert mine is not None
        scoped = replace(query, terms=(*query.terms, ("authority", mine)))
    page = await lrs.store.query_statements(credential.tenant, scoped)
    more = _more_link(lrs.settings.base_path, query, page, fmt, attachments)
    headers = {}
    if page.statements:
        headers["Last-Modified"] = http_date(max(s.stored_us for s in page.statements))
    if fmt == "exact":
        body = b'{"statements":[' + b",".join(s.body for s in page.statements) + b'],"more":'
        body += orjson.dumps(more) + b"}"
        statements = [orjson.loads(s.body) for s in page.statements] if attachments else []
    else:
        statements = [_render(s, fmt, request) for s in page.statements]
        body = orjson.dumps({"statements": statements, "more": more})
    if attachments:
        return await _multipart(request, credential, body, statements, headers)
    return Response(body, headers=headers, media_type=JSON_TYPE)


def _render(found: StoredStatement, fmt: str, request: Request) -> dict[str, Any]:
    statement: dict[str, Any] = orjson.loads(found.body)
    if fmt == "exact":
        return statement
    languages = parse_accept_language(request.headers.get("accept-language"))
    return format_statement(statement, fmt, languages)


async def _multipart(
    request: Request,
    credential: Credential,
    body: bytes,
    statements: Sequence[Mapping[str, Any]],
    headers: dict[str, str],
) -> Response:
    hashes = list(dict.fromkeys(h for s in statements for h in attachment_hashes(s)))
    found = await lrs_of(request).store.get_attachments(credential.tenant, hashes)
    parts: list[tuple[Mapping[str, str], bytes]] = [({"Content-Type": JSON_TYPE}, body)]
    parts.extend(
        (
            {
                "Content-Type": a.content_type,
                "Content-Transfer-Encoding": "binary",
                "X-Experience-API-Hash": a.sha2,
            },
            a.data,
        )
        for a in found
    )
    payload, content_type = build_multipart(parts)
    return Response(payload, headers={**headers, "Content-Type": content_type})


# -- parameters -------------------------------------------------------------------------------


def _format(params: Mapping[str, str]) -> str:
    fmt = params.get("format", "exact")
    if fmt not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}", "format")
    return fmt


def _parse_query(params: Mapping[str, str], version: XAPIVersion) -> StatementQuery:
    terms: list[tuple[str, str]] = []
    if "agent" in params:
        agent = validate_agent_param(parse_json(params["agent"], "agent"), version)
        key = agent_key(agent)
        if key is None:
            raise BadRequest("the agent parameter must identify an Agent or Group", "agent")
        terms.append(("related_agent" if parse_bool(params, "related_agents") else "agent", key))
    else:
        parse_bool(params, "related_agents")
    if "activity" in params:
        iri = iri_param(params, "activity")
        kind = "related_activity" if parse_bool(params, "related_activities") else "activity"
        terms.append((kind, iri))
    else:
        parse_bool(params, "related_activities")
    if "verb" in params:
        terms.append(("verb", iri_param(params, "verb")))
    if "registration" in params:
        terms.append(("registration", uuid_param(params, "registration")))
    limit_text = params.get("limit", "0")
    if not limit_text.isdigit():
        raise BadRequest(f"limit must be a non-negative integer, not {limit_text!r}", "limit")
    return StatementQuery(
        terms=tuple(terms),
        since_us=time_param(params, "since"),
        until_us=time_param(params, "until"),
        limit=int(limit_text),
        ascending=parse_bool(params, "ascending"),
    )


# -- paging -----------------------------------------------------------------------------------


def _more_link(
    base_path: str, query: StatementQuery, page: StatementPage, fmt: str, attachments: bool
) -> str:
    if not page.has_more or not page.statements:
        return ""
    last = page.statements[-1].seq
    cursor = {"after": last} if query.ascending else {"before": last}
    state = {
        "t": query.terms,
        "s": query.since_us,
        "u": query.until_us,
        "l": query.limit,
        "a": query.ascending,
        "c": page.ceiling,
        "f": fmt,
        "x": attachments,
        **cursor,
    }
    token = base64.urlsafe_b64encode(orjson.dumps(state)).rstrip(b"=").decode()
    return f"{base_path}/statements?more={token}"


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _decode_more(token: str) -> tuple[StatementQuery, str, bool]:
    try:
        state = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        query = StatementQuery(
            terms=tuple((str(k), str(v)) for k, v in state["t"]),
            since_us=state["s"],
            until_us=state["u"],
            limit=int(state["l"]),
            ascending=bool(state["a"]),
            ceiling=int(state["c"]),
            after=_optional_int(state.get("after")),
            before=_optional_int(state.get("before")),
        )
        fmt, attachments = str(state["f"]), bool(state["x"])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise BadRequest("the more token is not one this LRS issued", "more") from exc
    if fmt not in FORMATS:
        raise BadRequest("the more token is not one this LRS issued", "more")
    return query, fmt, attachments
