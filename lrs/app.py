"""The ASGI application, built by a factory; the store lives in the lifespan state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lrs.api import (
    about,
    activities,
    activity_profile,
    agent_profile,
    agents,
    analytics,
    state,
    statements,
)
from lrs.api._context import LRS, Authenticator
from lrs.api._http import json_response, now_iso
from lrs.api.statements import CONSISTENT_THROUGH
from lrs.config import Settings
from lrs.errors import BadRequest, LRSError, PayloadTooLarge, error_body
from lrs.store import Store, open_store
from lrs.xapi.versions import HEADER, XAPIVersion, negotiate

EXPOSED = "ETag, Last-Modified, Content-Type, X-Experience-API-Version, X-Experience-API-Consistent-Through"
ALLOWED_HEADERS = (
    "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match, "
    "Accept-Language, X-Requested-With"
)
# Alternate request syntax (1.0.3 Communication 1.3): form fields that stand for headers.
FORM_HEADERS = {
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
}
ALTERNATE_METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE"}
DOCUMENT_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]


def create_app(settings: Settings | None = None, store: Store | None = None) -> Starlette:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        opened = store or open_store(settings.store)
        await opened.open()
        app.state.lrs = LRS(
            settings, opened, Authenticator(opened, settings.credential_cache_seconds)
        )
        try:
            yield
        finally:
            await opened.close()

    routes = [
        # Outside the xAPI base path: no version header to negotiate (see lrs/api/analytics.py).
        Mount("/analytics", routes=analytics.routes()),
        Mount(
            settings.base_path,
            routes=[
                Route("/statements", statements.endpoint, methods=["GET", "HEAD", "PUT", "POST"]),
                Route("/about", about.endpoint, methods=["GET", "HEAD"]),
                Route("/activities", activities.endpoint, methods=["GET", "HEAD"]),
                Route("/agents", agents.endpoint, methods=["GET", "HEAD"]),
                Route("/activities/state", state.endpoint.handle, methods=DOCUMENT_METHODS),
                Route(
                    "/activities/profile",
                    activity_profile.endpoint.handle,
                    methods=DOCUMENT_METHODS,
                ),
                Route("/agents/profile", agent_profile.endpoint.handle, methods=DOCUMENT_METHODS),
            ],
        ),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(XAPIMiddleware, settings=settings)],
        exception_handlers={LRSError: _lrs_error, HTTPException: _http_error, Exception: _crash},
    )


async def _lrs_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LRSError)
    headers = {"Retry-After": "1"} if exc.status == 503 else None
    return json_response(exc.body(), exc.status, headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return json_response(error_body(exc.status_code, exc.detail), exc.status_code, exc.headers)


async def _crash(request: Request, exc: Exception) -> Response:
    return json_response(error_body(500, "internal error; the request was not completed"), 500)


class XAPIMiddleware:
    """Version negotiation, CORS and the alternate request syntax, around every request."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.about = settings.base_path + "/about"
        self.statements = settings.base_path + "/statements"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        cors = _cors_headers(request_headers.get("origin"))
        version = XAPIVersion.V2_0_0
        try:
            if scope["method"] == "OPTIONS":
                await self._preflight(scope, receive, send, cors, request_headers)
                return
            if scope["method"] == "POST" and b"method=" in scope["query_string"]:
                scope, receive = await self._alternate(scope, receive)
            header = Headers(scope=scope).get(HEADER)
            if scope["path"] == self.about:
                if header and header.startswith("1.0"):
                    version = XAPIVersion.V1_0_3
            elif scope["path"].startswith(self.settings.base_path + "/"):
                version = negotiate(header)
                scope["xapi_version"] = version
        except LRSError as exc:
            response = json_response(exc.body(), exc.status, {**cors, HEADER: version.value})
            await response(scope, receive, self._with_consistency(scope, send))
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers[HEADER] = version.value
                for name, value in cors.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, self._with_consistency(scope, send_with_headers))

    def _with_consistency(self, scope: Scope, send: Send) -> Send:
        """Every response of the statements resource, errors included, says how far reads
        are consistent (Communication 2.1.3)."""
        if scope["path"] != self.statements:
            return send

        async def send_with_consistency(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[CONSISTENT_THROUGH] = now_iso()
            await send(message)

        return send_with_consistency

    async def _preflight(
        self, scope: Scope, receive: Receive, send: Send, cors: dict[str, str], headers: Headers
    ) -> None:
        response = Response(
            status_code=204,
            headers={
                **cors,
                "Access-Control-Allow-Methods": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
                "Access-Control-Allow-Headers": headers.get(
                    "access-control-request-headers", ALLOWED_HEADERS
                ),
                "Access-Control-Max-Age": "86400",
                HEADER: XAPIVersion.V2_0_0.value,
            },
        )
        await response(scope, receive, send)

    async def _alternate(self, scope: Scope, receive: Receive) -> tuple[Scope, Receive]:
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        if len(query) != 1 or query[0][0] != "method":
            raise BadRequest(
                "with the alternate request syntax, 'method' must be the only query parameter",
                "method",
            )
        method = query[0][1].upper()
        if method not in ALTERNATE_METHODS:
            raise BadRequest(
                f"method must be one of {', '.join(sorted(ALTERNATE_METHODS))}", "method"
            )
        content_type = Headers(scope=scope).get("content-type", "")
        if not content_type.lower().startswith("application/x-www-form-urlencoded"):
            raise BadRequest(
                "the alternate request syntax needs an application/x-www-form-urlencoded body",
                "Content-Type",
            )
        body = await _receive_all(receive, self.settings.max_body_bytes)
        try:
            form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError as exc:
            raise BadRequest("the form body is not valid UTF-8", "content") from exc
        # Form fields stand in for headers; real headers still count where no field replaces
        # them. The form's own content type and length describe the form, not the content.
        headers = {
            name.lower(): value
            for name, value in Headers(scope=scope).items()
            if name.lower() not in ("content-type", "content-length")
        }
        params: list[tuple[str, str]] = []
        content = b""
        for name, value in form:
            if name == "content":
                content = value.encode("utf-8")
            elif name.lower() in FORM_HEADERS:
                headers[name.lower()] = value
            else:
                params.append((name, value))
        headers["content-length"] = str(len(content))
        if negotiate(headers.get(HEADER.lower())).is_2:
            raise BadRequest(
                "xAPI 2.0 has no alternate request syntax: use the HTTP method", "method"
            )
        if content and "content-type" not in headers:
            headers["content-type"] = "application/json"
        try:
            raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        except UnicodeEncodeError as exc:
            raise BadRequest("a header form field holds characters headers cannot carry") from exc
        new_scope = {
            **scope,
            "method": method,
            "query_string": urlencode(params).encode(),
            "headers": raw_headers,
        }
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": content, "more_body": False}
            return await receive()

        return new_scope, replay


async def _receive_all(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _cors_headers(origin: str | None) -> dict[str, str]:
    headers = {
        "Access-Control-Allow-Origin": origin or "*",
        "Access-Control-Expose-Headers": EXPOSED,
    }
    if origin:
        headers["Vary"] = "Origin"
        headers["Access-Control-Allow-Credentials"] = "true"
    return headers
