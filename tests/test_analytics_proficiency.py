"""analytics.proficiency: the Beta posterior, near-ready, test-out, click-through evidence."""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import analytics
from analytics.catalog import parse_catalog, parse_roster
from analytics.proficiency import beta_quantile, more_successes_needed, near_ready, p_above
from tests.test_analytics_sync import statement, store_statements

# `analytics.proficiency` is the function: the module is reached by name.
prof = importlib.import_module("analytics.proficiency")

R = "https://x.example/course"
Q = f"{R}/q/1"
CATALOG = parse_catalog(
    f"""
[[activity]]
id = "{R}"
due = 2024-03-31
expected_duration = 600

[activity.questions]
"{Q}" = ["triage"]
"""
)
ROSTER = parse_roster(
    "unit,role,mbox\nICU,RN,ann@x.example\nICU,RN,bob@x.example\nED,RN,cat@x.example\n"
)
ANN, BOB, CAT = (f"mbox:mailto:{n}@x.example" for n in ("ann", "bob", "cat"))
T0 = datetime(2024, 3, 1, 10)


def _at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat() + "Z"


def _answers(who: str, right: int, wrong: int = 0, start: float = 0) -> list[dict[str, Any]]:
    return [
        statement(
            "answered",
            Q,
            _at(start + 5 * n),
            f"mailto:{who}@x.example",
            result={"success": n < right},
            context={"contextActivities": {"parent": [{"id": R}]}},
        )
        for n in range(right + wrong)
    ]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("proficiency")
    cat_done = [
        statement(
            verb,
            R,
            _at(100),
            "mailto:cat@x.example",
            result={"completion": True, "success": True, "duration": "PT1M"},
        )
        for verb in ("passed", "completed")
    ]
    store_statements(
        tmp / "lrs.db",
        [*_answers("ann", 7), *_answers("bob", 6), *_answers("cat", 7, start=60), *cat_done],
    )
    analytics.sync(f"sqlite:///{tmp / 'lrs.db'}", tmp / "a.duckdb")
    return tmp / "a.duckdb"


def test_the_posterior() -> None:
    assert p_above(7, 0) == pytest.approx(1 - 0.8**8)  # 0.832: mastered
    assert p_above(6, 0) == pytest.approx(1 - 0.8**7)  # 0.790: not yet
    assert more_successes_needed(0, 0) == 7
    assert more_successes_needed(6, 0) == 1
    assert more_successes_needed(6, 1) == 6  # one wrong answer costs 5 more right ones
    # 1,100 answers: no overflow; 900 of them right is 81.8%, just above 80%
    assert p_above(900, 200) == pytest.approx(0.932, abs=0.001)
    assert p_above(1000, 100) == pytest.approx(1.0) and p_above(200, 900) < 1e-12
    assert prof.posterior(900, 200)[4] is True
    # Beta(1, 1) is uniform: its quantiles are the identity
    assert beta_quantile(0, 0, 0.1) == pytest.approx(0.1)
    assert beta_quantile(3, 0, 0.5) == pytest.approx(0.5**0.25)  # Beta(4, 1): x^4


def test_mastery_near_ready_and_test_out(db: Path) -> None:
    frame = prof.proficiency(db, CATALOG, date(2024, 3, 2), roster=ROSTER)
    ann = frame.filter(pl.col("learner") == ANN).row(0, named=True)
    assert (ann["skill"], ann["evidence"], ann["successes"], ann["mastered"]) == (
        "triage",
        7,
        7,
        True,
    )
    assert ann["mean"] == pytest.approx(8 / 9)
    assert ann["lower"] == pytest.approx(0.1 ** (1 / 8), abs=1e-6)  # Beta(8, 1): x^8
    assert ann["upper"] == pytest.approx(0.9 ** (1 / 8), abs=1e-6)
    ready = near_ready(frame, "triage")
    assert ready.select("learner", "more_successes_needed").rows() == [(BOB, 1), (CAT, 7)]
    candidates = prof.test_out_candidates(db, CATALOG, ROSTER, date(2024, 3, 2), frame=frame)
    assert candidates.select("learner", "activity", "verb", "reason").rows() == [
        (ANN, R, "https://w3id.org/xapi/adl/verbs/waived", "Tested Out")
    ]


def test_a_click_through_completion_is_no_mastery_evidence(db: Path) -> None:
    frame = prof.proficiency(db, CATALOG, date(2024, 3, 2))
    cat = frame.filter(pl.col("learner") == CAT).row(0, named=True)
    # the passed/completed statements are not answers; the right answers inside the
    # click-through completion (1 min of the expected 10) cannot be told from guesses
    assert (cat["evidence"], cat["successes"], cat["untrusted"], cat["mastered"]) == (
        0,
        0,
        7,
        False,
    )
    assert cat["mean"] == 0.5


def test_as_of_cuts_the_evidence(db: Path) -> None:
    assert prof.proficiency(db, CATALOG, datetime(2024, 3, 1, 10, 0, 20)).filter(
        pl.col("learner") == ANN
    )["successes"].to_list() == [4]  # answers at 0, 5, 10, 15 s; the one at 20 s is not before
