"""Our own xAPI conformance suite (`python -m conformance`) against the test server, in both
versions: every requirement passes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Server, untraced_env

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$")


def run_suite(server: Server, version: str, *extra: str) -> tuple[int, list[str]]:
    user, password = server.credentials["admin"]
    command = [sys.executable, "-m", "conformance", server.url, "--user", user]
    command += ["--password", password, "--xapi-version", version, *extra]
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=untraced_env(),
        capture_output=True,
        timeout=600,
    )
    lines = done.stdout.decode("utf-8").splitlines()
    assert lines, done.stderr.decode()
    return done.returncode, lines


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_conformance_suite(server: Server, version: str) -> None:
    code, lines = run_suite(server, version)
    summary = SUMMARY.match(lines[-1])
    assert summary, lines[-5:]
    failures = [line for line in lines[:-1] if line.startswith("FAIL ")]
    assert failures == [], "\n".join(failures)
    assert int(summary.group(2)) == 0
    assert int(summary.group(1)) > 190  # every requirement of the version ran
    assert code == 0


def test_conformance_one_area_and_listing(server: Server) -> None:
    code, lines = run_suite(server, "2.0.0", "--only", "about")
    assert lines[-1] == "4 passed, 0 failed"
    assert code == 0
    code, lines = run_suite(server, "1.0.3", "--list", "--only", "alternate")
    assert code == 0
    assert all(line.startswith("alternate") for line in lines[:-1])
