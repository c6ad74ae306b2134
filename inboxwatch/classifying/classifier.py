"""The message classifier: urgent, vague and complaint, each with one calibrated probability.

One linear model per tag over three blocks of features of the *new* text plus subject:

* TF-IDF of lemma unigrams and bigrams (spaCy lookup lemmas, accent-folded);
* TF-IDF of character 3–5-grams of accent-folded words, robust to typos and missing accents;
* the hand-made features of ``inboxwatch.classifying.features``.

A decision score ``x·w + b`` becomes a probability through Platt scaling
``p = 1 / (1 + exp(-(a·score + c)))`` fitted on cross-validated scores; a tag is positive when
``p`` reaches the tag's threshold.

The artifact is plain data, never a pickle: ``classifier.npz`` (read with
``allow_pickle=False``) holds vocabularies, idf vectors, coefficients, intercepts, calibration
and thresholds; ``meta.json`` records who produced it, with which library versions, from which
data, and the sha256 of the npz. Loading refuses anything else with a ``ModelError``.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
import os
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

import numpy as np
import numpy.typing as npt

from inboxwatch.classifying.features import (
    FEATURE_NAMES,
    HandFeatures,
    describe,
    hand_features,
    new_subject,
    strip_subject_prefixes,
    thread_kind,
)
from inboxwatch.classifying.features import fingerprint as features_fingerprint
from inboxwatch.classifying.nlp import LANGUAGES, MAX_TEXT_CHARS, Analysis, analyse_many
from inboxwatch.errors import ModelError

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = [
    "FORMAT_VERSION",
    "PRODUCER",
    "TAGS",
    "Classification",
    "Classifier",
    "FeatureRows",
    "Featurizer",
    "ModelArrays",
    "Prepared",
    "prepare_many",
    "save_model",
    "text_key",
]

logger = logging.getLogger(__name__)

TAGS: Final = ("urgent", "vague", "complaint")
FORMAT_VERSION: Final = 1
PRODUCER: Final = "inboxwatch"
NPZ_NAME: Final = "classifier.npz"
META_NAME: Final = "meta.json"
CHAR_NGRAM_RANGE: Final = (3, 5)
# How many explanation strings are given per positive tag, picked among the columns with
# the largest contributions.
MAX_REASONS: Final = 4
_TOP_COLUMNS: Final = 16
# The explanation of a tag that the user set by a correction of this very message.
CORRECTION_REASON: Final = "your correction"
_RETRAIN = "run `inboxwatch train` to rebuild the model"
# Distinct words remembered before the cache is reset: kept small, so memory stays flat when
# every message brings new words (nlp bounds its own memo and spaCy's vocabulary alike).
_CHAR_CACHE_LIMIT: Final = 50_000
# Messages classified together. Larger steps save little time; smaller temporary arrays keep
# the memory the allocator holds on to after a batch (in every worker process) small.
_STEP: Final = 128

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Classification:
    """The text tags of one message, with calibrated probabilities and what drove them."""

    tags: tuple[str, ...]
    scores: Mapping[str, float]
    language: str
    content_words: int
    why: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    """One message made ready for the model: cleaned subject, new text, tokens, features."""

    subject: str
    text: str
    language: str
    analysis: Analysis
    content_words: int
    hand: HandFeatures
    nothing_new: bool  # no new subject (a reply or forward) and no new text
    key: str


def prepare_many(items: Sequence[tuple[str, str, str | None]]) -> list[Prepared]:
    """Prepare ``(subject, new_text, language or None)`` items, batching spaCy per language.

    A missing language is detected with ``inboxwatch.parsing.language.detect_language``.
    """
    from inboxwatch.parsing.language import detect_language

    threads = [thread_kind(subject[:1000]) for subject, _, _ in items]
    subjects = [new_subject(subject[:1000]) for subject, _, _ in items]
    texts = [text[:MAX_TEXT_CHARS] for _, text, _ in items]
    languages = [
        lang if lang in LANGUAGES else detect_language(f"{subj}\n{text}")
        for subj, text, (_, _, lang) in zip(subjects, texts, items, strict=True)
    ]
    analyses: list[Analysis | None] = [None] * len(items)
    for language in LANGUAGES:
        positions = [i for i, lang in enumerate(languages) if lang == language]
        docs = [f"{subjects[i]}\n{texts[i]}" for i in positions]
        for i, analysis in zip(positions, analyse_many(docs, language), strict=True):
            analyses[i] = analysis
    return [
        _prepared(subjects[i], texts[i], languages[i], analyses[i], threads[i], items[i][0])
        for i in range(len(items))
    ]


def _prepared(
    subject: str,
    text: str,
    language: str,
    analysis: Analysis | None,
    thread: str,
    raw_subject: str,
) -> Prepared:
    assert analysis is not None  # every language in LANGUAGES was analysed above
    words = analysis.content_words_from(len(subject) + 1)
    hand = hand_features(subject, text, language, words, thread)
    empty = not text.strip() and not subject
    key = text_key(raw_subject, text)
    return Prepared(subject, text, language, analysis, words, hand, empty, key)


def text_key(subject: str, new_text: str) -> str:
    """A short hash identifying a message by its subject and new text.

    Case, whitespace and reply prefixes do not matter. Corrections are matched by it.
    """
    joined = f"{strip_subject_prefixes(subject)}\n{new_text}".casefold()
    normalised = " ".join(joined.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:32]


# --- vectorisation ---------------------------------------------------------------------------


def word_terms(prepared: Prepared) -> list[str]:
    """Lemma unigrams and bigrams of a prepared message."""
    lemmas = prepared.analysis.lemmas
    return [*lemmas, *map(" ".join, itertools.pairwise(lemmas))]


def char_terms(word: str) -> list[str]:
    """Character n-grams of one folded, lower-cased word, padded with spaces at both ends."""
    padded = f" {word} "
    low, high = CHAR_NGRAM_RANGE
    return [padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)]


def folded_words(prepared: Prepared) -> list[str]:
    """The lower-cased, accent-folded word tokens of subject and new text."""
    return [word for word in prepared.analysis.folded if word.isalnum()]


@dataclass(frozen=True)
class FeatureRows:
    """The feature matrix of a batch, one row per message, in compressed sparse row form.

    Row ``r`` holds columns ``indices[indptr[r]:indptr[r + 1]]`` with values ``data[...]``:
    the word block (columns ``0…``), then the char block, then the hand-made features. Within
    the word and char blocks the columns run in descending order, the hand features in
    ascending order. That is the order scipy's ``diags(1 / norms) @ counts`` and ``hstack``
    left them in when the shipped model was trained and checked; keeping it keeps every sum
    in the same order, so scores and explanations stay the same to the last bit.
    """

    indptr: IntArray
    indices: IntArray
    data: FloatArray

    @property
    def row_of_entry(self) -> IntArray:
        """The row of every stored entry."""
        return np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))


@dataclass
class Featurizer:
    """Turns prepared messages into one sparse row each: word | char | hand blocks."""

    word_vocab: Mapping[str, int]
    word_idf: FloatArray
    char_vocab: Mapping[str, int]
    char_idf: FloatArray
    hand_scale: float
    _char_cache: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    @property
    def n_columns(self) -> int:
        """Word, char and hand-made columns together."""
        return len(self.word_idf) + len(self.char_idf) + len(FEATURE_NAMES)

    def transform(self, prepared: Sequence[Prepared]) -> sp.csr_matrix:
        """The feature matrix of ``prepared`` (one row each) as a scipy matrix."""
        import scipy.sparse as sp  # only training needs it; it costs start-up time

        rows = self.rows(prepared)
        return sp.csr_matrix(
            (rows.data, rows.indices, rows.indptr), shape=(len(prepared), self.n_columns)
        )

    def rows(self, prepared: Sequence[Prepared]) -> FeatureRows:
        """The feature matrix of ``prepared`` (one row each)."""
        n_words, n_chars = len(self.word_idf), len(self.char_idf)
        lookup = self.word_vocab.get
        word_rows = [[i for i in map(lookup, word_terms(p)) if i is not None] for p in prepared]
        words = _tfidf(
            list(map(len, word_rows)), itertools.chain.from_iterable(word_rows), self.word_idf
        )
        char_rows = [self._char_columns(p) for p in prepared]  # per message, per token
        chars = _tfidf(
            [sum(map(len, row)) for row in char_rows],
            itertools.chain.from_iterable(itertools.chain.from_iterable(char_rows)),
            self.char_idf,
        )
        hand = (
            np.array([p.hand.values for p in prepared], dtype=np.float64).reshape(
                len(prepared), len(FEATURE_NAMES)
            )
            * self.hand_scale
        )
        hand_rows, hand_columns = np.nonzero(hand)
        row_of = np.concatenate([words[0], chars[0], hand_rows])
        order = np.argsort(row_of, kind="stable")  # by row, each block's order kept
        return FeatureRows(
            np.concatenate([[0], np.cumsum(np.bincount(row_of, minlength=len(prepared)))]),
            np.concatenate([words[1], chars[1] + n_words, hand_columns + (n_words + n_chars)])[
                order
            ],
            np.concatenate([words[2], chars[2], hand[hand_rows, hand_columns]])[order],
        )

    def char_indices_of(self, token: str) -> tuple[int, ...]:
        """Char-block columns of one folded token: none unless it is a word (``isalnum``).

        Cached: words repeat across messages.
        """
        cached = self._char_cache.get(token)
        if cached is None:
            if len(self._char_cache) > _CHAR_CACHE_LIMIT:
                self._char_cache.clear()
            vocab = self.char_vocab
            grams = char_terms(token) if token.isalnum() else []
            cached = tuple(vocab[g] for g in grams if g in vocab)
            self._char_cache[token] = cached
        return cached

    def _char_columns(self, prepared: Prepared) -> list[tuple[int, ...]]:
        """The char-block columns of each token of ``prepared``."""
        tokens = prepared.analysis.folded
        cached = list(map(self._char_cache.get, tokens))
        if None in cached:
            return [self.char_indices_of(t) for t in tokens]
        return cast(list[tuple[int, ...]], cached)


def _tfidf(
    lengths: list[int], columns: Iterable[int], idf: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Sublinear TF × IDF, each row L2-normalised: the row, column and value of each entry.

    Row ``r`` counts the next ``lengths[r]`` of ``columns``. Entries come by row, and by
    descending column within a row (see ``FeatureRows``).
    """
    n_rows, n_cols = len(lengths), max(len(idf), 1)
    # Sorting 32-bit keys is twice as fast; batches rarely need more.
    key_type = np.int32 if n_rows * n_cols < 2**31 else np.int64
    row_column = np.repeat(np.arange(n_rows, dtype=key_type) * n_cols, lengths) + np.fromiter(
        columns, dtype=key_type, count=sum(lengths)
    )
    keys, counts = np.unique(row_column, return_counts=True)
    row_of, column = (part.astype(np.int64) for part in np.divmod(keys, n_cols))
    values = (1.0 + np.log(counts.astype(np.float64))) * idf[column]
    # Norms summed as scipy's csr sum(axis=1) sums them: reduceat over ascending columns.
    firsts = np.flatnonzero(np.diff(row_of, prepend=-1))
    norms = np.zeros(n_rows)
    norms[row_of[firsts]] = np.add.reduceat(values * values, firsts) if len(firsts) else 0.0
    norms = np.sqrt(norms)
    norms[norms == 0.0] = 1.0
    values = (1.0 / norms)[row_of] * values
    # Reverse each row: entry i of row [first, last] moves to first + last - i.
    lasts = np.append(firsts[1:], len(keys)) - 1
    sizes = lasts - firsts + 1
    order = np.repeat(firsts + lasts, sizes) - np.arange(len(keys))
    return row_of[order], column[order], values[order]


# --- the artifact ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelArrays:
    """Everything the classifier needs, as plain arrays and strings."""

    word_terms: tuple[str, ...]
    word_idf: FloatArray
    char_terms: tuple[str, ...]
    char_idf: FloatArray
    feature_names: tuple[str, ...]
    hand_scale: float
    coef: FloatArray  # shape (n_features, len(TAGS))
    intercept: FloatArray  # shape (len(TAGS),)
    calibration: FloatArray  # shape (len(TAGS), 2): slope and offset of the Platt sigmoid
    thresholds: FloatArray  # shape (len(TAGS),)
    # The user's corrections, by text_key: one label per tag, 1 yes, 0 no, -1 not corrected.
    overrides: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    features_fingerprint: str = field(default_factory=features_fingerprint)

    def featurizer(self) -> Featurizer:
        """A featurizer rebuilt from the stored vocabularies."""
        return Featurizer(
            {t: i for i, t in enumerate(self.word_terms)},
            self.word_idf,
            {t: i for i, t in enumerate(self.char_terms)},
            self.char_idf,
            self.hand_scale,
        )


def save_model(arrays: ModelArrays, models_dir: Path, meta: Mapping[str, Any]) -> str:
    """Write ``classifier.npz`` and ``meta.json`` into ``models_dir``; return the npz sha256.

    ``meta`` is merged into the standard fields (producer, format, versions, hash, thresholds).
    Both files are written to temporary names first and then renamed into place.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    npz_tmp = models_dir / f".{NPZ_NAME}.tmp.npz"
    meta_tmp = models_dir / f".{META_NAME}.tmp"
    try:
        np.savez_compressed(npz_tmp, **_to_npz(arrays))  # type: ignore[arg-type]
        digest = _sha256(npz_tmp)
        full_meta = {
            "producer": PRODUCER,
            "format_version": FORMAT_VERSION,
            **library_versions(),
            **meta,
            "artifact": NPZ_NAME,
            "artifact_sha256": digest,
            "thresholds": {t: float(v) for t, v in zip(TAGS, arrays.thresholds, strict=True)},
        }
        meta_tmp.write_text(json.dumps(full_meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
        os.replace(npz_tmp, models_dir / NPZ_NAME)
        os.replace(meta_tmp, models_dir / META_NAME)
    finally:
        npz_tmp.unlink(missing_ok=True)
        meta_tmp.unlink(missing_ok=True)
    return digest


def library_versions() -> dict[str, str]:
    """The versions recorded in meta.json and checked when loading."""
    from inboxwatch import __version__

    return {
        "inboxwatch_version": __version__,
        "spacy_version": metadata.version("spacy"),
        "scikit_learn_version": metadata.version("scikit-learn"),
        "numpy_version": np.__version__,
    }


def _to_npz(arrays: ModelArrays) -> dict[str, npt.NDArray[Any]]:
    return {
        "word_terms": _pack(arrays.word_terms),
        "word_idf": arrays.word_idf,
        "char_terms": _pack(arrays.char_terms),
        "char_idf": arrays.char_idf,
        "feature_names": _pack(arrays.feature_names),
        "hand_scale": np.array([arrays.hand_scale]),
        "coef": arrays.coef,
        "intercept": arrays.intercept,
        "calibration": arrays.calibration,
        "thresholds": arrays.thresholds,
        "tags": _pack(TAGS),
        "features_fingerprint": _pack((arrays.features_fingerprint,)),
        "override_keys": _pack(tuple(arrays.overrides)),
        "override_labels": np.array(list(arrays.overrides.values()), dtype=np.int8).reshape(
            len(arrays.overrides), len(TAGS)
        ),
    }


def _pack(strings: Sequence[str]) -> npt.NDArray[np.uint8]:
    """Strings as newline-separated UTF-8 bytes (terms never contain a newline)."""
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def _unpack(packed: npt.NDArray[Any]) -> tuple[str, ...]:
    text = packed.astype(np.uint8).tobytes().decode("utf-8")
    return tuple(text.split("\n")) if text else ()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_meta(models_dir: Path) -> dict[str, Any]:
    path = models_dir / META_NAME
    if not path.is_file():
        raise ModelError(f"no model in {models_dir}: {META_NAME} is missing; {_RETRAIN}")
    try:
        meta = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path} cannot be read ({exc}); {_RETRAIN}") from exc
    if not isinstance(meta, dict):
        raise ModelError(f"{path} is not a JSON object; {_RETRAIN}")
    return meta


def _check_meta(meta: Mapping[str, Any], models_dir: Path) -> None:
    if meta.get("producer") != PRODUCER:
        raise ModelError(
            f"the model in {models_dir} was not produced by inboxwatch "
            f"(producer {meta.get('producer')!r}); only inboxwatch models are loaded; {_RETRAIN}"
        )
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"the model in {models_dir} has format {meta.get('format_version')!r}, this "
            f"inboxwatch reads format {FORMAT_VERSION}; {_RETRAIN}"
        )
    for key, package in (("spacy_version", "spacy"), ("scikit_learn_version", "scikit-learn")):
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:  # scikit-learn only fits (the [train] extra);
            continue  # answering uses plain arrays, so a lean install loads the model
        recorded = str(meta.get(key))
        if _major_minor(recorded) != _major_minor(installed):
            raise ModelError(
                f"the model in {models_dir} was trained with {package} {recorded}, but "
                f"{package} {installed} is installed; {_RETRAIN}"
            )


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def _read_arrays(path: Path, expected_sha256: object) -> ModelArrays:
    if not path.is_file():
        raise ModelError(f"{path} is missing; {_RETRAIN}")
    if _sha256(path) != expected_sha256:
        raise ModelError(
            f"{path} does not match the sha256 recorded in {META_NAME} (changed or corrupted); "
            f"{_RETRAIN}"
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            loaded = {key: npz[key] for key in npz.files}
        return _arrays_from(loaded)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} cannot be read ({exc}); {_RETRAIN}") from exc


def _arrays_from(npz: Mapping[str, npt.NDArray[Any]]) -> ModelArrays:
    arrays = ModelArrays(
        word_terms=_unpack(npz["word_terms"]),
        word_idf=npz["word_idf"].astype(np.float64),
        char_terms=_unpack(npz["char_terms"]),
        char_idf=npz["char_idf"].astype(np.float64),
        feature_names=_unpack(npz["feature_names"]),
        hand_scale=float(npz["hand_scale"][0]),
        coef=npz["coef"].astype(np.float64),
        intercept=npz["intercept"].astype(np.float64),
        calibration=npz["calibration"].astype(np.float64),
        thresholds=npz["thresholds"].astype(np.float64),
        features_fingerprint=_unpack(npz["features_fingerprint"])[0],
        overrides=dict(
            zip(
                _unpack(npz["override_keys"]),
                (tuple(int(v) for v in row) for row in npz["override_labels"]),
                strict=True,
            )
        ),
    )
    if _unpack(npz["tags"]) != TAGS:
        raise ValueError(f"tags {_unpack(npz['tags'])} differ from {TAGS}")
    n_features = len(arrays.word_terms) + len(arrays.char_terms) + len(arrays.feature_names)
    if arrays.coef.shape != (n_features, len(TAGS)) or arrays.thresholds.shape != (len(TAGS),):
        raise ValueError("array shapes do not fit together")
    return arrays


# --- the classifier --------------------------------------------------------------------------


class Classifier:
    """A loaded model. Build it with ``Classifier.load(models_dir)``."""

    version: str

    def __init__(self, arrays: ModelArrays, version: str) -> None:
        stale = arrays.features_fingerprint != features_fingerprint()
        if arrays.feature_names != FEATURE_NAMES or stale:
            raise ModelError(
                "the model was trained with other hand-made features (word lists, patterns) "
                f"than this inboxwatch computes; {_RETRAIN}"
            )
        self.version = version
        self._arrays = arrays
        self._featurizer = arrays.featurizer()
        self._coef_by_tag = np.ascontiguousarray(arrays.coef.T)  # one row of weights per tag
        self._n_words = len(arrays.word_terms)
        self._n_chars = len(arrays.char_terms)

    @classmethod
    def load(cls, models_dir: Path) -> Classifier:
        """Load and verify the model in ``models_dir``; raise ModelError on any problem.

        The tokenizers and lemma tables are built here too, so classifying starts at full
        speed (and processes forked afterwards share them).
        """
        meta = _read_meta(models_dir)
        _check_meta(meta, models_dir)
        arrays = _read_arrays(models_dir / NPZ_NAME, meta.get("artifact_sha256"))
        recorded = meta.get("thresholds")
        stored = {t: float(v) for t, v in zip(TAGS, arrays.thresholds, strict=True)}
        if recorded != stored:
            raise ModelError(f"{META_NAME} thresholds differ from {NPZ_NAME}; {_RETRAIN}")
        digest = str(meta["artifact_sha256"])
        classifier = cls(arrays, digest[:12])
        # Build the tokenizers, lemma tables and phrase matchers now: the first message is fast.
        classifier.classify_many([("", "ready", language) for language in LANGUAGES])
        logger.info("loaded classifier %s from %s", digest[:12], models_dir)
        return classifier

    @property
    def thresholds(self) -> Mapping[str, float]:
        """The probability at or above which each tag is positive."""
        return {t: float(v) for t, v in zip(TAGS, self._arrays.thresholds, strict=True)}

    def classify(self, subject: str, new_text: str, language: str | None = None) -> Classification:
        """Classify one message from its subject and new text (quotes already stripped)."""
        return self.classify_many([(subject, new_text, language)])[0]

    def classify_many(self, items: Sequence[tuple[str, str, str | None]]) -> list[Classification]:
        """Classify ``(subject, new_text, language or None)`` items in one batch.

        ``new_text`` is the body after ``cleaning.extract_new_content``. The subject of a reply
        or forward is not new content and is ignored; a message with neither a new subject nor
        new text gets no tags and zero scores. A missing language is detected.
        """
        return [
            result
            for start in range(0, len(items), _STEP)
            for result in self._classify_step(items[start : start + _STEP])
        ]

    def _classify_step(self, items: Sequence[tuple[str, str, str | None]]) -> list[Classification]:
        prepared = prepare_many(items)
        rows = self._featurizer.rows(prepared)
        contributions = self._contributions(rows)
        probabilities = self._probabilities(rows, contributions)
        indptr = rows.indptr.tolist()
        return [
            self._classification(
                p, rows, contributions, slice(indptr[row], indptr[row + 1]), probabilities[row]
            )
            for row, p in enumerate(prepared)
        ]

    def probabilities(self, prepared: Sequence[Prepared]) -> FloatArray:
        """Calibrated probabilities, shape ``(len(prepared), len(TAGS))``."""
        rows = self._featurizer.rows(prepared)
        return self._probabilities(rows, self._contributions(rows))

    def _contributions(self, rows: FeatureRows) -> list[FloatArray]:
        """Per tag: each stored entry's value times its coefficient.

        One array per tag rather than one of shape (entries, tags): the largest temporary
        array sets how much freed memory the allocator keeps for later.
        """
        return [coef[rows.indices] * rows.data for coef in self._coef_by_tag]

    def _probabilities(self, rows: FeatureRows, contributions: list[FloatArray]) -> FloatArray:
        # bincount adds each row's contributions one by one in stored order, as scipy's
        # sparse × dense product does: the same scores to the last bit.
        row_of, n_rows = rows.row_of_entry, len(rows.indptr) - 1
        scores = (
            np.stack(
                [np.bincount(row_of, weights=c, minlength=n_rows) for c in contributions], axis=1
            )
            + self._arrays.intercept
        )
        slope, offset = self._arrays.calibration[:, 0], self._arrays.calibration[:, 1]
        result: FloatArray = 1.0 / (1.0 + np.exp(-(scores * slope + offset)))
        return result

    def _classification(
        self,
        prepared: Prepared,
        rows: FeatureRows,
        contributions: list[FloatArray],
        row: slice,
        probs: FloatArray,
    ) -> Classification:
        correction = self._arrays.overrides.get(prepared.key)
        if prepared.nothing_new and correction is None:
            zeros = {tag: 0.0 for tag in TAGS}
            return Classification((), zeros, prepared.language, 0, {})
        scores = {tag: round(float(p), 4) for tag, p in zip(TAGS, probs, strict=True)}
        thresholds = self._arrays.thresholds
        positive = {tag: bool(p >= t) for tag, p, t in zip(TAGS, probs, thresholds, strict=True)}
        corrected: set[str] = set()
        for tag, label in zip(TAGS, correction or (-1,) * len(TAGS), strict=True):
            if label >= 0:
                positive[tag], scores[tag] = bool(label), float(label)
                corrected.add(tag)
        tags = tuple(tag for tag in TAGS if positive[tag])
        explained = self._explain(
            prepared, rows, contributions, row, [t for t in tags if t not in corrected]
        )
        why = {tag: explained.get(tag, (CORRECTION_REASON,)) for tag in tags}
        return Classification(tags, scores, prepared.language, prepared.content_words, why)

    def _explain(
        self,
        prepared: Prepared,
        rows: FeatureRows,
        contributions: list[FloatArray],
        row: slice,
        tags: Sequence[str],
    ) -> dict[str, tuple[str, ...]]:
        """For each tag, the strings whose features pushed it up the most for this message.

        ``row`` is the message's part of ``rows`` and of each tag's ``contributions``.
        """
        if not tags:
            return {}
        columns = rows.indices[row]
        tops: dict[str, tuple[list[int], list[float]]] = {}
        for tag in tags:
            column = contributions[TAGS.index(tag)][row]
            top = np.argsort(-column)[:_TOP_COLUMNS]
            amounts = column[top].tolist()
            positive = sum(amount > 0.0 for amount in amounts)  # largest first: a prefix
            tops[tag] = (columns[top[:positive]].tolist(), amounts[:positive])
        n_words, n_chars = self._n_words, self._n_chars
        wanted = {
            c - n_words
            for cols, _ in tops.values()
            for c in cols
            if n_words <= c < n_words + n_chars
        }
        shares = _char_shares(self._featurizer, prepared, wanted)
        return {
            tag: _ranked(self._attribute(prepared, cols, amounts, shares))
            for tag, (cols, amounts) in tops.items()
        }

    def _attribute(
        self,
        prepared: Prepared,
        columns: Sequence[int],
        contributions: Sequence[float],
        char_shares: Mapping[int, Sequence[tuple[str, float]]],
    ) -> list[tuple[str, float]]:
        """Spread each column's contribution over human-readable strings."""
        n_words, n_chars = self._n_words, self._n_chars
        word_terms, evidence = self._arrays.word_terms, prepared.hand.evidence
        spread: list[tuple[str, float]] = []
        for column, amount in zip(columns, contributions, strict=True):
            if column < n_words:
                term = word_terms[column]
                if _is_text(term):
                    spread.append((_surface_of(prepared, term), amount))
            elif column < n_words + n_chars:
                spread.extend(
                    (word, amount * share) for word, share in char_shares.get(column - n_words, ())
                )
            else:
                name = FEATURE_NAMES[column - n_words - n_chars]
                labels = describe(name, evidence.get(name, ()))
                spread.extend((label, amount / len(labels)) for label in labels)
        return spread


def _ranked(contributions: Iterable[tuple[str, float]]) -> tuple[str, ...]:
    """The ``MAX_REASONS`` strings with the largest positive total, case-insensitively.

    A function word or pair ("it", "is at", "n't") carries weight in the model but explains
    nothing to a person, so it is shown only when nothing more telling drove the tag."""
    totals: dict[str, float] = {}
    shown: dict[str, str] = {}
    for label, amount in contributions:
        key = label.casefold()
        if key in totals:
            totals[key] += amount
        else:
            shown[key], totals[key] = label, amount
    ranked = [key for key, amount in sorted(totals.items(), key=lambda kv: -kv[1]) if amount > 0.0]
    telling = [key for key in ranked if not _is_function_word(key)]
    return tuple(shown[key] for key in (telling or ranked)[:MAX_REASONS])


@functools.lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH
    from spacy.lang.hu.stop_words import STOP_WORDS as HUNGARIAN

    return frozenset(ENGLISH | HUNGARIAN | {"n't", "'s", "'m", "'re", "'ll", "'d"})


@functools.lru_cache(maxsize=8192)  # labels repeat across messages; the function is pure
def _is_function_word(label: str) -> bool:
    """A word, or a pair of words, made only of stop words and short fragments."""
    if ":" in label:  # a named hand feature, e.g. "deadline: today"
        return False
    return all(len(word) <= 2 or word in _function_words() for word in label.split())


@functools.lru_cache(maxsize=65_536)  # word terms: at most the vocabulary
def _is_text(term: str) -> bool:
    """Whether every word of a lemma unigram or bigram is letters or digits (not punctuation)."""
    return all(part.isalnum() for part in term.split(" "))


def _surface_of(prepared: Prepared, term: str) -> str:
    """How a lemma unigram or bigram was written in this message (first occurrence)."""
    lemmas, surfaces = prepared.analysis.lemmas, prepared.analysis.surfaces
    first, _, second = term.partition(" ")
    i = -1
    while True:
        try:
            i = lemmas.index(first, i + 1)
        except ValueError:
            return term
        if not second:
            return surfaces[i]
        if i + 1 < len(lemmas) and lemmas[i + 1] == second:
            return f"{surfaces[i]} {surfaces[i + 1]}"


def _char_shares(
    featurizer: Featurizer, prepared: Prepared, wanted: set[int]
) -> dict[int, list[tuple[str, float]]]:
    """Char n-gram column → the words of the message containing it, with their share."""
    if not wanted:
        return {}
    analysis = prepared.analysis
    occurrences: dict[int, list[str]] = {}
    # The first spelling of each word, in order of first appearance.
    spelling = dict(zip(reversed(analysis.folded), reversed(analysis.surfaces), strict=True))
    lemma = dict(zip(analysis.folded, analysis.lemmas, strict=True))
    for word in dict.fromkeys(analysis.folded):
        # Only words the model knows as words are reasons; a name or a stranger shares
        # letters with known words but explains nothing.
        if lemma[word] not in featurizer.word_vocab:
            continue
        for column in wanted.intersection(featurizer.char_indices_of(word)):
            occurrences.setdefault(column, []).append(spelling[word])
    return {column: [(w, 1.0 / len(ws)) for w in ws] for column, ws in occurrences.items()}
