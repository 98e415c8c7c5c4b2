"""Checking a signed statement's JWS (xAPI 1.0.3 Data 2.6, xAPI 2.0 [s13]).

A signed statement carries an attachment with usageType
`http://adlnet.gov/expapi/attachments/signature` and contentType
`application/octet-stream` whose data is a JWS Compact Serialization (RFC 7515 7.1):
BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature), the payload being
the statement as it was before the signature attachment was added.

The LRS checks that the signature is well formed, not that it is trustworthy: the
certificate in `x5c` is used to catch mistakes (its chain, validity period and key usage
are not checked; Data 2.6 note), and a JWS without `x5c` cannot be checked against any key.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

import orjson
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from lrs.errors import BadRequest
from lrs.xapi.equivalence import statements_equivalent

SIGNATURE_USAGE_TYPE = "http://adlnet.gov/expapi/attachments/signature"
ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}
_BASE64URL = re.compile(rb"[A-Za-z0-9_-]*")


def _signature_path(statement: Mapping[str, Any]) -> str:
    for index, attachment in enumerate(statement.get("attachments") or ()):
        if attachment.get("usageType") == SIGNATURE_USAGE_TYPE:
            return f"$.attachments[{index}]"
    return "$.attachments"


def _b64url_decode(segment: bytes) -> bytes | None:
    if _BASE64URL.fullmatch(segment) is None or len(segment) % 4 == 1:
        return None
    try:
        return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None


def without_signature(statement: Mapping[str, Any]) -> dict[str, Any]:
    """The statement as it was before its signature attachment(s) were added."""
    out = dict(statement)
    attachments = statement.get("attachments")
    if attachments is not None:
        kept = [a for a in attachments if a.get("usageType") != SIGNATURE_USAGE_TYPE]
        if kept:
            out["attachments"] = kept
        else:
            del out["attachments"]
    return out


def verify_signature(statement: Mapping[str, Any], jws: bytes) -> None:
    """Check the JWS `jws` of the signed `statement`; raise BadRequest when malformed.

    Rejected: anything but three base64url segments (JWS JSON Serialization included); a
    header that is not a JSON object, has an `alg` other than RS256, RS384 or RS512, or has
    `crit` (no extension is understood); a payload that is not a JSON object or is not
    equivalent to the statement without its signature attachment
    (`statements_equivalent`: LRS-set properties, serialisation and case differences the
    spec allows are ignored); an `x5c` whose first certificate is unreadable or not RSA,
    or whose key does not verify the signature.
    """
    path = _signature_path(statement)

    segments = jws.strip().split(b".")
    if len(segments) != 3 or not all(segments):
        raise BadRequest(
            "the signature attachment is not a JWS Compact Serialization "
            "(three non-empty base64url parts separated by '.')",
            path=path,
        )
    header_bytes, payload_bytes, signature = (_b64url_decode(s) for s in segments)
    if header_bytes is None or payload_bytes is None or signature is None:
        raise BadRequest("the signature JWS has a part that is not base64url", path=path)

    try:
        header = orjson.loads(header_bytes)
    except orjson.JSONDecodeError:
        header = None
    if not isinstance(header, dict):
        raise BadRequest("the signature JWS header is not a JSON object", path=path)
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in ALGORITHMS:
        raise BadRequest(
            f"the signature JWS uses alg {algorithm!r}; it must be RS256, RS384 or RS512",
            path=path,
        )
    if "crit" in header:
        raise BadRequest(
            "the signature JWS header has critical extensions (crit), which are not supported",
            path=path,
        )

    try:
        payload = orjson.loads(payload_bytes)
    except orjson.JSONDecodeError:
        payload = None
    if not isinstance(payload, dict):
        raise BadRequest("the signature JWS payload is not a JSON statement", path=path)
    if not statements_equivalent(payload, without_signature(statement)):
        raise BadRequest(
            "the signature JWS payload is not the same statement as the one sent", path=path
        )

    if "x5c" in header:
        _verify_x5c(header["x5c"], algorithm, segments[0] + b"." + segments[1], signature, path)


def _verify_x5c(
    chain: Any, algorithm: str, signing_input: bytes, signature: bytes, path: str
) -> None:
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        raise BadRequest(
            "the signature JWS header x5c must be a non-empty array of base64 certificates",
            path=path,
        )
    try:
        der = base64.b64decode(chain[0], validate=True)
        certificate = x509.load_der_x509_certificate(der)
        public_key = certificate.public_key()
    except (binascii.Error, ValueError, UnsupportedAlgorithm) as error:
        raise BadRequest(
            f"the first certificate of the signature JWS x5c is unreadable: {error}", path=path
        ) from None
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise BadRequest(
            f"the signature JWS x5c certificate does not hold an RSA key, as {algorithm} needs",
            path=path,
        )
    try:
        public_key.verify(signature, signing_input, padding.PKCS1v15(), ALGORITHMS[algorithm]())
    except InvalidSignature:
        raise BadRequest(
            "the signature JWS does not verify with the key of its x5c certificate", path=path
        ) from None
