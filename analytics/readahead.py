"""Read-ahead of one table of an SQLite file, for a scan in rowid order.

The embedded store commits each batch of statements to several tables at once, so the
pages of `statement_facts` lie in runs of about 150 between the pages of the bodies. When
the file is not in the page cache, SQLite reads the facts a page at a time, and the kernel's
readahead (8 MB on this machine's disk) brings in the bodies between the runs as well: a
cold sync of 10 M statements read 29 GB to get 8.3 GB of facts.

`TableReadahead` asks the kernel for the table's leaf pages, and for nothing else
(posix_fadvise WILLNEED), a bounded distance ahead of the scan. It finds them by walking
the table's interior pages itself (SQLite file format, 1.6 "B-tree Pages"). What it asks
for is a hint: a page it misses, or reads stale because the write-ahead log holds a newer
copy, costs the scan a read, never a row.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

# How far ahead of the scan pages are asked for.
WINDOW_BYTES = 128 << 20

_INTERIOR_TABLE, _LEAF_TABLE = 0x05, 0x0D
_MAX_DEPTH = 20  # SQLite's own limit on a b-tree's depth
_HINTS = hasattr(os, "posix_fadvise")  # Linux gives the hints; elsewhere, none are given

Advise = Callable[[int, int], None]  # (offset, length) in bytes


def leaf_groups(
    read_page: Callable[[int], bytes], root: int, after: int
) -> Iterator[tuple[list[int], int | None]]:
    """The leaf pages of the table b-tree at `root` that can hold rowids above `after`, in
    rowid order: a group of them per page above them, with the greatest rowid the group can
    hold (None: no bound). A leaf before those can come too (one at most on each level),
    and nothing when a page read is not what the tree's shape says it is."""
    depth, page = 0, root
    while True:  # every leaf of a b-tree is as deep as its right-most one
        data = read_page(page) if page >= 2 and depth <= _MAX_DEPTH else b""
        if not data or data[0] not in (_LEAF_TABLE, _INTERIOR_TABLE):
            return
        if data[0] == _LEAF_TABLE:
            break
        depth, page = depth + 1, int.from_bytes(data[8:12])

    def walk(page: int, bound: int | None, level: int) -> Iterator[tuple[list[int], int | None]]:
        data = read_page(page) if page >= 2 else b""  # page 1 is the schema's: stale
        if level == depth:
            if data[:1] == bytes([_LEAF_TABLE]):
                yield [page], bound
            return
        if data[:1] != bytes([_INTERIOR_TABLE]):  # stale: hinting stops here
            return
        cells = int.from_bytes(data[3:5])
        starts = struct.unpack_from(f">{cells}H", data, 12)
        # Every rowid of a cell's (left) child is at most the cell's key.
        if cells and _varint(data, starts[0] + 4) <= after:
            starts = tuple(at for at in starts if _varint(data, at + 4) > after)
        if level + 1 == depth:  # its children are leaves: named, not read
            children = [int.from_bytes(data[at : at + 4]) for at in starts]
            yield [*children, int.from_bytes(data[8:12])], bound
            return
        for at in starts:
            yield from walk(int.from_bytes(data[at : at + 4]), _varint(data, at + 4), level + 1)
        yield from walk(int.from_bytes(data[8:12]), bound, level + 1)

    try:
        yield from walk(root, None, 0)
    except (IndexError, struct.error):  # a page cut short, stale: hinting stops
        return


def runs(
    groups: Iterator[tuple[list[int], int | None]],
) -> Iterator[tuple[int, int, int | None]]:
    """(first page, page count, greatest rowid) of each run of consecutive pages of the
    groups (a run ends with its group)."""
    for pages, bound in groups:
        first = previous = pages[0]
        for page in pages[1:]:
            if page != previous + 1:
                yield first, previous - first + 1, bound
                first = page
            previous = page
        yield first, previous - first + 1, bound


class TableReadahead:
    """Asks for the leaf pages of `table` after rowid `after`, on a thread of its own, at
    most `window_bytes` ahead of the rowid the scan reports with `reached`."""

    def __init__(
        self,
        path: Path,
        conn: sqlite3.Connection,
        table: str,
        after: int,
        window_bytes: int = WINDOW_BYTES,
        advise: Advise | None = None,
    ) -> None:
        (self._page_size,) = conn.execute("PRAGMA page_size").fetchone()
        row = conn.execute(
            "SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = ?", [table]
        ).fetchone()
        self._root = 0 if row is None else int(row[0])
        self._fd = os.open(path, os.O_RDONLY)
        self._advise = advise or self._will_need
        self._window = max(1, window_bytes // self._page_size)
        self._reached = after
        self._stopped = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="sqlite-readahead", daemon=True)
        if advise is not None or _HINTS:
            self._thread.start()

    def reached(self, rowid: int) -> None:
        """The scan has read every row up to `rowid`."""
        with self._changed:
            self._reached = rowid
            self._changed.notify()

    def close(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify()
        if self._thread.ident is not None:
            self._thread.join()
        os.close(self._fd)

    def _read_page(self, page: int) -> bytes:
        return os.pread(self._fd, self._page_size, (page - 1) * self._page_size)

    def _will_need(self, offset: int, length: int) -> None:
        os.posix_fadvise(self._fd, offset, length, os.POSIX_FADV_WILLNEED)

    def _run(self) -> None:
        if _HINTS:  # its own reads of interior pages: those pages only
            os.posix_fadvise(self._fd, 0, 0, os.POSIX_FADV_RANDOM)
        leaves = leaf_groups(self._read_page, self._root, self._reached)
        asked: deque[tuple[int, int]] = deque()  # (bound, pages) not yet scanned past
        ahead = 0
        with contextlib.suppress(OSError):  # a hint that fails is a hint not given
            for first, count, bound in runs(leaves):
                with self._changed:
                    while True:
                        while asked and asked[0][0] <= self._reached:
                            ahead -= asked.popleft()[1]
                        if self._stopped:
                            return
                        if ahead < self._window:
                            break
                        self._changed.wait()
                self._advise((first - 1) * self._page_size, count * self._page_size)
                if bound is not None:  # else the last group's: no rowid says it is passed
                    asked.append((bound, count))
                    ahead += count


def _varint(data: bytes, at: int) -> int:
    """SQLite's variable-length integer at `at`: seven bits a byte, big-endian, the ninth
    byte all eight."""
    value = 0
    for i in range(8):
        byte = data[at + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value
    return (value << 8) | data[at + 8]
