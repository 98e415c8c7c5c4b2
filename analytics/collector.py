"""Python's cyclic garbage collector, paused while an analysis builds many small objects."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off for the block (or the decorated function). Risk, the audit and the
    PDF make hundreds of thousands of tuples, dicts and strings that all stay alive until
    the result is made, and the collector, run every 700 new objects and over the whole
    heap now and then, spent up to a third of their Python time finding them alive (3.4 s
    of 10 s in the PDF of a 71,375-row report). Reference counting still frees what is
    dropped; the few cycles made meanwhile are collected once it is back on. Nested or
    concurrent pauses leave it on at the end if it was on before the first."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
