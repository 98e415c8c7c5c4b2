"""analytics.collector: the garbage collector paused for a block, and back as it was."""

from __future__ import annotations

import gc

import pytest

from analytics.collector import collector_paused


def test_a_pause_ends_with_the_collector_as_it_was_even_on_an_error() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the inner end does not turn it back on
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError
    assert gc.isenabled()


def test_a_decorated_function_pauses_it_for_each_call() -> None:
    seen = []

    @collector_paused()
    def work() -> None:
        seen.append(gc.isenabled())

    work()
    work()
    assert seen == [False, False] and gc.isenabled()
    gc.disable()
    try:
        work()  # off before: left off
        assert not gc.isenabled()
    finally:
        gc.enable()
