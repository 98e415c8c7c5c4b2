"""Existing xAPI client libraries work against the LRS unchanged."""

from __future__ import annotations

import json
import subprocess
import uuid
import warnings
from pathlib import Path

from tests.conftest import Server

JS = Path(__file__).parent / "js"


def test_tincan_python_saves_queries_and_retrieves(server: Server) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TinCanPython predates Python 3.11's deprecations
        from tincan import Activity, Agent, RemoteLRS, Statement, Verb

    key, secret = server.credentials["admin"]
    lrs = RemoteLRS(endpoint=server.url + "/", username=key, password=secret, version="1.0.3")
    activity = f"http://example.org/activities/{uuid.uuid4()}"
    sent = Statement(
        actor=Agent(name="Charge Nurse", mbox="mailto:charge@example.org"),
        verb=Verb(id="http://adlnet.gov/expapi/verbs/experienced"),
        object=Activity(id=activity),
    )
    saved = lrs.save_statement(sent)
    assert saved.success, saved.data
    statement_id = saved.content.id

    retrieved = lrs.retrieve_statement(statement_id)
    assert retrieved.success
    assert str(retrieved.content.id) == str(statement_id)
    assert retrieved.content.object.id == activity

    found = lrs.query_statements({"activity": Activity(id=activity), "limit": 10})
    assert found.success
    assert [str(s.id) for s in found.content.statements] == [str(statement_id)]

    about = lrs.about()
    assert about.success
    assert "1.0.3" in about.content.version


def test_xapi_npm_package_sends_reads_and_voids(server: Server) -> None:
    key, secret = server.credentials["admin"]
    activity = f"http://example.org/activities/{uuid.uuid4()}"
    for version in ("1.0.3", "2.0.0"):
        done = subprocess.run(
            ["node", str(JS / "client.cjs"), server.url, key, secret, version, activity],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["fetchedId"] == result["id"] == result["voidedId"]
        assert result["listed"][0] == result["id"]
        assert version in result["versions"]
