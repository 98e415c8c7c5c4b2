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
    if url.startswith(("mongodb://", "mongodb+srv://")):
        from lrs.store.mongo import MongoStore

        return MongoStore(url)
    raise ValueError(
        f"unsupported store URL {url!r}: expected sqlite:///PATH or mongodb://HOST/DBNAME"
    )


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
