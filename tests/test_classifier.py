"""The shipped classifier: both languages, edge-case bodies, explanations, loading checks."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from inboxwatch.classifying.classifier import (
    TAGS,
    Classification,
    Classifier,
    Featurizer,
    ModelArrays,
    Prepared,
    char_terms,
    folded_words,
    prepare_many,
    word_terms,
)
from inboxwatch.classifying.features import FEATURE_NAMES, hand_features, new_subject, thread_kind
from inboxwatch.classifying.nlp import content_words
from inboxwatch.classifying.training import fit_featurizer
from inboxwatch.errors import ModelError
from inboxwatch.parsing.cleaning import extract_new_content
from inboxwatch.text import fold

MODELS = Path(__file__).resolve().parents[1] / "models"
DATA = Path(__file__).resolve().parents[1] / "data" / "labelled"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.load(MODELS)


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    target = tmp_path / "models"
    shutil.copytree(MODELS, target)
    return target


def test_english_message(classifier: Classifier) -> None:
    result = classifier.classify(
        "contract", "This is the third time I'm asking. I need the signed contract ASAP!"
    )
    assert result.language == "en"
    assert {"urgent", "complaint"} <= set(result.tags)
    assert set(result.scores) == set(TAGS)
    assert all(0.0 <= p <= 1.0 for p in result.scores.values())


def test_hungarian_message_with_and_without_accents(classifier: Classifier) -> None:
    accented = "Már harmadszor kérem: a számlát azonnal küldd el, ma délig kell!"
    for text in (accented, fold(accented)):
        result = classifier.classify("számla", text)
        assert result.language == "hu"
        assert {"urgent", "complaint"} <= set(result.tags), text


def test_plain_request_is_not_tagged(classifier: Classifier) -> None:
    result = classifier.classify(
        "March invoice", "Hi Anna, please send the March invoice to the Smith account next week."
    )
    assert result.tags == ()
    assert result.why == {}


def test_vague_one_liners(classifier: Classifier) -> None:
    assert "vague" in classifier.classify("", "Can you take care of that?").tags
    assert "vague" in classifier.classify("", "Csinálj valamit ezzel").tags


def test_explanations_name_the_driving_words(classifier: Classifier) -> None:
    result = classifier.classify("report", "Please send me the report ASAP")
    assert "urgent" in result.tags
    assert "ASAP" in result.why["urgent"]
    reproach = classifier.classify("", "This is the third time I have to ask. Not happy.")
    assert any("third time" in reason for reason in reproach.why["complaint"])
    assert set(reproach.why) == set(reproach.tags)


def test_all_quote_message_gets_no_tags(classifier: Classifier) -> None:
    body = "On Mon, 2 Mar 2026 at 09:12, Client <c@example.com> wrote:\n> URGENT!!! Fix it ASAP\n"
    new_text = extract_new_content(body)
    assert new_text == ""
    result = classifier.classify("Re: URGENT!!! site down", new_text)
    assert result.tags == ()
    assert result.content_words == 0
    assert set(result.scores.values()) == {0.0}


def test_empty_body_with_a_new_subject_is_judged_by_the_subject(classifier: Classifier) -> None:
    result = classifier.classify("URGENT: call me now", "")
    assert "urgent" in result.tags
    assert result.content_words == 0  # the measure counts the new text only


def test_empty_everything(classifier: Classifier) -> None:
    assert classifier.classify("", "").tags == ()
    assert classifier.classify_many([]) == []


def test_huge_body_is_bounded(classifier: Classifier) -> None:
    huge = ("Please check the attached figures for the quarterly report. " * 17_000)[:1_000_000]
    started = time.perf_counter()
    result = classifier.classify("figures", huge)
    assert time.perf_counter() - started < 10.0
    assert isinstance(result, Classification)
    assert 0 < result.content_words < 100_000


def test_batch_equals_single(classifier: Classifier) -> None:
    items: list[tuple[str, str, str | None]] = [
        ("invoice", "Send the invoice today please!", None),
        ("", "??", "hu"),
        ("Re: logo", "Nem erre kértelek. Megint.", None),
        ("report", "Thanks, got it.", "en"),
    ]
    batch = classifier.classify_many(items)
    assert batch == [classifier.classify(*item) for item in items]


def test_single_message_latency() -> None:
    fresh = Classifier.load(MODELS)
    started = time.perf_counter()
    fresh.classify("számla", "Kérlek, küldd el a márciusi számlát holnapig.")  # the very first
    first = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(20):
        fresh.classify("report", "Could you send the report by noon? Thanks")
    assert first < 0.1 and (time.perf_counter() - started) / 20 < 0.05  # target: 10 ms


# --- loading checks --------------------------------------------------------------------------


def _edit_meta(models: Path, **changes: object) -> None:
    path = models / "meta.json"
    meta = json.loads(path.read_text("utf-8"))
    meta.update(changes)
    path.write_text(json.dumps(meta), "utf-8")


def test_missing_model_says_to_train(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="inboxwatch train"):
        Classifier.load(tmp_path)


def test_tampered_npz_is_refused(model_copy: Path) -> None:
    with (model_copy / "classifier.npz").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="sha256"):
        Classifier.load(model_copy)


def test_foreign_producer_is_refused(model_copy: Path) -> None:
    _edit_meta(model_copy, producer="someone-else")
    with pytest.raises(ModelError, match="not produced by inboxwatch"):
        Classifier.load(model_copy)


@pytest.mark.parametrize(
    ("key", "package"), [("spacy_version", "spacy"), ("scikit_learn_version", "scikit-learn")]
)
def test_other_library_version_is_refused(model_copy: Path, key: str, package: str) -> None:
    _edit_meta(model_copy, **{key: "0.1.0"})
    with pytest.raises(ModelError, match=f"{package} 0.1.0.*inboxwatch train"):
        Classifier.load(model_copy)


def test_other_format_is_refused(model_copy: Path) -> None:
    _edit_meta(model_copy, format_version=99)
    with pytest.raises(ModelError, match="format"):
        Classifier.load(model_copy)


def test_unreadable_meta_is_refused(model_copy: Path) -> None:
    (model_copy / "meta.json").write_text("{not json", "utf-8")
    with pytest.raises(ModelError, match="cannot be read"):
        Classifier.load(model_copy)


def _replace_array(models: Path, key: str, value: np.ndarray) -> None:
    """Rewrite one array of the npz and record the new hash, as a forger would."""
    npz_path = models / "classifier.npz"
    with np.load(npz_path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays[key] = value
    np.savez(npz_path, **arrays)
    _edit_meta(models, artifact_sha256=hashlib.sha256(npz_path.read_bytes()).hexdigest())


def test_pickled_content_is_never_loaded(model_copy: Path) -> None:
    _replace_array(model_copy, "coef", np.array([{"evil": "object"}], dtype=object))
    with pytest.raises(ModelError, match="cannot be read"):
        Classifier.load(model_copy)


def test_model_trained_with_other_word_lists_is_refused(model_copy: Path) -> None:
    _replace_array(model_copy, "features_fingerprint", np.frombuffer(b"0123abcd", np.uint8))
    with pytest.raises(ModelError, match="other hand-made features"):
        Classifier.load(model_copy)


def test_version_is_a_short_hash_of_the_artifact(classifier: Classifier) -> None:
    meta = json.loads((MODELS / "meta.json").read_text("utf-8"))
    assert classifier.version == meta["artifact_sha256"][:12]


# --- language processing and features --------------------------------------------------------


def test_fold_keeps_length() -> None:
    assert fold("őű áéíóöü ŐŰ") == "ou aeioou ou"


def test_content_words_in_both_languages() -> None:
    assert content_words("Please send the March invoice to Anna.", "en") == 4
    assert content_words("Kérlek küldd el a márciusi számlát!", "hu") == 4
    assert content_words("kerlek kuldd el a marciusi szamlat!", "hu") == 4
    assert content_words("", "en") == 0
    assert content_words("?? !!", "hu") == 0


def test_negated_urgency_is_no_rush() -> None:
    features = hand_features("", "Nem sürgős, ráér jövő héten.", "hu", 4)
    assert "urgency" not in features.evidence
    assert "no_rush" in features.evidence


def test_reply_subjects_are_not_new_content() -> None:
    assert thread_kind("Re: URGENT") == "reply"
    assert thread_kind("Fwd: Re: x") == "forward"
    assert thread_kind("VS: sürgős") == "reply"
    assert new_subject("Re: URGENT") == ""
    assert new_subject("  Sürgős!! ") == "Sürgős!!"


# --- the feature matrix ----------------------------------------------------------------------


def _scipy_tfidf(rows: list[list[int]], idf: np.ndarray) -> sp.csr_matrix:
    """How the feature blocks were built with scipy before: the reference to the last bit."""
    indptr = np.cumsum([0, *map(len, rows)])
    indices = np.array([i for row in rows for i in row], dtype=np.int64)
    counts = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), len(idf)))
    counts.sum_duplicates()
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ counts)


def _scipy_matrix(featurizer: Featurizer, prepared: list[Prepared]) -> sp.csr_matrix:
    words = [
        [featurizer.word_vocab[t] for t in word_terms(p) if t in featurizer.word_vocab]
        for p in prepared
    ]
    chars = [
        [
            featurizer.char_vocab[g]
            for w in folded_words(p)
            for g in char_terms(w)
            if g in featurizer.char_vocab
        ]
        for p in prepared
    ]
    hand = sp.csr_matrix(np.array([p.hand.values for p in prepared]) * featurizer.hand_scale)
    return sp.hstack(
        [_scipy_tfidf(words, featurizer.word_idf), _scipy_tfidf(chars, featurizer.char_idf), hand],
        format="csr",
    )


def test_feature_rows_and_scores_are_the_scipy_ones_to_the_last_bit() -> None:
    texts = [
        json.loads(line)
        for line in (DATA / "heldout-hu.jsonl").read_text("utf-8").splitlines()[:60]
        + (DATA / "heldout-en.jsonl").read_text("utf-8").splitlines()[:60]
    ]
    prepared = prepare_many([(t["subject"], t["body"], None) for t in texts] + [("", "", None)])
    featurizer = fit_featurizer(prepared)
    expected = _scipy_matrix(featurizer, prepared)
    rows = featurizer.rows(prepared)
    assert np.array_equal(rows.indptr, expected.indptr)
    assert np.array_equal(rows.indices, expected.indices)
    assert np.array_equal(rows.data, expected.data)  # exactly, not approximately
    rng = np.random.default_rng(1)
    arrays = ModelArrays(
        word_terms=tuple(sorted(featurizer.word_vocab, key=featurizer.word_vocab.__getitem__)),
        word_idf=featurizer.word_idf,
        char_terms=tuple(sorted(featurizer.char_vocab, key=featurizer.char_vocab.__getitem__)),
        char_idf=featurizer.char_idf,
        feature_names=FEATURE_NAMES,
        hand_scale=0.15,
        coef=rng.normal(size=(featurizer.n_columns, len(TAGS))),
        intercept=rng.normal(size=3),
        calibration=rng.normal(size=(3, 2)),
        thresholds=np.full(3, 0.5),
    )
    scores = np.asarray(expected @ arrays.coef) + arrays.intercept
    slope, offset = arrays.calibration[:, 0], arrays.calibration[:, 1]
    reference = 1.0 / (1.0 + np.exp(-(scores * slope + offset)))
    assert np.array_equal(Classifier(arrays, "test").probabilities(prepared), reference)


def test_the_store_has_a_column_pair_for_every_classifier_tag() -> None:
    from inboxwatch.storage.store import CLASSIFIED_TAGS

    assert CLASSIFIED_TAGS == TAGS
