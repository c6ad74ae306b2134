"""Worker processes for big ingest runs: same records, in order, and no lost batch.

``ingest.BatchBuilder`` forks one worker per core for runs of at least
``PARALLEL_MIN_MESSAGES`` and builds small runs in-process. Whichever way a batch is built,
the records (raw bytes, hashes, parse results, tags) must be the ones ``build_messages``
makes; a worker that dies must cost nothing but speed.
"""

from __future__ import annotations

import os
import signal
import zlib
from dataclasses import replace

import pytest

from inboxwatch.ingest.pipeline import (
    PARALLEL_MIN_MESSAGES,
    BatchBuilder,
    IngestContext,
    Location,
    build_messages,
)
from inboxwatch.storage.store import NewMessage
from tests.corpus.nasty import NASTY
from tests.dovecot import make_message

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")


def _items(count: int) -> list[tuple[Location, bytes]]:
    raws = [*NASTY.values(), b"", b"no header block at all"]
    raws += [make_message(i, html=i % 3 == 0) for i in range(count - len(raws))]
    return [(Location("acct", "INBOX", 7, uid), raw) for uid, raw in enumerate(raws, 1)]


def _without_blob(records: list[NewMessage]) -> list[NewMessage]:
    return [replace(record, raw_zlib=None) for record in records]


def test_workers_build_the_same_records_in_order(ingest_ctx: IngestContext) -> None:
    items = _items(120)
    expected = build_messages(items, ingest_ctx)
    with BatchBuilder(ingest_ctx, PARALLEL_MIN_MESSAGES, workers=2) as builder:
        assert builder.parallel and builder.depth == 1
        jobs = [builder.submit(items[i : i + 40]) for i in range(0, len(items), 40)]
        records = [record for job in jobs for record in job.result()]
    assert _without_blob(records) == expected
    assert all(zlib.decompress(r.compressed_raw()) == r.raw for r in records)


def test_small_runs_stay_in_this_process(ingest_ctx: IngestContext) -> None:
    items = _items(60)
    with BatchBuilder(ingest_ctx, PARALLEL_MIN_MESSAGES - 1, workers=2) as builder:
        assert not builder.parallel and builder.depth == 0
        assert builder.submit(items).result() == build_messages(items, ingest_ctx)


def test_a_dead_worker_costs_only_speed(ingest_ctx: IngestContext) -> None:
    items = _items(80)
    expected = build_messages(items, ingest_ctx)
    with BatchBuilder(ingest_ctx, PARALLEL_MIN_MESSAGES, workers=2) as builder:
        first = builder.submit(items[:40]).result()
        os.kill(builder._pool.pids()[0], signal.SIGKILL)
        rest = [builder.submit(items[i : i + 20]).result() for i in range(40, 80, 20)]
        assert not builder.parallel  # the rest of the run went on in this process
    assert _without_blob(first + [r for part in rest for r in part]) == expected
