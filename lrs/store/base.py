"""The store protocol: one async method per operation the API needs.

Both backends (the embedded SQLite file and MongoDB) implement it, and one behavioural
test suite runs against each.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from lrs.auth import Credential
from lrs.store.terms import Posting
from lrs.xapi.documents import Document


@dataclass(frozen=True, slots=True)
class Attachment:
    sha2: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class PreparedStatement:
    """A validated statement with every LRS-set property but `stored`.

    The store sets `stored` (strictly increasing per tenant) and, when `timestamp_from_stored`,
    the timestamp too, at the moment it commits: `body` is the statement's JSON without them,
    so that the store only appends them.
    """

    id: str
    statement: dict[str, Any]
    body: bytes
    postings: tuple[Posting, ...]
    facts: bytes  # lrs.xapi.facts.statement_facts: what the analytics sync reads
    timestamp_from_stored: bool = False
    voids: str | None = None  # id of the statement this one voids
    refers_to: str | None = None  # StatementRef target: its filter terms apply to this one too
    definitions: Sequence[tuple[str, dict[str, Any]]] = ()  # (activity id, definition)
    agent_names: Sequence[tuple[str, str, dict[str, Any]]] = ()  # (agent key, name, IFI)


@dataclass(frozen=True, slots=True)
class StoredStatement:
    seq: int
    id: str
    stored_us: int
    voided: bool
    body: bytes  # the statement as JSON: exactly as received plus the LRS-set properties


@dataclass(frozen=True, slots=True)
class DocumentKey:
    """Where a document lives: its resource, the activity and/or agent key it belongs to,
    the registration (state only; "" for none) and its id."""

    resource: str  # "state" | "activity_profile" | "agent_profile"
    activity: str = ""
    agent: str = ""
    registration: str = ""
    id: str = ""


@dataclass(frozen=True, slots=True)
class StatementQuery:
    """A GET /statements query over validated values.

    `terms` are (kind, value) pairs every result must carry (see lrs.xapi.agents.index_terms).
    `after` / `before` are exclusive sequence bounds set by paging; `ceiling` freezes the
    result set at the first page so that `more` links are stable while statements arrive.
    """

    terms: tuple[tuple[str, str], ...] = ()
    since_us: int | None = None
    until_us: int | None = None
    limit: int = 100
    ascending: bool = False
    after: int | None = None
    before: int | None = None
    ceiling: int | None = None


@dataclass(frozen=True, slots=True)
class StatementPage:
    statements: list[StoredStatement]
    has_more: bool
    ceiling: int


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    # statements
    async def save_statements(
        self,
        tenant: str,
        batch: Sequence[PreparedStatement],
        attachments: Mapping[str, Attachment],
    ) -> None:
        """Store the batch atomically and durably, or raise and store nothing.

        A statement whose id is already stored with equivalent content is skipped; with
        different content the whole batch is refused with Conflict.
        """

    async def get_statement(self, tenant: str, statement_id: str) -> StoredStatement | None: ...

    async def get_statements(self, tenant: str, ids: Sequence[str]) -> list[StoredStatement]:
        """The statements with these ids (those that exist), in no particular order."""
        ...

    async def query_statements(self, tenant: str, query: StatementQuery) -> StatementPage: ...

    async def get_attachments(self, tenant: str, hashes: Sequence[str]) -> list[Attachment]: ...

    def export_statements(
        self, tenant: str, since_us: int | None, until_us: int | None
    ) -> AsyncIterator[StoredStatement]:
        """Every statement (voided ones too) in `stored` order."""
        ...

    # what statements taught the LRS
    async def get_activity(self, tenant: str, activity_id: str) -> dict[str, Any] | None:
        """The canonical definition of an activity, merged from the statements stored."""

    async def get_agent_names(self, tenant: str, key: str) -> list[str]: ...

    # documents
    async def get_document(self, tenant: str, key: DocumentKey) -> Document | None: ...

    async def list_documents(
        self, tenant: str, scope: DocumentKey, any_registration: bool, since_us: int | None
    ) -> list[tuple[str, int]]:
        """(id, updated) of the documents in `scope` (its `id` is ignored)."""
        ...

    async def change_document(
        self, tenant: str, key: DocumentKey, change: Callable[[Document | None], Document | None]
    ) -> None:
        """Replace the document by `change(current)` (None deletes it), atomically."""

    async def delete_documents(
        self, tenant: str, scope: DocumentKey, any_registration: bool
    ) -> None: ...

    # credentials
    async def add_credential(self, credential: Credential) -> None: ...

    async def get_credential(self, key: str) -> Credential | None: ...

    async def list_credentials(self) -> list[Credential]: ...

    async def revoke_credential(self, key: str) -> bool: ...
