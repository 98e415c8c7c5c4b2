"""The catalog (TOML) and roster (CSV) files a customer writes, loaded and validated.

The **roster** says who is who: one row per learner, identified by one xAPI IFI, with the
unit they work in and their role::

    name,unit,role,mbox,account_homepage,account_name,openid,mbox_sha1sum
    Ann Lee,ICU,RN,mailto:ann.lee@mercy.example,,,,
    Bob Ray,ED,MD,,https://lms.mercy.example,E1002,,

The IFI columns are `mbox` (a bare address gets `mailto:`), `mbox_sha1sum`, `openid`, and
`account_homepage` with `account_name` (together); a row fills exactly one IFI. `unit` and
`role` are required; `name` is optional; any other column is an error (a misspelt IFI
column would otherwise drop learners silently). Each learner gets the key the analytics
tables use (`statements.actor_key`), made by `lrs.xapi.agents.agent_key`.

The **catalog** lists activities, one `[[activity]]` table each::

    [[activity]]
    id = "https://lms.mercy.example/courses/sepsis"
    name = "Sepsis recognition"
    due = 2024-03-31               # a required activity: done by this date ...
    units = ["ICU", "ED"]          # ... by learners in these units (omit: any unit)
    roles = ["RN", "MD"]           # ... with one of these roles (omit: any role)
    expected_duration = "PT45M"    # ISO 8601 duration, or seconds as a number
    skills = ["sepsis"]            # what its results are evidence of

    [activity.questions]           # questions inside it, by activity id: their skills
    "https://lms.mercy.example/courses/sepsis/q/1" = ["sepsis.qsofa"]

An activity with a `due` date is a requirement; `units`/`roles` need one. An activity
without one still gives an expected duration and skills (an AU inside a course, say).
Every error names the file, the line (of the CSV row, or of the `[[activity]]` header) and
the key, and says what is wrong.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from lrs.xapi.agents import agent_key
from lrs.xapi.facts import duration_seconds as xapi_duration_seconds

IFI_COLUMNS = ("mbox", "mbox_sha1sum", "openid", "account_homepage", "account_name")
ROSTER_COLUMNS = ("name", "unit", "role", *IFI_COLUMNS)
ACTIVITY_KEYS = ("id", "name", "due", "units", "roles", "expected_duration", "skills", "questions")

_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_MAILTO = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")


class CatalogError(ValueError):
    """A catalog or roster file that cannot be used; the message says where and why."""


def duration_seconds(value: object) -> float:
    """Seconds in `value`: a non-negative number of seconds or an ISO 8601 duration
    (`PT45M`, `PT1H30M`, `P1DT2H`; a year counts 365 days and a month 30, as in sync)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{value!r} is not a number of seconds >= 0")
        return float(value)
    if isinstance(value, str):
        seconds = None if value.endswith("T") else xapi_duration_seconds(value)
        if seconds is not None:
            return seconds
        raise ValueError(f"{value!r} is not an ISO 8601 duration such as 'PT45M'")
    raise ValueError(f"{value!r} is not a duration (seconds, or ISO 8601 such as 'PT45M')")


# --------------------------------------------------------------------------- roster


@dataclass(frozen=True, slots=True)
class Learner:
    key: str  # as statements.actor_key
    name: str | None
    unit: str
    role: str
    line: int  # in the roster file


@dataclass(frozen=True)
class Roster:
    learners: tuple[Learner, ...]

    def frame(self) -> pl.DataFrame:
        """learner, name, unit, role: one row per learner."""
        return pl.DataFrame(
            {
                "learner": [p.key for p in self.learners],
                "name": [p.name for p in self.learners],
                "unit": [p.unit for p in self.learners],
                "role": [p.role for p in self.learners],
            },
            schema={"learner": pl.String, "name": pl.String, "unit": pl.String, "role": pl.String},
        )

    def units(self) -> set[str]:
        return {p.unit for p in self.learners}

    def roles(self) -> set[str]:
        return {p.role for p in self.learners}


def _learner_key(row: Mapping[str, str], where: str) -> str:
    given = {c: row[c] for c in IFI_COLUMNS if row.get(c)}
    if "account_homepage" in given or "account_name" in given:
        if "account_homepage" not in given or "account_name" not in given:
            missing = "account_name" if "account_homepage" in given else "account_homepage"
            raise CatalogError(f"{where}: an account needs both account_homepage and {missing}")
        given.pop("account_name")
    if not given:
        raise CatalogError(
            f"{where}: no identifier: fill one of mbox, mbox_sha1sum, openid, "
            "or account_homepage with account_name"
        )
    if len(given) > 1:
        names = ", ".join(sorted(c if c != "account_homepage" else "account" for c in given))
        raise CatalogError(f"{where}: more than one identifier ({names}); give exactly one")
    ((column, value),) = given.items()
    agent: dict[str, Any]
    if column == "mbox":
        mbox = value if value.lower().startswith("mailto:") else "mailto:" + value
        mbox = "mailto:" + mbox[7:]
        if not _MAILTO.match(mbox):
            raise CatalogError(f"{where}: mbox {value!r} is not an email address")
        agent = {"mbox": mbox}
    elif column == "mbox_sha1sum":
        if not _SHA1.match(value):
            raise CatalogError(f"{where}: mbox_sha1sum {value!r} is not 40 hexadecimal digits")
        agent = {"mbox_sha1sum": value}
    elif column == "openid":
        if not _IRI.match(value):
            raise CatalogError(f"{where}: openid {value!r} is not a URI")
        agent = {"openid": value}
    else:
        if not _IRI.match(value):
            raise CatalogError(f"{where}: account_homepage {value!r} is not a URL")
        agent = {"account": {"homePage": value, "name": row["account_name"]}}
    key = agent_key(agent)
    assert key is not None
    return key


def parse_roster(text: str, source: str = "roster") -> Roster:
    """The roster in CSV `text`; `source` names it in errors."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or not any(h.strip() for h in header):
        raise CatalogError(f"{source}: empty file; the first line names the columns")
    columns = [h.strip().lower().lstrip("\ufeff") for h in header]
    unknown = [c for c in columns if c not in ROSTER_COLUMNS]
    if unknown:
        raise CatalogError(
            f"{source}:1: unknown column(s) {', '.join(map(repr, unknown))}; "
            f"the columns are {', '.join(ROSTER_COLUMNS)}"
        )
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise CatalogError(f"{source}:1: column(s) named twice: {', '.join(twice)}")
    for needed in ("unit", "role"):
        if needed not in columns:
            raise CatalogError(f"{source}:1: no {needed!r} column")
    if not any(c in columns for c in IFI_COLUMNS):
        raise CatalogError(
            f"{source}:1: no identifier column (one of {', '.join(IFI_COLUMNS)} is needed)"
        )
    learners: list[Learner] = []
    seen: dict[str, int] = {}
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        where = f"{source}:{start}"
        if len(cells) != len(columns):
            raise CatalogError(f"{where}: {len(cells)} fields, the header has {len(columns)}")
        row = {c: v.strip() for c, v in zip(columns, cells, strict=True)}
        for needed in ("unit", "role"):
            if not row[needed]:
                raise CatalogError(f"{where}: {needed} is empty")
        key = _learner_key(row, where)
        if key in seen:
            raise CatalogError(f"{where}: learner {key} is already on line {seen[key]}")
        seen[key] = start
        learners.append(Learner(key, row.get("name") or None, row["unit"], row["role"], start))
    return Roster(tuple(learners))


def load_roster(path: str | Path) -> Roster:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read it: {exc}") from exc
    return parse_roster(text, str(path))


def roster_csv(rows: Iterable[Mapping[str, str]]) -> str:
    """A roster file of `rows` (dicts keyed by ROSTER_COLUMNS; missing ones left empty)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, ROSTER_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in ROSTER_COLUMNS})
    return out.getvalue()


# --------------------------------------------------------------------------- catalog


@dataclass(frozen=True, slots=True)
class Activity:
    id: str
    name: str | None = None
    due: date | None = None  # set: a requirement
    units: tuple[str, ...] = ()  # empty: any unit
    roles: tuple[str, ...] = ()  # empty: any role
    expected_seconds: float | None = None
    skills: tuple[str, ...] = ()
    questions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def required(self) -> bool:
        return self.due is not None

    def required_for(self, unit: str, role: str) -> bool:
        return (
            self.due is not None
            and (not self.units or unit in self.units)
            and (not self.roles or role in self.roles)
        )


@dataclass(frozen=True)
class Catalog:
    activities: tuple[Activity, ...]

    def expected_seconds(self) -> dict[str, float]:
        """Activity id -> expected duration, for `analytics.click_through`."""
        return {a.id: a.expected_seconds for a in self.activities if a.expected_seconds is not None}

    def activity_skills(self) -> dict[str, list[str]]:
        """Activity (or question) id -> skills, for `analytics.skills`."""
        out: dict[str, list[str]] = {}
        for a in self.activities:
            if a.skills:
                out[a.id] = list(a.skills)
            for question, skills in a.questions.items():
                out[question] = list(skills)
        return out

    def requirements(self) -> pl.DataFrame:
        """activity, name, due, units, roles, expected_seconds: one row per requirement
        (empty `units` or `roles`: any)."""
        rows = [a for a in self.activities if a.required]
        return pl.DataFrame(
            {
                "activity": [a.id for a in rows],
                "name": [a.name for a in rows],
                "due": [a.due for a in rows],
                "units": [list(a.units) for a in rows],
                "roles": [list(a.roles) for a in rows],
                "expected_seconds": [a.expected_seconds for a in rows],
            },
            schema={
                "activity": pl.String,
                "name": pl.String,
                "due": pl.Date,
                "units": pl.List(pl.String),
                "roles": pl.List(pl.String),
                "expected_seconds": pl.Float64,
            },
        )

    def assignments(self, roster: Roster) -> pl.DataFrame:
        """learner, unit, role, activity, due: every requirement of every learner."""
        rows = [
            (p.key, p.unit, p.role, a.id, a.due)
            for p in roster.learners
            for a in self.activities
            if a.required_for(p.unit, p.role)
        ]
        return pl.DataFrame(
            rows,
            schema={
                "learner": pl.String,
                "unit": pl.String,
                "role": pl.String,
                "activity": pl.String,
                "due": pl.Date,
            },
            orient="row",
        )

    def problems_with(self, roster: Roster) -> list[str]:
        """Units and roles the catalog names that nobody on the roster has (likely typos)."""
        units, roles = roster.units(), roster.roles()
        out = []
        for a in self.activities:
            for unit in a.units:
                if unit not in units:
                    out.append(f"activity {a.id}: unit {unit!r} is on nobody's roster row")
            for role in a.roles:
                if role not in roles:
                    out.append(f"activity {a.id}: role {role!r} is on nobody's roster row")
        return out

    def to_toml(self) -> str:
        """The catalog as a TOML file that `parse_catalog` reads back to an equal one."""
        parts: list[str] = []
        for a in self.activities:
            lines = ["[[activity]]", f"id = {_q(a.id)}"]
            if a.name is not None:
                lines.append(f"name = {_q(a.name)}")
            if a.due is not None:
                lines.append(f"due = {a.due.isoformat()}")
            if a.units:
                lines.append(f"units = {_qs(a.units)}")
            if a.roles:
                lines.append(f"roles = {_qs(a.roles)}")
            if a.expected_seconds is not None:
                seconds = a.expected_seconds
                lines.append(
                    f"expected_duration = {int(seconds) if seconds.is_integer() else seconds!r}"
                )
            if a.skills:
                lines.append(f"skills = {_qs(a.skills)}")
            if a.questions:
                lines.append("")
                lines.append("[activity.questions]")
                lines.extend(f"{_q(q)} = {_qs(s)}" for q, s in a.questions.items())
            parts.append("\n".join(lines) + "\n")
        return "\n".join(parts)


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _qs(texts: Sequence[str]) -> str:
    return "[" + ", ".join(map(_q, texts)) + "]"


def _strings(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{what}must be a list of non-empty strings, not {value!r}")
    if len(set(value)) != len(value):
        raise ValueError(f"{what}names an entry twice: {value!r}")
    return tuple(v.strip() for v in value)


def _iri(value: object, what: str) -> str:
    if not isinstance(value, str) or not _IRI.match(value):
        raise ValueError(f"{what}must be an IRI such as 'https://...', not {value!r}")
    return value


def _due(value: object) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"must be a date (YYYY-MM-DD), not the date-time {value}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"must be a date (YYYY-MM-DD), not {value!r}")


def _activity(table: object) -> Activity:
    if not isinstance(table, dict):
        raise ValueError("must be a table")
    unknown = sorted(set(table) - set(ACTIVITY_KEYS))
    if unknown:
        raise ValueError(
            f"unknown key(s) {', '.join(unknown)}; the keys are {', '.join(ACTIVITY_KEYS)}"
        )
    if "id" not in table:
        raise ValueError("has no id")
    activity_id = _iri(table["id"], "id: ")

    def check(key: str, parse: Any) -> Any:
        if key not in table:
            return None
        try:
            return parse(table[key])
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None

    name = check("name", lambda v: v if isinstance(v, str) else _fail("a string", v))
    due = check("due", _due)
    units = check("units", lambda v: _strings(v, "")) or ()
    roles = check("roles", lambda v: _strings(v, "")) or ()
    if (units or roles) and due is None:
        raise ValueError("units and roles say who must do it by the due date: give a due date")
    expected = check("expected_duration", duration_seconds)
    skills = check("skills", lambda v: _strings(v, "")) or ()
    questions = check("questions", _questions) or {}
    return Activity(activity_id, name, due, units, roles, expected, skills, questions)


def _fail(what: str, value: object) -> Any:
    raise ValueError(f"must be {what}, not {value!r}")


def _questions(value: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        _fail("a table of question id = [skills]", value)
    assert isinstance(value, dict)
    return {
        _iri(q, "a question id "): _strings(skills, f"skills of {q} ")
        for q, skills in value.items()
    }


def parse_catalog(text: str, source: str = "catalog") -> Catalog:
    """The catalog in TOML `text`; `source` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{source}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"activity"})
    if unknown:
        raise CatalogError(
            f"{source}: unknown top-level key(s) {', '.join(unknown)}; "
            "list activities as [[activity]] tables"
        )
    tables = data.get("activity", [])
    if not isinstance(tables, list):
        raise CatalogError(f"{source}: activity must be an array of tables ([[activity]])")
    headers = [
        n
        for n, line in enumerate(text.splitlines(), 1)
        if re.match(r"^\s*\[\[\s*activity\s*\]\]", line)
    ]
    activities: list[Activity] = []
    where_of: dict[str, str] = {}
    for index, table in enumerate(tables):
        line = f":{headers[index]}" if len(headers) == len(tables) else ""
        where = f"{source}{line}: activity {index + 1}"
        if isinstance(table, dict) and isinstance(table.get("id"), str):
            where += f" ({table['id']})"
        try:
            activity = _activity(table)
        except ValueError as exc:
            raise CatalogError(f"{where}: {exc}") from None
        for named in (activity.id, *activity.questions):
            if named in where_of:
                raise CatalogError(f"{where}: {named} is already listed in {where_of[named]}")
            where_of[named] = f"activity {index + 1}"
        activities.append(activity)
    return Catalog(tuple(activities))


def load_catalog(path: str | Path) -> Catalog:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read it: {exc}") from exc
    return parse_catalog(text, str(path))
