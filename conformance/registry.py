"""The requirement registry: every check is a function tagged with the requirement it tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from conformance import VERSIONS

if TYPE_CHECKING:
    from conformance.context import Context

Check = Callable[["Context"], None]

BOTH: tuple[str, ...] = VERSIONS
V1: tuple[str, ...] = ("1.0.3",)
V2: tuple[str, ...] = ("2.0.0",)


class CheckFailed(Exception):
    """Raised by a check when the LRS does not meet the requirement; the message says how."""


@dataclass(frozen=True)
class Requirement:
    section: str  # where the spec states it, e.g. "Communication 2.1.3" or "Data 2.4.2.1"
    id: str  # short, stable, unique per version, e.g. "stmt-get-both-ids"
    text: str  # the requirement, paraphrased with its level (MUST, SHOULD*, ...)
    versions: tuple[str, ...]
    area: str  # the checks module (or package) it lives in: statements, documents, ...
    check: Check


_REGISTRY: list[Requirement] = []


def area_of(module: str) -> str:
    """`conformance.checks.validation.actor` -> `validation`; `conformance.checks.about` -> `about`."""
    parts = module.split(".")
    if "checks" in parts:
        index = parts.index("checks")
        if index + 1 < len(parts):
            return parts[index + 1]
    return parts[-1]


def register(
    section: str,
    rid: str,
    text: str,
    check: Check,
    *,
    module: str,
    versions: tuple[str, ...] = BOTH,
) -> Requirement:
    unknown = set(versions) - set(VERSIONS)
    if unknown or not versions:
        raise ValueError(f"{rid}: bad versions {versions}")
    for other in _REGISTRY:
        if other.id == rid and set(other.versions) & set(versions):
            raise ValueError(f"requirement id {rid} registered twice")
    req = Requirement(section, rid, text, tuple(versions), area_of(module), check)
    _REGISTRY.append(req)
    return req


def requirement(
    section: str, rid: str, text: str, *, versions: tuple[str, ...] = BOTH
) -> Callable[[Check], Check]:
    """Tag a check with the requirement it verifies, e.g.

    @requirement("Data 2.4.2.1", "agent-one-ifi", "An Agent MUST have exactly one IFI")
    def agent_one_ifi(ctx: Context) -> None: ...
    """

    def decorate(check: Check) -> Check:
        register(section, rid, text, check, module=check.__module__, versions=versions)
        return check

    return decorate


def requirements(version: str | None = None, areas: set[str] | None = None) -> list[Requirement]:
    """The registered requirements (importing every check module first), in definition order."""
    import conformance.checks  # noqa: F401  (registers every check)

    return [
        r
        for r in _REGISTRY
        if (version is None or version in r.versions) and (areas is None or r.area in areas)
    ]


def all_areas() -> list[str]:
    seen: dict[str, Any] = {}
    for r in requirements():
        seen.setdefault(r.area, None)
    return list(seen)
