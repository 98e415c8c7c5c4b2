"""Writes one learner's cmi5 statements in one course registration: AU sessions and the
LMS's `satisfied`."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from analytics.simulate._xapi import iso_duration, timestamp, uuid_for
from analytics.simulate.content import MASTERY, Course
from analytics.simulate.learners import GUESS, PACE, SimLearner, answer_seconds
from analytics.simulate.simulation import Simulation
from analytics.simulate.vocabulary import (
    ADL,
    ADL2,
    AU_TYPE,
    CMI5,
    CMI5_CATEGORY,
    COURSE_TYPE,
    MASTERY_EXT,
    MOVEON_CATEGORY,
    QUESTION_TYPE,
    SESSION_EXT,
    SITE,
)


class CourseWriter:
    """Emits the statements of one learner in one course registration."""

    def __init__(self, sim: Simulation, learner: SimLearner, course: Course, rng: random.Random):
        self.sim, self.learner, self.course, self.rng = sim, learner, course, rng
        self.registration = uuid_for(sim.seed, "registration", learner.number, course.slug)
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
            "id": uuid_for(self.sim.seed, "statement", len(self.sim.statements)),
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
            "timestamp": timestamp(at),
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
        session = uuid_for(
            self.sim.seed, "session", self.learner.number, self.course.slug, n, start
        )
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
                took = answer_seconds(rng, *answer)
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
                    result={
                        "success": correct,
                        "response": response,
                        "duration": iso_duration(took),
                    },
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
                    "duration": iso_duration((t - began).total_seconds()),
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
                result={"completion": True, "duration": iso_duration((t - began).total_seconds())},
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
                result={"duration": iso_duration((noticed - began).total_seconds())},
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
                result={"duration": iso_duration((end - began).total_seconds())},
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
