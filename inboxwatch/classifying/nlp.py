"""Language processing for the classifier: tokens, lemmas, stop words.

spaCy's tokenizer for ``en`` and ``hu`` (from blank pipelines) and the lemma lookup tables of
``spacy-lookups-data`` are loaded on first use (never at import) and cached for the life of the
process. Text is lower-cased before tokenising, because the lookup tables are keyed by
lower-case forms; the original spelling of every token is kept for explanations.

Lemmas are what spaCy's lookup lemmatizer component gives, looked up directly instead of
running the component: the table is the one it loads, keyed the way it keys it (by spaCy's
string hash), but held in two arrays of numbers and one string rather than in a dict of
80,000 strings. A worker process forked from a loaded process reads a dict's entries by
touching their reference counts, which copies the memory they sit in; the arrays are read
without writing, so the table stays shared.

Tokens, lemmas and stop words are accent-folded with :func:`inboxwatch.text.fold`, so
Hungarian typed without accents matches.
"""

from __future__ import annotations

import functools
import itertools
import logging
import operator
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy.typing as npt

from inboxwatch.errors import ModelError
from inboxwatch.text import fold

if TYPE_CHECKING:
    from spacy.tokenizer import Tokenizer
    from spacy.tokens import Doc

__all__ = [
    "LANGUAGES",
    "MAX_TEXT_CHARS",
    "Analysis",
    "analyse",
    "analyse_many",
    "content_words",
]

logger = logging.getLogger(__name__)

LANGUAGES: Final = ("en", "hu")
# Text beyond this many characters is not analysed: it keeps time and memory bounded and
# stays far below spaCy's own max_length.
MAX_TEXT_CHARS: Final = 100_000
_BATCH_SIZE: Final = 256
_LONG_SPACE_RE: Final = re.compile(r"\s{2,}")
# Memory must stay flat over months of mail whose every message may bring new words: the
# token memo is cleared, and spaCy's tokenizer (its vocabulary, string store and cache, which
# never forget a string) is built afresh, once they hold this many distinct tokens. Real
# mail's common words are back in them within a few hundred messages.
_MEMO_LIMIT: Final = 50_000  # distinct tokens remembered per language before a reset
_VOCAB_LIMIT: Final = 50_000  # lexemes in spaCy's vocabulary before a new tokenizer
# spaCy strips prefixes and suffixes one at a time, rescanning the rest of the chunk each
# time: a chunk ending in n peelable characters ("€€€…", "!!!…", emoji, "'s's's…") costs
# O(n × chunk length), minutes at MAX_TEXT_CHARS. Runs of such characters are cut by a
# space every _RUN_LIMIT characters, which bounds the work at ~_RUN_LIMIT scans per character.
_RUN_LIMIT: Final = 8
_SYMBOL_RUN_RE: Final = re.compile(rf"(?:[^\w\s]|_|(?<=['’])s){{{_RUN_LIMIT + 1},}}")
# Some of its patterns (the URL matcher's "user:password@", infixes) are quadratic in the
# length of a chunk without spaces ("a:)a:)…"): chunks are cut every _CHUNK_LIMIT characters,
# which real mail (URLs included) does not reach.
_CHUNK_LIMIT: Final = 2_000
_LONG_CHUNK_RE: Final = re.compile(rf"\S{{{_CHUNK_LIMIT + 1},}}")


@dataclass(frozen=True)
class Analysis:
    """The tokens of one text, in order (whitespace tokens dropped).

    ``surfaces`` are the tokens as written (original case) and ``starts`` their character
    offsets; ``folded`` are the tokens lower-cased and accent-folded; ``lemmas`` their
    lower-cased, accent-folded lookup lemmas (punctuation is kept as itself); ``is_content``
    marks content words: tokens of letters (or letters and digits) that are not stop words.
    """

    surfaces: tuple[str, ...]
    starts: tuple[int, ...]
    folded: tuple[str, ...]
    lemmas: tuple[str, ...]
    is_content: tuple[bool, ...]

    @property
    def content_words(self) -> int:
        """The number of content words."""
        return sum(self.is_content)

    def content_words_from(self, offset: int) -> int:
        """The number of content words starting at or after character ``offset``."""
        return sum(self.is_content[bisect_left(self.starts, offset) :])


class _LemmaTable:
    """spacy-lookups-data's ``lemma_lookup`` table: sorted key hashes, lemmas in one string.

    ``get`` answers what spaCy's ``Table.get`` answers for the same table: keys are hashed
    with spaCy's ``get_string_id`` and, as in the dict it fills, a later duplicate wins.
    Entries whose lemma is not a string are dropped (the lemmatizer ignores them too). The
    arrays hold plain numbers, not objects, so reading them writes nothing.
    """

    def __init__(self, language: str) -> None:
        from spacy.strings import get_string_id
        from spacy.util import load_language_data, registry

        try:
            table = load_language_data(registry.lookups.get(language)["lemma_lookup"])
        except (ValueError, KeyError) as exc:  # catalogue's RegistryError is a ValueError
            raise ModelError(
                f"no {language!r} lemma table ({exc}); install spacy-lookups-data"
            ) from exc
        assert isinstance(table, dict)  # the lookup tables are JSON objects
        by_key = {get_string_id(word): lemma for word, lemma in table.items()}
        keys = sorted(key for key, lemma in by_key.items() if isinstance(lemma, str))
        lemmas = [by_key[key] for key in keys]
        self._get_string_id = get_string_id
        self._keys = array("Q", keys)
        self._ends = array("q", itertools.accumulate(map(len, lemmas)))
        self._lemmas = "".join(lemmas)

    def get(self, token: str) -> str | None:
        """The lemma of ``token``, or None when the table has none."""
        key = self._get_string_id(token)
        i = bisect_left(self._keys, key)
        if i == len(self._keys) or self._keys[i] != key:
            return None
        return self._lemmas[self._ends[i - 1] if i else 0 : self._ends[i]]


class _Lexer:
    """Per-language tokenizer and token facts (folded lemma, content word), memoised by token."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.tokenizer = self._new_tokenizer()
        self._table = _LemmaTable(language)
        from spacy.util import get_lang_class

        stops = get_lang_class(language).Defaults.stop_words
        self._stops = frozenset(stops) | frozenset(fold(word) for word in stops)
        self.memo: dict[str, tuple[str, bool, str]] = {}
        self._one_token_chars: dict[str, bool] = {}
        logger.debug("built the spaCy %s tokenizer and lemma table", language)

    def _new_tokenizer(self) -> Tokenizer:
        import spacy  # half a second to import: only once a classifier is really built
        from spacy.tokenizer import Tokenizer

        nlp = spacy.blank(self.language)
        assert isinstance(nlp.tokenizer, Tokenizer)  # blank pipelines use spaCy's own
        return nlp.tokenizer

    def bound_memory(self) -> None:
        """Start a new spaCy tokenizer once the current one holds ``_VOCAB_LIMIT`` lexemes.

        spaCy keeps every string it has seen (its memory zones would free them, but also
        switch off the tokenizer's cache, which makes it several times slower).
        """
        if len(self.tokenizer.vocab) > _VOCAB_LIMIT:
            self.tokenizer = self._new_tokenizer()
            logger.debug("started a new spaCy %s tokenizer (vocabulary limit)", self.language)

    def facts(self, token: str) -> tuple[str, bool, str]:
        """(folded lemma, is content word, folded token) of a lower-cased token."""
        known = self.memo.get(token)
        if known is None:
            if len(self.memo) > _MEMO_LIMIT:
                self.memo.clear()
            lemma = self._table.get(token)
            lemma = token if lemma is None else lemma
            known = (fold(lemma), self._is_content(token), fold(token))
            self.memo[token] = known
        return known

    def keeps_whole(self, run: str) -> bool:
        """Whether spaCy keeps ``run`` as one token, cheaply: one character repeated, such as
        "-----" or ".....", that the tokenizer does not split (cutting it would change it)."""
        char = run[0]
        if run.count(char) != len(run):
            return False
        whole = self._one_token_chars.get(char)
        if whole is None:
            whole = len(self.tokenizer(char * (_RUN_LIMIT + 1))) == 1
            self._one_token_chars[char] = whole
        return whole

    def _is_content(self, token: str) -> bool:
        if not token.isalnum() or token.isdigit():
            return False
        return token not in self._stops and fold(token) not in self._stops


@functools.cache
def _lexer(language: str) -> _Lexer:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    return _Lexer(language)


def analyse_many(texts: Sequence[str], language: str) -> list[Analysis]:
    """Analyse many texts of one language in a batch (the tokenizer's ``pipe``).

    Lemmas come from the lookup lemmatizer's table, memoised per token, which gives the same
    result as running spaCy's lemmatizer component but several times faster.
    """
    from spacy.attrs import IDX, LENGTH

    lexer = _lexer(language)
    lexer.bound_memory()
    originals = [text[:MAX_TEXT_CHARS] for text in texts]
    lowered = [text.lower() for text in originals]
    spaced = [_runs_cut(*_single_spaced(low), lexer) for low in lowered]
    docs: Iterator[Doc] = lexer.tokenizer.pipe([text for text, _ in spaced], batch_size=_BATCH_SIZE)
    columns = [IDX, LENGTH]
    return [
        _analysis(doc.to_array(columns), original, low, shifts, lexer)
        for doc, original, low, (_, shifts) in zip(docs, originals, lowered, spaced, strict=True)
    ]


def _runs_cut(
    text: str, shifts: list[tuple[int, int]], lexer: _Lexer
) -> tuple[str, list[list[tuple[int, int]]]]:
    """``text`` with a space put into long runs of symbols every ``_RUN_LIMIT`` characters,
    and into chunks without spaces every ``_CHUNK_LIMIT`` characters.

    Returns the text and the offset shifts to undo, last first: the cuts' (as negative
    removals, in the form ``_single_spaced`` gives), then ``shifts``. Runs spaCy keeps
    whole ("-----") are left alone; ordinary text rarely has any other run this long, and
    where it has ("!!!!!!!!!!", "=========") spaCy makes every character a token anyway.
    """
    cuts = sorted(
        {
            *_cut_points(text, _SYMBOL_RUN_RE, _RUN_LIMIT, lexer.keeps_whole),
            *_cut_points(text, _LONG_CHUNK_RE, _CHUNK_LIMIT, lambda _: False),
        }
    )
    if not cuts:
        return text, [shifts]
    pieces = [text[start:end] for start, end in itertools.pairwise([0, *cuts, len(text)])]
    moved = [(cut + count, -count) for count, cut in enumerate(cuts, start=1)]
    return " ".join(pieces), [moved, shifts]


def _cut_points(
    text: str, pattern: re.Pattern[str], every: int, keep: Callable[[str], bool]
) -> list[int]:
    """Offsets every ``every`` characters inside the matches of ``pattern`` not kept."""
    return [
        cut
        for match in pattern.finditer(text)
        if not keep(match.group())
        for cut in range(match.start() + every, match.end(), every)
    ]


def _single_spaced(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with every whitespace run made one space, and how offsets moved.

    spaCy's tokenizer caches only chunks separated by single spaces, so newlines and runs of
    spaces would make it several times slower; whitespace never belongs to a kept token.
    The list holds ``(offset in the new text, characters removed before it)`` after every
    run that was shortened, in order.
    """
    # What _SPACE_RE.sub(" ", text) gives (str.split and \s agree on what is whitespace),
    # three times faster.
    words = text.split()
    if not words:
        return (" " if text else ""), ([(1, len(text) - 1)] if len(text) > 1 else [])
    spaced = " ".join(words)
    if text[0].isspace():
        spaced = " " + spaced
    if text[-1].isspace():
        spaced += " "
    shifts: list[tuple[int, int]] = []
    if len(spaced) != len(text):  # some run was longer than one character
        removed = 0
        for match in _LONG_SPACE_RE.finditer(text):
            removed += match.end() - match.start() - 1
            shifts.append((match.end() - removed, removed))
    return spaced, shifts


def analyse(text: str, language: str) -> Analysis:
    """Analyse one text."""
    return analyse_many([text], language)[0]


def content_words(text: str, language: str) -> int:
    """The number of content words in ``text``: the "low content" measure of docs/LABELS.md."""
    return analyse(text, language).content_words


def _analysis(
    offsets_and_lengths: npt.NDArray[Any],
    original: str,
    lowered: str,
    shifts: list[list[tuple[int, int]]],
    lexer: _Lexer,
) -> Analysis:
    # .T.tolist(): two flat lists, ten times faster than one small list per token
    starts, lengths = offsets_and_lengths.T.tolist()
    for step in shifts:  # back from offsets in the tokenized text to offsets in ``lowered``
        if step:
            moved_at = [at for at, _ in step]
            removed = [0, *(count for _, count in step)]
            starts = [start + removed[bisect_right(moved_at, start)] for start in starts]
    ends = list(map(operator.add, starts, lengths))
    lows = [lowered[start:end] for start, end in zip(starts, ends, strict=True)]
    if any(map(str.isspace, lows)):  # a leading space becomes a token of its own
        kept = [i for i, low in enumerate(lows) if not low.isspace()]
        starts, ends = [starts[i] for i in kept], [ends[i] for i in kept]
        lows = [lows[i] for i in kept]
    if len(original) == len(lowered):
        surfaces = [original[start:end] for start, end in zip(starts, ends, strict=True)]
    else:
        surfaces = lows
    facts = list(map(lexer.memo.get, lows))
    if None in facts:
        facts = [known or lexer.facts(low) for known, low in zip(facts, lows, strict=True)]
    lemmas, is_content, folded = zip(*facts, strict=True) if facts else ((), (), ())
    return Analysis(tuple(surfaces), tuple(starts), folded, lemmas, is_content)
