"""Which IMAP keywords a client message should carry (pure; written with ``allow_write``).

The tags become ``$iw_urgent``, ``$iw_complaint``, ``$iw_vague`` and ``$iw_afterhours``; an
unanswered message also gets its reply suggestion, ``$iw_reply_now`` or ``$iw_reply_later``
(see :mod:`inboxwatch.analysis.reply_timing`). Only keywords in :data:`OUR_KEYWORDS` are
ever added or removed: ``\\Seen``, ``\\Flagged`` and the user's own keywords are not ours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from inboxwatch.analysis.reply_timing import REPLY_LATER, REPLY_NOW, ReplySuggestion

TAG_KEYWORDS = {
    "urgent": "$iw_urgent",
    "complaint": "$iw_complaint",
    "vague": "$iw_vague",
    "after_hours": "$iw_afterhours",
}
OUR_KEYWORDS = frozenset({*TAG_KEYWORDS.values(), REPLY_NOW, REPLY_LATER})


@dataclass(frozen=True)
class KeywordChange:
    """What to add to and remove from one message's keywords."""

    add: frozenset[str]
    remove: frozenset[str]


def desired_keywords(
    tags: Mapping[str, bool], suggestion: ReplySuggestion | None
) -> frozenset[str]:
    """The keywords of ours that a message with *tags* (``{"urgent": True, ...}``, the
    stored tags with the user's corrections) and *suggestion* should carry now."""
    wanted = {TAG_KEYWORDS[tag] for tag, on in tags.items() if on and tag in TAG_KEYWORDS}
    if suggestion is not None:
        wanted.add(suggestion.keyword)
    return frozenset(wanted)


def keyword_change(current: Iterable[str], desired: frozenset[str]) -> KeywordChange | None:
    """How to go from the server's *current* flags to *desired* (None: nothing to do).

    Keywords compare case-insensitively (RFC 3501); flags not in :data:`OUR_KEYWORDS` are
    never removed."""
    have = {flag.lower() for flag in current}
    ours_present = {k for k in OUR_KEYWORDS if k.lower() in have}
    add = frozenset(k for k in desired if k.lower() not in have)
    remove = frozenset(ours_present - desired)
    return KeywordChange(add, remove) if add or remove else None
