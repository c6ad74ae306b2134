"""Memory over a long run: classify messages whose every word is new, in one process.

Real mail keeps bringing words never seen before (names, codes, typos, URLs); the service
runs for months. Each message here is a sentence of real client mail (``bench.corpus``) with
random made-up words mixed in, so the vocabulary grows without end, as the worst case of that.
The resident set size (RSS, from ``/proc/self/status``) is printed every ``--every`` messages
and at the end; flat after warm-up means the caches (nlp's token memo, spaCy's vocabulary,
string store and tokenizer cache, the featurizer's n-gram cache) are bounded.

    .venv/bin/python -m bench.memory_bench                    # 100,000 messages
    .venv/bin/python -m bench.memory_bench --messages 20000 --every 2000
"""

from __future__ import annotations

import argparse
import random
import string
import time
from collections.abc import Iterator
from pathlib import Path

from bench.common import command_line, ensure_model, machine_line, record, scratch_dir

_SENTENCES = (
    ("Invoice {w}", "Please send the signed contract for {w} by Friday, it is urgent {w}."),
    ("{w} számla", "Kérlek küldd át a {w} számlát ma délután, mert sürgős {w}."),
    ("Re: {w}", "This is the third time I am asking about {w} {w}. Still nothing works!"),
    ("{w}", "Köszönöm, a {w} rendben van, de a {w} még mindig hibás."),
)


def rss_mb() -> float:
    """This process's resident set size now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fresh_messages(count: int, seed: int) -> Iterator[tuple[str, str, None]]:
    """(subject, text, None) items, each with several words never seen before."""
    rng = random.Random(seed)

    def word() -> str:
        return "".join(rng.choices(string.ascii_lowercase + "áéőű", k=rng.randint(4, 12)))

    for _ in range(count):
        subject, body = rng.choice(_SENTENCES)
        words = " ".join(word() for _ in range(rng.randint(10, 40)))
        yield subject.format(w=word()), body.replace("{w}", word()) + " " + words, None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=10_000, help="print RSS this often")
    parser.add_argument("--batch", type=int, default=256, help="messages per classify_many")
    parser.add_argument("--models", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from inboxwatch.classifying.classifier import Classifier

    print(machine_line(), flush=True)
    models, model_note = ensure_model(args.models, scratch_dir())
    classifier = Classifier.load(models)
    start_rss = rss_mb()
    samples: list[tuple[int, float]] = []
    items = list(fresh_messages(args.messages, args.seed))
    started = time.perf_counter()
    for done in range(0, args.messages, args.batch):
        classifier.classify_many(items[done : done + args.batch])
        reached = min(done + args.batch, args.messages)
        if reached // args.every != done // args.every or reached == args.messages:
            samples.append((reached, rss_mb()))
            print(
                f"{reached:>8,} messages: RSS {samples[-1][1]:.0f} MB "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    warm = samples[min(1, len(samples) - 1)][1]  # after the first interval
    figures = {
        "messages": args.messages,
        "model": model_note,
        "start_rss_mb": start_rss,
        "rss_after_first_interval_mb": warm,
        "end_rss_mb": samples[-1][1],
        "max_rss_mb": max(rss for _, rss in samples),
        "growth_after_warm_up_mb": samples[-1][1] - warm,
        "samples": samples,
        "seconds": time.perf_counter() - started,
    }
    print(
        f"model {model_note}; RSS {start_rss:.0f} MB loaded, {warm:.0f} MB after "
        f"{samples[min(1, len(samples) - 1)][0]:,} messages, {samples[-1][1]:.0f} MB after "
        f"{args.messages:,} (highest {figures['max_rss_mb']:.0f} MB)"
    )
    record("memory", figures, command_line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
