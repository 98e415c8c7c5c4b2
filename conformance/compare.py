"""Statement comparison as the spec defines it (Data 2.3.1): differences that the exceptions
to immutability allow (LRS-set properties, timestamp serialization, contextActivities as
arrays, member order) are ignored; every other difference counts."""

from __future__ import annotations

import json
from typing import Any

from conformance.util import format_timestamp, parse_timestamp

LRS_SET = ("id", "stored", "authority", "version", "timestamp")


def _normal(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k == "contextActivities" and isinstance(v, dict):
                out[k] = {
                    kind: [_normal(a) for a in (acts if isinstance(acts, list) else [acts])]
                    for kind, acts in v.items()
                }
            elif k in ("timestamp", "stored") and isinstance(v, str):
                moment = parse_timestamp(v)
                out[k] = format_timestamp(moment) if moment else v
            elif k == "member" and isinstance(v, list):
                members = [_normal(m) for m in v]
                out[k] = sorted(members, key=lambda m: json.dumps(m, sort_keys=True))
            else:
                out[k] = _normal(v, k)
        return out
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    return value


def normalise(statement: Any, ignore: tuple[str, ...] = ()) -> Any:
    """The statement with allowed serialization differences evened out and top-level
    properties `ignore` removed."""
    if isinstance(statement, dict):
        statement = {k: v for k, v in statement.items() if k not in ignore}
    return _normal(statement)


def differences(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Where two normalised JSON values differ, as short path descriptions."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[str] = []
        for key in expected.keys() | actual.keys():
            if key not in actual:
                found.append(f"{path}.{key} missing")
            elif key not in expected:
                found.append(f"{path}.{key} added")
            else:
                found += differences(expected[key], actual[key], f"{path}.{key}")
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path} has {len(actual)} items, expected {len(expected)}"]
        found = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found += differences(e, a, f"{path}[{i}]")
        return found
    if expected != actual:
        return [
            f"{path} is {json.dumps(actual, ensure_ascii=False)[:80]}, expected {json.dumps(expected, ensure_ascii=False)[:80]}"
        ]
    return []


def not_sent(statement: dict[str, Any]) -> tuple[str, ...]:
    """The LRS-set properties a statement lacked, so the LRS may have added them."""
    return (*(k for k in LRS_SET if k not in statement), "authority", "stored")
