"""parse_message: lenient parsing of real-world (and hostile) raw messages."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inboxwatch.errors import MessageParseError
from inboxwatch.parsing.mime import ParsedMessage, decode_header_text, parse_message
from tests.corpus.nasty import HU_TEXT, NASTY, message

HEADERS = [
    ("From", '"Smith, John" <John.Smith@Example.COM>'),
    ("To", "va@assistant.example, Other <other@x.example>"),
    ("Cc", "=?utf-8?Q?B=C3=A9la?= <bela@x.example>"),
    ("Subject", "Re: March   invoice\r\n  follow-up"),
    ("Date", "Tue, 3 Mar 2026 10:12:00 +0100"),
    ("Message-ID", " <m1@example.com> "),
    ("In-Reply-To", "<m0@example.com> (John's message)"),
    ("References", "<a@x> <m0@example.com>\r\n <a@x>"),
]


def parse(name: str) -> ParsedMessage:
    return parse_message(NASTY[name])


def test_plain_message_headers() -> None:
    body = b"Please send it today.\r\n\r\nOn Mon, Anna <a@b> wrote:\r\n> old\r\n"
    parsed = parse_message(message(HEADERS, body))
    assert parsed.message_id == "m1@example.com"
    assert parsed.in_reply_to == "m0@example.com"
    assert parsed.references == ("a@x", "m0@example.com")
    assert parsed.subject == "Re: March invoice follow-up"
    assert (parsed.from_name, parsed.from_addr) == ("Smith, John", "john.smith@example.com")
    assert parsed.to_addrs == ("va@assistant.example", "other@x.example")
    assert parsed.cc_addrs == ("bela@x.example",)
    assert parsed.date == datetime(2026, 3, 3, 9, 12, tzinfo=UTC)
    assert parsed.body_text.startswith("Please send it today.")
    assert parsed.new_text == "Please send it today."
    assert parsed.language == "en"
    assert not parsed.html_only
    assert parsed.attachments == ()
    assert parsed.defects == ()


def test_html_only_body_is_converted_and_quotes_dropped() -> None:
    parsed = parse("html_only")
    assert parsed.html_only
    assert parsed.new_text == "Szia!\n\nKérlek ma küldd át."
    assert "color:red" not in parsed.body_text
    assert parsed.language == "hu"


def test_alternative_prefers_plain() -> None:
    body = (
        b"--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain words.\r\n"
        b"--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML words.</p>\r\n--A--\r\n"
    )
    raw = message([*HEADERS, ("Content-Type", 'multipart/alternative; boundary="A"')], body)
    parsed = parse_message(raw)
    assert parsed.new_text == "Plain words."
    assert not parsed.html_only


def test_empty_plain_alternative_falls_back_to_html() -> None:
    body = (
        b"--A\r\nContent-Type: text/plain\r\n\r\n\r\n"
        b"--A\r\nContent-Type: text/html\r\n\r\n<p>Only here.</p>\r\n--A--\r\n"
    )
    raw = message([*HEADERS, ("Content-Type", 'multipart/alternative; boundary="A"')], body)
    parsed = parse_message(raw)
    assert parsed.new_text == "Only here."
    assert parsed.html_only


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("iso_8859_2_hungarian", "Sürgős: számla ma"),
        ("windows_1250_hungarian", "Árvíztűrő tükörfúrógép"),
        ("raw_8bit_headers", "Sürgős: határidő"),
    ],
)
def test_hungarian_charsets_in_headers(name: str, subject: str) -> None:
    parsed = parse(name)
    assert parsed.subject == subject
    assert parsed.language == "hu"


def test_iso_8859_2_quoted_printable_body_and_sender() -> None:
    parsed = parse("iso_8859_2_hungarian")
    assert parsed.from_name == "Kovács Ádám"
    assert parsed.new_text == "Szia!\n\nKérlek küldd át ma délutánra, sürgős."
    assert parsed.defects == ()


def test_raw_8bit_header_is_decoded_and_noted() -> None:
    parsed = parse("raw_8bit_headers")
    assert parsed.from_name == "Kovács Anna"
    assert any("8-bit" in defect for defect in parsed.defects)


@pytest.mark.parametrize(
    ("name", "defect_word"),
    [
        ("wrong_declared_charset", "does not match"),
        ("latin1_declared_but_utf8", "but is UTF-8"),
        ("latin1_declared_but_latin2", "but is Hungarian"),
        ("unknown_charset", "unknown charset"),
    ],
)
def test_wrong_and_unknown_charsets_are_repaired(name: str, defect_word: str) -> None:
    parsed = parse(name)
    assert parsed.new_text == HU_TEXT
    assert any(defect_word in defect for defect in parsed.defects)


def test_windows_1250_body() -> None:
    assert parse("windows_1250_hungarian").new_text == HU_TEXT


@pytest.mark.parametrize(
    ("name", "new_text", "attachment_types"),
    [
        ("missing_boundary", "Kérlek nézd meg a csatolt fájlt.", ["application/pdf"]),
        ("wrong_boundary", "Please call me.", []),
    ],
)
def test_missing_or_wrong_boundary_is_salvaged(
    name: str, new_text: str, attachment_types: list[str]
) -> None:
    parsed = parse(name)
    assert parsed.new_text == new_text
    assert [a.content_type for a in parsed.attachments] == attachment_types
    assert any("boundary" in defect for defect in parsed.defects)


def test_missing_boundary_without_any_boundary_line_reads_as_text() -> None:
    raw = message([*HEADERS, ("Content-Type", "multipart/mixed")], b"Just text.\r\n")
    assert parse_message(raw).new_text == "Just text."


def test_no_message_id_no_date_and_bad_date() -> None:
    assert parse("no_message_id").message_id is None
    blank_id = [(n, "<>" if n == "Message-ID" else v) for n, v in HEADERS]
    assert parse_message(message(blank_id, b"x")).message_id is None
    assert parse("header_only").date is None
    assert parse("bad_date").date is None
    assert "unparseable Date header" in parse("bad_date").defects


def test_header_only_message() -> None:
    parsed = parse("header_only")
    assert (parsed.subject, parsed.from_addr, parsed.body_text, parsed.new_text) == (
        "header only",
        "a@b.example",
        "",
        "",
    )


def test_duplicate_headers_take_the_first_and_are_noted() -> None:
    parsed = parse("duplicate_headers")
    assert parsed.subject == "Test"
    assert parsed.from_addr == "anna@kovacs.example"
    assert parsed.message_id == "dup-headers@example.com"
    assert any("duplicate subject" in defect for defect in parsed.defects)


def test_duplicate_message_id_pair_parses_to_same_id_different_text() -> None:
    first, second = parse("duplicate_message_id_a"), parse("duplicate_message_id_b")
    assert first.message_id == second.message_id == "same-id@example.com"
    assert first.new_text != second.new_text


def test_huge_attachment_is_measured_not_decoded() -> None:
    started = time.perf_counter()
    parsed = parse("huge_attachment")
    assert time.perf_counter() - started < 3.0
    assert parsed.new_text == "Here is the scan."
    [attachment] = parsed.attachments
    assert (attachment.filename, attachment.content_type) == ("scan.pdf", "application/pdf")
    assert abs(attachment.size - 7_680_000) < 100


def test_forwards_are_not_new_text() -> None:
    assert parse("nested_forwards").new_text == "FYI, see below."
    assert parse("forward_only").new_text == ""


def test_rfc822_attachment_is_an_attachment_not_body() -> None:
    parsed = parse("rfc822_attachment")
    assert parsed.new_text == "See the attached mail."
    assert "Forwarded words" not in parsed.body_text
    [attachment] = parsed.attachments
    assert (attachment.filename, attachment.content_type) == ("inner.eml", "message/rfc822")
    assert attachment.size > 0


def test_text_attachment_is_not_body() -> None:
    parsed = parse("text_attachment")
    assert parsed.body_text.strip() == "Notes attached."
    assert [a.filename for a in parsed.attachments] == ["notes.txt"]


def test_deep_nesting_is_bounded() -> None:
    parsed = parse("deep_nesting")
    assert any("nesting" in defect for defect in parsed.defects)


def test_empty_and_garbage_bodies() -> None:
    assert parse("empty_body").new_text == ""
    garbage = parse("binary_garbage_body")
    assert "\x00" not in garbage.body_text
    assert garbage.defects


def test_very_long_header_line_is_bounded() -> None:
    parsed = parse("very_long_header_line")
    assert len(parsed.subject) <= 4096
    assert parsed.to_addrs[0] == "user0@example.com"
    assert parsed.new_text == "Long headers."


def test_bad_base64_body_is_decoded_leniently() -> None:
    assert parse("bad_base64_body").new_text.startswith("Kérlek hívj")


def test_mbox_from_line_and_bare_lf() -> None:
    parsed = parse("mbox_from_line_and_bare_lf")
    assert parsed.subject == "bare LF"
    assert parsed.new_text == "Line endings are LF only."


def test_outlook_hungarian_reply_keeps_only_the_complaint() -> None:
    parsed = parse("outlook_hungarian_reply")
    assert parsed.new_text == "Ezt már harmadszor kérem, nem erre kértelek!"


def test_english_reply_header_in_parsed_message() -> None:
    body = (
        b"Any update?\r\n\r\nOn Tue, 3 Mar 2026 at 10:12, VA <va@x>\r\n wrote:\r\n\r\n> Draft.\r\n"
    )
    assert parse_message(message(HEADERS, body)).new_text == "Any update?"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"\r\n  \r\n", "empty"),
        (b"\x00\x01\x02 no header here\r\n\r\nbody", "no header block"),
        (b"just some text without a colon", "no header block"),
    ],
)
def test_unusable_input_raises(raw: bytes, reason: str) -> None:
    with pytest.raises(MessageParseError, match=reason):
        parse_message(raw)


def test_size_bound_is_configurable() -> None:
    raw = message(HEADERS, b"x" * 2_000)
    with pytest.raises(MessageParseError, match="over the limit"):
        parse_message(raw, max_bytes=1_000)
    assert parse_message(raw, max_bytes=10_000).subject


def test_decode_header_text() -> None:
    assert decode_header_text("=?utf-8?B?U8O8cmfFkXM=?= =?utf-8?Q?_h=C3=ADv=C3=A1s?=") == (
        "Sürgős hívás"
    )
    assert decode_header_text("=?x-unknown?Q?k=E9rd=E9s?=") == "kérdés"
    assert isinstance(decode_header_text("=?utf-8?B?broken*?= =?bogus?Q?=FF?="), str)
    assert decode_header_text("plain") == "plain"


def test_every_nasty_sample_parses() -> None:
    for name, raw in NASTY.items():
        parsed = parse_message(raw)
        assert isinstance(parsed.new_text, str), name


@settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_parse_or_raise_parse_error(raw: bytes) -> None:
    try:
        parsed = parse_message(raw)
    except MessageParseError as exc:
        assert str(exc)
        return
    assert isinstance(parsed, ParsedMessage)


_HEADER_LINES = st.sampled_from(
    [
        b"From: =?utf-8?B?",
        b"Content-Type: multipart/mixed; boundary=X",
        b"Content-Type: text/plain; charset=x-unknown",
        b"Content-Type: message/rfc822",
        b"Content-Transfer-Encoding: base64",
        b"Content-Transfer-Encoding: quoted-printable",
        b"Content-Disposition: attachment; filename*=utf-8''%C3%A9.txt",
        b"Subject: =?iso-8859-2?Q?S=FCrg=F5s?=",
        b"Date: Tue, 3 Mar 2026 99:99:99 +9999",
        b"Message-ID: <",
        b"--X",
        b"--X--",
        b"",
        b"\xff\xfe\xf5",
        b"=C3=A9=",
    ]
)


@settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_HEADER_LINES, st.binary(max_size=20)), max_size=40))
def test_mime_shaped_garbage_parses_or_raises_parse_error(lines: list[bytes]) -> None:
    try:
        parsed = parse_message(b"\r\n".join(lines))
    except MessageParseError:
        return
    assert isinstance(parsed.defects, tuple)
