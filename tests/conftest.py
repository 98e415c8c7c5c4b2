"""A real LRS for the integration tests: `lrs serve` in a subprocess, on a fresh store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

LRS = [sys.executable, "-m", "lrs"]
MAX_BODY = 300_000


@dataclass(frozen=True)
class Server:
    url: str
    env: dict[str, str]
    credentials: dict[str, tuple[str, str]]

    def client(self, who: str = "admin", version: str = "2.0.0") -> httpx.Client:
        headers = {"X-Experience-API-Version": version} if version else {}
        return httpx.Client(
            base_url=self.url, auth=self.credentials[who], headers=headers, timeout=30
        )

    def cli(self, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*LRS, *args], env=self.env, input=input, capture_output=True, timeout=120
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen([*LRS, "serve"], env=env, stdout=out, stderr=out)
    url = f"http://{env['LRS_HOST']}:{env['LRS_PORT']}/xapi/about"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"lrs serve exited: {log.read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("lrs serve did not start")


def untraced_env() -> dict[str, str]:
    """The environment for a process that runs none of lrs's code: without coverage's
    variables, its subprocess patch leaves it untraced (tracing SecantusDB cost the MongoDB
    tests about 40% of their time, and measured nothing)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def start_mongodb(home: Path, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """SecantusDB, a MongoDB wire-protocol server in Python, on 127.0.0.1 (a free port unless
    given: a restart reuses its port and data)."""
    port = port or free_port()
    home.mkdir(parents=True, exist_ok=True)
    log = home / "secantus.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "secantus",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--storage-path",
                str(home / "data"),
                "--log-level",
                "WARNING",
            ],
            stdout=out,
            stderr=out,
            env=untraced_env(),
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"SecantusDB exited: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, f"mongodb://127.0.0.1:{port}/?directConnection=true"
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("SecantusDB did not start")


@pytest.fixture(scope="session")
def mongodb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URI of a MongoDB server: LRS_TEST_MONGODB_URI, or SecantusDB started here."""
    given = os.environ.get("LRS_TEST_MONGODB_URI")
    if given:
        yield given
        return
    process, uri = start_mongodb(tmp_path_factory.mktemp("mongodb"))
    try:
        yield uri
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def mongodb_url(server_uri: str, name: str) -> str:
    """`server_uri` naming the database `name` (unique per run: a real server is shared)."""
    parts = urlsplit(server_uri)
    database = f"lrs_test_{name}_{uuid.uuid4().hex[:8]}"
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))


def store_url(request: pytest.FixtureRequest, kind: str, home: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{home / (name + '.db')}"
    return mongodb_url(request.getfixturevalue("mongodb_server"), name)


@pytest.fixture(scope="session", params=["sqlite", "mongodb"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("lrs")
    port = free_port()
    env = {
        **os.environ,
        "LRS_STORE": store_url(request, request.param, home, "lrs"),
        "LRS_HOST": "127.0.0.1",
        "LRS_PORT": str(port),
        "LRS_MAX_BODY_BYTES": str(MAX_BODY),
        "LRS_CREDENTIAL_CACHE_SECONDS": "0",
        "LRS_ACCESS_LOG": "false",
    }
    specs = {
        "admin": (["all"], "default"),
        "writer": (["statements/write"], "default"),
        "reader": (["statements/read"], "default"),
        "mine": (["statements/write", "statements/read/mine"], "default"),
        "other": (["all"], "other-hospital"),
    }
    credentials = {}
    for name, (scopes, tenant) in specs.items():
        args = ["credentials", "create", "--name", name, "--store", tenant, "--json"]
        for scope in scopes:
            args += ["--scope", scope]
        done = subprocess.run([*LRS, *args], env=env, capture_output=True, check=True)
        made = json.loads(done.stdout)
        credentials[name] = (made["key"], made["secret"])
    for attempt in range(3):
        try:
            process = start_server(env, home / "server.log")
            break
        except RuntimeError as exc:  # the free port was taken meanwhile: another one
            if "address already in use" not in str(exc) or attempt == 2:
                raise
            port = free_port()
            env["LRS_PORT"] = str(port)
    try:
        yield Server(f"http://127.0.0.1:{port}/xapi", env, credentials)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def activity_iri() -> str:
    return f"http://example.org/activities/{uuid.uuid4()}"


def statement(
    activity: str | None = None, mbox: str = "mailto:nurse@example.org", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "actor": {"objectType": "Agent", "name": "A Nurse", "mbox": mbox},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/completed",
            "display": {"en-US": "completed"},
        },
        "object": {
            "objectType": "Activity",
            "id": activity or activity_iri(),
            "definition": {"name": {"en-US": "Sepsis protocol", "fr": "Protocole sepsis"}},
        },
    }
    body.update(extra)
    return body
