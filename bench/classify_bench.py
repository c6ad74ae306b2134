"""``inboxwatch classify`` throughput, and the latency of one message after start-up.

Input: N JSON Lines ``{"id", "subject", "body", "date"}`` built from the benchmark corpus
(``bench.corpus``: English and Hungarian client mail, replies with quotes and signatures;
``body`` is the plain-text body as a mail client shows it). Measures:

1. the real CLI as a child process, ``inboxwatch classify < in.jsonl > out.jsonl``: wall
   time with start-up and model load, and its peak RSS;
2. in-process ``classify_stream`` over the same lines after the model is loaded (the
   steady rate, messages per second), against a baseline measured in the same process:
   reading the lines and ``extract_new_content`` alone (what classification adds to);
3. single-message latency after start-up: ``Classifier.classify`` on one message at a time
   (quote stripping included), for M different messages: median, 95th percentile, worst.

Run from the repository root:

    .venv/bin/python -m bench.classify_bench                    # 10,000 messages
    .venv/bin/python -m bench.classify_bench --messages 50000 --latency 2000
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import command_line, ensure_model, machine_line, record, run_measured, scratch_dir
from bench.corpus import MailFactory


def jsonl_lines(count: int, seed: int) -> list[str]:
    """One JSON line per message of the corpus: id, subject, plain body, date."""
    from inboxwatch.parsing.mime import parse_message

    lines = []
    for index, raw in enumerate(MailFactory(seed).messages(count)):
        parsed = parse_message(raw)
        date = parsed.date.isoformat() if parsed.date else None
        lines.append(
            json.dumps(
                {"id": index, "subject": parsed.subject, "body": parsed.body_text, "date": date},
                ensure_ascii=False,
            )
        )
    return lines


def cli_run(path: Path, models: Path) -> dict[str, Any]:
    out = path.with_suffix(".out")
    argv = [
        sys.executable,
        "-c",
        "import sys; from inboxwatch.app.cli import main; sys.stdin = open(sys.argv[1]); "
        "sys.stdout = open(sys.argv[2], 'w'); raise SystemExit(main(sys.argv[3:]))",
        str(path),
        str(out),
        "classify",
        "--models",
        str(models),
    ]
    run = run_measured(argv)
    if run.returncode != 0:
        raise SystemExit(f"inboxwatch classify failed ({run.returncode}): {run.stderr}")
    answered = sum(1 for line in out.read_text("utf-8").splitlines() if line.strip())
    return {"cli_seconds": run.seconds, "cli_answered": answered, "cli_peak_rss_mb": run.max_rss_mb}


def _cpu_seconds() -> float:
    """CPU time of this process and of the (finished) worker processes it started."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def in_process(lines: list[str], models: Path, latency_count: int) -> dict[str, Any]:
    from inboxwatch.app.classify_commands import classify_stream
    from inboxwatch.classifying.classifier import Classifier
    from inboxwatch.parsing.cleaning import extract_new_content

    started = time.perf_counter()
    classifier = Classifier.load(models)
    for line in lines[:20]:  # start-up: the first call builds the spaCy pipelines
        item = json.loads(line)
        classifier.classify(item["subject"], extract_new_content(item["body"]))
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    Classifier.load(models)
    reload_s = time.perf_counter() - started
    text = "\n".join(lines) + "\n"
    started = time.perf_counter()
    for line in lines:  # the baseline: what every classify run does before the model
        item = json.loads(line)
        extract_new_content(item["body"])
    baseline_s = time.perf_counter() - started
    # classify_stream loads the model itself (the spaCy pipelines stay cached in the
    # process); that load is timed above and subtracted.
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    classify_stream(io.StringIO(text), io.StringIO(), models, None)
    stream_s = time.perf_counter() - started - reload_s
    stream_cpu_s = _cpu_seconds() - cpu_started - reload_s
    latencies = []
    for line in lines[:latency_count]:
        item = json.loads(line)
        started = time.perf_counter()
        classifier.classify(item["subject"], extract_new_content(item["body"]))
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    return {
        "model_load_s": load_s,
        "stream_seconds": stream_s,
        "stream_cpu_seconds": stream_cpu_s,
        "baseline_seconds": baseline_s,
        "latency_median_ms": statistics.median(latencies) * 1000,
        "latency_p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "latency_max_ms": latencies[-1] * 1000,
        "latency_messages": len(latencies),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument(
        "--latency",
        type=int,
        default=1_000,
        help="messages classified one at a time for the latency figures",
    )
    parser.add_argument(
        "--models",
        type=Path,
        help="model folder (default: models/, else one is trained from data/labelled)",
    )
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args(argv)

    print(machine_line(), flush=True)
    models, model_note = ensure_model(args.models, scratch_dir())
    lines = jsonl_lines(args.messages, args.seed)
    with tempfile.TemporaryDirectory(prefix="iw-bench-classify-") as workdir:
        path = Path(workdir) / "in.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cli = cli_run(path, models)
    figures = in_process(lines, models, args.latency)
    rate = args.messages / figures["stream_seconds"]
    baseline = args.messages / figures["baseline_seconds"]
    cli_rate = args.messages / cli["cli_seconds"]
    print(f"model {model_note}; {args.messages} messages of JSON Lines")
    print(
        f"inboxwatch classify (child process): {cli['cli_answered']} answers in "
        f"{cli['cli_seconds']:.1f} s = {cli_rate:.0f} msg/s with start-up and model load; "
        f"peak RSS {cli['cli_peak_rss_mb']:.0f} MB"
    )
    print(
        f"classify_stream after start-up (model and spaCy pipelines: "
        f"{figures['model_load_s']:.2f} s): "
        f"{figures['stream_seconds']:.1f} s = {rate:.0f} msg/s; "
        f"{args.messages / figures['stream_cpu_seconds']:.0f} msg per CPU second (its worker "
        "processes included)"
    )
    print(
        f"baseline (JSON decode + quote stripping only, same process): {baseline:.0f} msg/s; "
        f"ratio classify/baseline {rate / baseline:.3f}"
    )
    print(
        f"one message at a time after start-up ({figures['latency_messages']} messages): "
        f"median {figures['latency_median_ms']:.2f} ms, p95 {figures['latency_p95_ms']:.2f} "
        f"ms, worst {figures['latency_max_ms']:.2f} ms"
    )
    record(
        "classify",
        {
            "messages": args.messages,
            "msgs_per_s": rate,
            "msgs_per_cpu_s": args.messages / figures["stream_cpu_seconds"],
            "cli_msgs_per_s": cli_rate,
            "baseline_msgs_per_s": baseline,
            **cli,
            **figures,
        },
        command_line(),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
