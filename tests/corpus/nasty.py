"""Nasty sample messages, built as raw bytes: ``NASTY[name] -> bytes``.

Each entry is a kind of breakage met in real mailboxes. The parser tests use them, and so can
any test that ingests mail (``from tests.corpus.nasty import NASTY``). Everything is built
in memory from literals; the huge attachment is about 10 MB.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

CRLF = b"\r\n"


def message(headers: Sequence[tuple[str, str | bytes]], body: bytes = b"") -> bytes:
    """Raw message bytes from (name, value) header pairs and an already encoded body."""
    lines = [
        name.encode("ascii") + b": " + (value if isinstance(value, bytes) else value.encode())
        for name, value in headers
    ]
    return CRLF.join(lines) + CRLF + CRLF + body


def _base_headers(message_id: str | None = "<nasty@example.com>") -> list[tuple[str, str]]:
    headers = [
        ("From", "=?utf-8?Q?Kov=C3=A1cs_Anna?= <anna@kovacs.example>"),
        ("To", "va@assistant.example"),
        ("Subject", "Test"),
        ("Date", "Tue, 3 Mar 2026 10:12:00 +0100"),
        ("MIME-Version", "1.0"),
    ]
    if message_id is not None:
        headers.append(("Message-ID", message_id))
    return headers


def _text_headers(charset: str, encoding: str = "8bit") -> list[tuple[str, str]]:
    return [
        ("Content-Type", f"text/plain; charset={charset}"),
        ("Content-Transfer-Encoding", encoding),
    ]


HU_TEXT = "Kérlek küldd át a számlát ma délutánra, mert sürgős. Köszönöm előre is!"


def _wrong_declared_charset() -> bytes:
    """Declared UTF-8, actually Windows-1250."""
    return message(
        _base_headers("<wrong-charset@example.com>") + _text_headers("utf-8"),
        HU_TEXT.encode("cp1250"),
    )


def _latin1_declared_but_utf8() -> bytes:
    """Declared ISO-8859-1, actually UTF-8 (would decode to mojibake if trusted)."""
    return message(
        _base_headers("<latin1-utf8@example.com>") + _text_headers("iso-8859-1"),
        HU_TEXT.encode("utf-8"),
    )


def _latin1_declared_but_latin2() -> bytes:
    """Declared ISO-8859-1, actually ISO-8859-2: "ő"/"ű" would come out as "õ"/"û"."""
    return message(
        _base_headers("<latin1-latin2@example.com>") + _text_headers("iso-8859-1"),
        HU_TEXT.encode("iso-8859-2"),
    )


def _unknown_charset() -> bytes:
    return message(
        _base_headers("<unknown-charset@example.com>") + _text_headers("x-unknown"),
        HU_TEXT.encode("iso-8859-2"),
    )


def _iso_8859_2_hungarian() -> bytes:
    """RFC 2047 Q-encoded ISO-8859-2 subject and sender, quoted-printable ISO-8859-2 body."""
    headers = _base_headers("<latin2@example.com>")
    headers[0] = ("From", "=?iso-8859-2?Q?Kov=E1cs_=C1d=E1m?= <adam@kovacs.example>")
    headers[2] = ("Subject", "=?iso-8859-2?Q?S=FCrg=F5s=3A_sz=E1mla_ma?=")
    body = b"Szia!\r\n\r\nK=E9rlek k=FCldd =E1t ma d=E9lut=E1nra, s=FCrg=F5s.\r\n"
    return message(headers + _text_headers("iso-8859-2", "quoted-printable"), body)


def _windows_1250_hungarian() -> bytes:
    """Base64 B-encoded windows-1250 subject split mid-word, 8-bit windows-1250 body."""
    subject = "Árvíztűrő tükörfúrógép".encode("cp1250")
    half = len(subject) // 2
    encoded = " ".join(
        f"=?windows-1250?B?{base64.b64encode(chunk).decode()}?="
        for chunk in (subject[:half], subject[half:])
    )
    headers = _base_headers("<cp1250@example.com>")
    headers[2] = ("Subject", encoded)
    return message(headers + _text_headers("windows-1250"), HU_TEXT.encode("cp1250"))


def _raw_8bit_headers() -> bytes:
    """Unencoded 8-bit bytes in From and Subject (UTF-8 and Windows-1250 respectively)."""
    headers: list[tuple[str, str | bytes]] = list(_base_headers("<raw8bit@example.com>"))
    headers[0] = ("From", "Kovács Anna <anna@kovacs.example>".encode())
    headers[2] = ("Subject", "Sürgős: határidő".encode("cp1250"))
    return message([*headers, *_text_headers("utf-8")], b"Ma kell.")


def _missing_boundary() -> bytes:
    headers = [*_base_headers("<no-boundary@example.com>"), ("Content-Type", "multipart/mixed")]
    body = (
        b"This is a multi-part message in MIME format.\r\n"
        b"--ZZZ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + "Kérlek nézd meg a csatolt fájlt.".encode()
        + b"\r\n--ZZZ\r\nContent-Type: application/pdf; name=x.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--ZZZ--\r\n"
    )
    return message(headers, body)


def _wrong_boundary() -> bytes:
    headers = [
        *_base_headers("<wrong-boundary@example.com>"),
        ("Content-Type", 'multipart/alternative; boundary="declared"'),
    ]
    body = b"--actual\r\nContent-Type: text/plain\r\n\r\nPlease call me.\r\n--actual--\r\n"
    return message(headers, body)


def _huge_attachment() -> bytes:
    """About 10 MB of base64 in a PDF attachment next to a short body."""
    payload = base64.encodebytes(bytes(range(256)) * 30_000)  # 7.68 MB decoded
    headers = [
        *_base_headers("<huge@example.com>"),
        ("Content-Type", 'multipart/mixed; boundary="B"'),
    ]
    body = (
        b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHere is the scan.\r\n"
        b"--B\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="scan.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + payload + b"--B--\r\n"
    )
    return message(headers, body)


def _no_message_id() -> bytes:
    return message(_base_headers(None) + _text_headers("utf-8"), b"Any news?\r\n")


def _duplicate_message_id(text: str) -> bytes:
    return message(_base_headers("<same-id@example.com>") + _text_headers("utf-8"), text.encode())


def _html_only() -> bytes:
    headers = [
        *_base_headers("<html-only@example.com>"),
        ("Content-Type", "text/html; charset=utf-8"),
    ]
    html = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<p>Szia!</p><p>K&eacute;rlek <b>ma</b> k&uuml;ldd &aacute;t.</p>"
        '<div class="gmail_quote">On Mon, Bob wrote:<blockquote>old text</blockquote></div>'
        "</body></html>"
    )
    return message(headers, html.encode())


def _nested_forwards() -> bytes:
    body = (
        "FYI, see below.\r\n\r\n"
        "---------- Forwarded message ---------\r\n"
        "From: Bob <bob@example.com>\r\nDate: Mon, 2 Mar 2026\r\nSubject: Fwd: x\r\n"
        "To: anna@kovacs.example\r\n\r\n"
        "---------- Továbbított levél ----------\r\n"
        "Feladó: Carol <carol@example.com>\r\nTárgy: x\r\n\r\nThe original text.\r\n"
    )
    return message(
        _base_headers("<nested-fwd@example.com>") + _text_headers("utf-8"), body.encode()
    )


def _forward_only() -> bytes:
    body = (
        "---------- Forwarded message ---------\r\n"
        "From: Bob <bob@example.com>\r\nSubject: x\r\nTo: a@b.example\r\n\r\nOld stuff.\r\n"
    )
    return message(_base_headers("<fwd-only@example.com>") + _text_headers("utf-8"), body.encode())


def _rfc822_attachment() -> bytes:
    inner = message(
        [
            ("From", "bob@example.com"),
            ("Subject", "Inner"),
            ("Message-ID", "<inner@x>"),
            *_text_headers("utf-8"),
        ],
        b"Forwarded words that are not new.\r\n",
    )
    headers = [
        *_base_headers("<rfc822@example.com>"),
        ("Content-Type", 'multipart/mixed; boundary="M"'),
    ]
    body = (
        b"--M\r\nContent-Type: text/plain\r\n\r\nSee the attached mail.\r\n"
        b"--M\r\nContent-Type: message/rfc822\r\n"
        b'Content-Disposition: attachment; filename="inner.eml"\r\n\r\n' + inner + b"\r\n--M--\r\n"
    )
    return message(headers, body)


def _text_attachment() -> bytes:
    headers = [
        *_base_headers("<text-attachment@example.com>"),
        ("Content-Type", 'multipart/mixed; boundary="T"'),
    ]
    body = (
        b"--T\r\nContent-Type: text/plain\r\n\r\nNotes attached.\r\n"
        b"--T\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b'Content-Disposition: attachment; filename="notes.txt"\r\n\r\n'
        b"These notes are an attachment, not body.\r\n--T--\r\n"
    )
    return message(headers, body)


def _deep_nesting(levels: int = 60) -> bytes:
    opening = b"".join(
        b'--L%d\r\nContent-Type: multipart/mixed; boundary="L%d"\r\n\r\n' % (i, i + 1)
        for i in range(levels)
    )
    closing = b"".join(b"\r\n--L%d--\r\n" % i for i in reversed(range(levels + 1)))
    innermost = b"--L%d\r\nContent-Type: text/plain\r\n\r\ndeep text" % levels
    headers = [
        *_base_headers("<deep@example.com>"),
        ("Content-Type", 'multipart/mixed; boundary="L0"'),
    ]
    return message(headers, opening + innermost + closing)


def _binary_garbage_body() -> bytes:
    garbage = bytes((i * 37 + 11) % 256 for i in range(4096))
    return message(_base_headers("<garbage@example.com>") + _text_headers("utf-8"), garbage)


def _header_only() -> bytes:
    return CRLF.join(line.encode() for line in ("From: a@b.example", "Subject: header only"))


def _very_long_header_line() -> bytes:
    headers = _base_headers("<long-header@example.com>")
    headers[2] = ("Subject", "x" * 200_000)
    headers[1] = ("To", ", ".join(f"user{i}@example.com" for i in range(5_000)))
    return message(headers + _text_headers("utf-8"), b"Long headers.\r\n")


def _duplicate_headers() -> bytes:
    headers = [
        *_base_headers("<dup-headers@example.com>"),
        ("Subject", "Second subject"),
        ("From", "Other <other@example.com>"),
        ("Message-ID", "<second-id@example.com>"),
    ]
    return message(headers + _text_headers("utf-8"), b"Which one?\r\n")


def _bad_date() -> bytes:
    headers = [(n, "yesterday-ish" if n == "Date" else v) for n, v in _base_headers("<bd@x>")]
    return message(headers + _text_headers("utf-8"), b"When?\r\n")


def _bad_base64_body() -> bytes:
    encoded = base64.b64encode("Kérlek hívj fel!".encode()).rstrip(b"=")[:-1] + b"!!*"
    return message(
        _base_headers("<bad-b64@example.com>") + _text_headers("utf-8", "base64"), encoded
    )


def _mbox_from_line_and_bare_lf() -> bytes:
    return (
        b"From anna@kovacs.example Tue Mar  3 10:12:00 2026\n"
        b"From: anna@kovacs.example\nSubject: bare LF\nMessage-ID: <lf@example.com>\n\n"
        b"Line endings are LF only.\n"
    )


def _outlook_hungarian_reply() -> bytes:
    body = (
        "Ezt már harmadszor kérem, nem erre kértelek!\r\n\r\n"
        "Üdvözlettel:\r\nKovács Anna\r\nKovács és Társa Kft.\r\n+36 30 123 4567\r\n\r\n"
        "-----Eredeti üzenet-----\r\nFeladó: VA <va@assistant.example>\r\n"
        "Elküldve: 2026. március 2., hétfő 9:00\r\nCímzett: Kovács Anna\r\nTárgy: Vázlat\r\n\r\n"
        "Csatolom a vázlatot.\r\n"
    )
    return message(
        _base_headers("<outlook-hu@example.com>") + _text_headers("utf-8"), body.encode()
    )


NASTY: dict[str, bytes] = {
    "wrong_declared_charset": _wrong_declared_charset(),
    "latin1_declared_but_utf8": _latin1_declared_but_utf8(),
    "latin1_declared_but_latin2": _latin1_declared_but_latin2(),
    "unknown_charset": _unknown_charset(),
    "iso_8859_2_hungarian": _iso_8859_2_hungarian(),
    "windows_1250_hungarian": _windows_1250_hungarian(),
    "raw_8bit_headers": _raw_8bit_headers(),
    "missing_boundary": _missing_boundary(),
    "wrong_boundary": _wrong_boundary(),
    "huge_attachment": _huge_attachment(),
    "no_message_id": _no_message_id(),
    "duplicate_message_id_a": _duplicate_message_id("First message with this id.\r\n"),
    "duplicate_message_id_b": _duplicate_message_id("Second, different message.\r\n"),
    "html_only": _html_only(),
    "nested_forwards": _nested_forwards(),
    "forward_only": _forward_only(),
    "rfc822_attachment": _rfc822_attachment(),
    "text_attachment": _text_attachment(),
    "deep_nesting": _deep_nesting(),
    "empty_body": message(_base_headers("<empty@example.com>") + _text_headers("utf-8")),
    "binary_garbage_body": _binary_garbage_body(),
    "header_only": _header_only(),
    "very_long_header_line": _very_long_header_line(),
    "duplicate_headers": _duplicate_headers(),
    "bad_date": _bad_date(),
    "bad_base64_body": _bad_base64_body(),
    "mbox_from_line_and_bare_lf": _mbox_from_line_and_bare_lf(),
    "outlook_hungarian_reply": _outlook_hungarian_reply(),
}
