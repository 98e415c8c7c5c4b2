"""Tables of valid and invalid statements: each example is a patch applied to a fresh,
valid statement, and a validation check POSTs every example of its table."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from conformance.context import Context
from conformance.registry import BOTH, CheckFailed
from conformance.util import short


class _Drop:
    def __repr__(self) -> str:
        return "DROP"


DROP: Any = _Drop()  # as a patch value: remove the property
Patch = dict[str, Any]  # dotted path -> value, DROP, or a callable Context -> value
Builder = Callable[[Context], dict[str, Any]]


@dataclass(frozen=True)
class Example:
    label: str
    patch: Patch | Builder
    accept: bool  # True: the LRS must accept it (200); False: it must reject it (400)
    versions: tuple[str, ...] = BOTH


def valid(label: str, patch: Patch | Builder, versions: tuple[str, ...] = BOTH) -> Example:
    return Example(label, patch, True, versions)


def invalid(label: str, patch: Patch | Builder, versions: tuple[str, ...] = BOTH) -> Example:
    return Example(label, patch, False, versions)


def set_path(target: dict[str, Any], path: str, value: Any) -> None:
    """Set (or with DROP remove) `a.b.0.c` in nested dicts and lists, creating dicts on the way."""
    keys = path.split(".")
    node: Any = target
    for key in keys[:-1]:
        if isinstance(node, list):
            node = node[int(key)]
            continue
        if not isinstance(node.get(key), dict | list):
            node[key] = {}
        node = node[key]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    elif value is DROP:
        node.pop(last, None)
    else:
        node[last] = value


def resolve(ctx: Context, value: Any) -> Any:
    """A copy of a patch value with every callable in it replaced by its result for `ctx`."""
    if value is DROP:
        return value
    if callable(value):
        return resolve(ctx, value(ctx))
    if isinstance(value, dict):
        return {k: resolve(ctx, v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(ctx, v) for v in value]
    return copy.deepcopy(value)


def build(ctx: Context, patch: Patch | Builder) -> dict[str, Any]:
    if callable(patch):
        return patch(ctx)
    statement = ctx.statement()
    for path, value in patch.items():
        set_path(statement, path, resolve(ctx, value))
    return statement


def check_examples(ctx: Context, examples: Iterable[Example]) -> None:
    """POST each example that applies to this version; fail listing every wrong answer."""
    problems: list[str] = []
    applicable = [e for e in examples if ctx.version in e.versions]
    if not any(e.accept for e in applicable):  # a control, so that rejecting all cannot pass
        applicable.insert(0, valid("the unchanged valid statement", {}))
    for example in applicable:
        statement = build(ctx, example.patch)
        try:
            response = ctx.lrs.post_statements(statement)
        except CheckFailed as error:
            problems.append(f"[{example.label}]: {error}")
            continue
        if example.accept and response.status_code != 200:
            problems.append(
                f"rejected valid [{example.label}] with {response.status_code} "
                f"{short(response.text, 120)}"
            )
        elif not example.accept and response.status_code != 400:
            problems.append(f"answered {response.status_code} to invalid [{example.label}]")
    if problems:
        raise CheckFailed("; ".join(problems))


# -- reusable values ---------------------------------------------------------------------------


def agent(ctx: Context) -> dict[str, Any]:
    return ctx.agent()


def identified_group(ctx: Context) -> dict[str, Any]:
    return ctx.group(ctx.agent(), identified=True)


def anonymous_group(ctx: Context) -> dict[str, Any]:
    return ctx.group(ctx.agent(), ctx.agent())


def activity(ctx: Context) -> dict[str, Any]:
    return ctx.activity()


def statement_ref(ctx: Context) -> dict[str, Any]:
    return {"objectType": "StatementRef", "id": ctx.uuid()}


def sub_statement(ctx: Context, **extra: Any) -> dict[str, Any]:
    sub: dict[str, Any] = {
        "objectType": "SubStatement",
        "actor": ctx.agent(),
        "verb": ctx.verb(),
        "object": ctx.activity(),
    }
    sub.update(extra)
    return sub


def with_sub(**extra: Any) -> Callable[[Context], dict[str, Any]]:
    """A patch value: a SubStatement with some properties added (or DROP-ped)."""

    def make(ctx: Context) -> dict[str, Any]:
        sub = sub_statement(ctx)
        for path, value in extra.items():
            set_path(sub, path.replace("__", "."), resolve(ctx, value))
        return sub

    return make


def short_list(items: list[str]) -> str:
    return short(", ".join(items), 300)
