"""Collect the figures of the reliability suite in ``bench/out/reliability.json``.

Each test records what it did (kill points tried, messages checked, fuzz cases run, faults
injected, messages lost or duplicated) under a section and a key; the file is merged, so a
partial run updates only what it ran. ``summary()`` adds the totals the closing note quotes.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[2] / "bench" / "out" / "reliability.json"
_TOTALS = ("kill_points", "messages_checked", "fuzz_cases", "faults_injected", "lost", "duplicated")


def record(section: str, key: str, **values: Any) -> None:
    """Store *values* under ``section.key`` (replacing what an earlier run stored there)."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = _load()
        data.setdefault(section, {})[key] = values
        data["totals"] = _totals(data)
        tmp = OUT.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, OUT)


def _load() -> dict[str, Any]:
    try:
        loaded = json.loads(OUT.read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _totals(data: dict[str, Any]) -> dict[str, int]:
    totals = dict.fromkeys(_TOTALS, 0)
    for name, section in data.items():
        if name == "totals" or not isinstance(section, dict):
            continue
        for entry in section.values():
            for key in _TOTALS:
                value = entry.get(key) if isinstance(entry, dict) else None
                if isinstance(value, int):
                    totals[key] += value
    return totals
