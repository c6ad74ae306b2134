"""Training, corrections, evaluation and the artifact written to models/."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from inboxwatch.classifying.classifier import CORRECTION_REASON, Classifier
from inboxwatch.classifying.training import (
    FALSE_ALARM_BUDGET,
    LabelledExample,
    TagMetrics,
    evaluate,
    keyword_baseline,
    load_examples,
    load_real,
    train,
)
from inboxwatch.errors import ModelError

DATA = Path(__file__).resolve().parents[1] / "data" / "labelled"
SMALL_TRAIN = 90  # examples per language: enough for every tag, quick to train


def _write_subset(source: Path, target: Path, lines: int) -> None:
    kept = source.read_text("utf-8").splitlines()[:lines]
    target.write_text("\n".join(kept) + "\n", "utf-8")


@pytest.fixture(scope="module")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    (root / "labelled").mkdir()
    for language in ("en", "hu"):
        target = root / "labelled"
        _write_subset(
            DATA / f"train-{language}.jsonl", target / f"train-{language}.jsonl", SMALL_TRAIN
        )
        _write_subset(DATA / f"heldout-{language}.jsonl", target / f"heldout-{language}.jsonl", 30)
    return root


@pytest.fixture(scope="module")
def small_model(small_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    models = tmp_path_factory.mktemp("models")
    train(small_data, models)
    return models


def test_artifact_is_plain_data_with_provenance(small_data: Path, small_model: Path) -> None:
    meta = json.loads((small_model / "meta.json").read_text("utf-8"))
    assert meta["producer"] == "inboxwatch"
    assert set(meta["training_data"]) == {"train-en.jsonl", "train-hu.jsonl"}
    assert {"spacy_version", "scikit_learn_version", "numpy_version", "created"} <= set(meta)
    assert set(meta["thresholds"]) == {"urgent", "vague", "complaint"}
    assert meta["training_counts"]["en"]["examples"] == SMALL_TRAIN
    assert meta["heldout"]["urgent"]["all"]["model"]["total"] == 60
    with np.load(small_model / "classifier.npz", allow_pickle=False) as npz:
        assert all(npz[key].dtype != object for key in npz.files)


def test_training_is_deterministic(small_data: Path, small_model: Path, tmp_path: Path) -> None:
    again = train(small_data, tmp_path)
    first = json.loads((small_model / "meta.json").read_text("utf-8"))
    assert again.version == first["artifact_sha256"][:12]
    summary = again.summary()
    assert again.version in summary and "cross-validated F1" in summary and "base F1" in summary


def test_a_correction_changes_the_next_models_answer(
    small_data: Path, small_model: Path, tmp_path: Path
) -> None:
    subject, body = "webshop", "The checkout is broken, customers can't pay. Fix it ASAP!"
    before = Classifier.load(small_model).classify(subject, body)
    assert "urgent" in before.tags
    correction = LabelledExample("msg-1", "en", subject, body, {"urgent": False})
    report = train(small_data, tmp_path, corrections=[correction])
    after = Classifier.load(tmp_path).classify(subject, body)
    assert report.corrections == 1
    assert "urgent" not in after.tags
    assert after.scores["urgent"] == 0.0
    # the tags the user did not correct are still the model's own
    assert CORRECTION_REASON not in after.why.get("vague", ())


def test_a_correction_to_a_shipped_example_wins(small_data: Path, tmp_path: Path) -> None:
    shipped = load_examples(small_data / "labelled" / "train-en.jsonl")[0]
    flipped = not shipped.labels["complaint"]
    correction = LabelledExample("x", "en", shipped.subject, shipped.body, {"complaint": flipped})
    train(small_data, tmp_path, corrections=[correction])
    from inboxwatch.parsing.cleaning import extract_new_content

    result = Classifier.load(tmp_path).classify(shipped.subject, extract_new_content(shipped.body))
    assert ("complaint" in result.tags) == flipped


def test_evaluate_reports_model_and_baseline(small_data: Path, small_model: Path) -> None:
    (report,) = evaluate(small_data, small_model)
    assert {(r.tag, r.language) for r in report.rows} == {
        (t, lang) for t in ("urgent", "vague", "complaint") for lang in ("en", "hu", "all")
    }
    table = report.format_table()
    assert "base F1" in table and "complaint" in table
    assert report.row("urgent", "all").model.total == 60


def test_keyword_baseline_is_naive() -> None:
    assert keyword_baseline("URGENT", "") == {"urgent": True, "vague": False, "complaint": False}
    assert keyword_baseline("", "Megint elfelejtetted?")["complaint"]
    assert not keyword_baseline("", "Majd holnap.")["urgent"]  # "ma" is a word, not a prefix


def test_load_examples_rejects_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "train-en.jsonl"
    path.write_text(
        '{"id": "a", "lang": "en", "subject": "", "body": "hi", "urgent": 1}\n'
        '{"id": "b", "urgent": 2}\n',
        "utf-8",
    )
    with pytest.raises(ModelError, match=r"train-en\.jsonl:2"):
        load_examples(path)
    path.write_text('{"id": "a", "lang": "en", "subject": "s", "body": "b", "vague": null}\n')
    (example,) = load_examples(path)
    assert example.labels == {"urgent": None, "vague": None, "complaint": None}


def test_training_without_data_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no train"):
        train(tmp_path, tmp_path / "models")


def test_shipped_data_is_clean_and_splits_do_not_overlap() -> None:
    from inboxwatch.classifying.classifier import text_key

    splits = {
        name: [e for lang in ("en", "hu") for e in load_examples(DATA / f"{name}-{lang}.jsonl")]
        for name in ("train", "heldout")
    }
    everything = splits["train"] + splits["heldout"]
    assert len({e.id for e in everything}) == len(everything)
    assert all(isinstance(v, bool) for e in everything for v in e.labels.values())
    assert {e.lang for e in everything} == {"en", "hu"}
    train_texts = {text_key(e.subject, e.body) for e in splits["train"]}
    assert not train_texts & {text_key(e.subject, e.body) for e in splits["heldout"]}


# --- real mail: thresholds under a false-alarm budget, and the real test table --------------

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


@pytest.fixture(scope="module")
def small_real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A slice of the shipped real mail: its dev and test rows, and real training rows."""
    root = tmp_path_factory.mktemp("real")
    for language in ("en", "hu"):
        _write_subset(REAL / f"real-{language}.jsonl", root / f"real-{language}.jsonl", 200)
        _write_subset(
            REAL / f"train-real-{language}.jsonl", root / f"train-real-{language}.jsonl", 150
        )
    return root


@pytest.fixture(scope="module")
def real_model(
    small_data: Path, small_real: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    models = tmp_path_factory.mktemp("real-model")
    train(small_data, models, real_dir=small_real)
    return models


def test_thresholds_keep_false_alarms_on_real_dev_mail_within_budget(
    small_real: Path, real_model: Path
) -> None:
    meta = json.loads((real_model / "meta.json").read_text("utf-8"))
    real = load_real(small_real)
    assert meta["real_mail"]["train_examples"] == len(real.train) == 300
    for tag, budget in FALSE_ALARM_BUDGET.items():
        dev = meta["real_mail"]["dev"][tag]["all"]["model"]
        assert dev["total"] == len(real.dev)
        assert dev["false_alarm_rate"] <= budget


def test_evaluate_puts_real_mail_first(
    small_data: Path, small_real: Path, real_model: Path
) -> None:
    real_table, written_table = evaluate(small_data, real_model, small_real)
    assert real_table.title.startswith("real mail nobody wrote for the project, test split")
    assert real_table.row("complaint", "all").model.total == len(load_real(small_real).test)
    assert "FA" in real_table.format_table()
    assert written_table.row("urgent", "all").model.total == 60


def test_false_alarm_rate_counts_wrong_tags_over_all_messages() -> None:
    metrics = TagMetrics.of([True, False, False, False], [True, True, False, False])
    assert metrics.false_alarms == 1 and metrics.false_alarm_rate == 0.25
    assert metrics.precision == 0.5 and metrics.recall == 1.0


def test_shipped_real_mail_is_split_and_double_labelled() -> None:
    for language in ("en", "hu"):
        rows = [
            json.loads(line)
            for line in (REAL / f"real-{language}.jsonl").read_text("utf-8").splitlines()
        ]
        assert {r["split"] for r in rows} == {"dev", "test"}
        assert all(len(r["annotators"]) == 2 for r in rows)
        assert len({r["id"] for r in rows}) == len(rows)
    evaluation = {
        json.loads(line)["id"]
        for language in ("en", "hu")
        for line in (REAL / f"real-{language}.jsonl").read_text("utf-8").splitlines()
    }
    training = {
        json.loads(line)["id"]
        for language in ("en", "hu")
        for line in (REAL / f"train-real-{language}.jsonl").read_text("utf-8").splitlines()
    }
    assert not evaluation & training
