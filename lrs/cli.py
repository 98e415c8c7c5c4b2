"""The `lrs` command: the server and the administration of a store."""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import click
import orjson

from lrs.auth import SCOPES, new_credential
from lrs.config import Settings, documented
from lrs.errors import LRSError
from lrs.store import Store, open_store
from lrs.xapi.versions import XAPIVersion

T = TypeVar("T")


def _run(work: Callable[[Store], Awaitable[T]]) -> T:
    settings = Settings.from_env()

    async def main() -> T:
        store = open_store(settings.store)
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(main())
    except LRSError as exc:
        raise click.ClickException(exc.message) from exc


class _Commands(click.Group):
    """The `lrs` group, whose analytics commands are imported only when used: DuckDB and
    Polars take half a second to import, which `lrs serve` and the rest need not pay."""

    lazy: ClassVar[dict[str, tuple[str, str]]] = {
        "analytics": ("analytics.cli", "analytics_group"),
        "simulate": ("analytics.simulate", "simulate"),
        "risk": ("analytics.scoring_cli", "risk"),
        "proficiency": ("analytics.scoring_cli", "proficiency"),
        "report": ("analytics.report_cli", "report_group"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, name = self.lazy[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), name)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands)
def main() -> None:
    """An xAPI Learning Record Store. Settings come from LRS_* environment variables."""


@main.command()
def serve() -> None:
    """Serve the LRS (LRS_HOST, LRS_PORT, LRS_WORKERS)."""
    import uvicorn

    settings = Settings.from_env()
    _run(lambda store: _noop())  # create the store before the workers race to
    click.echo(f"xAPI endpoint: http://{settings.host}:{settings.port}{settings.base_path}")
    uvicorn.run(
        "lrs.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http="httptools",
        access_log=settings.access_log,
        log_level="info",
    )


async def _noop() -> None:
    return None


@main.command()
def settings() -> None:
    """List every setting, its default and what it does."""
    for name, default, help in documented():
        click.echo(f"{name} (default {default!r})\n    {help}")


@main.group()
def credentials() -> None:
    """Create, list and revoke credentials."""


@credentials.command("create")
@click.option("--name", required=True, help="Who the credential is for; named in `authority`.")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES))
@click.option(
    "--store", "tenant", default="default", show_default=True, help="Tenant (store) name."
)
@click.option("--json", "as_json", is_flag=True, help="Print {key, secret} as one JSON object.")
def credentials_create(name: str, scopes: tuple[str, ...], tenant: str, as_json: bool) -> None:
    """Create a credential; its secret is shown this once."""
    made = new_credential(name, scopes, tenant)
    _run(lambda store: store.add_credential(made.credential))
    if as_json:
        click.echo(orjson.dumps({"key": made.credential.key, "secret": made.secret}).decode())
    else:
        click.echo(f"key:    {made.credential.key}\nsecret: {made.secret}")
        click.echo(f"store:  {tenant}\nscopes: {' '.join(sorted(made.credential.scopes))}")


@credentials.command("list")
def credentials_list() -> None:
    """List active credentials (never their secrets)."""
    for c in _run(lambda store: store.list_credentials()):
        click.echo(f"{c.key}\t{c.tenant}\t{c.name}\t{' '.join(sorted(c.scopes))}")


@credentials.command("revoke")
@click.argument("key")
def credentials_revoke(key: str) -> None:
    """Revoke a credential at once (servers stop trusting a cached one within seconds)."""
    if not _run(lambda store: store.revoke_credential(key)):
        raise click.ClickException(f"no active credential with key {key}")
    click.echo(f"revoked {key}")


@credentials.command("bootstrap")
@click.option("--file", "path", type=click.Path(path_type=Path), default=Path(".lrs-admin.json"))
def credentials_bootstrap(path: Path) -> None:
    """Make sure an all-scopes credential exists and print it (kept in FILE, mode 600)."""

    async def ensure(store: Store) -> tuple[str, str]:
        if path.exists():
            saved = orjson.loads(path.read_bytes())
            credential = await store.get_credential(saved["key"])
            if credential is not None and credential.verify(saved["secret"]):
                return saved["key"], saved["secret"]
        made = new_credential("admin", ["all"], "default")
        await store.add_credential(made.credential)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(orjson.dumps({"key": made.credential.key, "secret": made.secret}))
        return made.credential.key, made.secret

    key, secret = _run(ensure)
    click.echo(f"credential (all scopes, store 'default'): key {key}  secret {secret}")


@main.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--store", "tenant", default="default", show_default=True)
@click.option(
    "--xapi-version",
    type=click.Choice([v.value for v in XAPIVersion]),
    default="2.0.0",
    show_default=True,
)
@click.option("--batch", "batch_size", default=500, show_default=True)
def import_(file: Any, tenant: str, xapi_version: str, batch_size: int) -> None:
    """Load statements from an NDJSON file through the same validation as the API."""
    from lrs.importer import import_lines

    settings = Settings.from_env()
    lines = file.readlines()
    with click.progressbar(length=len(lines), label="importing", file=sys.stderr) as bar:
        report = _run(
            lambda store: import_lines(
                store,
                tenant,
                lines,
                XAPIVersion(xapi_version),
                settings.authority_homepage,
                batch_size,
                bar.update,
            )
        )
    for line_number, error in report.rejected:
        click.echo(f"line {line_number}: {error.status} {error.message} at {error.path}", err=True)
    click.echo(f"{report.accepted} accepted, {len(report.rejected)} rejected")
    if report.rejected:
        sys.exit(1)


@main.command()
@click.option("--store", "tenant", default="default", show_default=True)
@click.option("--since", help="Only statements stored after this timestamp.")
@click.option("--until", help="Only statements stored at or before this timestamp.")
def export(tenant: str, since: str | None, until: str | None) -> None:
    """Write every statement (voided ones too), oldest first, as NDJSON to stdout."""
    from lrs.xapi.timestamps import micros, parse_timestamp

    try:
        since_us = None if since is None else micros(parse_timestamp(since))
        until_us = None if until is None else micros(parse_timestamp(until))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    out = sys.stdout.buffer

    async def dump(store: Store) -> None:
        async for row in store.export_statements(tenant, since_us, until_us):
            out.write(row.body + b"\n")

    _run(dump)
    out.flush()
