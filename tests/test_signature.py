from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
from typing import Any

import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from lrs.errors import BadRequest
from lrs.xapi.signature import SIGNATURE_USAGE_TYPE, verify_signature, without_signature

HASHES: dict[str, hashes.HashAlgorithm] = {
    "RS256": hashes.SHA256(),
    "RS384": hashes.SHA384(),
    "RS512": hashes.SHA512(),
}


def b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def certificate_for(key: Any, signer: rsa.RSAPrivateKey | None = None) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "xAPI test signer")])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(signer or key, hashes.SHA256())
    )


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def x5c(key: rsa.RSAPrivateKey) -> list[str]:
    der = certificate_for(key).public_bytes(serialization.Encoding.DER)
    return [base64.b64encode(der).decode()]


def sign(header: dict[str, Any], payload: bytes, key: rsa.RSAPrivateKey) -> bytes:
    signing_input = b64url(orjson.dumps(header)) + b"." + b64url(payload)
    digest = HASHES[header["alg"]]
    return signing_input + b"." + b64url(key.sign(signing_input, padding.PKCS1v15(), digest))


def unsigned_statement() -> dict[str, Any]:
    return {
        "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
        "actor": {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}},
        "object": {"id": "http://example.com/exam", "objectType": "Activity"},
        "result": {"score": {"scaled": 0.9}, "success": True},
        "timestamp": "2024-01-02T03:04:05.678Z",
    }


def signed(statement: dict[str, Any], jws: bytes) -> dict[str, Any]:
    """The statement as sent: the payload's statement plus the signature attachment."""
    attachment = {
        "usageType": SIGNATURE_USAGE_TYPE,
        "display": {"en-US": "Signature"},
        "contentType": "application/octet-stream",
        "length": len(jws),
        "sha2": hashlib.sha256(jws).hexdigest(),
    }
    return {**statement, "attachments": [*statement.get("attachments", []), attachment]}


def reject(statement: dict[str, Any], jws: bytes, fragment: str) -> None:
    with pytest.raises(BadRequest) as raised:
        verify_signature(statement, jws)
    assert fragment in raised.value.message
    assert raised.value.path == f"$.attachments[{len(statement['attachments']) - 1}]"


# --- accepted ------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_valid_signature_with_certificate(alg: str, key: rsa.RSAPrivateKey, x5c: list[str]) -> None:
    statement = unsigned_statement()
    jws = sign({"alg": alg, "x5c": x5c}, orjson.dumps(statement), key)
    verify_signature(signed(statement, jws), jws)


def test_valid_signature_without_certificate(key: rsa.RSAPrivateKey) -> None:
    statement = unsigned_statement()
    jws = sign({"alg": "RS256", "typ": "JWT"}, orjson.dumps(statement), key)
    verify_signature(signed(statement, jws), jws)
    verify_signature(signed(statement, jws), jws + b"\r\n")  # trailing line break of a part


def test_payload_may_differ_as_the_spec_allows(key: rsa.RSAPrivateKey, x5c: list[str]) -> None:
    statement = unsigned_statement()
    payload = dict(reversed(list(statement.items())))  # other key order
    payload["id"] = payload["id"].upper()
    payload["timestamp"] = "2024-01-02T04:04:05.678+01:00"
    jws = sign({"alg": "RS256", "x5c": x5c}, orjson.dumps(payload), key)
    received = signed(statement, jws) | {
        "stored": "2024-01-02T03:04:06Z",
        "authority": {"mbox": "mailto:lrs@example.com"},
        "version": "1.0.0",
    }
    verify_signature(received, jws)


def test_other_attachments_stay_part_of_the_statement(key: rsa.RSAPrivateKey) -> None:
    statement = unsigned_statement()
    statement["attachments"] = [
        {
            "usageType": "http://example.com/usage/essay",
            "display": {"en-US": "Essay"},
            "contentType": "text/plain",
            "length": 5,
            "sha2": "ab" * 32,
        }
    ]
    jws = sign({"alg": "RS256"}, orjson.dumps(statement), key)
    verify_signature(signed(statement, jws), jws)
    # signing without the essay attachment is a different statement
    bare = unsigned_statement()
    jws = sign({"alg": "RS256"}, orjson.dumps(bare), key)
    reject(signed(statement, jws), jws, "not the same statement")


def test_without_signature_does_not_mutate() -> None:
    statement = signed(unsigned_statement(), b"x.y.z")
    assert without_signature(statement) == unsigned_statement()
    assert len(statement["attachments"]) == 1


# --- rejected ------------------------------------------------------------------------


def test_tampered_payload_fails_the_certificate(key: rsa.RSAPrivateKey, x5c: list[str]) -> None:
    original = unsigned_statement()
    jws = sign({"alg": "RS256", "x5c": x5c}, orjson.dumps(original), key)
    header, _, signature = jws.split(b".")
    tampered = unsigned_statement()
    tampered["result"]["score"]["scaled"] = 1.0
    forged = header + b"." + b64url(orjson.dumps(tampered)) + b"." + signature
    # the payload matches the statement sent, but the signature no longer verifies
    reject(signed(tampered, forged), forged, "does not verify")


def test_payload_not_the_statement(key: rsa.RSAPrivateKey, x5c: list[str]) -> None:
    statement = unsigned_statement()
    jws = sign({"alg": "RS256", "x5c": x5c}, orjson.dumps(statement), key)
    sent = unsigned_statement()
    sent["result"]["score"]["scaled"] = 1.0
    reject(signed(sent, jws), jws, "not the same statement")


def test_wrong_certificate(key: rsa.RSAPrivateKey) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = certificate_for(other).public_bytes(serialization.Encoding.DER)
    statement = unsigned_statement()
    header = {"alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
    jws = sign(header, orjson.dumps(statement), key)
    reject(signed(statement, jws), jws, "does not verify")


def test_hs256_is_rejected() -> None:
    statement = unsigned_statement()
    signing_input = b64url(b'{"alg":"HS256","typ":"JWT"}') + b"." + b64url(orjson.dumps(statement))
    mac = hmac.new(b"secret", signing_input, hashlib.sha256).digest()
    jws = signing_input + b"." + b64url(mac)
    reject(signed(statement, jws), jws, "'HS256'")


@pytest.mark.parametrize(
    "header", [{"alg": "none"}, {"alg": "rs256"}, {"alg": "PS256"}, {"typ": "JWT"}, {"alg": 256}]
)
def test_other_algorithms_are_rejected(header: dict[str, Any], key: rsa.RSAPrivateKey) -> None:
    statement = unsigned_statement()
    signing_input = b64url(orjson.dumps(header)) + b"." + b64url(orjson.dumps(statement))
    jws = (
        signing_input + b"." + b64url(key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256()))
    )
    reject(signed(statement, jws), jws, "must be RS256, RS384 or RS512")


@pytest.mark.parametrize(
    ("jws", "fragment"),
    [
        (b"", "JWS Compact Serialization"),
        (b"garbage", "JWS Compact Serialization"),
        (b"a.b", "JWS Compact Serialization"),
        (b"a.b.c.d.e", "JWS Compact Serialization"),  # JWE / extra parts
        (b"a..c", "JWS Compact Serialization"),
        (b'{"payload":"x","signatures":[]}', "JWS Compact Serialization"),  # JSON serialization
        (b"ab+c.ZGVm.Z2hp", "not base64url"),
        (b"abcde.ZGVm.Z2hp", "not base64url"),
        (b"\xff\xfe.ZGVm.Z2hp", "not base64url"),
        (b64url(b"[1]") + b".ZGVm.Z2hp", "header is not a JSON object"),
        (b64url(b"{nope") + b".ZGVm.Z2hp", "header is not a JSON object"),
        (b64url(b'{"alg":"RS256"}') + b"." + b64url(b"not json") + b".Z2hp", "not a JSON"),
        (b64url(b'{"alg":"RS256"}') + b"." + b64url(b'["x"]') + b".Z2hp", "not a JSON"),
        (
            b64url(b'{"alg":"RS256"}') + b"." + b64url(b"{'actor': 1}") + b".Z2hp",
            "not a JSON",
        ),
    ],
)
def test_malformed_jws(jws: bytes, fragment: str) -> None:
    statement = unsigned_statement()
    reject(signed(statement, jws), jws, fragment)


def test_crit_header_is_rejected(key: rsa.RSAPrivateKey) -> None:
    statement = unsigned_statement()
    jws = sign({"alg": "RS256", "crit": ["exp"], "exp": 1}, orjson.dumps(statement), key)
    reject(signed(statement, jws), jws, "crit")


@pytest.mark.parametrize(
    ("x5c", "fragment"),
    [
        ([], "non-empty array"),
        ("MIIB", "non-empty array"),
        ([17], "non-empty array"),
        (["not base64!"], "unreadable"),
        ([base64.b64encode(b"not a certificate").decode()], "unreadable"),
    ],
)
def test_bad_x5c(x5c: Any, fragment: str, key: rsa.RSAPrivateKey) -> None:
    statement = unsigned_statement()
    jws = sign({"alg": "RS256", "x5c": x5c}, orjson.dumps(statement), key)
    reject(signed(statement, jws), jws, fragment)


def test_non_rsa_certificate(key: rsa.RSAPrivateKey) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    der = certificate_for(ec_key, signer=key).public_bytes(serialization.Encoding.DER)
    statement = unsigned_statement()
    jws = sign(
        {"alg": "RS256", "x5c": [base64.b64encode(der).decode()]}, orjson.dumps(statement), key
    )
    reject(signed(statement, jws), jws, "RSA key")
