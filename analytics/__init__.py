"""Learning analytics over the LRS: an incremental DuckDB copy of the statements and the
metrics derived from it, as Polars DataFrames."""

from analytics.derive import click_through, skills, time_on_task
from analytics.sync import SyncReport, sync

__all__ = ["SyncReport", "click_through", "skills", "sync", "time_on_task"]
