"""The facts of a statement: its fields as the analytics `statements` table holds them.

They are computed once, where the statement is already parsed (in `prepare`, or from the
stored body of a statement stored before facts existed), and kept beside the statement, so
that the analytics sync reads a few hundred bytes per statement instead of parsing its body.

`statement_facts` gives one compact JSON object with these keys, each left out when its
value is null or an empty list (the sync reads a missing key as null, or [] for the lists):

    i   id, lower-case                      t   timestamp, microseconds since the epoch
    v   id of the statement this one voids  k   actor key (lrs.xapi.agents.agent_key)
    an  actor name                          at  actor objectType (null: an Agent)
    vb  verb id                             oi  object id
    ot  object objectType (null: Activity)  od  object definition type
    rg  context registration, lower-case    ss  cmi5 session id (context extension)
    su  result success                      co  result completion
    sc  result score scaled                 sr  result score raw
    du  result duration in seconds          re  result response
    pa, gr, ca, oa   ids of the contextActivities parent, grouping, category, other
    cp  ids among category and other whose definition type ends in /competency or /objective
    cx  context extensions (the object)     rx  result extensions (the object)

`t` is missing when the statement has no timestamp: the store then sets it to `stored`,
which only the store knows. `placed` adds what the store knows when it commits: `q` its
sequence number, `n` the tenant, `s` stored (microseconds since the epoch). `with_body_hash`
adds `h`, the SHA-256 (hex) of the body as stored, to the facts of a statement that can
prove a requirement done (a DONE_VERBS verb, or `result.completion` true): an audit report
cites it by that hash instead of reading the body again (analytics.report). Other
statements, most of them, have none: the hash would cost the sync and the file for nothing.

A boolean, number or duration of another JSON type is left out (a score "0.5" is no
score); other values are copied as they are (the sync reads a number where it wants text
as its JSON text): validated statements have neither.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from lrs.xapi.agents import agent_key
from lrs.xapi.schema import VOIDED
from lrs.xapi.timestamps import micros, parse_timestamp

CMI5_SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
ADL = "http://adlnet.gov/expapi/verbs/"
WAIVED = "https://w3id.org/xapi/adl/verbs/waived"
# A statement with one of these verbs says its activity is done (cmi5's `satisfied` included;
# `waived` too: an exemption is a way of being done).
DONE_VERBS = (
    ADL + "completed",
    ADL + "passed",
    "https://w3id.org/xapi/adl/verbs/satisfied",
    WAIVED,
)

# ISO 8601 durations as the analytics count them: a year is 365 days and a month 30 (they
# are spans of activity, not calendar arithmetic); a decimal comma is a decimal point.
_NUMBER = r"(\d+(?:\.\d+)?)"
_DURATION = re.compile(
    rf"P(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?",
    re.ASCII,
)
_PART_SECONDS = (31_536_000, 2_592_000, 604_800, 86_400, 3_600, 60, 1)
_COMPETENCY_TYPES = ("/competency", "/objective")
_EMPTY: Mapping[str, Any] = {}


def statement_facts(statement: Mapping[str, Any]) -> bytes:
    """The facts of a (validated) statement, as compact JSON."""
    actor = statement.get("actor") or _EMPTY
    verb_id = (statement.get("verb") or _EMPTY).get("id")
    target = statement.get("object") or _EMPTY
    object_type = target.get("objectType")
    context = statement.get("context") or _EMPTY
    context_ext = context.get("extensions")
    activities = context.get("contextActivities") or _EMPTY
    category = _list(activities.get("category"))
    other = _list(activities.get("other"))
    result = statement.get("result") or _EMPTY
    score = result.get("score") or _EMPTY
    facts = {
        "i": _lower(statement.get("id")),
        "t": _micros(statement.get("timestamp")),
        "v": _lower(target.get("id"))
        if verb_id == VOIDED and object_type == "StatementRef"
        else None,
        "k": agent_key(actor),
        "an": actor.get("name"),
        "at": actor.get("objectType"),
        "vb": verb_id,
        "oi": target.get("id"),
        "ot": object_type,
        "od": (target.get("definition") or _EMPTY).get("type"),
        "rg": _lower(context.get("registration")),
        "ss": (context_ext or _EMPTY).get(CMI5_SESSION),
        "su": _bool(result.get("success")),
        "co": _bool(result.get("completion")),
        "sc": _number(score.get("scaled")),
        "sr": _number(score.get("raw")),
        "du": duration_seconds(result.get("duration")),
        "re": result.get("response"),
        "pa": _ids(_list(activities.get("parent"))),
        "gr": _ids(_list(activities.get("grouping"))),
        "ca": _ids(category),
        "oa": _ids(other),
        "cp": _ids([a for a in (*category, *other) if _is_competency(a)]),
        "cx": context_ext,
        "rx": result.get("extensions"),
    }
    return orjson.dumps({k: v for k, v in facts.items() if v is not None})


def placed(facts: bytes, seq: int, tenant: str, stored_us: int) -> bytes:
    """The facts with the statement's place in the store: seq, tenant and stored."""
    head = b'{"q":%d,"n":%b,"s":%d' % (seq, orjson.dumps(tenant), stored_us)
    return head + (b"}" if facts == b"{}" else b"," + facts[1:])


def proves_done(statement: Mapping[str, Any]) -> bool:
    """Whether the statement says its activity is done: a DONE_VERBS verb, or
    `result.completion` true."""
    if (statement.get("verb") or _EMPTY).get("id") in DONE_VERBS:
        return True
    return (statement.get("result") or _EMPTY).get("completion") is True


def with_body_hash(facts: bytes, statement: Mapping[str, Any], body: bytes) -> bytes:
    """The facts, with `h` (the SHA-256 of `body`, the statement as stored) when the
    statement proves its activity done."""
    if not proves_done(statement):
        return facts
    sealed = b'"h":"%s"}' % hashlib.sha256(body).hexdigest().encode()
    return (b"{" if facts == b"{}" else facts[:-1] + b",") + sealed


def facts_of_body(body: bytes) -> bytes:
    """The facts of a statement from its body as stored (a statement stored before facts
    existed), its body hash included."""
    statement = orjson.loads(body)
    return with_body_hash(statement_facts(statement), statement, body)


def duration_seconds(value: Any) -> float | None:
    """Seconds in an ISO 8601 duration; None when `value` is not one (or has no part)."""
    if not isinstance(value, str):
        return None
    match = _DURATION.fullmatch(value.replace(",", "."))
    if match is None or match.lastindex is None:  # not a duration, or one of no part
        return None
    seconds = 0.0
    # Summed from years down, as the analytics' SQL always summed them: the same float.
    for part, unit in zip(match.groups(), _PART_SECONDS, strict=True):
        if part is not None:
            seconds += float(part) * unit
    return seconds


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _micros(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)  # most xAPI timestamps, 20 times faster
    except ValueError:
        try:
            moment = parse_timestamp(value)  # the others ("z", for one)
        except ValueError:
            return None
    return None if moment.tzinfo is None else micros(moment)


def _list(value: Any) -> Sequence[Mapping[str, Any]]:
    """A contextActivities value: a list of Activities, or one (Data 2.4.6.2)."""
    if value is None:
        return ()
    if isinstance(value, list):
        return [a for a in value if isinstance(a, dict)]
    return (value,) if isinstance(value, dict) else ()


def _ids(activities: Sequence[Mapping[str, Any]]) -> list[Any] | None:
    """The ids of these Activities; None for none."""
    ids = [a["id"] for a in activities if a.get("id") is not None]
    return ids or None


def _is_competency(activity: Mapping[str, Any]) -> bool:
    kind = (activity.get("definition") or _EMPTY).get("type")
    return isinstance(kind, str) and kind.endswith(_COMPETENCY_TYPES)
