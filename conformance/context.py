"""What every check gets: an HTTP client for the LRS under test and fresh, per-run identifiers."""

from __future__ import annotations

import base64
import itertools
import json
import time
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from conformance.registry import CheckFailed
from conformance.util import dumps, need_timestamp, parse_timestamp, short

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


class _Default:
    """Marks 'use the client's usual value' for the version header and credentials."""


DEFAULT = _Default()
Json = Any


class Lrs:
    """A thin synchronous client for the LRS under test.

    Every request carries Basic credentials and the version header unless told otherwise;
    `version=None` or `auth=None` omits them, a string sends that value instead.
    """

    def __init__(
        self,
        endpoint: str,
        user: str,
        password: str,
        version: str,
        *,
        timeout: float = 30.0,
        settle: float = 5.0,
    ) -> None:
        self.endpoint = endpoint.rstrip("/") + "/"
        parts = urlsplit(self.endpoint)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.version = version
        self.settle_seconds = settle
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.authorization = f"Basic {token}"
        self.client = httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def url(self, resource: str) -> str:
        return self.endpoint + resource.lstrip("/")

    def request(
        self,
        method: str,
        resource: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Json = DEFAULT,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        version: str | _Default | None = DEFAULT,
        auth: str | _Default | None = DEFAULT,
        absolute: str | None = None,
    ) -> httpx.Response:
        sent: dict[str, str] = {}
        if isinstance(version, _Default):
            sent["X-Experience-API-Version"] = self.version
        elif version is not None:
            sent["X-Experience-API-Version"] = version
        if isinstance(auth, _Default):
            sent["Authorization"] = self.authorization
        elif auth is not None:
            sent["Authorization"] = auth
        if not isinstance(json_body, _Default):
            content = dumps(json_body)
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        url = absolute or self.url(resource)
        for attempt in (1, 2):
            try:
                return self.client.request(
                    method, url, params=params, content=content, headers=sent
                )
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as error:
                if attempt == 2:  # once more on a fresh connection, then give up
                    raise CheckFailed(f"{method} {url}: no HTTP response ({error!r})") from error
            except httpx.HTTPError as error:
                raise CheckFailed(f"{method} {url}: no HTTP response ({error!r})") from error
        raise AssertionError("unreachable")

    def get(self, resource: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", resource, **kwargs)

    def resolve_more(self, more: str) -> str:
        return urljoin(self.origin + "/", more)

    # -- statements ---------------------------------------------------------------------------

    def post_statements(self, body: Json, **kwargs: Any) -> httpx.Response:
        return self.request("POST", "statements", json_body=body, **kwargs)

    def put_statement(self, statement: Json, statement_id: str, **kwargs: Any) -> httpx.Response:
        return self.request(
            "PUT", "statements", params={"statementId": statement_id}, json_body=statement, **kwargs
        )

    def store(self, *statements: Json) -> list[str]:
        """POST statements as one batch; a setup step, so anything but 200 fails the check."""
        body: Json = statements[0] if len(statements) == 1 else list(statements)
        response = self.post_statements(body)
        if response.status_code != 200:
            raise CheckFailed(
                f"setup: POST of valid statement(s) answered {response.status_code}: "
                f"{short(response.text)}"
            )
        ids = json_of(response, "POST statements")
        if not isinstance(ids, list) or len(ids) != len(statements):
            raise CheckFailed(f"setup: POST statements answered {short(ids)}, not a list of ids")
        return [str(i) for i in ids]

    def _available(self, params: dict[str, str]) -> httpx.Response:
        """GET, retrying while the answer is not 200 (the LRS may answer a write before what
        was written is available), until the settle time is up."""
        deadline = time.monotonic() + self.settle_seconds
        while True:
            response = self.get("statements", params=params)
            if response.status_code == 200 or time.monotonic() > deadline:
                return response
            time.sleep(0.1)

    def fetch_statement(
        self, statement_id: str, *, voided: bool = False, format: str | None = None
    ) -> Json:
        """GET one statement, retrying while it is not yet available (the LRS may answer first)."""
        key = "voidedStatementId" if voided else "statementId"
        params = {key: statement_id}
        if format is not None:
            params["format"] = format
        response = self._available(params)
        if response.status_code != 200:
            raise CheckFailed(
                f"GET statements?{key}={statement_id} answered {response.status_code}: "
                f"{short(response.text)}"
            )
        statement = json_of(response, f"GET statement {statement_id}")
        if not isinstance(statement, dict) or statement.get("id") != statement_id:
            raise CheckFailed(
                f"GET statements?{key}={statement_id} did not return that Statement: "
                f"{short(statement)}"
            )
        return statement

    def settle(self, *ids: str) -> list[Json]:
        """Wait until the statements are retrievable one by one and, where the LRS says so
        with X-Experience-API-Consistent-Through, by queries too. Returns them as stored.

        Only availability is required here (a 200 to GET statementId); whether the LRS returns
        the right Statement is for the checks of the Statement resource to say."""
        stored: list[Json] = []
        for statement_id in ids:
            response = self._available({"statementId": statement_id})
            if response.status_code != 200:
                raise CheckFailed(
                    f"setup: statement {statement_id} not available "
                    f"({response.status_code} {short(response.text, 100)})"
                )
            try:
                stored.append(json.loads(response.content))
            except ValueError:
                stored.append(None)
        latest: datetime | None = None
        for s in stored:
            moment = parse_timestamp(str(s.get("stored", ""))) if isinstance(s, dict) else None
            if moment is not None and (latest is None or moment > latest):
                latest = moment
        if latest is None:
            return stored
        deadline = time.monotonic() + self.settle_seconds
        while time.monotonic() < deadline:
            response = self.get("statements", params={"limit": "1"})
            through = parse_timestamp(
                response.headers.get("X-Experience-API-Consistent-Through", "")
            )
            if through is None or through >= latest:
                break
            time.sleep(0.1)
        return stored

    def query(self, params: dict[str, str], **kwargs: Any) -> Json:
        """GET statements with filters; a StatementResult object or CheckFailed."""
        response = self.get("statements", params=params, **kwargs)
        if response.status_code != 200:
            raise CheckFailed(
                f"GET statements?{short(params)} answered {response.status_code}: {short(response.text)}"
            )
        result = json_of(response, "GET statements")
        if not isinstance(result, dict) or not isinstance(result.get("statements"), list):
            raise CheckFailed(f"GET statements did not answer a StatementResult: {short(result)}")
        return result

    def query_ids(self, params: dict[str, str]) -> list[str]:
        """Ids of every statement a query matches, following `more` links."""
        result = self.query(params)
        ids = [str(s.get("id")) for s in result["statements"]]
        pages = 0
        while isinstance(result.get("more"), str) and result["more"] and pages < 50:
            response = self.get("", absolute=self.resolve_more(result["more"]))
            if response.status_code != 200:
                raise CheckFailed(f"GET of more link answered {response.status_code}")
            result = json_of(response, "more")
            ids += [str(s.get("id")) for s in result.get("statements", [])]
            pages += 1
        return ids

    # -- documents ----------------------------------------------------------------------------

    def document(
        self,
        method: str,
        resource: str,
        params: dict[str, str],
        body: bytes | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if content_type is not None:
            sent["Content-Type"] = content_type
        return self.request(method, resource, params=params, content=body, headers=sent)


def json_of(response: httpx.Response, what: str) -> Json:
    try:
        return json.loads(response.content)
    except ValueError as error:
        raise CheckFailed(f"{what}: response is not JSON: {short(response.content)}") from error


class Context:
    """Per-run state for the checks: the client and a source of fresh identifiers, so that
    runs against the same LRS never collide (LRSs keep what they are sent)."""

    def __init__(self, lrs: Lrs, run: str | None = None) -> None:
        self.lrs = lrs
        self.version = lrs.version
        self.run = run or uuid.uuid4().hex[:12]
        self._counter = itertools.count(1)

    @property
    def v2(self) -> bool:
        return self.version.startswith("2.")

    def n(self) -> int:
        return next(self._counter)

    @staticmethod
    def uuid() -> str:
        return str(uuid.uuid4())

    def iri(self, kind: str = "activities") -> str:
        return f"http://conformance.example.org/{self.run}/{kind}/{self.n()}"

    def mbox(self) -> str:
        return f"mailto:learner.{self.run}.{self.n()}@conformance.example.org"

    def agent(self, name: str | None = None) -> dict[str, Any]:
        agent: dict[str, Any] = {"objectType": "Agent", "mbox": self.mbox()}
        if name:
            agent["name"] = name
        return agent

    def group(self, *members: dict[str, Any], identified: bool = False) -> dict[str, Any]:
        group: dict[str, Any] = {"objectType": "Group", "member": list(members or [self.agent()])}
        if identified:
            group["mbox"] = self.mbox()
        return group

    def activity(self, iri: str | None = None, **definition: Any) -> dict[str, Any]:
        activity: dict[str, Any] = {"objectType": "Activity", "id": iri or self.iri()}
        if definition:
            activity["definition"] = definition
        return activity

    def verb(self, iri: str | None = None) -> dict[str, Any]:
        return {"id": iri or self.iri("verbs"), "display": {"en-US": "tested"}}

    def statement(self, **parts: Any) -> dict[str, Any]:
        """A valid statement with fresh actor and activity; keyword arguments replace parts."""
        statement: dict[str, Any] = {
            "actor": self.agent("Conformance Learner"),
            "verb": {
                "id": "http://adlnet.gov/expapi/verbs/experienced",
                "display": {"en-US": "experienced"},
            },
            "object": self.activity(name={"en-US": "Conformance activity"}),
        }
        statement.update(parts)
        return statement

    def voiding(self, target: str, **parts: Any) -> dict[str, Any]:
        return self.statement(
            verb={"id": VOIDED, "display": {"en-US": "voided"}},
            object={"objectType": "StatementRef", "id": target},
            **parts,
        )


def expect_status(response: httpx.Response, *codes: int, what: str) -> None:
    if response.status_code not in codes:
        wanted = " or ".join(str(c) for c in codes)
        raise CheckFailed(
            f"{what}: expected {wanted}, got {response.status_code} {short(response.text, 160)}"
        )


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def stored_of(statement: Json) -> datetime:
    return need_timestamp(
        statement.get("stored") if isinstance(statement, dict) else None, "stored"
    )
