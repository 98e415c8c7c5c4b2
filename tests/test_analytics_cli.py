"""The `analytics` click group (registered under `lrs analytics` by lrs.cli)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from analytics.cli import analytics_group
from tests.test_analytics_derive import hand_built
from tests.test_analytics_sync import store_statements


def test_sync_then_query(tmp_path: Path) -> None:
    store_statements(tmp_path / "lrs.db", hand_built())
    env = {
        "LRS_STORE": f"sqlite:///{tmp_path / 'lrs.db'}",
        "LRS_ANALYTICS_DB": str(tmp_path / "a.duckdb"),
    }
    runner = CliRunner()
    synced = runner.invoke(analytics_group, ["sync"], env=env)
    assert synced.exit_code == 0, synced.output
    assert "8 statements synced" in synced.output
    tot = runner.invoke(analytics_group, ["time-on-task", "--format", "json"], env=env)
    assert tot.exit_code == 0, tot.output
    assert sorted(row["seconds"] for row in json.loads(tot.output)) == [300, 600, 600, 600, 900]
    out = tmp_path / "ct.parquet"
    parquet = runner.invoke(
        analytics_group, ["click-through", "--format", "parquet", "--output", str(out)], env=env
    )
    assert parquet.exit_code == 0, parquet.output
    assert pl.read_parquet(out).height == 1
    csv = runner.invoke(analytics_group, ["skills", "--format", "csv"], env=env)
    assert csv.exit_code == 0 and csv.output.startswith("tenant,learner,skill")
    sql = runner.invoke(
        analytics_group,
        ["sql", "SELECT count(*) AS n FROM live_statements", "--format", "csv"],
        env=env,
    )
    assert sql.output.split() == ["n", "8"]
    bad = runner.invoke(analytics_group, ["sql", "SELEC nothing"], env=env)
    assert bad.exit_code != 0 and "syntax" in bad.output.lower()
    slow = runner.invoke(
        analytics_group,
        ["sql", "SELECT count(*) FROM range(10000000000)", "--timeout", "0.2"],
        env=env,
    )
    assert slow.exit_code != 0 and "stopped after 0.2 s" in slow.output
