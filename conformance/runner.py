"""Run the registered checks against an LRS and report one line per failed requirement."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO

from conformance.context import Context
from conformance.registry import CheckFailed, Requirement
from conformance.util import short


@dataclass(frozen=True)
class Outcome:
    requirement: Requirement
    passed: bool
    detail: str
    seconds: float


def run_one(req: Requirement, ctx: Context) -> Outcome:
    started = time.monotonic()
    try:
        req.check(ctx)
    except CheckFailed as failure:
        return Outcome(req, False, short(str(failure), 600), time.monotonic() - started)
    except Exception as error:  # a check that crashed has not shown the requirement is met
        detail = f"check raised {type(error).__name__}: {error}"
        return Outcome(req, False, short(detail, 600), time.monotonic() - started)
    return Outcome(req, True, "", time.monotonic() - started)


def fail_line(outcome: Outcome) -> str:
    req = outcome.requirement
    return f"FAIL {req.section} {req.id}: {req.text} \u2014 {outcome.detail}"


def run(
    requirements: list[Requirement],
    ctx: Context,
    *,
    verbose: bool = False,
    out: TextIO = sys.stdout,
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for req in requirements:
        outcome = run_one(req, ctx)
        outcomes.append(outcome)
        if not outcome.passed:
            print(fail_line(outcome), file=out, flush=True)
        elif verbose:
            print(f"pass {req.section} {req.id} ({outcome.seconds:.2f}s)", file=out, flush=True)
    passed = sum(1 for o in outcomes if o.passed)
    print(f"{passed} passed, {len(outcomes) - passed} failed", file=out, flush=True)
    return outcomes
