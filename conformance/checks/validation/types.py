"""Data 2.4.7 and 4.5 (timestamps), 2.4.10 (version), 2.4.11 (attachment objects),
4.1 (extensions) and 4.2 (language maps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.context import Context, expect
from conformance.examples import DROP, check_examples, invalid, valid
from conformance.registry import V1, V2, requirement
from conformance.util import format_timestamp, need_timestamp

EXT = "http://conformance.example.org/extensions/"
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"


@requirement(
    "Data 4.5",
    "timestamp-format",
    "A Timestamp MUST be formatted according to ISO 8601 (RFC 3339 in 2.0)",
)
def timestamp_format(ctx: Context) -> None:
    good = [
        "2015-11-18T12:17:00Z",
        "2015-11-18T12:17:00.123Z",
        "2015-11-18T12:17:00.123456Z",
        "2015-11-18T14:17:00.120+02:00",
        "2015-11-18T07:17:00-05:00",
    ]
    bad = [
        "2015-11-18",
        "not a timestamp",
        "2015-13-01T00:00:00Z",
        "2015-11-31T00:00:00Z",
        "2015-11-18T25:00:00Z",
        "18/11/2015 12:17:00",
        "2015-11-18T12:17:00.123Z extra",
    ]
    examples = [valid(f"timestamp {t}", {"timestamp": t}) for t in good]
    examples += [invalid(f"timestamp {t!r}", {"timestamp": t}) for t in bad]
    check_examples(ctx, examples)


@requirement(
    "Data 2.4.7",
    "timestamp-future-accepted",
    "The LRS SHOULD* NOT reject a timestamp for having a greater value than the current time "
    "(2.0: not if slightly in the future [s12])",
)
def timestamp_future_accepted(ctx: Context) -> None:
    soon = format_timestamp(datetime.now(UTC) + timedelta(seconds=30))
    check_examples(ctx, [valid("timestamp 30 s ahead", {"timestamp": soon})])


@requirement(
    "Data 2.4.10",
    "version-accepted-1.0",
    'An LRS MUST accept Statements whose version starts with "1.0." and reject any other version',
    versions=V1,
)
def version_accepted_1_0(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("version 1.0.0", {"version": "1.0.0"}),
            valid("version 1.0.3", {"version": "1.0.3"}),
            valid("version 1.0.9", {"version": "1.0.9"}),
            invalid("version 0.95", {"version": "0.95"}),
            invalid("version 1.1.0", {"version": "1.1.0"}),
            invalid("version 3.0.0", {"version": "3.0.0"}),
            invalid("version abc", {"version": "abc"}),
            invalid("version as number", {"version": 1.0}),
        ],
    )


@requirement(
    "Data 2.4.10",
    "version-accepted-2.0",
    'An LRS MUST accept Statements whose version starts with "2.0." and reject unknown versions',
    versions=V2,
)
def version_accepted_2_0(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            valid("version 2.0.0", {"version": "2.0.0"}),
            invalid("version 0.95", {"version": "0.95"}),
            invalid("version 3.0.0", {"version": "3.0.0"}),
            invalid("version abc", {"version": "abc"}),
            invalid("version as number", {"version": 2}),
        ],
    )


def _attachment(**changes: Any) -> dict[str, Any]:
    attachment: dict[str, Any] = {
        "usageType": "http://conformance.example.org/usage/certificate",
        "display": {"en-US": "Certificate"},
        "description": {"en-US": "A certificate of completion"},
        "contentType": "application/pdf",
        "length": 12345,
        "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a",
        "fileUrl": "https://conformance.example.org/files/certificate.pdf",
    }
    for key, value in changes.items():
        if value is DROP:
            attachment.pop(key, None)
        else:
            attachment[key] = value
    return attachment


@requirement(
    "Data 2.4.11",
    "attachment-object",
    "An Attachment MUST have usageType (IRI), display (Language Map), contentType, length "
    "(integer) and sha2; description is a Language Map and fileUrl an IRL",
)
def attachment_object(ctx: Context) -> None:
    def with_attachment(**changes: Any) -> dict[str, Any]:
        return {"attachments": [_attachment(**changes)]}

    check_examples(
        ctx,
        [
            valid("attachment with fileUrl", with_attachment()),
            valid("attachment without description", with_attachment(description=DROP)),
            invalid("without usageType", with_attachment(usageType=DROP)),
            invalid("without display", with_attachment(display=DROP)),
            invalid("without contentType", with_attachment(contentType=DROP)),
            invalid("without length", with_attachment(length=DROP)),
            invalid("without sha2", with_attachment(sha2=DROP)),
            invalid("usageType not an IRI", with_attachment(usageType="certificate")),
            invalid("display as string", with_attachment(display="Certificate")),
            invalid("description as string", with_attachment(description="A certificate")),
            invalid("length as string", with_attachment(length="12345")),
            invalid("length not an integer", with_attachment(length=1.5)),
            invalid("sha2 as number", with_attachment(sha2=12345)),
            invalid("fileUrl not an IRL", with_attachment(fileUrl="not a url")),
            invalid("unknown property", with_attachment(foo="bar")),
            invalid("attachments not an array", {"attachments": _attachment()}),
        ],
    )


@requirement(
    "Data 4.1",
    "extension-values-any",
    "The LRS MUST NOT reject a Statement based on the values of the extensions map",
)
def extension_values_any(ctx: Context) -> None:
    values: list[Any] = [
        None,
        0,
        -1.5,
        "",
        "text",
        True,
        [],
        [1, "a", None],
        {},
        {"deep": {"er": [{}]}},
    ]
    examples = [
        valid(f"result extension value {value!r}", {"result": {"extensions": {EXT + "v": value}}})
        for value in values
    ]
    examples.append(
        valid(
            "context extension with empty key object",
            {"context": {"extensions": {EXT + "o": {"": 1}}}},
        )
    )
    examples.append(
        valid("activity extension list", {"object.definition.extensions": {EXT + "l": [[], {}]}})
    )
    check_examples(ctx, examples)


@requirement(
    "Data 4.1",
    "extension-keys-iri",
    "The keys of an extensions map MUST be IRIs",
)
def extension_keys_iri(ctx: Context) -> None:
    check_examples(
        ctx,
        [
            invalid("result extension key 'score'", {"result": {"extensions": {"score": 1}}}),
            invalid("context extension key ''", {"context": {"extensions": {"": 1}}}),
            invalid(
                "activity extension key 'level'", {"object.definition.extensions": {"level": 1}}
            ),
            invalid("extensions as array", {"result": {"extensions": [1]}}),
        ],
    )


@requirement(
    "Data 4.2",
    "language-map-keys",
    "The LRS MUST at least validate that the sequence of token lengths of language map keys "
    "matches RFC 5646",
)
def language_map_keys(ctx: Context) -> None:
    good = ["en", "en-US", "zh-Hans-CN", "es-419", "de-CH-1901", "sr-Latn-RS", "tlh"]
    bad = ["", "e", "en-", "-en", "en--US", "toolonglanguagetag", "en-US-abcdefghi", "en_US", "12"]
    examples = [valid(f"key {k!r}", {"verb.display": {k: "tested"}}) for k in good]
    examples += [invalid(f"key {k!r}", {"verb.display": {k: "tested"}}) for k in bad]
    examples.append(invalid("bad key in activity name", {"object.definition.name": {"en-": "x"}}))
    examples.append(
        invalid("bad key in attachment display", {"attachments": [_attachment(display={"e": "x"})]})
    )
    check_examples(ctx, examples)


@requirement(
    "Data 2.4.8",
    "stored-overwritten",
    'The "stored" property MUST be set by the LRS, overwriting any value in the received Statement',
)
def stored_overwritten(ctx: Context) -> None:
    old = "2001-01-01T00:00:00.000Z"
    statement_id = ctx.uuid()
    ctx.lrs.store(ctx.statement(id=statement_id, stored=old))
    stored = ctx.lrs.fetch_statement(statement_id)
    expect(stored.get("stored") not in (None, old), f"stored came back as {stored.get('stored')!r}")


@requirement(
    "Data 2.4.7",
    "timestamp-utc-2.0",
    "The LRS MUST convert a timestamp that is not in UTC to UTC, keeping the instant (2.0 [s19-s22])",
    versions=V2,
)
def timestamp_utc_2_0(ctx: Context) -> None:
    _check_utc(ctx)


@requirement(
    "Data 4.5",
    "timestamp-utc-1.0",
    "The LRS SHOULD* return the Timestamp in UTC, keeping the instant",
    versions=V1,
)
def timestamp_utc_1_0(ctx: Context) -> None:
    _check_utc(ctx)


def _check_utc(ctx: Context) -> None:
    statement_id = ctx.uuid()
    ctx.lrs.store(ctx.statement(id=statement_id, timestamp="2015-11-18T14:17:00.123+02:00"))
    returned = ctx.lrs.fetch_statement(statement_id).get("timestamp")
    moment = need_timestamp(returned, "timestamp")
    expect(
        moment == datetime(2015, 11, 18, 12, 17, 0, 123000, tzinfo=UTC),
        f"timestamp 2015-11-18T14:17:00.123+02:00 came back as another instant: {returned!r}",
    )
    expect(
        isinstance(returned, str) and (returned.endswith(("Z", "z", "+00:00"))),
        f"timestamp came back not in UTC: {returned!r}",
    )


@requirement(
    "Data 4.5",
    "timestamp-precision",
    "A Timestamp MUST preserve precision to at least milliseconds (it MAY be truncated or rounded "
    "beyond)",
)
def timestamp_precision(ctx: Context) -> None:
    statement_id = ctx.uuid()
    ctx.lrs.store(ctx.statement(id=statement_id, timestamp="2015-11-18T12:17:00.123456Z"))
    returned = ctx.lrs.fetch_statement(statement_id).get("timestamp")
    moment = need_timestamp(returned, "timestamp")
    sent = datetime(2015, 11, 18, 12, 17, 0, 123456, tzinfo=UTC)
    expect(
        abs((moment - sent).total_seconds()) < 0.001, f"timestamp .123456 came back as {returned!r}"
    )
