"""Attachments and signed statements over real HTTP."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import uuid
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from lrs.xapi.multipart import build_multipart, parse_multipart
from tests.conftest import statement

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"


def attachment(data: bytes, content_type: str = "text/plain", **extra: Any) -> dict[str, Any]:
    return {
        "usageType": "http://example.org/attachment-usage/certificate",
        "display": {"en-US": "certificate"},
        "contentType": content_type,
        "length": len(data),
        "sha2": hashlib.sha256(data).hexdigest(),
        **extra,
    }


def multipart(body: Any, *parts: tuple[str, bytes], sha2: str | None = None) -> tuple[bytes, str]:
    return build_multipart(
        [
            ({"Content-Type": "application/json"}, json.dumps(body).encode()),
            *(
                (
                    {
                        "Content-Type": content_type,
                        "Content-Transfer-Encoding": "binary",
                        "X-Experience-API-Hash": sha2 or hashlib.sha256(data).hexdigest(),
                    },
                    data,
                )
                for content_type, data in parts
            ),
        ]
    )


def test_multipart_statement_with_attachment_round_trips(client: httpx.Client) -> None:
    data = b"BLS certificate \x00\xff binary"
    body = statement(attachments=[attachment(data, "application/octet-stream")])
    payload, content_type = multipart(body, ("application/octet-stream", data))
    response = client.post("/statements", content=payload, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    (statement_id,) = response.json()

    plain = client.get("/statements", params={"statementId": statement_id})
    assert plain.headers["content-type"].startswith("application/json")

    fetched = client.get("/statements", params={"statementId": statement_id, "attachments": "true"})
    assert fetched.status_code == 200
    parts = parse_multipart(fetched.content, fetched.headers["content-type"])
    assert json.loads(parts[0].body)["id"] == statement_id
    assert parts[1].body == data
    assert parts[1].headers["x-experience-api-hash"] == hashlib.sha256(data).hexdigest()


def test_query_with_attachments_true_is_multipart(client: httpx.Client) -> None:
    data = b"quiz export"
    activity = f"http://example.org/activities/{uuid.uuid4()}"
    body = statement(activity, attachments=[attachment(data)])
    payload, content_type = multipart(body, ("text/plain", data))
    assert client.post(
        "/statements", content=payload, headers={"Content-Type": content_type}
    ).is_success
    response = client.get("/statements", params={"activity": activity, "attachments": "true"})
    parts = parse_multipart(response.content, response.headers["content-type"])
    assert len(json.loads(parts[0].body)["statements"]) == 1
    assert [p.body for p in parts[1:]] == [data]


def test_file_url_attachments_need_no_part(client: httpx.Client) -> None:
    body = statement(
        attachments=[attachment(b"elsewhere", fileUrl="https://files.example.org/cert.pdf")]
    )
    assert client.post("/statements", json=body).status_code == 200


def test_attachment_without_data_or_file_url_is_400(client: httpx.Client) -> None:
    body = statement(attachments=[attachment(b"missing")])
    response = client.post("/statements", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["path"] == "$.attachments[0].sha2"


def test_part_whose_data_does_not_match_its_hash_is_400(client: httpx.Client) -> None:
    data = b"real data"
    body = statement(attachments=[attachment(data)])
    payload, content_type = multipart(
        body, ("text/plain", b"other data"), sha2=hashlib.sha256(data).hexdigest()
    )
    response = client.post("/statements", content=payload, headers={"Content-Type": content_type})
    assert response.status_code == 400


def test_part_no_statement_refers_to_is_400(client: httpx.Client) -> None:
    payload, content_type = multipart(statement(), ("text/plain", b"stray"))
    response = client.post("/statements", content=payload, headers={"Content-Type": content_type})
    assert response.status_code == 400


# -- signed statements ------------------------------------------------------------------------


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def signing_material() -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Simulation Lab")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, certificate.public_bytes(serialization.Encoding.DER)


def sign(key: rsa.RSAPrivateKey, certificate: bytes, payload: dict[str, Any]) -> bytes:
    header = {"alg": "RS256", "x5c": [base64.b64encode(certificate).decode()]}
    signing_input = _b64(json.dumps(header).encode()) + b"." + _b64(json.dumps(payload).encode())
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return signing_input + b"." + _b64(signature)


def signed_request(original: dict[str, Any], jws: bytes) -> tuple[bytes, str]:
    body = {
        **original,
        "attachments": [
            {
                "usageType": SIGNATURE,
                "display": {"en-US": "signature"},
                "contentType": "application/octet-stream",
                "length": len(jws),
                "sha2": hashlib.sha256(jws).hexdigest(),
            }
        ],
    }
    return multipart(body, ("application/octet-stream", jws))


def test_signed_statement_is_accepted(client: httpx.Client) -> None:
    key, certificate = signing_material()
    original = statement(id=str(uuid.uuid4()))
    payload, content_type = signed_request(original, sign(key, certificate, original))
    response = client.post("/statements", content=payload, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text


def test_signature_over_other_content_is_400(client: httpx.Client) -> None:
    key, certificate = signing_material()
    original = statement(id=str(uuid.uuid4()))
    tampered = {**original, "result": {"success": True}}
    payload, content_type = signed_request(tampered, sign(key, certificate, original))
    response = client.post("/statements", content=payload, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert client.get("/statements", params={"statementId": original["id"]}).status_code == 404


def test_signature_by_another_key_is_400(client: httpx.Client) -> None:
    key, _ = signing_material()
    _, certificate = signing_material()
    original = statement(id=str(uuid.uuid4()))
    payload, content_type = signed_request(original, sign(key, certificate, original))
    response = client.post("/statements", content=payload, headers={"Content-Type": content_type})
    assert response.status_code == 400
