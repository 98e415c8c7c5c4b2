"""analytics.risk: exact scores, levels, explanations and actions on hand-built cases."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import polars as pl
import pytest

import analytics
from analytics.catalog import parse_catalog, parse_roster
from analytics.risk import risk, unit_risk
from tests.test_analytics_sync import statement, store_statements

R = "https://x.example/course"
CATALOG = parse_catalog(
    f"""
[[activity]]
id = "{R}"
name = "Sepsis"
due = 2024-03-31
expected_duration = "PT45M"
"""
)
ROSTER = parse_roster(
    "name,unit,role,mbox\n"
    "Ann,ICU,RN,ann@x.example\n"
    "Bob,ICU,RN,bob@x.example\n"
    "Cat,ED,RN,cat@x.example\n"
    "Dan,ED,RN,dan@x.example\n"
)
ANN, BOB, CAT, DAN = (f"mbox:mailto:{n}@x.example" for n in ("ann", "bob", "cat", "dan"))


def _done(who: str, at: str, minutes: int) -> dict[str, object]:
    return statement(
        "completed",
        R,
        at,
        f"mailto:{who}@x.example",
        result={"completion": True, "duration": f"PT{minutes}M"},
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("risk")
    store_statements(
        tmp / "lrs.db",
        [
            _done("bob", "2024-03-20T10:00:00Z", 5),  # 11% of 45 min: a click-through
            _done("cat", "2024-03-10T10:00:00Z", 40),
            _done("dan", "2024-03-25T10:00:00Z", 50),  # after the as-of date
        ],
    )
    analytics.sync(f"sqlite:///{tmp / 'lrs.db'}", tmp / "a.duckdb")
    return tmp / "a.duckdb"


def _row(frame: pl.DataFrame, learner: str) -> dict[str, object]:
    return frame.filter(pl.col("learner") == learner).row(0, named=True)


def test_no_activity_ten_days_before_the_due_date_is_critical(db: Path) -> None:
    frame = risk(db, CATALOG, ROSTER, date(2024, 3, 21))
    ann = _row(frame, ANN)
    # progress 25 + deadline 35 * (1 - (10 - 1.5) / 21) + inactivity 15 + time-on-task 10
    assert ann["status"] == "not started"
    assert ann["days_left"] == 10
    assert ann["score"] == 70.8
    assert ann["level"] == "critical"
    assert ann["explanation"] == (
        "critical (70.8/100): "
        "not started: no statement on it or its parts (+25.0 of 25, progress); "
        "10 days left to 2024-03-31 for 45 min of remaining work (1.5 days at 30 min a day): "
        "8.5 days of slack in a 21-day planning window (+20.8 of 35, deadline); "
        "no statement from the learner at all (+15.0 of 15, inactivity); "
        "0 min on task of 45 min expected (0%) (+10.0 of 10, time-on-task); "
        "no click-through (+0.0 of 10, click-through); "
        "no earlier requirement to judge (+0.0 of 5, lateness)"
    )
    assert ann["action"] == "alert unit leadership"
    assert ann["recommended_action"] == (
        "alert ICU leadership: give 45 min of protected time before 2024-03-31 to complete it"
    )


def test_a_click_through_completion_is_not_complete(db: Path) -> None:
    bob = _row(risk(db, CATALOG, ROSTER, date(2024, 3, 21)), BOB)
    assert bob["status"] == "click-through"
    assert bob["completed_at"] is None
    assert bob["click_through"] is True
    assert bob["progress"] == 0.0
    # 25 + 20.833 + 15 * (38 h / 14 days) + 10 * (1 - 5/45) + 10
    assert bob["score"] == pytest.approx(66.4)
    assert bob["level"] == "critical"
    assert "click-through completion, not counted as done" in str(bob["explanation"])
    assert "click-through: completed in 300 s, 11% of the expected 2700 s" in str(
        bob["explanation"]
    )


def test_complete_and_as_of(db: Path) -> None:
    early = risk(db, CATALOG, ROSTER, date(2024, 3, 21))
    cat = _row(early, CAT)
    assert (cat["status"], cat["score"], cat["level"], cat["action"]) == (
        "complete",
        0.0,
        "on track",
        "no action",
    )
    assert cat["explanation"] == (
        "on track (0/100): complete on 2024-03-10 10:00; nothing left to do"
    )
    assert _row(early, DAN)["status"] == "not started"  # its completion comes later
    late = risk(db, CATALOG, ROSTER, date(2024, 4, 2))
    assert _row(late, DAN)["status"] == "complete"
    ann = _row(late, ANN)
    assert ann["score"] == 85.0 and "overdue by 2 days" in str(ann["explanation"])


def test_unit_filter_and_roll_up(db: Path) -> None:
    frame = risk(db, CATALOG, ROSTER, date(2024, 3, 21), unit="ED")
    assert sorted(frame["learner"].to_list()) == [CAT, DAN]
    units = unit_risk(risk(db, CATALOG, ROSTER, date(2024, 3, 21)))
    assert units.select("unit", "learners", "complete", "critical", "warning").rows() == [
        ("ED", 2, 1, 1, 0),
        ("ICU", 2, 0, 2, 0),
    ]
    assert units["recommended_action"][1].startswith("alert ICU leadership: 2 learner(s)")


def test_past_lateness_counts(tmp_path: Path) -> None:
    catalog = parse_catalog(
        f"""
[[activity]]
id = "{R}/old"
due = 2024-02-01
expected_duration = 600

[[activity]]
id = "{R}"
due = 2024-03-31
expected_duration = 600
"""
    )
    roster = parse_roster("unit,role,mbox\nICU,RN,ann@x.example\n")
    store_statements(
        tmp_path / "lrs.db",
        [
            statement(
                "completed",
                f"{R}/old",
                "2024-02-05T10:00:00Z",
                "mailto:ann@x.example",
                result={"completion": True, "duration": "PT10M"},
            )
        ],
    )
    analytics.sync(f"sqlite:///{tmp_path / 'lrs.db'}", tmp_path / "a.duckdb")
    frame = risk(tmp_path / "a.duckdb", catalog, roster, date(2024, 3, 1))
    row = frame.filter(pl.col("activity") == R).row(0, named=True)
    assert row["lateness_points"] == 5.0
    assert "1 of 1 earlier requirements late" in str(row["explanation"])
    old = frame.filter(pl.col("activity") == f"{R}/old").row(0, named=True)
    assert old["status"] == "complete" and "(after the due date)" in str(old["explanation"])


def test_the_command_line_prints_what_the_python_api_returns(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from lrs.cli import main

    monkeypatch.setenv("LRS_ANALYTICS_DB", str(db))
    catalog, roster = tmp_path / "catalog.toml", tmp_path / "roster.csv"
    catalog.write_text(
        f'[[activity]]\nid = "{R}"\nname = "Sepsis"\ndue = 2024-03-31\n'
        'expected_duration = "PT45M"\n'
    )
    roster.write_text(
        "name,unit,role,mbox\nAnn,ICU,RN,ann@x.example\nBob,ICU,RN,bob@x.example\n"
        "Cat,ED,RN,cat@x.example\nDan,ED,RN,dan@x.example\n"
    )
    files = ["--catalog", str(catalog), "--roster", str(roster), "--as-of", "2024-03-21"]
    runner = CliRunner()
    result = runner.invoke(main, ["risk", *files, "--format", "json"])
    assert result.exit_code == 0, result.output
    printed = pl.read_json(io.StringIO(result.output))
    expected = risk(db, CATALOG, ROSTER, date(2024, 3, 21))
    assert printed.select("learner", "score", "level", "explanation").sort("learner").rows() == (
        expected.select("learner", "score", "level", "explanation").sort("learner").rows()
    )
    result = runner.invoke(main, ["risk", *files, "--per-unit", "--format", "csv"])
    assert result.exit_code == 0 and result.output.splitlines()[1].startswith("ED,")

    roster.write_text("name,unit,role,mbox\nAnn,ICU,RN,not-an-address\n")
    result = runner.invoke(main, ["risk", *files])
    assert result.exit_code == 1 and "roster.csv:2: mbox" in result.output
    result = runner.invoke(main, ["proficiency", "--catalog", str(catalog), "--test-out"])
    assert result.exit_code == 2 and "--test-out and --unit need --roster" in result.output
