"""GET /analytics/...: a real `lrs serve`, statements posted over xAPI, `lrs analytics sync`,
then the figures over HTTP: scope, tenant isolation, JSON and CSV, errors, the audit log."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
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
    rows = response.json()
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
    one = synced.get("/analytics/time-on-task", learner=BOB_KEY, activity=COURSE).json()
    assert [(r["learner"], r["activity"], r["seconds"]) for r in one] == [(BOB_KEY, COURSE, 600.0)]
    # A cut-off below Bob's 120 s gap leaves him nothing.
    assert synced.get("/analytics/time-on-task", learner=BOB_KEY, idle_cutoff="60").json() == []


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
    rows = synced.get("/analytics/click-through").json()
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
    assert synced.get("/analytics/click-through", flagged="true").json() == []


def test_skills(synced: Analytics) -> None:
    # as_of one day after Cat's last answer.
    rows = synced.get("/analytics/skills", as_of=at(400 + 1440)).json()
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
    assert synced.get("/analytics/skills", skill="https://x.example/none").json() == []
    assert synced.get("/analytics/skills", learner=ANN_KEY).json() == []


def test_another_store_sees_only_its_own_rows(synced: Analytics) -> None:
    rows = synced.get("/analytics/time-on-task", "other-analyst").json()
    assert [(r["tenant"], r["learner"], r["activity"], r["seconds"]) for r in rows] == [
        ("other-hospital", ANN_KEY, A1, 120.0)
    ]
    # The default store's Ann is not in the other store, whatever the filter asks.
    assert synced.get("/analytics/time-on-task", "other-analyst", activity=COURSE).json() == []
    assert synced.get("/analytics/click-through", "other-analyst").json() == []
    assert synced.get("/analytics/skills", "other-analyst", learner=CAT_KEY).json() == []
    ours = synced.get("/analytics/time-on-task", activity=A1).json()
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
