"""The `lrs` command on its own store file, as an administrator would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from lrs.config import documented
from tests.conftest import statement


def lrs(store: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LRS_STORE": f"sqlite:///{store}"}
    return subprocess.run(
        [sys.executable, "-m", "lrs", *args],
        env=env,
        input=None if input is None else input.decode(),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "lrs.db"


def test_import_reports_each_rejected_line_and_keeps_the_rest(store: Path, tmp_path: Path) -> None:
    same = str(uuid.uuid4())
    lines = [
        json.dumps(statement(id=same)),
        json.dumps(statement()),
        "{not json",
        json.dumps({**statement(), "actor": {"mbox": "nurse@example.org"}}),
        "",
        json.dumps({**statement(id=same), "result": {"success": False}}),
        json.dumps(statement()),
    ]
    source = tmp_path / "in.ndjson"
    source.write_text("\n".join(lines) + "\n")
    done = lrs(store, "import", str(source))
    assert done.returncode == 1
    assert "3 accepted, 3 rejected" in done.stdout
    assert "line 3: 400" in done.stderr
    assert "line 4: 400" in done.stderr and "$.actor" in done.stderr
    assert "line 6: 409" in done.stderr

    exported = [json.loads(line) for line in lrs(store, "export").stdout.splitlines()]
    assert len(exported) == 3
    assert exported[0]["id"] == same
    assert all("stored" in s and "authority" in s for s in exported)


def test_export_since_and_until_select_by_stored(store: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.ndjson"
    source.write_text("\n".join(json.dumps(statement()) for _ in range(4)) + "\n")
    assert lrs(store, "import", str(source)).returncode == 0
    everything = [json.loads(line) for line in lrs(store, "export").stdout.splitlines()]
    stored = [s["stored"] for s in everything]
    assert stored == sorted(stored)
    middle = lrs(store, "export", "--since", stored[0], "--until", stored[2]).stdout.splitlines()
    assert [json.loads(line)["id"] for line in middle] == [s["id"] for s in everything[1:3]]
    assert lrs(store, "export", "--since", "yesterday").returncode != 0


def test_export_then_import_into_another_store_round_trips(store: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.ndjson"
    source.write_text("\n".join(json.dumps(statement()) for _ in range(3)) + "\n")
    lrs(store, "import", str(source))
    dump = tmp_path / "dump.ndjson"
    dump.write_text(lrs(store, "export").stdout)
    other = tmp_path / "other.db"
    assert lrs(other, "import", str(dump)).returncode == 0
    first = [json.loads(line) for line in dump.read_text().splitlines()]
    second = [json.loads(line) for line in lrs(other, "export").stdout.splitlines()]
    strip = lambda s: {k: v for k, v in s.items() if k != "stored"}  # noqa: E731
    assert [strip(s) for s in second] == [strip(s) for s in first]


def test_credentials_create_list_revoke(store: Path) -> None:
    made = json.loads(
        lrs(
            store, "credentials", "create", "--name", "lms", "--scope", "statements/write", "--json"
        ).stdout
    )
    assert set(made) == {"key", "secret"}
    listed = lrs(store, "credentials", "list").stdout
    assert made["key"] in listed and made["secret"] not in listed
    assert lrs(store, "credentials", "revoke", made["key"]).returncode == 0
    assert made["key"] not in lrs(store, "credentials", "list").stdout
    assert lrs(store, "credentials", "revoke", made["key"]).returncode != 0
    refused = lrs(store, "credentials", "create", "--name", "x", "--scope", "everything")
    assert refused.returncode != 0


def test_bootstrap_creates_once_and_prints_the_same_credential(store: Path, tmp_path: Path) -> None:
    file = tmp_path / "admin.json"
    first = lrs(store, "credentials", "bootstrap", "--file", str(file)).stdout
    second = lrs(store, "credentials", "bootstrap", "--file", str(file)).stdout
    assert first == second and "key" in first
    assert oct(file.stat().st_mode & 0o777) == "0o600"
    assert len(lrs(store, "credentials", "list").stdout.splitlines()) == 1


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    missing = [name for name, _, _ in documented() if name not in readme]
    assert missing == []
