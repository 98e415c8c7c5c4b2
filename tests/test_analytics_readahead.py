"""The leaf pages of an SQLite table, found from its interior pages, and asked for ahead of
a scan: checked against SQLite's own account of its pages (dbstat)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from analytics.readahead import TableReadahead, leaf_groups, runs

ROWS = 20_000
PAGE = 512  # small pages: a tree three levels deep from a small file


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file whose table `t` (rowids 1..ROWS) was written interleaved with another table, as
    the store writes facts and bodies."""
    path = tmp_path_factory.mktemp("readahead") / "t.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA page_size = {PAGE}")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, facts BLOB)")
        conn.execute("CREATE TABLE other (id INTEGER PRIMARY KEY, body BLOB)")
        for start in range(1, ROWS + 1, 50):
            rows = [(i, os.urandom(90)) for i in range(start, start + 50)]
            conn.executemany("INSERT INTO t VALUES (?, ?)", rows)
            conn.executemany("INSERT INTO other VALUES (?, ?)", [(i, b * 2) for i, b in rows])
            conn.commit()
    return path


def reader(path: Path) -> Callable[[int], bytes]:
    fd = os.open(path, os.O_RDONLY)
    return lambda page: os.pread(fd, PAGE, (page - 1) * PAGE)


def sqlite_leaves(path: Path) -> list[tuple[int, int]]:
    """(page, greatest rowid) of t's leaf pages in rowid order, from SQLite's own account."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT pageno, ncell FROM dbstat WHERE name = 't' AND pagetype = 'leaf' ORDER BY path"
        ).fetchall()
        (depth,) = conn.execute(
            "SELECT max(length(path) - length(replace(path, '/', ''))) FROM dbstat WHERE name='t'"
        ).fetchone()
    assert depth >= 4, "the tree should have interior pages below its root"
    leaves, last = [], 0
    for page, cells in rows:
        last += cells
        leaves.append((page, last))
    assert last == ROWS
    return leaves


def root_of(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        (root,) = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = 't'").fetchone()
    return int(root)


def named(path: Path, after: int) -> list[int]:
    return [p for pages, _ in leaf_groups(reader(path), root_of(path), after) for p in pages]


def test_every_leaf_in_rowid_order(store: Path) -> None:
    leaves = sqlite_leaves(store)
    assert named(store, 0) == [page for page, _ in leaves]
    # Interleaved with the other table's pages: runs, not one.
    assert 10 < len(list(runs(leaf_groups(reader(store), root_of(store), 0)))) < len(leaves)


def test_a_group_holds_no_rowid_above_its_bound(store: Path) -> None:
    greatest = dict(sqlite_leaves(store))
    groups = list(leaf_groups(reader(store), root_of(store), 0))
    assert groups[-1][1] is None  # the right-most: no bound
    for pages, bound in groups[:-1]:
        assert bound is not None
        assert max(greatest[p] for p in pages) <= bound


@pytest.mark.parametrize("after", [1, 999, 4321, ROWS // 2, ROWS - 7, ROWS - 1, ROWS])
def test_leaves_after_a_rowid_are_those_that_can_hold_later_rows(store: Path, after: int) -> None:
    leaves = sqlite_leaves(store)
    needed = [page for page, last in leaves if last > after]
    pages = named(store, after)
    assert pages == [page for page, _ in leaves][-len(pages) :]  # a suffix, in order
    assert pages[len(pages) - len(needed) :] == needed
    assert len(pages) - len(needed) <= 3  # before those, the last leaf at most on each level


def test_runs_are_consecutive_pages_within_a_group() -> None:
    groups = iter([([5, 6, 7, 9], 40), ([10, 11], None)])
    assert list(runs(groups)) == [(5, 3, 40), (9, 1, 40), (10, 2, None)]


@pytest.mark.parametrize(
    "page", [b"", b"\x00" * PAGE, b"\x0a" + b"\x00" * (PAGE - 1), b"\x05\x00\x00\x00\x09"]
)
def test_a_page_that_is_not_a_table_page_ends_the_hints(page: bytes) -> None:
    # Empty (past the end), zeroed (freed), an index page, an interior page cut short.
    assert list(leaf_groups(lambda _: page, 2, 0)) == []


def test_asks_a_window_ahead_of_the_scan_then_the_rest(store: Path) -> None:
    leaves = [page for page, _ in sqlite_leaves(store)]
    asked: list[int] = []

    def advise(offset: int, length: int) -> None:
        assert offset % PAGE == 0 and length % PAGE == 0
        asked.extend(range(offset // PAGE + 1, (offset + length) // PAGE + 1))

    window = 40
    with sqlite3.connect(store) as conn:
        readahead = TableReadahead(store, conn, "t", 0, window_bytes=window * PAGE, advise=advise)
    try:
        wait_for(lambda: len(asked) >= window)
        time.sleep(0.2)  # the scan reports nothing: time to go past its window, if it would
        longest = max(n for _, n, _ in runs(leaf_groups(reader(store), root_of(store), 0)))
        assert window <= len(asked) < window + longest
        assert asked == leaves[: len(asked)]
        readahead.reached(ROWS)
        wait_for(lambda: len(asked) >= len(leaves))
        assert asked == leaves
    finally:
        readahead.close()


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
