"""The one corpus of broken and hostile messages, built in code from literals (no binary
fixtures). Each case is a way real mailboxes have broken mail parsers, or a deliberate attack
on time and memory.

- ``NASTY[name] -> bytes``: breakages met in real mailboxes. Every one must parse (leniently);
  ``tests/test_mime.py`` holds an expectation for most of them by name.
- ``corpus(include_big=True) -> {name: bytes}``: all of NASTY plus the attacks (zip and base64
  bombs, deep nesting, NUL bytes, codec tricks, hopeless input that is rejected with a
  reason). ``BIG`` names the cases that are megabytes long (the largest about 12 MB).

Any test that ingests mail can use it (``from tests.corpus.nasty import NASTY, corpus``).
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Callable, Sequence

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


# --- attacks on time and memory, and hopeless input ------------------------------

MARK = "nastymarker"  # in every attack body that has text
_NL = "\r\n"
BIG = frozenset(
    {
        "huge_attachment",
        "huge_single_line_body",
        "huge_subject",
        "many_headers",
        "huge_to",
        "zip_bomb_attachment",
        "base64_text_bomb",
        "qp_soft_break_bomb",
        "many_parts",
        "boundary_lines_everywhere",
        "huge_content_type_params",
        "random_8bit_body",
        "long_folded_header",
    }
)


def _msg(headers: list[str], body: str | bytes) -> bytes:
    head = _NL.join(headers).encode("utf-8", "surrogateescape")
    tail = body if isinstance(body, bytes) else body.encode("utf-8", "surrogateescape")
    return head + b"\r\n\r\n" + tail


_BASE = [
    "From: Boss <boss@acme.example>",
    "To: anna@assist.example",
    "Date: Mon, 4 Mar 2024 09:00:00 +0100",
]


def _nested_multipart(depth: int) -> bytes:
    headers = [
        *_BASE,
        "Subject: deep",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b0"',
    ]
    body = []
    for level in range(1, depth):
        body += [f"--b{level - 1}", f'Content-Type: multipart/mixed; boundary="b{level}"', ""]
    body += [f"--b{depth - 1}", "Content-Type: text/plain", "", f"{MARK} at the bottom"]
    body += [f"--b{level}--" for level in reversed(range(depth))]
    return _msg(headers, _NL.join(body))


def _nested_rfc822(depth: int) -> bytes:
    inner = _msg([*_BASE, "Subject: innermost"], f"{MARK} innermost")
    for _ in range(depth):
        inner = _msg(
            [*_BASE, "Subject: Fwd", "MIME-Version: 1.0", "Content-Type: message/rfc822"], inner
        )
    return inner


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * 50_000_000)  # 50 MB inflating from ~50 kB
    encoded = base64.encodebytes(buffer.getvalue()).decode()
    return _msg(
        [
            *_BASE,
            "Subject: invoice",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="z"',
        ],
        _NL.join(
            [
                "--z",
                "Content-Type: text/plain",
                "",
                f"{MARK} see the zip",
                "--z",
                'Content-Type: application/zip; name="invoice.zip"',
                "Content-Transfer-Encoding: base64",
                'Content-Disposition: attachment; filename="invoice.zip"',
                "",
                encoded,
                "--z--",
            ]
        ),
    )


def _many_parts(count: int) -> bytes:
    parts = []
    for i in range(count):
        parts += ["--p", "Content-Type: text/plain", "", f"{MARK} part {i}"]
    return _msg(
        [
            *_BASE,
            "Subject: parts",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="p"',
        ],
        _NL.join([*parts, "--p--"]),
    )


def _charset_body(charset: str, payload: bytes, encoding: str = "8bit") -> bytes:
    return _msg(
        [
            *_BASE,
            "Subject: charset",
            "MIME-Version: 1.0",
            f"Content-Type: text/plain; charset={charset}",
            f"Content-Transfer-Encoding: {encoding}",
        ],
        payload,
    )


def _attack_builders() -> dict[str, Callable[[], bytes]]:
    """Attacks on time and memory, and hopeless input; built only when asked for."""
    mark = MARK.encode()
    return {
        "empty": lambda: b"",
        "only_newlines": lambda: b"\r\n\r\n\n\n",
        "no_headers_binary": lambda: bytes(range(256)) * 4,
        "nul_bytes_everywhere": lambda: _msg(
            [*_BASE, "Subject: a\0b"], b"\0" * 10 + mark + b"\0\0"
        ),
        "8bit_message_id": lambda: _msg(
            [
                *_BASE,
                "Message-ID: <caf\xe9@acme.example>".encode("latin-1").decode(
                    "utf-8", "surrogateescape"
                ),
                "In-Reply-To: <\xff\xfe@x>".encode("latin-1").decode("utf-8", "surrogateescape"),
            ],
            f"{MARK}",
        ),
        "nul_in_encoded_words": lambda: _msg(
            [
                "From: =?utf-8?q?Evil=00Name?= <evil@acme.example>",
                "Subject: =?utf-8?q?hello=00world?=",
                "Message-ID: <a\0b@acme.example>",
            ],
            f"{MARK} nul",
        ),
        "lf_only_line_ends": lambda: _msg(_BASE, f"{MARK}\nline\n").replace(b"\r\n", b"\n"),
        "cr_only_line_ends": lambda: _msg(_BASE, f"{MARK}\rline\r").replace(b"\r\n", b"\r"),
        "8bit_headers_latin2": lambda: _msg(
            [
                "From: \xc1rv\xedzt\xfbr\xf5 <a@acme.example>".encode("latin-1").decode(
                    "utf-8", "surrogateescape"
                ),
                "Subject: t\xfck\xf6r".encode("latin-1").decode("utf-8", "surrogateescape"),
            ],
            f"{MARK} body",
        ),
        "8bit_headers_utf8": lambda: _msg(
            ["From: Árvíztűrő <a@acme.example>", "Subject: tükörfúrógép"], f"{MARK} body"
        ),
        "broken_encoded_words": lambda: _msg(
            [
                *_BASE,
                "Subject: =?utf-8?b?!!!notbase64?= =?utf-8?q?=ZZ=?= =?x?y?z?= "
                "=?utf-8?b?w6k?= =?utf-8*en?q?a?=",
            ],
            f"{MARK}",
        ),
        "unknown_charsets": lambda: _msg(
            [
                *_BASE,
                "Subject: =?x-klingon?q?qapla=E9?= =??q?x?=",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=x-klingon",
            ],
            mark + b" \xe9\xe1\xff",
        ),
        "utf16_without_bom": lambda: _charset_body(
            "utf-16", f"{MARK} x".encode("utf-16-le") + b"\x00\xd8"
        ),
        "bytes_codec_as_charset": lambda: _charset_body("base64", mark + b" \xff"),
        "escape_codec_as_charset": lambda: _charset_body("unicode_escape", mark + b" \\ud800 \xe9"),
        "utf7_surrogates": lambda: _charset_body("utf-7", mark + b" +2AA- +AGEA-"),
        "idna_punycode_charset": lambda: _charset_body("punycode", mark + b"-\xff\xfe"),
        "unterminated_multipart": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="u"'],
            f"--u{_NL}Content-Type: text/plain{_NL}{_NL}{MARK}",
        ),
        "unclosed_boundary_quote": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="q'],
            f"--q{_NL}{_NL}{MARK}",
        ),
        "bad_quoted_printable": lambda: _msg(
            [
                *_BASE,
                "MIME-Version: 1.0",
                "Content-Type: text/plain",
                "Content-Transfer-Encoding: quoted-printable",
            ],
            f"{MARK} =ZZ =\r\n=E9=XX=",
        ),
        "unknown_transfer_encoding": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Transfer-Encoding: x-uuencode-ish"],
            f"begin 644 x\r\n{MARK}\r\nend",
        ),
        "html_only_script": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Type: text/html; charset=utf-8"],
            f"<script>alert(1)</script><style>p{{}}</style><p>{MARK}</p><div><div>",
        ),
        "html_unclosed_deep": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Type: text/html"],
            "<div>" * 20_000 + MARK + "<blockquote>" * 5000,
        ),
        "html_malformed": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Type: text/html"],
            f"<<<>>><a href='x' <p {MARK} &#xFFFFFFFF; &#0; &bogus; <!-- <![CDATA[ </",
        ),
        "deep_multipart_nesting": lambda: _nested_multipart(300),
        "deep_message_rfc822": lambda: _nested_rfc822(200),
        "many_duplicate_headers": lambda: _msg(
            [*_BASE, *["Subject: dup", "Message-ID: <d@x>", "From: other@x.example"] * 50],
            f"{MARK}",
        ),
        "garbage_addresses": lambda: _msg(
            [
                'From: <<<@@@>>> ,,, ;;; "unclosed',
                "To: " + ", ".join(["@"] * 500),
                "Cc: undisclosed-recipients:;",
                "Date: Feb 30 9999 25:61:61 +9999",
            ],
            f"{MARK}",
        ),
        "header_without_colon": lambda: _msg(["This is not a header", *_BASE], f"{MARK}"),
        "space_before_colon": lambda: _msg(["Subject : spaced", "From : a@b.example"], f"{MARK}"),
        "control_chars": lambda: _msg(
            [*_BASE, "Subject: \x1b[31mred\x07\x08"], f"{MARK}\x1b[2J\x0c\x7f"
        ),
        "bidi_and_zero_width": lambda: _msg(
            [*_BASE, "Subject: \u202egnp.exe\u200b"], f"{MARK} \u202e\u2066\ufeff"
        ),
        # --- runs spaCy's tokenizer once took minutes over (issue 12, item 3) ------------
        # NUL bytes as Dovecot serves them (0x80, which decodes as "€"), at the 100,000-
        # character cap of the classifier
        "nul_bytes_as_served": lambda: _msg(
            [*_BASE, "Subject: zeros"], mark + b" " + b"\x80" * 100_000
        ),
        "exclamation_run": lambda: _msg([*_BASE, "Subject: wow"], mark + b" " + b"!" * 100_000),
        "emoji_run": lambda: _msg(
            [*_BASE, "Subject: party"], f"{MARK} " + "\U0001f600\U0001f389\U0001f44d" * 33_334
        ),
        # --- big ones: time and memory bounds -------------------------------------------
        "huge_single_line_body": lambda: _msg([*_BASE, "Subject: line"], mark + b"x" * 8_000_000),
        "huge_subject": lambda: _msg([*_BASE, "Subject: " + "s" * 5_000_000], f"{MARK}"),
        "long_folded_header": lambda: _msg(
            [*_BASE, "Subject: start" + "\r\n continued" * 50_000], f"{MARK}"
        ),
        "many_headers": lambda: _msg([*_BASE, *[f"X-H{i}: v" for i in range(50_000)]], f"{MARK}"),
        "huge_to": lambda: _msg(
            [*_BASE[:1], "To: " + ", ".join(f"u{i}@x.example" for i in range(50_000))], f"{MARK}"
        ),
        "huge_content_type_params": lambda: _msg(
            [
                *_BASE,
                "MIME-Version: 1.0",
                "Content-Type: text/plain" + '; a="b"' * 10_000 + "; charset=utf-8",
            ],
            f"{MARK}",
        ),
        "zip_bomb_attachment": _zip_bomb,
        "base64_text_bomb": lambda: _msg(
            [
                *_BASE,
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: base64",
            ],
            base64.encodebytes(mark + b" " + b"A" * 12_000_000),
        ),
        "qp_soft_break_bomb": lambda: _msg(
            [
                *_BASE,
                "MIME-Version: 1.0",
                "Content-Type: text/plain",
                "Content-Transfer-Encoding: quoted-printable",
            ],
            f"{MARK}" + "=\r\n" * 1_000_000,
        ),
        "many_parts": lambda: _many_parts(5_000),
        "boundary_lines_everywhere": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Type: multipart/mixed"],
            f"{MARK}\r\n" + "--x\r\nContent-Type: text/plain\r\n\r\n" * 30_000,
        ),
        "random_8bit_body": lambda: _msg(
            [*_BASE, "Subject: guess my charset"],
            mark + bytes((i * 7919 + 13) % 128 + 128 for i in range(1_200_000)),
        ),
    }


def corpus(include_big: bool = True) -> dict[str, bytes]:
    """The whole corpus, ``{name: raw bytes}``: NASTY's named breakages, then the attacks;
    without the megabyte-long cases of BIG unless *include_big*."""
    cases = dict(NASTY)
    cases.update(
        (name, build())
        for name, build in _attack_builders().items()
        if include_big or name not in BIG
    )  # a big attack is not even built
    return {name: raw for name, raw in cases.items() if include_big or name not in BIG}
