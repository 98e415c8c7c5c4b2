"""Data 2.6: signed Statements (a JWS attachment with usageType .../signature)."""

from __future__ import annotations

from typing import Any

from conformance.context import Context, expect
from conformance.jws import SIGNATURE_USAGE, sign, tamper
from conformance.registry import requirement
from conformance.util import attachment_part

from ..statements.common import absent
from .common import attachment_object, send_multipart


def _send_signed(ctx: Context, make_jws: Any) -> tuple[int, str]:
    """Sign a fresh statement with `make_jws(statement) -> bytes` and POST it; (status, id)."""
    statement = ctx.statement(id=ctx.uuid(), timestamp="2024-01-02T03:04:05.678Z")
    jws = make_jws(statement)
    signature = attachment_object(
        jws, "application/octet-stream", usageType=SIGNATURE_USAGE, display={"en-US": "Signature"}
    )
    signed = {**statement, "attachments": [signature]}
    response = send_multipart(ctx, signed, [attachment_part(jws, "application/octet-stream")])
    return response.status_code, statement["id"]


@requirement(
    "Data 2.6",
    "signature-accepted",
    "The LRS accepts a Statement signed with a well-formed JWS (RS256, RS384 or RS512, payload the "
    "Statement, x5c certificate)",
)
def signature_accepted(ctx: Context) -> None:
    problems = []
    for alg in ("RS256", "RS384", "RS512"):
        status, _ = _send_signed(ctx, lambda s, alg=alg: sign(s, alg))
        if status != 200:
            problems.append(f"{alg}: {status}")
    expect(not problems, "valid signed statement rejected: " + "; ".join(problems))


def _rejected(ctx: Context, cases: dict[str, Any]) -> None:
    status, _ = _send_signed(ctx, sign)
    expect(status == 200, f"setup: a correctly signed statement was rejected ({status})")
    problems, ids = [], []
    for label, make in cases.items():
        status, statement_id = _send_signed(ctx, make)
        ids.append(statement_id)
        if status != 400:
            problems.append(f"{label}: {status}")
    expect(not problems, "; ".join(problems))
    absent(ctx, *ids)


@requirement(
    "Data 2.6",
    "signature-malformed",
    "The LRS MUST reject with 400 Statements whose signature is malformed (not a decodable JWS "
    "with a JSON Statement payload)",
)
def signature_malformed(ctx: Context) -> None:
    _rejected(
        ctx,
        {
            "not a JWS": lambda s: b"this is not a signature",
            "payload not JSON": lambda s: sign(b"not json"),
            "two segments": lambda s: b".".join(sign(s).split(b".")[:2]),
        },
    )


@requirement(
    "Data 2.6",
    "signature-payload-equivalent",
    "The LRS MUST reject with 400 a signed Statement whose JWS payload is not logically "
    "equivalent to the received Statement",
)
def signature_payload_equivalent(ctx: Context) -> None:
    def other_verb(s: dict[str, Any]) -> bytes:
        return sign({**s, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}})

    def other_result(s: dict[str, Any]) -> bytes:
        return sign({**s, "result": {"success": True}})

    _rejected(
        ctx, {"payload with another verb": other_verb, "payload with a result added": other_result}
    )


@requirement(
    "Data 2.6",
    "signature-verified",
    "If the JWS header includes an X.509 certificate the LRS MUST validate the signature against "
    "it, rejecting (400) a signature that does not verify",
)
def signature_verified(ctx: Context) -> None:
    _rejected(
        ctx,
        {
            "signature bits changed": lambda s: tamper(sign(s)),
            "certificate of another key": lambda s: sign(s, cert_name="someone else"),
        },
    )


@requirement(
    "Data 2.6",
    "signature-algorithm",
    'The JWS MUST use the algorithm "RS256", "RS384" or "RS512"; others are rejected with 400',
)
def signature_algorithm(ctx: Context) -> None:
    _rejected(
        ctx,
        {
            "HS256": lambda s: sign(s, "HS256", x5c=False),
            "HS256 with x5c": lambda s: sign(s, "HS256"),
        },
    )
