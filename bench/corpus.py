"""Deterministic, realistic mail for the benchmarks: English and Hungarian client mail.

The texts are the labelled examples in ``data/labelled`` (real-looking client requests in
both languages); this module wraps them the way mail clients do:

* about 60% are replies: ``Re:`` subject, ``In-Reply-To``/``References`` and the earlier
  messages quoted below (Gmail ``>`` quotes, Hungarian "ezt írta:" attributions, Outlook
  "From:/Sent:" blocks), often with a signature, a mobile footer or a legal disclaimer;
* formats: plain UTF-8 (8bit or quoted-printable), plain ISO-8859-2 (Hungarian),
  multipart/alternative (plain + HTML), HTML only (with Outlook-style ``<style>`` head), and
  multipart/mixed with a base64 attachment (PDF, PNG or DOCX of 10-300 kB);
* senders are the benchmark's clients, unknown senders, and now and then the user herself.

``MailFactory(seed).message(i)`` is a pure function of ``(seed, i)``, so a mailbox of any size
can be streamed without holding it, and the same message can be rebuilt later.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
LABELLED = REPO / "data" / "labelled"
ME_NAME = "Kovács Anna"
ME_ADDR = "anna@assist.example"
CLIENT_COUNT = 20
BASE_DATE = datetime(2024, 1, 8, 8, 0, tzinfo=UTC)

# How often each message shape occurs (weights; they need not sum to 100).
FORMAT_WEIGHTS = {"plain8": 30, "plainqp": 17, "latin2": 5, "alt": 28, "html": 10, "attach": 10}
REPLY_SHARE = 0.6
OUTGOING_SHARE = 0.05
UNKNOWN_SENDER_SHARE = 0.15

_FIRST_NAMES = {
    "en": ("Martin", "Sarah", "Tom", "Emily", "James", "Olivia", "Daniel", "Mia"),
    "hu": ("Gábor", "Réka", "Péter", "Zsófia", "László", "Eszter", "Bence", "Krisztina"),
}
_LAST_NAMES = {
    "en": ("Walker", "Hughes", "Bennett", "Foster", "Hayes", "Price"),
    "hu": ("Tóth", "Nagy", "Kovács", "Szabó", "Horváth", "Kiss"),
}
_COMPANIES = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Napfény",
    "Zöldkert",
    "Bárány",
    "Pixelműhely",
    "Brightside",
    "Greenleaf",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tükör",
    "Vértes",
    "Dunakavics",
    "Lumen",
    "Oakridge",
    "Kékfény",
)
_FOOTERS = {
    "en": ("Sent from my iPhone", "Get Outlook for iOS", "Sent from my Galaxy"),
    "hu": ("iPhone-ról küldve", "Küldve az Outlook alkalmazásból", "Samsung okostelefonról küldve"),
}
_CLOSINGS = {
    "en": ("Best regards,", "Kind regards,", "Thanks,", "Cheers,"),
    "hu": ("Üdvözlettel,", "Köszönöm,", "Üdv,", "Tisztelettel,"),
}
_DISCLAIMERS = {
    "en": "This e-mail and any attachments are confidential and intended solely for the "
    "addressee. If you have received it in error, please notify the sender and delete "
    "it. Any unauthorised use, disclosure or copying is prohibited.",
    "hu": "Ez az e-mail és mellékletei bizalmas információt tartalmazhatnak, és kizárólag a "
    "címzett részére szólnak. Ha tévedésből kapta, kérjük, értesítse a feladót, és "
    "törölje az üzenetet.",
}
_ATTACHMENTS = (
    ("application/pdf", "pdf", "Ajánlat"),
    ("image/png", "png", "screenshot"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        "szerződés tervezet",
    ),
)
_OUTLOOK_STYLE = (
    '<head><meta http-equiv="Content-Type" content="text/html; '
    'charset=utf-8"><style type="text/css" style="display:none;"> '
    "P {margin-top:0;margin-bottom:0;} body{font-family:Calibri,Arial,"
    "Helvetica,sans-serif;font-size:12pt;color:rgb(0,0,0);}</style></head>"
)


@dataclass(frozen=True)
class Sample:
    """One labelled text: what a client wrote."""

    lang: str
    subject: str
    body: str


@dataclass(frozen=True)
class Person:
    name: str
    addr: str
    lang: str


@cache
def load_samples(data_dir: Path = LABELLED) -> tuple[Sample, ...]:
    """Every labelled example (train and held-out, both languages), in a stable order."""
    samples: list[Sample] = []
    for path in sorted(data_dir.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                samples.append(Sample(item["lang"], item["subject"], item["body"]))
    if not samples:
        raise SystemExit(f"no labelled examples in {data_dir}")
    return tuple(samples)


def client_domain(index: int) -> str:
    return f"client{index:02d}.example"


def client_name(index: int) -> str:
    return f"{_COMPANIES[index % len(_COMPANIES)]} {index:02d}"


def bench_config(database_url: str, clients: int = CLIENT_COUNT) -> dict[str, Any]:
    """An inboxwatch config (as parsed TOML) whose clients are the corpus's senders."""
    return {
        "me": {
            "addresses": [ME_ADDR],
            "timezone": "Europe/Budapest",
            "working_hours": "09:00-17:00",
            "working_days": "Mon-Fri",
        },
        "database": {"url": database_url},
        "clients": [
            {
                "name": client_name(i),
                "addresses": [f"@{client_domain(i)}"],
                "monthly_revenue": 300 + 50 * i,
            }
            for i in range(clients)
        ],
    }


class MailFactory:
    """Builds message *i* of a deterministic mailbox (see the module docstring)."""

    def __init__(self, seed: int = 7, clients: int = CLIENT_COUNT) -> None:
        self.seed = seed
        self.samples = load_samples()
        self.by_lang = {lang: [s for s in self.samples if s.lang == lang] for lang in ("en", "hu")}
        self.clients = clients
        self._formats = list(FORMAT_WEIGHTS)
        self._weights = list(FORMAT_WEIGHTS.values())

    def messages(self, count: int, start: int = 0) -> Iterator[bytes]:
        for i in range(start, start + count):
            yield self.message(i)

    def message(self, i: int) -> bytes:
        rng = random.Random(self.seed * 1_000_003 + i)
        sample = rng.choice(self.samples)
        lang = sample.lang
        sender = self._sender(rng, lang)
        recipient = Person(ME_NAME, ME_ADDR, "hu")
        if rng.random() < OUTGOING_SHARE:
            sender, recipient = recipient, self._client_person(rng, lang)
        when = BASE_DATE + timedelta(minutes=23 * i + rng.randint(0, 20))
        reply = rng.random() < REPLY_SHARE
        history = self._history(rng, lang, when) if reply else []
        fmt = rng.choices(self._formats, self._weights)[0]
        if fmt == "latin2" and lang != "hu":
            fmt = "plainqp"
        subject = (
            ("Re: " if lang == "en" or rng.random() < 0.7 else "Vá: ") + sample.subject
            if reply
            else sample.subject
        )
        headers = self._headers(i, rng, sender, recipient, subject, when, reply)
        body_plain = self._plain_text(rng, sample, sender, history)
        return _assemble(
            headers, fmt, rng, body_plain, lambda: self._html_text(rng, sample, sender, history)
        )

    # --- people and history -------------------------------------------------------------

    def _client_person(self, rng: random.Random, lang: str) -> Person:
        index = rng.randrange(self.clients)
        first = rng.choice(_FIRST_NAMES[lang])
        last = rng.choice(_LAST_NAMES[lang])
        name = f"{last} {first}" if lang == "hu" else f"{first} {last}"
        local = (first + "." + last).lower().translate(_ASCII_FOLD)
        return Person(name, f"{local}@{client_domain(index)}", lang)

    def _sender(self, rng: random.Random, lang: str) -> Person:
        if rng.random() < UNKNOWN_SENDER_SHARE:
            who = rng.randrange(5000)
            return Person(f"Newsletter {who}", f"info{who}@unknown{who % 97}.example", lang)
        return self._client_person(rng, lang)

    def _history(
        self, rng: random.Random, lang: str, when: datetime
    ) -> list[tuple[Person, datetime, Sample]]:
        """The earlier messages of the thread, newest first."""
        pool = self.by_lang[lang] or list(self.samples)
        found = []
        for depth in range(rng.choice((1, 1, 2, 3))):
            who = (
                Person(ME_NAME, ME_ADDR, "hu") if depth % 2 == 0 else self._client_person(rng, lang)
            )
            found.append((who, when - timedelta(hours=3 * (depth + 1)), rng.choice(pool)))
        return found

    def _headers(
        self,
        i: int,
        rng: random.Random,
        sender: Person,
        recipient: Person,
        subject: str,
        when: datetime,
        reply: bool,
    ) -> list[str]:
        headers = [
            f"Return-Path: <{sender.addr}>",
            f"Received: from mail.{sender.addr.split('@')[1]} (mail [192.0.2.{i % 250}]) by "
            f"mx.assist.example with ESMTPS id {i:08x}; {format_datetime(when)}",
            f"From: {_display(sender.name)} <{sender.addr}>",
            f"To: {_display(recipient.name)} <{recipient.addr}>",
            f"Subject: {_header_text(subject)}",
            f"Date: {format_datetime(when)}",
            f"Message-ID: <bench-{self.seed}-{i}@{sender.addr.split('@')[1]}>",
        ]
        if rng.random() < 0.2:
            headers.append(f"Cc: {_display(ME_NAME)} <{ME_ADDR}>, office@{client_domain(0)}")
        if reply:
            parent = f"<bench-{self.seed}-{max(i - rng.randint(1, 50), 0)}-p@assist.example>"
            headers += [f"In-Reply-To: {parent}", f"References: {parent}"]
        headers += [
            "MIME-Version: 1.0",
            "X-Mailer: "
            + rng.choice(
                ("Microsoft Outlook 16.0", "iPhone Mail (21E236)", "Mozilla Thunderbird", "Gmail")
            ),
        ]
        return headers

    # --- bodies -------------------------------------------------------------------------

    def _plain_text(
        self,
        rng: random.Random,
        sample: Sample,
        sender: Person,
        history: Sequence[tuple[Person, datetime, Sample]],
    ) -> str:
        parts = [sample.body]
        lang = sample.lang
        roll = rng.random()
        if roll < 0.35:
            parts.append(
                f"{rng.choice(_CLOSINGS[lang])}\n{sender.name}\n"
                f"{sender.addr.split('@')[1]} | +36 30 {rng.randint(1000000, 9999999)}"
            )
        elif roll < 0.5:
            parts.append(f"-- \n{sender.name}\n{rng.choice(_COMPANIES)}")
        elif roll < 0.6:
            parts.append(rng.choice(_FOOTERS[lang]))
        if rng.random() < 0.1:
            parts.append(_DISCLAIMERS[lang])
        text = "\n\n".join(parts)
        outlook = rng.random() < 0.3
        for depth, (who, when, old) in enumerate(history):
            text += "\n\n" + (
                _outlook_block(who, when, old) if outlook else _quoted(who, when, old, lang, depth)
            )
        return text

    def _html_text(
        self,
        rng: random.Random,
        sample: Sample,
        sender: Person,
        history: Sequence[tuple[Person, datetime, Sample]],
    ) -> str:
        body = _paragraphs_html(sample.body)
        body += f"<p>{escape(rng.choice(_CLOSINGS[sample.lang]))}<br>{escape(sender.name)}</p>"
        for who, when, old in history:
            attribution = (
                f"On {format_datetime(when)}, {escape(who.name)} &lt;{who.addr}&gt; wrote:"
            )
            if rng.random() < 0.5:
                body += (
                    f'<div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
                    f'{attribution}<br></div><blockquote class="gmail_quote" '
                    f'style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);'
                    f'padding-left:1ex">{_paragraphs_html(old.body)}</blockquote></div>'
                )
            else:
                body += (
                    f'<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" '
                    f'dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt">'
                    f"<b>From:</b> {escape(who.name)} &lt;{who.addr}&gt;<br><b>Sent:</b> "
                    f"{format_datetime(when)}<br><b>Subject:</b> {escape(old.subject)}"
                    f"</font><div>&nbsp;</div></div><div>{_paragraphs_html(old.body)}</div>"
                )
        return f'<html>{_OUTLOOK_STYLE}<body dir="ltr"><div>{body}</div></body></html>'


_ASCII_FOLD = str.maketrans("áéíóöőúüű", "aeiooouuu")


def _display(name: str) -> str:
    return name if name.isascii() else Header(name, "utf-8").encode()


def _header_text(text: str) -> str:
    return text if text.isascii() else Header(text, "utf-8", maxlinelen=76).encode()


def _quoted(who: Person, when: datetime, old: Sample, lang: str, depth: int) -> str:
    if lang == "hu":
        attribution = f"{when:%Y. %m. %d.} {when:%H:%M}-kor {who.name} <{who.addr}> ezt írta:"
    else:
        attribution = f"On {format_datetime(when)}, {who.name} <{who.addr}> wrote:"
    marker = ">" * (depth + 1)
    quoted = "\n".join(f"{marker} {line}".rstrip() for line in old.body.splitlines())
    return f"{'>' * depth + ' ' if depth else ''}{attribution}\n{quoted}"


def _outlook_block(who: Person, when: datetime, old: Sample) -> str:
    return (
        f"________________________________\nFrom: {who.name} <{who.addr}>\n"
        f"Sent: {format_datetime(when)}\nTo: {ME_NAME} <{ME_ADDR}>\n"
        f"Subject: {old.subject}\n\n{old.body}"
    )


def _paragraphs_html(text: str) -> str:
    return "".join(
        f"<p>{escape(block).replace(chr(10), '<br>')}</p>"
        for block in text.split("\n\n")
        if block.strip()
    )


def _qp(text: str, charset: str = "utf-8") -> bytes:
    data = text.replace("\n", "\r\n").encode(charset, "replace")
    return binascii.b2a_qp(data, istext=True).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def _part(content_type: str, encoding: str, payload: bytes, extra: str = "") -> bytes:
    head = f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {encoding}\r\n{extra}"
    return head.encode("ascii") + b"\r\n" + payload


def _multipart(subtype: str, boundary: str, parts: Sequence[bytes]) -> tuple[str, bytes]:
    delimiter = f"--{boundary}\r\n".encode()
    body = b"This is a multi-part message in MIME format.\r\n\r\n"
    body += b"".join(delimiter + part + b"\r\n" for part in parts)
    body += f"--{boundary}--\r\n".encode()
    return f'multipart/{subtype}; boundary="{boundary}"', body


def _text_part(plain: str, fmt: str) -> bytes:
    if fmt == "plain8":
        return _part("text/plain; charset=utf-8", "8bit", _crlf(plain))
    if fmt == "latin2":
        return _part("text/plain; charset=iso-8859-2", "quoted-printable", _qp(plain, "iso-8859-2"))
    return _part('text/plain; charset="UTF-8"', "quoted-printable", _qp(plain))


def _html_part(html: str, base64_encoded: bool) -> bytes:
    if base64_encoded:
        return _part(
            'text/html; charset="utf-8"',
            "base64",
            base64.encodebytes(html.encode("utf-8")).replace(b"\n", b"\r\n"),
        )
    return _part('text/html; charset="utf-8"', "quoted-printable", _qp(html))


def _attachment_part(rng: random.Random) -> bytes:
    content_type, extension, stem = rng.choice(_ATTACHMENTS)
    size = int(rng.triangular(10_000, 300_000, 40_000))
    data = base64.encodebytes(rng.randbytes(size)).replace(b"\n", b"\r\n")
    filename = f"{stem} {rng.randint(1, 99)}.{extension}"
    disposition = (
        f'Content-Disposition: attachment; filename="{filename}"\r\n'
        if filename.isascii()
        else f'Content-Disposition: attachment; filename="{_header_text(filename)}"\r\n'
    )
    return _part(f'{content_type}; name="{_header_text(filename)}"', "base64", data, disposition)


def _assemble(
    headers: list[str], fmt: str, rng: random.Random, plain: str, html_of: Callable[[], str]
) -> bytes:
    boundary = f"=_bench_{rng.getrandbits(48):012x}"
    if fmt in ("plain8", "plainqp", "latin2"):
        return _crlf("\n".join(headers)) + b"\r\n" + _text_part(plain, fmt)
    if fmt == "html":
        return _crlf("\n".join(headers)) + b"\r\n" + _html_part(html_of(), rng.random() < 0.5)
    alternative = _multipart(
        "alternative",
        boundary + "_alt",
        [_text_part(plain, "plainqp"), _html_part(html_of(), False)],
    )
    if fmt == "alt":
        content_type, payload = alternative
    else:
        inner = f"Content-Type: {alternative[0]}\r\n\r\n".encode() + alternative[1]
        content_type, payload = _multipart("mixed", boundary, [inner, _attachment_part(rng)])
    return (
        _crlf("\n".join(headers)) + f"\r\nContent-Type: {content_type}\r\n\r\n".encode() + payload
    )
