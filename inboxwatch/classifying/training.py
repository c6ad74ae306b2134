"""Training and evaluating the classifier from labelled JSON Lines files.

``train`` fits the model on ``train-*.jsonl`` plus the user's corrections and writes
``models/``; ``evaluate`` measures it on ``heldout-*.jsonl`` next to a fixed keyword baseline.
The held-out files are never used for fitting, feature selection or thresholds: ``train`` only
reports the held-out numbers of the model it has finished building.

Bodies are run through ``cleaning.extract_new_content`` and languages through
``language.detect_language`` exactly as at inference time. Everything is deterministic.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from inboxwatch.errors import ModelError

try:  # the [train] extra: only training imports them, never classify, poll or report
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
except ImportError as exc:
    raise ModelError(f"training needs scikit-learn and scipy ({exc}); install them with: "
                     "pip install 'inboxwatch[train]'") from exc

from inboxwatch.classifying.classifier import (
    TAGS,
    Classifier,
    Featurizer,
    ModelArrays,
    Prepared,
    char_terms,
    folded_words,
    prepare_many,
    save_model,
    text_key,
    word_terms,
)
from inboxwatch.classifying.features import FEATURE_NAMES
from inboxwatch.classifying.features import fingerprint as features_fingerprint

__all__ = [
    "CORRECTION_WEIGHT",
    "EvaluationReport",
    "EvaluationRow",
    "LabelledExample",
    "TagMetrics",
    "TrainingReport",
    "evaluate",
    "keyword_baseline",
    "load_examples",
    "train",
]

logger = logging.getLogger(__name__)

SEED: Final = 0
CV_FOLDS: Final = 5
# A user's correction counts this many times as much as a shipped example.
CORRECTION_WEIGHT: Final = 10.0
MIN_DOC_FREQ: Final = 2
C_GRID: Final = (1.0, 3.0, 10.0, 30.0)
HAND_SCALE: Final = 0.15
_THRESHOLD_GRID: Final = np.round(np.arange(0.10, 0.91, 0.01), 2)
_LANGUAGES: Final = ("en", "hu")

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LabelledExample:
    """One labelled message. A label of None means unknown for that tag (not used for it)."""

    id: str
    lang: str
    subject: str
    body: str
    labels: Mapping[str, bool | None]


@dataclass(frozen=True)
class TagMetrics:
    """Precision, recall and F1 of one tag on one set of messages."""

    precision: float
    recall: float
    f1: float
    positives: int
    total: int

    @classmethod
    def of(cls, truth: Sequence[bool], predicted: Sequence[bool]) -> TagMetrics:
        """Compare predictions with the truth (empty precision/recall count as 0)."""
        hits = sum(bool(t and p) for t, p in zip(truth, predicted, strict=True))
        n_pred, n_true = sum(map(bool, predicted)), sum(map(bool, truth))
        precision = hits / n_pred if n_pred else 0.0
        recall = hits / n_true if n_true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1, n_true, len(truth))

    def as_dict(self) -> dict[str, float | int]:
        """A JSON-friendly form, rounded to three decimals."""
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "positives": self.positives,
            "total": self.total,
        }


@dataclass(frozen=True)
class EvaluationRow:
    """The model and the keyword baseline on one tag and one language (or ``"all"``)."""

    tag: str
    language: str
    model: TagMetrics
    baseline: TagMetrics


@dataclass(frozen=True)
class EvaluationReport:
    """Held-out results per tag and language, model next to the keyword baseline."""

    rows: tuple[EvaluationRow, ...]
    model_version: str

    def row(self, tag: str, language: str) -> EvaluationRow:
        """The row of ``tag`` in ``language`` (``"en"``, ``"hu"`` or ``"all"``)."""
        for row in self.rows:
            if row.tag == tag and row.language == language:
                return row
        raise KeyError((tag, language))

    def format_table(self) -> str:
        """A readable fixed-width table."""
        header = (
            f"{'tag':<10} {'lang':<4} {'n':>5} {'pos':>4} | {'P':>5} {'R':>5} {'F1':>5} | "
            f"{'base P':>6} {'base R':>6} {'base F1':>7}"
        )
        lines = [f"held-out evaluation of model {self.model_version}", header, "-" * len(header)]
        for r in self.rows:
            m, b = r.model, r.baseline
            lines.append(
                f"{r.tag:<10} {r.language:<4} {m.total:>5} {m.positives:>4} | "
                f"{m.precision:>5.3f} {m.recall:>5.3f} {m.f1:>5.3f} | "
                f"{b.precision:>6.3f} {b.recall:>6.3f} {b.f1:>7.3f}"
            )
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form: tag → language → model/baseline metrics."""
        result: dict[str, Any] = {}
        for r in self.rows:
            result.setdefault(r.tag, {})[r.language] = {
                "model": r.model.as_dict(),
                "baseline": r.baseline.as_dict(),
            }
        return result


@dataclass(frozen=True)
class TrainingReport:
    """What ``train`` built: where, from how much data, thresholds, and how well it does."""

    models_dir: Path
    version: str
    counts: Mapping[str, Mapping[str, int]]
    corrections: int
    thresholds: Mapping[str, float]
    cross_validation: Mapping[str, TagMetrics]
    heldout: EvaluationReport | None

    def summary(self) -> str:
        """A few readable lines: version, data, thresholds, cross-validated and held-out F1."""
        data = ", ".join(
            f"{lang}: {row['examples']} messages" for lang, row in sorted(self.counts.items())
        )
        lines = [
            f"trained model {self.version} into {self.models_dir}",
            f"training data: {data}; {self.corrections} user corrections",
            "thresholds: " + ", ".join(f"{t} {v:.2f}" for t, v in self.thresholds.items()),
            "cross-validated F1: "
            + ", ".join(f"{t} {m.f1:.3f}" for t, m in self.cross_validation.items()),
        ]
        if self.heldout is not None:
            lines.append(self.heldout.format_table())
        return "\n".join(lines)


# --- loading data ----------------------------------------------------------------------------


def load_examples(path: Path) -> list[LabelledExample]:
    """Read labelled examples from a JSON Lines file; raise ModelError on a bad line."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"cannot read training data {path}: {exc}") from exc
    return [_example(line, path, number) for number, line in enumerate(lines, 1) if line.strip()]


def _example(line: str, path: Path, number: int) -> LabelledExample:
    try:
        row = json.loads(line)
        labels = {tag: _label(row.get(tag)) for tag in TAGS}
        return LabelledExample(
            str(row["id"]),
            str(row.get("lang") or ""),
            str(row.get("subject") or ""),
            str(row.get("body") or ""),
            labels,
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelError(f"{path}:{number}: not a labelled example ({exc}); fix the line") from exc


def _label(value: object) -> bool | None:
    if value is None:
        return None
    if value in (0, 1, True, False):
        return bool(value)
    raise ValueError(f"label {value!r} is not 0, 1 or null")


def _data_files(data_dir: Path, prefix: str) -> list[Path]:
    files = sorted((data_dir / "labelled").glob(f"{prefix}-*.jsonl"))
    return files or sorted(data_dir.glob(f"{prefix}-*.jsonl"))


@dataclass(frozen=True)
class _Merged:
    examples: list[LabelledExample]
    weights: list[float]
    overrides: dict[str, tuple[int, ...]]


def _merge(
    shipped: Sequence[LabelledExample], corrections: Sequence[LabelledExample],
    clean: Callable[[str], str],
) -> _Merged:
    """Apply corrections: same text → the correction's known labels win; weight goes up.

    The corrected labels are also returned by text key, so the model answers the corrected
    message itself exactly as the user said.
    """
    examples = list(shipped)
    weights = [1.0] * len(examples)
    by_key = {text_key(e.subject, clean(e.body)): i for i, e in enumerate(examples)}
    overrides: dict[str, tuple[int, ...]] = {}
    for correction in corrections:
        key = text_key(correction.subject, clean(correction.body))
        known = {t: v for t, v in correction.labels.items() if v is not None and t in TAGS}
        previous = overrides.get(key, (-1,) * len(TAGS))
        overrides[key] = tuple(
            int(known[t]) if t in known else old for t, old in zip(TAGS, previous, strict=True)
        )
        index = by_key.get(key)
        if index is None:
            by_key[key] = len(examples)
            examples.append(correction)
            weights.append(CORRECTION_WEIGHT)
            continue
        old = examples[index]
        examples[index] = LabelledExample(
            old.id, old.lang, old.subject, old.body, {**old.labels, **known}
        )
        weights[index] = CORRECTION_WEIGHT
    return _Merged(examples, weights, overrides)


# --- training --------------------------------------------------------------------------------


def train(
    data_dir: Path, models_dir: Path, corrections: Sequence[LabelledExample] = ()
) -> TrainingReport:
    """Train on ``data_dir``'s ``train-*.jsonl`` plus ``corrections``; write ``models_dir``.

    Corrections win over shipped labels for the same text and weigh ``CORRECTION_WEIGHT``.
    Thresholds maximise cross-validated F1 on the training data. If held-out files exist,
    the finished model's held-out metrics are recorded in ``meta.json``.
    """
    from inboxwatch.parsing.cleaning import extract_new_content

    files = _data_files(data_dir, "train")
    if not files:
        raise ModelError(f"no train-*.jsonl files in {data_dir}; add labelled data first")
    shipped = [e for f in files for e in load_examples(f)]
    merged = _merge(shipped, corrections, extract_new_content)
    examples = merged.examples
    prepared = prepare_many([(e.subject, extract_new_content(e.body), None) for e in examples])
    featurizer = fit_featurizer(prepared)
    matrix = featurizer.transform(prepared)
    fits = [_fit_tag(matrix, examples, np.array(merged.weights), tag) for tag in TAGS]
    arrays = _model_arrays(featurizer, fits, merged.overrides)
    heldout = _evaluate_arrays(data_dir, arrays)
    meta = _meta(files, examples, corrections, fits, heldout, matrix.shape[1])
    digest = save_model(arrays, models_dir, meta)
    report = TrainingReport(
        models_dir,
        digest[:12],
        _counts(examples),
        len(corrections),
        {tag: fit.threshold for tag, fit in zip(TAGS, fits, strict=True)},
        {tag: fit.cv_metrics for tag, fit in zip(TAGS, fits, strict=True)},
        _with_version(heldout, digest[:12]),
    )
    logger.info("trained model %s on %d examples", report.version, len(examples))
    return report


def fit_featurizer(prepared: Sequence[Prepared]) -> Featurizer:
    """Vocabularies (terms in at least ``MIN_DOC_FREQ`` messages) and smoothed idf."""
    word_df: dict[str, int] = {}
    char_df: dict[str, int] = {}
    for p in prepared:
        for term in set(word_terms(p)):
            word_df[term] = word_df.get(term, 0) + 1
        grams = {g for word in folded_words(p) for g in char_terms(word)}
        for gram in grams:
            char_df[gram] = char_df.get(gram, 0) + 1
    word_vocab, word_idf = _vocabulary(word_df, len(prepared))
    char_vocab, char_idf = _vocabulary(char_df, len(prepared))
    return Featurizer(word_vocab, word_idf, char_vocab, char_idf, HAND_SCALE)


def _vocabulary(doc_freq: Mapping[str, int], n_docs: int) -> tuple[dict[str, int], FloatArray]:
    terms = sorted(t for t, df in doc_freq.items() if df >= MIN_DOC_FREQ and "\n" not in t)
    df = np.array([doc_freq[t] for t in terms], dtype=np.float64)
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    return {t: i for i, t in enumerate(terms)}, idf


@dataclass(frozen=True)
class _TagFit:
    coef: FloatArray
    intercept: float
    slope: float
    offset: float
    threshold: float
    c: float
    cv_metrics: TagMetrics
    examples: int


def _fit_tag(
    matrix: sp.csr_matrix, examples: Sequence[LabelledExample], weights: FloatArray, tag: str
) -> _TagFit:
    rows = np.array([i for i, e in enumerate(examples) if e.labels.get(tag) is not None])
    y = np.array([bool(examples[i].labels[tag]) for i in rows], dtype=np.int64)
    if len(rows) == 0 or min(y.sum(), len(y) - y.sum()) < 2:
        raise ModelError(
            f"the training data needs at least two positive and two negative examples of "
            f"{tag!r}; add labelled data"
        )
    x, w = matrix[rows], weights[rows]
    folds = int(min(CV_FOLDS, y.sum(), len(y) - y.sum()))
    c, scores = _choose_c(x, y, w, folds)
    slope, offset = _platt(scores, y, w)
    probs = 1.0 / (1.0 + np.exp(-(scores * slope + offset)))
    threshold = _best_threshold(probs, y)
    final = _logistic(c).fit(x, y, sample_weight=w)
    cv_metrics = TagMetrics.of(list(y.astype(bool)), list(probs >= threshold))
    logger.info("tag %s: C=%s threshold=%.2f cv F1=%.3f", tag, c, threshold, cv_metrics.f1)
    return _TagFit(
        final.coef_.ravel().astype(np.float64),
        float(final.intercept_[0]),
        slope,
        offset,
        threshold,
        c,
        cv_metrics,
        len(rows),
    )


def _logistic(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, solver="liblinear", random_state=SEED, max_iter=1000)


def _choose_c(
    x: sp.csr_matrix, y: npt.NDArray[np.int64], w: FloatArray, folds: int
) -> tuple[float, FloatArray]:
    """The C with the best cross-validated log loss, and its out-of-fold scores."""
    best: tuple[float, float, FloatArray] | None = None
    for c in C_GRID:
        scores = _cv_scores(x, y, w, c, folds)
        slope, offset = _platt(scores, y, w)
        probs = np.clip(1.0 / (1.0 + np.exp(-(scores * slope + offset))), 1e-9, 1 - 1e-9)
        loss = float(-np.average(y * np.log(probs) + (1 - y) * np.log(1 - probs), weights=w))
        if best is None or loss < best[0] - 1e-9:
            best = (loss, c, scores)
    assert best is not None
    return best[1], best[2]


def _cv_scores(
    x: sp.csr_matrix, y: npt.NDArray[np.int64], w: FloatArray, c: float, folds: int
) -> FloatArray:
    scores = np.zeros(len(y), dtype=np.float64)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        model = _logistic(c).fit(x[train_idx], y[train_idx], sample_weight=w[train_idx])
        scores[test_idx] = model.decision_function(x[test_idx])
    return scores


def _platt(scores: FloatArray, y: npt.NDArray[np.int64], w: FloatArray) -> tuple[float, float]:
    """Slope and offset of the sigmoid mapping decision scores to probabilities."""
    model = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000)
    model.fit(scores.reshape(-1, 1), y, sample_weight=w)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def _best_threshold(probs: FloatArray, y: npt.NDArray[np.int64]) -> float:
    """The threshold with the best F1 (the middle one when several tie)."""
    truth = list(y.astype(bool))
    f1s = np.array([TagMetrics.of(truth, list(probs >= t)).f1 for t in _THRESHOLD_GRID])
    best = np.flatnonzero(f1s >= f1s.max() - 1e-9)
    return float(_THRESHOLD_GRID[best[len(best) // 2]])


def _model_arrays(
    featurizer: Featurizer, fits: Sequence[_TagFit], overrides: Mapping[str, tuple[int, ...]]
) -> ModelArrays:
    return ModelArrays(
        word_terms=_terms_in_order(featurizer.word_vocab),
        word_idf=featurizer.word_idf,
        char_terms=_terms_in_order(featurizer.char_vocab),
        char_idf=featurizer.char_idf,
        feature_names=FEATURE_NAMES,
        hand_scale=featurizer.hand_scale,
        coef=np.stack([f.coef for f in fits], axis=1),
        intercept=np.array([f.intercept for f in fits]),
        calibration=np.array([[f.slope, f.offset] for f in fits]),
        thresholds=np.array([f.threshold for f in fits]),
        overrides=dict(overrides),
    )


def _terms_in_order(vocab: Mapping[str, int]) -> tuple[str, ...]:
    return tuple(sorted(vocab, key=vocab.__getitem__))


def _counts(examples: Sequence[LabelledExample]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for e in examples:
        row = counts.setdefault(e.lang or "unknown", {"examples": 0, **{t: 0 for t in TAGS}})
        row["examples"] += 1
        for tag in TAGS:
            row[tag] += bool(e.labels.get(tag))
    return counts


def _meta(
    files: Sequence[Path],
    examples: Sequence[LabelledExample],
    corrections: Sequence[LabelledExample],
    fits: Sequence[_TagFit],
    heldout: EvaluationReport | None,
    n_features: int,
) -> dict[str, Any]:
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data": {f.name: _file_sha256(f) for f in files},
        "training_counts": _counts(examples),
        "corrections": len(corrections),
        "features_fingerprint": features_fingerprint(),
        "method": {
            "features": n_features,
            "min_doc_freq": MIN_DOC_FREQ,
            "hand_scale": HAND_SCALE,
            "correction_weight": CORRECTION_WEIGHT,
            "cv_folds": CV_FOLDS,
            "seed": SEED,
            "C": {tag: fit.c for tag, fit in zip(TAGS, fits, strict=True)},
        },
        "cross_validation": {
            tag: fit.cv_metrics.as_dict() for tag, fit in zip(TAGS, fits, strict=True)
        },
        "heldout": heldout.as_dict() if heldout is not None else None,
    }


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- evaluation ------------------------------------------------------------------------------

# The naive approach, written once before any evaluation and never tuned: a message has the
# tag when one of these words or phrases appears in its subject or new text.
BASELINE_KEYWORDS: Final[Mapping[str, tuple[str, ...]]] = {
    "urgent": ("urgent", "asap", "immediately", "today", "sürgős", "azonnal", "mielőbb", "ma"),
    "vague": (
        "the thing",
        "that thing",
        "something",
        "any news",
        "any update",
        "fix it",
        "do it",
        "take care of",
        "ezt",
        "azt",
        "valamit",
        "izé",
        "van hír",
        "??",
    ),
    "complaint": (
        "disappointed",
        "unacceptable",
        "not happy",
        "again",
        "third time",
        "still not",
        "complain",
        "csalódott",
        "elfogadhatatlan",
        "megint",
        "harmadszor",
        "még mindig nem",
        "nem vagyok elégedett",
        "panasz",
    ),
}


def keyword_baseline(subject: str, new_text: str) -> dict[str, bool]:
    """The keyword baseline's verdict per tag."""
    text = f"{subject}\n{new_text}".lower()
    return {
        tag: any(_keyword_in(keyword, text) for keyword in keywords)
        for tag, keywords in BASELINE_KEYWORDS.items()
    }


def _keyword_in(keyword: str, text: str) -> bool:
    if not keyword[0].isalnum():
        return keyword in text
    return re.search(rf"(?<!\w){re.escape(keyword)}(?!\w)", text) is not None


def evaluate(data_dir: Path, models_dir: Path) -> EvaluationReport:
    """Evaluate the model in ``models_dir`` on ``data_dir``'s ``heldout-*.jsonl`` files."""
    classifier = Classifier.load(models_dir)
    examples = _heldout_examples(data_dir)
    if not examples:
        raise ModelError(f"no heldout-*.jsonl files in {data_dir}; nothing to evaluate")
    return _evaluation(classifier, examples)


def _heldout_examples(data_dir: Path) -> list[LabelledExample]:
    return [e for f in _data_files(data_dir, "heldout") for e in load_examples(f)]


def _evaluate_arrays(data_dir: Path, arrays: ModelArrays) -> EvaluationReport | None:
    examples = _heldout_examples(data_dir)
    return _evaluation(Classifier(arrays, "new"), examples) if examples else None


def _with_version(report: EvaluationReport | None, version: str) -> EvaluationReport | None:
    return EvaluationReport(report.rows, version) if report is not None else None


def _evaluation(classifier: Classifier, examples: Sequence[LabelledExample]) -> EvaluationReport:
    from inboxwatch.parsing.cleaning import extract_new_content

    texts = [(e.subject, extract_new_content(e.body)) for e in examples]
    results = classifier.classify_many([(s, t, None) for s, t in texts])
    baseline = [keyword_baseline(s, t) for s, t in texts]
    rows: list[EvaluationRow] = []
    for tag in TAGS:
        for language in (*_LANGUAGES, "all"):
            chosen = [
                i
                for i, e in enumerate(examples)
                if e.labels.get(tag) is not None and language in ("all", e.lang)
            ]
            truth = [bool(examples[i].labels[tag]) for i in chosen]
            rows.append(
                EvaluationRow(
                    tag,
                    language,
                    TagMetrics.of(truth, [tag in results[i].tags for i in chosen]),
                    TagMetrics.of(truth, [baseline[i][tag] for i in chosen]),
                )
            )
    return EvaluationReport(tuple(rows), classifier.version)
