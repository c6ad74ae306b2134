"""Parse raw RFC 5322 message bytes into a ``ParsedMessage``.

Parsing is lenient: real mailboxes hold wrong and unknown charsets, raw 8-bit headers, missing
MIME boundaries and absurd nesting. Such problems are recorded as human-readable ``defects``
and parsing goes on. ``MessageParseError`` is raised only when nothing useful can be had:
empty input, input over the size bound, or bytes with no header block at all.

Speed matters (every message of a mailbox passes through here), so the fast ``compat32``
policy of the standard parser is used and headers and payloads are decoded here, with
fallbacks: declared charset, then UTF-8, then a guess (``charset_normalizer`` for longer
text, Windows-1250 for short Hungarian-looking text), and ``errors="replace"`` last.
Attachment payloads are never decoded, only measured.
"""

from __future__ import annotations

import binascii
import codecs
import email.errors
import email.utils
import functools
import itertools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from typing import Final

from charset_normalizer import from_bytes

from inboxwatch.errors import MessageParseError
from inboxwatch.parsing import fastparse
from inboxwatch.parsing.cleaning import extract_new_content
from inboxwatch.parsing.htmltext import html_to_text
from inboxwatch.parsing.language import detect_language
from inboxwatch.text import scrub_controls

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Attachment",
    "ParsedMessage",
    "decode_header_text",
    "parse_message",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES: Final = 50 * 1024 * 1024
MAX_BODY_CHARS: Final = 1_000_000
MAX_MIME_DEPTH: Final = 20
MAX_PARTS: Final = 1_000
MAX_DEFECTS: Final = 50
# Decoded bytes of a text part beyond this are not turned into text (UTF-8 uses <= 4 per char).
_MAX_TEXT_BYTES: Final = 4 * MAX_BODY_CHARS
_MAX_HEADER_CHARS: Final = 4_096
_MAX_ADDRESS_HEADER_CHARS: Final = 65_536
_MAX_ADDRESSES: Final = 1_000
# Shorter undeclared 8-bit text is too little for a statistical guess; Windows-1250 is the
# likeliest legacy charset for a Hungarian/English mailbox (same letters as ISO-8859-2).
_MIN_GUESS_BYTES: Final = 64
_FALLBACK_CHARSET: Final = "cp1250"
_GUESS_CHARSETS: Final = ("cp1250", "iso8859_2", "cp1252", "iso8859_15", "cp1251", "koi8_r")
_MAX_PARAMETER_HEADER_CHARS: Final = 4096
# Python codecs that are not character sets: they turn "\\ud800" into a lone surrogate.
_NOT_CHARSETS: Final = frozenset({"unicode-escape", "raw-unicode-escape", "unicode-internal"})
_UNKNOWN_CHARSETS: Final = frozenset(
    {"x-unknown", "unknown", "unknown-8bit", "x-user-defined", "8bit", "binary", "default"}
)

_CENTRAL_EUROPEAN_TWIN: Final = {
    "iso8859-1": "iso8859-2",
    "iso8859-15": "iso8859-2",
    "cp1252": "cp1250",
}
_HU_MOJIBAKE_RE: Final = re.compile("[õûÕÛ]")
_HU_ACCENT_RE: Final = re.compile("[áéíóöúüÁÉÍÓÖÚÜ]")
_PARSER: Final = fastparse.PARSER
_ENCODED_WORD_RE: Final = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?\s]*)\?=")
# Quotes, comments, groups and escapes need the full RFC 5322 parser; the rest is split here.
_COMPLEX_ADDRESS_RE: Final = re.compile(r'["()\\:;]')
_SIMPLE_ADDRESS_RE: Final = re.compile(r"([^<>]*)<([^<>\s]+)>|([^<>\s]+)")
_MSGID_RE: Final = re.compile(r"<([^<>\s]{1,998})>")
_BASE64_JUNK_RE: Final = re.compile(rb"[^A-Za-z0-9+/=]+")
# A boundary line followed by a part header: "--xyz" then "Content-Type: ...".
_BOUNDARY_LINE_RE: Final = re.compile(
    rb"^--([^\s]{1,200})[ \t]*\r?\n(?=[Cc][Oo][Nn][Tt][Ee][Nn][Tt]-)", re.MULTILINE
)
# Each of these opens a nesting level in the parser.
_BOUNDARY_PARAM_RE: Final = re.compile(rb"boundary\s*=|message/rfc822", re.IGNORECASE)
_MAX_BOUNDARY_PARAMS: Final = 100
_MAX_SALVAGE_BYTES: Final = 10_000_000
# C0 controls other than tab/newline/CR say nothing and upset databases (NUL in Postgres).
_CONTROL_CHARS_RE: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]+")


@dataclass(frozen=True)
class Attachment:
    """A non-body MIME part, measured but never decoded."""

    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ParsedMessage:
    """What inboxwatch needs from one message.

    Addresses are lower-cased addr-specs, message ids carry no angle brackets, ``date`` is
    aware and in UTC, ``body_text`` is the whole text body (plain preferred, else HTML as
    text, and then ``html_only`` is true), ``new_text`` is what the sender newly wrote (``""``
    for a bare forward or quote) and ``language`` is ``"hu"`` or ``"en"``.
    """

    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_addr: str
    from_name: str
    to_addrs: tuple[str, ...]
    cc_addrs: tuple[str, ...]
    date: datetime | None
    body_text: str
    new_text: str
    language: str
    html_only: bool
    attachments: tuple[Attachment, ...]
    defects: tuple[str, ...]


@dataclass
class _Defects:
    """Collects human-readable problems, without duplicates and up to ``MAX_DEFECTS``."""

    items: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        """Record *text* unless it is already recorded or the list is full."""
        if len(self.items) < MAX_DEFECTS and text not in self.items:
            self.items.append(text)

    def add_parser_defects(self, part: Message, where: str) -> None:
        """Record the defects the standard parser attached to *part*."""
        for defect in part.defects:
            doc = (type(defect).__doc__ or type(defect).__name__).strip().splitlines()[0]
            self.add(f"{where}: {doc}")


@dataclass
class _Body:
    """Body parts found while walking the MIME tree (mutable accumulator)."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    parts_seen: int = 0


def parse_message(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedMessage:
    """Parse raw RFC 5322 bytes into a ``ParsedMessage``.

    Raises ``MessageParseError`` only if *raw* is empty, longer than *max_bytes*, or has no
    header block; every other problem is tolerated and listed in ``defects``.
    """
    _check_raw(raw, max_bytes)
    try:
        return _parse(raw.lstrip(b"\r\n"))
    except MessageParseError:
        raise
    except (email.errors.MessageError, LookupError, ValueError, TypeError, RecursionError) as exc:
        # The standard parser is lenient but not bulletproof; keep one bad message from
        # stopping an ingest run.
        logger.warning("mail parser failed unexpectedly: %s", type(exc).__name__)
        raise MessageParseError(
            f"the mail parser failed ({type(exc).__name__}); the message is kept raw"
        ) from exc


def _check_raw(raw: bytes, max_bytes: int) -> None:
    """Refuse input that cannot be a message worth parsing."""
    if not raw or raw.isspace():
        raise MessageParseError("the message is empty: there are no bytes to parse")
    if len(raw) > max_bytes:
        raise MessageParseError(
            f"the message is {len(raw)} bytes, over the limit of {max_bytes}; "
            "raise max_bytes to parse it"
        )


def _parse(raw: bytes) -> ParsedMessage:
    """Parse non-empty raw bytes (see ``parse_message``)."""
    defects = _Defects()
    msg = _parse_tree(raw, defects)
    if not len(msg):
        raise MessageParseError(
            "no header block: the data does not start with RFC 5322 header fields, "
            "so it is probably not a mail message"
        )
    headers = _header_map(msg)
    body = _Body()
    _walk(msg, 0, body, defects)
    body_text, html_only = _choose_body_text(body, defects)
    subject = _single_header_text(headers, "subject", defects)
    from_name, from_addr = _from_header(headers, defects)
    new_text = extract_new_content(body_text)
    message_id = _message_id(_first(headers, "message-id", defects))
    if message_id is None:
        defects.add("no Message-ID header")
    return ParsedMessage(
        message_id=message_id,
        in_reply_to=_message_id(_first(headers, "in-reply-to", defects)),
        references=_references(headers.get("references", [])),
        subject=subject,
        from_addr=from_addr,
        from_name=from_name,
        to_addrs=_address_list(headers.get("to", []), defects),
        cc_addrs=_address_list(headers.get("cc", []), defects),
        date=_date(_first(headers, "date", defects), defects),
        body_text=body_text,
        new_text=new_text,
        language=detect_language(f"{subject}\n{new_text}"),
        html_only=html_only,
        attachments=tuple(body.attachments),
        defects=tuple(defects.items),
    )


def _parse_tree(raw: bytes, defects: _Defects) -> Message:
    """Run the standard parser, cutting absurdly nested input it cannot recurse into."""
    fast = fastparse.parse(raw)
    if fast is not None:
        return fast
    try:
        return _PARSER.parsebytes(raw)
    except RecursionError:
        # The parser recurses once per nesting level; a few hundred levels exhaust the stack.
        cut = _nesting_cut(raw)
        defects.add("MIME nesting too deep for the parser; the message was cut short")
        return _PARSER.parsebytes(raw[:cut])


def _nesting_cut(raw: bytes) -> int:
    """A cut position (a line start) before the ``_MAX_BOUNDARY_PARAMS``-th boundary param."""
    for count, match in enumerate(_BOUNDARY_PARAM_RE.finditer(raw), start=1):
        if count == _MAX_BOUNDARY_PARAMS:
            return raw.rfind(b"\n", 0, match.start()) + 1
    return len(raw)


# --- headers -------------------------------------------------------------------------------

_WANTED_HEADERS: Final = frozenset(
    {"from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references"}
)


def _header_map(msg: Message) -> dict[str, list[str]]:
    """The wanted raw header values, in order, by lower-cased name."""
    result: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        key = name.strip().lower()
        if key in _WANTED_HEADERS:
            result.setdefault(key, []).append(str(value))
    return result


def _first(headers: dict[str, list[str]], name: str, defects: _Defects) -> str | None:
    """The first value of a single-valued header, noting duplicates as a defect."""
    values = headers.get(name, [])
    if len(values) > 1:
        defects.add(f"duplicate {name} header ({len(values)} values); the first is used")
    return values[0] if values else None


def _single_header_text(headers: dict[str, list[str]], name: str, defects: _Defects) -> str:
    """A decoded, whitespace-collapsed, length-bounded single-valued header."""
    value = _first(headers, name, defects)
    if value is None:
        return ""
    text = " ".join(_decode_header(value, defects).split())
    if len(text) > _MAX_HEADER_CHARS:
        defects.add(f"{name} header longer than {_MAX_HEADER_CHARS} characters; truncated")
        text = text[:_MAX_HEADER_CHARS]
    return text


def decode_header_text(value: str) -> str:
    """Decode a raw header value: raw 8-bit bytes and RFC 2047 encoded words, any charset.

    Never raises: unknown charsets are guessed and undecodable bytes become U+FFFD.
    Control and format characters are scrubbed (:func:`inboxwatch.text.scrub_controls`),
    so a decoded header is safe to print on a terminal.
    """
    return _decode_header(value, _Defects())


def _decode_header(value: str, sink: _Defects) -> str:
    """``decode_header_text``, recording problems in *sink*."""
    # Scrubbed after decoding: an encoded word can carry ESC or U+202E as well as raw text.
    return scrub_controls(_decode_words(_undo_surrogates(value, sink), sink))


def _decode_words(value: str, sink: _Defects) -> str:
    """*value* with its RFC 2047 encoded words decoded."""
    if "=?" not in value:
        return value
    pieces: list[str] = []
    pending: list[tuple[bytes, str]] = []  # adjacent encoded words, decoded together
    position = 0
    for match in _ENCODED_WORD_RE.finditer(value):
        between = value[position : match.start()]
        if between.strip() or not pending:
            _flush_encoded(pending, pieces, sink)
            pieces.append(between)
        pending.append((_decode_encoded_word(match, sink), match.group(1)))
        position = match.end()
    _flush_encoded(pending, pieces, sink)
    pieces.append(value[position:])
    return "".join(pieces)


def _undo_surrogates(value: str, defects: _Defects) -> str:
    """Turn raw 8-bit header bytes (kept by the parser as surrogates) back into text."""
    if value.isascii() or not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    defects.add("raw 8-bit bytes in a header (not RFC 2047 encoded)")
    return _guess_decode(data)


def _decode_encoded_word(match: re.Match[str], defects: _Defects) -> bytes:
    """The bytes carried by one RFC 2047 encoded word (lenient about padding)."""
    encoding, text = match.group(2).lower(), match.group(3)
    data = text.encode("ascii", "replace")
    if encoding == "q":
        return binascii.a2b_qp(data, header=True)
    return _lenient_base64(data, defects)


def _flush_encoded(pending: list[tuple[bytes, str]], pieces: list[str], defects: _Defects) -> None:
    """Decode runs of same-charset encoded words (a character may be split across words)."""
    for charset, run in itertools.groupby(pending, key=lambda word: word[1].lower()):
        data = b"".join(chunk for chunk, _ in run)
        pieces.append(_decode_with_charset(data, charset.split("*")[0], defects, "header"))
    pending.clear()


# --- addresses, ids, dates -----------------------------------------------------------------


def _from_header(headers: dict[str, list[str]], defects: _Defects) -> tuple[str, str]:
    """(decoded display name, lower-cased address) of the first From address."""
    value = _first(headers, "from", defects)
    if value is None:
        defects.add("no From header")
        return "", ""
    pairs = _parse_addresses([value], defects)
    if not pairs:
        defects.add("From header has no parseable address")
        return "", ""
    name, addr = pairs[0]
    return name, addr


def _address_list(values: Sequence[str], defects: _Defects) -> tuple[str, ...]:
    """Lower-cased addresses of all occurrences of an address header, de-duplicated."""
    seen: dict[str, None] = {}
    for _, addr in _parse_addresses(values, defects):
        seen.setdefault(addr, None)
    return tuple(seen)


def _parse_addresses(values: Iterable[str], defects: _Defects) -> list[tuple[str, str]]:
    """(display name, address) pairs; entries without a usable address are skipped."""
    texts: list[str] = []
    for value in values:
        text = _undo_surrogates(value, defects)
        if len(text) > _MAX_ADDRESS_HEADER_CHARS:
            defects.add("address header too long; only its beginning is read")
            text = text[:_MAX_ADDRESS_HEADER_CHARS]
        texts.append(text)
    pairs: list[tuple[str, str]] = []
    for name, addr in _split_addresses(texts)[:_MAX_ADDRESSES]:
        addr = addr.strip().lower()
        if "@" in addr and addr.split() == [addr]:  # no white space inside
            pairs.append((" ".join(_decode_header(name, defects).split()), addr))
    return pairs


def _split_addresses(texts: list[str]) -> list[tuple[str, str]]:
    """(name, address) pairs; simple lists skip the slow general parser of ``email.utils``."""
    pairs: list[tuple[str, str]] = []
    for text in texts:
        if _COMPLEX_ADDRESS_RE.search(text):
            return email.utils.getaddresses(texts)
        for piece in text.split(","):
            match = _SIMPLE_ADDRESS_RE.fullmatch(piece.strip())
            if match is None:
                if piece.strip():
                    return email.utils.getaddresses(texts)
                continue
            name, bracketed, bare = match.groups()
            pairs.append(((name or "").strip(), bracketed or bare))
    return pairs


def _message_id(value: str | None) -> str | None:
    """A message id without angle brackets, or ``None`` when missing or blank."""
    if value is None:
        return None
    value = _undo_surrogates(value, _Defects())
    match = _MSGID_RE.search(value)
    if match is not None:
        return match.group(1)
    tokens = value.split()
    token = tokens[0].strip("<>")[:998] if tokens else ""
    return token or None


def _references(values: Sequence[str]) -> tuple[str, ...]:
    """All message ids of the References header(s), in order, without duplicates."""
    seen: dict[str, None] = {}
    for raw_value in values:
        value = _undo_surrogates(raw_value, _Defects())
        ids = _MSGID_RE.findall(value) or value.split()
        for message_id in ids[:_MAX_ADDRESSES]:
            seen.setdefault(message_id, None)
    return tuple(seen)


def _date(value: str | None, defects: _Defects) -> datetime | None:
    """The Date header as an aware UTC datetime, or ``None`` if missing or unparseable."""
    if value is None:
        defects.add("no Date header")
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
        if parsed.tzinfo is None:  # "-0000": UTC, local zone unknown (RFC 5322 3.3)
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.add("unparseable Date header")
        return None


# --- MIME tree -----------------------------------------------------------------------------


def _walk(part: Message, depth: int, body: _Body, defects: _Defects) -> None:
    """Sort the parts under *part* into plain bodies, HTML bodies and attachments."""
    body.parts_seen += 1
    if body.parts_seen > MAX_PARTS:
        defects.add(f"more than {MAX_PARTS} MIME parts; the rest is ignored")
        return
    if depth > MAX_MIME_DEPTH:
        defects.add(f"MIME nesting deeper than {MAX_MIME_DEPTH} levels; deeper parts ignored")
        return
    defects.add_parser_defects(part, "MIME structure" if depth else "message")
    _cap_parameter_headers(part, defects)
    content_type = part.get_content_type()
    if content_type == "message/rfc822" or _is_attachment(part, content_type):
        body.attachments.append(_attachment(part, content_type, defects))
    elif part.is_multipart():
        for child in part.get_payload():
            if isinstance(child, Message):
                _walk(child, depth + 1, body, defects)
    elif content_type.startswith("multipart/"):
        _salvage_multipart(part, depth, body, defects)
    elif content_type == "text/html":
        body.html.append(_text_payload(part, defects))
    else:
        body.plain.append(_text_payload(part, defects))


def _cap_parameter_headers(part: Message, defects: _Defects) -> None:
    """Cut absurdly long Content-Type/-Disposition headers before their parameters are read:
    the stdlib's parameter parser is quadratic in the number of parameters."""
    for name in ("Content-Type", "Content-Disposition"):
        value = part.get(name)
        if isinstance(value, str) and len(value) > _MAX_PARAMETER_HEADER_CHARS:
            defects.add(
                f"{name} header longer than {_MAX_PARAMETER_HEADER_CHARS} characters; truncated"
            )
            part.replace_header(name, value[:_MAX_PARAMETER_HEADER_CHARS])


def _is_attachment(part: Message, content_type: str) -> bool:
    """True for parts that are not body text (non-text, named, or marked as attachment)."""
    if content_type.startswith("multipart/"):
        return False
    if content_type not in ("text/plain", "text/html"):
        return True
    raw_type = str(part.get("content-type", "")).lower()
    if "content-disposition" not in part and "name" not in raw_type:
        return False  # fast path: parsing parameters is costly and nothing hints at a name
    disposition = (part.get_content_disposition() or "").lower()
    return (
        disposition == "attachment"
        or part.get_param("name") is not None
        or bool(part.get_filename())
    )


def _attachment(part: Message, content_type: str, defects: _Defects) -> Attachment:
    """Describe an attachment without decoding its payload."""
    filename = part.get_filename() or ""
    filename = " ".join(_decode_header(filename, defects).split())[:_MAX_HEADER_CHARS]
    if not filename and content_type == "message/rfc822":
        filename = "forwarded-message.eml"
    return Attachment(filename=filename, content_type=content_type, size=_encoded_size(part))


def _encoded_size(part: Message, depth: int = 0) -> int:
    """Approximate decoded size in bytes, from the encoded payload's length."""
    payload = part.get_payload()
    if isinstance(payload, list):
        if depth > MAX_MIME_DEPTH:
            return 0
        return sum(
            _encoded_size(child, depth + 1)
            for child in payload[:MAX_PARTS]
            if isinstance(child, Message)
        )
    if not isinstance(payload, str):
        return 0
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    if encoding == "base64":
        significant = len(payload) - payload.count("\n") - payload.count("\r")
        significant -= payload.count(" ") + payload.count("=")
        return max(0, significant) * 3 // 4
    return len(payload)


def _salvage_multipart(part: Message, depth: int, body: _Body, defects: _Defects) -> None:
    """A multipart whose boundary is missing or wrong: find a boundary line, or read as text."""
    data = _payload_bytes(part)
    match = None
    if len(data) <= _MAX_SALVAGE_BYTES:
        match = _BOUNDARY_LINE_RE.search(data, 0, 65_536)
    if match is None:
        defects.add("multipart part without a usable boundary; read as plain text")
        body.plain.append(_text_payload(part, defects))
        return
    defects.add("multipart part without a usable boundary; boundary guessed from the body")
    boundary = match.group(1).removesuffix(b"--")
    rebuilt = _PARSER.parsebytes(
        b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n' + data
    )
    if rebuilt.is_multipart():
        _walk(rebuilt, depth + 1, body, defects)
    else:
        body.plain.append(_text_payload(part, defects))


# --- payload decoding ----------------------------------------------------------------------


def _text_payload(part: Message, defects: _Defects) -> str:
    """Decode a text part: transfer encoding, then charset, bounded in size."""
    data = _payload_bytes(part)
    if len(data) > _MAX_TEXT_BYTES:
        defects.add("text part too large; only its beginning is read")
        data = data[:_MAX_TEXT_BYTES]
    return _decode_with_charset(data, part.get_content_charset(), defects, "body")


def _payload_bytes(part: Message) -> bytes:
    """The part's payload with its transfer encoding undone (the parser is lenient here)."""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _lenient_base64(data: bytes, defects: _Defects) -> bytes:
    """Base64-decode, tolerating junk characters, missing padding and padded chunks."""
    if b"=" in data.rstrip(b"=\r\n \t"):  # padding inside: separately encoded chunks
        return _chunked_base64(data)
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        defects.add("invalid base64 data; decoded leniently")
        return _chunked_base64(data)


def _chunked_base64(data: bytes) -> bytes:
    """Decode base64 made of separately padded chunks, repairing broken padding."""
    decoded: list[bytes] = []
    for chunk in _BASE64_JUNK_RE.sub(b"", data).split(b"="):
        usable = len(chunk) - len(chunk) % 4 if len(chunk) % 4 == 1 else len(chunk)
        if usable:
            padded = chunk[:usable] + b"=" * (-usable % 4)
            decoded.append(binascii.a2b_base64(padded))
    return b"".join(decoded)


def _decode_with_charset(data: bytes, charset: str | None, defects: _Defects, where: str) -> str:
    """Decode with the declared charset, falling back to UTF-8 and a guess."""
    codec = _codec_name(charset) if charset else None
    wide = codec is not None and codec.startswith(("utf-16", "utf-32"))
    if data.isascii() and not wide:
        return data.decode("ascii")
    if charset and codec is None:
        defects.add(f"unknown charset {charset[:40]!r} in {where}; guessed")
    if codec is not None and not codec.startswith("utf") and _is_utf8(data):
        # Mislabelled UTF-8 is common and would decode "successfully" as mojibake.
        defects.add(f"{where} declared {codec} but is UTF-8")
        return data.decode("utf-8")
    if codec is not None:
        try:
            return _repair_western_hungarian(data.decode(codec), data, codec, defects, where)
        except (UnicodeError, LookupError):
            defects.add(f"{where} does not match its declared charset {codec}; guessed")
    elif not charset and where == "body":
        defects.add("8-bit body without a declared charset; guessed")
    return _guess_decode(data)


def _repair_western_hungarian(
    text: str, data: bytes, codec: str, defects: _Defects, where: str
) -> str:
    """Re-decode Hungarian text mislabelled as Western European.

    Old Hungarian mail often declares ISO-8859-1 or Windows-1252 while using ISO-8859-2 or
    Windows-1250: everything decodes, but "ő" and "ű" turn into "õ" and "û", letters that
    Hungarian and English never use next to other Hungarian accents.
    """
    central = _CENTRAL_EUROPEAN_TWIN.get(codec)
    if central is None or not _HU_MOJIBAKE_RE.search(text):
        return text
    if not _HU_ACCENT_RE.search(text):
        return text
    defects.add(f"{where} declared {codec} but is Hungarian {central}")
    return data.decode(central, "replace")


def _is_utf8(data: bytes) -> bool:
    """True if *data* is valid UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _guess_decode(data: bytes) -> str:
    """Decode bytes of unknown charset: UTF-8, a statistical guess, then Windows-1250."""
    if _is_utf8(data):
        return data.decode("utf-8")
    if len(data) >= _MIN_GUESS_BYTES:
        best = from_bytes(data[:65_536], cp_isolation=list(_GUESS_CHARSETS)).best()
        if best is not None:
            return data.decode(best.encoding, "replace")
    return data.decode(_FALLBACK_CHARSET, "replace")


@functools.lru_cache(maxsize=256)
def _codec_name(charset: str) -> str | None:
    """The Python codec for a MIME charset name, or ``None`` if unknown or not a text codec."""
    name = charset.strip().strip("\"'").lower()
    if not name or name in _UNKNOWN_CHARSETS or len(name) > 40:
        return None
    try:
        codec = codecs.lookup(name).name
        b"a".decode(codec)  # rejects bytes-to-bytes codecs such as "base64"
    except (LookupError, UnicodeError, ValueError):
        return None
    return None if codec in _NOT_CHARSETS else codec


# --- body choice ---------------------------------------------------------------------------


def _choose_body_text(body: _Body, defects: _Defects) -> tuple[str, bool]:
    """The body text (plain preferred over HTML) and whether it came from HTML."""
    plain = "\n".join(text for text in body.plain if text.strip())
    from_html = not plain.strip() and any(text.strip() for text in body.html)
    text = "\n".join(html_to_text(html) for html in body.html) if from_html else plain
    text = text.replace("\r\n", "\n")
    if _CONTROL_CHARS_RE.search(text):
        text = _CONTROL_CHARS_RE.sub("", text)
    if len(text) > MAX_BODY_CHARS:
        defects.add(f"body text longer than {MAX_BODY_CHARS} characters; truncated")
        text = text[:MAX_BODY_CHARS]
    return text, from_html
