"""Communication 2.4: the Agents resource (Person objects)."""

from __future__ import annotations

import json
from typing import Any

from conformance.context import Context, expect, expect_status, json_of
from conformance.registry import requirement
from conformance.util import short

PERSON_KEYS = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}


def _person(ctx: Context, agent: dict[str, Any]) -> Any:
    response = ctx.lrs.get("agents", params={"agent": json.dumps(agent)})
    expect_status(response, 200, what="GET agents")
    return json_of(response, "agents")


@requirement(
    "Communication 2.4",
    "agents-person",
    'GET agents answers 200 with a Person object ("objectType" "Person", array properties) that '
    "includes the requested Agent's identifier, even for an Agent the LRS does not know",
)
def agents_person(ctx: Context) -> None:
    known = ctx.agent("Known Learner")
    ctx.lrs.settle(*ctx.lrs.store(ctx.statement(actor=known)))
    account = {
        "objectType": "Agent",
        "account": {"homePage": "http://lms.conformance.example.org", "name": ctx.uuid()},
    }
    problems = []
    for label, agent, key, value in (
        ("known agent", known, "mbox", known["mbox"]),
        ("unknown agent", ctx.agent(), "mbox", None),
        ("agent by account", account, "account", account["account"]),
    ):
        person = _person(ctx, agent)
        wanted = value if value is not None else agent[key]
        if not isinstance(person, dict) or person.get("objectType") != "Person":
            problems.append(f"{label}: not a Person: {short(person, 100)}")
        elif not isinstance(person.get(key), list) or wanted not in person[key]:
            problems.append(f"{label}: {key} is {short(person.get(key), 100)}")
        elif any(not isinstance(v, list) for k, v in person.items() if k != "objectType"):
            problems.append(f"{label}: properties must be arrays: {short(person, 100)}")
    expect(not problems, "; ".join(problems))


@requirement(
    "Communication 2.4",
    "agents-person-properties",
    "A Person object SHOULD* NOT have properties other than objectType, name, mbox, "
    "mbox_sha1sum, openid and account",
)
def agents_person_properties(ctx: Context) -> None:
    person = _person(ctx, ctx.agent("Someone"))
    extra = set(person) - PERSON_KEYS if isinstance(person, dict) else {"<not an object>"}
    expect(not extra, f"Person has other properties: {sorted(extra)}")


@requirement(
    "Communication 2.4",
    "agents-parameter",
    'GET agents without a valid "agent" parameter (a JSON Agent with one IFI) answers 400',
)
def agents_parameter(ctx: Context) -> None:
    problems = []
    for label, params in (
        ("no agent", {}),
        ("agent not JSON", {"agent": "mailto:a@conformance.example.org"}),
        ("agent without IFI", {"agent": json.dumps({"name": "x"})}),
        (
            "agent with two IFIs",
            {
                "agent": json.dumps(
                    {"mbox": "mailto:a@conformance.example.org", "openid": "http://o.example.org/a"}
                )
            },
        ),
    ):
        response = ctx.lrs.get("agents", params=params)
        if response.status_code != 400:
            problems.append(f"{label}: {response.status_code}")
    expect(not problems, "; ".join(problems))
