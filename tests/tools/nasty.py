"""A corpus of nasty messages, built in code (no binary fixtures): each one is a way real
mailboxes have broken mail parsers, or a deliberate attack on time and memory.

``corpus()`` returns ``{name: raw bytes}``; ``BIG`` names the cases that are megabytes long.
The distinctive word ``nastymarker`` appears in every body that has text.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Callable

MARK = "nastymarker"
CRLF = "\r\n"
BIG = frozenset({"huge_single_line_body", "huge_subject", "many_headers", "huge_to",
                 "zip_bomb_attachment", "base64_text_bomb", "qp_soft_break_bomb",
                 "many_parts", "boundary_lines_everywhere", "huge_content_type_params",
                 "random_8bit_body", "long_folded_header"})


def _msg(headers: list[str], body: str | bytes) -> bytes:
    head = CRLF.join(headers).encode("utf-8", "surrogateescape")
    tail = body if isinstance(body, bytes) else body.encode("utf-8", "surrogateescape")
    return head + b"\r\n\r\n" + tail


_BASE = ["From: Boss <boss@acme.example>", "To: anna@assist.example",
         "Date: Mon, 4 Mar 2024 09:00:00 +0100"]


def _nested_multipart(depth: int) -> bytes:
    headers = [*_BASE, "Subject: deep", "MIME-Version: 1.0",
               'Content-Type: multipart/mixed; boundary="b0"']
    body = []
    for level in range(1, depth):
        body += [f"--b{level - 1}", f'Content-Type: multipart/mixed; boundary="b{level}"', ""]
    body += [f"--b{depth - 1}", "Content-Type: text/plain", "", f"{MARK} at the bottom"]
    body += [f"--b{level}--" for level in reversed(range(depth))]
    return _msg(headers, CRLF.join(body))


def _nested_rfc822(depth: int) -> bytes:
    inner = _msg([*_BASE, "Subject: innermost"], f"{MARK} innermost")
    for _ in range(depth):
        inner = _msg([*_BASE, "Subject: Fwd", "MIME-Version: 1.0",
                      "Content-Type: message/rfc822"], inner)
    return inner


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * 50_000_000)  # 50 MB inflating from ~50 kB
    encoded = base64.encodebytes(buffer.getvalue()).decode()
    return _msg([*_BASE, "Subject: invoice", "MIME-Version: 1.0",
                 'Content-Type: multipart/mixed; boundary="z"'],
                CRLF.join(["--z", "Content-Type: text/plain", "", f"{MARK} see the zip",
                           "--z", "Content-Type: application/zip; name=\"invoice.zip\"",
                           "Content-Transfer-Encoding: base64",
                           'Content-Disposition: attachment; filename="invoice.zip"', "",
                           encoded, "--z--"]))


def _many_parts(count: int) -> bytes:
    parts = []
    for i in range(count):
        parts += ["--p", "Content-Type: text/plain", "", f"{MARK} part {i}"]
    return _msg([*_BASE, "Subject: parts", "MIME-Version: 1.0",
                 'Content-Type: multipart/mixed; boundary="p"'], CRLF.join([*parts, "--p--"]))


def _charset_body(charset: str, payload: bytes, encoding: str = "8bit") -> bytes:
    return _msg([*_BASE, "Subject: charset", "MIME-Version: 1.0",
                 f"Content-Type: text/plain; charset={charset}",
                 f"Content-Transfer-Encoding: {encoding}"], payload)


def _builders() -> dict[str, Callable[[], bytes]]:
    mark = MARK.encode()
    return {
        "empty": lambda: b"",
        "only_newlines": lambda: b"\r\n\r\n\n\n",
        "no_headers_binary": lambda: bytes(range(256)) * 4,
        "only_headers_no_body": lambda: CRLF.join([*_BASE, "Subject: x"]).encode(),
        "nul_bytes_everywhere": lambda: _msg([*_BASE, "Subject: a\0b"],
                                             b"\0" * 10 + mark + b"\0\0"),
        "8bit_message_id": lambda: _msg(
            [*_BASE, "Message-ID: <caf\xe9@acme.example>".encode("latin-1").decode(
                "utf-8", "surrogateescape"), "In-Reply-To: <\xff\xfe@x>".encode(
                "latin-1").decode("utf-8", "surrogateescape")], f"{MARK}"),
        "nul_in_encoded_words": lambda: _msg(
            ["From: =?utf-8?q?Evil=00Name?= <evil@acme.example>",
             "Subject: =?utf-8?q?hello=00world?=", "Message-ID: <a\0b@acme.example>"],
            f"{MARK} nul"),
        "lf_only_line_ends": lambda: _msg(_BASE, f"{MARK}\nline\n").replace(b"\r\n", b"\n"),
        "cr_only_line_ends": lambda: _msg(_BASE, f"{MARK}\rline\r").replace(b"\r\n", b"\r"),
        "8bit_headers_latin2": lambda: _msg(
            ["From: \xc1rv\xedzt\xfbr\xf5 <a@acme.example>".encode("latin-1").decode(
                "utf-8", "surrogateescape"), "Subject: t\xfck\xf6r".encode("latin-1").decode(
                "utf-8", "surrogateescape")], f"{MARK} body"),
        "8bit_headers_utf8": lambda: _msg(["From: Árvíztűrő <a@acme.example>",
                                           "Subject: tükörfúrógép"], f"{MARK} body"),
        "broken_encoded_words": lambda: _msg(
            [*_BASE, "Subject: =?utf-8?b?!!!notbase64?= =?utf-8?q?=ZZ=?= =?x?y?z?= "
             "=?utf-8?b?w6k?= =?utf-8*en?q?a?="], f"{MARK}"),
        "unknown_charsets": lambda: _msg(
            [*_BASE, "Subject: =?x-klingon?q?qapla=E9?= =??q?x?=", "MIME-Version: 1.0",
             "Content-Type: text/plain; charset=x-klingon"], mark + b" \xe9\xe1\xff"),
        "wrong_declared_charset": lambda: _charset_body("utf-8", mark + b" \xe1rv\xedz"),
        "utf16_without_bom": lambda: _charset_body("utf-16", f"{MARK} x".encode("utf-16-le")
                                                   + b"\x00\xd8"),
        "bytes_codec_as_charset": lambda: _charset_body("base64", mark + b" \xff"),
        "escape_codec_as_charset": lambda: _charset_body("unicode_escape",
                                                         mark + b" \\ud800 \xe9"),
        "utf7_surrogates": lambda: _charset_body("utf-7", mark + b" +2AA- +AGEA-"),
        "idna_punycode_charset": lambda: _charset_body("punycode", mark + b"-\xff\xfe"),
        "missing_boundary": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Type: multipart/mixed"],
            f"--zzz{CRLF}Content-Type: text/plain{CRLF}{CRLF}{MARK}{CRLF}--zzz--"),
        "wrong_boundary": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", 'Content-Type: multipart/alternative; boundary="a"'],
            f"--b{CRLF}Content-Type: text/plain{CRLF}{CRLF}{MARK}{CRLF}--b--"),
        "unterminated_multipart": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="u"'],
            f"--u{CRLF}Content-Type: text/plain{CRLF}{CRLF}{MARK}"),
        "unclosed_boundary_quote": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="q'],
            f"--q{CRLF}{CRLF}{MARK}"),
        "bad_base64": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
             "Content-Transfer-Encoding: base64"], "!!!***" + base64.b64encode(
                mark).decode()[:-1] + "=A=B==\r\n===="),
        "bad_quoted_printable": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Type: text/plain",
             "Content-Transfer-Encoding: quoted-printable"], f"{MARK} =ZZ =\r\n=E9=XX="),
        "unknown_transfer_encoding": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Transfer-Encoding: x-uuencode-ish"],
            f"begin 644 x\r\n{MARK}\r\nend"),
        "html_only_script": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Type: text/html; charset=utf-8"],
            f"<script>alert(1)</script><style>p{{}}</style><p>{MARK}</p><div><div>"),
        "html_unclosed_deep": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Type: text/html"],
            "<div>" * 20_000 + MARK + "<blockquote>" * 5000),
        "html_malformed": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Type: text/html"],
            f"<<<>>><a href='x' <p {MARK} &#xFFFFFFFF; &#0; &bogus; <!-- <![CDATA[ </"),
        "deep_multipart_nesting": lambda: _nested_multipart(300),
        "deep_message_rfc822": lambda: _nested_rfc822(200),
        "duplicate_headers": lambda: _msg(
            [*_BASE, *["Subject: dup", "Message-ID: <d@x>", "From: other@x.example"] * 50],
            f"{MARK}"),
        "garbage_addresses": lambda: _msg(
            ["From: <<<@@@>>> ,,, ;;; \"unclosed", "To: " + ", ".join(["@"] * 500),
             "Cc: undisclosed-recipients:;", "Date: Feb 30 9999 25:61:61 +9999"], f"{MARK}"),
        "header_without_colon": lambda: _msg(["This is not a header", *_BASE], f"{MARK}"),
        "space_before_colon": lambda: _msg(["Subject : spaced", "From : a@b.example"],
                                           f"{MARK}"),
        "mbox_from_line": lambda: b"From boss@acme.example Mon Mar  4 09:00:00 2024\r\n"
                                  + _msg(_BASE, f"{MARK}"),
        "control_chars": lambda: _msg([*_BASE, "Subject: \x1b[31mred\x07\x08"],
                                      f"{MARK}\x1b[2J\x0c\x7f"),
        "bidi_and_zero_width": lambda: _msg([*_BASE, "Subject: \u202egnp.exe\u200b"],
                                            f"{MARK} \u202e\u2066\ufeff"),
        # --- runs spaCy's tokenizer once took minutes over (issue 12, item 3) ------------
        # NUL bytes as Dovecot serves them (0x80, which decodes as "€"), at the 100,000-
        # character cap of the classifier
        "nul_bytes_as_served": lambda: _msg([*_BASE, "Subject: zeros"],
                                            mark + b" " + b"\x80" * 100_000),
        "exclamation_run": lambda: _msg([*_BASE, "Subject: wow"],
                                        mark + b" " + b"!" * 100_000),
        "emoji_run": lambda: _msg([*_BASE, "Subject: party"],
                                  f"{MARK} " + "\U0001f600\U0001f389\U0001f44d" * 33_334),
        # --- big ones: time and memory bounds -------------------------------------------
        "huge_single_line_body": lambda: _msg([*_BASE, "Subject: line"],
                                              mark + b"x" * 8_000_000),
        "huge_subject": lambda: _msg([*_BASE, "Subject: " + "s" * 5_000_000], f"{MARK}"),
        "long_folded_header": lambda: _msg(
            [*_BASE, "Subject: start" + "\r\n continued" * 50_000], f"{MARK}"),
        "many_headers": lambda: _msg([*_BASE, *[f"X-H{i}: v" for i in range(50_000)]],
                                     f"{MARK}"),
        "huge_to": lambda: _msg(
            [*_BASE[:1], "To: " + ", ".join(f"u{i}@x.example" for i in range(50_000))],
            f"{MARK}"),
        "huge_content_type_params": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0",
             "Content-Type: text/plain" + "; a=\"b\"" * 10_000 + "; charset=utf-8"],
            f"{MARK}"),
        "zip_bomb_attachment": _zip_bomb,
        "base64_text_bomb": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
             "Content-Transfer-Encoding: base64"],
            base64.encodebytes(mark + b" " + b"A" * 12_000_000)),
        "qp_soft_break_bomb": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Type: text/plain",
             "Content-Transfer-Encoding: quoted-printable"], f"{MARK}" + "=\r\n" * 1_000_000),
        "many_parts": lambda: _many_parts(5_000),
        "boundary_lines_everywhere": lambda: _msg(
            [*_BASE, "MIME-Version: 1.0", "Content-Type: multipart/mixed"],
            f"{MARK}\r\n" + "--x\r\nContent-Type: text/plain\r\n\r\n" * 30_000),
        "random_8bit_body": lambda: _msg(
            [*_BASE, "Subject: guess my charset"],
            mark + bytes((i * 7919 + 13) % 128 + 128 for i in range(1_200_000))),
    }


def corpus(include_big: bool = True) -> dict[str, bytes]:
    return {name: build() for name, build in _builders().items()
            if include_big or name not in BIG}
