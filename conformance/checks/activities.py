"""Communication 2.5: the Activities resource."""

from __future__ import annotations

from typing import Any

from conformance.context import Context, expect, expect_status, json_of
from conformance.registry import requirement
from conformance.util import short


def _activity(ctx: Context, activity_id: str) -> Any:
    response = ctx.lrs.get("activities", params={"activityId": activity_id})
    expect_status(response, 200, what="GET activities")
    return json_of(response, "activities")


@requirement(
    "Communication 2.5",
    "activities-get",
    "GET activities answers 200 with the complete Activity object (its id and the definition the "
    "LRS holds)",
)
def activities_get(ctx: Context) -> None:
    activity = ctx.activity(
        name={"en-US": "Suturing basics"}, type="http://adlnet.gov/expapi/activities/lesson"
    )
    ctx.lrs.settle(*ctx.lrs.store(ctx.statement(object=activity)))
    got = _activity(ctx, activity["id"])
    expect(isinstance(got, dict) and got.get("id") == activity["id"], f"activity is {short(got)}")
    expect(
        got.get("objectType", "Activity") == "Activity", f"objectType is {got.get('objectType')!r}"
    )
    definition = got.get("definition")
    expect(isinstance(definition, dict), f"definition is {short(definition)}")
    expect(
        definition.get("name", {}).get("en-US") == "Suturing basics",
        f"definition is {short(definition)}",
    )


@requirement(
    "Communication 2.5",
    "activities-unknown",
    "Without a definition of the Activity, the LRS SHOULD* still return an Activity object",
)
def activities_unknown(ctx: Context) -> None:
    activity_id = ctx.iri()
    got = _activity(ctx, activity_id)
    expect(isinstance(got, dict) and got.get("id") == activity_id, f"activity is {short(got)}")


@requirement(
    "Communication 2.5",
    "activities-parameter",
    'GET activities without a valid "activityId" (an IRI) answers 400',
)
def activities_parameter(ctx: Context) -> None:
    problems = []
    for label, params in (
        ("no activityId", {}),
        ("activityId not an IRI", {"activityId": "lesson 1"}),
    ):
        response = ctx.lrs.get("activities", params=params)
        if response.status_code != 400:
            problems.append(f"{label}: {response.status_code}")
    expect(not problems, "; ".join(problems))
