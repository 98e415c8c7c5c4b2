"""Attachment parts of statement requests (lrs.xapi.attachments)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from lrs.errors import BadRequest
from lrs.xapi.attachments import (
    attachment_hashes,
    check_attachments,
    sha2_hex,
    split_statement_request,
)
from lrs.xapi.multipart import Part, build_multipart, parse_multipart

TEXT = b"here is a simple attachment"
TEXT_SHA = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"
OTHER = b"another attachment"
OTHER_SHA = hashlib.sha256(OTHER).hexdigest()
JSON_PART = Part(headers={"content-type": "application/json"}, body=b"{}")


def attachment(sha2: str, file_url: str | None = None) -> dict[str, Any]:
    att: dict[str, Any] = {
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en-US": "A test attachment"},
        "contentType": "text/plain",
        "length": 27,
        "sha2": sha2,
    }
    if file_url is not None:
        att["fileUrl"] = file_url
    return att


def statement(
    *attachments: dict[str, Any], sub: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    st: dict[str, Any] = {
        "actor": {"mbox": "mailto:a@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": "http://example.com/a"},
    }
    if attachments:
        st["attachments"] = list(attachments)
    if sub is not None:
        st["object"] = {
            "objectType": "SubStatement",
            "actor": {"mbox": "mailto:b@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
            "object": {"id": "http://example.com/b"},
            "attachments": sub,
        }
    return st


def data_part(data: bytes, sha2: str | None, **headers: str) -> Part:
    h = {"content-type": "text/plain", "content-transfer-encoding": "binary"}
    if sha2 is not None:
        h["x-experience-api-hash"] = sha2
    h.update({k.replace("_", "-"): v for k, v in headers.items()})
    return Part(headers=h, body=data)


def test_sha2_hex() -> None:
    assert sha2_hex(TEXT) == TEXT_SHA
    assert sha2_hex(TEXT, 128) == hashlib.sha512(TEXT).hexdigest()
    with pytest.raises(ValueError):
        sha2_hex(TEXT, 40)


# split_statement_request


def test_split_spec_example_end_to_end() -> None:
    raw, content_type = build_multipart(
        [
            ({"Content-Type": "application/json"}, b'{"id": 1}'),
            (
                {
                    "Content-Type": "text/plain",
                    "Content-Transfer-Encoding": "binary",
                    "X-Experience-API-Hash": TEXT_SHA,
                },
                TEXT,
            ),
        ]
    )
    assert split_statement_request(parse_multipart(raw, content_type)) == (
        b'{"id": 1}',
        {TEXT_SHA: ("text/plain", TEXT)},
    )


def test_split_only_statements() -> None:
    first = Part(headers={"content-type": "application/json; charset=UTF-8"}, body=b"[]")
    assert split_statement_request([first]) == (b"[]", {})


def test_split_normalises_hash_case_and_defaults() -> None:
    part = Part(headers={"x-experience-api-hash": " " + TEXT_SHA.upper() + " "}, body=TEXT)
    # No Content-Transfer-Encoding: assumed binary (Communication 1.5.2, LRS SHOULD).
    # No Content-Type: application/octet-stream.
    assert split_statement_request([JSON_PART, part]) == (
        b"{}",
        {TEXT_SHA: ("application/octet-stream", TEXT)},
    )


def test_split_accepts_sha384_and_sha512() -> None:
    sha384 = hashlib.sha384(TEXT).hexdigest()
    sha512 = hashlib.sha512(OTHER).hexdigest()
    _, data = split_statement_request(
        [JSON_PART, data_part(TEXT, sha384), data_part(OTHER, sha512)]
    )
    assert data == {sha384: ("text/plain", TEXT), sha512: ("text/plain", OTHER)}


def test_split_same_attachment_twice() -> None:
    _, data = split_statement_request(
        [JSON_PART, data_part(TEXT, TEXT_SHA), data_part(TEXT, TEXT_SHA)]
    )
    assert data == {TEXT_SHA: ("text/plain", TEXT)}


def test_split_no_parts() -> None:
    with pytest.raises(BadRequest) as err:
        split_statement_request([])
    assert err.value.path == "part[0]"


@pytest.mark.parametrize(
    "headers",
    [{}, {"content-type": "text/plain"}, {"content-type": "application/jsonx"}],
)
def test_split_first_part_not_json(headers: dict[str, str]) -> None:
    # ADL suite XAPI-00134.
    with pytest.raises(BadRequest) as err:
        split_statement_request([Part(headers=headers, body=b"{}"), data_part(TEXT, TEXT_SHA)])
    assert err.value.path == "part[0]"
    assert "application/json" in err.value.message


def test_split_missing_hash_header() -> None:
    # ADL suite XAPI-00132; also XAPI-00133 (statements split over two JSON parts).
    with pytest.raises(BadRequest) as err:
        split_statement_request([JSON_PART, JSON_PART])
    assert err.value.path == "part[1]"
    assert "X-Experience-API-Hash" in err.value.message


def test_split_hash_does_not_match_data() -> None:
    # ADL suite XAPI-00132, "X-Experience-API-Hash does not match sha2".
    wrong = "b018994f8bbe0f08992a65c48c8c8c56f09e9baceaa6227ed85c90ae52b73c89"
    with pytest.raises(BadRequest) as err:
        split_statement_request([JSON_PART, data_part(TEXT, TEXT_SHA), data_part(TEXT, wrong)])
    assert err.value.path == "part[2]"
    assert f"hash to {TEXT_SHA}" in err.value.message


@pytest.mark.parametrize("declared", ["", "xyz", TEXT_SHA[:-1], TEXT_SHA + "0", "g" * 64])
def test_split_malformed_hash(declared: str) -> None:
    with pytest.raises(BadRequest) as err:
        split_statement_request([JSON_PART, data_part(TEXT, declared)])
    assert err.value.path == "part[1]"
    assert "not a hex SHA-256" in err.value.message


@pytest.mark.parametrize("encoding", ["base64", "8bit", "quoted-printable"])
def test_split_transfer_encoding_not_binary(encoding: str) -> None:
    # ADL suite XAPI-00135.
    with pytest.raises(BadRequest) as err:
        split_statement_request(
            [JSON_PART, data_part(TEXT, TEXT_SHA, content_transfer_encoding=encoding)]
        )
    assert err.value.path == "part[1]"
    assert "Content-Transfer-Encoding" in err.value.message


def test_split_transfer_encoding_binary_any_case() -> None:
    part = data_part(TEXT, TEXT_SHA, content_transfer_encoding=" BINARY ")
    assert split_statement_request([JSON_PART, part])[1] == {TEXT_SHA: ("text/plain", TEXT)}


# check_attachments


def test_check_matching_parts_batch() -> None:
    statements = [
        statement(attachment(TEXT_SHA)),
        statement(attachment(OTHER_SHA), attachment(TEXT_SHA)),
        statement(),
    ]
    parts = {TEXT_SHA: ("text/plain", TEXT), OTHER_SHA: ("text/plain", OTHER)}
    check_attachments(statements, parts, batch=True)


def test_check_file_url_needs_no_part() -> None:
    check_attachments([statement(attachment(TEXT_SHA, "http://over.there.com/file.txt"))], {})


def test_check_file_url_with_part_is_fine() -> None:
    check_attachments(
        [statement(attachment(TEXT_SHA, "http://over.there.com/file.txt"))],
        {TEXT_SHA: ("text/plain", TEXT)},
    )


def test_check_sha2_case_insensitive() -> None:
    check_attachments([statement(attachment(TEXT_SHA.upper()))], {TEXT_SHA: ("text/plain", TEXT)})


def test_check_no_attachments_no_parts() -> None:
    check_attachments([statement(), statement()], {}, batch=True)


def test_check_missing_part_batch_path() -> None:
    # ADL suite XAPI-00129: two attachments, only one part.
    statements = [statement(), statement(attachment(TEXT_SHA), attachment(OTHER_SHA))]
    with pytest.raises(BadRequest) as err:
        check_attachments(statements, {TEXT_SHA: ("text/plain", TEXT)}, batch=True)
    assert err.value.path == "$[1].attachments[1].sha2"
    assert OTHER_SHA in err.value.message


def test_check_missing_part_single_statement_path() -> None:
    with pytest.raises(BadRequest) as err:
        check_attachments(
            [statement(attachment(TEXT_SHA), attachment(OTHER_SHA))],
            {TEXT_SHA: ("text/plain", TEXT)},
            batch=False,
        )
    assert err.value.path == "$.attachments[1].sha2"


def test_check_json_request_without_file_url() -> None:
    with pytest.raises(BadRequest) as err:
        check_attachments([statement(attachment(TEXT_SHA))], {}, batch=False)
    assert err.value.path == "$.attachments[0].sha2"
    assert "multipart/mixed" in err.value.message


def test_check_extra_part() -> None:
    # ADL suite XAPI-00128: a part that no attachment references.
    with pytest.raises(BadRequest) as err:
        check_attachments(
            [statement(attachment(TEXT_SHA))],
            {TEXT_SHA: ("text/plain", TEXT), OTHER_SHA: ("text/plain", OTHER)},
        )
    assert err.value.path == "X-Experience-API-Hash"
    assert OTHER_SHA in err.value.message


def test_check_extra_part_without_any_attachment() -> None:
    with pytest.raises(BadRequest):
        check_attachments([statement()], {TEXT_SHA: ("text/plain", TEXT)})


def test_check_substatement_attachments_count() -> None:
    parts = {TEXT_SHA: ("text/plain", TEXT)}
    check_attachments([statement(sub=[attachment(TEXT_SHA)])], parts, batch=False)
    with pytest.raises(BadRequest) as err:
        check_attachments([statement(sub=[attachment(OTHER_SHA)])], parts, batch=True)
    assert err.value.path == "$[0].object.attachments[0].sha2"


def test_check_skips_malformed_entries() -> None:
    # Shapes the statement validator rejects do not crash this check.
    st = statement()
    st["attachments"] = [42, "x", {"sha2": 5}, {"usageType": "http://x"}]
    check_attachments([st], {})
    st["attachments"] = {"sha2": TEXT_SHA}
    check_attachments([st], {})


# attachment_hashes


def test_attachment_hashes() -> None:
    st = statement(
        attachment(TEXT_SHA),
        attachment(OTHER_SHA.upper(), "http://x.example/f"),
        attachment(TEXT_SHA),
        sub=[attachment("ab" * 32)],
    )
    st["attachments"].append({"sha2": None})
    assert attachment_hashes(st) == [TEXT_SHA, OTHER_SHA, "ab" * 32]
    assert attachment_hashes(statement()) == []
