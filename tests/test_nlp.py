"""Tokens and lemmas: the same as spaCy's own pipeline gives, for both languages."""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path
from typing import Any

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxwatch.classifying.nlp import (
    MAX_TEXT_CHARS,
    Analysis,
    _lexer,
    _single_spaced,
    analyse,
    analyse_many,
)
from tests.tools.bounded import bounded

DATA = Path(__file__).resolve().parents[1] / "data" / "labelled"


def _words(language: str) -> list[str]:
    """Every lower-cased token of the labelled texts of ``language``, plus odd strings."""
    nlp = spacy.blank(language)
    words = {"", "noun", "NOUN", "ORTH", "lemma", "'s", "n't", "-", "\x00", "a\x00"}
    for path in DATA.glob(f"*-{language}*.jsonl"):
        for line in path.read_text("utf-8").splitlines():
            example = json.loads(line)
            words.update(t.text for t in nlp(f"{example['subject']}\n{example['body']}".lower()))
    return sorted(words)


@pytest.mark.parametrize("language", ["en", "hu"])
def test_lemmas_are_those_of_spacys_lookup_lemmatizer(language: str) -> None:
    nlp = spacy.blank(language)
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    ours = _lexer(language)._table
    for word in _words(language):
        expected = table.get(word)
        assert ours.get(word) == (expected if isinstance(expected, str) else None), word


def _spaced_by_regex(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The definition: every whitespace run made one space, and the shifts after long runs."""
    shifts: list[tuple[int, int]] = []
    removed = 0
    for match in re.finditer(r"\s{2,}", text):
        removed += match.end() - match.start() - 1
        shifts.append((match.end() - removed, removed))
    return re.sub(r"\s+", " ", text), shifts


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \t\n\r\x0b\x0c\xa0\u2003\u3000.!"), max_size=30))
def test_single_spacing_is_the_regex_definition(text: str) -> None:
    assert _single_spaced(text) == _spaced_by_regex(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_tokens_point_into_the_original_text(text: str) -> None:
    analysis = analyse(text, "en")
    if len(text.lower()) == len(text):
        for surface, start in zip(analysis.surfaces, analysis.starts, strict=True):
            assert text[start : start + len(surface)] == surface
    assert not any(surface.isspace() for surface in analysis.surfaces)
    assert analysis.content_words_from(0) == analysis.content_words


def test_batch_equals_single_texts() -> None:
    texts = ["  Kérlek küldd el\n\n a számlát!", "", "\n", "Re:  x\t\ty", "İstanbul ǅ ﬁ"]
    assert analyse_many(texts, "hu") == [analyse(text, "hu") for text in texts]


# spaCy's tokenizer strips affixes one at a time, rescanning the rest of the chunk each time,
# and some of its patterns are quadratic in a chunk's length: at the cap these runs once took
# minutes each (8,000 "€" took 9 s, 12,000 characters of "a:)" 0.4 s).
PATHOLOGICAL_RUNS = {
    "euro (NUL bytes as Dovecot serves them)": "€",
    "exclamation marks": "!",
    "one emoji": "\U0001f600",
    "mixed emoji": "\U0001f600\U0001f389\U0001f44d",
    "underscores": "_",
    "possessives": "'s",
    "short runs in one long chunk": "€" * 8 + "a",
    "smileys in one long chunk (quadratic URL pattern)": "a:)",
    "colons in one long chunk": "x:",
}
RUN_SECONDS = 3.0  # ~0.3-1 s each on a busy 2-core machine


@pytest.mark.parametrize("language", ["en", "hu"])
@pytest.mark.parametrize("unit", PATHOLOGICAL_RUNS.values(), ids=PATHOLOGICAL_RUNS.keys())
def test_long_symbol_runs_are_analysed_in_bounded_time(unit: str, language: str) -> None:
    text = (unit * MAX_TEXT_CHARS)[:MAX_TEXT_CHARS]
    analyse("warm up", language)
    analysis, seconds = bounded(lambda: analyse(text, language), RUN_SECONDS, "analyse")
    assert seconds < RUN_SECONDS
    for surface, start in zip(analysis.surfaces, analysis.starts, strict=True):
        assert text[start : start + len(surface)] == surface


def test_runs_are_cut_where_spacy_splits_anyway() -> None:
    """Ordinary runs keep their tokens: every "!" or "=" is a token, "-----" stays one."""
    text = "Wow!!!!!!!!!!!!!!!!!!!!!!! ============================ ------------------------- ok"
    assert analyse(text, "en") == Analysis(*_uncut_analysis(text, "en"))


def _uncut_analysis(text: str, language: str) -> tuple[tuple[Any, ...], ...]:
    """What spaCy's own tokenizer gives for ``text`` with no run cut."""
    lexer = _lexer(language)
    doc = spacy.blank(language).tokenizer(text.lower())
    tokens = [t for t in doc if not t.is_space]
    facts = [lexer.facts(t.text) for t in tokens]
    return (
        tuple(text[t.idx : t.idx + len(t)] for t in tokens),
        tuple(t.idx for t in tokens),
        tuple(f[2] for f in facts),
        tuple(f[0] for f in facts),
        tuple(f[1] for f in facts),
    )


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_memory_stays_flat_when_every_text_brings_new_words() -> None:
    """20,000 texts of made-up words: the token memo and spaCy's vocabulary, strings and
    cache are bounded (before, RSS grew by ~100 MB per 5,000 such texts)."""
    rng = random.Random(12)

    def batch() -> list[str]:
        return [
            " ".join(
                "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 10)))
                for _ in range(30)
            )
            for _ in range(250)
        ]

    for _ in range(8):  # warm-up: 4,000 texts fill the caches to their limits
        analyse_many(batch(), "en")
        analyse_many(batch(), "hu")
    warm = _rss_mb()
    for _ in range(32):  # 16,000 more
        analyse_many(batch(), "en")
        analyse_many(batch(), "hu")
    assert _rss_mb() - warm < 40
