"""The classifier's commands: classify (JSON Lines), train, label, reclassify.

The model lives in :mod:`inboxwatch.classifying.classifier`, training in
:mod:`inboxwatch.classifying.training`, storage in :mod:`inboxwatch.storage.store`; those are
imported by the commands that use them, so ``classify`` starts without scikit-learn or a
database driver. What this module owns itself is ``classify``'s stream: reading and answering
JSON Lines in order, a chunk at a time, on a warm pool of forked workers for long inputs
(:class:`inboxwatch.ingest.workers.WarmPool`).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from inboxwatch.classifying.classifier import TAGS, Classification, Classifier
from inboxwatch.config import Config
from inboxwatch.errors import InboxwatchError
from inboxwatch.hours import is_after_hours
from inboxwatch.ingest.workers import WarmPool
from inboxwatch.parsing.cleaning import extract_new_content

if TYPE_CHECKING:
    from inboxwatch.classifying.training import LabelledExample

logger = logging.getLogger(__name__)

# Lines read and answered at a time: large enough to keep the workers busy, small enough that
# output starts flowing soon and memory stays flat.
CHUNK = 4096
WORKERS = min(os.cpu_count() or 1, 4)
# Fewer lines than this are answered in this process: forking costs more than it saves.
PARALLEL_MIN_LINES = 1000
_PIECES_PER_WORKER = 4  # a chunk is cut finer than one piece per worker to even out the load


def classify_stream(source: TextIO, sink: TextIO, models_dir: Path, config: Config | None) -> int:
    """Classify JSON Lines from *source* into *sink*; a bad line gets an error line, not a stop.

    Answers come in input order and are written (and flushed) a chunk of ``CHUNK`` lines at
    a time. From the first chunk of at least ``PARALLEL_MIN_LINES`` lines on, chunks are
    answered by ``WORKERS`` processes forked once for the whole stream: they stay warm (the
    classifier's caches fill once, not once per chunk) and inherit the loaded classifier, so
    nothing is pickled but lines and answers (:class:`inboxwatch.ingest.workers.WarmPool`).
    """
    answerer = _Answerer(Classifier.load(models_dir), config)
    bad = 0
    with WarmPool(answerer, "classify") as pool:
        for chunk in _chunks(source):
            if len(chunk) >= PARALLEL_MIN_LINES:
                pool.start(WORKERS)
            answers, errors = _answer_chunk(chunk, pool, WORKERS)
            sink.writelines(answers)
            sink.flush()
            bad += errors
    return 1 if bad else 0


def _chunks(source: TextIO) -> Iterator[list[tuple[int, str]]]:
    numbered = ((n, line) for n, line in enumerate(source, 1) if line.strip())
    while chunk := list(islice(numbered, CHUNK)):
        yield chunk


@dataclass(frozen=True)
class _Answerer:
    """Turns numbered input lines into output lines: the whole per-line work of ``classify``."""

    classifier: Classifier
    config: Config | None

    def answer(self, lines: list[tuple[int, str]]) -> tuple[list[str], int]:
        """The output lines (newline included) for ``lines``, and how many were bad."""
        parsed = [_parse_line(number, line) for number, line in lines]
        good = [p for p in parsed if "error" not in p]
        results = iter(
            self.classifier.classify_many(
                [(p["subject"], extract_new_content(p["body"]), None) for p in good]
            )
        )
        answers = [
            json.dumps(item, ensure_ascii=False) + "\n"
            if "error" in item
            else _answer(item, next(results), self.config) + "\n"
            for item in parsed
        ]
        return answers, len(parsed) - len(good)


def _answer_in_worker(answerer: _Answerer, lines: list[tuple[int, str]]) -> tuple[list[str], int]:
    return answerer.answer(lines)


def _answer_chunk(
    lines: list[tuple[int, str]], pool: WarmPool[_Answerer], workers: int
) -> tuple[list[str], int]:
    """The output lines for ``lines``, in order, and how many lines were bad: on the pool's
    workers when it runs (a chunk cut into pieces), else here."""
    size = -(-len(lines) // (workers * _PIECES_PER_WORKER))
    pieces = [lines[i : i + size] for i in range(0, len(lines), size)]
    futures = pool.submit(_answer_in_worker, pieces)
    answered = None if futures is None else pool.gather(futures)
    if answered is None:
        return pool.state.answer(lines)
    return [a for answers, _ in answered for a in answers], sum(bad for _, bad in answered)


def _parse_line(number: int, line: str) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": None, "line": number, "error": f"not valid JSON: {exc.msg}"}
    if not isinstance(item, dict):
        return {"id": None, "line": number, "error": "expected a JSON object"}
    body, subject = item.get("body", ""), item.get("subject", "")
    if not isinstance(body, str) or not isinstance(subject, str):
        return {
            "id": item.get("id"),
            "line": number,
            "error": "'subject' and 'body' must be strings",
        }
    date = item.get("date")
    when = _parse_date(date) if isinstance(date, str) else None
    if date is not None and when is None:
        return {
            "id": item.get("id"),
            "line": number,
            "error": f"'date' must be RFC 3339, like 2026-11-26T21:30:00+01:00; got {date!r}",
        }
    return {"id": item.get("id"), "subject": subject, "body": body, "date": when}


def _parse_date(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _answer(item: dict[str, Any], result: Classification, config: Config | None) -> str:
    tags = list(result.tags)
    when = item["date"]
    if config is not None and when is not None and is_after_hours(when, config.me.working_time):
        tags.append("after-hours")
    return json.dumps(
        {
            "id": item["id"],
            "tags": tags,
            "scores": {tag: round(result.scores[tag], 4) for tag in TAGS},
            "language": result.language,
            "content_words": result.content_words,
            "why": {tag: list(words) for tag, words in result.why.items()},
        },
        ensure_ascii=False,
    )


def train_command(
    data_dir: Path, real_dir: Path, models_dir: Path, config: Config | None, out: TextIO
) -> int:
    """Train from *data_dir* and *real_dir* plus the user's corrections in the database."""
    from inboxwatch.classifying.training import train

    corrections = _corrections(config) if config is not None else []
    report = train(data_dir, models_dir, corrections=corrections, real_dir=real_dir)
    out.write(f"{report.summary()}\n")
    out.write(f"used {len(corrections)} user corrections\nwrote {models_dir}\n")
    return 0


def _corrections(config: Config) -> list[LabelledExample]:
    from inboxwatch.classifying.training import LabelledExample
    from inboxwatch.storage.store import Store, corrected_texts

    with Store.open(config.database_url) as store:
        corrected = corrected_texts(store)
    return [
        LabelledExample(
            id=f"correction-{text.pk}",
            lang=text.language,
            subject=text.subject,
            body=text.new_text,
            labels={tag: verdicts.get(tag) for tag in TAGS},
        )
        for text, verdicts in corrected
    ]


def label_command(config: Config, reference: str, tag: str, value: bool, out: TextIO) -> int:
    """Record the user's verdict on one tag of one stored message."""
    from inboxwatch.storage.store import Store, find_message_pk, record_correction

    with Store.open(config.database_url) as store:
        pk = find_message_pk(store, reference)
        if pk is None:
            raise InboxwatchError(
                f"no stored message {reference!r}: give the id shown in the "
                "report or the Message-ID header"
            )
        record_correction(store, pk, tag, value)
    verdict = "is" if value else "is not"
    out.write(f"message {pk} {verdict} {tag}: saved; `inboxwatch train` will learn from it\n")
    return 0


def reclassify_command(config: Config, out: TextIO) -> int:
    """Re-run the current model over stored incoming messages; corrections still win."""
    from inboxwatch.storage.store import (
        Store,
        corrected_texts,
        iter_incoming_texts,
        update_classifications,
    )

    classifier = Classifier.load(config.models_dir)
    count = 0
    with Store.open(config.database_url) as store:
        verdicts = {text.pk: v for text, v in corrected_texts(store)}
        for batch in iter_incoming_texts(store):
            results = classifier.classify_many([(t.subject, t.new_text, t.language) for t in batch])
            update_classifications(
                store,
                [
                    _columns(t.pk, r, classifier.version, verdicts.get(t.pk, {}))
                    for t, r in zip(batch, results, strict=True)
                ],
            )
            count += len(batch)
    out.write(f"reclassified {count} messages with model {classifier.version}\n")
    return 0


def _columns(
    pk: int, result: Classification, version: str, verdicts: dict[str, bool]
) -> dict[str, Any]:
    from inboxwatch.storage.store import classification_columns

    tags = [tag for tag in TAGS if verdicts.get(tag, tag in result.tags)]  # corrections win
    return {
        "pk": pk,
        "content_words": result.content_words,
        **classification_columns(tags, result.scores, result.why, version),
    }
