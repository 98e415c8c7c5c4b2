"""Settings, read from the environment with the prefix `LRS_`.

Each setting has a default and a line of help; `lrs settings` and the README list them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    store: str = _setting(
        "sqlite:///lrs.db",
        "Where statements live: sqlite:///PATH, the embedded store (a relative PATH is under "
        "the working directory; sqlite:////abs/path for an absolute one), or "
        "mongodb://HOST:PORT/DBNAME (also mongodb+srv://, e.g. Atlas) for MongoDB.",
    )
    host: str = _setting("127.0.0.1", "Interface `lrs serve` listens on.")
    port: int = _setting(8080, "Port `lrs serve` listens on.")
    workers: int = _setting(1, "Server processes `lrs serve` starts.")
    base_path: str = _setting("/xapi", "Path prefix of the xAPI endpoint.")
    page_size: int = _setting(
        100, "Most statements one GET /statements page returns (`limit=0` means this)."
    )
    max_body_bytes: int = _setting(
        32 * 1024 * 1024, "Largest request body accepted; larger bodies answer 413."
    )
    authority_homepage: str = _setting(
        "https://lrs.invalid/credentials",
        "homePage of the account in the `authority` stamped on statements (its name is the key).",
    )
    access_log: bool = _setting(True, "Log one line per request.")
    credential_cache_seconds: float = _setting(
        2.0, "How long a verified credential is trusted before it is looked up again."
    )
    analytics_db: str = _setting(
        "analytics.duckdb",
        "The analytics DuckDB file `lrs analytics` syncs into and queries (relative to the "
        "working directory).",
    )
    analytics_audit_log: str = _setting(
        "analytics-access.log",
        "Append-only log of every request to /analytics/ (who, when, what, how many rows), "
        "one JSON object a line (relative to the working directory).",
    )
    analytics_catalog: str = _setting(
        "",
        "The catalog TOML file (requirements, expected durations, skills) the /analytics/ "
        "endpoints use; empty: none, and risk, proficiency and report/audit answer 503.",
    )
    analytics_roster: str = _setting(
        "",
        "The roster CSV file (who is in which unit and role) the /analytics/ endpoints use; "
        "empty: none, and risk and report/audit answer 503.",
    )
    analytics_page_size: int = _setting(
        1000, "Most rows one JSON page of /analytics/ returns (a larger `limit` means this)."
    )
    analytics_time_limit: float = _setting(
        30.0,
        "Seconds one /analytics/ request may compute; a longer computation is interrupted and "
        "answered 503.",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"LRS_{f.name.upper()}")
            if raw is not None:
                convert: Callable[[str], Any] = (
                    _boolean if isinstance(f.default, bool) else type(f.default)
                )
                try:
                    values[f.name] = convert(raw)
                except ValueError as exc:
                    raise ValueError(f"LRS_{f.name.upper()}: {exc}") from exc
        return cls(**values)


def _boolean(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, not {raw!r}")


def documented() -> list[tuple[str, Any, str]]:
    """(environment variable, default, help) for every setting."""
    return [(f"LRS_{f.name.upper()}", f.default, f.metadata["help"]) for f in fields(Settings)]
