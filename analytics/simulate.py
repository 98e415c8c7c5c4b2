"""`lrs simulate`: a realistic hospital training data set, deterministic by seed.

Mercy General's staff (units ICU, ED, Pediatrics, Med-Surg, Oncology, Maternity; roles RN,
MD, RT, PharmD, CNA) must take cmi5 courses by their due dates. Each course has assignable
units (AUs) of known length; each AU ends with a quiz whose questions are tagged with
skills. Learners are of planted kinds:

- `diligent`: read at roughly the expected pace (0.7x-1.7x), sometimes over two sessions,
  sometimes fail a quiz and retake it;
- `expert`: fast but legitimately so (0.4x-0.75x of the expected time), nearly always right;
- `click-through`: complete everything far faster than it can be read (4%-18%);
- `staller`: start a course, maybe finish an AU, then stop for good;
- `never-start`: on the roster, with no statement at all.

One AU session is the cmi5 sequence `launched` (by the LMS), `initialized`, `answered`
per question, `passed`|`failed`, `completed` (first time through), `terminated` with the
session's duration; the LMS adds `satisfied` on the course when every AU is passed. About
one session in fifteen is abandoned: the window closes with no `terminated`, and the LMS
records `abandoned` with the time up to the AU's last statement, so that its duration falls
short of the truth (as it does in life). Actors are LMS accounts, as cmi5 requires.

The ground truth is the time each learner really spent per AU and per course (the sum of
their sessions' wall time from `initialized` until the window closed) and each learner's
kind.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import click

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
MASTERY = 0.75

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

# (pace range as a fraction of the expected time, answer seconds, chance of a right answer)
PACE = {
    "diligent": ((0.7, 1.7), (15.0, 60.0), 0.82),
    "expert": ((0.4, 0.75), (5.0, 20.0), 0.97),
    "click-through": ((0.04, 0.18), (2.0, 6.0), 0.5),
    "staller": ((0.7, 1.5), (15.0, 60.0), 0.75),
}
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
    # (learner key, activity id) -> true seconds, for AUs and courses
    truth_seconds: dict[tuple[str, str], float] = field(default_factory=dict)

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
        }

    def ndjson(self) -> Iterator[str]:
        for s in self.statements:
            yield json.dumps(s, ensure_ascii=False, separators=(",", ":"))


def catalog_for(start: date) -> Catalog:
    """The catalog the simulated hospital would write: each course a requirement, each AU
    with its expected duration and skill, each question with its skills."""
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
    ) -> tuple[datetime, float, bool | None]:
        """One session on AU `n` from `start`; returns (end, true seconds, passed or None)."""
        kind = self.learner.kind
        _, answer_range, right = PACE[kind]
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
                took = rng.uniform(*answer_range)
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
        self.sim.truth_seconds[(self.learner.key, au["id"])] = (
            self.sim.truth_seconds.get((self.learner.key, au["id"]), 0.0) + seconds
        )
        self.sim.truth_seconds[(self.learner.key, self.course.id)] = (
            self.sim.truth_seconds.get((self.learner.key, self.course.id), 0.0) + seconds
        )
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


def generate(learners: int, seed: int = 1, start: date = date(2024, 1, 8)) -> Simulation:
    """The data set of `learners` staff; the same arguments give the same statements."""
    sim = Simulation(seed, start, _learners(seed, learners), [])
    origin = datetime.combine(start, time(0), UTC)
    for learner in sim.learners:
        if learner.kind == "never-start":
            continue
        rng = random.Random(f"{seed}:learner:{learner.number}")
        courses = [
            c for c in catalog_for(start).activities if c.required_for(learner.unit, learner.role)
        ]
        by_id = {c.id: c for c in COURSES}
        stop_after = rng.randrange(0, 2) if learner.kind == "staller" else None
        aus_done = 0
        moment = origin + timedelta(days=rng.uniform(0, 10))
        for required in courses:
            course = by_id[required.id]
            writer = _Writer(sim, learner, course, rng)
            pace = PACE[learner.kind][0]
            all_passed = True
            last_session = ""
            for n, (_, minutes, _) in enumerate(course.aus):
                if stop_after is not None and aus_done >= stop_after:
                    # The staller opens this AU, reads some of it, and never comes back.
                    moment = _next_slot(rng, moment, (0.5, 6))
                    reading = 60 * minutes * rng.uniform(0.15, 0.5)
                    writer.session(n, moment, reading, False, False, rng.random() < 0.5)
                    break
                expected = 60.0 * minutes
                total = expected * rng.uniform(*pace)
                answering = sum(PACE[learner.kind][1]) / 2 * len(course.aus[n][2])
                reading = max(total - answering, 5.0)
                moment = _next_slot(rng, moment, (0.2, 5))
                if learner.kind == "diligent" and rng.random() < 0.25:
                    # Two sittings: part of the reading, then the rest and the quiz.
                    first = reading * rng.uniform(0.3, 0.6)
                    moment, _, _ = writer.session(n, moment, first, False, False, False)
                    moment = _next_slot(rng, moment, (0.1, 3))
                    reading -= first
                abandon = learner.kind != "click-through" and rng.random() < 1 / 15
                moment, _, passed = writer.session(n, moment, reading, True, True, abandon)
                retakes = 0
                while not passed and retakes < 3:
                    retakes += 1
                    moment = _next_slot(rng, moment, (0.05, 2))
                    review = reading * rng.uniform(0.1, 0.3)
                    moment, _, passed = writer.session(n, moment, review, True, False, False)
                all_passed = all_passed and bool(passed)
                last_session = sim.statements[-1]["context"]["extensions"][SESSION_EXT]
                aus_done += 1
            else:
                if all_passed:
                    writer.satisfied(moment + timedelta(seconds=1), last_session)
                continue
            break  # a staller stops for good
    return sim


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
    required=True,
    help="The statements, NDJSON ('-' for standard output).",
)
@click.option("--catalog-out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--roster-out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--truth-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON: each learner's planted kind and true time-on-task per activity.",
)
def _simulate(
    learners: int,
    seed: int,
    start: datetime,
    output: Path,
    catalog_out: Path | None,
    roster_out: Path | None,
    truth_out: Path | None,
) -> None:
    """Write a simulated hospital training data set (statements, catalog, roster, truth)."""
    sim = generate(learners, seed, start.date())
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


simulate: click.Command = _simulate
