"""``inboxwatch classify``'s stream: order, error lines, and one warm pool of workers."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from inboxwatch.app import classify_commands
from inboxwatch.app.classify_commands import classify_stream
from inboxwatch.ingest import workers

MODELS = Path(__file__).resolve().parents[1] / "models"
TEXTS = (
    "Send it now!!",
    "Köszi, megkaptam.",
    "Any news on the logo? This is the third time I ask.",
    "Kérlek, nézd meg a múltkori dolgot, sürgős!",
)


def _lines(count: int) -> list[str]:
    lines = [
        json.dumps(
            {"id": i, "subject": f"order {i}", "body": TEXTS[i % len(TEXTS)]}, ensure_ascii=False
        )
        for i in range(count)
    ]
    lines[3] = "not json"
    lines[-2] = json.dumps({"id": "odd", "subject": 7, "body": ""})
    return lines


def _classify(lines: list[str]) -> tuple[int, list[dict[str, Any]]]:
    sink = io.StringIO()
    code = classify_stream(io.StringIO("\n".join(lines) + "\n"), sink, MODELS, None)
    return code, [json.loads(line) for line in sink.getvalue().splitlines()]


class _CountingExecutor(ProcessPoolExecutor):
    started = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).started += 1
        super().__init__(*args, **kwargs)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> type[_CountingExecutor]:
    """Chunks of 50 lines, workers from the first chunk on, every executor counted."""
    monkeypatch.setattr(classify_commands, "CHUNK", 50)
    monkeypatch.setattr(classify_commands, "PARALLEL_MIN_LINES", 50)
    monkeypatch.setattr(classify_commands, "WORKERS", 2)
    _CountingExecutor.started = 0
    monkeypatch.setattr(workers, "ProcessPoolExecutor", _CountingExecutor)
    return _CountingExecutor


def test_every_line_is_answered_in_order_and_bad_lines_get_an_error_line() -> None:
    code, answers = _classify(_lines(12))
    assert code == 1  # some lines were bad
    assert [a.get("id") for a in answers] == [0, 1, 2, None, 4, 5, 6, 7, 8, 9, "odd", 11]
    assert answers[3] == {"id": None, "line": 4, "error": answers[3]["error"]}
    assert "not valid JSON" in answers[3]["error"]
    assert "must be strings" in answers[10]["error"]
    assert "complaint" in answers[2]["tags"] and answers[2]["why"]["complaint"]


def test_workers_give_the_answers_of_one_process(
    small_chunks: type[_CountingExecutor], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _lines(230)  # five chunks, the last one short
    pooled = _classify(lines)
    assert small_chunks.started == 1  # forked once for the whole stream, not per chunk
    monkeypatch.setattr(classify_commands, "WORKERS", 1)
    assert _classify(lines) == pooled
    assert small_chunks.started == 1


def test_a_short_input_is_answered_without_workers(small_chunks: type[_CountingExecutor]) -> None:
    code, answers = _classify(_lines(20))
    assert len(answers) == 20 and code == 1
    assert small_chunks.started == 0


class _KillingSource(io.StringIO):
    """Kills one worker process when the reader asks for line ``at``."""

    def __init__(self, text: str, at: int) -> None:
        super().__init__(text)
        self._at = at

    def __iter__(self) -> Iterator[str]:
        for number, line in enumerate(self.getvalue().splitlines(keepends=True), 1):
            if number == self._at:
                os.kill(multiprocessing.active_children()[0].pid or 0, signal.SIGKILL)
            yield line


def test_a_dead_worker_costs_speed_not_answers(
    small_chunks: type[_CountingExecutor], caplog: pytest.LogCaptureFixture
) -> None:
    lines = _lines(230)
    expected = _classify(lines)
    sink = io.StringIO()
    source = _KillingSource("\n".join(lines) + "\n", at=120)  # while reading the third chunk
    code = classify_stream(source, sink, MODELS, None)
    assert (code, [json.loads(line) for line in sink.getvalue().splitlines()]) == expected
    assert "worker process died" in caplog.text


def test_the_classify_path_imports_neither_scikit_learn_nor_sqlalchemy(tmp_path: Path) -> None:
    """``inboxwatch classify`` starts fast: the model is plain arrays, and no database is
    touched, so neither scikit-learn nor SQLAlchemy is imported on its way."""
    script = (
        "import io, sys\n"
        "from inboxwatch.app.cli import main\n"
        'sys.stdin = io.StringIO(\'{"subject": "ASAP", "body": "Send it now!"}\\n\')\n'
        "code = main(['classify'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'sqlalchemy'})\n"
        "print('heavy:', heavy)\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "heavy: []" in result.stdout, result.stdout[-500:]
