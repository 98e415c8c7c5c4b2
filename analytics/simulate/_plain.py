"""Writes one learner's plain-xAPI statements (no cmi5) in one registration, and plays
videos with the xAPI video profile."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from analytics.simulate._xapi import iso_duration, timestamp, uuid_for
from analytics.simulate.content import VIDEO_THRESHOLD, Video
from analytics.simulate.learners import SimLearner
from analytics.simulate.simulation import Simulation
from analytics.simulate.vocabulary import ADL, VIDEO, VIDEO_EXT, VIDEO_TYPE


class PlainWriter:
    """Emits one learner's plain-xAPI statements (no cmi5) in one registration."""

    def __init__(self, sim: Simulation, learner: SimLearner, slug: str, rng: random.Random):
        self.sim, self.learner, self.rng = sim, learner, rng
        self.registration = uuid_for(sim.seed, "registration", learner.number, slug)
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
            "id": statement_id or uuid_for(self.sim.seed, "statement", len(self.sim.statements)),
            "actor": self.learner.actor,
            "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[1]}},
            "object": obj,
            "context": context,
            "timestamp": timestamp(at),
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
            result["duration"] = iso_duration(took)
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
        session = uuid_for(self.sim.seed, "video-session", self.learner.number, video.slug, start)
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
            say(ADL + "completed", progress(), completion=True, duration=iso_duration(spent))
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
