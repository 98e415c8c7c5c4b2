"""The figures of recent analytics answers, kept for the pages that follow.

A JSON answer is read a page at a time, each page a request of its own, and each used to
compute the whole of its figures again: 32 computations for a risk list of 219 rows in
pages of 7. Figures depend only on the metric, the store (tenant), the metric's options and
the version of the data (the sync watermark and row count, the catalog and roster files:
lrs.api._analytics_compute), so under those keys a later page, or the same figures for
another learner, are cut from the frame already made. A sync or a changed file makes a new
version, and the frames of the old one are dropped when the first of the new is kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

# The most the kept frames take (Polars' estimate); the least recently used go first. Of
# 10 M statements, the time-on-task frame (262,885 rows) takes 48 MB, click-through's 81 MB.
BUDGET_BYTES = 256 << 20


class Frames:
    """Frames by (version, key), least recently used first out, within `budget` bytes."""

    def __init__(self, budget: int = BUDGET_BYTES) -> None:
        self._budget = budget
        self._lock = threading.Lock()
        self._frames: OrderedDict[tuple[str, Hashable], tuple[pl.DataFrame, int]] = OrderedDict()
        self._bytes = 0

    def get(self, version: str, key: Hashable) -> pl.DataFrame | None:
        with self._lock:
            kept = self._frames.get((version, key))
            if kept is None:
                return None
            self._frames.move_to_end((version, key))
            return kept[0]

    def put(self, version: str, key: Hashable, frame: pl.DataFrame) -> None:
        size = int(frame.estimated_size())
        if size > self._budget:
            return
        with self._lock:
            for old in [k for k in self._frames if k[0] != version or k == (version, key)]:
                self._bytes -= self._frames.pop(old)[1]
            while self._frames and self._bytes + size > self._budget:
                self._bytes -= self._frames.popitem(last=False)[1][1]
            self._frames[(version, key)] = (frame, size)
            self._bytes += size
