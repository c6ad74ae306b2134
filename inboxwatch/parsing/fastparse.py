"""Faster ways to exactly the Message the standard parser makes.

:mod:`inboxwatch.parsing.mime` trusts the stdlib feed parser (``compat32``). Two things it does are
slow for reasons that have no bearing on its result, and are avoided here:

- **Big bodies.** The parser walks every line of every part in Python and then regex-scans
  each payload, so a 200 kB attachment costs milliseconds although nothing reads it; and it
  holds one ``str`` per line meanwhile, so a 15 MB body of short lines takes ~30 times its
  size in memory. Big base64 bodies, and in very big messages any long run of body lines,
  are swapped for a one-line placeholder before parsing and put back into their part's
  payload afterwards.
- **Boundaries.** For every multipart the parser compiles a regular expression from its
  boundary (about 120 µs), and as boundaries are unique, ``re``'s cache never has it. The
  boundaries are renamed to a few fixed names before parsing, so the patterns come from the
  cache, and the names found in the parsed Message are put back afterwards.

:func:`parse` returns the parser's Message for the original bytes, part by part, or
``None`` when neither applies or a check failed: the caller then parses the bytes as they
are. ``tests/test_fastparse.py`` holds the two to each other, with Hypothesis.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from email import policy
from email.message import Message
from email.parser import BytesParser
from typing import Final

__all__ = ["PARSER", "parse"]

PARSER: Final = BytesParser(policy=policy.compat32)


def parse(raw: bytes) -> Message | None:
    """The Message ``PARSER`` makes from *raw*, made faster; ``None`` when there was nothing
    to speed up or the result could not be proved the same (parse *raw* as it is then)."""
    data, bodies = _elide(raw)
    data, names = _rename_boundaries(data)
    if not bodies and not names:
        return None
    try:
        msg = PARSER.parsebytes(data)
    except RecursionError:
        return None
    # Names first: restored bodies are base64, which may contain a fixed name by chance.
    if names and not _restore_boundaries(msg, names):
        return None
    if bodies and not _restore_bodies(msg, bodies):
        return None
    return msg


# --- big bodies ----------------------------------------------------------------------------

_ELIDE_FROM_BYTES: Final = 16_384  # smaller messages gain nothing
_MIN_ELIDED_BYTES: Final = 4_096
_MAX_PART_HEADER_BYTES: Final = 16_384  # a longer header block is simply not looked into
_BASE64_ALPHABET: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_BASE64_WORDS: Final = (b"base64", b"BASE64", b"Base64")
_CTE_PREFIX_RE: Final = re.compile(rb"[ \t]*content-transfer-encoding[ \t]*:[ \t]*\"?\Z")
_PLACEHOLDER: Final = "<inboxwatch-elided-body-"
_PLACEHOLDER_RE: Final = re.compile(r"<inboxwatch-elided-body-(\d+)>")
# Runs of plain body lines are elided only from messages this big (their point is memory),
# and only runs this long.
_ELIDE_TEXT_FROM_BYTES: Final = 1_048_576
_MIN_ELIDED_TEXT_BYTES: Final = 65_536
# Where these occur, a run of lines after a blank line may be a header block (an attached
# message, a delivery report, a digest entry): no text is elided from such messages.
_HEADER_BLOCK_TYPES_RE: Final = re.compile(rb"message/|digest", re.IGNORECASE)


def _elide(raw: bytes) -> tuple[bytes, list[str]]:
    """*raw* with its big bodies replaced by numbered placeholders, and the bodies."""
    if len(raw) < _ELIDE_FROM_BYTES or _PLACEHOLDER.encode() in raw:
        return raw, []
    spans = _base64_bodies(raw)
    if len(raw) >= _ELIDE_TEXT_FROM_BYTES and not _HEADER_BLOCK_TYPES_RE.search(raw):
        spans = sorted(spans + _text_bodies(raw, spans))
    if not spans:
        return raw, []
    pieces: list[bytes] = []
    bodies: list[str] = []
    position = 0
    for start, end, terminator in spans:
        pieces += [raw[position:start], f"{_PLACEHOLDER}{len(bodies)}>".encode(), terminator]
        # the parser's own decoding of bytes (it reads the whole input this way)
        bodies.append(raw[start : end - len(terminator)].decode("ascii", "surrogateescape"))
        position = end
    pieces.append(raw[position:])
    return b"".join(pieces), bodies


def _text_bodies(
    raw: bytes, taken: Sequence[tuple[int, int, bytes]]
) -> list[tuple[int, int, bytes]]:
    """``(start, end, line terminator)`` of long runs of whole lines that follow a blank
    line and of which none starts with "-" (so none can be a boundary line), outside the
    spans *taken*. With no attached messages about (see ``_HEADER_BLOCK_TYPES_RE``) such
    lines can only be part payload, or a preamble or epilogue (then the placeholder is not
    found in a payload and the caller parses the original)."""
    spans: list[tuple[int, int, bytes]] = []
    position = 0
    while (start := _next_body_start(raw, position)) >= 0:
        end = _before_dash_line(raw, start)
        position = max(end, start + 1)
        if end - start < _MIN_ELIDED_TEXT_BYTES or _overlaps(start, end, taken):
            continue
        terminator = b"\r\n" if raw.startswith(b"\r\n", end - 2) else raw[end - 1 : end]
        spans.append((start, end, terminator))
    return spans


def _next_body_start(raw: bytes, position: int) -> int:
    """The start of the first line after a blank line, at or after *position* (-1: none)."""
    hits = [
        i + n
        for i, n in ((raw.find(b"\n\r\n", position), 3), (raw.find(b"\n\n", position), 2))
        if i >= 0
    ]
    return min(hits) if hits else -1


def _before_dash_line(raw: bytes, start: int) -> int:
    """The end of the whole lines from *start* on before the first line (as the parser
    splits lines: at CR, LF or CRLF) that starts with "-"; *start* if that is the first."""
    if raw.startswith(b"-", start):
        return start
    hits = [i for i in (raw.find(b"\n-", start), raw.find(b"\r-", start)) if i >= 0]
    if hits:
        return min(hits) + 1
    last = max(raw.rfind(b"\n"), raw.rfind(b"\r"))  # the end: whole lines only
    return max(start, last + 1)


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int, bytes]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end, _ in spans)


def _base64_bodies(raw: bytes) -> list[tuple[int, int, bytes]]:
    """``(start, end, line terminator)`` of the big base64 bodies, in order: whole lines of
    the base64 alphabet right after a header block that declares base64."""
    spans: list[tuple[int, int, bytes]] = []
    position = 0
    while (hit := _next_base64_word(raw, position)) >= 0:
        position = hit + len(_BASE64_WORDS[0])
        line_start = raw.rfind(b"\n", 0, hit) + 1
        if not _CTE_PREFIX_RE.match(raw[line_start:hit].lower()):
            continue
        start = _body_start(raw, hit)
        if start < 0:
            continue
        dash = raw.find(b"-", start)  # a boundary line; never part of base64
        end = _last_line_end(raw, start, raw.rfind(b"\n", start, len(raw) if dash < 0 else dash))
        terminator = _base64_lines(raw[start:end]) if end - start >= _MIN_ELIDED_BYTES else None
        if terminator is not None:
            spans.append((start, end, terminator))
            position = end  # the next header block comes after this body
    return spans


def _next_base64_word(raw: bytes, position: int) -> int:
    """The first "base64" (in its usual spellings) at or after *position*, or -1. The rarer
    spellings are only looked for before the first usual one, so elided bodies are not
    scanned over and over."""
    hit = raw.find(_BASE64_WORDS[0], position)
    for word in _BASE64_WORDS[1:]:
        other = raw.find(word, position, len(raw) if hit < 0 else hit)
        if other >= 0:
            hit = other
    return hit


def _last_line_end(raw: bytes, start: int, newline: int) -> int:
    """The end of the last non-blank line in ``raw[start:newline + 1]`` (with its
    terminator); blank lines before a boundary stay where they are."""
    text_end = start + len(raw[start : newline + 1].rstrip(b"\r\n"))
    return text_end + (2 if raw.startswith(b"\r\n", text_end) else 1)


def _body_start(raw: bytes, position: int) -> int:
    """Where the body after the header block containing *position* starts (-1: none)."""
    limit = position + _MAX_PART_HEADER_BYTES
    ends = [
        (i, n)
        for i, n in (
            (raw.find(b"\n\r\n", position, limit), 3),
            (raw.find(b"\n\n", position, limit), 2),
        )
        if i >= 0
    ]
    if not ends:
        return -1
    index, length = min(ends)
    return index + length


def _base64_lines(region: bytes) -> bytes | None:
    """The line terminator if *region* is lines of base64 alphabet, all as long as the first
    but the last (which is not longer and not empty), else ``None``. Such lines can only be
    body text to the parser: no boundary, no header, no blank line."""
    first = region.find(b"\n")
    if first <= 0:
        return None
    terminator = b"\r\n" if region[first - 1] == 13 else b"\n"
    width, stride = first + 1 - len(terminator), first + 1
    separators = region.translate(None, _BASE64_ALPHABET)
    lines = len(separators) // len(terminator)
    full = lines - 1
    last = len(region) - full * stride - len(terminator)
    if (
        width <= 0
        or separators != terminator * lines
        or not region.endswith(terminator)
        or not 0 < last <= width
        or region[width::stride][:full] != terminator[:1] * full
    ):
        return None
    if len(terminator) == 2 and region[width + 1 :: stride][:full] != b"\n" * full:
        return None
    return terminator


def _restore_bodies(msg: Message, bodies: Sequence[str]) -> bool:
    """Put the elided bodies back; True if each placeholder was found in exactly one
    part payload."""
    seen = [0] * len(bodies)

    def body(match: re.Match[str]) -> str:
        index = int(match.group(1))
        seen[index] += 1
        return bodies[index]

    for part in msg.walk():
        payload = _plain_payload(part)
        if payload is None:
            return False
        if _PLACEHOLDER in payload:
            part.set_payload(_PLACEHOLDER_RE.sub(body, payload))
    return all(count == 1 for count in seen)


def _plain_payload(part: Message) -> str | None:
    """A leaf part's payload exactly as parsed ("" for a multipart), or ``None`` when 8-bit
    bytes in it make ``get_payload`` return it decoded (and so changed)."""
    payload = "" if part.is_multipart() else part.get_payload()
    # The parser keeps 8-bit bytes as surrogates; get_payload() then decodes them with the
    # part's charset, so anything not ASCII here means the payload was not returned as is.
    return payload if isinstance(payload, str) and payload.isascii() else None


# --- boundaries -----------------------------------------------------------------------------
# Renaming is a plain substitution of each boundary value by a fixed name, everywhere in the
# bytes, so the parser sees the same structure: the same lines are boundary lines, header
# lines stay header lines (values and names are printable, without ":" or white space, and
# without line breaks). That holds when no two occurrences of values can overlap and no value
# can swallow the dashes around another's boundary line; such messages, and any in which a
# "boundary" parameter is not understood here, are left to the plain parse.

_BOUNDARY_WORD_RE: Final = re.compile(rb"boundary", re.IGNORECASE)
# RFC 2046 boundary characters, less ":" and space; 8 to 70 of them (shorter ones gain little
# and risk matching ordinary text).
_BOUNDARY_PARAM_RE: Final = re.compile(
    rb"""boundary[ \t]*=[ \t]*(?:"([A-Za-z0-9'()+_,./=?-]{8,70})"|"""
    rb"""([A-Za-z0-9'()+_,./=?-]{8,70})(?=[;\s]|\Z))""",
    re.IGNORECASE,
)
_NAME_PREFIX: Final = "iwB"  # + two digits: shorter than any renamed value
_MAX_RENAMED: Final = 100


def _rename_boundaries(data: bytes) -> tuple[bytes, dict[str, str]]:
    """*data* with its boundary values renamed, and the names (name -> original value)."""
    values = _boundary_values(data)
    if not values:
        return data, {}
    ordered = sorted(values, key=len, reverse=True)  # a value inside a longer one goes after
    names = [f"{_NAME_PREFIX}{i:02d}".encode() for i in range(len(ordered))]
    if _NAME_PREFIX.encode() in data or not _safe_to_rename(ordered):
        return data, {}
    renamed, counts = data, []
    for value, name in zip(ordered, names, strict=True):
        counts.append(renamed.count(value))
        renamed = renamed.replace(value, name)
    # A shorter value matched across a name (through the text next to it) would have eaten it.
    if any(renamed.count(name) != n for name, n in zip(names, counts, strict=True)):
        return data, {}
    return renamed, {
        name.decode(): value.decode("ascii")
        for name, value, n in zip(names, ordered, counts, strict=True)
        if n
    }


def _boundary_values(data: bytes) -> set[bytes]:
    """Every boundary parameter value in *data*; empty if one of them is not understood."""
    params = list(_BOUNDARY_PARAM_RE.finditer(data))
    if not params or len(params) != len(_BOUNDARY_WORD_RE.findall(data)):
        return set()
    values = {match.group(1) or match.group(2) for match in params}
    return values if len(values) <= _MAX_RENAMED else set()


def _safe_to_rename(values: Sequence[bytes]) -> bool:
    """True when no occurrences of the values can overlap (no suffix of one is a prefix of
    another, itself included) and no value contains another with a dash next to it (it would
    take in that one's boundary line "--value")."""
    for first in values:
        for second in values:
            if _overlap(first, second):
                return False
            if first is not second and (b"-" + second in first or second + b"-" in first):
                return False
    return True


def _overlap(first: bytes, second: bytes) -> bool:
    """Whether a proper suffix of *first* is a proper prefix of *second*."""
    return any(first.endswith(second[:size]) for size in range(1, min(len(first), len(second))))


def _restore_boundaries(msg: Message, names: dict[str, str]) -> bool:
    """Put the original values back for the names; False if a name turned up where it cannot
    be put back (then the caller parses the original)."""
    for part in msg.walk():
        if not _restore_headers(part, names):
            return False
        if part.is_multipart():
            if part.preamble is not None:
                part.preamble = _restored(part.preamble, names)
            if part.epilogue is not None:
                part.epilogue = _restored(part.epilogue, names)
            continue
        payload = _plain_payload(part)
        if payload is None:
            return False
        if _NAME_PREFIX in payload:
            part.set_payload(_restored(payload, names))
    return True


def _restore_headers(part: Message, names: dict[str, str]) -> bool:
    """Restore the first Content-Type header (the one the parser read the boundary from);
    any other header holding a name is not restored here: False."""
    found = [
        (key, value)
        for key, value in part.items()
        if _NAME_PREFIX in key or _NAME_PREFIX in str(value)
    ]
    if not found:
        return True
    key, value = found[0]
    if len(found) > 1 or key.lower() != "content-type" or not isinstance(value, str):
        return False
    if part.get("content-type") is not value:
        return False
    part.replace_header(key, _restored(value, names))
    return True


def _restored(text: str, names: dict[str, str]) -> str:
    if _NAME_PREFIX not in text:
        return text
    for name, value in names.items():
        text = text.replace(name, value)
    return text
