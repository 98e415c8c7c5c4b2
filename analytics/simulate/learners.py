"""The staff: their units, roles and planted kinds, and how each kind behaves (its pace,
its answers, whether it skips a video or guesses through a quiz)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from analytics.simulate.vocabulary import SITE
from lrs.xapi.agents import agent_key

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


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def answer_seconds(rng: random.Random, median: float, spread: float) -> float:
    return max(0.4, rng.lognormvariate(math.log(median), spread))


def draw_learners(seed: int, count: int) -> list[SimLearner]:
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


def skips_video(learner: SimLearner, rng: random.Random) -> bool:
    if learner.kind == "click-through":
        return True
    return learner.kind in ("diligent", "expert") and rng.random() < SKIP_VIDEO


def guesses_quiz(learner: SimLearner, rng: random.Random) -> bool:
    return learner.kind == "diligent" and rng.random() < GUESS_QUIZ
