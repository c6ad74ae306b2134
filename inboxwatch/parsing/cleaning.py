"""Extract the new content of a plain-text mail body.

Labels judge only what the sender wrote in *this* message, so everything else is removed:

* quoted earlier messages: ``>`` lines, and everything after a reply header
  ("On ... wrote:", "... ezt írta:", "... írta (...):"), an Outlook header block
  ("From:/Sent:/To:/Subject:", "Feladó:/Elküldve:/Címzett:/Tárgy:") or an
  "-----Original Message-----" / "-----Eredeti üzenet-----" line;
* forwarded material ("---------- Forwarded message ---------", "Begin forwarded message:",
  "---------- Továbbított levél ----------");
* signatures: the ``-- `` delimiter, mobile footers ("Sent from my iPhone",
  "iPhone-ról küldve", "Get Outlook for iOS") and a closing ("Best regards,", "Üdv,")
  followed by a short name/company/phone block;
* legal disclaimers ("This e-mail and any attachments are confidential...",
  "CONFIDENTIALITY NOTICE", "Ez az e-mail ... bizalmas", "A jelen e-mail ...").

The work is line based and every regular expression is applied to a single line of bounded
length, so the cost is linear in the input, which is itself capped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Final

__all__ = ["MAX_INPUT_CHARS", "extract_new_content"]

MAX_INPUT_CHARS: Final = 200_000
# Header-like lines are short; longer lines are never tested against header patterns.
_MAX_HEADER_LINE: Final = 400
# How many lines after "From:" may hold the rest of an Outlook header block.
_HEADER_BLOCK_SPAN: Final = 6
# A closing is a signature only if at most this many non-blank lines follow it.
_MAX_SIGNATURE_LINES: Final = 12
_MAX_SIGNATURE_LINE_CHARS: Final = 80

_QUOTE_LINE_RE: Final = re.compile(r"^[ \t]*>")
_REPLY_HEADER_END_RE: Final = re.compile(
    r"(?:\bwrote|\b(?:ezt\s+)?[ií]rta(?:\s*\([^()]{0,120}\))?)\s*:\s*$", re.IGNORECASE
)
_WRAPPED_HEADER_START_RE: Final = re.compile(
    r"^\s*(?:On\s|Am\s|Le\s|\d{4}\.\s|\d{4}-\d\d-\d\d)", re.IGNORECASE
)
_SEPARATOR_MARKER_RE: Final = re.compile(
    r"^\s*[-_=]{2,}\s*(?:Forwarded message|Forwarded Message|Original Message|Original message"
    r"|Eredeti üzenet|Eredeti levél|Továbbított levél|Továbbított üzenet)\s*[-_=]{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD_INTRO_RE: Final = re.compile(
    r"^\s*(?:Begin forwarded message|Továbbított levél kezdete|Továbbított üzenet"
    r"|Forwarded message)\s*:\s*$",
    re.IGNORECASE,
)
_HEADER_FROM_RE: Final = re.compile(r"^\s*\*?(?:From|Feladó|Felado|Von)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_FIELD_RE: Final = re.compile(
    r"^\s*\*?(?:Sent|Date|To|Cc|Subject|Elküldve|Küldve|Dátum|Datum|Címzett|Cimzett"
    r"|Másolat|Masolat|Tárgy|Targy)\s*:",
    re.IGNORECASE,
)
_SIGNATURE_DELIMITER_RE: Final = re.compile(r"^--[ \t]?$")
_MOBILE_FOOTER_RE: Final = re.compile(
    r"^\s*(?:Sent from my \S.{0,40}|Sent from (?:Mail|Outlook|Yahoo|Gmail|Samsung)\b.{0,40}"
    r"|Sent with \S.{0,40}|Get Outlook for (?:iOS|Android)\b.{0,20}"
    r"|(?:Az én )?(?:iPhone|iPad|Android|Samsung)(?:-?r[óo]l|-?ról) küldve.{0,20}"
    r"|Küldve (?:az )?(?:én )?(?:iPhone|iPad|Android|Samsung|Outlook|Gmail)\S*.{0,40}"
    r"|\S{0,30} okostelefonról küldve.{0,10}"
    r"|Az Outlook (?:iOS|Android)-(?:re|ra) .{0,30})$",
    re.IGNORECASE,
)
# One pattern for all single-line boundaries keeps the per-line cost to one regex call.
_BOUNDARY_LINE_RE: Final = re.compile(
    "|".join(
        f"(?:{pattern.pattern})"
        for pattern in (
            _SEPARATOR_MARKER_RE,
            _FORWARD_INTRO_RE,
            _SIGNATURE_DELIMITER_RE,
            _MOBILE_FOOTER_RE,
        )
    ),
    re.IGNORECASE,
)
_CLOSING_RE: Final = re.compile(
    r"^\s*(?:(?:best|kind|warm|warmest|many|with)\s+(?:regards|wishes|thanks)|regards"
    r"|best|cheers|sincerely|yours(?:\s+(?:truly|sincerely))?|thanks|thank you|thanks again"
    r"|many thanks|thx|br|all the best|talk soon"
    r"|üdv|udv|üdvözlettel|udvozlettel|üdvözlet|udvozlet|baráti üdvözlettel"
    r"|tisztelettel|köszönöm|koszonom|köszönettel|koszonettel|köszi|koszi|kösz|kosz"
    r"|szép napot|szep napot|további szép napot|tovabbi szep napot|puszi|pusz|ölelés"
    r")\s*[,.!:]*\s*$",
    re.IGNORECASE,
)
_DISCLAIMER_START_RE: Final = re.compile(
    r"^\s*(?:this\s+e-?mail\s+(?:and|message|is|may|contains|including)"
    r"|this\s+message\s+(?:and|\(|is|may|contains)"
    r"|the\s+information\s+(?:contained|in\s+this)"
    r"|confidentiality\s+(?:notice|note|statement)|disclaimer\s*[:\-]|\*+\s*disclaimer"
    r"|please\s+consider\s+the\s+environment"
    r"|a\s+jelen\s+(?:e-?mail|üzenet|levél)|jelen\s+(?:e-?mail|üzenet|levél)"
    r"|titoktartási|jogi\s+nyilatkozat|mielőtt\s+kinyomtatná)",
    re.IGNORECASE,
)
_HU_THIS_MAIL_RE: Final = re.compile(
    r"^\s*ez\s+(?:az\s+e-?mail|az\s+üzenet|a\s+levél)", re.IGNORECASE
)
_CONFIDENTIAL_RE: Final = re.compile(r"bizalmas", re.IGNORECASE)
_BLANK_RUN_RE: Final = re.compile(r"\n{3,}")
# Separator rules that Outlook and others put above a quoted message.
_RULE_LINE_RE: Final = re.compile(r"^\s*[-_=*]{3,}$")


def extract_new_content(text: str) -> str:
    """Return only what the sender newly wrote in a plain-text body.

    Quotes, reply headers, Outlook header blocks, forwarded messages, signatures and legal
    disclaimers are removed. A body that is nothing but quoted or forwarded material yields
    ``""``. Input beyond ``MAX_INPUT_CHARS`` characters is ignored; time is linear.
    """
    lines = text[:MAX_INPUT_CHARS].replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = _drop_quoted(lines)
    lines = _cut_disclaimer(lines)
    lines = _cut_closing(lines)
    return _tidy(lines)


def _drop_quoted(lines: Sequence[str]) -> list[str]:
    """Keep lines before the first quote/forward/signature boundary, minus ``>`` lines.

    A reply header followed by ``>`` lines is bottom-posted or inline quoting: the header and
    the quoted lines go, but the sender's own lines after them stay.
    """
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _QUOTE_LINE_RE.match(line):
            index += 1
            continue
        if _is_boundary(lines, index):
            break
        header_start = _reply_header_start(lines, index)
        if header_start is None:
            kept.append(line)
            index += 1
            continue
        del kept[len(kept) - (index - header_start) :]
        if not _quote_follows(lines, index + 1):
            break
        index += 1
    return kept


def _is_boundary(lines: Sequence[str], index: int) -> bool:
    """True if everything from ``lines[index]`` on is forwarded/original/signature material."""
    line = lines[index]
    if len(line) > _MAX_HEADER_LINE:
        return False
    return bool(_BOUNDARY_LINE_RE.match(line) or _is_header_block(lines, index))


def _is_header_block(lines: Sequence[str], index: int) -> bool:
    """True if ``lines[index]`` starts an Outlook-style From/Sent/To/Subject block."""
    if not _HEADER_FROM_RE.match(lines[index]):
        return False
    following = lines[index + 1 : index + 1 + _HEADER_BLOCK_SPAN]
    fields = sum(
        1 for line in following if len(line) <= _MAX_HEADER_LINE and _HEADER_FIELD_RE.match(line)
    )
    return fields >= 2


def _reply_header_start(lines: Sequence[str], index: int) -> int | None:
    """If ``lines[index]`` ends a reply header, return the index of its first line.

    Clients wrap long headers over two or three lines ("On Tue, 3 Mar 2026 at 10:12, Anna <"
    / "a@b> wrote:"; "... ezt írta (időpont: 2026. márc. 3., K," / "10:12):"), so up to two
    earlier lines are included when they look like the header's beginning.
    """
    line = lines[index]
    if len(line) > _MAX_HEADER_LINE or not line.rstrip().endswith(":"):
        return None
    earlier = _header_continuation(lines, index)
    ends_here = bool(_REPLY_HEADER_END_RE.search(line))
    if not ends_here and not (
        earlier and _REPLY_HEADER_END_RE.search(f"{lines[index - 1]} {line}")
    ):
        return None
    if ends_here and _WRAPPED_HEADER_START_RE.match(line):
        return index
    for start in earlier:  # nearest first
        if _WRAPPED_HEADER_START_RE.match(lines[start]):
            return start
    nearest = lines[earlier[0]] if earlier else ""
    if not ends_here or nearest.rfind("<") > nearest.rfind(">"):
        return earlier[0]
    return index


def _header_continuation(lines: Sequence[str], index: int) -> list[int]:
    """Indexes of up to two non-blank, short, unquoted lines right before ``lines[index]``."""
    found: list[int] = []
    for earlier in (index - 1, index - 2):
        if earlier < 0:
            break
        text = lines[earlier]
        if not text.strip() or len(text) > _MAX_HEADER_LINE or _QUOTE_LINE_RE.match(text):
            break
        found.append(earlier)
    return found


def _quote_follows(lines: Sequence[str], start: int) -> bool:
    """True if the first non-blank line at or after *start* is a ``>`` quote line."""
    for line in lines[start : start + 3]:
        if line.strip():
            return bool(_QUOTE_LINE_RE.match(line))
    return False


def _cut_disclaimer(lines: list[str]) -> list[str]:
    """Drop the first paragraph that opens a legal disclaimer, and everything after it."""
    at_paragraph_start = True
    for index, line in enumerate(lines):
        if not line.strip():
            at_paragraph_start = True
            continue
        if at_paragraph_start and _is_disclaimer_opening(lines, index):
            return lines[:index]
        at_paragraph_start = False
    return lines


def _is_disclaimer_opening(lines: Sequence[str], index: int) -> bool:
    """True if the paragraph starting at ``lines[index]`` is a legal disclaimer."""
    line = lines[index]
    if len(line) > _MAX_HEADER_LINE * 4:
        line = line[: _MAX_HEADER_LINE * 4]
    if _DISCLAIMER_START_RE.match(line):
        return True
    if not _HU_THIS_MAIL_RE.match(line):
        return False
    paragraph = _paragraph_text(lines, index)
    return bool(_CONFIDENTIAL_RE.search(paragraph))


def _paragraph_text(lines: Sequence[str], index: int, limit: int = 2000) -> str:
    """The paragraph starting at ``lines[index]``, at most *limit* characters."""
    parts: list[str] = []
    size = 0
    for line in itertools.islice(lines, index, None):
        if not line.strip() or size > limit:
            break
        parts.append(line)
        size += len(line)
    return " ".join(parts)[:limit]


def _cut_closing(lines: list[str]) -> list[str]:
    """Remove a closing ("Best regards,", "Üdv,") and the short signature block after it.

    The closing is kept when nothing precedes it, so "Thanks!" alone stays a (short) message.
    """
    non_blank = [i for i, line in enumerate(lines) if line.strip()]
    tail = non_blank[-(_MAX_SIGNATURE_LINES + 1) :]
    for position, index in enumerate(tail):
        line = lines[index]
        if len(line) > _MAX_HEADER_LINE or not _CLOSING_RE.match(line):
            continue
        after = tail[position + 1 :]
        if any(len(lines[i].strip()) > _MAX_SIGNATURE_LINE_CHARS for i in after):
            continue
        has_text_before = any(lines[i].strip() for i in range(index))
        return lines[:index] if has_text_before else lines[: index + 1]
    return lines


def _tidy(lines: Sequence[str]) -> str:
    """Strip trailing spaces, collapse runs of blank lines and trim the ends."""
    kept = [line.rstrip() for line in lines]
    while kept and (not kept[-1] or _RULE_LINE_RE.match(kept[-1])):
        kept.pop()
    return _BLANK_RUN_RE.sub("\n\n", "\n".join(kept)).strip()
