"""Small text rules shared by every stage: accent folding and reply/forward subject prefixes.

Pure and dependency-free, so that the parsing, classifying and analysis stages can all use
the same rule without importing one another.

:func:`fold` lower-cases and maps accented Latin letters to their base letter one character
for one character (``Tudnád`` → ``tudnad``, ``ő`` → ``o``), so Hungarian typed without accents
matches, and offsets in the folded text are offsets in the original (as long as lower-casing
keeps the length, which it does for everything but a few letters such as ``İ``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

__all__ = ["REPLY_PREFIX_RE", "fold", "strip_reply_prefixes"]


def fold(text: str) -> str:
    """Lower-case *text* and replace accented Latin letters by their base letter."""
    lowered = text.lower()
    return lowered if lowered.isascii() else lowered.translate(_fold_table())


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
