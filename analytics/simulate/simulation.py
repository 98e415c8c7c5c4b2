"""A simulated data set: its learners and statements, and the ground truth planted in
them (true time-on-task, click-through behaviour)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from analytics.catalog import Catalog, roster_csv
from analytics.simulate.content import catalog_for
from analytics.simulate.learners import SimLearner
from analytics.simulate.vocabulary import SITE

SIGNALS = ("time", "answers", "video")


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
