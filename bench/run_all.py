"""Run every benchmark (``make bench``) and put the figures table into bench/README.md.

Each benchmark runs as its own process (so peak memory is its own) from the repository root:

1. ``bench.classify_bench``: ``inboxwatch classify`` over 10,000 messages, one-message latency;
2. ``bench.sync_bench``: initial sync of 20,000 messages over a local Dovecot, bare-fetch
   baseline, peak memory, incremental polls (nothing new, 10 new);
3. ``bench.sync_bench --messages 100000``: the same on 100,000 messages (peak memory, and the
   incremental polls on the big mailbox); skipped with ``--quick``;
4. ``bench.memory_bench``: RSS while classifying 100,000 messages of fresh vocabulary in one
   process (``--quick``: 20,000);
5. ``bench.report_bench``: ``report --format json`` over 1,000,000 messages and 200 clients,
   on SQLite and on PostgreSQL (``--quick``: 200,000 messages);
6. ``bench.takeover_bench``: how long a new service waits after the running one was
   SIGKILLed, on SQLite and on PostgreSQL (issue 12); with ``--workers``, how long the
   accounts of one of three workers on PostgreSQL take to move after its SIGKILL.

The figures are printed as they come, then as a table against the targets of issue 6, which
also replaces the table in bench/README.md between its ``figures`` markers.

    .venv/bin/python bench/run_all.py            # everything, 7-8 minutes on 2 cores
    .venv/bin/python bench/run_all.py --quick    # smaller, about 5 minutes
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: make `bench` importable
    sys.path.insert(0, str(REPO))

from bench.common import RESULTS, machine, machine_line  # noqa: E402

README = REPO / "bench" / "README.md"
BEGIN, END = "<!-- figures:begin -->", "<!-- figures:end -->"


def plan(quick: bool) -> list[list[str]]:
    steps = [["bench.classify_bench"], ["bench.sync_bench", "--messages", "20000"]]
    if not quick:
        steps.append(["bench.sync_bench", "--messages", "100000", "--repeats", "3"])
    steps.append(
        ["bench.memory_bench"] + (["--messages", "20000", "--every", "2000"] if quick else [])
    )
    steps.append(
        ["bench.report_bench", "--repeats", "1"] + (["--messages", "200000"] if quick else [])
    )
    steps.append(["bench.takeover_bench"])
    steps.append(["bench.takeover_bench", "--workers"])
    return steps


def run(step: list[str]) -> bool:
    print(f"\n=== {' '.join(step)}", flush=True)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", *step], cwd=REPO, check=False)
    print(
        f"=== {step[0]} finished in {time.perf_counter() - started:.0f} s "
        f"(exit {result.returncode})",
        flush=True,
    )
    return result.returncode == 0


def results_since(offset: int) -> list[dict[str, Any]]:
    if not RESULTS.exists():
        return []
    with RESULTS.open(encoding="utf-8") as handle:
        handle.seek(offset)
        return [json.loads(line) for line in handle if line.strip()]


def _cmd(entry: dict[str, Any]) -> str:
    return f"`{entry['command']}`"


def table(entries: list[dict[str, Any]]) -> str:
    rows = ["| Target (2 cores) | Goal | Measured | Command |", "|---|---|---|---|"]
    for entry in entries:
        rows += _rows(entry)
    return "\n".join(rows)


def _ok(value: float, goal: float, higher_is_better: bool) -> str:
    met = value >= goal if higher_is_better else value <= goal
    return "met" if met else "NOT met"


def _rows(e: dict[str, Any]) -> list[str]:
    cmd = _cmd(e)
    if e["bench"] == "classify":
        return [
            f"| classify throughput ({e['messages']} msgs) | ≥ 3,000 msg/s | "
            f"{e['msgs_per_s']:,.0f} msg/s after start-up ({e['cli_msgs_per_s']:,.0f} msg/s "
            f"for the whole command) — {_ok(e['msgs_per_s'], 3000, True)} | {cmd} |",
            f"| classify one message after start-up | ≤ 10 ms | median "
            f"{e['latency_median_ms']:.1f} ms, p95 {e['latency_p95_ms']:.1f} ms, worst "
            f"{e['latency_max_ms']:.1f} ms — {_ok(e['latency_p95_ms'], 10, False)} | {cmd} |",
        ]
    if e["bench"] == "sync":
        n = f"{e['messages']:,}"
        rows = [
            f"| initial sync, {n} msgs ({e['database']}) | ≥ 2,000 msg/s | "
            f"{e['sync_msgs_per_s']:,.0f} msg/s ({e['sync_wall_msgs_per_s']:,.0f} with start-up);"
            f" bare fetch {e['baseline_msgs_per_s']:,.0f} msg/s, ratio {e['ratio']:.2f} — "
            f"{_ok(e['sync_msgs_per_s'], 2000, True)} | {cmd} |",
            f"| peak memory of that sync | ≤ 300 MB | main RSS {e['main_peak_rss_mb']:.0f} MB;"
            f" all {e['processes']} processes PSS {e['tree_peak_pss_mb']:.0f} MB (RSS sum "
            f"{e['tree_peak_rss_sum_mb']:.0f} MB) — {_ok(e['tree_peak_pss_mb'], 300, False)} "
            f"| {cmd} |",
        ]
        if "poll_nothing_new_ms" in e:
            rows += [
                f"| poll, nothing new, {n} stored | ≤ 50 ms | median "
                f"{e['poll_nothing_new_ms']:.0f} ms, worst {e['poll_nothing_new_max_ms']:.0f} "
                f"ms — {_ok(e['poll_nothing_new_ms'], 50, False)} | {cmd} |",
                f"| poll with {e['poll_new_messages']} new, {n} stored | ≤ 0.5 s | median "
                f"{e['poll_new_ms']:.0f} ms, worst {e['poll_new_max_ms']:.0f} ms — "
                f"{_ok(e['poll_new_ms'], 500, False)} | {cmd} |",
            ]
        return rows
    if e["bench"] == "memory":
        return [
            f"| RSS classifying {e['messages']:,} msgs of fresh vocabulary | flat | "
            f"{e['rss_after_first_interval_mb']:.0f} MB after the first interval, "
            f"{e['end_rss_mb']:.0f} MB at the end (highest {e['max_rss_mb']:.0f} MB) — "
            f"{_ok(e['growth_after_warm_up_mb'], 30, False)} | {cmd} |"
        ]
    if e["bench"] == "report":
        return [
            f"| report --format json, {e['messages']:,} msgs, {e['clients']} clients "
            f"({e['database']}) | ≤ 3 s | {e['cli_seconds']:.1f} s command; build+render "
            f"{e['median_seconds']:.1f} s — {_ok(e['cli_seconds'], 3, False)} | {cmd} |"
        ]
    if e["bench"] == "takeover":
        return [
            f"| takeover after SIGKILL, same host ({e['database']}) | ≤ 5 s (was the lease "
            f"ttl: 120 s for run, 300 s for poll) | median {e['median_ms']:.0f} ms, worst "
            f"{e['worst_ms']:.0f} ms over {e['kills']} kills — "
            f"{_ok(e['worst_ms'], 5000, False)} | {cmd} |"
        ]
    if e["bench"] == "takeover_workers":
        return [
            f"| one of {e['workers']} workers SIGKILLed, its accounts synced by the others "
            f"({e['victim']}) | ≤ 30 s | median {e['median_s']:.1f} s, worst "
            f"{e['worst_s']:.1f} s over {e['kills']} kills — {_ok(e['worst_s'], 30, False)} "
            f"| {cmd} |"
        ]
    return []


def update_readme(text: str) -> None:
    if not README.exists():
        return
    content = README.read_text(encoding="utf-8")
    if BEGIN not in content or END not in content:
        return
    head, _, rest = content.partition(BEGIN)
    _, _, tail = rest.partition(END)
    README.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip the 100,000-message sync; report over 200,000 messages",
    )
    args = parser.parse_args(argv)
    print(machine_line(), flush=True)
    offset = RESULTS.stat().st_size if RESULTS.exists() else 0
    started = time.perf_counter()
    failed = [" ".join(step) for step in plan(args.quick) if not run(step)]
    entries = results_since(offset)
    m = machine()
    summary = (
        f"Measured {time.strftime('%Y-%m-%d')} on {m['cpu']}, {m['cores']} cores, "
        f"Python {m['python']} (`make bench`{' --quick' if args.quick else ''}, "
        f"{(time.perf_counter() - started) / 60:.0f} min).\n\n{table(entries)}"
    )
    print(f"\n{summary}")
    update_readme(summary)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
