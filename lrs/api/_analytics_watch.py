"""The time limit of one analytics computation: `Watch` holds the DuckDB connections the
computation opened and interrupts them all when its time is up; `TimeUp` is what the
computation then raises."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


class TimeUp(Exception):
    """The computation's time ran out while it was starting another step."""


class Watch:
    """The DuckDB connections of one computation, interrupted when its time is up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: list[duckdb.DuckDBPyConnection] = []
        self.expired = False

    @contextmanager
    def using(self, con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
        """`con` until the block ends, then closed; interrupted meanwhile if time runs out."""
        with self._lock:
            if self.expired:
                con.close()
                raise TimeUp
            self._connections.append(con)
        try:
            yield con
        finally:
            with self._lock:  # never closed while `expire` interrupts it
                self._connections.remove(con)
                con.close()

    def adopt(self, con: duckdb.DuckDBPyConnection) -> None:
        """Interrupt `con` too when time runs out: a connection the analytics functions
        opened themselves (announced through analytics.db.on_open)."""
        with self._lock:
            if self.expired:
                raise TimeUp
            self._connections.append(con)

    def check(self) -> None:
        if self.expired:
            raise TimeUp

    def expire(self) -> None:
        import duckdb

        with self._lock:
            self.expired = True
            for con in self._connections:
                with suppress(duckdb.Error):  # one its owner has closed meanwhile
                    con.interrupt()
