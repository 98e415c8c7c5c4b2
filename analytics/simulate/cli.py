"""The `lrs simulate` command, and posting a simulation's statements to an LRS."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
import httpx

from analytics.simulate.generation import generate
from analytics.simulate.learners import KINDS
from analytics.simulate.simulation import Simulation


def post(
    sim: Simulation,
    url: str,
    user: str,
    password: str,
    batch: int = 200,
    version: str = "2.0.0",
    client: httpx.Client | None = None,
) -> int:
    """POST the statements to the LRS at `url` (its xAPI base, e.g.
    http://127.0.0.1:8080/xapi) in batches of `batch`; returns how many it stored.
    Raises `click.ClickException` with the LRS's answer when a batch is refused."""
    endpoint = url if url.rstrip("/").endswith("/statements") else url.rstrip("/") + "/statements"
    own = client is None
    http = client or httpx.Client(timeout=60)
    stored = 0
    try:
        for first in range(0, len(sim.statements), batch):
            chunk = sim.statements[first : first + batch]
            try:
                response = http.post(
                    endpoint,
                    json=chunk,
                    auth=(user, password),
                    headers={"X-Experience-API-Version": version},
                )
            except httpx.HTTPError as exc:
                raise click.ClickException(f"cannot reach {endpoint}: {exc}") from exc
            if response.status_code != 200:
                raise click.ClickException(
                    f"{endpoint} answered {response.status_code} to statements "
                    f"{first + 1}-{first + len(chunk)}: {response.text[:500]}"
                )
            stored += len(response.json())
    finally:
        if own:
            http.close()
    return stored


@click.command("simulate")
@click.option("--learners", default=300, show_default=True, help="How many staff.")
@click.option("--seed", default=1, show_default=True, help="The same seed, the same data.")
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2024-01-08",
    show_default=True,
    help="The first day of the training period; due dates follow it.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The statements, NDJSON ('-' for standard output).",
)
@click.option("--post", "post_url", help="POST the statements to this LRS (its xAPI base URL).")
@click.option("--user", help="The LRS credential's key, for --post.")
@click.option("--password", help="The LRS credential's secret, for --post.")
@click.option("--batch", default=200, show_default=True, help="Statements per POST.")
@click.option("--xapi-version", default="2.0.0", show_default=True, help="For --post.")
@click.option("--catalog-out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--roster-out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--truth-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON: each learner's kind, true time-on-task per activity, planted click-through.",
)
def _simulate(
    learners: int,
    seed: int,
    start: datetime,
    output: Path | None,
    post_url: str | None,
    user: str | None,
    password: str | None,
    batch: int,
    xapi_version: str,
    catalog_out: Path | None,
    roster_out: Path | None,
    truth_out: Path | None,
) -> None:
    """Write a simulated hospital training data set (statements, catalog, roster, truth),
    and/or post its statements to an LRS."""
    if output is None and post_url is None:
        raise click.UsageError("give --output FILE, --post URL, or both")
    if post_url is not None and (user is None or password is None):
        raise click.UsageError("--post needs --user and --password")
    if batch < 1:
        raise click.UsageError("--batch must be at least 1")
    sim = generate(learners, seed, start.date())
    if output is not None:
        text = "".join(line + "\n" for line in sim.ndjson())
        if str(output) == "-":
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
    if catalog_out is not None:
        catalog_out.write_text(sim.catalog().to_toml(), encoding="utf-8")
    if roster_out is not None:
        roster_out.write_text(sim.roster_csv(), encoding="utf-8")
    if truth_out is not None:
        truth_out.write_text(json.dumps(sim.truth(), indent=1) + "\n", encoding="utf-8")
    kinds = {k: sum(p.kind == k for p in sim.learners) for k in KINDS}
    click.echo(
        f"{len(sim.statements)} statements of {learners} learners "
        f"({', '.join(f'{n} {k}' for k, n in kinds.items())})",
        err=True,
    )
    if post_url is not None:
        assert user is not None and password is not None
        stored = post(sim, post_url, user, password, batch, xapi_version)
        click.echo(f"{stored} statements posted to {post_url}", err=True)


simulate: click.Command = _simulate
