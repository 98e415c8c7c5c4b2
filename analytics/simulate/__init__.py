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

The package, one concept a module:

    vocabulary    the IRIs of the LMS and of the xAPI, cmi5 and video vocabularies
    content       the courses, videos, lessons and scenarios, and the catalog they make
    learners      the staff, their planted kinds and how each kind behaves
    simulation    the data set and its ground truth
    generation    the loop: each learner taking each requirement (`generate`)
    cli           the `lrs simulate` command and `post` to an LRS
    _cmi5, _plain the statement writers (cmi5 AU sessions; plain xAPI and video)
"""

from analytics.simulate.cli import post, simulate
from analytics.simulate.content import (
    COURSES,
    LESSONS,
    MASTERY,
    SCENARIOS,
    VIDEO_THRESHOLD,
    VIDEOS,
    Course,
    Lesson,
    Scenario,
    Video,
    catalog_for,
)
from analytics.simulate.generation import generate
from analytics.simulate.learners import (
    FAMILY,
    GIVEN,
    GUESS,
    GUESS_QUIZ,
    KIND_WEIGHTS,
    KINDS,
    PACE,
    ROLES,
    SKIP_VIDEO,
    UNITS,
    SimLearner,
)
from analytics.simulate.simulation import SIGNALS, Simulation
from analytics.simulate.vocabulary import (
    ADL,
    ADL2,
    ASSESSMENT_TYPE,
    AU_TYPE,
    CMI5,
    CMI5_CATEGORY,
    COURSE_TYPE,
    LESSON_TYPE,
    MASTERY_EXT,
    MOVEON_CATEGORY,
    PAGE_TYPE,
    QUESTION_TYPE,
    SESSION_EXT,
    SIMULATION_TYPE,
    SITE,
    VIDEO,
    VIDEO_EXT,
    VIDEO_TYPE,
)

__all__ = [
    "ADL",
    "ADL2",
    "ASSESSMENT_TYPE",
    "AU_TYPE",
    "CMI5",
    "CMI5_CATEGORY",
    "COURSES",
    "COURSE_TYPE",
    "FAMILY",
    "GIVEN",
    "GUESS",
    "GUESS_QUIZ",
    "KINDS",
    "KIND_WEIGHTS",
    "LESSONS",
    "LESSON_TYPE",
    "MASTERY",
    "MASTERY_EXT",
    "MOVEON_CATEGORY",
    "PACE",
    "PAGE_TYPE",
    "QUESTION_TYPE",
    "ROLES",
    "SCENARIOS",
    "SESSION_EXT",
    "SIGNALS",
    "SIMULATION_TYPE",
    "SITE",
    "SKIP_VIDEO",
    "UNITS",
    "VIDEO",
    "VIDEOS",
    "VIDEO_EXT",
    "VIDEO_THRESHOLD",
    "VIDEO_TYPE",
    "Course",
    "Lesson",
    "Scenario",
    "SimLearner",
    "Simulation",
    "Video",
    "catalog_for",
    "generate",
    "post",
    "simulate",
]
