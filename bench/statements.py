"""A deterministic generator of realistic xAPI statements, for benchmarks.

The data describe mandatory training in a hospital: clinicians (nurses, doctors,
pharmacists, ...) identified by mbox take cmi5-style e-learning courses (sepsis,
medication safety, blood transfusion, ...). Each course has assignable units (AUs)
and each AU a few true/false questions. One learning *session* of one clinician in
one AU is always nine statements:

    launched, initialized, experienced, answered x3, passed|failed, completed, terminated

so statement `i` belongs to session `i // 9`, and every statement, its id included,
is a pure function of (seed, i): `statement(i)` gives random access (used to find how
much of a data set a store already holds) and `statements(start, stop)` streams.

Sessions advance in time (about 40 s apart from 2024-01-02 08:00Z), carry a context
registration (one per clinician x course attempt), contextActivities parent (the AU,
or the course for an AU) and grouping (the course), and cmi5 category and session id.

`QueryValues.for_loaded(n)` names filter values that certainly occur among the first
`n` statements, for query benchmarks. `catalog()` and `roster()` are what the hospital
would write for the scoring: every course a requirement (some of some units or roles
only) due three to six weeks after the start, and the clinicians in eight units.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # analytics (Polars, DuckDB) only for catalog() and roster()
    from analytics.catalog import Catalog, Roster

DEFAULT_SEED = 20240102
STATEMENTS_PER_SESSION = 9
N_CLINICIANS = 5000
SITE = "https://learning.northgate-hospital.example/xapi"
EMAIL_DOMAIN = "northgate-hospital.example"
START = datetime(2024, 1, 2, 8, 0, 0, tzinfo=UTC)
SESSION_SPACING_S = 40

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS: dict[str, str] = {
    name: ADL + name
    for name in (
        "launched",
        "initialized",
        "experienced",
        "answered",
        "passed",
        "failed",
        "completed",
        "terminated",
    )
}
COURSE_TYPE = "https://w3id.org/xapi/cmi5/activitytype/course"
MODULE_TYPE = "http://adlnet.gov/expapi/activities/module"
QUESTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon"
SESSION_EXT = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
MASTERY_EXT = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
PLATFORM = "Northgate Learning Hub"

# (slug, title, [AU titles]); every AU has three true/false questions.
COURSES: list[tuple[str, str, list[str]]] = [
    ("sepsis", "Sepsis Recognition and Management", ["Red flags", "Sepsis Six", "Escalation"]),
    ("news2", "Recognising the Deteriorating Patient (NEWS2)", ["Observations", "Scoring"]),
    ("medsafety", "Medication Safety", ["Prescribing", "Administration", "Reporting errors"]),
    ("insulin", "Safe Use of Insulin", ["Insulin types", "Hypoglycaemia"]),
    ("transfusion", "Blood Transfusion", ["Sampling", "Bedside checks", "Reactions"]),
    ("hygiene", "Hand Hygiene", ["Five moments", "Technique"]),
    ("ipc", "Infection Prevention and Control", ["Standard precautions", "PPE", "Isolation"]),
    ("bls", "Basic Life Support", ["Chain of survival", "CPR", "Defibrillation"]),
    ("safeguarding", "Safeguarding Adults Level 2", ["Types of abuse", "Raising a concern"]),
    ("falls", "Falls Prevention", ["Risk assessment", "Post-fall care"]),
    ("pressure", "Pressure Ulcer Prevention", ["SSKIN bundle", "Grading"]),
    ("vte", "Venous Thromboembolism Prevention", ["Risk assessment", "Prophylaxis"]),
    ("cd", "Controlled Drugs", ["Legislation", "Storage and records"]),
    ("ig", "Information Governance", ["Confidentiality", "Data breaches"]),
    ("fire", "Fire Safety", ["Prevention", "Evacuation"]),
    ("handling", "Moving and Handling", ["Principles", "Equipment"]),
]
QUESTIONS_PER_AU = 3

ROLES = [
    ("Staff Nurse", 30),
    ("Healthcare Assistant", 15),
    ("Senior Sister", 5),
    ("Dr", 18),
    ("Pharmacist", 5),
    ("Physiotherapist", 5),
    ("Midwife", 6),
    ("Paramedic", 3),
    ("Occupational Therapist", 3),
    ("Radiographer", 4),
    ("Operating Department Practitioner", 6),
]
# fmt: off
GIVEN = [
    "Amara", "Ben", "Chloe", "Daniel", "Efua", "Fatima", "George", "Hannah", "Isaac", "Jia",
    "Kofi", "Laura", "Mohammed", "Niamh", "Olu", "Priya", "Quentin", "Rosa", "Samuel", "Tariq",
    "Uma", "Victor", "Wei", "Xavier", "Yasmin", "Zoe", "Aisha", "Bartek", "Carmen", "Dev",
    "Elena", "Femi", "Grace", "Hiro", "Ines", "Jack", "Kemi", "Liam", "Maya", "Nikos", "Oscar",
    "Parveen", "Rhys", "Sofia", "Tom", "Usha", "Valentina", "Will", "Yusuf", "Zainab",
]
FAMILY = [
    "Okafor", "Smith", "Patel", "Jones", "Nowak", "Williams", "Khan", "Brown", "Taylor",
    "Chen", "Mensah", "Davies", "Evans", "Singh", "Murphy", "Wilson", "Ahmed", "Kowalski",
    "Thomas", "Roberts", "Ali", "Lewis", "Walker", "Osei", "Hughes", "Garcia", "Rossi",
    "Nguyen", "Kaur", "Clarke", "Adeyemi", "Wright", "Green", "Hall", "Wood", "Edwards",
    "Silva", "Campbell", "Baker", "Hussain", "Martin", "Jackson", "Moore", "Begum", "White",
    "Harris", "Iyer", "Kim", "Fernandes", "O'Brien",
]
# fmt: on


@dataclass(frozen=True, slots=True)
class Clinician:
    name: str
    mbox: str

    def agent(self) -> dict[str, str]:
        return {"objectType": "Agent", "name": self.name, "mbox": self.mbox}


def _clinicians() -> list[Clinician]:
    rng = random.Random(7)
    roles = [role for role, weight in ROLES for _ in range(weight)]
    people = []
    for n in range(N_CLINICIANS):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        local = f"{given}.{family}".lower().replace("'", "")
        people.append(
            Clinician(
                name=f"{rng.choice(roles)} {given} {family}",
                mbox=f"mailto:{local}.{n:04d}@{EMAIL_DOMAIN}",
            )
        )
    return people


CLINICIANS = _clinicians()


def course_id(course: int) -> str:
    return f"{SITE}/courses/{COURSES[course][0]}"


def au_id(course: int, au: int) -> str:
    return f"{course_id(course)}/au/{au + 1}"


def question_id(course: int, au: int, q: int) -> str:
    return f"{au_id(course, au)}/q/{q + 1}"


def _activity(activity_id: str, name: str, description: str, kind: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": activity_id,
        "definition": {
            "name": {"en-US": name},
            "description": {"en-US": description},
            "type": kind,
        },
    }


def _question(course: int, au: int, q: int) -> dict[str, Any]:
    _, title, aus = COURSES[course]
    activity = _activity(
        question_id(course, au, q),
        f"{title}: {aus[au]}, question {q + 1}",
        f"True or false: statement {q + 1} about {aus[au].lower()} in {title.lower()}.",
        QUESTION_TYPE,
    )
    activity["definition"]["interactionType"] = "true-false"
    activity["definition"]["correctResponsesPattern"] = ["true" if (au + q) % 2 else "false"]
    return activity


def _ref(activity_id: str) -> dict[str, str]:
    return {"objectType": "Activity", "id": activity_id}


def _uuid(seed: int, label: str, n: int) -> str:
    """A version-4-shaped UUID derived from (seed, label, n)."""
    h = hashlib.blake2b(f"{seed}:{label}:{n}".encode(), digest_size=16).hexdigest()
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds, 2), 60)
    return f"PT{int(minutes)}M{secs:.2f}S" if minutes else f"PT{secs:.2f}S"


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Session:
    """What one session is about; a pure function of (seed, number)."""

    number: int
    clinician: Clinician
    course: int
    au: int
    attempt: int
    registration: str

    @classmethod
    def of(cls, seed: int, number: int) -> Session:
        rng = random.Random(seed * 1_000_003 + number)
        # A fifth of the sessions come from 250 busy clinicians (new starters, bank staff).
        busy = rng.random() < 0.2
        clinician_no = rng.randrange(250 if busy else N_CLINICIANS)
        course = rng.randrange(len(COURSES))
        au = rng.randrange(len(COURSES[course][2]))
        attempt = rng.randrange(2)
        key = clinician_no * 1000 + course * 10 + attempt
        return cls(
            number=number,
            clinician=CLINICIANS[clinician_no],
            course=course,
            au=au,
            attempt=attempt,
            registration=_uuid(seed, "registration", key),
        )


def session_statements(seed: int, number: int) -> list[dict[str, Any]]:
    """The nine statements of session `number`, in order."""
    s = Session.of(seed, number)
    rng = random.Random(seed * 7_000_003 + number)
    _, title, aus = COURSES[s.course]
    course = course_id(s.course)
    au = _activity(
        au_id(s.course, s.au),
        f"{title}: {aus[s.au]}",
        f"Module {s.au + 1} of the {title} course.",
        MODULE_TYPE,
    )
    au_ref = _ref(au["id"])
    session_id = _uuid(seed, "session", number)
    started = START + timedelta(seconds=number * SESSION_SPACING_S + rng.uniform(0, 30))
    t = started
    mastery = 0.8
    answers = [rng.random() < 0.8 for _ in range(QUESTIONS_PER_AU)]
    raw = round(100 * sum(answers) / QUESTIONS_PER_AU * rng.uniform(0.85, 1.0))
    passed = raw / 100 >= mastery

    def context(parent: dict[str, str], cmi5: bool) -> dict[str, Any]:
        activities: dict[str, Any] = {"parent": [parent], "grouping": [_ref(course)]}
        if cmi5:
            activities["category"] = [{"objectType": "Activity", "id": CMI5_CATEGORY}]
        ctx: dict[str, Any] = {
            "registration": s.registration,
            "contextActivities": activities,
            "platform": PLATFORM,
            "language": "en-US",
            "extensions": {SESSION_EXT: session_id},
        }
        return ctx

    out: list[dict[str, Any]] = []

    def emit(
        verb: str,
        obj: dict[str, Any],
        ctx: dict[str, Any],
        result: dict[str, Any] | None,
        seconds_later: float,
    ) -> None:
        nonlocal t
        t += timedelta(seconds=seconds_later)
        statement: dict[str, Any] = {
            "id": _uuid(seed, "statement", number * STATEMENTS_PER_SESSION + len(out)),
            "actor": s.clinician.agent(),
            "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
            "object": obj,
        }
        if result is not None:
            statement["result"] = result
        statement["context"] = ctx
        statement["timestamp"] = _timestamp(t)
        out.append(statement)

    emit("launched", au, context(_ref(course), cmi5=True), None, 0)
    emit("initialized", au, context(_ref(course), cmi5=True), None, rng.uniform(1, 4))
    spent = rng.uniform(60, 600)
    emit(
        "experienced", au, context(_ref(course), cmi5=False), {"duration": _duration(spent)}, spent
    )
    for q, correct in enumerate(answers):
        question = _question(s.course, s.au, q)
        truth = question["definition"]["correctResponsesPattern"][0]
        response = truth if correct else ("false" if truth == "true" else "true")
        took = rng.uniform(8, 90)
        emit(
            "answered",
            question,
            context(au_ref, cmi5=False),
            {"success": correct, "response": response, "duration": _duration(took)},
            took,
        )
    judged = context(_ref(course), cmi5=True)
    judged["contextActivities"]["category"] = [
        {"objectType": "Activity", "id": CMI5_CATEGORY},
        {"objectType": "Activity", "id": MOVEON_CATEGORY},
    ]
    judged["extensions"] = {SESSION_EXT: session_id, MASTERY_EXT: mastery}
    total = (t - started).total_seconds()
    score = {"scaled": raw / 100, "raw": raw, "min": 0, "max": 100}
    emit(
        "passed" if passed else "failed",
        au,
        judged,
        {"score": score, "success": passed, "duration": _duration(total)},
        rng.uniform(1, 3),
    )
    completion = {"completion": True, "duration": _duration(total)}
    emit("completed", au, context(_ref(course), cmi5=True), completion, 1)
    emit("terminated", au, context(_ref(course), cmi5=True), {"duration": _duration(total + 2)}, 1)
    assert len(out) == STATEMENTS_PER_SESSION
    return out


def statement(index: int, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Statement number `index` of the data set."""
    number, position = divmod(index, STATEMENTS_PER_SESSION)
    return session_statements(seed, number)[position]


def statement_id(index: int, seed: int = DEFAULT_SEED) -> str:
    """The id of statement number `index`, without building it."""
    return _uuid(seed, "statement", index)


def statements(start: int, stop: int, seed: int = DEFAULT_SEED) -> Iterator[dict[str, Any]]:
    """Statements number `start` (inclusive) to `stop` (exclusive), in order."""
    number, skip = divmod(start, STATEMENTS_PER_SESSION)
    index = start
    while index < stop:
        batch = session_statements(seed, number)[skip:]
        yield from batch[: stop - index]
        index += len(batch)
        number, skip = number + 1, 0


@dataclass(frozen=True, slots=True)
class QueryValues:
    """Filter values that occur among the first `loaded` statements of a data set."""

    agent_mbox: str
    verb: str
    activity: str  # an AU: object of launched/initialized/.../terminated statements
    course: str  # in contextActivities.grouping of every statement of that course
    registration: str
    middle_index: int  # a statement in the middle of the data set (for `since`)

    @classmethod
    def for_loaded(cls, loaded: int, seed: int = DEFAULT_SEED) -> QueryValues:
        if loaded < STATEMENTS_PER_SESSION:
            raise ValueError(f"need at least one whole session ({STATEMENTS_PER_SESSION})")
        middle = loaded // 2
        session = Session.of(seed, min(middle // STATEMENTS_PER_SESSION, loaded // 9 - 1))
        return cls(
            agent_mbox=session.clinician.mbox,
            verb=VERBS["passed"],
            activity=au_id(session.course, session.au),
            course=course_id(session.course),
            registration=session.registration,
            middle_index=middle,
        )


# --------------------------------------------------------------------------- catalog

UNITS = (
    "Intensive Care",
    "Emergency Department",
    "Acute Medicine",
    "General Surgery",
    "Theatres",
    "Maternity",
    "Paediatrics",
    "Outpatients",
)
AU_EXPECTED_S = 480.0  # about what a session takes: 60-600 s of content, 3 answers
# Courses required of some units or roles only (slug -> (units, roles); empty: any).
RESTRICTED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "insulin": (("Intensive Care", "Acute Medicine", "Paediatrics", "General Surgery"), ()),
    "transfusion": (
        ("Intensive Care", "Emergency Department", "Theatres", "Maternity", "General Surgery"),
        (),
    ),
    "cd": ((), ("Staff Nurse", "Senior Sister", "Dr", "Pharmacist", "Midwife", "Paramedic")),
    "news2": (
        ("Intensive Care", "Emergency Department", "Acute Medicine", "General Surgery"),
        (),
    ),
}


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def due_date(course: int) -> date:
    """A course's due date: three to six weeks after the data start."""
    return START.date() + timedelta(days=21 + 7 * (course % 4))


def skill(course: int, au: int) -> str:
    """The skill a question of an AU is evidence of: `course slug.AU topic`."""
    return f"{COURSES[course][0]}.{_slug(COURSES[course][2][au])}"


def catalog() -> Catalog:
    """The hospital's catalog: every course a requirement (of every unit and role, or of
    those in RESTRICTED), due a few weeks after START; every AU with its expected duration
    and the course as its skill; every question with its AU's skill."""
    from analytics.catalog import Activity, Catalog

    activities: list[Activity] = []
    for n, (slug, title, aus) in enumerate(COURSES):
        units, roles = RESTRICTED.get(slug, ((), ()))
        activities.append(
            Activity(course_id(n), title, due_date(n), units, roles, AU_EXPECTED_S * len(aus))
        )
        for a, topic in enumerate(aus):
            activities.append(
                Activity(
                    au_id(n, a),
                    f"{title}: {topic}",
                    expected_seconds=AU_EXPECTED_S,
                    skills=(slug,),
                    questions={
                        question_id(n, a, q): (skill(n, a),) for q in range(QUESTIONS_PER_AU)
                    },
                )
            )
    return Catalog(tuple(activities))


def role_of(clinician: Clinician) -> str:
    """The role the clinician's name starts with."""
    return next(role for role, _ in ROLES if clinician.name.startswith(role + " "))


def unit_of(number: int) -> str:
    """Clinician `number`'s unit: deterministic, about as many in each."""
    digest = hashlib.blake2b(f"unit:{number}".encode(), digest_size=2).digest()
    return UNITS[int.from_bytes(digest) % len(UNITS)]


def roster_rows() -> list[dict[str, str]]:
    """The roster as rows of `analytics.catalog.roster_csv`: name (without the role),
    unit, role, mbox, one per clinician."""
    return [
        {
            "name": c.name.removeprefix(role_of(c) + " "),
            "unit": unit_of(n),
            "role": role_of(c),
            "mbox": c.mbox,
        }
        for n, c in enumerate(CLINICIANS)
    ]


def roster() -> Roster:
    """The 5,000 clinicians, through the roster file a customer would write."""
    from analytics.catalog import parse_roster, roster_csv

    return parse_roster(roster_csv(roster_rows()), "bench roster")


if __name__ == "__main__":
    import json
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    for item in statements(0, count):
        print(json.dumps(item, indent=2))
