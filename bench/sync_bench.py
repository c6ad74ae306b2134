"""Ingest rate of one ``sync_account`` over a big mailbox on a throwaway local Dovecot.

Seeds N realistic messages (2-6 kB text bodies, one in five HTML-only) straight into a
Maildir, warms Dovecot's index, then times:

1. ``sync_account`` end to end (FETCH, parse, classify, store, one commit per batch), and the
   process's peak RSS right after it;
2. the baseline: a bare imapclient loop fetching the same messages with ``BODY.PEEK[]`` in
   batches of the same size and doing nothing with them.

Run from the repository root (as a module, so ``tests.dovecot`` is importable):

    .venv/bin/python -m bench.sync_bench                      # 10,000 messages, SQLite
    .venv/bin/python -m bench.sync_bench --messages 20000 --database postgresql+psycopg://...
    .venv/bin/python -m bench.sync_bench --no-classifier
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from inboxwatch.classifier import Classifier
from inboxwatch.config import parse_config
from inboxwatch.errors import InboxwatchError
from inboxwatch.ingest import IngestContext
from inboxwatch.store import Store
from inboxwatch.sync import sync_account
from tests.conftest import TEST_CONFIG
from tests.dovecot import DovecotServer, MailUser, make_message

SENDERS = ("boss@acme.example", "pm@acme.example", "cfo@globex.example",
           "someone@unknown.example")


def realistic_messages(count: int, seed: int = 7) -> Iterator[bytes]:
    rng = random.Random(seed)
    for i in range(count):
        yield make_message(i, sender=SENDERS[i % len(SENDERS)], body_size=rng.randint(2000, 6000),
                           html=i % 5 == 0)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def warm_index(user: MailUser) -> None:
    """Let Dovecot index the new Maildir files so neither measurement pays for it."""
    with user.client() as client:
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        for start in range(0, len(uids), 2000):
            client.fetch(uids[start:start + 2000], ["RFC822.SIZE"])


def bare_imapclient_rate(user: MailUser, batch: int) -> tuple[int, float]:
    """Messages fetched and seconds taken by a plain imapclient BODY.PEEK[] loop."""
    started = time.perf_counter()
    fetched = 0
    with user.client() as client:
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        for start in range(0, len(uids), batch):
            fetched += len(client.fetch(uids[start:start + batch], ["BODY.PEEK[]"]))
    return fetched, time.perf_counter() - started


def ingest_context(use_classifier: bool) -> tuple[IngestContext, str]:
    config = parse_config(TEST_CONFIG, "bench")
    if not use_classifier:
        return IngestContext.from_config(config, None), "off (--no-classifier)"
    try:
        classifier = Classifier.load(config.models_dir)
    except InboxwatchError as exc:
        return IngestContext.from_config(config, None), f"off ({exc})"
    return IngestContext.from_config(config, classifier), f"on ({classifier.version})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--no-classifier", action="store_true")
    args = parser.parse_args(argv)

    ctx, classifier_note = ingest_context(not args.no_classifier)
    server = DovecotServer.start()
    workdir = Path(tempfile.mkdtemp(prefix="iw-bench-"))
    try:
        user = server.add_user("bench")
        started = time.perf_counter()
        seeded = user.seed(realistic_messages(args.messages))
        print(f"seeded {seeded} messages in {time.perf_counter() - started:.1f} s")
        warm_index(user)
        account = user.account(folders=("INBOX",), sent_folder=None, timeout_seconds=120.0)
        store = Store.open(args.database or f"sqlite:///{workdir / 'bench.db'}")
        started = time.perf_counter()
        report = sync_account(account, user.password, store, ctx)
        elapsed = time.perf_counter() - started
        stored = store.count_messages(account.name)
        store.close()
        rss = peak_rss_mb()
        rate = report.folder("INBOX").fetched / elapsed
        print(f"classifier: {classifier_note}")
        print("\n".join(report.lines()))
        print(f"sync_account: {stored} stored in {elapsed:.1f} s = {rate:.0f} msgs/s; "
              f"peak RSS {rss:.0f} MB")
        fetched, seconds = bare_imapclient_rate(user, account.batch_messages)
        baseline = fetched / seconds
        print(f"bare imapclient BODY.PEEK[] loop: {fetched} in {seconds:.1f} s = "
              f"{baseline:.0f} msgs/s")
        print(f"ratio sync/baseline: {rate / baseline:.2f}")
    finally:
        server.stop()
        for path in workdir.glob("*"):
            path.unlink()
        workdir.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
