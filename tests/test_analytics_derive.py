"""analytics.derive: exact figures on hand-built data, and properties."""

from __future__ import annotations

import copy
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import analytics
from analytics.derive import video_coverage
from tests.test_analytics_sync import SESSION, VERB, _voiding, statement, store_statements

COURSE = "https://x.example/course"
A1, A2, Q, B = (f"{COURSE}/{name}" for name in ("a1", "a2", "q", "b"))
ANN, BOB = "mailto:ann@x.example", "mailto:bob@x.example"
T0 = datetime(2024, 1, 2, 10, 0, 0)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat() + "Z"


def ctx(parent: str, session: str | None = None, **more: Any) -> dict[str, Any]:
    c: dict[str, Any] = {"contextActivities": {"parent": [{"id": parent}]}, **more}
    if session is not None:
        c["extensions"] = {SESSION: session}
    return c


def hand_built() -> list[dict[str, Any]]:
    return [
        # Ann: a cmi5 session of 600 s on A1; the answer's own 30 s lies inside it.
        statement("launched", A1, at(0), ANN, context=ctx(COURSE, "s1")),
        statement("answered", Q, at(5), ANN, context=ctx(A1, "s1"), result={"duration": "PT30S"}),
        statement(
            "terminated", A1, at(10), ANN, context=ctx(COURSE, "s1"), result={"duration": "PT10M"}
        ),
        # Ann: 300 s on A2 from result.duration.
        statement(
            "completed",
            A2,
            at(60),
            ANN,
            context=ctx(COURSE),
            result={"duration": "PT5M", "completion": True},
        ),
        # Bob: gaps of 120 s and 480 s count; 3000 s is beyond the 30-minute cut-off.
        *(
            statement("experienced", B, at(120 + m), BOB, context=ctx(COURSE))
            for m in (0, 2, 10, 60)
        ),
    ]


def sync_into(tmp: Path, statements: list[dict[str, Any]]) -> Path:
    store, db = tmp / "lrs.db", tmp / "a.duckdb"
    store_statements(store, statements)
    analytics.sync(f"sqlite:///{store}", db)
    return db


def test_time_on_task_exact(tmp_path: Path) -> None:
    db = sync_into(tmp_path, hand_built())
    got = analytics.time_on_task(db, "default").select(
        "learner", "activity", "seconds", "spans", "sources"
    )
    ann, bob = "mbox:" + ANN, "mbox:" + BOB
    expected = pl.DataFrame(
        {
            "learner": [ann, ann, ann, bob, bob],
            "activity": [COURSE, A1, A2, COURSE, B],
            "seconds": [900.0, 600.0, 300.0, 600.0, 600.0],
            "spans": [2, 1, 1, 1, 1],
            "sources": [
                ["cmi5 session", "result.duration"],
                ["cmi5 session"],
                ["result.duration"],
                ["gap"],
                ["gap"],
            ],
        }
    )
    assert_frame_equal(got, expected)


def test_click_through_against_the_catalog(tmp_path: Path) -> None:
    db = sync_into(tmp_path, hand_built())
    got = analytics.click_through(db, "default", expected_seconds={A2: 1500.0})
    assert got.select("learner", "activity", "seconds", "expected_seconds", "flagged").rows() == [
        ("mbox:" + ANN, A2, 300.0, 1500.0, True)
    ]
    assert got["reason"][0] == (
        "click-through: completed in 300 s, 20% of the expected 1500 s (catalog); threshold 25%"
    )
    given = analytics.time_on_task(db, "default")  # as risk passes it, to compute it once
    assert_frame_equal(
        analytics.click_through(db, "default", expected_seconds={A2: 1500.0}, seconds=given), got
    )
    silent = analytics.click_through(db, "default")
    assert not silent["flagged"][0]
    assert silent["reason"][0] == (
        "not judged: no catalog duration and only 1 learner(s) completed it (need 5)"
    )


def test_click_through_against_the_cohort_median(tmp_path: Path) -> None:
    people = [f"mailto:p{n}@x.example" for n in range(5)]
    minutes = [20, 18, 22, 19, 3]  # median 19 min; 3 min is 16% of it
    data = [
        statement(
            "completed", A1, at(10 * n), who, result={"duration": f"PT{m}M", "completion": True}
        )
        for n, (who, m) in enumerate(zip(people, minutes, strict=True))
    ]
    got = analytics.click_through(sync_into(tmp_path, data), "default")
    assert got.filter(pl.col("flagged"))["learner"].to_list() == ["mbox:mailto:p4@x.example"]
    assert got.filter(pl.col("flagged"))["reason"][0] == (
        "click-through: completed in 180 s, 16% of the expected 1140 s "
        "(cohort median of 5 learners); threshold 25%"
    )


def test_skills_from_competencies_and_the_catalog(tmp_path: Path) -> None:
    competency = {
        "id": "https://x.example/skills/triage",
        "definition": {"type": "https://x.example/competency"},
    }
    data = [
        statement(
            "answered",
            Q,
            at(1),
            ANN,
            result={"success": True},
            context={"contextActivities": {"parent": [{"id": A1}], "other": [competency]}},
        ),
        statement("answered", Q, at(2), ANN, result={"success": False}, context=ctx(A1)),
        statement("experienced", Q, at(3), ANN, context=ctx(A1)),  # no success: no evidence
    ]
    db = sync_into(tmp_path, data)
    got = analytics.skills(
        db, "default", activity_skills={A1: ["sepsis"]}, as_of=T0 + timedelta(days=2, minutes=2)
    )
    assert got.select(
        "skill", "evidence", "successes", "success_rate", "days_since_last"
    ).rows() == [
        ("https://x.example/skills/triage", 1, 1, 1.0, 2.0 + 1 / 1440),
        ("sepsis", 2, 1, 0.5, 2.0),
    ]
    assert got["statement_ids"][1].to_list() == [data[0]["id"], data[1]["id"]]


# -- properties ----------------------------------------------------------------------------

_event = st.tuples(
    st.sampled_from([ANN, BOB]),
    st.sampled_from([A1, A2]),
    st.integers(0, 240),  # minute
    st.one_of(st.none(), st.integers(1, 3600)),  # result.duration seconds
    st.sampled_from(["r1", "r2", None]),
)


def _statements(events: list[tuple[str, str, int, int | None, str | None]]) -> list[dict[str, Any]]:
    out = []
    for who, activity, minute, seconds, registration in events:
        extra: dict[str, Any] = {"context": ctx(COURSE)}
        if registration is not None:
            extra["context"]["registration"] = str(uuid.uuid5(uuid.NAMESPACE_URL, registration))
        if seconds is not None:
            extra["result"] = {"duration": f"PT{seconds}S"}
        out.append(statement("experienced", activity, at(minute), who, **extra))
    return out


def _figures(statements: list[dict[str, Any]]) -> pl.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        frame = analytics.time_on_task(sync_into(Path(tmp), statements))
    return frame.select("learner", "activity", "seconds", "first", "last").with_columns(
        pl.col("seconds").round(6)
    )


_settings = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(st.lists(_event, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_time_on_task_never_negative_and_order_and_duplicates_do_not_matter(
    events: list[tuple[str, str, int, int | None, str | None]], rng: Any
) -> None:
    statements = _statements(events)
    base = _figures(statements)
    assert (base["seconds"] >= 0).all()
    resent = [
        copy.deepcopy(s) | {"id": str(uuid.uuid4())}
        for s in rng.sample(statements, k=len(statements) // 2)
    ]
    shuffled = statements + resent
    rng.shuffle(shuffled)
    assert_frame_equal(_figures(shuffled), base)


@_settings
@given(st.lists(_event, min_size=2, max_size=10), st.data())
def test_voided_statements_leave_every_figure(
    events: list[tuple[str, str, int, int | None, str | None]], data: st.DataObject
) -> None:
    statements = _statements(events)
    gone = data.draw(st.integers(0, len(statements) - 1))
    without = statements[:gone] + statements[gone + 1 :]
    voided = [*statements, _voiding(statements[gone]["id"])]
    assert_frame_equal(_figures(voided), _figures(without))


def test_voiding_statements_are_no_evidence(tmp_path: Path) -> None:
    target = statement("answered", Q, at(1), ANN, result={"success": True})
    v = _voiding(target["id"])
    v["actor"] = {"mbox": ANN}
    db = sync_into(tmp_path, [target, v])
    assert analytics.skills(db, activity_skills={Q: ["x"]}).height == 0
    assert analytics.time_on_task(db).height == 0
    assert VERB  # the voiding verb comes from the same helpers


# -- click-through: answers and video --------------------------------------------------------

QUIZ, VID = f"{COURSE}/quiz", f"{COURSE}/video"
VIDEO_EXT = "https://w3id.org/xapi/video/extensions/"
REG = str(uuid.uuid5(uuid.NAMESPACE_URL, "attempt"))


def sec(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat() + "Z"


def answers() -> list[dict[str, Any]]:
    attempt = ctx(QUIZ, registration=REG)
    return [
        # Ann: no durations, so each answer's time is the gap from the statement before.
        statement("attempted", QUIZ, sec(0), ANN, context=ctx(COURSE, registration=REG)),
        *(
            statement("answered", f"{QUIZ}/q{n}", sec(s), ANN, context=attempt)
            for n, s in enumerate((1.0, 2.5, 4.5, 34.5), 1)
        ),
        statement("passed", QUIZ, sec(36), ANN, context=ctx(COURSE, registration=REG)),
        # Bob: the answers' own durations, one of them fast.
        *(
            statement(
                "answered",
                f"{QUIZ}/q{n}",
                sec(100 + 30 * n),
                BOB,
                context=ctx(QUIZ),
                result={"duration": f"PT{d}S"},
            )
            for n, d in enumerate((20, 2, 25), 1)
        ),
        statement("passed", QUIZ, sec(200), BOB, context=ctx(COURSE)),
    ]


def test_answer_latency_exact(tmp_path: Path) -> None:
    got = analytics.click_through(sync_into(tmp_path, answers()), "default")
    expected = pl.DataFrame(
        {
            "learner": ["mbox:" + ANN, "mbox:" + BOB],
            "activity": [QUIZ, QUIZ],
            "answers": [4, 3],
            "fast_answers": [3, 1],
            "answer_median_s": [1.75, 20.0],
            "attempts": [1, 1],
            "fast_attempts": [1, 0],
            "answers_flagged": [True, False],
            "flagged": [True, False],
            "signals": [["answers"], []],
        }
    )
    assert_frame_equal(got.select(expected.columns), expected)
    assert got["reason"].to_list() == [
        "not judged: no catalog duration and only 2 learner(s) completed it (need 5); "
        "fast answers: 3 of 4 questions answered in under 3 s; median 1.8 s; most answers "
        "that fast in 1 of 1 attempt(s) (threshold: over 50% of at least 3 answers)",
        "not judged: no catalog duration and only 2 learner(s) completed it (need 5); "
        "answers: 1 of 3 questions answered in under 3 s; median 20.0 s",
    ]


def test_a_question_completed_by_its_own_answer_is_judged_on_that_answer(tmp_path: Path) -> None:
    """An `answered` with result.completion completes the question itself: its row counts
    that answer once, and the quiz above it counts it too."""
    question = f"{QUIZ}/q1"
    got = analytics.click_through(
        sync_into(
            tmp_path,
            [
                statement(
                    "answered",
                    question,
                    sec(10),
                    ANN,
                    context=ctx(QUIZ),
                    result={"completion": True, "duration": "PT1S"},
                ),
                statement(
                    "answered",
                    f"{QUIZ}/q2",
                    sec(40),
                    ANN,
                    context=ctx(QUIZ),
                    result={"duration": "PT20S"},
                ),
                statement("passed", QUIZ, sec(60), ANN, context=ctx(COURSE)),
            ],
        ),
        "default",
    )
    rows = {r["activity"]: r for r in got.iter_rows(named=True)}
    assert set(rows) == {question, QUIZ}
    assert (rows[question]["answers"], rows[question]["fast_answers"]) == (1, 1)
    assert rows[question]["answer_median_s"] == 1.0
    assert (rows[QUIZ]["answers"], rows[QUIZ]["fast_answers"]) == (2, 1)


def video_statement(
    verb: str,
    seconds: float,
    who: str = ANN,
    segments: str | None = None,
    seek: tuple[float, float] | None = None,
    **context: Any,
) -> dict[str, Any]:
    verb_id = (
        f"https://w3id.org/xapi/video/verbs/{verb}"
        if verb in ("played", "paused", "seeked")
        else f"http://adlnet.gov/expapi/verbs/{verb}"
    )
    extensions: dict[str, Any] = {}
    if segments is not None:
        extensions[VIDEO_EXT + "played-segments"] = segments
    if seek is not None:
        extensions[VIDEO_EXT + "time-from"], extensions[VIDEO_EXT + "time-to"] = seek
    result: dict[str, Any] = {"extensions": extensions}
    if verb == "completed":
        result["completion"] = True
    s = statement(
        "experienced",
        VID,
        sec(seconds),
        who,
        context={
            "contextActivities": {
                "parent": [{"id": COURSE}],
                "category": [{"id": "https://w3id.org/xapi/video"}],
            },
            "extensions": {VIDEO_EXT + k.replace("_", "-"): v for k, v in context.items()},
        },
        result=result,
    )
    s["verb"] = {"id": verb_id}
    return s


def videos() -> list[dict[str, Any]]:
    ann = {"length": 100, "completion_threshold": 0.9, "speed": "1.5x"}
    return [
        video_statement("played", 0, **ann),
        # Overlapping segments count once; one past the end counts up to the length.
        video_statement("paused", 14, segments="0[.]10[,]5[.]20", **ann),
        video_statement("seeked", 15, seek=(20, 80), **ann),
        video_statement("seeked", 26, seek=(95, 60), **ann),
        video_statement(
            "completed", 40, segments="0[.]10[,]5[.]20[,]80[.]95[,]60[.]70[,]95[.]130", **ann
        ),
        statement("completed", COURSE, sec(60), ANN, result={"completion": True}),
        video_statement("completed", 300, BOB, segments="0[.]100", length=100),
    ]


def test_video_coverage_exact(tmp_path: Path) -> None:
    db = sync_into(tmp_path, videos())
    expected = pl.DataFrame(
        {
            "learner": ["mbox:" + ANN, "mbox:" + BOB],
            "video": [VID, VID],
            "length_s": [100.0, 100.0],
            "played_s": [50.0, 100.0],
            "coverage": [0.5, 1.0],
            "threshold": [0.9, 1.0],
            "low": [True, False],
            "forward_seeks": [1, 0],
            "skipped_s": [60.0, 0.0],
            "speed": [1.5, None],
        }
    )
    assert_frame_equal(video_coverage(db, "default").drop("tenant"), expected)
    got = analytics.click_through(db, "default")
    assert got.select("learner", "activity", "video_flagged", "signals").rows() == [
        ("mbox:" + ANN, COURSE, True, ["video"]),
        ("mbox:" + ANN, VID, True, ["video"]),
        ("mbox:" + BOB, VID, False, []),
    ]
    assert got["reason"][1].endswith(
        "; skipped video: 50% played (50 of 100 s; threshold 72%), "
        "1 forward seek(s) skipping 60 s, speed up to 1.5x"
    )
    assert got["reason"][2].endswith(
        "; video: 100% played (100 of 100 s; threshold 80%), "
        "0 forward seek(s) skipping 0 s, speed not reported"
    )


def test_click_through_of_required_activities_only(tmp_path: Path) -> None:
    db = sync_into(tmp_path, videos())
    required = pl.DataFrame({"learner": ["mbox:" + ANN, "mbox:" + BOB], "activity": [COURSE] * 2})
    got = analytics.click_through(db, "default", required=required)
    assert got.select("learner", "activity", "flagged").rows() == [
        ("mbox:" + ANN, COURSE, True),
        ("mbox:" + ANN, VID, True),  # the course's video: part of a requirement
        ("mbox:" + BOB, VID, False),
    ]
    only_ann = required.filter(pl.col("learner") == "mbox:" + ANN)
    got = analytics.click_through(db, "default", required=only_ann)
    assert got["learner"].unique().to_list() == ["mbox:" + ANN]


def test_a_required_course_keeps_the_completions_of_its_parts(tmp_path: Path) -> None:
    db = sync_into(tmp_path, hand_built())
    required = pl.DataFrame({"learner": ["mbox:" + ANN], "activity": [COURSE]})
    got = analytics.click_through(db, "default", required=required)
    assert got.select("learner", "activity").rows() == [("mbox:" + ANN, A2)]  # an AU of it
    other = pl.DataFrame({"learner": ["mbox:" + ANN], "activity": [A1]})
    assert analytics.click_through(db, "default", required=other).is_empty()


_segment = st.tuples(st.integers(-20, 140), st.integers(-20, 140))


@_settings
@given(
    st.lists(st.lists(_segment, min_size=0, max_size=4), min_size=1, max_size=5),
    st.integers(1, 120),
    st.randoms(use_true_random=False),
)
def test_video_coverage_at_most_one_and_order_and_duplicates_do_not_matter(
    reports: list[list[tuple[int, int]]], length: int, rng: Any
) -> None:
    statements = [
        video_statement(
            "paused", n, segments="[,]".join(f"{a}[.]{b}" for a, b in spans), length=length
        )
        for n, spans in enumerate(reports)
    ]

    def coverage(data: list[dict[str, Any]]) -> pl.DataFrame:
        with tempfile.TemporaryDirectory() as tmp:
            return video_coverage(sync_into(Path(tmp), data))

    base = coverage(statements)
    assert base.height == 1
    assert 0.0 <= base["coverage"][0] <= 1.0
    assert base["played_s"][0] <= length
    resent = [copy.deepcopy(s) | {"id": str(uuid.uuid4())} for s in rng.sample(statements, k=1)]
    shuffled = statements + resent
    rng.shuffle(shuffled)
    assert_frame_equal(coverage(shuffled), base)
