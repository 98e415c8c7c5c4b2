"""An executable, requirement-tagged xAPI conformance suite, runnable against any LRS.

Each check is a small function tagged with the specification requirement it verifies
(section, short id, text, and the xAPI versions it applies to); see `registry`. The checks
live under `conformance.checks`, one module per area of the specification. Run it with
`python -m conformance URL --user U --password P --xapi-version 1.0.3|2.0.0`.
"""

from __future__ import annotations

VERSIONS: tuple[str, ...] = ("1.0.3", "2.0.0")
