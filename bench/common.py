"""What every benchmark shares: the machine line, memory sampling, the model, the results file.

Benchmarks print their figures and never assert speed. Each one also appends a JSON record to
``bench/out/results.jsonl`` (see :func:`record`) so ``run_all`` can build the figures table.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
RESULTS = OUT / "results.jsonl"
DEFAULT_POSTGRES = os.environ.get(
    "IW_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """The machine a figure was measured on."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count() or 1,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load": round(os.getloadavg()[0], 2),
    }


def machine_line() -> str:
    m = machine()
    return (
        f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['platform']}; "
        f"load average now {m['load']} (other work on the machine skews every figure)"
    )


def record(bench: str, figures: Mapping[str, Any], command: str) -> None:
    """Print nothing; append one result line for run_all's table."""
    OUT.mkdir(parents=True, exist_ok=True)
    entry = {
        "bench": bench,
        "at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "command": command,
        "machine": machine(),
        **figures,
    }
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


def command_line() -> str:
    """How this benchmark was started, as one would type it from the repository root."""
    return " ".join([".venv/bin/python", "-m", _module_name(), *sys.argv[1:]])


def _module_name() -> str:
    main = sys.modules["__main__"]
    spec = getattr(main, "__spec__", None)
    return spec.name if spec is not None else Path(sys.argv[0]).stem


# --- memory of a process tree --------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
        except OSError:
            continue
        found.extend(int(child) for child in text.split())
    return found


def process_tree(pid: int) -> list[int]:
    """*pid* and all its descendants that exist right now."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(_children(current))
    return tree


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB; zeros if it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    rss = pss = 0
    for line in text.splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, pss


@dataclass
class TreeMemory:
    """Peak memory of a process and its descendants, sampled every *interval* seconds.

    ``peak_pss_mb`` is the honest total (pages shared after fork are split between the
    processes); ``peak_rss_sum_mb`` counts shared pages once per process (an upper bound);
    ``peak_main_rss_mb`` is the root process alone.
    """

    pid: int
    interval: float = 0.1
    exclude: frozenset[int] = frozenset()
    peak_pss_mb: float = 0.0
    peak_rss_sum_mb: float = 0.0
    peak_main_rss_mb: float = 0.0
    peak_processes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> TreeMemory:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        pids = [p for p in process_tree(self.pid) if p not in self.exclude]
        sizes = [_memory_kb(p) for p in pids]
        self.peak_rss_sum_mb = max(self.peak_rss_sum_mb, sum(r for r, _ in sizes) / 1024)
        self.peak_pss_mb = max(self.peak_pss_mb, sum(p for _, p in sizes) / 1024)
        if sizes:
            self.peak_main_rss_mb = max(self.peak_main_rss_mb, sizes[0][0] / 1024)
        self.peak_processes = max(self.peak_processes, len(pids))


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far, from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of all cores that was busy between two :func:`cpu_ticks` readings."""
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total > 0 else 0.0


@dataclass(frozen=True)
class ChildRun:
    returncode: int
    seconds: float
    stdout: str
    stderr: str
    max_rss_mb: float  # the child process itself, from wait4
    memory: TreeMemory
    cpu_busy: float  # share of all the machine's cores busy meanwhile (anyone's work)
    cpu_seconds: float  # user + system time of the child and the workers it waited for


def run_measured(
    argv: list[str], env: Mapping[str, str] | None = None, cwd: Path = REPO
) -> ChildRun:
    """Run *argv* as a child, timing it and sampling its process tree's memory."""
    started = time.perf_counter()
    ticks = cpu_ticks()
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    memory = TreeMemory(process.pid).start()
    out_lines: list[str] = []
    err_lines: list[str] = []
    readers = [
        threading.Thread(target=_drain, args=(process.stdout, out_lines), daemon=True),
        threading.Thread(target=_drain, args=(process.stderr, err_lines), daemon=True),
    ]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    busy = busy_share(ticks, cpu_ticks())
    memory.stop()
    for reader in readers:
        reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    return ChildRun(
        process.returncode,
        seconds,
        "".join(out_lines),
        "".join(err_lines),
        usage.ru_maxrss / 1024,
        memory,
        busy,
        usage.ru_utime + usage.ru_stime,
    )


def _drain(stream: Any, sink: list[str]) -> None:
    for line in stream:
        sink.append(line)


# --- the classifier model ------------------------------------------------------------------


def ensure_model(models_dir: Path | None, scratch: Path) -> tuple[Path, str]:
    """A loadable model directory: *models_dir* (default: the bundled models/), or else a
    model trained now from data/labelled into *scratch* (a fresh clone ships none)."""
    from inboxwatch.classifying.classifier import Classifier
    from inboxwatch.config import default_models_dir
    from inboxwatch.errors import InboxwatchError

    wanted = models_dir or default_models_dir()
    try:
        classifier = Classifier.load(wanted)
        return wanted, f"{wanted} ({classifier.version})"
    except InboxwatchError as exc:
        if models_dir is not None:
            raise SystemExit(f"cannot load the model in {models_dir}: {exc}") from exc
        reason = str(exc)
    from inboxwatch.classifying.training import train

    trained = scratch / "models"
    if not _loads(trained):
        print(
            f"no usable model in {wanted} ({reason[:90]}...); training one into {trained}",
            flush=True,
        )
        started = time.perf_counter()
        train(REPO / "data" / "labelled", trained)
        print(f"trained in {time.perf_counter() - started:.0f} s", flush=True)
    return trained, f"{trained} (trained for the benchmark)"


def _loads(models_dir: Path) -> bool:
    from inboxwatch.classifying.classifier import Classifier
    from inboxwatch.errors import InboxwatchError

    try:
        Classifier.load(models_dir)
    except InboxwatchError:
        return False
    return True


def scratch_dir() -> Path:
    """A work folder that survives between benchmarks of one run (model, databases)."""
    path = Path(os.environ.get("IW_BENCH_SCRATCH", OUT / "scratch"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def write_toml(path: Path, config: Mapping[str, Any]) -> Path:
    """Write a config mapping (tables and arrays of tables of scalars) as TOML."""
    lines: list[str] = []
    for key, value in config.items():
        if isinstance(value, Mapping):
            lines.append(f"[{key}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and isinstance(value[0], Mapping):
            for item in value:
                lines.append(f"[[{key}]]")
                lines += [f"{k} = {toml_value(v)}" for k, v in item.items()]
        else:
            lines.insert(0, f"{key} = {toml_value(value)}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    path.chmod(0o600)
    return path
