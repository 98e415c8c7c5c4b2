"""The small pieces of xAPI the statement writers share: deterministic UUIDs,
timestamps, durations and activity objects."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from analytics.simulate.vocabulary import QUESTION_TYPE


def uuid_for(seed: int, *parts: object) -> str:
    h = hashlib.blake2b(":".join(map(str, (seed, *parts))).encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_duration(seconds: float) -> str:
    return f"PT{seconds:.2f}S"


def activity_object(id_: str, title: str, kind: str, **more: Any) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": id_,
        "definition": {"name": {"en-US": title}, "type": kind, **more},
    }


def choice_question(id_: str, title: str) -> dict[str, Any]:
    return activity_object(
        id_,
        title,
        QUESTION_TYPE,
        interactionType="choice",
        correctResponsesPattern=["b"],
        choices=[{"id": c, "description": {"en-US": f"Option {c}"}} for c in "abcd"],
    )
