"""An executable, requirement-tagged xAPI conformance suite, runnable against any LRS.

    python -m conformance URL --user U --password P --xapi-version 1.0.3|2.0.0 [--only AREA]

prints one line per failed requirement, `FAIL <section> <id>: <text> — <what happened>`, then
`N passed, M failed`; the exit code is 0 only when nothing failed. `--list` shows the
requirements, `--verbose` also prints the passed ones.

Layout:
- `registry`: `@requirement(section, id, text, versions=...)` tags a check; the area of a
  check is its module (or package) under `checks`.
- `context`: the HTTP client for the LRS under test (Basic auth and the version header on
  every request, waits for written statements to become available) and fresh per-run
  identifiers, so that runs never collide on an LRS that keeps everything.
- `examples`: tables of valid and invalid statements as patches of a valid statement.
- `resources`: the three document resources, so one behaviour is checked on each.
- `checks/`: one module per area of the specification (statements, validation, documents,
  concurrency, headers, errors, agents, activities, about, attachments, auth, alternate).

A check is a function of a `Context` that returns when the LRS meets the requirement and
raises `CheckFailed` (with what happened) when it does not.
"""

from __future__ import annotations

VERSIONS: tuple[str, ...] = ("1.0.3", "2.0.0")
