"""analytics.simulate: deterministic by seed, valid xAPI, and consistent with its truth."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

import httpx
import polars as pl
from click.testing import CliRunner

import analytics
from analytics.catalog import load_catalog, load_roster
from analytics.simulate import SESSION_EXT, generate, simulate
from bench.analytics_accuracy import import_simulation
from tests.conftest import Server


def test_deterministic_by_seed() -> None:
    a, b, c = generate(12, seed=5), generate(12, seed=5), generate(12, seed=6)
    assert list(a.ndjson()) == list(b.ndjson())
    assert a.truth() == b.truth()
    assert list(a.ndjson()) != list(c.ndjson())
    assert len({s["id"] for s in a.statements}) == len(a.statements)


def test_shape_of_the_data() -> None:
    sim = generate(40, seed=3, start=date(2024, 1, 8))
    kinds = Counter(p.kind for p in sim.learners)
    kinds_of = {p.key: p.kind for p in sim.learners}
    assert set(kinds) == {"diligent", "expert", "click-through", "staller", "never-start"}
    actors = {s["actor"]["account"]["name"] for s in sim.statements}
    never = {p.account for p in sim.learners if p.kind == "never-start"}
    assert never and not actors & never
    verbs = Counter(s["verb"]["id"].rsplit("/", 1)[1] for s in sim.statements)
    assert {"launched", "initialized", "answered", "passed", "completed", "terminated"} <= set(
        verbs
    )
    assert {"experienced", "attempted", "played", "paused", "seeked"} <= set(verbs)
    cmi5 = [s for s in sim.statements if SESSION_EXT in s["context"].get("extensions", {})]
    cmi5_verbs = Counter(s["verb"]["id"].rsplit("/", 1)[1] for s in cmi5)
    assert cmi5_verbs["launched"] == cmi5_verbs["terminated"] + cmi5_verbs["abandoned"]
    assert {signal for _, _, signal in sim.planted} == {"time", "answers", "video"}
    planted_kinds = {kinds_of[learner] for learner, _, _ in sim.planted}
    assert planted_kinds <= {"click-through", "diligent", "expert"}
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
    # Every answer and video flag is planted behaviour, and every planted video is found.
    for signal in ("answers", "video"):
        flagged = set(ct.filter(pl.col(f"{signal}_flagged")).select("learner", "activity").rows())
        planted = {
            (learner, activity)
            for learner, activity in ct.select("learner", "activity").rows()
            if (learner, activity, signal) in sim.planted
        }
        assert flagged and flagged <= planted
    assert flagged == planted
    kinds = {p.key: p.kind for p in sim.learners}
    timed = set(ct.filter(pl.col("time_flagged"))["learner"].to_list())
    assert timed and all(kinds[k] in ("click-through", "diligent", "expert") for k in timed)


def test_posts_to_an_lrs(server: Server) -> None:
    made = server.cli(
        "credentials",
        "create",
        "--name",
        "sim",
        "--store",
        f"sim-{uuid.uuid4().hex[:8]}",
        "--scope",
        "all",
        "--json",
    )
    assert made.returncode == 0, made.stderr
    key, secret = (json.loads(made.stdout)[k] for k in ("key", "secret"))
    args = ["--learners", "6", "--seed", "7", "--post", server.url, "--user", key]
    result = CliRunner().invoke(simulate, [*args, "--password", secret, "--batch", "40"])
    assert result.exit_code == 0, result.output
    expected = len(generate(6, seed=7).statements)
    assert f"{expected} statements posted to {server.url}" in result.output
    stored: list[str] = []
    with httpx.Client(auth=(key, secret), headers={"X-Experience-API-Version": "2.0.0"}) as http:
        url: str | None = server.url + "/statements?limit=500"
        while url:
            page = http.get(url).json()
            stored += [s["id"] for s in page["statements"]]
            url = server.url.removesuffix("/xapi") + page["more"] if page.get("more") else None
    assert len(stored) == len(set(stored)) == expected
    refused = CliRunner().invoke(simulate, [*args, "--password", "wrong"])
    assert refused.exit_code != 0 and "answered 401" in refused.output


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
    assert load_catalog(out["c.toml"]).requirements()["due"].min() == date(2024, 2, 26)
