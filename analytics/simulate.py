"""`lrs simulate`: a realistic hospital training data set, deterministic by seed.

Mercy General's staff (units ICU, ED, Pediatrics, Med-Surg, Oncology, Maternity; roles RN,
MD, RT, PharmD, CNA) must finish their required training by its due dates:

- **cmi5 courses** of assignable units (AUs) of known length, each ending with a quiz
  whose questions are tagged with skills;
- a **video** (the xAPI video profile: `initialized`, `played`, `paused`, `seeked`,
  `completed`, `terminated`, with played segments, progress, length, speed and a
  completion threshold of 95%);
- a **plain-xAPI e-learning** lesson (no cmi5, no durations: `experienced` pages, a video,
  a quiz of `answered` questions, `passed`|`failed`, `completed`), so that time-on-task and
  answer times come from the gaps between statements;
- a **simulation** scenario (plain xAPI: `experienced` scenes, `answered` decisions with
  their response time, `completed` with the run's duration, `passed`|`failed`).

Learners are of planted kinds:

- `diligent`: read at roughly the expected pace (0.7x-1.7x), sometimes over two sittings,
  sometimes fail a quiz and retake it; now and then one skips through a video (1 in 8) or
  guesses through a quiz in seconds (1 in 16);
- `expert`: fast but legitimately so (0.4x-0.75x of the expected time, videos at 1.5x-2x),
  nearly always right;
- `click-through`: complete everything far faster than it can be read (4%-18%), answer in
  a second or two, and seek through videos to their end;
- `staller`: start, maybe finish a unit, then stop for good;
- `never-start`: on the roster, with no statement at all.

One AU session is the cmi5 sequence `launched` (by the LMS), `initialized`, `answered`
per question, `passed`|`failed`, `completed` (first time through), `terminated` with the
session's duration; the LMS adds `satisfied` on the course when every AU is passed. About
one session in fifteen is abandoned: the window closes with no `terminated`, and the LMS
records `abandoned` with the time up to the AU's last statement, so that its duration falls
short of the truth (as it does in life). Actors are LMS accounts, as cmi5 requires.

The ground truth is the time each learner really spent per AU and per requirement (wall
time, including the reading after a sitting's last statement that no statement shows),
each learner's kind, and the click-through behaviour planted per learner and activity:
`time` (far too fast), `answers` (answered without reading), `video` (skipped through).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import click
import httpx

from analytics.catalog import Activity, Catalog, roster_csv
from lrs.xapi.agents import agent_key

SITE = "https://lms.mercy-general.example"
ADL = "http://adlnet.gov/expapi/verbs/"
ADL2 = "https://w3id.org/xapi/adl/verbs/"
CMI5 = "https://w3id.org/xapi/cmi5/"
SESSION_EXT = CMI5 + "context/extensions/sessionid"
MASTERY_EXT = CMI5 + "context/extensions/masteryscore"
CMI5_CATEGORY = CMI5 + "context/categories/cmi5"
MOVEON_CATEGORY = CMI5 + "context/categories/moveon"
COURSE_TYPE = CMI5 + "activitytype/course"
AU_TYPE = "http://adlnet.gov/expapi/activities/module"
QUESTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
LESSON_TYPE = "http://adlnet.gov/expapi/activities/lesson"
PAGE_TYPE = "http://adlnet.gov/expapi/activities/module"
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"
SIMULATION_TYPE = "http://adlnet.gov/expapi/activities/simulation"
VIDEO = "https://w3id.org/xapi/video"
VIDEO_TYPE = VIDEO + "/activity-type/video"
VIDEO_EXT = VIDEO + "/extensions/"
VIDEO_THRESHOLD = 0.95
MASTERY = 0.75

SIGNALS = ("time", "answers", "video")
KINDS = ("diligent", "expert", "click-through", "staller", "never-start")
KIND_WEIGHTS = (55, 10, 12, 13, 10)
UNITS = (
    ("ICU", 3),
    ("ED", 3),
    ("Pediatrics", 2),
    ("Med-Surg", 4),
    ("Oncology", 2),
    ("Maternity", 2),
)
ROLES = (("RN", 10), ("MD", 3), ("RT", 1), ("PharmD", 1), ("CNA", 3))


@dataclass(frozen=True)
class Course:
    slug: str
    title: str
    due_days: int  # after the start date
    units: tuple[str, ...]  # empty: every unit
    roles: tuple[str, ...]  # empty: every role
    aus: tuple[tuple[str, int, tuple[str, ...]], ...]  # (title, minutes, question skills)

    @property
    def id(self) -> str:
        return f"{SITE}/courses/{self.slug}"

    def au_id(self, n: int) -> str:
        return f"{self.id}/au/{n + 1}"

    def question_id(self, n: int, q: int) -> str:
        return f"{self.au_id(n)}/q/{q + 1}"


COURSES = (
    Course(
        "hand-hygiene",
        "Hand Hygiene",
        30,
        (),
        (),
        (("Five moments", 12, ("hygiene.moments", "hygiene.moments", "hygiene.technique")),),
    ),
    Course(
        "sepsis",
        "Sepsis Recognition and Management",
        45,
        ("ICU", "ED", "Med-Surg", "Oncology"),
        ("RN", "MD"),
        (
            ("Red flags", 20, ("sepsis.recognition", "sepsis.recognition", "sepsis.qsofa")),
            ("The Sepsis Six", 25, ("sepsis.bundle", "sepsis.bundle", "sepsis.escalation")),
        ),
    ),
    Course(
        "med-safety",
        "Medication Safety",
        60,
        (),
        ("RN", "MD", "PharmD"),
        (
            ("High-alert medicines", 20, ("meds.high-alert", "meds.high-alert", "meds.insulin")),
            ("Reporting errors", 15, ("meds.reporting", "meds.reporting", "meds.reporting")),
        ),
    ),
    Course(
        "pals",
        "Paediatric Advanced Life Support",
        50,
        ("Pediatrics", "ED"),
        ("RN", "MD", "RT"),
        (
            ("Assessment", 25, ("pals.assessment", "pals.assessment", "pals.airway")),
            ("Resuscitation", 30, ("pals.cpr", "pals.cpr", "pals.drugs", "pals.airway")),
        ),
    ),
    Course(
        "ventilation",
        "Mechanical Ventilation Safety",
        40,
        ("ICU",),
        ("RN", "RT", "MD"),
        (("Modes and alarms", 30, ("vent.modes", "vent.alarms", "vent.alarms", "vent.weaning")),),
    ),
    Course(
        "pph",
        "Postpartum Haemorrhage",
        40,
        ("Maternity",),
        (),
        (("Early warning", 20, ("pph.recognition", "pph.recognition", "pph.escalation")),),
    ),
    Course(
        "falls",
        "Falls Prevention",
        75,
        ("Med-Surg", "Oncology"),
        ("RN", "CNA"),
        (("Risk and response", 15, ("falls.risk", "falls.risk", "falls.post-fall")),),
    ),
)


@dataclass(frozen=True)
class Video:
    slug: str
    title: str
    seconds: int  # its length
    due_days: int = 0  # 0: not a requirement of its own (a part of a lesson)
    units: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{SITE}/videos/{self.slug}"


@dataclass(frozen=True)
class Lesson:
    """Plain-xAPI e-learning: pages, a video, then a quiz."""

    slug: str
    title: str
    due_days: int
    units: tuple[str, ...]
    roles: tuple[str, ...]
    pages: tuple[tuple[str, int], ...]  # (title, minutes)
    video: Video
    questions: tuple[str, ...]  # their skills

    @property
    def id(self) -> str:
        return f"{SITE}/elearning/{self.slug}"

    def page_id(self, n: int) -> str:
        return f"{self.id}/page/{n + 1}"

    @property
    def quiz_id(self) -> str:
        return f"{self.id}/quiz"

    def question_id(self, q: int) -> str:
        return f"{self.quiz_id}/q/{q + 1}"

    @property
    def expected_seconds(self) -> float:
        answering = PACE["diligent"][1][0] * len(self.questions)
        return float(sum(60 * m for _, m in self.pages) + self.video.seconds + answering)


@dataclass(frozen=True)
class Scenario:
    """A plain-xAPI simulation: scenes, each ending with a decision."""

    slug: str
    title: str
    due_days: int
    units: tuple[str, ...]
    roles: tuple[str, ...]
    scenes: tuple[tuple[str, int], ...]  # (title, minutes)
    decisions: tuple[str, ...]  # one per scene: its skill

    @property
    def id(self) -> str:
        return f"{SITE}/simulations/{self.slug}"

    def scene_id(self, n: int) -> str:
        return f"{self.id}/scene/{n + 1}"

    def decision_id(self, n: int) -> str:
        return f"{self.id}/decision/{n + 1}"

    @property
    def expected_seconds(self) -> float:
        answering = PACE["diligent"][1][0] * len(self.decisions)
        return float(sum(60 * m for _, m in self.scenes) + answering)


VIDEOS = (Video("fire-safety", "Fire Safety Essentials", 420, 21),)
LESSONS = (
    Lesson(
        "infection-control",
        "Infection Prevention and Control",
        35,
        (),
        (),
        (("The chain of infection", 4), ("Standard precautions", 5), ("Hand-offs", 3)),
        Video("ppe-demo", "PPE: donning and doffing, a demonstration", 300),
        ("ipc.chain", "ipc.precautions", "ipc.ppe", "ipc.ppe"),
    ),
)
SCENARIOS = (
    Scenario(
        "sepsis-deteriorating-patient",
        "Sepsis simulation: the deteriorating patient",
        55,
        ("ICU", "ED", "Med-Surg", "Oncology"),
        ("RN", "MD"),
        (("Handover", 3), ("First look", 5), ("Escalation", 4), ("Debrief", 4)),
        ("sepsis.recognition", "sepsis.qsofa", "sepsis.bundle", "sepsis.escalation"),
    ),
)


# (pace range as a fraction of the expected time, answer seconds (median, spread of a
# log-normal), chance of a right answer)
PACE: dict[str, tuple[tuple[float, float], tuple[float, float], float]] = {
    "diligent": ((0.7, 1.7), (22.0, 0.5), 0.82),
    "expert": ((0.4, 0.75), (9.0, 0.45), 0.97),
    "click-through": ((0.04, 0.18), (1.5, 0.5), 0.5),
    "staller": ((0.7, 1.5), (22.0, 0.5), 0.75),
}
GUESS = ((1.7, 0.5), 0.4)  # a diligent learner guessing through one quiz
SKIP_VIDEO, GUESS_QUIZ = 1 / 8, 1 / 16
# fmt: off
GIVEN = ("Ava", "Ben", "Chidi", "Dana", "Elif", "Femi", "Gita", "Hugo", "Ines", "Jon", "Kai",
         "Lena", "Mina", "Noor", "Omar", "Pia", "Raj", "Sara", "Tom", "Uma", "Vera", "Wes",
         "Yara", "Zoe")
FAMILY = ("Adams", "Bauer", "Chen", "Diaz", "Evans", "Fofana", "Garcia", "Hale", "Ito",
          "Jensen", "Khan", "Lopez", "Mensah", "Novak", "Okoro", "Park", "Quinn", "Reyes",
          "Silva", "Tan", "Usman", "Varga", "Wong", "Young")
# fmt: on


@dataclass(frozen=True)
class SimLearner:
    number: int
    name: str
    account: str  # the LMS account name
    unit: str
    role: str
    kind: str

    @property
    def actor(self) -> dict[str, Any]:
        return {
            "objectType": "Agent",
            "name": self.name,
            "account": {"homePage": SITE, "name": self.account},
        }

    @property
    def key(self) -> str:
        key = agent_key(self.actor)
        assert key is not None
        return key


@dataclass
class Simulation:
    seed: int
    start: date
    learners: list[SimLearner]
    statements: list[dict[str, Any]]
    # (learner key, activity id) -> true seconds, for AUs and requirements
    truth_seconds: dict[tuple[str, str], float] = field(default_factory=dict)
    # (learner key, activity id, signal): click-through behaviour planted there, signal
    # one of SIGNALS
    planted: set[tuple[str, str, str]] = field(default_factory=set)

    def plant(self, learner: SimLearner, activities: Iterable[str], signal: str) -> None:
        self.planted.update((learner.key, a, signal) for a in activities)

    def spent(self, learner: SimLearner, activities: Iterable[str], seconds: float) -> None:
        for a in activities:
            key = (learner.key, a)
            self.truth_seconds[key] = self.truth_seconds.get(key, 0.0) + seconds

    def catalog(self) -> Catalog:
        return catalog_for(self.start)

    def roster_csv(self) -> str:
        return roster_csv(
            {
                "name": p.name,
                "unit": p.unit,
                "role": p.role,
                "account_homepage": SITE,
                "account_name": p.account,
            }
            for p in self.learners
        )

    def truth(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "start": self.start.isoformat(),
            "learners": [
                {"learner": p.key, "name": p.name, "unit": p.unit, "role": p.role, "kind": p.kind}
                for p in self.learners
            ],
            "time_on_task": [
                {"learner": learner, "activity": activity, "seconds": round(seconds, 3)}
                for (learner, activity), seconds in sorted(self.truth_seconds.items())
            ],
            "planted": [
                {"learner": learner, "activity": activity, "signal": signal}
                for learner, activity, signal in sorted(self.planted)
            ],
        }

    def ndjson(self) -> Iterator[str]:
        for s in self.statements:
            yield json.dumps(s, ensure_ascii=False, separators=(",", ":"))


def catalog_for(start: date) -> Catalog:
    """The catalog the simulated hospital would write: each course, video, lesson and
    scenario a requirement, each AU (and the lesson's video) with its expected duration,
    each question and decision with its skills."""
    activities: list[Activity] = []
    for c in COURSES:
        activities.append(
            Activity(
                c.id,
                c.title,
                start + timedelta(days=c.due_days),
                c.units,
                c.roles,
                float(sum(60 * minutes for _, minutes, _ in c.aus)),
            )
        )
        for n, (title, minutes, skills) in enumerate(c.aus):
            activities.append(
                Activity(
                    c.au_id(n),
                    f"{c.title}: {title}",
                    expected_seconds=60.0 * minutes,
                    skills=(skills[0].split(".")[0],),
                    questions={c.question_id(n, q): (s,) for q, s in enumerate(skills)},
                )
            )
    for v in VIDEOS:
        due = start + timedelta(days=v.due_days)
        activities.append(Activity(v.id, v.title, due, v.units, v.roles, float(v.seconds)))
    for lesson in LESSONS:
        activities.append(
            Activity(
                lesson.id,
                lesson.title,
                start + timedelta(days=lesson.due_days),
                lesson.units,
                lesson.roles,
                lesson.expected_seconds,
                (lesson.questions[0].split(".")[0],),
                {lesson.question_id(q): (s,) for q, s in enumerate(lesson.questions)},
            )
        )
        video = lesson.video
        activities.append(Activity(video.id, video.title, expected_seconds=float(video.seconds)))
    for sc in SCENARIOS:
        activities.append(
            Activity(
                sc.id,
                sc.title,
                start + timedelta(days=sc.due_days),
                sc.units,
                sc.roles,
                sc.expected_seconds,
                (sc.decisions[0].split(".")[0],),
                {sc.decision_id(n): (s,) for n, s in enumerate(sc.decisions)},
            )
        )
    return Catalog(tuple(activities))


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _uuid(seed: int, *parts: object) -> str:
    h = hashlib.blake2b(":".join(map(str, (seed, *parts))).encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def _ts(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _duration(seconds: float) -> str:
    return f"PT{seconds:.2f}S"


def _answer_seconds(rng: random.Random, median: float, spread: float) -> float:
    return max(0.4, rng.lognormvariate(math.log(median), spread))


def _learners(seed: int, count: int) -> list[SimLearner]:
    rng = random.Random(f"{seed}:learners")
    kinds = tuple(zip(KINDS, KIND_WEIGHTS, strict=True))
    out = []
    for n in range(count):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        out.append(
            SimLearner(
                number=n,
                name=f"{given} {family}",
                account=f"E{10000 + n}",
                unit=_pick(rng, UNITS),
                role=_pick(rng, ROLES),
                kind=_pick(rng, kinds),
            )
        )
    return out


class _Writer:
    """Emits the statements of one learner in one course registration."""

    def __init__(self, sim: Simulation, learner: SimLearner, course: Course, rng: random.Random):
        self.sim, self.learner, self.course, self.rng = sim, learner, course, rng
        self.registration = _uuid(sim.seed, "registration", learner.number, course.slug)
        self.sessions = 0

    def _statement(
        self,
        verb: str,
        obj: dict[str, Any],
        at: datetime,
        session: str,
        parent: str | None,
        categories: tuple[str, ...] = (CMI5_CATEGORY,),
        result: dict[str, Any] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        activities: dict[str, Any] = {"grouping": [{"id": self.course.id}]}
        if parent is not None:
            activities["parent"] = [{"id": parent}]
        if categories:
            activities["category"] = [{"id": c} for c in categories]
        statement: dict[str, Any] = {
            "id": _uuid(self.sim.seed, "statement", len(self.sim.statements)),
            "actor": self.learner.actor,
            "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[1]}},
            "object": obj,
            "context": {
                "registration": self.registration,
                "contextActivities": activities,
                "extensions": {SESSION_EXT: session, **(extensions or {})},
                "platform": "Mercy General Learning",
                "language": "en-US",
            },
            "timestamp": _ts(at),
        }
        if result is not None:
            statement["result"] = result
        self.sim.statements.append(statement)

    def au_object(self, n: int) -> dict[str, Any]:
        title = self.course.aus[n][0]
        return {
            "objectType": "Activity",
            "id": self.course.au_id(n),
            "definition": {
                "name": {"en-US": f"{self.course.title}: {title}"},
                "type": AU_TYPE,
            },
        }

    def question_object(self, n: int, q: int) -> dict[str, Any]:
        return {
            "objectType": "Activity",
            "id": self.course.question_id(n, q),
            "definition": {
                "name": {"en-US": f"{self.course.aus[n][0]}, question {q + 1}"},
                "type": QUESTION_TYPE,
                "interactionType": "choice",
                "correctResponsesPattern": ["b"],
                "choices": [{"id": c, "description": {"en-US": f"Option {c}"}} for c in "abcd"],
            },
        }

    def session(
        self,
        n: int,
        start: datetime,
        reading_s: float,
        quiz: bool,
        completes: bool,
        abandon: bool,
        guess: bool = False,
    ) -> tuple[datetime, float, bool | None]:
        """One session on AU `n` from `start`; returns (end, true seconds, passed or None).
        `guess`: the quiz is guessed through in seconds."""
        kind = self.learner.kind
        _, answer, right = PACE[kind]
        if guess:
            answer, right = GUESS
        rng = self.rng
        session = _uuid(self.sim.seed, "session", self.learner.number, self.course.slug, n, start)
        self.sessions += 1
        au = self.au_object(n)
        parent = self.course.id
        launch = {
            CMI5 + "context/extensions/launchmode": "Normal",
            CMI5 + "context/extensions/moveon": "CompletedAndPassed",
            CMI5 + "context/extensions/launchurl": f"{SITE}/content/{self.course.slug}/{n + 1}/",
        }
        self._statement(ADL + "launched", au, start, session, parent, extensions=launch)
        began = start + timedelta(seconds=rng.uniform(2, 6))
        self._statement(ADL + "initialized", au, began, session, parent)
        t = began + timedelta(seconds=reading_s)
        last = began
        passed: bool | None = None
        if quiz:
            skills = self.course.aus[n][2]
            answers = []
            for q in range(len(skills)):
                took = _answer_seconds(rng, *answer)
                t += timedelta(seconds=took)
                correct = rng.random() < right
                answers.append(correct)
                response = "b" if correct else rng.choice("acd")
                self._statement(
                    ADL + "answered",
                    self.question_object(n, q),
                    t,
                    session,
                    au["id"],
                    categories=(),
                    result={"success": correct, "response": response, "duration": _duration(took)},
                )
            last = t
            scaled = round(sum(answers) / len(answers), 4)
            passed = scaled >= MASTERY
            t += timedelta(seconds=rng.uniform(1, 3))
            self._statement(
                ADL + ("passed" if passed else "failed"),
                au,
                t,
                session,
                parent,
                categories=(CMI5_CATEGORY, MOVEON_CATEGORY),
                result={
                    "score": {"scaled": scaled},
                    "success": passed,
                    "duration": _duration((t - began).total_seconds()),
                },
                extensions={MASTERY_EXT: MASTERY},
            )
            last = t
        if completes:
            t += timedelta(seconds=rng.uniform(0.5, 2))
            self._statement(
                ADL + "completed",
                au,
                t,
                session,
                parent,
                categories=(CMI5_CATEGORY, MOVEON_CATEGORY),
                result={"completion": True, "duration": _duration((t - began).total_seconds())},
            )
            last = t
        if abandon:
            # The window closes a while after the last statement; the LMS notices later.
            closed = max(t, last) + timedelta(seconds=rng.uniform(30, 300))
            noticed = last + timedelta(seconds=rng.uniform(0.5, 1))
            self._statement(
                ADL2 + "abandoned",
                au,
                noticed,
                session,
                parent,
                result={"duration": _duration((noticed - began).total_seconds())},
            )
            end = closed
        else:
            end = t + timedelta(seconds=rng.uniform(0.5, 2))
            self._statement(
                ADL + "terminated",
                au,
                end,
                session,
                parent,
                result={"duration": _duration((end - began).total_seconds())},
            )
        seconds = (end - began).total_seconds()
        self.sim.spent(self.learner, (au["id"], self.course.id), seconds)
        return end, seconds, passed

    def satisfied(self, at: datetime, session_of: str) -> None:
        obj = {
            "objectType": "Activity",
            "id": self.course.id,
            "definition": {"name": {"en-US": self.course.title}, "type": COURSE_TYPE},
        }
        self._statement(ADL2 + "satisfied", obj, at, session_of, None)


def _next_slot(rng: random.Random, after: datetime, days: tuple[float, float]) -> datetime:
    """A moment in working hours (07:00-19:00 UTC) some days after `after`."""
    day = (after + timedelta(days=rng.uniform(*days))).date()
    moment = datetime.combine(day, time(7), UTC) + timedelta(seconds=rng.uniform(0, 11 * 3600))
    return max(moment, after + timedelta(minutes=rng.uniform(5, 60)))


class _Plain:
    """Emits one learner's plain-xAPI statements (no cmi5) in one registration."""

    def __init__(self, sim: Simulation, learner: SimLearner, slug: str, rng: random.Random):
        self.sim, self.learner, self.rng = sim, learner, rng
        self.registration = _uuid(sim.seed, "registration", learner.number, slug)
        self.played: dict[str, list[tuple[float, float]]] = {}  # per video, this registration
        self.watched: dict[str, float] = {}  # seconds spent per video, this registration

    def emit(
        self,
        verb: str,
        obj: dict[str, Any],
        at: datetime,
        parents: tuple[str, ...] = (),
        result: dict[str, Any] | None = None,
        categories: tuple[str, ...] = (),
        extensions: dict[str, Any] | None = None,
        statement_id: str | None = None,
    ) -> None:
        activities: dict[str, Any] = {}
        if parents:
            activities["parent"] = [{"id": parents[0]}]
        if parents[1:]:
            activities["grouping"] = [{"id": p} for p in parents[1:]]
        if categories:
            activities["category"] = [{"id": c} for c in categories]
        context: dict[str, Any] = {
            "registration": self.registration,
            "platform": "Mercy General Learning",
            "language": "en-US",
        }
        if activities:
            context["contextActivities"] = activities
        if extensions:
            context["extensions"] = extensions
        statement: dict[str, Any] = {
            "id": statement_id or _uuid(self.sim.seed, "statement", len(self.sim.statements)),
            "actor": self.learner.actor,
            "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[1]}},
            "object": obj,
            "context": context,
            "timestamp": _ts(at),
        }
        if result is not None:
            statement["result"] = result
        self.sim.statements.append(statement)

    def answer(
        self,
        obj: dict[str, Any],
        at: datetime,
        parents: tuple[str, ...],
        took: float,
        right: float,
        with_duration: bool,
    ) -> bool:
        correct = self.rng.random() < right
        result: dict[str, Any] = {
            "success": correct,
            "response": "b" if correct else self.rng.choice("acd"),
        }
        if with_duration:
            result["duration"] = _duration(took)
        self.emit(ADL + "answered", obj, at, parents, result)
        return correct

    def watch(
        self, video: Video, start: datetime, mode: str, parents: tuple[str, ...] = ()
    ) -> datetime:
        """One viewing session from `start`: `watch` it through, `skip` (seek) through it
        to the end, or `stop` part way. Returns when the player closed."""
        rng, length = self.rng, float(video.seconds)
        kind = self.learner.kind
        speed = 1.0
        if kind == "expert" or (kind == "click-through" and rng.random() < 0.5):
            speed = rng.choice((1.5, 2.0))
        elif rng.random() < 0.1:
            speed = 1.25
        session = _uuid(self.sim.seed, "video-session", self.learner.number, video.slug, start)
        segments = self.played.setdefault(video.id, [])
        obj = {
            "objectType": "Activity",
            "id": video.id,
            "definition": {"name": {"en-US": video.title}, "type": VIDEO_TYPE},
        }
        context = {
            VIDEO_EXT + "session-id": session,
            VIDEO_EXT + "length": video.seconds,
            VIDEO_EXT + "speed": f"{speed:g}x",
            VIDEO_EXT + "completion-threshold": VIDEO_THRESHOLD,
        }
        t, position = start, 0.0

        def say(verb: str, extensions: dict[str, Any], **result: Any) -> None:
            self.emit(
                verb,
                obj,
                t,
                parents,
                {**result, "extensions": extensions} if extensions or result else None,
                (VIDEO,),
                context,
                session if verb == ADL + "initialized" else None,
            )

        def progress() -> dict[str, Any]:
            return {
                VIDEO_EXT + "time": round(position, 3),
                VIDEO_EXT + "progress": round(_covered(segments) / length, 3),
                VIDEO_EXT + "played-segments": "[,]".join(
                    f"{a:.3f}[.]{b:.3f}" for a, b in segments
                ),
            }

        def play(to: float) -> None:
            nonlocal t, position
            to = min(to, length)
            if to > position:
                segments.append((round(position, 3), round(to, 3)))
                t += timedelta(seconds=(to - position) / speed)
                position = to

        def seek(to: float) -> None:
            nonlocal t, position
            say(
                VIDEO + "/verbs/seeked",
                {
                    VIDEO_EXT + "time-from": round(position, 3),
                    VIDEO_EXT + "time-to": round(to, 3),
                },
            )
            position = to
            t += timedelta(seconds=rng.uniform(0.5, 1.5))

        say(ADL + "initialized", {})
        t += timedelta(seconds=rng.uniform(1, 3))
        say(VIDEO + "/verbs/played", {VIDEO_EXT + "time": 0.0})
        if mode == "skip":
            play(rng.uniform(3, 12))
            for target in sorted(
                rng.uniform(0.15, 0.85) * length for _ in range(rng.randint(3, 6))
            ):
                if target > position:
                    seek(target)
                    play(position + rng.uniform(2, 6))
            seek(length - rng.uniform(3, 8))
            play(length)
        elif mode == "stop":
            play(length * rng.uniform(0.1, 0.5))
        else:
            if rng.random() < 0.3:  # skips the title sequence
                play(rng.uniform(1, 3))
                seek(position + rng.uniform(5, 12))
            if rng.random() < 0.4:  # a break part way
                play(length * rng.uniform(0.3, 0.7))
                say(VIDEO + "/verbs/paused", progress())
                t += timedelta(seconds=rng.uniform(10, 120))
                say(VIDEO + "/verbs/played", {VIDEO_EXT + "time": round(position, 3)})
            if rng.random() < 0.2:  # watches a part again
                play(position + length * rng.uniform(0.1, 0.3))
                seek(max(0.0, position - rng.uniform(15, 40)))
            play(length)
        spent = self.watched.get(video.id, 0.0) + (t - start).total_seconds()
        if mode != "stop":
            say(ADL + "completed", progress(), completion=True, duration=_duration(spent))
        else:
            say(VIDEO + "/verbs/paused", progress())
        t += timedelta(seconds=rng.uniform(0.5, 1.5))
        say(ADL + "terminated", progress())
        self.watched[video.id] = self.watched.get(video.id, 0.0) + (t - start).total_seconds()
        return t


def _covered(segments: Iterable[tuple[float, float]]) -> float:
    total, reach = 0.0, 0.0
    for a, b in sorted(segments):
        a = max(a, reach)
        if b > a:
            total, reach = total + b - a, b
    return total


def _activity(id_: str, title: str, kind: str, **more: Any) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": id_,
        "definition": {"name": {"en-US": title}, "type": kind, **more},
    }


def _question(id_: str, title: str) -> dict[str, Any]:
    return _activity(
        id_,
        title,
        QUESTION_TYPE,
        interactionType="choice",
        correctResponsesPattern=["b"],
        choices=[{"id": c, "description": {"en-US": f"Option {c}"}} for c in "abcd"],
    )


@dataclass
class _Progress:
    """Where one learner is: the moment, and (for a staller) how many units are left
    before they stop for good."""

    moment: datetime
    left: int | None  # None: never stops

    @property
    def stops_now(self) -> bool:
        return self.left is not None and self.left <= 0

    @property
    def stopped(self) -> bool:
        return self.left is not None and self.left < 0

    def done_one(self) -> None:
        if self.left is not None:
            self.left -= 1

    def stop(self, at: datetime) -> None:
        self.moment, self.left = at, -1


def _skips(learner: SimLearner, rng: random.Random) -> bool:
    if learner.kind == "click-through":
        return True
    return learner.kind in ("diligent", "expert") and rng.random() < SKIP_VIDEO


def _guesses(learner: SimLearner, rng: random.Random) -> bool:
    return learner.kind == "diligent" and rng.random() < GUESS_QUIZ


def _take_video(
    sim: Simulation, learner: SimLearner, video: Video, rng: random.Random, state: _Progress
) -> None:
    writer = _Plain(sim, learner, video.slug, rng)
    start = _next_slot(rng, state.moment, (0.2, 4))
    mode = "stop" if state.stops_now else "skip" if _skips(learner, rng) else "watch"
    end = writer.watch(video, start, mode)
    sim.spent(learner, (video.id,), (end - start).total_seconds())
    if mode == "skip":
        sim.plant(learner, (video.id,), "video")
        sim.plant(learner, (video.id,), "time")
    if mode == "stop":
        state.stop(end)
    else:
        state.moment = end
        state.done_one()


def _take_lesson(
    sim: Simulation, learner: SimLearner, lesson: Lesson, rng: random.Random, state: _Progress
) -> None:
    writer = _Plain(sim, learner, lesson.slug, rng)
    kind = learner.kind
    pace, answer, right = PACE[kind]
    parents = (lesson.id,)
    t = sitting = _next_slot(rng, state.moment, (0.2, 4))
    split = rng.randrange(1, len(lesson.pages)) if kind == "diligent" and rng.random() < 0.25 else 0
    for n, (title, minutes) in enumerate(lesson.pages):
        if n and n == split:
            # Leaves after reading the page before; no statement shows that reading.
            sim.spent(learner, (lesson.id,), (t - sitting).total_seconds())
            t = sitting = _next_slot(rng, t, (0.1, 3))
        writer.emit(ADL + "experienced", _activity(lesson.page_id(n), title, PAGE_TYPE), t, parents)
        t += timedelta(seconds=60 * minutes * rng.uniform(*pace))
        if state.stops_now and n == 1:
            sim.spent(learner, (lesson.id,), (t - sitting).total_seconds())
            state.stop(t)
            return
    skip = _skips(learner, rng)
    t = writer.watch(
        lesson.video, t + timedelta(seconds=rng.uniform(1, 4)), "skip" if skip else "watch", parents
    )
    if skip:
        sim.plant(learner, (lesson.video.id, lesson.id), "video")
        sim.plant(learner, (lesson.video.id,), "time")
    quiz = _activity(lesson.quiz_id, f"{lesson.title}: quiz", ASSESSMENT_TYPE)
    passed = False
    for attempt in range(3):
        t += timedelta(seconds=rng.uniform(2, 6))
        writer.emit(ADL + "attempted", quiz, t, parents)
        guess = attempt == 0 and _guesses(learner, rng)
        timing, chance = GUESS if guess else (answer, right)
        if guess or kind == "click-through":
            sim.plant(learner, (lesson.quiz_id, lesson.id), "answers")
        answers = []
        for q in range(len(lesson.questions)):
            t += timedelta(seconds=_answer_seconds(rng, *timing))
            question = _question(lesson.question_id(q), f"{lesson.title}, question {q + 1}")
            answers.append(
                writer.answer(question, t, (lesson.quiz_id, lesson.id), 0, chance, False)
            )
        scaled = round(sum(answers) / len(answers), 4)
        passed = scaled >= MASTERY
        t += timedelta(seconds=rng.uniform(1, 3))
        result = {"score": {"scaled": scaled}, "success": passed}
        writer.emit(ADL + ("passed" if passed else "failed"), quiz, t, parents, result)
        if passed:
            break
        # Reads a page again before the next attempt.
        n = rng.randrange(len(lesson.pages))
        t += timedelta(seconds=rng.uniform(5, 20))
        page = _activity(lesson.page_id(n), lesson.pages[n][0], PAGE_TYPE)
        writer.emit(ADL + "experienced", page, t, parents)
        t += timedelta(seconds=60 * lesson.pages[n][1] * rng.uniform(*pace) * 0.5)
    if passed:
        t += timedelta(seconds=rng.uniform(1, 2))
        lesson_object = _activity(lesson.id, lesson.title, LESSON_TYPE)
        writer.emit(ADL + "completed", lesson_object, t, result={"completion": True})
        if kind == "click-through":
            sim.plant(learner, (lesson.id, lesson.quiz_id), "time")
    sim.spent(learner, (lesson.id,), (t - sitting).total_seconds())
    state.moment = t
    state.done_one()


def _take_scenario(
    sim: Simulation, learner: SimLearner, scenario: Scenario, rng: random.Random, state: _Progress
) -> None:
    writer = _Plain(sim, learner, scenario.slug, rng)
    kind = learner.kind
    pace, answer, right = PACE[kind]
    guess = _guesses(learner, rng)
    timing, chance = GUESS if guess else (answer, right)
    if guess or kind == "click-through":
        sim.plant(learner, (scenario.id,), "answers")
    parents = (scenario.id,)
    start = t = _next_slot(rng, state.moment, (0.2, 4))
    right_answers = 0
    for n, (title, minutes) in enumerate(scenario.scenes):
        scene = _activity(scenario.scene_id(n), title, SIMULATION_TYPE)
        writer.emit(ADL + "experienced", scene, t, parents)
        t += timedelta(seconds=60 * minutes * rng.uniform(*pace))
        if state.stops_now and n == 1:
            sim.spent(learner, (scenario.id,), (t - start).total_seconds())
            state.stop(t)
            return
        took = _answer_seconds(rng, *timing)
        t += timedelta(seconds=took)
        decision = _question(scenario.decision_id(n), f"{scenario.title}: decision {n + 1}")
        right_answers += writer.answer(decision, t, parents, took, chance, True)
    t += timedelta(seconds=rng.uniform(2, 5))
    obj = _activity(scenario.id, scenario.title, SIMULATION_TYPE)
    duration = _duration((t - start).total_seconds())
    writer.emit(ADL + "completed", obj, t, result={"completion": True, "duration": duration})
    scaled = round(right_answers / len(scenario.decisions), 4)
    passed = scaled >= MASTERY
    result = {"score": {"scaled": scaled}, "success": passed}
    writer.emit(ADL + ("passed" if passed else "failed"), obj, t, result=result)
    if kind == "click-through":
        sim.plant(learner, (scenario.id,), "time")
    sim.spent(learner, (scenario.id,), (t - start).total_seconds())
    state.moment = t
    state.done_one()


def _take_course(
    sim: Simulation, learner: SimLearner, course: Course, rng: random.Random, state: _Progress
) -> None:
    writer = _Writer(sim, learner, course, rng)
    pace, answer, _ = PACE[learner.kind]
    all_passed = True
    last_session = ""
    for n, (_, minutes, skills) in enumerate(course.aus):
        if state.stops_now:
            # The staller opens this AU, reads some of it, and never comes back.
            moment = _next_slot(rng, state.moment, (0.5, 6))
            reading = 60 * minutes * rng.uniform(0.15, 0.5)
            end, _, _ = writer.session(n, moment, reading, False, False, rng.random() < 0.5)
            state.stop(end)
            return
        expected = 60.0 * minutes
        total = expected * rng.uniform(*pace)
        reading = max(total - answer[0] * len(skills), 5.0)
        moment = _next_slot(rng, state.moment, (0.2, 5))
        if learner.kind == "diligent" and rng.random() < 0.25:
            # Two sittings: part of the reading, then the rest and the quiz.
            first = reading * rng.uniform(0.3, 0.6)
            moment, _, _ = writer.session(n, moment, first, False, False, False)
            moment = _next_slot(rng, moment, (0.1, 3))
            reading -= first
        abandon = learner.kind != "click-through" and rng.random() < 1 / 15
        guess = _guesses(learner, rng)
        au = course.au_id(n)
        if guess or learner.kind == "click-through":
            sim.plant(learner, (au, course.id), "answers")
        if learner.kind == "click-through":
            sim.plant(learner, (au, course.id), "time")
        moment, _, passed = writer.session(n, moment, reading, True, True, abandon, guess)
        retakes = 0
        while not passed and retakes < 3:
            retakes += 1
            moment = _next_slot(rng, moment, (0.05, 2))
            review = reading * rng.uniform(0.1, 0.3)
            moment, _, passed = writer.session(n, moment, review, True, False, False)
        all_passed = all_passed and bool(passed)
        last_session = sim.statements[-1]["context"]["extensions"][SESSION_EXT]
        state.moment = moment
        state.done_one()
    if all_passed:
        writer.satisfied(state.moment + timedelta(seconds=1), last_session)


def generate(learners: int, seed: int = 1, start: date = date(2024, 1, 8)) -> Simulation:
    """The data set of `learners` staff; the same arguments give the same statements."""
    sim = Simulation(seed, start, _learners(seed, learners), [])
    origin = datetime.combine(start, time(0), UTC)
    content: dict[str, Course | Video | Lesson | Scenario] = {
        c.id: c for c in (*COURSES, *VIDEOS, *LESSONS, *SCENARIOS)
    }
    catalog = catalog_for(start)
    for learner in sim.learners:
        if learner.kind == "never-start":
            continue
        rng = random.Random(f"{seed}:learner:{learner.number}")
        required = [a for a in catalog.activities if a.required_for(learner.unit, learner.role)]
        required.sort(key=lambda a: (a.due, a.id))
        stop_after = rng.randrange(0, 3) if learner.kind == "staller" else None
        state = _Progress(origin + timedelta(days=rng.uniform(0, 10)), stop_after)
        for activity in required:
            item = content[activity.id]
            if isinstance(item, Course):
                _take_course(sim, learner, item, rng, state)
            elif isinstance(item, Video):
                _take_video(sim, learner, item, rng, state)
            elif isinstance(item, Lesson):
                _take_lesson(sim, learner, item, rng, state)
            else:
                _take_scenario(sim, learner, item, rng, state)
            if state.stopped:
                break  # a staller stops for good
    return sim


def post(
    sim: Simulation,
    url: str,
    user: str,
    password: str,
    batch: int = 200,
    version: str = "2.0.0",
    client: httpx.Client | None = None,
) -> int:
    """POST the statements to the LRS at `url` (its xAPI base, e.g.
    http://127.0.0.1:8080/xapi) in batches of `batch`; returns how many it stored.
    Raises `click.ClickException` with the LRS's answer when a batch is refused."""
    endpoint = url if url.rstrip("/").endswith("/statements") else url.rstrip("/") + "/statements"
    own = client is None
    http = client or httpx.Client(timeout=60)
    stored = 0
    try:
        for first in range(0, len(sim.statements), batch):
            chunk = sim.statements[first : first + batch]
            try:
                response = http.post(
                    endpoint,
                    json=chunk,
                    auth=(user, password),
                    headers={"X-Experience-API-Version": version},
                )
            except httpx.HTTPError as exc:
                raise click.ClickException(f"cannot reach {endpoint}: {exc}") from exc
            if response.status_code != 200:
                raise click.ClickException(
                    f"{endpoint} answered {response.status_code} to statements "
                    f"{first + 1}-{first + len(chunk)}: {response.text[:500]}"
                )
            stored += len(response.json())
    finally:
        if own:
            http.close()
    return stored


@click.command("simulate")
@click.option("--learners", default=300, show_default=True, help="How many staff.")
@click.option("--seed", default=1, show_default=True, help="The same seed, the same data.")
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2024-01-08",
    show_default=True,
    help="The first day of the training period; due dates follow it.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The statements, NDJSON ('-' for standard output).",
)
@click.option("--post", "post_url", help="POST the statements to this LRS (its xAPI base URL).")
@click.option("--user", help="The LRS credential's key, for --post.")
@click.option("--password", help="The LRS credential's secret, for --post.")
@click.option("--batch", default=200, show_default=True, help="Statements per POST.")
@click.option("--xapi-version", default="2.0.0", show_default=True, help="For --post.")
@click.option("--catalog-out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--roster-out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--truth-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON: each learner's kind, true time-on-task per activity, planted click-through.",
)
def _simulate(
    learners: int,
    seed: int,
    start: datetime,
    output: Path | None,
    post_url: str | None,
    user: str | None,
    password: str | None,
    batch: int,
    xapi_version: str,
    catalog_out: Path | None,
    roster_out: Path | None,
    truth_out: Path | None,
) -> None:
    """Write a simulated hospital training data set (statements, catalog, roster, truth),
    and/or post its statements to an LRS."""
    if output is None and post_url is None:
        raise click.UsageError("give --output FILE, --post URL, or both")
    if post_url is not None and (user is None or password is None):
        raise click.UsageError("--post needs --user and --password")
    if batch < 1:
        raise click.UsageError("--batch must be at least 1")
    sim = generate(learners, seed, start.date())
    if output is not None:
        text = "".join(line + "\n" for line in sim.ndjson())
        if str(output) == "-":
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
    if catalog_out is not None:
        catalog_out.write_text(sim.catalog().to_toml(), encoding="utf-8")
    if roster_out is not None:
        roster_out.write_text(sim.roster_csv(), encoding="utf-8")
    if truth_out is not None:
        truth_out.write_text(json.dumps(sim.truth(), indent=1) + "\n", encoding="utf-8")
    kinds = {k: sum(p.kind == k for p in sim.learners) for k in KINDS}
    click.echo(
        f"{len(sim.statements)} statements of {learners} learners "
        f"({', '.join(f'{n} {k}' for k, n in kinds.items())})",
        err=True,
    )
    if post_url is not None:
        assert user is not None and password is not None
        stored = post(sim, post_url, user, password, batch, xapi_version)
        click.echo(f"{stored} statements posted to {post_url}", err=True)


simulate: click.Command = _simulate
