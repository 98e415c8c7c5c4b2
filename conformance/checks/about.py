"""Communication 2.8: the About resource."""

from __future__ import annotations

from typing import Any

from conformance.context import Context, expect, expect_status, json_of
from conformance.registry import requirement
from conformance.util import short


def _about(ctx: Context, **kwargs: Any) -> Any:
    response = ctx.lrs.get("about", **kwargs)
    expect_status(response, 200, what="GET about")
    return json_of(response, "about")


@requirement(
    "Communication 2.8",
    "about-version",
    'GET about answers 200 with a JSON object whose "version" array includes the latest patch of '
    "each major version supported",
)
def about_version(ctx: Context) -> None:
    about = _about(ctx)
    versions = about.get("version") if isinstance(about, dict) else None
    expect(
        isinstance(versions, list) and all(isinstance(v, str) for v in versions),
        f"version is {short(versions)}",
    )
    assert isinstance(versions, list)
    expect(ctx.version in versions, f"version {versions} does not include {ctx.version}")


@requirement(
    "Communication 2.8",
    "about-properties",
    "The About object MUST NOT have properties other than version and extensions (an object)",
)
def about_properties(ctx: Context) -> None:
    about = _about(ctx)
    expect(isinstance(about, dict), f"about is {short(about)}")
    extra = set(about) - {"version", "extensions"}
    expect(not extra, f"about has other properties: {sorted(extra)}")
    expect(
        isinstance(about.get("extensions", {}), dict),
        f"extensions is {short(about.get('extensions'))}",
    )


@requirement(
    "Communication 2.8",
    "about-any-version-header",
    "The LRS MUST NOT reject requests to the About resource based on their version header",
)
def about_any_version_header(ctx: Context) -> None:
    problems = []
    for version in (None, "0.9", "1.1.0", "3.0.0", "banana"):
        response = ctx.lrs.get("about", version=version)
        if response.status_code != 200:
            problems.append(f"{version!r}: {response.status_code}")
    expect(not problems, "; ".join(problems))


@requirement(
    "Communication 2.8",
    "about-unauthenticated",
    "An LRS SHOULD allow unauthenticated access to the About resource",
)
def about_unauthenticated(ctx: Context) -> None:
    _about(ctx, auth=None)
