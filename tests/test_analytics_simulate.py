"""analytics.simulate: deterministic by seed, valid xAPI, and consistent with its truth."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
from click.testing import CliRunner

import analytics
from analytics.catalog import load_catalog, load_roster
from analytics.simulate import generate, simulate
from bench.analytics_accuracy import import_simulation


def test_deterministic_by_seed() -> None:
    a, b, c = generate(12, seed=5), generate(12, seed=5), generate(12, seed=6)
    assert list(a.ndjson()) == list(b.ndjson())
    assert a.truth() == b.truth()
    assert list(a.ndjson()) != list(c.ndjson())
    assert len({s["id"] for s in a.statements}) == len(a.statements)


def test_shape_of_the_data() -> None:
    sim = generate(40, seed=3, start=date(2024, 1, 8))
    kinds = Counter(p.kind for p in sim.learners)
    assert set(kinds) == {"diligent", "expert", "click-through", "staller", "never-start"}
    actors = {s["actor"]["account"]["name"] for s in sim.statements}
    never = {p.account for p in sim.learners if p.kind == "never-start"}
    assert never and not actors & never
    verbs = Counter(s["verb"]["id"].rsplit("/", 1)[1] for s in sim.statements)
    assert {"launched", "initialized", "answered", "passed", "completed", "terminated"} <= set(
        verbs
    )
    assert verbs["launched"] == verbs["terminated"] + verbs["abandoned"]
    catalog = sim.catalog()
    skills = catalog.activity_skills()
    answered = [s for s in sim.statements if s["verb"]["id"].endswith("/answered")]
    assert all(s["object"]["id"] in skills for s in answered)
    assert min(s["timestamp"] for s in sim.statements) >= "2024-01-08"
    truth = sim.truth()
    assert {row["learner"] for row in truth["time_on_task"]} <= {
        p.key for p in sim.learners if p.kind != "never-start"
    }
    assert all(row["seconds"] > 0 for row in truth["time_on_task"])


def test_imports_cleanly_and_the_derivations_see_it(tmp_path: Path) -> None:
    sim = generate(25, seed=2)
    accepted, rejected = import_simulation(sim, tmp_path / "lrs.db")
    assert (accepted, rejected) == (len(sim.statements), 0)
    db = tmp_path / "a.duckdb"
    analytics.sync(f"sqlite:///{tmp_path / 'lrs.db'}", db)
    tot = analytics.time_on_task(db, "default")
    derived = {(r[0], r[1]): r[2] for r in tot.select("learner", "activity", "seconds").rows()}
    # A session that ends with `terminated` is measured exactly by its duration.
    exact = sum(abs(derived[k] - v) < 0.05 for k, v in sim.truth_seconds.items())
    assert exact >= 0.8 * len(sim.truth_seconds)
    assert all(derived[k] <= v + 0.05 for k, v in sim.truth_seconds.items())
    ct = analytics.click_through(db, "default", expected_seconds=sim.catalog().expected_seconds())
    kinds = {p.key: p.kind for p in sim.learners}
    flagged = set(ct.filter(pl.col("flagged"))["learner"].to_list())
    assert flagged and all(kinds[k] == "click-through" for k in flagged)


def test_command_writes_the_four_files(tmp_path: Path) -> None:
    out = {name: tmp_path / name for name in ("s.ndjson", "c.toml", "r.csv", "t.json")}
    args = ["--learners", "8", "--seed", "4", "--start", "2024-02-05", "--output"]
    args += [str(out["s.ndjson"]), "--catalog-out", str(out["c.toml"])]
    args += ["--roster-out", str(out["r.csv"]), "--truth-out", str(out["t.json"])]
    result = CliRunner().invoke(simulate, args)
    assert result.exit_code == 0, result.output
    assert simulate.name == "simulate"
    sim = generate(8, seed=4, start=date(2024, 2, 5))
    lines = out["s.ndjson"].read_text().splitlines()
    assert lines == list(sim.ndjson())
    assert f"{len(lines)} statements of 8 learners" in result.output
    assert load_catalog(out["c.toml"]) == sim.catalog()
    roster = load_roster(out["r.csv"])
    assert [p.key for p in roster.learners] == [p.key for p in sim.learners]
    assert json.loads(out["t.json"].read_text()) == sim.truth()
    assert load_catalog(out["c.toml"]).requirements()["due"].min() == date(2024, 3, 6)
