"""Learning analytics over the LRS: an incremental DuckDB copy of the statements, the
metrics derived from it, the compliance scores and the audit report, as Polars DataFrames.

    sync(store_url, db)                      copy new statements into the analytics file
    time_on_task, click_through, skills,     derived metrics (analytics.derive)
    video_coverage
    risk, unit_risk                          compliance risk per learner / unit and requirement
    proficiency, near_ready,                 mastery per learner and skill (analytics.proficiency)
    test_out_candidates
    audit, verify                            the audit report and its check (analytics.report)
    load_catalog, load_roster                the customer's files (analytics.catalog)
"""

from analytics.catalog import Catalog, CatalogError, Roster, load_catalog, load_roster
from analytics.derive import click_through, skills, time_on_task, video_coverage
from analytics.proficiency import near_ready, proficiency, test_out_candidates
from analytics.report import Report, audit, verify
from analytics.risk import risk, unit_risk
from analytics.sync import SyncReport, sync

__all__ = [
    "Catalog",
    "CatalogError",
    "Report",
    "Roster",
    "SyncReport",
    "audit",
    "click_through",
    "load_catalog",
    "load_roster",
    "near_ready",
    "proficiency",
    "risk",
    "skills",
    "sync",
    "test_out_candidates",
    "time_on_task",
    "unit_risk",
    "verify",
    "video_coverage",
]
