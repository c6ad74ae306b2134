"""The parser's fast paths give exactly the standard parser's result.

``fastparse.parse`` swaps big base64 bodies for placeholders and renames boundaries before
parsing, and puts both back afterwards. Whatever the input, the Message it returns (when it
returns one) must be the one ``email`` builds from the original bytes: same parts, payloads,
headers, defects, preambles and epilogues, and therefore the same ``parse_message`` result.
"""

from __future__ import annotations

import base64
import random
from email.message import Message
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxwatch.parsing import fastparse, mime
from tests.corpus.nasty import NASTY

CRLF = b"\r\n"


def _shape(msg: Message) -> list[Any]:
    return [
        (
            part.get_content_type(),
            part.items(),
            part.preamble,
            part.epilogue,
            [type(defect) for defect in part.defects],
            len(part.get_payload()) if part.is_multipart() else part.get_payload(),
        )
        for part in msg.walk()
    ]


def _assert_same(raw: bytes) -> bool:
    """Compare the fast path with the parser; True if the fast path was taken."""
    fast = fastparse.parse(raw)
    if fast is None:
        return False
    assert _shape(fast) == _shape(fastparse.PARSER.parsebytes(raw))
    return True


def _b64(size: int, seed: int, eol: bytes = CRLF, width: int = 76) -> bytes:
    data = base64.b64encode(random.Random(seed).randbytes(size))
    return b"".join(data[i : i + width] + eol for i in range(0, len(data), width))


def _head(content_type: str = "text/plain", extra: bytes = b"") -> bytes:
    return (
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
        + f"Content-Type: {content_type}\r\n".encode()
        + extra
    )


def _mixed(*parts: bytes, boundary: bytes = b"BB", tail: bytes = b"") -> bytes:
    body = b"".join(b"--" + boundary + CRLF + part + CRLF for part in parts)
    return (
        _head(f'multipart/mixed; boundary="{boundary.decode()}"')
        + CRLF
        + b"preamble\r\n"
        + body
        + b"--"
        + boundary
        + b"--"
        + CRLF
        + tail
    )


def _attachment(size: int, seed: int, cte: bytes = b"base64", eol: bytes = CRLF) -> bytes:
    return (
        b"Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: "
        + cte
        + b"\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n"
        + _b64(size, seed, eol)
    )


TEXT = b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello, see the attachment.\r\n"


def test_nasty_corpus_is_unchanged() -> None:
    taken = [name for name, raw in NASTY.items() if _assert_same(raw.lstrip(b"\r\n"))]
    assert "huge_attachment" in taken


def test_typical_attachment_is_elided_and_identical() -> None:
    raw = _mixed(TEXT, _attachment(60_000, 1))
    assert _assert_same(raw)
    parsed = mime.parse_message(raw)
    assert parsed.attachments[0].size == 60_000 and parsed.new_text.startswith("Hello")


def test_attachment_followed_by_blank_lines_and_epilogue() -> None:
    assert _assert_same(_mixed(TEXT, _attachment(30_000, 2) + CRLF + CRLF, tail=b"epilogue\r\n"))


def test_lf_lines_inside_a_crlf_message() -> None:
    assert _assert_same(_mixed(TEXT, _attachment(30_000, 3, eol=b"\n")))


def test_base64_text_body_decodes_the_same() -> None:
    html = ("<p>" + "Sürgős! " * 3000 + "</p>").encode()
    encoded = base64.encodebytes(html).replace(b"\n", CRLF)
    raw = _head("text/html; charset=utf-8", b"Content-Transfer-Encoding: base64\r\n") + CRLF
    assert _assert_same(raw + encoded)
    assert "Sürgős!" in mime.parse_message(raw + encoded).body_text


def test_base64_lines_pasted_into_a_plain_text_body() -> None:
    pasted = (
        b"Content-Type: text/plain\r\n\r\nhere is the source:\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + _b64(20_000, 4) + b"that was it\r\n"
    )
    _assert_same(_mixed(pasted))  # ends in a text line: left to the parser
    _assert_same(_mixed(pasted.replace(b"that was it", b"--")))
    plain = _head() + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + _b64(20_000, 5)
    assert _assert_same(plain)


def test_trailing_space_after_base64_is_kept_raw_as_the_parser_does() -> None:
    raw = _mixed(TEXT, _attachment(30_000, 6, cte=b"base64 "))
    assert _assert_same(raw)


def test_forwarded_message_with_an_attachment() -> None:
    inner = _mixed(TEXT, _attachment(25_000, 7), boundary=b"INNER")
    raw = _mixed(TEXT, b"Content-Type: message/rfc822\r\n\r\n" + inner)
    assert _assert_same(raw)


def test_multipart_without_boundary_is_salvaged_the_same() -> None:
    body = b"--XYZ\r\n" + _attachment(30_000, 8) + b"--XYZ--\r\n"
    raw = _head("multipart/mixed") + CRLF + body
    _assert_same(raw)
    assert mime.parse_message(raw) == mime.parse_message(raw + b"")  # deterministic


def test_ragged_lines_and_blank_lines_are_left_to_the_parser() -> None:
    ragged = b"".join(b"QUJD" * (1 + i % 19) + CRLF for i in range(2000))
    assert not _assert_same(_mixed(TEXT, b"Content-Transfer-Encoding: base64\r\n\r\n" + ragged))
    gapped = _b64(10_000, 9) + CRLF + _b64(10_000, 10)
    _assert_same(_mixed(TEXT, b"Content-Transfer-Encoding: base64\r\n\r\n" + gapped))


def test_a_message_that_contains_the_placeholder_is_parsed_normally() -> None:
    raw = _mixed(
        b"Content-Type: text/plain\r\n\r\n<inboxwatch-elided-body-0>\r\n", _attachment(30_000, 11)
    )
    assert fastparse.parse(raw) is None


_PIECES = st.sampled_from(
    [
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Type: text/plain\r\n",
        b"Content-Type: multipart/mixed; boundary=Q\r\n",
        b"Content-Type: message/rfc822\r\n",
        b"Content-Type: message/delivery-status\r\n",
        b"\r\n",
        b"\n",
        b"\r",
        b"--Q\r\n",
        b"--Q--\r\n",
        b"text line\r\n",
        b"From x\r\n",
        b" folded\r\n",
        b"QUJD\r\n",
        b"=\r\n",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(_PIECES, st.integers(4_100, 9_000)), min_size=1, max_size=14),
    st.sampled_from([CRLF, b"\n"]),
    st.integers(40, 80),
)
def test_random_structures_parse_identically(
    pieces: list[bytes | int], eol: bytes, width: int
) -> None:
    body = b"".join(p if isinstance(p, bytes) else _b64(p, p, eol, width) for p in pieces)
    raw = _head("multipart/mixed; boundary=Q", b"Content-Transfer-Encoding: base64\r\n")
    _assert_same(raw + CRLF + body + b"x" * 16_384)


# --- boundary renaming --------------------------------------------------------------------

OUTER = b"----=_NextPart_000_0012_01DA1C2B.3E4F5A60"
INNER = b"----=_NextPart_001_0013_01DA1C2B.3E4F5A60"


def _alternative(
    boundary: bytes, plain: bytes = b"Hello there.", html: bytes = b"<p>Hi</p>"
) -> bytes:
    return (
        b'Content-Type: multipart/alternative;\r\n\tboundary="'
        + boundary
        + b'"\r\n\r\n'
        + b"--"
        + boundary
        + CRLF
        + b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + plain
        + CRLF
        + b"--"
        + boundary
        + CRLF
        + b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        + html
        + CRLF
        + b"--"
        + boundary
        + b"--"
        + CRLF
    )


def test_nested_multipart_is_renamed_and_identical() -> None:
    raw = _mixed(_alternative(INNER), _attachment(600, 12), boundary=OUTER)
    assert _assert_same(raw)
    assert fastparse.parse(raw).get_boundary() == OUTER.decode()
    assert mime.parse_message(raw).new_text == "Hello there."


def test_boundary_text_inside_bodies_and_preamble_is_put_back() -> None:
    mention = b"the separator was " + INNER + b" and --" + INNER + b"x"
    raw = _mixed(_alternative(INNER, plain=mention), boundary=OUTER).replace(
        b"preamble", b"preamble " + OUTER
    )
    assert _assert_same(raw)
    assert INNER.decode() in mime.parse_message(raw).body_text


def test_boundary_value_in_another_header_is_left_to_the_parser() -> None:
    raw = _mixed(_alternative(INNER), boundary=OUTER).replace(
        b"Subject: s", b"Subject: about " + INNER
    )
    assert fastparse.parse(raw) is None
    assert INNER.decode() in mime.parse_message(raw).subject


def test_unusual_boundary_parameters_are_left_to_the_parser() -> None:
    continued = _mixed(TEXT, boundary=OUTER).replace(b"boundary=", b"boundary*0=")
    assert fastparse.parse(continued) is None
    dashed = _mixed(_alternative(OUTER + b"-"), boundary=OUTER)  # "--OUTER-" holds "--OUTER"
    assert fastparse.parse(dashed) is None
    assert _assert_same(_mixed(_alternative(OUTER + b"_alt"), boundary=OUTER))


_VALUE = st.text("abcXYZ019=_.-'+", min_size=8, max_size=14).map(str.encode)


def _variants(value: bytes) -> list[bytes]:
    """Values related to *value* in the ways that could confuse a renaming."""
    return [
        value,
        value + b"-",
        b"-" + value,
        value + b"--",
        value[:8],
        value + b"_alt",
        value[3:] + value[:3],
        value + value[:4],
        b"--" + value,
    ]


_LINE_KINDS = st.sampled_from(
    [
        "open",
        "close",
        "close-space",
        "param",
        "param-quoted",
        "text",
        "text-dash",
        "header-text",
        "blank",
        "part-header",
    ]
)


def _line(kind: str, value: bytes) -> bytes:
    return {
        "open": b"--" + value,
        "close": b"--" + value + b"--",
        "close-space": b"--" + value + b" \t",
        "text": b"text " + value + b" more",
        "param": b"Content-Type: multipart/mixed; boundary=" + value,
        "param-quoted": b'Content-Type: multipart/alternative; boundary="' + value + b'"',
        "text-dash": b"--" + value + b"tail",
        "header-text": b"X-Note: " + value,
        "blank": b"",
        "part-header": b"Content-Type: text/plain",
    }[kind] + CRLF


@settings(max_examples=300, deadline=None)
@given(
    _VALUE,
    st.lists(st.tuples(_LINE_KINDS, st.integers(0, 8)), min_size=1, max_size=30),
    st.integers(0, 8),
)
def test_random_boundaries_parse_identically(
    seed: bytes, lines: list[tuple[str, int]], top: int
) -> None:
    values = _variants(seed)
    body = b"".join(_line(kind, values[index]) for kind, index in lines)
    raw = _head(f'multipart/mixed; boundary="{values[top].decode()}"') + CRLF + body
    _assert_same(raw)


# --- runs of plain body lines in very big messages ----------------------------------------


def test_short_lines_body_is_elided_and_identical() -> None:
    raw = _head() + CRLF + b"x\r\n" * 400_000 + b"-- \r\nsig\r\n"
    fast = fastparse.parse(raw)
    assert fast is not None and _assert_same(raw)
    assert mime.parse_message(raw).body_text.startswith("x\nx\n")


def test_attached_messages_keep_text_bodies_for_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastparse, "_ELIDE_TEXT_FROM_BYTES", 0)
    monkeypatch.setattr(fastparse, "_MIN_ELIDED_TEXT_BYTES", 1)
    report = (
        b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\n"
        b"Final-Recipient: rfc822; a@b\r\n" + b"X-Pad: " + b"p" * 20_000 + b"\r\n"
    )
    raw = _mixed(TEXT, report)
    assert fastparse.parse(raw) is None


_TEXT_PIECES = st.sampled_from(
    [
        b"\r\n",
        b"\n",
        b"\r",
        b"line\r\n",
        b"line\n",
        b"line\r",
        b"-- \r\n",
        b"--Q\r\n",
        b"--Q--\r\n",
        b"- item\r\n",
        b"Content-Type: text/plain\r\n",
        b"Content-Type: text/html\n",
        b"Content-Type: multipart/alternative; boundary=R\r\n",
        b"--R\r\n",
        b"--R--\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n",
        b"caf=C3=A9 \xc3\xa9\r\n",
        b"x" * 300 + b"\r\n",
        b" folded\r\n",
        b"From nobody\r\n",
        b"Subject: s\r\n",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT_PIECES, min_size=1, max_size=40), st.booleans())
def test_random_text_structures_parse_identically(pieces: list[bytes], multipart: bool) -> None:
    saved = fastparse._ELIDE_TEXT_FROM_BYTES, fastparse._MIN_ELIDED_TEXT_BYTES
    fastparse._ELIDE_TEXT_FROM_BYTES, fastparse._MIN_ELIDED_TEXT_BYTES = 0, 1  # type: ignore[misc]
    try:
        head = _head("multipart/mixed; boundary=Q") if multipart else _head()
        _assert_same(head + CRLF + b"".join(pieces) + b"x" * 16_384)
    finally:
        fastparse._ELIDE_TEXT_FROM_BYTES, fastparse._MIN_ELIDED_TEXT_BYTES = saved  # type: ignore[misc]


def test_a_value_matching_across_a_renamed_one_leaves_the_message_unrenamed() -> None:
    # "B00suffixx" would match across the name given to "longvalue123" in the text below.
    inner = _alternative(b"B00suffixx", plain=b"see longvalue123suffixx")
    raw = _mixed(inner, boundary=b"longvalue123")
    data, names = fastparse._rename_boundaries(raw)
    assert (data, names) == (raw, {})
    assert not _assert_same(raw)
    assert mime.parse_message(raw).new_text == "see longvalue123suffixx"
