"""Build the bundled sample mailbox of inboxwatch (``make demo`` and the end-to-end tests).

The mailbox belongs to Kovács Anna, a fictional Hungarian virtual assistant, and covers six
weeks (2026-10-05 to 2026-11-13). Every person and company is fictional and every domain is an
``.example`` domain. The texts live in the ``content_*.py`` modules beside this file, one per
client; this module turns them into RFC 5322 messages, deterministically: running it twice
writes a byte-identical ``sample.mbox``.

Content module format (plain data, no imports needed)::

    CLIENT = {"name": ..., "contact": "Name <addr>", "lang": "en" | "hu",
              "signature": "...", "reply_prefix": "Re: ", "headers": {...}}
    MESSAGES = [{"id": "bs01", "at": "2026-10-05 10:12", "subject": ..., "body": ...}, ...]

Message keys: ``id`` (unique), ``at`` (Europe/Budapest wall clock), ``from`` ("anna" for
Anna's own mail, else an address; default the client's contact), ``to``, ``cc``, ``subject``
(default for a reply: the prefix + the parent's subject), ``body``, ``reply`` (the parent's
id: In-Reply-To and References), ``quote`` (True: a Gmail-style "> " quote of the parent;
"outlook": an Outlook header block), ``sig`` (append the signature; default on for Anna),
``kind`` ("plain", "html", "alt", "pdf", "latin2"), ``html``, ``attachment``, ``headers``.

Usage: ``python data/sample/sample_mailbox.py`` rewrites ``sample.mbox`` beside it.
"""

import importlib.util
import time
import zlib
from datetime import date, datetime, timedelta, timezone, UTC
from email import policy
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, getaddresses, parseaddr
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

SPAN_START: date = date(2026, 10, 5)
SPAN_END: date = date(2026, 11, 13)

ME_NAME = "Kovács Anna"
ME_ADDR = "anna@assist.example"
ME = f"{ME_NAME} <{ME_ADDR}>"
ME_SIGNATURE = {
    "en": "Kovács Anna\nVirtual assistant | assist.example\n+36 20 555 0117",
    "hu": "Kovács Anna\nvirtuális asszisztens | assist.example\n+36 20 555 0117",
}
ME_HEADERS = {"User-Agent": "Mozilla Thunderbird"}

CONTENT_MODULES = ("content_brightside", "content_acme", "content_pixel", "content_napfeny",
                   "content_greenleaf", "content_other")

# Europe/Budapest in the span: CEST until 2026-10-25 03:00 local (01:00 UTC), then CET.
_CEST = timezone(timedelta(hours=2))
_CET = timezone(timedelta(hours=1))
_DST_END_LOCAL = datetime(2026, 10, 25, 2, 0)
_HOLIDAYS = (date(2026, 10, 23), date(2026, 11, 1))

_MONTHS_HU = ("jan.", "febr.", "márc.", "ápr.", "máj.", "jún.", "júl.", "aug.", "szept.",
              "okt.", "nov.", "dec.")
_MONTHS_HU_LONG = ("január", "február", "március", "április", "május", "június", "július",
                   "augusztus", "szeptember", "október", "november", "december")
_DAYS_HU = ("hétfő", "kedd", "szerda", "csütörtök", "péntek", "szombat", "vasárnap")

_POLICY = policy.default  # linesep "\n", as mbox files store it
_PREFIXES = ("re:", "vá:", "va:", "fw:", "fwd:", "tov:")


class _Built(NamedTuple):
    """One generated message with what the mbox separator line needs."""

    key: str
    folder: str
    sender: str
    when: datetime
    text: str
    subject: str
    message_id: str
    references: tuple[str, ...]
    raw: bytes


def local_time(stamp: str, key: str) -> datetime:
    """'2026-10-05 10:12' (Budapest wall clock) as an aware datetime with the right offset."""
    naive = datetime.strptime(stamp, "%Y-%m-%d %H:%M")
    naive = naive.replace(second=zlib.crc32(key.encode()) % 60)
    if _DST_END_LOCAL <= naive < _DST_END_LOCAL + timedelta(hours=1):
        raise ValueError(f"{key}: {stamp} is ambiguous (the DST change); pick another time")
    return naive.replace(tzinfo=_CEST if naive < _DST_END_LOCAL else _CET)


def is_working_time(when: datetime) -> bool:
    """Anna's hours: Mon-Fri 09:00-17:00 Budapest, not on Hungarian public holidays."""
    return (when.weekday() < 5 and when.date() not in _HOLIDAYS
            and 9 <= when.hour < 17)


def _load(name: str) -> ModuleType:
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"inboxwatch_sample_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _addr(value: str) -> str:
    return parseaddr(value)[1].lower()


def _domain(value: str) -> str:
    return _addr(value).rpartition("@")[2]


def _base_subject(subject: str) -> str:
    text = subject.strip()
    while text.lower().startswith(_PREFIXES):
        text = text.split(":", 1)[1].strip()
    return text


def _attribution(parent: _Built, lang: str, style: str = "gmail") -> str:
    """The line above a client's quote, as Gmail (or iOS Mail) words it."""
    w = parent.when
    if style == "ios":
        return f"On {w.day} {w:%b %Y}, at {w:%H:%M}, {_full_from(parent)} wrote:"
    if lang == "hu":
        return (f"{w.year}. {_MONTHS_HU[w.month - 1]} {w.day}., {_DAYS_HU[w.weekday()]} "
                f"{w:%H:%M} időpontban {_full_from(parent)} ezt írta:")
    return f"On {w:%a}, {w.day} {w:%b %Y} at {w:%H:%M}, {_full_from(parent)} wrote:"


def _full_from(parent: _Built) -> str:
    return ME if parent.folder == "Sent" else parent.sender


def _outlook_block(parent: _Built, to: str) -> str:
    w = parent.when
    sent = (f"{w.year}. {_MONTHS_HU_LONG[w.month - 1]} {w.day}., {_DAYS_HU[w.weekday()]} "
            f"{w:%H:%M}")
    return ("________________________________\n"
            f"Feladó: {_full_from(parent)}\nElküldve: {sent}\nCímzett: {to}\n"
            f"Tárgy: {parent.subject}\n\n{parent.text}")


def _quote_lines(text: str) -> str:
    return "".join(f"> {line}\n" if line else ">\n" for line in text.rstrip("\n").split("\n"))


def _compose_text(spec: dict[str, Any], client: dict[str, Any], parent: _Built | None,
                  is_me: bool, sender: str) -> str:
    lang = str(client.get("lang", "en"))
    text = str(spec.get("body", "")).strip("\n") + "\n"
    sig = spec.get("sig", is_me)
    if sig:
        signature = str(ME_SIGNATURE[lang] if is_me else sig if isinstance(sig, str)
                        else client["signature"])
        text += f"\n-- \n{signature}\n"
    quote = spec.get("quote")
    if quote:
        if parent is None or parent.text == "":
            raise ValueError(f"{spec['id']}: nothing to quote")
        if quote == "outlook":
            text += "\n" + _outlook_block(parent, sender)
        else:
            line = (_thunderbird(parent, lang, parent.sender.split(" <")[0]) if is_me
                    else _attribution(parent, lang, client.get("quote_style", "gmail")))
            text += f"\n{line}\n{_quote_lines(parent.text)}"
    return text


def _thunderbird(parent: _Built, lang: str, who: str) -> str:
    w = parent.when
    if lang == "hu":
        return f"{w:%Y. %m. %d. %H:%M} keltezéssel, {who} írta:"
    return f"On {w:%d/%m/%Y} {w:%H:%M}, {who} wrote:"


def _fake_pdf(title: str) -> bytes:
    """A tiny, well-formed-looking one-page PDF (a few hundred bytes)."""
    stream = f"BT /F1 14 Tf 72 770 Td ({title}) Tj ET".encode("ascii")
    return (b"%PDF-1.4\n"
            b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >> endobj\n"
            b"4 0 obj << /Length " + str(len(stream)).encode() + b" >> stream\n"
            + stream + b"\nendstream endobj\n"
            b"5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


def _headers(msg: Message, pairs: list[tuple[str, str]]) -> None:
    for name, value in pairs:
        msg[name] = value


def _build_one(spec: dict[str, Any], client: dict[str, Any], built: dict[str, _Built]
               ) -> _Built:
    key = spec["id"]
    is_me = spec.get("from") == "anna"
    parent = built.get(spec["reply"]) if "reply" in spec else None
    if "reply" in spec and parent is None:
        raise ValueError(f"{key}: replies to {spec['reply']!r}, which is not built yet")
    sender = ME if is_me else str(spec.get("from") or client.get("contact") or "")
    if not sender:
        raise ValueError(f"{key}: no sender")
    default_to = (parent.sender if parent is not None and parent.folder == "INBOX"
                  else client.get("contact")) if is_me else client.get("to_anna", ME)
    to = str(spec.get("to") or default_to)
    when = local_time(spec["at"], key)
    if parent is not None and parent.when >= when:
        raise ValueError(f"{key}: written before the message it replies to")
    if is_me and not is_working_time(when):
        raise ValueError(f"{key}: Anna writes only in her working hours, not {spec['at']}")
    if not SPAN_START <= when.date() <= SPAN_END:
        raise ValueError(f"{key}: {spec['at']} is outside the sample's span")
    if "subject" in spec:
        subject = spec["subject"]
    elif parent is not None:
        prefix = "Re: " if is_me else client.get("reply_prefix", "Re: ")
        subject = prefix + _base_subject(parent.subject)
    else:
        raise ValueError(f"{key}: a new thread needs a subject")
    utc = when.astimezone(UTC)
    message_id = f"<{utc:%Y%m%d%H%M%S}.{zlib.crc32(key.encode()):08x}@{_domain(sender)}>"
    references = (*parent.references, parent.message_id) if parent is not None else ()
    kind = spec.get("kind", "plain")
    text = "" if kind == "html" else _compose_text(spec, client, parent, is_me, sender)

    pairs = [("From", sender), ("To", to)]
    if "cc" in spec:
        pairs.append(("Cc", spec["cc"]))
    pairs += [("Subject", subject), ("Date", format_datetime(when)),
              ("Message-ID", message_id)]
    if parent is not None:
        pairs += [("In-Reply-To", parent.message_id), ("References", " ".join(references))]
    extra = {**(ME_HEADERS if is_me else client.get("headers", {})), **spec.get("headers", {})}
    pairs += list(extra.items())

    msg: Message
    if kind == "latin2":
        msg = _latin2(pairs, text)
    else:
        email_msg = EmailMessage(policy=_POLICY)
        _headers(email_msg, pairs)
        email_msg["MIME-Version"] = "1.0"
        if kind == "html":
            email_msg.set_content(spec["html"], subtype="html", cte="quoted-printable")
        else:
            long_lines = any(len(line.encode()) > 78 for line in text.split("\n"))
            email_msg.set_content(text, cte="quoted-printable" if long_lines else None)
        if kind == "alt":
            email_msg.add_alternative(spec["html"], subtype="html", cte="quoted-printable")
        elif kind == "pdf":
            name = spec["attachment"]
            email_msg.add_attachment(_fake_pdf(name.rsplit(".", 1)[0]), maintype="application",
                                     subtype="pdf", filename=name)
        if email_msg.is_multipart():
            email_msg.set_boundary(f"=_iw_{zlib.crc32(key.encode()):08x}")
            for part in email_msg.iter_parts():
                del part["MIME-Version"]  # only the top level carries it
        msg = email_msg
    raw = msg.as_bytes(policy=_POLICY if kind != "latin2" else policy.compat32)
    return _Built(key=key, folder="Sent" if is_me else "INBOX", sender=sender, when=when,
                  text=text, subject=subject, message_id=message_id, references=references,
                  raw=raw)


def _latin2(pairs: list[tuple[str, str]], text: str) -> Message:
    """A Hungarian message as older mail programs send it: ISO-8859-2, quoted-printable."""
    msg = MIMEText(text, "plain", "iso-8859-2")  # the stdlib encodes ISO-8859-2 as QP
    content_headers = sorted(msg.items(), key=lambda kv: kv[0] != "MIME-Version")
    for name in list(msg.keys()):
        del msg[name]
    for name, value in pairs:
        if value.isascii():
            msg[name] = value
        elif name in ("From", "To", "Cc"):
            msg[name] = ", ".join(formataddr(pair, charset="iso-8859-2")
                                  for pair in getaddresses([value]))
        else:
            msg[name] = Header(value, "iso-8859-2").encode()
    for name, value in content_headers:
        msg[name] = value
    return msg


def _build_all() -> list[_Built]:
    specs: list[tuple[datetime, str, dict[str, Any], dict[str, Any]]] = []
    for name in CONTENT_MODULES:
        module = _load(name)
        for spec in module.MESSAGES:
            specs.append((local_time(spec["at"], spec["id"]), spec["id"], spec, module.CLIENT))
    specs.sort(key=lambda item: (item[0], item[1]))
    built: dict[str, _Built] = {}
    for _, key, spec, client in specs:
        if key in built:
            raise ValueError(f"duplicate message id {key!r}")
        built[key] = _build_one(spec, client, built)
    return list(built.values())


def sample_messages() -> list[tuple[str, bytes]]:
    """Every sample message as (folder, raw bytes), sorted by date.

    The folder is "INBOX" for received mail and "Sent" for Anna's own messages.
    """
    return [(b.folder, b.raw) for b in _build_all()]


def _mbox_escape(raw: bytes) -> bytes:
    """mboxrd quoting: a body line "From " (or ">From ") gets one more ">"."""
    lines = raw.split(b"\n")
    escaped = [b">" + line if line.lstrip(b">").startswith(b"From ") else line
               for line in lines]
    return b"\n".join(escaped)


def write_mbox(path: Path) -> int:
    """Write all messages (received and sent together) to the mbox at *path*; return the count."""
    items = _build_all()
    with path.open("wb") as handle:
        for item in items:
            stamp = time.asctime(item.when.astimezone(UTC).timetuple())
            handle.write(f"From {_addr(item.sender)} {stamp}\n".encode("ascii"))
            raw = _mbox_escape(item.raw)
            if not raw.endswith(b"\n"):
                raw += b"\n"
            handle.write(raw + b"\n")
    return len(items)


if __name__ == "__main__":
    count = write_mbox(Path(__file__).with_name("sample.mbox"))
    print(f"wrote {count} messages to {Path(__file__).with_name('sample.mbox')}")
