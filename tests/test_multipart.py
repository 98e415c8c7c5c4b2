"""multipart/mixed parsing and building (lrs.xapi.multipart)."""

from __future__ import annotations

import os
import time

import pytest

from lrs.errors import BadRequest
from lrs.xapi.multipart import (
    Part,
    build_multipart,
    content_type_params,
    media_type,
    parse_multipart,
)

CT = "multipart/mixed; boundary=-------314159265358979323846"
B = b"-------314159265358979323846"


def body(*chunks: bytes) -> bytes:
    return b"".join(chunks)


def test_spec_example_with_quoted_boundary_and_leading_crlf() -> None:
    # xAPI 1.0.3 Communication 1.5.2 example: quoted boundary with special characters,
    # headers without a space after the colon, body opening with a blank line.
    boundary = b"abcABC0123'()+_,-./:=?"
    raw = (
        b"\r\n--" + boundary + b"\r\n"
        b"Content-Type:application/json\r\n\r\n"
        b'{"a": 1}\r\n'
        b"--" + boundary + b"\r\n"
        b"Content-Type:text/plain\r\n"
        b"Content-Transfer-Encoding:binary\r\n"
        b"X-Experience-API-Hash:495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a\r\n"
        b"\r\n"
        b"here is a simple attachment\r\n"
        b"--" + boundary + b"--"
    )
    parts = parse_multipart(raw, 'multipart/mixed; boundary="abcABC0123\'()+_,-./:=?"')
    assert parts == [
        Part(headers={"content-type": "application/json"}, body=b'{"a": 1}'),
        Part(
            headers={
                "content-type": "text/plain",
                "content-transfer-encoding": "binary",
                "x-experience-api-hash": (
                    "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"
                ),
            },
            body=b"here is a simple attachment",
        ),
    ]


def test_preamble_epilogue_padding_and_header_case() -> None:
    raw = body(
        b"This is a preamble.\r\nIt is ignored.\r\n",
        b"--",
        B,
        b" \t\r\n",  # transport padding after the delimiter
        b"CONTENT-TYPE:   application/json; charset=utf-8  \r\n\r\n",
        b"[]",
        b"\r\n--",
        B,
        b"--\r\nepilogue, ignored\r\n",
    )
    assert parse_multipart(raw, CT) == [
        Part(headers={"content-type": "application/json; charset=utf-8"}, body=b"[]")
    ]


def test_body_keeps_its_own_crlfs_and_binary_octets() -> None:
    data = bytes(range(256)) + b"\r\n\r\n--" + B[:-1] + b"\r\n"
    raw = body(b"--", B, b"\r\nA: 1\r\n\r\n", data, b"\r\n--", B, b"--")
    assert parse_multipart(raw, CT) == [Part(headers={"a": "1"}, body=data)]


def test_boundary_as_prefix_of_a_longer_line_is_not_a_delimiter() -> None:
    raw = body(b"--", B, b"\r\n\r\nx\r\n--", B, b"x more\r\ny\r\n--", B, b"--")
    assert parse_multipart(raw, CT) == [Part(headers={}, body=b"x\r\n--" + B + b"x more\r\ny")]


def test_part_without_headers_and_empty_parts() -> None:
    raw = body(b"--", B, b"\r\n\r\nno headers\r\n--", B, b"\r\n--", B, b"\r\n\r\n\r\n--", B, b"--")
    assert parse_multipart(raw, CT) == [
        Part(headers={}, body=b"no headers"),
        Part(headers={}, body=b""),
        Part(headers={}, body=b""),
    ]


def test_only_closing_delimiter_gives_no_parts() -> None:
    assert parse_multipart(b"--" + B + b"--\r\n", CT) == []


def test_bare_lf_framing_is_accepted() -> None:
    raw = body(
        b"--", B, b"\nContent-Type: application/json\n\n{}\n--", B, b"\nA: b\n\nx\r\n--", B, b"--\n"
    )
    assert parse_multipart(raw, CT) == [
        Part(headers={"content-type": "application/json"}, body=b"{}"),
        Part(headers={"a": "b"}, body=b"x\r"),
    ]


def test_folded_and_repeated_headers() -> None:
    raw = body(b"--", B, b"\r\nX-A: one\r\n  two\r\nX-B: 1\r\nx-b: 2\r\n\r\nbody\r\n--", B, b"--")
    assert parse_multipart(raw, CT) == [
        Part(headers={"x-a": "one two", "x-b": "1, 2"}, body=b"body")
    ]


@pytest.mark.parametrize(
    ("content_type", "boundary"),
    [
        ("multipart/mixed; boundary=abc", "abc"),
        ("Multipart/Mixed;BOUNDARY=abc", "abc"),
        ('multipart/mixed; boundary="a;b c"; charset=x', "a;b c"),
        ('multipart/mixed; charset="x;y"; boundary=abc ', "abc"),
        ('multipart/mixed; boundary="a\\"b"', 'a"b'),
    ],
)
def test_boundary_parameter_forms(content_type: str, boundary: str) -> None:
    assert media_type(content_type) == "multipart/mixed"
    assert content_type_params(content_type)["boundary"] == boundary
    raw = b"--" + boundary.encode() + b"\r\n\r\nx\r\n--" + boundary.encode() + b"--"
    assert parse_multipart(raw, content_type) == [Part(headers={}, body=b"x")]


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        ("multipart/mixed", "no boundary parameter"),
        ("multipart/mixed;", "no boundary parameter"),
        ("multipart/mixed; charset=utf-8", "no boundary parameter"),
        ('multipart/mixed; boundary=""', "boundary is empty"),
        ("multipart/form-data; boundary=-------314159265358979323846", "expected Content-Type"),
        ("application/json", "expected Content-Type"),
        ('multipart/mixed; boundary="a\tb"', "outside printable ASCII"),
    ],
)
def test_bad_content_type(content_type: str, message: str) -> None:
    raw = body(b"--", B, b"\r\n\r\nx\r\n--", B, b"--")
    with pytest.raises(BadRequest) as err:
        parse_multipart(raw, content_type)
    assert message in err.value.message
    assert err.value.path == "Content-Type"


def test_no_delimiter_at_all() -> None:
    # ADL suite XAPI-00131: body without the opening boundary line.
    with pytest.raises(BadRequest) as err:
        parse_multipart(b'Content-Type: application/json\r\n\r\n{"a":1}\r\n', CT)
    assert err.value.path == "body"
    assert "no delimiter" in err.value.message


def test_missing_opening_boundary_turns_text_into_a_preamble() -> None:
    # Same XAPI-00131 body, with a later attachment part: the JSON becomes preamble, so
    # the statements part disappears (split_statement_request then rejects the request).
    raw = body(
        b'Content-Type: application/json\r\n\r\n{"a":1}\r\n--',
        B,
        b"\r\nContent-Type: text/plain\r\n\r\nx\r\n--",
        B,
        b"--\r\n",
    )
    assert parse_multipart(raw, CT) == [Part(headers={"content-type": "text/plain"}, body=b"x")]


def test_no_closing_delimiter() -> None:
    raw = body(b"--", B, b"\r\nContent-Type: application/json\r\n\r\n{}\r\n--", B, b"\r\n\r\nx")
    with pytest.raises(BadRequest) as err:
        parse_multipart(raw, CT)
    assert err.value.path == "body"
    assert "no closing delimiter" in err.value.message
    assert "part[1]" in err.value.message


def test_truncated_after_first_delimiter() -> None:
    with pytest.raises(BadRequest) as err:
        parse_multipart(b"--" + B + b"\r\nContent-Type: application/json\r\n\r\n{}", CT)
    assert "no closing delimiter" in err.value.message


def test_part_without_blank_line_after_headers() -> None:
    raw = body(
        b"--", B, b"\r\nA: 1\r\n\r\nok\r\n--", B, b"\r\nContent-Type: text/plain\r\n--", B, b"--"
    )
    with pytest.raises(BadRequest) as err:
        parse_multipart(raw, CT)
    assert err.value.path == "part[1]"
    assert "no blank line" in err.value.message


def test_malformed_header_line() -> None:
    raw = body(
        b"--", B, b"\r\nContent-Type: application/json\r\nnot a header\r\n\r\n{}\r\n--", B, b"--"
    )
    with pytest.raises(BadRequest) as err:
        parse_multipart(raw, CT)
    assert err.value.path == "part[0]"
    assert "malformed header line" in err.value.message


def test_leading_continuation_line() -> None:
    raw = body(b"--", B, b"\r\n folded: x\r\n\r\n{}\r\n--", B, b"--")
    with pytest.raises(BadRequest) as err:
        parse_multipart(raw, CT)
    assert err.value.path == "part[0]"


def test_non_utf8_header() -> None:
    raw = body(b"--", B, b"\r\nA: \xff\r\n\r\n{}\r\n--", B, b"--")
    with pytest.raises(BadRequest) as err:
        parse_multipart(raw, CT)
    assert err.value.path == "part[0]"
    assert "UTF-8" in err.value.message


def test_mixed_line_endings() -> None:
    raw = body(b"--", B, b"\r\n\r\nx\r\n--", B, b"\n\nx\r\n--", B, b"--")
    with pytest.raises(BadRequest) as err:
        parse_multipart(raw, CT)
    assert "mixes CRLF and bare LF" in err.value.message


def test_build_then_parse_round_trip() -> None:
    parts = [
        ({"Content-Type": "application/json"}, b'{"x": 1}'),
        (
            {"Content-Type": "application/octet-stream", "X-Experience-API-Hash": "ab"},
            os.urandom(4096),
        ),
        ({}, b""),
    ]
    raw, content_type = build_multipart(parts)
    assert content_type.startswith("multipart/mixed; boundary=")
    assert raw.startswith(b"--")
    assert raw.endswith(b"--\r\n")
    assert parse_multipart(raw, content_type) == [
        Part(headers={k.lower(): v for k, v in headers.items()}, body=data)
        for headers, data in parts
    ]


def test_build_exact_bytes() -> None:
    raw, content_type = build_multipart([({"Content-Type": "text/plain"}, b"hi")])
    boundary = content_type.split("boundary=", 1)[1].encode()
    assert (
        raw
        == b"--" + boundary + b"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--" + boundary + b"--\r\n"
    )


def test_build_boundary_avoids_part_content(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = iter(["0" * 32, "1" * 32])
    monkeypatch.setattr("lrs.xapi.multipart.secrets.token_hex", lambda _n: next(tokens))
    raw, content_type = build_multipart([({}, b"text xapi-" + b"0" * 32 + b" text")])
    assert content_type == "multipart/mixed; boundary=xapi-" + "1" * 32
    assert parse_multipart(raw, content_type) == [
        Part(headers={}, body=b"text xapi-" + b"0" * 32 + b" text")
    ]


def test_build_rejects_header_injection() -> None:
    with pytest.raises(ValueError):
        build_multipart([({"A": "x\r\nB: y"}, b"")])


def test_large_body_is_fast() -> None:
    big = os.urandom(8 * 1024 * 1024)
    raw, content_type = build_multipart(
        [({"Content-Type": "application/json"}, b"{}")]
        + [({"Content-Type": "application/octet-stream"}, big) for _ in range(4)]
    )
    started = time.perf_counter()
    parts = parse_multipart(raw, content_type)
    elapsed = time.perf_counter() - started
    assert [len(p.body) for p in parts] == [2] + [len(big)] * 4
    assert parts[3].body == big
    assert elapsed < 1.0
