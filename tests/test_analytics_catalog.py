"""analytics.catalog: the catalog (TOML) and roster (CSV) files, and their errors."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from analytics.catalog import (
    Activity,
    Catalog,
    CatalogError,
    duration_seconds,
    load_catalog,
    load_roster,
    parse_catalog,
    parse_roster,
)
from analytics.cli import analytics_group
from tests.test_analytics_derive import A1, A2, hand_built
from tests.test_analytics_sync import store_statements

C = "https://x.example/c"
CATALOG = f"""
[[activity]]
id = "{C}"
name = "Course"
due = 2024-03-31
units = ["ICU", "ED"]
roles = ["RN"]
expected_duration = "PT45M"
skills = ["sepsis"]

[activity.questions]
"{C}/q/1" = ["sepsis.qsofa", "sepsis.lactate"]

[[activity]]
id = "{C}/au/1"
expected_duration = 90.5

[[activity]]
id = "{C}/all"
due = "2024-02-01"
"""
ROSTER = (
    "name,unit,role,mbox,account_homepage,account_name,openid,mbox_sha1sum\n"
    "Ann,ICU,RN,Ann@X.Example,,,,\n"
    "Bob,ED,MD,,https://lms.example,E1,,\n"
    ",ICU,RN,,,,https://id.example/cy,\n"
    "Di,Maternity,RN,,,,,ABCDEF0123456789ABCDEF0123456789ABCDEF01\n"
)
ANN = "mbox:mailto:Ann@x.example"
BOB = 'account:["https://lms.example","E1"]'
CY = "openid:https://id.example/cy"
DI = "mbox_sha1sum:abcdef0123456789abcdef0123456789abcdef01"


def test_catalog_methods() -> None:
    catalog = parse_catalog(CATALOG)
    assert catalog.expected_seconds() == {C: 2700.0, f"{C}/au/1": 90.5}
    assert catalog.activity_skills() == {
        C: ["sepsis"],
        f"{C}/q/1": ["sepsis.qsofa", "sepsis.lactate"],
    }
    assert catalog.requirements().rows() == [
        (C, "Course", date(2024, 3, 31), ["ICU", "ED"], ["RN"], 2700.0),
        (f"{C}/all", None, date(2024, 2, 1), [], [], None),
    ]
    assert parse_catalog(catalog.to_toml()) == catalog


def test_roster_and_assignments() -> None:
    roster = parse_roster(ROSTER, "r.csv")
    assert roster.frame().rows() == [
        (ANN, "Ann", "ICU", "RN"),
        (BOB, "Bob", "ED", "MD"),
        (CY, None, "ICU", "RN"),
        (DI, "Di", "Maternity", "RN"),
    ]
    assert [p.line for p in roster.learners] == [2, 3, 4, 5]
    assignments = parse_catalog(CATALOG).assignments(roster)
    assert assignments.select("learner", "activity").rows() == [
        (ANN, C),
        (ANN, f"{C}/all"),
        (BOB, f"{C}/all"),
        (CY, C),
        (CY, f"{C}/all"),
        (DI, f"{C}/all"),
    ]
    assert parse_catalog(CATALOG).problems_with(parse_roster("unit,role,mbox\nICU,MD,a@b.c\n")) == [
        f"activity {C}: unit 'ED' is on nobody's roster row",
        f"activity {C}: role 'RN' is on nobody's roster row",
    ]


def test_roster_keys_match_the_analytics_actor_key(tmp_path: Path) -> None:
    """The roster's key of an mbox is the one sync writes into statements.actor_key."""
    from tests.test_analytics_derive import sync_into

    db = sync_into(tmp_path, hand_built())
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    keys = {k for (k,) in con.sql("SELECT DISTINCT actor_key FROM statements").fetchall()}
    con.close()
    roster = parse_roster("unit,role,mbox\nICU,RN,ann@x.example\nED,RN,mailto:bob@X.EXAMPLE\n")
    assert {p.key for p in roster.learners} == keys


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("PT45M", 2700.0), ("PT1H30M", 5400.0), ("P1DT1S", 86401.0), ("PT1,5S", 1.5), (90, 90.0)],
)
def test_durations(value: object, seconds: float) -> None:
    assert duration_seconds(value) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x = [", "c.toml: not valid TOML: "),
        ("title = 'x'", "c.toml: unknown top-level key(s) title; list activities as"),
        ("activity = 3", "c.toml: activity must be an array of tables ([[activity]])"),
        ("\n[[activity]]\nname = 'n'", "c.toml:2: activity 1: has no id"),
        ("[[activity]]\nid = 'sepsis'", "c.toml:1: activity 1 (sepsis): id: must be an IRI"),
        (
            f"[[activity]]\nid = '{C}'\nwhen = 1",
            f"c.toml:1: activity 1 ({C}): unknown key(s) when; the keys are id, name,",
        ),
        (
            f"[[activity]]\nid = '{C}'\ndue = 2024-13-01",
            "c.toml: not valid TOML: ",
        ),
        (
            f"[[activity]]\nid = '{C}'\ndue = '31/03/2024'",
            f"c.toml:1: activity 1 ({C}): due: must be a date (YYYY-MM-DD), not '31/03/2024'",
        ),
        (
            f"[[activity]]\nid = '{C}'\ndue = 2024-03-31T10:00:00Z",
            f"c.toml:1: activity 1 ({C}): due: must be a date (YYYY-MM-DD), not the date-time",
        ),
        (
            f"[[activity]]\nid = '{C}'\nroles = ['RN']",
            f"c.toml:1: activity 1 ({C}): units and roles say who must do it by the due date",
        ),
        (
            f"[[activity]]\nid = '{C}'\ndue = 2024-03-31\nunits = 'ICU'",
            f"c.toml:1: activity 1 ({C}): units: must be a list of non-empty strings, not 'ICU'",
        ),
        (
            f"[[activity]]\nid = '{C}'\ndue = 2024-03-31\nroles = ['RN', 'RN']",
            f"c.toml:1: activity 1 ({C}): roles: names an entry twice: ['RN', 'RN']",
        ),
        (
            f"[[activity]]\nid = '{C}'\nexpected_duration = '45 minutes'",
            f"c.toml:1: activity 1 ({C}): expected_duration: '45 minutes' is not an ISO 8601",
        ),
        (
            f"[[activity]]\nid = '{C}'\nexpected_duration = -5",
            f"c.toml:1: activity 1 ({C}): expected_duration: -5 is not a number of seconds",
        ),
        (
            f"[[activity]]\nid = '{C}'\nexpected_duration = true",
            f"c.toml:1: activity 1 ({C}): expected_duration: True is not a duration",
        ),
        (
            f"[[activity]]\nid = '{C}'\nskills = ['']",
            f"c.toml:1: activity 1 ({C}): skills: must be a list of non-empty strings",
        ),
        (
            f"[[activity]]\nid = '{C}'\nquestions = ['q']",
            f"c.toml:1: activity 1 ({C}): questions: must be a table of question id = [skills]",
        ),
        (
            f"[[activity]]\nid = '{C}'\n[activity.questions]\nq1 = ['s']",
            f"c.toml:1: activity 1 ({C}): questions: a question id must be an IRI",
        ),
        (
            f"[[activity]]\nid = '{C}'\n[activity.questions]\n'{C}/q' = 's'",
            f"c.toml:1: activity 1 ({C}): questions: skills of {C}/q must be a list",
        ),
        (
            f"[[activity]]\nid = '{C}'\n\n[[activity]]\nid = '{C}'",
            f"c.toml:4: activity 2 ({C}): {C} is already listed in activity 1",
        ),
        (
            f"[[activity]]\nid = '{C}'\nname = 3",
            f"c.toml:1: activity 1 ({C}): name: must be a string, not 3",
        ),
    ],
)
def test_catalog_errors(text: str, message: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text, "c.toml")
    assert str(caught.value).startswith(message), str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "r.csv: empty file; the first line names the columns"),
        ("unit,role,email\n", "r.csv:1: unknown column(s) 'email'; the columns are name,"),
        ("unit,role,mbox,mbox\n", "r.csv:1: column(s) named twice: mbox"),
        ("role,mbox\n", "r.csv:1: no 'unit' column"),
        ("unit,mbox\n", "r.csv:1: no 'role' column"),
        ("unit,role,name\n", "r.csv:1: no identifier column (one of mbox,"),
        ("unit,role,mbox\nICU,RN\n", "r.csv:2: 2 fields, the header has 3"),
        ("unit,role,mbox\n\n,RN,a@b.c\n", "r.csv:3: unit is empty"),
        ("unit,role,mbox\nICU, ,a@b.c\n", "r.csv:2: role is empty"),
        ("unit,role,mbox,openid\nICU,RN,,\n", "r.csv:2: no identifier: fill one of mbox,"),
        (
            "unit,role,mbox,openid\nICU,RN,a@b.c,https://o.example/a\n",
            "r.csv:2: more than one identifier (mbox, openid); give exactly one",
        ),
        ("unit,role,mbox\nICU,RN,nobody\n", "r.csv:2: mbox 'nobody' is not an email address"),
        (
            "unit,role,mbox_sha1sum\nICU,RN,abc\n",
            "r.csv:2: mbox_sha1sum 'abc' is not 40 hexadecimal digits",
        ),
        ("unit,role,openid\nICU,RN,me\n", "r.csv:2: openid 'me' is not a URI"),
        (
            "unit,role,account_homepage,account_name\nICU,RN,https://l.example,\n",
            "r.csv:2: an account needs both account_homepage and account_name",
        ),
        (
            "unit,role,account_homepage,account_name\nICU,RN,,E1\n",
            "r.csv:2: an account needs both account_homepage and account_homepage",
        ),
        (
            "unit,role,account_homepage,account_name\nICU,RN,lms,E1\n",
            "r.csv:2: account_homepage 'lms' is not a URL",
        ),
        (
            'unit,role,mbox\nICU,RN,a@b.c\n"E\nD",RN,mailto:a@B.C\n',
            "r.csv:3: learner mbox:mailto:a@b.c is already on line 2",
        ),
    ],
)
def test_roster_errors(text: str, message: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_roster(text, "r.csv")
    assert str(caught.value).startswith(message), str(caught.value)


def test_files(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text(CATALOG)
    (tmp_path / "r.csv").write_text("\ufeff" + ROSTER)
    assert load_catalog(tmp_path / "c.toml") == parse_catalog(CATALOG)
    assert load_roster(tmp_path / "r.csv") == parse_roster(ROSTER)
    with pytest.raises(CatalogError, match=r"missing\.toml: cannot read it"):
        load_catalog(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("[[activity]]\nid = 1\n")
    with pytest.raises(CatalogError, match=r"bad\.toml:1: activity 1: id: must be an IRI"):
        load_catalog(tmp_path / "bad.toml")


def test_cli_catalog_option(tmp_path: Path) -> None:
    store_statements(tmp_path / "lrs.db", hand_built())
    env = {
        "LRS_STORE": f"sqlite:///{tmp_path / 'lrs.db'}",
        "LRS_ANALYTICS_DB": str(tmp_path / "a.duckdb"),
    }
    catalog = Catalog(
        (Activity(A2, expected_seconds=1500.0), Activity(A1, skills=("sepsis",))),
    )
    (tmp_path / "c.toml").write_text(catalog.to_toml())
    runner = CliRunner()
    assert runner.invoke(analytics_group, ["sync"], env=env).exit_code == 0
    args = ["--catalog", str(tmp_path / "c.toml"), "--format", "json"]
    ct = runner.invoke(analytics_group, ["click-through", *args], env=env)
    assert ct.exit_code == 0, ct.output
    assert [(r["activity"], r["flagged"]) for r in json.loads(ct.output)] == [(A2, True)]
    sk = runner.invoke(analytics_group, ["skills", *args], env=env)
    assert sk.exit_code == 0, sk.output
    assert [r["skill"] for r in json.loads(sk.output)] == []  # no success on A1 in hand_built
    (tmp_path / "bad.toml").write_text("[[activity]]\nid = 'x'\n")
    bad = runner.invoke(
        analytics_group, ["skills", "--catalog", str(tmp_path / "bad.toml")], env=env
    )
    assert bad.exit_code == 1
    assert "bad.toml:1: activity 1 (x): id: must be an IRI" in bad.output


def test_the_python_api_is_what_the_package_exports() -> None:
    import inspect

    import analytics

    public = {
        name
        for name, value in vars(analytics).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public == set(analytics.__all__)
    for name in analytics.__all__:
        assert getattr(analytics, name).__module__.startswith("analytics.")
