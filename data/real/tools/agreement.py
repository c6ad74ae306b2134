#!/usr/bin/env python3
"""Inter-annotator agreement on the labelled real mail: Cohen's kappa per tag and language.

Reads ../real-en.jsonl and ../real-hu.jsonl (each row carries both annotators' labels under
"annotators": {"A": [urgent, vague, complaint], "B": [...]}) and prints, per tag and
language, kappa, each annotator's positives, the disagreements and what adjudication
decided. Run from anywhere: python3 data/real/tools/agreement.py
"""

from __future__ import annotations

import json
from pathlib import Path

TAGS = ("urgent", "vague", "complaint")
HERE = Path(__file__).resolve().parent.parent


def kappa(pairs: list[tuple[int, int]]) -> float:
    """Cohen's kappa of two binary raters."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    pa = sum(a for a, _ in pairs) / n
    pb = sum(b for _, b in pairs) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return (observed - expected) / (1 - expected) if expected < 1 else float("nan")


def main() -> None:
    print(f"{'lang':<4} {'tag':<10} {'n':>5} {'kappa':>6} {'A+':>4} {'B+':>4} "
          f"{'disagree':>8} {'gold+':>6}")
    for lang in ("en", "hu"):
        rows = [json.loads(line) for line in
                (HERE / f"real-{lang}.jsonl").read_text("utf-8").splitlines()]
        for k, tag in enumerate(TAGS):
            pairs = [(r["annotators"]["A"][k], r["annotators"]["B"][k]) for r in rows]
            print(f"{lang:<4} {tag:<10} {len(pairs):>5} {kappa(pairs):>6.3f} "
                  f"{sum(a for a, _ in pairs):>4} {sum(b for _, b in pairs):>4} "
                  f"{sum(a != b for a, b in pairs):>8} {sum(r[tag] for r in rows):>6}")


if __name__ == "__main__":
    main()
