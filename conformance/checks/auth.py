"""Communication 3.2 and 4.0: authentication (401 for refused or missing credentials)."""

from __future__ import annotations

import base64

from conformance.context import Context, expect, expect_status
from conformance.registry import requirement


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@requirement(
    "Communication 3.2",
    "auth-refused-401",
    "When the credentials given are refused, the LRS answers 401 Unauthorized",
)
def auth_refused(ctx: Context) -> None:
    user = ctx.lrs.authorization
    decoded = base64.b64decode(user.split(" ", 1)[1]).decode()
    name = decoded.split(":", 1)[0]
    for label, header in (
        ("wrong password", _basic(name, "not-the-password-" + ctx.run)),
        ("unknown user", _basic("nobody-" + ctx.run, "nothing")),
    ):
        expect_status(
            ctx.lrs.get("statements", auth=header), 401, what=f"GET statements with {label}"
        )
        response = ctx.lrs.post_statements(ctx.statement(), auth=header)
        expect_status(response, 401, what=f"POST statement with {label}")


@requirement(
    "Communication 4.0",
    "auth-required-401",
    "A request without credentials is either served (the LRS allows unauthenticated access) or "
    "answered 401, never another status",
)
def auth_required(ctx: Context) -> None:
    response = ctx.lrs.get("statements", params={"limit": "1"}, auth=None)
    expect(
        response.status_code in (200, 401),
        f"GET statements without credentials answered {response.status_code}",
    )
    response = ctx.lrs.post_statements(ctx.statement(), auth=None)
    expect(
        response.status_code in (200, 401),
        f"POST statement without credentials answered {response.status_code}",
    )
