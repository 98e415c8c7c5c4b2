"""Storage behind one async protocol; the URL picks the backend."""

from lrs.store.base import (
    Attachment,
    DocumentKey,
    PreparedStatement,
    StatementPage,
    StatementQuery,
    Store,
    StoredStatement,
)


def open_store(url: str) -> Store:
    if url.startswith("sqlite:///"):
        from lrs.store.sqlite import SQLiteStore

        return SQLiteStore(url)
    raise ValueError(f"unsupported store URL {url!r}: expected sqlite:///PATH")


__all__ = [
    "Attachment",
    "DocumentKey",
    "PreparedStatement",
    "StatementPage",
    "StatementQuery",
    "Store",
    "StoredStatement",
    "open_store",
]
