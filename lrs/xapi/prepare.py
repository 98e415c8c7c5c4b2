"""The LRS-set properties of a statement (xAPI Data 2.4): id, authority, version, timestamp.

`stored` is set by the store when it commits, because only the store can keep it strictly
increasing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import orjson

from lrs.store.base import PreparedStatement
from lrs.store.terms import postings
from lrs.types import Statement
from lrs.xapi.activities import agent_names, definitions
from lrs.xapi.agents import index_terms
from lrs.xapi.facts import statement_facts
from lrs.xapi.timestamps import parse_timestamp, to_utc_string
from lrs.xapi.versions import XAPIVersion

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"


def statement_version(version: XAPIVersion) -> str:
    # 1.0.x statements carry "1.0.0" whatever the patch version (Communication 3.3).
    return "2.0.0" if version.is_2 else "1.0.0"


def prepare(
    statements: Sequence[Statement], version: XAPIVersion, authority: dict[str, Any]
) -> list[PreparedStatement]:
    """Statements that passed validation, made ready for the store.

    Ids within one batch are distinct: validation refuses a batch that repeats one.
    """
    prepared: list[PreparedStatement] = []
    for statement in statements:
        if "id" in statement:
            statement_id = statement["id"].lower()
        else:
            statement_id = str(uuid.uuid4())
            statement["id"] = statement_id
        statement.pop("stored", None)
        statement["authority"] = authority
        statement.setdefault("version", statement_version(version))
        timestamp = statement.get("timestamp")
        if timestamp is not None and not timestamp.endswith("Z"):
            # Returned in UTC (1.0.3 Data 4.5 SHOULD*; xAPI 2.0 [s19-s22] converts, not refuses).
            parsed = parse_timestamp(timestamp)
            if parsed.utcoffset():
                statement["timestamp"] = to_utc_string(parsed)
        _wrap_context_activities(statement)
        target = statement["object"]
        if target.get("objectType") == "SubStatement":
            _wrap_context_activities(target)
        refers_to = target["id"].lower() if target.get("objectType") == "StatementRef" else None
        prepared.append(
            PreparedStatement(
                id=statement_id,
                statement=statement,
                body=orjson.dumps(statement),
                postings=postings(index_terms(statement)),
                timestamp_from_stored=timestamp is None,
                voids=refers_to if statement["verb"]["id"] == VOIDED else None,
                refers_to=refers_to,
                definitions=definitions(statement),
                agent_names=agent_names(statement),
                facts=statement_facts(statement),
            )
        )
    return prepared


def _wrap_context_activities(statement: Statement) -> None:
    # The LRS MUST return every contextActivities value as an array (Data 2.4.6.2); storing
    # it that way keeps the `exact` format a plain copy of the stored bytes.
    activities = statement.get("context", {}).get("contextActivities")
    if activities:
        for kind, value in activities.items():
            if isinstance(value, dict):
                activities[kind] = [value]
