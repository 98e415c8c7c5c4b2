"""GET /analytics/...: a real `lrs serve`, statements posted over xAPI, `lrs analytics sync`,
then the figures over HTTP: scope, tenant isolation, JSON and CSV, errors, the audit log."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from tests.conftest import LRS, Server, free_port, start_server
from tests.test_analytics_derive import A1, A2, ANN, BOB, COURSE, B, Q, at, hand_built
from tests.test_analytics_sync import statement

CAT = "mailto:cat@x.example"
TRIAGE = "https://x.example/skills/triage"
ANN_KEY, BOB_KEY, CAT_KEY = ("mbox:" + who for who in (ANN, BOB, CAT))


def _evidence(minute: int, success: bool) -> dict[str, Any]:
    competency = {"id": TRIAGE, "definition": {"type": "https://x.example/competency"}}
    return statement(
        "answered",
        Q,
        at(minute),
        CAT,
        result={"success": success},
        context={"contextActivities": {"other": [competency]}},
    )


# Cat's two answers are 100 minutes apart (beyond the idle cut-off): skill evidence, no time.
DEFAULT_STORE = [*hand_built(), _evidence(300, True), _evidence(400, False)]
# The same learner in another store: 120 s on A1 that the default store must never see.
OTHER_STORE = [statement("experienced", A1, at(0), ANN, result={"duration": "PT2M"})]


@dataclass(frozen=True)
class Analytics:
    server: Server
    root: str
    audit_log: Path

    def get(self, path: str, who: str | None = "analyst", **params: str) -> httpx.Response:
        auth = self.server.credentials[who] if who else None
        return httpx.get(self.root + path, params=params, auth=auth, timeout=30)

    def rows(self, path: str, who: str | None = "analyst", **params: str) -> list[Any]:
        """The rows of a JSON answer that fits on one page."""
        response = self.get(path, who, **params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["more"] == ""
        rows: list[Any] = body["rows"]
        return rows

    def audit(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.audit_log.read_text().splitlines()]


@pytest.fixture(scope="module")
def lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Analytics]:
    """A server on a fresh store holding the statements, not yet synced."""
    home = tmp_path_factory.mktemp("analytics-http")
    env = {
        **os.environ,
        "LRS_STORE": f"sqlite:///{home / 'lrs.db'}",
        "LRS_ANALYTICS_DB": str(home / "analytics.duckdb"),
        "LRS_ANALYTICS_AUDIT_LOG": str(home / "audit.log"),
        "LRS_HOST": "127.0.0.1",
        "LRS_PORT": str(free_port()),
        "LRS_CREDENTIAL_CACHE_SECONDS": "0",
        "LRS_ACCESS_LOG": "false",
    }
    specs = {
        "analyst": ("analytics", "default"),
        "admin": ("all", "default"),
        "writer": ("statements/write", "default"),
        "other-analyst": ("analytics", "other-hospital"),
        "other-writer": ("statements/write", "other-hospital"),
    }
    credentials = {}
    for name, (scope, tenant) in specs.items():
        args = ["credentials", "create", "--name", name, "--scope", scope, "--store", tenant]
        done = subprocess.run([*LRS, *args, "--json"], env=env, capture_output=True, check=True)
        made = json.loads(done.stdout)
        credentials[name] = (made["key"], made["secret"])
    for attempt in range(3):
        try:
            process = start_server(env, home / "server.log")
            break
        except RuntimeError as exc:  # the free port was taken meanwhile: another one
            if "address already in use" not in str(exc) or attempt == 2:
                raise
            env["LRS_PORT"] = str(free_port())
    root = f"http://127.0.0.1:{env['LRS_PORT']}"
    server = Server(root + "/xapi", env, credentials)
    try:
        for who, statements in (("writer", DEFAULT_STORE), ("other-writer", OTHER_STORE)):
            with server.client(who) as client:
                posted = client.post("/statements", json=statements)
                assert posted.status_code == 200, posted.text
        yield Analytics(server, root, home / "audit.log")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def synced(lrs: Analytics) -> Analytics:
    done = lrs.server.cli("analytics", "sync")
    assert done.returncode == 0, done.stderr.decode()
    assert b"11 statements synced" in done.stdout
    return lrs


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error: dict[str, Any] = response.json()["error"]
    assert error["status"] == status
    return error


# Runs first (tests run in file order): the fixture `synced` has not run yet.
def test_503_until_the_first_sync(lrs: Analytics) -> None:
    response = lrs.get("/analytics/time-on-task")
    assert "lrs analytics sync" in _error(response, 503)["message"]
    assert response.headers["retry-after"] == "1"
    assert lrs.audit()[-1]["status"] == 503


def test_credentials_and_scope(synced: Analytics) -> None:
    _error(synced.get("/analytics/time-on-task", who=None), 401)
    wrong = httpx.get(synced.root + "/analytics/skills", auth=("nobody", "nothing"))
    _error(wrong, 401)
    # `all` does not include the analytics scope: it has to be granted on purpose.
    for who in ("admin", "writer"):
        for metric in ("time-on-task", "click-through", "skills"):
            assert "analytics" in _error(synced.get(f"/analytics/{metric}", who), 403)["message"]


def test_time_on_task_json(synced: Analytics) -> None:
    response = synced.get("/analytics/time-on-task")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert "x-experience-api-version" not in {k.lower() for k in response.request.headers}
    rows = response.json()["rows"]
    assert response.json()["more"] == ""
    assert [(r["learner"], r["activity"], r["seconds"], r["spans"]) for r in rows] == [
        (ANN_KEY, COURSE, 900.0, 2),
        (ANN_KEY, A1, 600.0, 1),
        (ANN_KEY, A2, 300.0, 1),
        (BOB_KEY, COURSE, 600.0, 1),
        (BOB_KEY, B, 600.0, 1),
    ]
    assert rows[1] == {
        "tenant": "default",
        "learner": ANN_KEY,
        "activity": A1,
        "seconds": 600.0,
        "spans": 1,
        "sources": ["cmi5 session"],
        "first": "2024-01-02T10:00:00.000000Z",
        "last": "2024-01-02T10:10:00.000000Z",
    }
    one = synced.rows("/analytics/time-on-task", learner=BOB_KEY, activity=COURSE)
    assert [(r["learner"], r["activity"], r["seconds"]) for r in one] == [(BOB_KEY, COURSE, 600.0)]
    # A cut-off below Bob's 120 s gap leaves him nothing.
    assert synced.rows("/analytics/time-on-task", learner=BOB_KEY, idle_cutoff="60") == []


def test_time_on_task_csv(synced: Analytics) -> None:
    response = synced.get("/analytics/time-on-task", learner=ANN_KEY, format="csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.splitlines() == [
        "tenant,learner,activity,seconds,spans,sources,first,last",
        f"default,{ANN_KEY},{COURSE},900.0,2,cmi5 session|result.duration,"
        "2024-01-02T10:00:00.000000Z,2024-01-02T11:00:00.000000Z",
        f"default,{ANN_KEY},{A1},600.0,1,cmi5 session,"
        "2024-01-02T10:00:00.000000Z,2024-01-02T10:10:00.000000Z",
        f"default,{ANN_KEY},{A2},300.0,1,result.duration,"
        "2024-01-02T10:55:00.000000Z,2024-01-02T11:00:00.000000Z",
    ]
    empty = synced.get("/analytics/time-on-task", learner="mbox:mailto:nobody@x", format="csv")
    assert empty.text.splitlines() == ["tenant,learner,activity,seconds,spans,sources,first,last"]


def test_click_through(synced: Analytics) -> None:
    rows = synced.rows("/analytics/click-through")
    assert [(r["learner"], r["activity"], r["seconds"], r["flagged"]) for r in rows] == [
        (ANN_KEY, A2, 300.0, False)
    ]
    assert rows[0]["expected_seconds"] is None
    assert rows[0]["completed_at"] == "2024-01-02T11:00:00.000000Z"
    assert rows[0]["reason"] == (
        "not judged: no catalog duration and only 1 learner(s) completed it (need 5)"
    )
    judged = synced.get("/analytics/click-through", min_cohort="1", format="csv")
    table = list(csv.DictReader(io.StringIO(judged.text)))
    assert [(r["expected_seconds"], r["ratio"], r["flagged"]) for r in table] == [
        ("300.0", "1.0", "false")
    ]
    assert table[0]["reason"] == (
        "completed in 300 s, 100% of the expected 300 s (cohort median of 1 learners); "
        "threshold 25%"
    )
    assert synced.rows("/analytics/click-through", flagged="true") == []


def test_skills(synced: Analytics) -> None:
    # as_of one day after Cat's last answer.
    rows = synced.rows("/analytics/skills", as_of=at(400 + 1440))
    assert len(rows) == 1
    row = rows[0]
    assert row == {
        "tenant": "default",
        "learner": CAT_KEY,
        "skill": TRIAGE,
        "evidence": 2,
        "successes": 1,
        "success_rate": 0.5,
        "first_at": "2024-01-02T15:00:00.000000Z",
        "last_at": "2024-01-02T16:40:00.000000Z",
        "days_since_last": 1.0,
        "statement_ids": [DEFAULT_STORE[-2]["id"], DEFAULT_STORE[-1]["id"]],
    }
    assert synced.rows("/analytics/skills", skill="https://x.example/none") == []
    assert synced.rows("/analytics/skills", learner=ANN_KEY) == []


def test_another_store_sees_only_its_own_rows(synced: Analytics) -> None:
    rows = synced.rows("/analytics/time-on-task", "other-analyst")
    assert [(r["tenant"], r["learner"], r["activity"], r["seconds"]) for r in rows] == [
        ("other-hospital", ANN_KEY, A1, 120.0)
    ]
    # The default store's Ann is not in the other store, whatever the filter asks.
    assert synced.rows("/analytics/time-on-task", "other-analyst", activity=COURSE) == []
    assert synced.rows("/analytics/click-through", "other-analyst") == []
    assert synced.rows("/analytics/skills", "other-analyst", learner=CAT_KEY) == []
    ours = synced.rows("/analytics/time-on-task", activity=A1)
    assert [(r["tenant"], r["seconds"]) for r in ours] == [("default", 600.0)]


@pytest.mark.parametrize(
    ("path", "params", "where"),
    [
        ("time-on-task", {"format": "xml"}, "format"),
        ("time-on-task", {"tenant": "other-hospital"}, "tenant"),
        ("time-on-task", {"Learner": ANN_KEY}, "Learner"),
        ("time-on-task", {"idle_cutoff": "-5"}, "idle_cutoff"),
        ("time-on-task", {"idle_cutoff": "nan"}, "idle_cutoff"),
        ("time-on-task", {"idle_cutoff": "1e300"}, "idle_cutoff"),
        ("time-on-task", {"learner": ""}, "learner"),
        ("time-on-task", {"skill": TRIAGE}, "skill"),
        ("click-through", {"ratio": "2"}, "ratio"),
        ("click-through", {"min_cohort": "0"}, "min_cohort"),
        ("click-through", {"min_cohort": "\u00b2"}, "min_cohort"),
        ("click-through", {"min_cohort": "99999999999999999999"}, "min_cohort"),
        ("click-through", {"flagged": "yes"}, "flagged"),
        ("skills", {"as_of": "2024-01-02"}, "as_of"),
        ("skills", {"activity": A1}, "activity"),
    ],
)
def test_bad_parameters(synced: Analytics, path: str, params: dict[str, str], where: str) -> None:
    assert _error(synced.get(f"/analytics/{path}", **params), 400)["path"] == where


def test_repeated_parameter_and_unknown_metric(synced: Analytics) -> None:
    repeated = httpx.get(
        synced.root + "/analytics/skills?format=json&format=csv",
        auth=synced.server.credentials["analyst"],
    )
    assert _error(repeated, 400)["path"] == "format"
    _error(synced.get("/analytics/sessions"), 404)


def test_503_while_a_sync_holds_the_file(synced: Analytics) -> None:
    writer = duckdb.connect(synced.server.env["LRS_ANALYTICS_DB"])  # as `lrs analytics sync`
    try:
        response = synced.get("/analytics/skills")
        assert "retry" in _error(response, 503)["message"]
        assert response.headers["retry-after"] == "1"
    finally:
        writer.close()
    assert synced.get("/analytics/skills").status_code == 200


def test_every_request_leaves_its_record(synced: Analytics) -> None:
    before = len(synced.audit())
    response = synced.get("/analytics/time-on-task", learner=ANN_KEY, format="csv")
    assert response.status_code == 200
    _error(synced.get("/analytics/skills", "admin"), 403)
    _error(synced.get("/analytics/skills", None), 401)
    served, refused, anonymous = synced.audit()[before:]
    key, _ = synced.server.credentials["analyst"]
    assert served.pop("at").endswith("Z")
    assert served == {
        "endpoint": "/analytics/time-on-task",
        "params": {"learner": ANN_KEY, "format": "csv"},
        "key": key,
        "name": "analyst",
        "tenant": "default",
        "client": "127.0.0.1",
        "status": 200,
        "rows": 3,
    }
    assert refused["key"] == synced.server.credentials["admin"][0]
    assert (refused["name"], refused["status"], refused["rows"]) == ("admin", 403, None)
    assert "analytics" in refused["error"]
    assert (anonymous["key"], anonymous["status"], anonymous["endpoint"]) == (
        None,
        401,
        "/analytics/skills",
    )
    assert synced.audit_log.stat().st_mode & 0o777 == 0o600


def test_a_sync_ends_the_figures_kept_for_later_pages(synced: Analytics) -> None:
    """The server keeps the figures an answer was cut from (lrs.api._analytics_cache): after
    a sync, the same request answers from the new statements."""
    dan = "mailto:dan@x.example"
    assert synced.rows("/analytics/time-on-task", learner="mbox:" + dan) == []
    kept = synced.get("/analytics/time-on-task").json()["rows"]
    late = statement("experienced", A2, at(0), dan, result={"duration": "PT3M"})
    with synced.server.client("writer") as client:
        assert client.post("/statements", json=[late]).status_code == 200
    assert synced.get("/analytics/time-on-task").json()["rows"] == kept  # not synced yet
    done = synced.server.cli("analytics", "sync")
    assert b"1 statements synced" in done.stdout, done.stderr.decode()
    rows = synced.rows("/analytics/time-on-task", learner="mbox:" + dan)
    assert [(r["activity"], r["seconds"]) for r in rows] == [(A2, 180.0)]


# -- risk, proficiency and the audit report, with the customer's catalog and roster ----------

AS_OF = "2024-02-20"
PAGE = 7  # LRS_ANALYTICS_PAGE_SIZE of the scoring server: every answer spans several pages


def test_scoring_needs_a_catalog(synced: Analytics) -> None:
    for path in ("risk", "proficiency", "report/audit"):
        message = _error(synced.get(f"/analytics/{path}"), 503)["message"]
        assert "LRS_ANALYTICS_CATALOG" in message


@dataclass(frozen=True)
class Scoring:
    api: Analytics
    db: str
    catalog: Path
    roster: Path

    def all_rows(self, path: str, **params: str) -> list[dict[str, Any]]:
        """Every page of a JSON answer, following `more`."""
        response = self.api.get(path, **params)
        rows: list[dict[str, Any]] = []
        while True:
            assert response.status_code == 200, response.text
            body = response.json()
            assert len(body["rows"]) <= int(params.get("limit", PAGE))
            rows += body["rows"]
            if not body["more"]:
                return rows
            more = httpx.URL(self.api.root + body["more"])
            assert dict(more.params).items() >= {k: v for k, v in params.items()}.items()
            response = httpx.get(more, auth=self.api.server.credentials["analyst"], timeout=30)

    def csv_rows(self, path: str, **params: str) -> list[dict[str, str]]:
        response = self.api.get(path, format="csv", **params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        return list(csv.DictReader(io.StringIO(response.text)))


@pytest.fixture(scope="module")
def scoring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scoring]:
    """A server with a simulated hospital's statements, synced, and its catalog and roster."""
    from analytics.simulate import generate

    home = tmp_path_factory.mktemp("analytics-scoring")
    sim = generate(40, seed=5)
    catalog, roster = home / "catalog.toml", home / "roster.csv"
    catalog.write_text(sim.catalog().to_toml())
    roster.write_text(sim.roster_csv())
    env = {
        **os.environ,
        "LRS_STORE": f"sqlite:///{home / 'lrs.db'}",
        "LRS_ANALYTICS_DB": str(home / "analytics.duckdb"),
        "LRS_ANALYTICS_AUDIT_LOG": str(home / "audit.log"),
        "LRS_ANALYTICS_CATALOG": str(catalog),
        "LRS_ANALYTICS_ROSTER": str(roster),
        "LRS_ANALYTICS_PAGE_SIZE": str(PAGE),
        "LRS_HOST": "127.0.0.1",
        "LRS_PORT": str(free_port()),
        "LRS_CREDENTIAL_CACHE_SECONDS": "0",
        "LRS_ACCESS_LOG": "false",
    }
    credentials = {}
    for name, scope in (("analyst", "analytics"), ("admin", "all")):
        args = ["credentials", "create", "--name", name, "--scope", scope, "--json"]
        done = subprocess.run([*LRS, *args], env=env, capture_output=True, check=True)
        made = json.loads(done.stdout)
        credentials[name] = (made["key"], made["secret"])
    ndjson = "".join(line + "\n" for line in sim.ndjson()).encode()
    subprocess.run([*LRS, "import", "-"], env=env, input=ndjson, capture_output=True, check=True)
    subprocess.run([*LRS, "analytics", "sync"], env=env, capture_output=True, check=True)
    process = start_server(env, home / "server.log")
    root = f"http://127.0.0.1:{env['LRS_PORT']}"
    try:
        api = Analytics(Server(root + "/xapi", env, credentials), root, home / "audit.log")
        yield Scoring(api, env["LRS_ANALYTICS_DB"], catalog, roster)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _python(scoring: Scoring) -> tuple[Any, Any, date]:
    from analytics.catalog import load_catalog, load_roster

    return load_catalog(scoring.catalog), load_roster(scoring.roster), date.fromisoformat(AS_OF)


def test_scoring_needs_the_analytics_scope(scoring: Scoring) -> None:
    for path in ("risk", "proficiency", "report/audit"):
        assert "analytics" in _error(scoring.api.get(f"/analytics/{path}", "admin"), 403)["message"]
        _error(scoring.api.get(f"/analytics/{path}", None), 401)


def test_risk_pages_and_csv_are_the_python_figures(scoring: Scoring) -> None:
    from analytics.risk import risk, unit_risk

    catalog, roster, day = _python(scoring)
    frame = risk(scoring.db, catalog, roster, day)
    expected = [
        (r["learner"], r["activity"], r["score"], r["level"], r["explanation"])
        for r in frame.iter_rows(named=True)
    ]
    assert len(expected) > 3 * PAGE
    rows = scoring.all_rows("/analytics/risk", as_of=AS_OF)
    assert [
        (r["learner"], r["activity"], r["score"], r["level"], r["explanation"]) for r in rows
    ] == expected
    assert rows[0]["due"] == frame["due"][0].isoformat()
    table = scoring.csv_rows("/analytics/risk", as_of=AS_OF)
    assert [(r["learner"], r["activity"], float(r["score"])) for r in table] == [
        e[:3] for e in expected
    ]
    # A smaller limit: more pages, the same rows.
    assert scoring.all_rows("/analytics/risk", as_of=AS_OF, limit="3") == rows
    icu = scoring.all_rows("/analytics/risk", as_of=AS_OF, unit="ICU", level="critical")
    assert [(r["learner"], r["activity"]) for r in icu] == [
        (e[0], e[1]) for e in expected if e[3] == "critical" and e[0] in _unit(roster, "ICU")
    ]
    per_unit = scoring.all_rows("/analytics/risk", as_of=AS_OF, per_unit="true")
    assert per_unit == [
        {**r, "due": r["due"].isoformat()} for r in unit_risk(frame).iter_rows(named=True)
    ]


def _unit(roster: Any, unit: str) -> set[str]:
    return {p.key for p in roster.learners if p.unit == unit}


def test_proficiency_near_ready_and_test_out(scoring: Scoring) -> None:
    from analytics.proficiency import near_ready, proficiency, test_out_candidates

    catalog, roster, day = _python(scoring)
    frame = proficiency(scoring.db, catalog, day, "default", roster)
    rows = scoring.all_rows("/analytics/proficiency", as_of=AS_OF)
    figures = ("learner", "skill", "successes", "failures", "mean", "p_mastery", "mastered")
    assert [tuple(r[c] for c in figures) for r in rows] == frame.select(figures).rows()
    assert rows[0]["statement_ids"] == frame["statement_ids"][0].to_list()
    table = scoring.csv_rows("/analytics/proficiency", as_of=AS_OF)
    assert [(r["learner"], r["skill"], int(r["successes"])) for r in table] == frame.select(
        "learner", "skill", "successes"
    ).rows()
    skill = frame["skill"][0]
    near = scoring.all_rows("/analytics/proficiency", as_of=AS_OF, near_ready=skill)
    ready = near_ready(frame, skill)
    assert sorted(r["learner"] for r in near) == sorted(ready["learner"])
    needed = [r["more_successes_needed"] for r in near]
    assert needed == sorted(needed, key=lambda n: (n is None, n))
    out = scoring.all_rows("/analytics/proficiency", as_of=AS_OF, test_out="true")
    candidates = test_out_candidates(scoring.db, catalog, roster, day, "default", None, frame)
    assert [(r["learner"], r["activity"], r["reason"]) for r in out] == candidates.select(
        "learner", "activity", "reason"
    ).rows()


def test_audit_report_has_the_cli_digest(scoring: Scoring) -> None:
    from analytics.report import audit, parse_csv

    catalog, roster, day = _python(scoring)
    report = audit(
        scoring.db, catalog, roster, day, "ICU", store_url=scoring.api.server.env["LRS_STORE"]
    )
    response = scoring.api.get("/analytics/report/audit", as_of=AS_OF, unit="ICU")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["report"]["digest"] == report.digest
    assert body["report"]["as_of"] == AS_OF and body["report"]["unit"] == "ICU"
    assert [tuple(s.values()) for s in body["summary"]] == report.summary()
    rows = scoring.all_rows("/analytics/report/audit", as_of=AS_OF, unit="ICU")
    assert [tuple(r.values()) for r in rows] == report.rows
    csv_text = scoring.api.get("/analytics/report/audit", as_of=AS_OF, unit="ICU", format="csv")
    parsed, meta = parse_csv(csv_text.text)
    assert meta["digest"] == report.digest and parsed.rows == report.rows
    html = scoring.api.get("/analytics/report/audit", as_of=AS_OF, unit="ICU", format="html")
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert f'<meta name="lrs-report-digest" content="{report.digest}">' in html.text


@pytest.mark.parametrize(
    ("path", "params", "where"),
    [
        ("risk", {"as_of": "2024-02-30"}, "as_of"),
        ("risk", {"as_of": "2024-02-20T00:00:00Z"}, "as_of"),
        ("risk", {"per_unit": "1"}, "per_unit"),
        ("risk", {"per_unit": "true", "learner": ANN_KEY}, "learner"),
        ("risk", {"level": "high"}, "level"),
        ("risk", {"skill": TRIAGE}, "skill"),
        ("risk", {"limit": "0"}, "limit"),
        ("risk", {"format": "csv", "limit": "5"}, "limit"),
        ("risk", {"cursor": "bm90IG91cnM"}, "cursor"),
        ("risk", {"cursor": "%%%"}, "cursor"),
        ("proficiency", {"test_out": "true", "near_ready": TRIAGE}, "test_out"),
        ("proficiency", {"test_out": "true", "skill": TRIAGE}, "skill"),
        ("proficiency", {"near_ready": ""}, "near_ready"),
        ("report/audit", {"format": "pdf"}, "format"),
        ("report/audit", {"learner": ANN_KEY}, "learner"),
    ],
)
def test_bad_scoring_parameters(
    scoring: Scoring, path: str, params: dict[str, str], where: str
) -> None:
    assert _error(scoring.api.get(f"/analytics/{path}", **params), 400)["path"] == where


def test_a_changed_roster_ends_the_paging_and_a_bad_one_is_refused(scoring: Scoring) -> None:
    first = scoring.api.get("/analytics/risk", as_of=AS_OF).json()
    text = scoring.roster.read_text()
    try:
        scoring.roster.write_text(text + "\n")  # reloaded: the old cursor is for other figures
        assert (
            "start again"
            in _error(
                httpx.get(
                    scoring.api.root + first["more"], auth=scoring.api.server.credentials["analyst"]
                ),
                400,
            )["message"]
        )
        scoring.roster.write_text(text + "Zed,ICU,RN,,,,,\n")  # no IFI on line 42
        message = _error(scoring.api.get("/analytics/risk", as_of=AS_OF), 503)["message"]
        assert "LRS_ANALYTICS_ROSTER" in message and str(scoring.roster) in message
    finally:
        scoring.roster.write_text(text)
    assert scoring.api.get("/analytics/risk", as_of=AS_OF).json()["rows"] == first["rows"]


def test_a_computation_over_the_time_limit_answers_503(scoring: Scoring) -> None:
    env = {**scoring.api.server.env, "LRS_ANALYTICS_TIME_LIMIT": "0.05"}
    env["LRS_PORT"] = str(free_port())
    home = Path(env["LRS_ANALYTICS_DB"]).parent
    process = start_server(env, home / "limited.log")
    root = f"http://127.0.0.1:{env['LRS_PORT']}"
    auth = scoring.api.server.credentials["analyst"]
    try:
        for path in ("risk", "report/audit", "time-on-task"):
            started = time.monotonic()
            response = httpx.get(f"{root}/analytics/{path}", auth=auth, timeout=30)
            assert time.monotonic() - started < 5
            assert "time limit of 0.05 s" in _error(response, 503)["message"]
        assert httpx.get(root + "/xapi/about", timeout=5).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert scoring.api.audit()[-1]["status"] == 503


def test_time_up_interrupts_the_connections_the_scoring_opened_itself(tmp_path: Path) -> None:
    import threading

    from analytics.db import connect, on_open
    from analytics.risk import as_of_connection
    from lrs.api.analytics import Watch

    db = tmp_path / "a.duckdb"
    connect(db).close()
    watch, outcome = Watch(), []

    def scoring() -> None:  # as analytics.risk does, inside a request's computation
        hook = on_open.set(watch.adopt)
        try:
            con = as_of_connection(db, date(2026, 1, 1))
            con.execute("SELECT count(*) FROM range(100000000000) AS a(n) WHERE n % 7 = 3")
            outcome.append("finished")
        except duckdb.InterruptException:
            outcome.append("interrupted")
        finally:
            on_open.reset(hook)

    worker = threading.Thread(target=scoring)
    worker.start()
    time.sleep(0.5)
    watch.expire()
    worker.join(timeout=10)
    assert outcome == ["interrupted"]


def test_scores_computed_across_a_change_are_not_served_as_either_version(
    scoring: Scoring,
) -> None:
    from lrs.api._analytics_cache import Frames
    from lrs.api._analytics_compute import Work, _unchanged, _version
    from lrs.api._analytics_sources import Sources
    from lrs.api._analytics_watch import Watch
    from lrs.errors import ServiceUnavailable

    sources = Sources(str(scoring.catalog), str(scoring.roster))
    work = Work(scoring.db, "", sources, Watch(), Frames())
    before = _version(work)
    assert _unchanged(work, before) == before
    text = scoring.roster.read_text()
    try:
        scoring.roster.write_text(text + "\n")  # as if it changed while risk ran
        work.sources.roster()
        with pytest.raises(ServiceUnavailable, match="changed while this answer was computed"):
            _unchanged(work, before)
    finally:
        scoring.roster.write_text(text)
