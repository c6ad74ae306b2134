"""Language processing for the classifier: tokens, lemmas, stop words, accent folding.

Blank spaCy ``en`` and ``hu`` pipelines with the offline lookup lemmatizer from
``spacy-lookups-data`` are built on first use (never at import) and cached for the life of
the process. Text is lower-cased before tokenising, because the lookup tables are keyed by
lower-case forms; the original spelling of every token is kept for explanations.

``fold_accents`` maps accented letters to their base letter one character for one character
(``ő`` → ``o``, ``ű`` → ``u``, ``á`` → ``a``), so Hungarian typed without accents matches, and
offsets in the folded text are offsets in the original.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import spacy
from spacy.attrs import IDX, LENGTH
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

# spaCy installs its own stderr handler on import; logging is configured by the CLI only,
# so let its records flow to the root handlers like everyone else's.
logging.getLogger("spacy").handlers.clear()

__all__ = [
    "LANGUAGES",
    "MAX_TEXT_CHARS",
    "Analysis",
    "analyse",
    "analyse_many",
    "content_words",
    "fold_accents",
    "pipeline",
]

logger = logging.getLogger(__name__)

LANGUAGES: Final = ("en", "hu")
# Text beyond this many characters is not analysed: it keeps time and memory bounded and
# stays far below spaCy's own max_length.
MAX_TEXT_CHARS: Final = 100_000
_BATCH_SIZE: Final = 256
_SPACE_RE: Final = re.compile(r"\s+")
_LONG_SPACE_RE: Final = re.compile(r"\s{2,}")
_MEMO_LIMIT: Final = 200_000  # distinct tokens remembered per language before a reset


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
        return sum(c for c, s in zip(self.is_content, self.starts, strict=True) if s >= offset)


def fold_accents(text: str) -> str:
    """Replace accented Latin letters by their base letter, keeping the length unchanged."""
    return text.translate(_fold_table())


@functools.cache
def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii() and base.isalpha():
            table[code] = base
    return table


@functools.cache
def pipeline(language: str) -> Language:
    """The cached blank spaCy pipeline with a lookup lemmatizer for ``language``."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    nlp = spacy.blank(language)
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    logger.debug("built spaCy %s pipeline %s", language, nlp.pipe_names)
    return nlp


class _Lexer:
    """Per-language token facts (folded lemma, content word or not), memoised by token."""

    def __init__(self, nlp: Language) -> None:
        lemmatizer = nlp.get_pipe("lemmatizer")
        assert isinstance(lemmatizer, Lemmatizer)  # added by pipeline()
        self._table = lemmatizer.lookups.get_table("lemma_lookup", {})
        stops = nlp.Defaults.stop_words
        self._stops = frozenset(stops) | frozenset(fold_accents(word) for word in stops)
        self._memo: dict[str, tuple[str, bool, str]] = {}

    def facts(self, token: str) -> tuple[str, bool, str]:
        """(folded lemma, is content word, folded token) of a lower-cased token."""
        known = self._memo.get(token)
        if known is None:
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()
            lemma = self._table.get(token, token)
            lemma = lemma if isinstance(lemma, str) else token
            known = (fold_accents(lemma.lower()), self._is_content(token), fold_accents(token))
            self._memo[token] = known
        return known

    def _is_content(self, token: str) -> bool:
        if not token.isalnum() or token.isdigit():
            return False
        return token not in self._stops and fold_accents(token) not in self._stops


@functools.cache
def _lexer(language: str) -> _Lexer:
    return _Lexer(pipeline(language))


def analyse_many(texts: Sequence[str], language: str) -> list[Analysis]:
    """Analyse many texts of one language in a batch (the tokenizer's ``pipe``).

    Lemmas come from the pipeline's lookup lemmatizer table, memoised per token, which gives
    the same result as running the lemmatizer component but several times faster.
    """
    nlp = pipeline(language)
    lexer = _lexer(language)
    originals = [text[:MAX_TEXT_CHARS] for text in texts]
    lowered = [text.lower() for text in originals]
    spaced = [_single_spaced(low) for low in lowered]
    tokenizer = nlp.tokenizer
    assert isinstance(tokenizer, Tokenizer)  # blank pipelines use spaCy's own tokenizer
    docs: Iterator[Doc] = tokenizer.pipe([text for text, _ in spaced], batch_size=_BATCH_SIZE)
    return [
        _analysis(doc.to_array([IDX, LENGTH]).tolist(), original, low, shifts, lexer)
        for doc, original, low, (_, shifts) in zip(docs, originals, lowered, spaced, strict=True)
    ]


def _single_spaced(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with every whitespace run made one space, and how offsets moved.

    spaCy's tokenizer caches only chunks separated by single spaces, so newlines and runs of
    spaces would make it several times slower; whitespace never belongs to a kept token.
    The list holds ``(offset in the new text, characters removed before it)`` after every
    run that was shortened, in order.
    """
    shifts: list[tuple[int, int]] = []
    removed = 0
    for match in _LONG_SPACE_RE.finditer(text):
        removed += match.end() - match.start() - 1
        shifts.append((match.end() - removed, removed))
    return _SPACE_RE.sub(" ", text), shifts


def analyse(text: str, language: str) -> Analysis:
    """Analyse one text."""
    return analyse_many([text], language)[0]


def content_words(text: str, language: str) -> int:
    """The number of content words in ``text``: the "low content" measure of LABELS.md."""
    return analyse(text, language).content_words


def _analysis(
    spans: list[list[int]], original: str, lowered: str, shifts: list[tuple[int, int]],
    lexer: _Lexer,
) -> Analysis:
    same_offsets = len(original) == len(lowered)
    surfaces: list[str] = []
    starts: list[int] = []
    folded: list[str] = []
    lemmas: list[str] = []
    is_content: list[bool] = []
    shift, removed = 0, 0
    for spaced_start, length in spans:
        while shift < len(shifts) and shifts[shift][0] <= spaced_start:
            removed = shifts[shift][1]
            shift += 1
        start = spaced_start + removed
        end = start + length
        low = lowered[start:end]
        if low.isspace():  # a leading space becomes a token of its own
            continue
        lemma, content, fold = lexer.facts(low)
        surfaces.append(original[start:end] if same_offsets else low)
        starts.append(start)
        folded.append(fold)
        lemmas.append(lemma)
        is_content.append(content)
    return Analysis(
        tuple(surfaces), tuple(starts), tuple(folded), tuple(lemmas), tuple(is_content)
    )
