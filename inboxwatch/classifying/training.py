"""Training and evaluating the classifier from labelled JSON Lines files.

``train`` fits the model on ``train-*.jsonl`` plus the user's corrections and writes
``models/``; ``evaluate`` measures it on ``heldout-*.jsonl`` next to a fixed keyword baseline.
The held-out files are never used for fitting, feature selection or thresholds: ``train`` only
reports the held-out numbers of the model it has finished building.

Bodies are run through ``cleaning.extract_new_content`` and languages through
``language.detect_language`` exactly as at inference time. Everything is deterministic.
"""

from __future__ import annotations

import dataclasses
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
    raise ModelError(
        f"training needs scikit-learn and scipy ({exc}); install them with: "
        "pip install 'inboxwatch[train]'"
    ) from exc

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
_THRESHOLD_GRID: Final = np.round(np.arange(0.10, 0.991, 0.01), 2)
# A real training message (``data/real/train-real-*.jsonl``) counts this many times as much as
# a written one: there are few of them, and they are the ones that teach the concept.
REAL_WEIGHT: Final = 1.0
# On the real dev split, a threshold may tag at most this share of messages with a tag they
# do not have. Half of the targets (2% complaint, 5% urgent, 3% vague), to leave a margin
# for mail unlike the dev split.
FALSE_ALARM_BUDGET: Final[Mapping[str, float]] = {
    "urgent": 0.025,
    "vague": 0.015,
    "complaint": 0.01,
}
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
    split: str = ""  # "dev" or "test" in the real-mail evaluation files, else ""


@dataclass(frozen=True)
class TagMetrics:
    """Precision, recall and F1 of one tag on one set of messages.

    ``false_alarms`` counts the messages tagged although their gold label says no; the
    false-alarm rate is that count over all messages (what a user sees: the share of their
    mail wrongly tagged).
    """

    precision: float
    recall: float
    f1: float
    positives: int
    total: int
    predicted: int = 0
    false_alarms: int = 0

    @classmethod
    def of(cls, truth: Sequence[bool], predicted: Sequence[bool]) -> TagMetrics:
        """Compare predictions with the truth (empty precision/recall count as 0)."""
        hits = sum(bool(t and p) for t, p in zip(truth, predicted, strict=True))
        n_pred, n_true = sum(map(bool, predicted)), sum(map(bool, truth))
        precision = hits / n_pred if n_pred else 0.0
        recall = hits / n_true if n_true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1, n_true, len(truth), n_pred, n_pred - hits)

    @property
    def false_alarm_rate(self) -> float:
        """The share of all messages tagged although their gold label says no."""
        return self.false_alarms / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, float | int]:
        """A JSON-friendly form, rounded to three decimals."""
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "positives": self.positives,
            "total": self.total,
            "predicted": self.predicted,
            "false_alarm_rate": round(self.false_alarm_rate, 4),
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
    title: str = "held-out evaluation (written for the project)"

    def row(self, tag: str, language: str) -> EvaluationRow:
        """The row of ``tag`` in ``language`` (``"en"``, ``"hu"`` or ``"all"``)."""
        for row in self.rows:
            if row.tag == tag and row.language == language:
                return row
        raise KeyError((tag, language))

    def format_table(self) -> str:
        """A readable fixed-width table."""
        header = (
            f"{'tag':<10} {'lang':<4} {'n':>5} {'pos':>4} | {'P':>5} {'R':>5} {'F1':>5} "
            f"{'FA':>6} | {'base P':>6} {'base R':>6} {'base F1':>7} {'base FA':>7}"
        )
        lines = [f"{self.title}, model {self.model_version}", header, "-" * len(header)]
        for r in self.rows:
            m, b = r.model, r.baseline
            lines.append(
                f"{r.tag:<10} {r.language:<4} {m.total:>5} {m.positives:>4} | "
                f"{m.precision:>5.3f} {m.recall:>5.3f} {m.f1:>5.3f} {m.false_alarm_rate:>6.1%} | "
                f"{b.precision:>6.3f} {b.recall:>6.3f} {b.f1:>7.3f} {b.false_alarm_rate:>7.1%}"
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
    real_test: EvaluationReport | None = None

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
        lines.extend(r.format_table() for r in (self.real_test, self.heldout) if r is not None)
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
            str(row.get("split") or ""),
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelError(f"{path}:{number}: not a labelled example ({exc}); fix the line") from exc


def _label(value: object) -> bool | None:
    if value is None:
        return None
    if value in (0, 1, True, False):
        return bool(value)
    raise ValueError(f"label {value!r} is not 0, 1 or null")


@dataclass(frozen=True)
class RealMail:
    """Real mail nobody wrote for the project, labelled by the guideline (``data/real/``).

    ``train`` (``train-real-*.jsonl``, one annotator) is fitted on; ``dev`` (the ``dev``
    rows of ``real-*.jsonl``, two annotators, adjudicated) chooses the thresholds; ``test``
    (the ``test`` rows) is only ever measured.
    """

    train: tuple[LabelledExample, ...] = ()
    dev: tuple[LabelledExample, ...] = ()
    test: tuple[LabelledExample, ...] = ()


def load_real(real_dir: Path | None) -> RealMail:
    """Read ``real_dir``; a missing folder (or None) means no real mail."""
    if real_dir is None or not real_dir.is_dir():
        return RealMail()
    evaluation = [e for f in sorted(real_dir.glob("real-*.jsonl")) for e in load_examples(f)]
    return RealMail(
        tuple(e for f in sorted(real_dir.glob("train-real-*.jsonl")) for e in load_examples(f)),
        tuple(e for e in evaluation if e.split == "dev"),
        tuple(e for e in evaluation if e.split == "test"),
    )


def _data_files(data_dir: Path, prefix: str) -> list[Path]:
    files = sorted((data_dir / "labelled").glob(f"{prefix}-*.jsonl"))
    return files or sorted(data_dir.glob(f"{prefix}-*.jsonl"))


@dataclass(frozen=True)
class _Merged:
    examples: list[LabelledExample]
    weights: list[float]
    overrides: dict[str, tuple[int, ...]]


def _merge(
    shipped: Sequence[LabelledExample],
    corrections: Sequence[LabelledExample],
    clean: Callable[[str], str],
    shipped_weights: Sequence[float] | None = None,
) -> _Merged:
    """Apply corrections: same text → the correction's known labels win; weight goes up.

    The corrected labels are also returned by text key, so the model answers the corrected
    message itself exactly as the user said.
    """
    examples = list(shipped)
    weights = list(shipped_weights) if shipped_weights is not None else [1.0] * len(examples)
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
    data_dir: Path,
    models_dir: Path,
    corrections: Sequence[LabelledExample] = (),
    real_dir: Path | None = None,
) -> TrainingReport:
    """Train on ``data_dir``'s ``train-*.jsonl``, real mail and ``corrections``; write the model.

    ``real_dir`` (``data/real``) adds labelled real mail to the training data, and its dev
    split chooses each tag's threshold: the best F1 over the cross-validated training
    scores and the dev split together, among thresholds whose false-alarm rate on the dev
    split stays within ``FALSE_ALARM_BUDGET``. Without real mail, thresholds maximise
    cross-validated F1. Corrections win over shipped labels for the same text and weigh
    ``CORRECTION_WEIGHT``. The finished model's held-out metrics (written and real test)
    are recorded in ``meta.json``.
    """
    from inboxwatch.parsing.cleaning import extract_new_content

    files = _data_files(data_dir, "train")
    if not files:
        raise ModelError(f"no train-*.jsonl files in {data_dir}; add labelled data first")
    written = [e for f in files for e in load_examples(f)]
    real = load_real(real_dir)
    weights = [1.0] * len(written) + [REAL_WEIGHT] * len(real.train)
    merged = _merge([*written, *real.train], corrections, extract_new_content, weights)
    examples = merged.examples
    prepared = prepare_many([(e.subject, extract_new_content(e.body), None) for e in examples])
    featurizer = fit_featurizer(prepared[: len(written)])
    matrix = featurizer.transform(prepared)
    fits = [_fit_tag(matrix, examples, np.array(merged.weights), tag) for tag in TAGS]
    if real.dev:
        dev_scores = _scores(Classifier(_model_arrays(featurizer, fits, {}), "new"), real.dev)
        fits = [
            _with_dev_threshold(fit, tag, real.dev, dev_scores[:, k])
            for k, (tag, fit) in enumerate(zip(TAGS, fits, strict=True))
        ]
    arrays = _model_arrays(featurizer, fits, merged.overrides)
    heldout = _evaluate_arrays(data_dir, arrays)
    real_test = _evaluate_real(Classifier(arrays, "new"), real.test, "test") if real.test else None
    real_dev = _evaluate_real(Classifier(arrays, "new"), real.dev, "dev") if real.dev else None
    meta = _meta(files, examples, corrections, fits, heldout, matrix.shape[1])
    meta["real_mail"] = {
        "train_examples": len(real.train),
        "dev": real_dev.as_dict() if real_dev else None,
        "test": real_test.as_dict() if real_test else None,
        "real_weight": REAL_WEIGHT,
        "false_alarm_budget": dict(FALSE_ALARM_BUDGET),
    }
    digest = save_model(arrays, models_dir, meta)
    report = TrainingReport(
        models_dir,
        digest[:12],
        _counts(examples),
        len(corrections),
        {tag: fit.threshold for tag, fit in zip(TAGS, fits, strict=True)},
        {tag: fit.cv_metrics for tag, fit in zip(TAGS, fits, strict=True)},
        _with_version(heldout, digest[:12]),
        _with_version(real_test, digest[:12]),
    )
    logger.info("trained model %s on %d examples", report.version, len(examples))
    return report


def _scores(classifier: Classifier, examples: Sequence[LabelledExample]) -> FloatArray:
    """Calibrated probabilities, one row per example, one column per tag."""
    from inboxwatch.parsing.cleaning import extract_new_content

    items = [(e.subject, extract_new_content(e.body), None) for e in examples]
    return classifier.probabilities(prepare_many(items))


def _with_dev_threshold(
    fit: _TagFit, tag: str, dev: Sequence[LabelledExample], dev_probs: FloatArray
) -> _TagFit:
    """``fit`` with the threshold chosen on the cross-validated scores and the real dev split."""
    known = [i for i, e in enumerate(dev) if e.labels.get(tag) is not None]
    dev_y = np.array([bool(dev[i].labels[tag]) for i in known], dtype=np.int64)
    threshold = _dev_threshold(
        np.concatenate([fit.cv_probs, dev_probs[known]]),
        np.concatenate([fit.cv_truth, dev_y]),
        dev_probs[known],
        dev_y,
        FALSE_ALARM_BUDGET[tag],
    )
    cv_metrics = TagMetrics.of(list(fit.cv_truth.astype(bool)), list(fit.cv_probs >= threshold))
    logger.info("tag %s: threshold on real dev %.2f", tag, threshold)
    return dataclasses.replace(fit, threshold=threshold, cv_metrics=cv_metrics)


def _dev_threshold(
    pooled_probs: FloatArray,
    pooled_y: npt.NDArray[np.int64],
    dev_probs: FloatArray,
    dev_y: npt.NDArray[np.int64],
    budget: float,
) -> float:
    """The best pooled-F1 threshold whose dev false-alarm rate is within ``budget``.

    When none is, the highest threshold of the grid: a tag that cannot be told apart on
    real mail should stay quiet rather than cry wolf.
    """
    allowed = [
        t
        for t in _THRESHOLD_GRID
        if np.count_nonzero((dev_probs >= t) & (dev_y == 0)) <= budget * len(dev_y)
    ]
    if not allowed:
        return float(_THRESHOLD_GRID[-1])
    return _best_threshold(pooled_probs, pooled_y, np.array(allowed))


def fit_featurizer(prepared: Sequence[Prepared]) -> Featurizer:
    """Vocabularies (terms in at least ``MIN_DOC_FREQ`` messages) and smoothed idf.

    Proper names are left out (:func:`name_like_words`): a name is who wrote, not what they
    meant, and a model that learns "Brightside" or "NYMEX" as a reason learns its data's
    cast, not the tag.
    """
    names = name_like_words(prepared)
    word_df: dict[str, int] = {}
    char_df: dict[str, int] = {}
    for p in prepared:
        for term in set(word_terms(p)):
            if names.isdisjoint(term.split(" ")):
                word_df[term] = word_df.get(term, 0) + 1
        grams = {g for word in folded_words(p) if word not in names for g in char_terms(word)}
        for gram in grams:
            char_df[gram] = char_df.get(gram, 0) + 1
    word_vocab, word_idf = _vocabulary(word_df, len(prepared))
    char_vocab, char_idf = _vocabulary(char_df, len(prepared))
    return Featurizer(word_vocab, word_idf, char_vocab, char_idf, HAND_SCALE)


_SENTENCE_ENDS: Final = frozenset(".!?:;\"'()[]<>*-–—")
_NAME_SHARE: Final = 0.6  # of a word's occurrences, capitalised inside a sentence


def name_like_words(prepared: Sequence[Prepared]) -> frozenset[str]:
    """Folded words that are written capitalised inside a sentence in most of their uses.

    That is how names look in running text ("ask Anna", "the NYMEX figures"); a word that
    is capitalised only at the start of sentences is not one. Stop words (English "I",
    Hungarian "Ön") and words of one or two letters are never names here.
    """
    capitalised: dict[str, int] = {}
    seen: dict[str, int] = {}
    for p in prepared:
        text = f"{p.subject}\n{p.text}"
        analysis, previous_end = p.analysis, 0
        for i, (surface, folded) in enumerate(zip(analysis.surfaces, analysis.folded, strict=True)):
            start = analysis.starts[i]
            if surface[:1].isalpha():
                seen[folded] = seen.get(folded, 0) + 1
                inside = (
                    i > 0
                    and analysis.surfaces[i - 1] not in _SENTENCE_ENDS
                    and ("\n" not in text[previous_end:start])
                )
                if inside and surface[:1].isupper():
                    capitalised[folded] = capitalised.get(folded, 0) + 1
            previous_end = start + len(surface)
    stop = _stop_words()
    return frozenset(
        word
        for word, count in capitalised.items()
        if count >= 2 and count >= _NAME_SHARE * seen[word] and len(word) > 2 and word not in stop
    )


def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH
    from spacy.lang.hu.stop_words import STOP_WORDS as HUNGARIAN

    from inboxwatch.text import fold

    return frozenset(fold(w.lower()) for w in ENGLISH | HUNGARIAN)


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
    cv_probs: FloatArray  # calibrated out-of-fold probabilities of the labelled rows
    cv_truth: npt.NDArray[np.int64]


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
        probs,
        y,
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


def _best_threshold(
    probs: FloatArray, y: npt.NDArray[np.int64], grid: FloatArray = _THRESHOLD_GRID
) -> float:
    """The threshold of ``grid`` with the best F1 (the middle one when several tie)."""
    truth = list(y.astype(bool))
    f1s = np.array([TagMetrics.of(truth, list(probs >= t)).f1 for t in grid])
    best = np.flatnonzero(f1s >= f1s.max() - 1e-9)
    return float(grid[best[len(best) // 2]])


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


def evaluate(
    data_dir: Path, models_dir: Path, real_dir: Path | None = None
) -> tuple[EvaluationReport, ...]:
    """Evaluate the model in ``models_dir``: on real mail first, then on written text.

    The real-mail table is the test split of ``real_dir`` (when there is one); the written
    one is ``data_dir``'s ``heldout-*.jsonl``.
    """
    classifier = Classifier.load(models_dir)
    examples = _heldout_examples(data_dir)
    real = load_real(real_dir)
    if not examples and not real.test:
        raise ModelError(f"no heldout-*.jsonl files in {data_dir}; nothing to evaluate")
    reports = [_evaluate_real(classifier, real.test, "test")] if real.test else []
    if examples:
        reports.append(_evaluation(classifier, examples))
    return tuple(reports)


def _evaluate_real(
    classifier: Classifier, examples: Sequence[LabelledExample], split: str
) -> EvaluationReport:
    report = _evaluation(classifier, examples)
    title = f"real mail nobody wrote for the project, {split} split (FA = false alarms)"
    return dataclasses.replace(report, title=title)


def _heldout_examples(data_dir: Path) -> list[LabelledExample]:
    return [e for f in _data_files(data_dir, "heldout") for e in load_examples(f)]


def _evaluate_arrays(data_dir: Path, arrays: ModelArrays) -> EvaluationReport | None:
    examples = _heldout_examples(data_dir)
    return _evaluation(Classifier(arrays, "new"), examples) if examples else None


def _with_version(report: EvaluationReport | None, version: str) -> EvaluationReport | None:
    return dataclasses.replace(report, model_version=version) if report is not None else None


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
