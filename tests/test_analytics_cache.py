"""The frames the analytics endpoints keep for later pages (lrs.api._analytics_cache)."""

from __future__ import annotations

import polars as pl

from lrs.api._analytics_cache import Frames


def _frame(rows: int) -> pl.DataFrame:
    return pl.DataFrame({"n": list(range(rows))}, schema={"n": pl.Int64})  # 8 bytes a row


def test_a_frame_is_found_under_its_version_and_key_only() -> None:
    frames = Frames()
    kept = _frame(3)
    frames.put("v1", ("risk", "default"), kept)
    assert frames.get("v1", ("risk", "default")) is kept
    assert frames.get("v1", ("risk", "other")) is None
    assert frames.get("v2", ("risk", "default")) is None


def test_a_new_version_drops_the_frames_of_the_old_one() -> None:
    frames = Frames()
    frames.put("v1", "a", _frame(1))
    frames.put("v1", "b", _frame(1))
    frames.put("v2", "a", _frame(1))
    assert frames.get("v1", "a") is None and frames.get("v1", "b") is None
    assert frames.get("v2", "a") is not None


def test_the_least_recently_used_go_first_within_the_budget() -> None:
    frames = Frames(budget=8 * 25)
    for key in "abc":
        frames.put("v", key, _frame(10))  # 80 bytes each: two fit
    assert frames.get("v", "a") is None
    assert frames.get("v", "b") is not None  # now the most recently used
    frames.put("v", "d", _frame(10))
    assert frames.get("v", "c") is None
    assert frames.get("v", "b") is not None and frames.get("v", "d") is not None


def test_a_frame_over_the_budget_is_not_kept_and_a_replaced_one_is_counted_once() -> None:
    frames = Frames(budget=8 * 25)
    frames.put("v", "big", _frame(26))
    assert frames.get("v", "big") is None
    for _ in range(5):
        frames.put("v", "a", _frame(10))
    frames.put("v", "b", _frame(10))
    assert frames.get("v", "a") is not None and frames.get("v", "b") is not None
