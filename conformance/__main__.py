"""`python -m conformance URL --user U --password P --xapi-version 1.0.3|2.0.0`."""

from __future__ import annotations

import argparse
import sys

from conformance import VERSIONS
from conformance.context import Context, Lrs
from conformance.registry import all_areas, requirements
from conformance.runner import run


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m conformance",
        description="Run requirement-tagged xAPI conformance checks against an LRS endpoint.",
    )
    parser.add_argument("url", help="the xAPI endpoint, e.g. http://127.0.0.1:8080/xapi")
    parser.add_argument("--user", required=True, help="Basic auth user (key)")
    parser.add_argument("--password", required=True, help="Basic auth password (secret)")
    parser.add_argument("--xapi-version", required=True, choices=VERSIONS)
    parser.add_argument(
        "--only",
        action="append",
        metavar="AREA",
        help="run only this area (repeatable, or comma-separated): " + ", ".join(all_areas()),
    )
    parser.add_argument("--verbose", action="store_true", help="also print passed requirements")
    parser.add_argument("--list", action="store_true", help="list the requirements and exit")
    parser.add_argument(
        "--settle",
        type=float,
        default=5.0,
        help="seconds to wait for written statements to become available (default 5)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="HTTP timeout in seconds")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    args = parse_args(argv)
    areas: set[str] | None = None
    if args.only:
        areas = {a.strip() for chunk in args.only for a in chunk.split(",") if a.strip()}
        unknown = areas - set(all_areas())
        if unknown:
            print(f"unknown area(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
    selected = requirements(args.xapi_version, areas)
    if args.list:
        for req in selected:
            print(f"{req.area:12} {req.section:24} {req.id}: {req.text}")
        print(f"{len(selected)} requirements")
        return 0
    lrs = Lrs(
        args.url,
        args.user,
        args.password,
        args.xapi_version,
        timeout=args.timeout,
        settle=args.settle,
    )
    try:
        outcomes = run(selected, Context(lrs), verbose=args.verbose)
    finally:
        lrs.close()
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
