"""The hospital's required training: cmi5 courses of AUs, videos, plain-xAPI lessons and
simulation scenarios, and the catalog they make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from analytics.catalog import Activity, Catalog
from analytics.simulate.learners import PACE
from analytics.simulate.vocabulary import SITE

VIDEO_THRESHOLD = 0.95  # a video's completion threshold (the video profile's extension)
MASTERY = 0.75  # the scaled score that passes any quiz or scenario


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
