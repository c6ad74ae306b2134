"""Small text rules shared by every stage: accent folding and reply/forward subject prefixes.

Pure and dependency-free, so that the parsing, classifying and analysis stages can all use
the same rule without importing one another.

:func:`fold` lower-cases and maps accented Latin letters to their base letter one character
for one character (``Tudnád`` → ``tudnad``, ``ő`` → ``o``), so Hungarian typed without accents
matches, and offsets in the folded text are offsets in the original (as long as lower-casing
keeps the length, which it does for everything but a few letters such as ``İ``).

:func:`scrub_controls` makes text taken from mail safe to show on a terminal or in a mail:
no escape sequence, C1 control or bidi override in a subject can steer what the reader sees.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

__all__ = [
    "REPLY_PREFIX_RE",
    "fold",
    "invoice_key",
    "scrub_controls",
    "strip_reply_prefixes",
    "word_set",
]


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of *text*: for word lists written as one string."""
    return frozenset(text.split())


def fold(text: str) -> str:
    """Lower-case *text* and replace accented Latin letters by their base letter."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    for accented, base in _HUNGARIAN:  # what most mail needs, quicker than translate()
        if accented in lowered:
            lowered = lowered.replace(accented, base)
    return lowered if lowered.isascii() else lowered.translate(_fold_table())


# The accented letters of Hungarian, each with what _fold_table() maps it to.
_HUNGARIAN: Final = tuple(zip("áéíóöőúüű", "aeiooouuu", strict=True))


@functools.cache
def _fold_table() -> str:
    """Character ``c`` of the Basic Multilingual Plane → ``_fold_table()[ord(c)]``.

    A string rather than a dict: ``str.translate`` then finds every character by index,
    where a dict raises (and drops) a KeyError for each character it does not change.
    Characters beyond the table are left as they are, as with the dict.
    """
    table = [chr(code) for code in range(0x10000)]
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii() and base.isalpha():
            table[code] = base
    return "".join(table)


def invoice_key(number: str) -> str:
    """An invoice number as compared between mail and a ledger: folded, upper-cased, without
    white space and a leading ``#`` (``"# 2026 / 0112"`` and ``"2026/0112"`` are one)."""
    return re.sub(r"\s+", "", fold(number)).lstrip("#").upper()


# One reply/forward prefix (English, German, Nordic, French, Spanish, Hungarian; with an
# optional counter such as "Re[2]:") or one list tag ("[Ticket 12]").
REPLY_PREFIX_RE: Final = re.compile(
    r"^\s*(?:(?:re|fwd?|fw|aw|wg|sv|vs|tr|rv|vá|va|továbbítás|tovabbitas|továbbítva|tov)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]|\[[^\]]{1,40}\])\s*",
    re.IGNORECASE,
)


def strip_reply_prefixes(subject: str) -> str:
    """*subject* without its leading reply/forward prefixes and list tags.

    ``"Re: Fwd: [Ticket 7] Vá: Invoice"`` → ``"Invoice"``.
    """
    text = subject
    while True:
        stripped = REPLY_PREFIX_RE.sub("", text, count=1)
        if stripped == text:
            return text
        text = stripped


# Unicode categories Cc (controls) and Cf (format characters) as of Unicode 15, but for the
# zero-width (non-)joiner U+200C/U+200D, which only join letters and emoji (👩‍💻) and cannot
# move the cursor, reorder text or hide anything. A test checks this class against the
# running Python's unicodedata.
_CONTROLS_RE: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u180e\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
# Line breaks and other white-space controls stand for a space.
_SPACE_CONTROLS: Final = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029")
# What can rewrite the screen (ESC, CSI, OSC...) or reorder text (embeddings, overrides,
# isolates) is shown as U+FFFD, so that a planted sequence is visible rather than obeyed.
_SHOWN_CONTROLS: Final = frozenset(
    [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]
    + [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
)


def scrub_controls(text: str) -> str:
    """*text* without control and format characters (Unicode Cc and Cf).

    Tab, line breaks and the other white-space controls become a space; the other controls
    (escape sequences, C1 controls such as CSI) and the bidi embeddings, overrides and
    isolates become U+FFFD; invisible format characters (soft hyphen, zero-width space,
    bidi marks, byte-order mark, tag characters) are removed. Letters, accents, emoji and
    the zero-width joiners of emoji sequences are kept.
    """
    if not _CONTROLS_RE.search(text):
        return text
    return _CONTROLS_RE.sub(_replacement, text)


def _replacement(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SPACE_CONTROLS:
        return " "
    return "\ufffd" if char in _SHOWN_CONTROLS else ""
