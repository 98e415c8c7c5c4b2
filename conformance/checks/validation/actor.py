"""Data 2.4.2: Actor, Agents, Groups, Inverse Functional Identifiers and Accounts."""

from __future__ import annotations

from typing import Any

from conformance.context import Context
from conformance.examples import check_examples, invalid, valid
from conformance.registry import requirement

SHA1 = "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"
HOME = "http://lms.conformance.example.org"


def _account(name: str = "learner-1") -> dict[str, Any]:
    return {"homePage": HOME, "name": name}


@requirement(
    "Data 2.4.2.1",
    "agent-ifi-required",
    "An Agent MUST be identified by one of the four Inverse Functional Identifiers",
)
def agent_ifi_required(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("agent by mbox", {"actor": lambda c: {"objectType": "Agent", "mbox": c.mbox()}}),
            valid("agent by mbox_sha1sum", {"actor": {"mbox_sha1sum": SHA1}}),
            valid(
                "agent by openid", {"actor": {"openid": "http://openid.conformance.example.org/a"}}
            ),
            valid("agent by account", {"actor": {"account": _account()}}),
            valid("agent without objectType", {"actor": lambda c: {"mbox": c.mbox(), "name": "A"}}),
            invalid("agent with a name only", {"actor": {"objectType": "Agent", "name": "Nobody"}}),
            invalid("empty agent", {"actor": {}}),
            invalid(
                "agent as object without IFI", {"object": {"objectType": "Agent", "name": "B"}}
            ),
        ],
    )


@requirement(
    "Data 2.4.2.1",
    "agent-one-ifi",
    "An Agent MUST NOT include more than one Inverse Functional Identifier",
)
def agent_one_ifi(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            invalid("mbox and openid", {"actor.openid": "http://openid.conformance.example.org/b"}),
            invalid("mbox and mbox_sha1sum", {"actor.mbox_sha1sum": SHA1}),
            invalid("mbox and account", {"actor.account": _account()}),
            invalid(
                "account and openid",
                {
                    "actor": {
                        "account": _account(),
                        "openid": "http://openid.conformance.example.org/c",
                    }
                },
            ),
        ],
    )


@requirement(
    "Data 2.4.2.3",
    "ifi-formats",
    "IFIs MUST follow their formats: mbox a mailto IRI of an e-mail address, mbox_sha1sum a "
    "hex SHA-1, openid a URI",
)
def ifi_formats(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            invalid("mbox http IRI", {"actor.mbox": "http://conformance.example.org/learner"}),
            invalid("mbox without address", {"actor.mbox": "mailto:"}),
            invalid("mbox without @", {"actor.mbox": "mailto:learner.conformance.example.org"}),
            invalid("mbox_sha1sum not hex", {"actor": {"mbox_sha1sum": "not-a-sha1-sum"}}),
            invalid("mbox_sha1sum too short", {"actor": {"mbox_sha1sum": SHA1[:-1]}}),
            invalid("mbox_sha1sum as number", {"actor": {"mbox_sha1sum": 12345}}),
            invalid("openid not a URI", {"actor": {"openid": "not a uri"}}),
        ],
    )


@requirement(
    "Data 2.4.2.4",
    "account-properties",
    'An account MUST have "homePage" (an IRL) and "name" (a string)',
)
def account_properties(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("homePage and name", {"actor": {"account": _account()}}),
            invalid("account without name", {"actor": {"account": {"homePage": HOME}}}),
            invalid("account without homePage", {"actor": {"account": {"name": "x"}}}),
            invalid(
                "account homePage not an IRL",
                {"actor": {"account": {"homePage": "not an irl", "name": "x"}}},
            ),
            invalid(
                "account name as number", {"actor": {"account": {"homePage": HOME, "name": 5}}}
            ),
            invalid("account as string", {"actor": {"account": "learner-1"}}),
        ],
    )


@requirement(
    "Data 2.4.2.2",
    "group-anonymous-member",
    'An Anonymous Group MUST include a "member" property listing constituent Agents',
)
def group_anonymous_member(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("anonymous group", {"actor": lambda c: c.group(c.agent(), c.agent())}),
            invalid(
                "group with neither member nor IFI", {"actor": {"objectType": "Group", "name": "G"}}
            ),
            invalid(
                "member not an array",
                {"actor": lambda c: {"objectType": "Group", "member": c.agent()}},
            ),
            invalid(
                "member without IFI",
                {
                    "actor": {
                        "objectType": "Group",
                        "member": [{"objectType": "Agent", "name": "x"}],
                    }
                },
            ),
            invalid("group without objectType", {"actor": lambda c: {"member": [c.agent()]}}),
        ],
    )


@requirement(
    "Data 2.4.2.2",
    "group-no-nested-groups",
    'A Group (anonymous or identified) MUST NOT contain Group Objects in its "member" property',
)
def group_no_nested_groups(ctx: Context) -> None:
    def nested(identified: bool) -> Any:
        return lambda c: c.group(
            c.agent(), c.group(c.agent(), identified=True), identified=identified
        )

    check_examples(
        ctx,
        [
            invalid("anonymous group with a group member", {"actor": nested(False)}),
            invalid("identified group with a group member", {"actor": nested(True)}),
        ],
    )


@requirement(
    "Data 2.4.2.2",
    "group-identified-one-ifi",
    "An Identified Group MUST include exactly one Inverse Functional Identifier",
)
def group_identified_one_ifi(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid(
                "identified group without members",
                {"actor": lambda c: {"objectType": "Group", "mbox": c.mbox()}},
            ),
            valid(
                "identified group with members",
                {"actor": lambda c: c.group(c.agent(), identified=True)},
            ),
            valid(
                "group identified by account",
                {"actor": {"objectType": "Group", "account": _account("team-1")}},
            ),
            invalid(
                "group with mbox and openid",
                {
                    "actor": lambda c: {
                        "objectType": "Group",
                        "mbox": c.mbox(),
                        "openid": "http://openid.conformance.example.org/g",
                    }
                },
            ),
            invalid(
                "group with account and mbox_sha1sum",
                {"actor": {"objectType": "Group", "account": _account(), "mbox_sha1sum": SHA1}},
            ),
        ],
    )
