"""The generation loop: each learner takes their requirements in order of due date, and
the truth is recorded as they go."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from analytics.simulate._cmi5 import CourseWriter
from analytics.simulate._plain import PlainWriter
from analytics.simulate._xapi import activity_object, choice_question, iso_duration
from analytics.simulate.content import (
    COURSES,
    LESSONS,
    MASTERY,
    SCENARIOS,
    VIDEOS,
    Course,
    Lesson,
    Scenario,
    Video,
    catalog_for,
)
from analytics.simulate.learners import (
    GUESS,
    PACE,
    SimLearner,
    answer_seconds,
    draw_learners,
    guesses_quiz,
    skips_video,
)
from analytics.simulate.simulation import Simulation
from analytics.simulate.vocabulary import (
    ADL,
    ASSESSMENT_TYPE,
    LESSON_TYPE,
    PAGE_TYPE,
    SESSION_EXT,
    SIMULATION_TYPE,
)


def _next_slot(rng: random.Random, after: datetime, days: tuple[float, float]) -> datetime:
    """A moment in working hours (07:00-19:00 UTC) some days after `after`."""
    day = (after + timedelta(days=rng.uniform(*days))).date()
    moment = datetime.combine(day, time(7), UTC) + timedelta(seconds=rng.uniform(0, 11 * 3600))
    return max(moment, after + timedelta(minutes=rng.uniform(5, 60)))


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


def _take_video(
    sim: Simulation, learner: SimLearner, video: Video, rng: random.Random, state: _Progress
) -> None:
    writer = PlainWriter(sim, learner, video.slug, rng)
    start = _next_slot(rng, state.moment, (0.2, 4))
    mode = "stop" if state.stops_now else "skip" if skips_video(learner, rng) else "watch"
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
    writer = PlainWriter(sim, learner, lesson.slug, rng)
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
        writer.emit(
            ADL + "experienced", activity_object(lesson.page_id(n), title, PAGE_TYPE), t, parents
        )
        t += timedelta(seconds=60 * minutes * rng.uniform(*pace))
        if state.stops_now and n == 1:
            sim.spent(learner, (lesson.id,), (t - sitting).total_seconds())
            state.stop(t)
            return
    skip = skips_video(learner, rng)
    t = writer.watch(
        lesson.video, t + timedelta(seconds=rng.uniform(1, 4)), "skip" if skip else "watch", parents
    )
    if skip:
        sim.plant(learner, (lesson.video.id, lesson.id), "video")
        sim.plant(learner, (lesson.video.id,), "time")
    quiz = activity_object(lesson.quiz_id, f"{lesson.title}: quiz", ASSESSMENT_TYPE)
    passed = False
    for attempt in range(3):
        t += timedelta(seconds=rng.uniform(2, 6))
        writer.emit(ADL + "attempted", quiz, t, parents)
        guess = attempt == 0 and guesses_quiz(learner, rng)
        timing, chance = GUESS if guess else (answer, right)
        if guess or kind == "click-through":
            sim.plant(learner, (lesson.quiz_id, lesson.id), "answers")
        answers = []
        for q in range(len(lesson.questions)):
            t += timedelta(seconds=answer_seconds(rng, *timing))
            question = choice_question(lesson.question_id(q), f"{lesson.title}, question {q + 1}")
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
        page = activity_object(lesson.page_id(n), lesson.pages[n][0], PAGE_TYPE)
        writer.emit(ADL + "experienced", page, t, parents)
        t += timedelta(seconds=60 * lesson.pages[n][1] * rng.uniform(*pace) * 0.5)
    if passed:
        t += timedelta(seconds=rng.uniform(1, 2))
        lesson_object = activity_object(lesson.id, lesson.title, LESSON_TYPE)
        writer.emit(ADL + "completed", lesson_object, t, result={"completion": True})
        if kind == "click-through":
            sim.plant(learner, (lesson.id, lesson.quiz_id), "time")
    sim.spent(learner, (lesson.id,), (t - sitting).total_seconds())
    state.moment = t
    state.done_one()


def _take_scenario(
    sim: Simulation, learner: SimLearner, scenario: Scenario, rng: random.Random, state: _Progress
) -> None:
    writer = PlainWriter(sim, learner, scenario.slug, rng)
    kind = learner.kind
    pace, answer, right = PACE[kind]
    guess = guesses_quiz(learner, rng)
    timing, chance = GUESS if guess else (answer, right)
    if guess or kind == "click-through":
        sim.plant(learner, (scenario.id,), "answers")
    parents = (scenario.id,)
    start = t = _next_slot(rng, state.moment, (0.2, 4))
    right_answers = 0
    for n, (title, minutes) in enumerate(scenario.scenes):
        scene = activity_object(scenario.scene_id(n), title, SIMULATION_TYPE)
        writer.emit(ADL + "experienced", scene, t, parents)
        t += timedelta(seconds=60 * minutes * rng.uniform(*pace))
        if state.stops_now and n == 1:
            sim.spent(learner, (scenario.id,), (t - start).total_seconds())
            state.stop(t)
            return
        took = answer_seconds(rng, *timing)
        t += timedelta(seconds=took)
        decision = choice_question(scenario.decision_id(n), f"{scenario.title}: decision {n + 1}")
        right_answers += writer.answer(decision, t, parents, took, chance, True)
    t += timedelta(seconds=rng.uniform(2, 5))
    obj = activity_object(scenario.id, scenario.title, SIMULATION_TYPE)
    duration = iso_duration((t - start).total_seconds())
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
    writer = CourseWriter(sim, learner, course, rng)
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
        guess = guesses_quiz(learner, rng)
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
    sim = Simulation(seed, start, draw_learners(seed, learners), [])
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
