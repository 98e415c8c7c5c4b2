"""Ingest benchmark: POST /statements at full speed, for a fixed time, per batch size.

    python -m bench.ingest --url http://127.0.0.1:8080/xapi --user KEY --password SECRET \\
        [--seconds 10] [--connections 8] [--batch 1 --batch 100] [--client raw|httpx]

(or set LRS_BENCH_URL, LRS_BENCH_USER, LRS_BENCH_PASSWORD). Each of `--connections`
keep-alive connections sends its next request as soon as the previous one is answered.
Bodies are generated and serialised before the clock starts; each request only stamps
fresh statement ids into a copy of a pre-serialised body (so a body can be reused and
ids never collide, across runs too); `--no-ids` sends statements without ids instead.

The load generator shares the machine with the server, so it is kept light: the
default client is a minimal HTTP/1.1 implementation on asyncio streams (uvloop when
installed). `--client httpx` uses httpx.AsyncClient for comparison. The "client CPU"
column is the CPU this process used during the measured window, as a share of one
core: whatever it takes, the server did not get.

This module also holds the small HTTP client and the table helpers that
`bench.query` uses.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import importlib
import itertools
import math
import os
import random
import ssl
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson

from bench.statements import STATEMENTS_PER_SESSION, statements

ID_LENGTH = 36


# --------------------------------------------------------------------------- target / client


@dataclass(frozen=True, slots=True)
class Target:
    """Where the LRS is and how to talk to it."""

    scheme: str
    host: str
    port: int
    base_path: str  # e.g. "/xapi", no trailing slash
    authorization: str
    version: str

    @classmethod
    def from_args(cls, url: str, user: str, password: str, version: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SystemExit(f"--url must be an http(s) URL, got {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=port,
            base_path=parts.path.rstrip("/"),
            authorization=f"Basic {token}",
            version=version,
        )

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host_header}{self.base_path}"

    def path(self, resource: str) -> str:
        return f"{self.base_path}/{resource.lstrip('/')}"


class Requester(Protocol):
    async def request(
        self, method: str, path: str, body: bytes | bytearray | None = None
    ) -> tuple[int, bytes]: ...

    async def close(self) -> None: ...


class Connection:
    """One HTTP/1.1 keep-alive connection; reconnects after a failure or `Connection: close`.

    Deliberately minimal (no redirects, no 100-continue, no pipelining), to cost the
    load generator as little CPU as possible. Raises OSError or
    asyncio.IncompleteReadError on transport problems.
    """

    def __init__(self, target: Target) -> None:
        self._target = target
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._fixed = (
            f"Host: {target.host_header}\r\n"
            f"Authorization: {target.authorization}\r\n"
            f"X-Experience-API-Version: {target.version}\r\n"
            "User-Agent: lrs-bench\r\n"
        ).encode("latin-1")
        self._heads: dict[tuple[str, str], bytes] = {}

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        context = ssl.create_default_context() if self._target.scheme == "https" else None
        reader, writer = await asyncio.open_connection(
            self._target.host, self._target.port, ssl=context, limit=1 << 20
        )
        self._reader, self._writer = reader, writer
        return reader, writer

    def _head(self, method: str, path: str) -> bytes:
        head = self._heads.get((method, path))
        if head is None:
            head = f"{method} {path} HTTP/1.1\r\n".encode("latin-1") + self._fixed
            self._heads[(method, path)] = head
        return head

    async def request(
        self, method: str, path: str, body: bytes | bytearray | None = None
    ) -> tuple[int, bytes]:
        """Send one request; return (status, body).

        A kept-alive connection the server has meanwhile closed (idle timeout) is
        detected by an answer-less end of stream; the request is then sent once more on
        a new connection, as the server never saw it.
        """
        head = self._head(method, path)
        if body is None:
            request = head + b"\r\n"
        else:
            length = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            # One write: a request split over two segments costs the server a wake-up.
            request = b"".join((head, length.encode("latin-1"), body))
        reused = self._writer is not None
        try:
            return await self._exchange(request, method)
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as err:
            stale = not isinstance(err, asyncio.IncompleteReadError) or not err.partial
            if not (reused and stale):
                raise
        return await self._exchange(request, method)

    async def _exchange(self, request: bytes, method: str) -> tuple[int, bytes]:
        if self._reader is None or self._writer is None:
            reader, writer = await self._connect()
        else:
            reader, writer = self._reader, self._writer
        try:
            writer.write(request)
            return await self._response(reader, method)
        except BaseException:
            await self.close()
            raise

    async def _response(self, reader: asyncio.StreamReader, method: str) -> tuple[int, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length: int | None = None
        chunked = close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        if method == "HEAD" or status in (204, 304) or status < 200:
            body = b""
        elif chunked:
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass  # trailer fields
                    break
                chunks.append(await reader.readexactly(size + 2))
            body = b"".join(c[:-2] for c in chunks)
        elif length is not None:
            body = await reader.readexactly(length)
        else:
            body = await reader.read()
            close = True
        if close:
            await self.close()
        return status, body

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


class HttpxRequester:
    """The same interface over one shared httpx.AsyncClient (for comparing client cost)."""

    def __init__(self, target: Target, connections: int) -> None:
        import httpx

        self._client = httpx.AsyncClient(
            base_url=f"{target.scheme}://{target.host_header}",
            headers={
                "Authorization": target.authorization,
                "X-Experience-API-Version": target.version,
                "Content-Type": "application/json",
            },
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            timeout=60.0,
        )

    async def request(
        self, method: str, path: str, body: bytes | bytearray | None = None
    ) -> tuple[int, bytes]:
        response = await self._client.request(
            method, path, content=bytes(body) if body is not None else None
        )
        return response.status_code, response.content

    async def close(self) -> None:
        await self._client.aclose()


def run(main: Callable[[], Coroutine[Any, Any, int]], use_uvloop: bool = True) -> int:
    """asyncio.run(main()), on uvloop when it is installed and wanted."""
    if use_uvloop:
        try:
            uvloop: Any = importlib.import_module("uvloop")
        except ImportError:
            pass
        else:
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                return runner.run(main())
    return asyncio.run(main())


async def preflight(client: Requester, target: Target) -> None:
    """Fail early, with a readable message, when the LRS is down or refuses the credentials."""
    try:
        status, body = await client.request("GET", target.path("about"))
    except OSError as err:
        raise SystemExit(f"cannot reach the LRS at {target.base_url}: {err}") from None
    if status != 200:
        raise SystemExit(f"GET {target.base_url}/about answered {status}: {body[:300]!r}")
    status, body = await client.request("GET", target.path("statements?limit=1"))
    if status != 200:
        raise SystemExit(
            f"GET {target.base_url}/statements?limit=1 answered {status} (credentials?): "
            f"{body[:300]!r}"
        )


# --------------------------------------------------------------------------- statistics / output


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence (nan when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str = "") -> None:
    """A plain-text table; the first column left-aligned, the others right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    if title:
        print(f"\n{title}")
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))
    sys.stdout.flush()


def ms(ns: float) -> str:
    return "-" if math.isnan(ns) else f"{ns / 1e6:.2f}"


def env_default(name: str, fallback: str | None = None) -> str | None:
    return os.environ.get(name, fallback)


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        default=env_default("LRS_BENCH_URL"),
        help="xAPI endpoint, e.g. http://127.0.0.1:8080/xapi (env LRS_BENCH_URL)",
    )
    parser.add_argument(
        "--user", default=env_default("LRS_BENCH_USER"), help="Basic auth key (LRS_BENCH_USER)"
    )
    parser.add_argument(
        "--password",
        default=env_default("LRS_BENCH_PASSWORD"),
        help="Basic auth secret (LRS_BENCH_PASSWORD)",
    )
    parser.add_argument(
        "--xapi-version",
        default=env_default("LRS_BENCH_XAPI_VERSION", "2.0.0"),
        help="X-Experience-API-Version header (default 2.0.0; LRS_BENCH_XAPI_VERSION)",
    )
    parser.add_argument(
        "--no-uvloop", action="store_true", help="use the default asyncio event loop"
    )


def target_from(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Target:
    missing = [name for name in ("url", "user", "password") if not getattr(args, name)]
    if missing:
        parser.error("missing " + ", ".join(f"--{m} (or LRS_BENCH_{m.upper()})" for m in missing))
    return Target.from_args(args.url, args.user, args.password, args.xapi_version)


# --------------------------------------------------------------------------- ingest


@dataclass(slots=True)
class Body:
    """A pre-serialised request body and where its statement ids sit in it."""

    template: bytes
    id_offsets: list[int]


class IdStamper:
    """Fresh statement ids: a random UUID-4 prefix for this run plus a 48-bit counter."""

    def __init__(self) -> None:
        self._prefix = str(uuid.uuid4())[:24].encode("ascii")  # "xxxxxxxx-xxxx-4xxx-yxxx-"
        self._counter = itertools.count()

    def stamp(self, body: Body) -> bytes | bytearray:
        if not body.id_offsets:
            return body.template
        buffer = bytearray(body.template)
        prefix, counter = self._prefix, self._counter
        for offset in body.id_offsets:
            buffer[offset : offset + ID_LENGTH] = prefix + b"%012x" % next(counter)
        return buffer


def serialise(statement: dict[str, Any], with_id: bool) -> bytes:
    """One statement as JSON, with "id" (if any) as its first member."""
    if not with_id:
        statement = {k: v for k, v in statement.items() if k != "id"}
    data = orjson.dumps(statement)
    if with_id and not data.startswith(b'{"id":"'):
        raise AssertionError("statement id must serialise first")
    return data


def make_bodies(batch: int, pool_statements: int, with_ids: bool, start: int) -> list[Body]:
    """Request bodies holding `batch` statements each (a bare object when batch is 1)."""
    bodies: list[Body] = []
    source = statements(start, start + max(pool_statements, batch))
    while True:
        chunk = [serialise(s, with_ids) for s in itertools.islice(source, batch)]
        if len(chunk) < batch:
            return bodies
        if batch == 1:
            bodies.append(Body(chunk[0], [7] if with_ids else []))
            continue
        offsets, position = [], 1
        for data in chunk:
            offsets.append(position + 7)
            position += len(data) + 1
        bodies.append(Body(b"[" + b",".join(chunk) + b"]", offsets if with_ids else []))


@dataclass(slots=True)
class Outcome:
    latencies_ns: list[int] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    last_end: float = 0.0


async def _worker(
    client: Requester,
    path: str,
    bodies: list[Body],
    next_index: itertools.count[int],
    stamper: IdStamper,
    measure_from: float,
    deadline: float,
    outcome: Outcome,
) -> None:
    perf, perf_ns = time.perf_counter, time.perf_counter_ns
    while (started := perf()) < deadline:
        body = stamper.stamp(bodies[next(next_index) % len(bodies)])
        t0 = perf_ns()
        try:
            status, response = await client.request("POST", path, body)
        except Exception as err:  # transport or protocol failure: count it, reconnect
            status, response = -1, f"{type(err).__name__}: {err}".encode()
        elapsed = perf_ns() - t0
        if started < measure_from:
            continue
        if status == 200:
            outcome.latencies_ns.append(elapsed)
        else:
            key = f"HTTP {status}" if status > 0 else "connection"
            outcome.errors[key] += 1
            if len(outcome.error_samples) < 5:
                outcome.error_samples.append(f"{key}: {response[:300]!r}")
        outcome.last_end = perf()


async def run_batch(
    target: Target,
    batch: int,
    connections: int,
    seconds: float,
    warmup: float,
    with_ids: bool,
    client_kind: str,
) -> list[str]:
    pool = max(20_000, 4 * batch * connections)
    start = random.randrange(1_000_000) * STATEMENTS_PER_SESSION
    t = time.perf_counter()
    bodies = make_bodies(batch, pool, with_ids, start)
    size = sum(len(b.template) for b in bodies) / len(bodies)
    print(
        f"batch {batch}: {len(bodies)} bodies of {batch} statement(s), ~{size / 1024:.1f} KiB "
        f"each, generated in {time.perf_counter() - t:.1f} s; running {warmup:g} s warm-up "
        f"+ {seconds:g} s on {connections} connection(s)...",
        flush=True,
    )
    clients: list[Requester]
    if client_kind == "httpx":
        shared = HttpxRequester(target, connections)
        clients = [shared] * connections
    else:
        clients = [Connection(target) for _ in range(connections)]
    path = target.path("statements")
    stamper = IdStamper()
    outcome = Outcome()
    begin = time.perf_counter()
    measure_from = begin + warmup
    deadline = measure_from + seconds
    next_index = itertools.count()
    cpu_task = asyncio.create_task(_cpu_at(measure_from))
    try:
        await asyncio.gather(
            *(
                _worker(c, path, bodies, next_index, stamper, measure_from, deadline, outcome)
                for c in clients
            )
        )
    finally:
        for c in set(clients):
            await c.close()
    cpu_end = time.process_time()
    cpu_start = await cpu_task
    wall = max(outcome.last_end - measure_from, 1e-9)
    lat = sorted(outcome.latencies_ns)
    requests = len(lat)
    return [
        str(batch),
        str(connections),
        f"{wall:.1f}",
        str(requests),
        f"{requests / wall:.0f}",
        f"{requests * batch / wall:.0f}",
        ms(percentile(lat, 50)),
        ms(percentile(lat, 95)),
        ms(percentile(lat, 99)),
        ms(lat[-1] if lat else math.nan),
        str(sum(outcome.errors.values())),
        f"{100 * (cpu_end - cpu_start) / wall:.0f}%",
        "; ".join(outcome.error_samples[:2]),
    ]


async def _cpu_at(moment: float) -> float:
    await asyncio.sleep(max(0.0, moment - time.perf_counter()))
    return time.process_time()


HEADERS = [
    "batch",
    "conns",
    "secs",
    "requests",
    "req/s",
    "stmts/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    "errors",
    "client CPU",
    "first errors",
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    add_target_arguments(parser)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per batch size")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds first")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument(
        "--batch",
        type=int,
        action="append",
        help="statements per request; repeat for several (default: 1 and 100)",
    )
    parser.add_argument(
        "--ids",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="send statement ids (fresh per request) or let the LRS assign them",
    )
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw")
    args = parser.parse_args(argv)
    target = target_from(parser, args)
    batches: list[int] = args.batch or [1, 100]
    if any(b < 1 for b in batches) or args.connections < 1:
        parser.error("--batch and --connections must be at least 1")

    async def go() -> int:
        probe = Connection(target)
        await preflight(probe, target)
        await probe.close()
        print(f"LRS {target.base_url}, xAPI {target.version}, client {args.client}")
        rows = []
        for batch in batches:
            rows.append(
                await run_batch(
                    target,
                    batch,
                    args.connections,
                    args.seconds,
                    args.warmup,
                    args.ids,
                    args.client,
                )
            )
        errors = any(int(r[10]) for r in rows)
        headers = HEADERS if errors else HEADERS[:-1]
        print_table(headers, [r if errors else r[:-1] for r in rows], "POST /statements")
        return 1 if errors else 0

    return run(go, use_uvloop=not args.no_uvloop)


if __name__ == "__main__":
    sys.exit(main())
