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
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import spacy
from spacy.language import Language
from spacy.tokens import Doc

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


@dataclass(frozen=True)
class Analysis:
    """The tokens of one text, in order.

    ``surfaces`` are the tokens as written (original case) and ``starts`` their character
    offsets; ``lemmas`` are their lower-cased, accent-folded lookup lemmas (punctuation is kept
    as itself, whitespace dropped); ``is_content`` marks content words: tokens made of letters
    (or letters and digits) that are not stop words.
    """

    surfaces: tuple[str, ...]
    starts: tuple[int, ...]
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


@functools.cache
def _folded_stop_words(language: str) -> frozenset[str]:
    stops = pipeline(language).Defaults.stop_words
    return frozenset(stops) | frozenset(fold_accents(word) for word in stops)


def analyse_many(texts: Sequence[str], language: str) -> list[Analysis]:
    """Analyse many texts of one language in a batch (``nlp.pipe``)."""
    nlp = pipeline(language)
    lowered = [text[:MAX_TEXT_CHARS].lower() for text in texts]
    stops = _folded_stop_words(language)
    docs: Iterator[Doc] = nlp.pipe(lowered, batch_size=_BATCH_SIZE)
    return [
        _analysis(doc, text[:MAX_TEXT_CHARS], low, stops)
        for doc, text, low in zip(docs, texts, lowered, strict=True)
    ]


def analyse(text: str, language: str) -> Analysis:
    """Analyse one text."""
    return analyse_many([text], language)[0]


def content_words(text: str, language: str) -> int:
    """The number of content words in ``text``: the "low content" measure of LABELS.md."""
    return analyse(text, language).content_words


def _analysis(doc: Doc, original: str, lowered: str, stops: frozenset[str]) -> Analysis:
    same_offsets = len(original) == len(lowered)
    surfaces: list[str] = []
    starts: list[int] = []
    lemmas: list[str] = []
    is_content: list[bool] = []
    for token in doc:
        low = token.text
        if low.isspace():
            continue
        surfaces.append(original[token.idx : token.idx + len(low)] if same_offsets else low)
        starts.append(token.idx)
        lemmas.append(fold_accents((token.lemma_ or low).lower()))
        is_content.append(_is_content_word(low, stops))
    return Analysis(tuple(surfaces), tuple(starts), tuple(lemmas), tuple(is_content))


def _is_content_word(lowered: str, stops: frozenset[str]) -> bool:
    if not lowered.isalnum() or lowered.isdigit():
        return False
    return lowered not in stops and fold_accents(lowered) not in stops
