"""Hand-made message features with signal for the three text tags (see docs/LABELS.md).

Every feature has a stable name (``FEATURE_NAMES``, stored with the model so that a model
trained on another feature set is refused) and a human-readable description used in
explanations: ``"ASAP"``, ``"deadline: today"``, ``"reproach: third time"``.

The word lists (``LEXICONS``: one phrase-list feature each; acronyms, months, file
extensions, emoji) live in :mod:`inboxwatch.classifying.lexicons`; their phrase syntax is described
there. All of them are part of :func:`fingerprint`.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from inboxwatch.classifying.lexicons import (
    ANNOYED_EMOJI,
    COMMON_ACRONYMS,
    FILE_EXTENSIONS,
    HAPPY_EMOJI,
    LEXICONS,
    MONTHS,
)
from inboxwatch.text import fold

__all__ = [
    "FEATURE_NAMES",
    "HandFeatures",
    "describe",
    "fingerprint",
    "hand_features",
    "new_subject",
    "strip_subject_prefixes",
    "thread_kind",
]


_WORD_RE: Final = re.compile(r"\w+")
_WORD_SPLIT_RE: Final = re.compile(r"(\w+)")  # the words of _WORD_RE and the text between
_DIGIT_RE: Final = re.compile(r"\d")
_CLOCK_DEADLINE_RE: Final = re.compile(
    r"\b(?:by|before|until|till|no later than)\s+"
    r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|h|o ?clock)?|noon|midday|midnight|lunch(?:time)?)\b"
    r"|\b\d{1,2}(?:[:.]\d{2})?\s*(?:h|ora)?-?(?:ig|ra|re|oraig|orara|orakor)\b"
    r"|\bwithin\s+\d{1,2}\s*(?:min(?:ute)?s?|h(?:ou)?rs?|hours?)\b"
    r"|\bin\s+\d{1,2}\s*(?:min(?:ute)?s?|h(?:ou)?rs?|hours?)\b"
    r"|\b\d{1,2}\s*(?:percen|oran)\s+belul\b"
)
# Every match of _CLOCK_DEADLINE_RE has a digit or one of these words: without them, the
# pattern (slow to run) is not run at all.
_CLOCK_WORDS: Final = ("noon", "midday", "midnight", "lunch")
_NUMBER_RE: Final = re.compile(r"\d[\w:./-]*")
# Where a file name (report.pdf), an address (@) or a link (://, www.) is in the text.
_FILE_OR_ADDRESS_RE: Final = re.compile(
    r"\.(?:" + "|".join(sorted(FILE_EXTENSIONS)) + r")\b|@\w|://|\bwww\.", re.IGNORECASE
)
_EMOJI_RE: Final = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff]")
# Hungarian 2nd person singular definite past ("küldted", "elfelejtetted", "írtad"): what
# the recipient did, the typical shape of a reproach.
_SECOND_PERSON_PAST_RE: Final = re.compile(r"\b\w{2,}(?:tt|t)(?:ad|ed|atok|etek)\b")
_SECOND_PERSON_PAST_ENDINGS: Final = ("tad", "ted", "tatok", "tetek")  # one is in every match
# One or two words in quotation marks: "final", „kész" — often ironic.
_SCARE_QUOTES_RE: Final = re.compile(r"[\"“„'‘]\w+(?: \w+)?[\"”'’]")
_CAPITALS_RE: Final = re.compile(r"\b[A-ZÁÉÍÓÖŐÚÜŰ]{2,}\b")
# A capitalised word in mid-sentence (after a lower-case letter, digit or comma and a space):
# a name, a product, a place.
_NAME_RE: Final = re.compile(r"(?<=[a-z0-9,;)áéíóöőúüű] )[A-ZÁÉÍÓÖŐÚÜŰ][a-záéíóöőúüű]+")
# The model's own copy of the reply/forward prefix rule. The conversation rule is
# inboxwatch.text.REPLY_PREFIX_RE (more prefixes, list tags); these two patterns are part of
# fingerprint(), and the model in models/ was trained on subjects cut by exactly them, so
# sharing the conversation rule would refuse that model. Switch when the model is retrained.
_SUBJECT_PREFIX_RE: Final = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|vs|tr|valasz|válasz|továbbítás|tovabbitas|tov)\s*(?:\[\d+\])?"
    r"\s*:\s*)+",
    re.IGNORECASE,
)
_FORWARD_PREFIX_RE: Final = re.compile(
    r"^\s*(?:fw|fwd|wg|tr|továbbítás|tovabbitas|tov)\s*(?:\[\d+\])?\s*:", re.IGNORECASE
)
_SHORT_CONTENT: Final = 5  # at most this many content words is a short message
_CONTENT_BUCKETS: Final = (0, 1, 3, 6, 11, 26)  # lower bounds of the content-word buckets
_LENGTH_BUCKETS: Final = (0, 20, 60, 150, 400)  # lower bounds of the new-text length buckets
# Interaction features a linear model cannot form on its own.
_DERIVED: Final = (
    "reply",
    "forward",
    "request_or_question",
    "short_request",
    "short_no_request",
    "annoyed_emoji",
    "happy_emoji",
    "second_person_past",
    "scare_quotes",
    "sarcasm_with_reproach",
    "request_without_specifics",
    "short_question",
    "no_letters",
    "question_marks",
    "many_question_marks",
    "exclamations",
    "many_exclamations",
    "capitals",
    "clock_deadline",
    "specifics",
    "content_words",
    "subject_urgency",
    "language_hu",
)

FEATURE_NAMES: Final[tuple[str, ...]] = (
    *LEXICONS.keys(),
    *_DERIVED,
    *(f"content_bucket_{low}" for low in _CONTENT_BUCKETS),
    *(f"length_bucket_{low}" for low in _LENGTH_BUCKETS),
)
_INDEX: Final = {name: i for i, name in enumerate(FEATURE_NAMES)}
# How derived features read in explanations. Features without a description (message shape,
# language, length buckets) still count in the model but are not offered as reasons.
_DESCRIPTIONS: Final[Mapping[str, str]] = {
    "short_request": "short request",
    "annoyed_emoji": "annoyed emoji",
    "happy_emoji": "friendly emoji",
    "second_person_past": "you did",
    "scare_quotes": "scare quotes",
    "sarcasm_with_reproach": "sarcasm",
    "request_without_specifics": "request without specifics",
    "short_question": "bare question",
    "no_letters": "punctuation only",
    "question_marks": "question marks",
    "many_question_marks": "??",
    "exclamations": "exclamation marks",
    "many_exclamations": "!!",
    "capitals": "",
    "clock_deadline": "deadline",
    "specifics": "specific details",
    "subject_urgency": "urgent subject",
}


@dataclass(frozen=True)
class HandFeatures:
    """Feature values aligned with ``FEATURE_NAMES`` and the text that triggered each one."""

    values: tuple[float, ...]
    evidence: Mapping[str, tuple[str, ...]]


@functools.cache
def fingerprint() -> str:
    """A short hash of the word lists, patterns and constants that define the features.

    Stored with a trained model: a model trained with other lists is refused at load time.
    """
    parts = [
        repr(
            [
                (name, lex.label, lex.common, lex.en, lex.hu, lex.suppresses)
                for name, lex in LEXICONS.items()
            ]
        ),
        repr(FEATURE_NAMES),
        *(
            pattern.pattern
            for pattern in (
                _CLOCK_DEADLINE_RE,
                _NUMBER_RE,
                _FILE_OR_ADDRESS_RE,
                _NAME_RE,
                _CAPITALS_RE,
                _SCARE_QUOTES_RE,
                _EMOJI_RE,
                _SECOND_PERSON_PAST_RE,
                _SUBJECT_PREFIX_RE,
                _FORWARD_PREFIX_RE,
            )
        ),
        *(
            repr(sorted(group))
            for group in (
                COMMON_ACRONYMS,
                MONTHS,
                FILE_EXTENSIONS,
                ANNOYED_EMOJI,
                HAPPY_EMOJI,
            )
        ),
        repr((_SHORT_CONTENT, _CONTENT_BUCKETS, _LENGTH_BUCKETS)),
    ]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def strip_subject_prefixes(subject: str) -> str:
    """Remove reply/forward prefixes (``Re:``, ``Fwd:``, ``VS:``, ``Válasz:``) from a subject."""
    return _SUBJECT_PREFIX_RE.sub("", subject).strip()


def thread_kind(subject: str) -> str:
    """``"reply"`` or ``"forward"`` after the subject's outermost prefix, else ``"new"``."""
    if _FORWARD_PREFIX_RE.match(subject):
        return "forward"
    return "reply" if _SUBJECT_PREFIX_RE.match(subject) else "new"


def new_subject(subject: str) -> str:
    """The part of a subject the sender wrote for this message.

    A subject with a reply or forward prefix was written for an earlier message: like quoted
    text, it is not new content, so it yields ``""``. Other subjects are returned stripped.
    """
    return subject.strip() if thread_kind(subject) == "new" else ""


def describe(name: str, evidence: Sequence[str]) -> tuple[str, ...]:
    """Human-readable explanation strings for feature ``name`` given what triggered it."""
    return _describe(name, tuple(evidence))


@functools.lru_cache(maxsize=4096)  # the same evidence recurs; the function is pure
def _describe(name: str, evidence: tuple[str, ...]) -> tuple[str, ...]:
    if name in LEXICONS:
        label = LEXICONS[name].label
        return tuple(f"{label}: {e}" if label else e for e in evidence)
    base = _DESCRIPTIONS.get(name)
    if base is None:
        return ()
    if evidence:
        return tuple(f"{base}: {e}" if base else e for e in evidence)
    return (base,) if base else ()


def hand_features(
    subject: str, text: str, language: str, content_words: int, thread: str = "new"
) -> HandFeatures:
    """Compute the hand-made features of one message.

    ``subject`` is the new part of the subject (see ``new_subject``); ``text`` is the new
    content only; ``content_words`` is the content-word count of ``text`` (see
    ``nlp.content_words``); ``thread`` is the subject's ``thread_kind``.
    """
    values = [0.0] * len(FEATURE_NAMES)
    evidence: dict[str, tuple[str, ...]] = {}
    whole = f"{subject}\n{text}"
    folded = fold(whole)
    source = whole if len(folded) == len(whole) else folded
    pieces = _WORD_SPLIT_RE.split(folded)  # text, word, text, word, …, text
    words = pieces[1::2]
    found = _lexicon_matches(words, language)
    # Word k spans bounds[2k]:bounds[2k + 1] of the text.
    bounds = list(itertools.accumulate(map(len, pieces))) if found else []
    matches: dict[str, list[str]] = {}
    for name, first, end in found:
        matches.setdefault(name, []).append(source[bounds[2 * first] : bounds[2 * end - 1]])
    for name, phrases in matches.items():
        values[_INDEX[name]] = math.log1p(len(phrases))
        evidence[name] = _unique(phrases)
    subject_hits = [
        source[bounds[2 * a] : bounds[2 * b - 1]]
        for name, a, b in found
        if name == "urgency" and bounds[2 * a] < len(subject)
    ]
    _set(values, evidence, "subject_urgency", float(bool(subject_hits)), subject_hits)
    _punctuation_features(values, evidence, whole, text)
    _shape_features(values, evidence, whole, folded, words, text, content_words, matches, language)
    values[_INDEX["language_hu"]] = float(language == "hu")
    values[_INDEX["reply"]] = float(thread == "reply")
    values[_INDEX["forward"]] = float(thread == "forward")
    asks = "request" in matches or "?" in whole
    short = content_words <= _SHORT_CONTENT
    values[_INDEX["request_or_question"]] = float(asks)
    values[_INDEX["short_request"]] = float(asks and short)
    values[_INDEX["short_no_request"]] = float(short and not asks)
    return HandFeatures(tuple(values), evidence)


def _set(
    values: list[float],
    evidence: dict[str, tuple[str, ...]],
    name: str,
    value: float,
    found: Sequence[str] = (),
) -> None:
    values[_INDEX[name]] = value
    if value and found:
        evidence[name] = _unique(found)


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))[:3]


def _punctuation_features(
    values: list[float], evidence: dict[str, tuple[str, ...]], whole: str, text: str
) -> None:
    questions, exclamations = whole.count("?"), whole.count("!")
    _set(values, evidence, "question_marks", math.log1p(questions))
    _set(values, evidence, "many_question_marks", float("??" in whole))
    _set(values, evidence, "exclamations", math.log1p(exclamations))
    _set(values, evidence, "many_exclamations", float("!!" in whole))
    shouted = [w for w in _CAPITALS_RE.findall(whole) if not _is_acronym(w)]
    _set(values, evidence, "capitals", math.log1p(len(shouted)), shouted)
    _set(values, evidence, "no_letters", float(bool(text.strip()) and not _has_letter(text)))
    quoted = _SCARE_QUOTES_RE.findall(whole)
    _set(values, evidence, "scare_quotes", math.log1p(len(quoted)), quoted)
    emoji = [] if whole.isascii() else _EMOJI_RE.findall(whole)
    annoyed = [e for e in emoji if e in ANNOYED_EMOJI]
    happy = [e for e in emoji if e in HAPPY_EMOJI]
    _set(values, evidence, "annoyed_emoji", math.log1p(len(annoyed)), annoyed)
    _set(values, evidence, "happy_emoji", math.log1p(len(happy)), happy)


def _is_acronym(word: str) -> bool:
    return fold(word) in COMMON_ACRONYMS


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _shape_features(
    values: list[float],
    evidence: dict[str, tuple[str, ...]],
    whole: str,
    folded: str,
    words: Sequence[str],
    text: str,
    content_words: int,
    matches: Mapping[str, Sequence[str]],
    language: str,
) -> None:
    if language == "hu":
        you_did = (
            _found(_SECOND_PERSON_PAST_RE, whole, folded)
            if any(ending in folded for ending in _SECOND_PERSON_PAST_ENDINGS)
            else []
        )
        _set(values, evidence, "second_person_past", math.log1p(len(you_did)), you_did)
    clock = (
        _found(_CLOCK_DEADLINE_RE, whole, folded)
        if _DIGIT_RE.search(folded) or any(word in folded for word in _CLOCK_WORDS)
        else []
    )
    _set(values, evidence, "clock_deadline", math.log1p(len(clock)), clock)
    specifics = _specifics(whole, words)
    _set(values, evidence, "specifics", math.log1p(len(specifics)), specifics)
    negative = ("reproach", "dissatisfaction", "negation")
    sarcastic = "praise" in matches and any(n in matches for n in negative)
    _set(values, evidence, "sarcasm_with_reproach", float(sarcastic), matches.get("praise", ()))
    bare_request = "request" in matches and not specifics
    _set(values, evidence, "request_without_specifics", float(bare_request))
    _set(values, evidence, "short_question", float(content_words <= 3 and "?" in whole))
    _set(values, evidence, "content_words", math.log1p(content_words))
    values[_INDEX[f"content_bucket_{_bucket(content_words, _CONTENT_BUCKETS)}"]] = 1.0
    values[_INDEX[f"length_bucket_{_bucket(len(text.strip()), _LENGTH_BUCKETS)}"]] = 1.0


def _found(pattern: re.Pattern[str], whole: str, folded: str) -> list[str]:
    """Matches of ``pattern`` in the folded text, as written in the original where possible."""
    source = whole if len(whole) == len(folded) else folded
    return [source[m.start() : m.end()] for m in pattern.finditer(folded)]


def _bucket(value: int, lower_bounds: Sequence[int]) -> int:
    """The largest of the ascending ``lower_bounds`` that ``value`` reaches."""
    return lower_bounds[bisect.bisect_right(lower_bounds, value) - 1]


def _specifics(whole: str, words: Sequence[str]) -> list[str]:
    """Concrete details a recipient could act on: numbers, dates, files, links, names."""
    found = _NUMBER_RE.findall(whole)
    found.extend(MONTHS.intersection(words))
    if "." in whole or "@" in whole:
        places = _FILE_OR_ADDRESS_RE.finditer(whole)
        found.extend(_file_or_address(whole, m.start()) for m in places)
    found.extend(_NAME_RE.findall(whole))
    return found


def _file_or_address(text: str, dot: int) -> str:
    """The whitespace-delimited chunk of ``text`` around position ``dot``."""
    start = max(text.rfind(" ", 0, dot), text.rfind("\n", 0, dot)) + 1
    end = len(text)
    for separator in (" ", "\n"):
        found = text.find(separator, dot)
        end = found if 0 <= found < end else end
    return text[start:end].strip(".,;:!?()")


# --- phrase matching -----------------------------------------------------------------------

_Pattern = tuple[tuple[str, bool], ...]  # (word, is_prefix) per token


class _Phrase(NamedTuple):
    """A multi-word pattern as matched: exact words, then maybe a stem for the last word."""

    exact: list[str]  # a list: compared with a slice of the message's word list at once
    stem: str | None

    @classmethod
    def of(cls, pattern: _Pattern) -> _Phrase:
        last, is_prefix = pattern[-1]
        if is_prefix:
            return cls([word for word, _ in pattern[:-1]], last)
        return cls([word for word, _ in pattern], None)

    def matches_at(self, words: list[str], i: int) -> bool:
        """Whether the phrase matches ``words`` from position ``i`` on."""
        end = i + len(self.exact)
        if words[i:end] != self.exact:
            return False
        return self.stem is None or (end < len(words) and words[end].startswith(self.stem))

    @property
    def size(self) -> int:
        """The number of words the phrase spans."""
        return len(self.exact) + (self.stem is not None)


_Candidates = tuple[tuple[str, _Phrase], ...]


@dataclass(frozen=True)
class _Entry:
    """Everything that can start at one exact word."""

    names: tuple[str, ...] = ()  # single-word phrases: the feature names
    by_second: Mapping[str, _Candidates] = field(default_factory=dict)  # exact second word
    other: _Candidates = ()  # multi-word phrases whose second word is a stem


@dataclass(frozen=True)
class _Matcher:
    first: Mapping[str, _Entry]  # exact first word → what may start there
    # First three letters of a stem → (feature, stem). A stem is always a phrase's last word,
    # so a phrase starting with a stem is that one word.
    prefix: Mapping[str, tuple[tuple[str, str], ...]]
    suppresses: Mapping[str, tuple[str, ...]]


@functools.cache
def _matcher(language: str) -> _Matcher:
    names: dict[str, list[str]] = {}
    by_second: dict[str, dict[str, list[tuple[str, _Phrase]]]] = {}
    other: dict[str, list[tuple[str, _Phrase]]] = {}
    prefix: dict[str, list[tuple[str, str]]] = {}
    for name, lexicon in LEXICONS.items():
        own = lexicon.en if language == "en" else lexicon.hu
        for phrase in (*lexicon.common, *own):
            pattern = _compile_phrase(phrase)
            first, is_prefix = pattern[0]
            if is_prefix:
                prefix.setdefault(first[:3], []).append((name, first))
            elif len(pattern) == 1:
                names.setdefault(first, []).append(name)
            elif not pattern[1][1]:
                second = by_second.setdefault(first, {})
                second.setdefault(pattern[1][0], []).append((name, _Phrase.of(pattern)))
            else:
                other.setdefault(first, []).append((name, _Phrase.of(pattern)))
    entries = {
        word: _Entry(
            tuple(dict.fromkeys(names.get(word, ()))),
            {k: tuple(v) for k, v in by_second.get(word, {}).items()},
            tuple(other.get(word, ())),
        )
        for word in {*names, *by_second, *other}
    }
    return _Matcher(
        entries,
        {k: tuple(v) for k, v in prefix.items()},
        {name: lex.suppresses for name, lex in LEXICONS.items() if lex.suppresses},
    )


def _compile_phrase(phrase: str) -> _Pattern:
    words = _WORD_RE.findall(fold(phrase))
    if not words:
        raise ValueError(f"empty lexicon phrase {phrase!r}")
    pattern = tuple((w, i == len(words) - 1 and phrase.endswith("*")) for i, w in enumerate(words))
    if any(is_prefix and len(w) < 3 for w, is_prefix in pattern):
        raise ValueError(f"lexicon stem in {phrase!r} is shorter than three letters")
    return pattern


def _lexicon_matches(words: list[str], language: str) -> list[tuple[str, int, int]]:
    """Lexicon matches in folded words: (feature name, first word, end word)."""
    matcher = _matcher(language)
    return _suppress(_find(words, matcher), matcher.suppresses)


def _find(words: list[str], matcher: _Matcher) -> list[tuple[str, int, int]]:
    """Longest non-overlapping match per feature: (name, first word, end word)."""
    best: dict[tuple[str, int], int] = {}
    first, prefix = matcher.first, matcher.prefix
    last = len(words) - 1
    for i, word in enumerate(words):
        entry = first.get(word)
        if entry is not None:
            for name in entry.names:
                best.setdefault((name, i), i + 1)
            if i < last and entry.by_second:
                pairs = entry.by_second.get(words[i + 1])
                if pairs:
                    _try(words, i, pairs, best)
            if entry.other:
                _try(words, i, entry.other, best)
        stems = prefix.get(word[:3])
        if stems is not None:
            for name, stem in stems:  # one-word phrases: they match where they start
                if word.startswith(stem):
                    best[(name, i)] = max(best.get((name, i), 0), i + 1)
    found: list[tuple[str, int, int]] = []
    covered: dict[str, int] = {}
    for (name, start), end in sorted(best.items(), key=lambda kv: (kv[0][1], -kv[1])):
        if start >= covered.get(name, 0):
            found.append((name, start, end))
            covered[name] = end
    return found


def _try(
    words: list[str], i: int, candidates: _Candidates, best: dict[tuple[str, int], int]
) -> None:
    for name, phrase in candidates:
        if phrase.matches_at(words, i):
            end = i + phrase.size
            best[(name, i)] = max(best.get((name, i), 0), end)


def _suppress(
    found: list[tuple[str, int, int]], suppresses: Mapping[str, tuple[str, ...]]
) -> list[tuple[str, int, int]]:
    """Drop matches overlapped by a match of a feature that suppresses them."""
    blockers = [(s, e, set(suppresses[n])) for n, s, e in found if n in suppresses]
    if not blockers:
        return found
    return [
        (n, s, e)
        for n, s, e in found
        if not any(n in victims and s < be and bs < e for bs, be, victims in blockers)
    ]
