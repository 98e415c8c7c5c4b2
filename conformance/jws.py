"""JSON Web Signatures (RFC 7515, compact serialization) for signed Statements (Data 2.6),
with an RSA key and a self-signed X.509 certificate generated at run time."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
HASHES: dict[str, hashes.HashAlgorithm] = {
    "RS256": hashes.SHA256(),
    "RS384": hashes.SHA384(),
    "RS512": hashes.SHA512(),
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@cache
def signer(name: str = "signer") -> tuple[rsa.RSAPrivateKey, bytes]:
    """An RSA key and the DER of a self-signed certificate for it (one per name per run)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"xAPI conformance {name}")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.DER)


def sign(
    payload: Any,
    alg: str = "RS256",
    *,
    key_name: str = "signer",
    cert_name: str | None = None,
    x5c: bool = True,
) -> bytes:
    """A compact JWS of the JSON payload. `cert_name` puts another key's certificate in x5c
    (so the signature does not verify against it); alg HS256 signs with HMAC instead."""
    header: dict[str, Any] = {"alg": alg}
    key, _ = signer(key_name)
    if x5c:
        _, der = signer(cert_name or key_name)
        header["x5c"] = [base64.b64encode(der).decode()]
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(body)}".encode()
    if alg in HASHES:
        signature = key.sign(signing_input, padding.PKCS1v15(), HASHES[alg])
    else:
        signature = hmac.new(b"conformance", signing_input, hashlib.sha256).digest()
    return signing_input + b"." + b64url(signature).encode()


def tamper(jws: bytes) -> bytes:
    """The same JWS with one bit of its signature flipped."""
    head, payload, signature = jws.split(b".")
    raw = bytearray(base64.urlsafe_b64decode(signature + b"=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return head + b"." + payload + b"." + b64url(bytes(raw)).encode()
