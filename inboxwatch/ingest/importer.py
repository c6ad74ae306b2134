"""Import a mail export into the database: exports → ingest → store, in bounded batches."""

from __future__ import annotations

import itertools
import logging
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from inboxwatch.ingest.pipeline import (
    PARALLEL_MIN_MESSAGES,
    BatchBuilder,
    IngestContext,
    Location,
    PendingRecords,
    sha256_hex,
)
from inboxwatch.sources.mailfiles import (
    IMPORT_ACCOUNT,
    export_folder_name,
    iter_export,
    uid_for_content,
)
from inboxwatch.storage.store import Store

logger = logging.getLogger(__name__)

BATCH_MESSAGES = 500


@dataclass(frozen=True)
class ImportReport:
    """What one import did."""

    path: Path
    folder: str
    read: int
    inserted: int
    unparseable: int
    seconds: float

    def line(self) -> str:
        rate = self.read / self.seconds if self.seconds > 0 else 0.0
        return (
            f"{self.path}: read {self.read} messages, stored {self.inserted} new "
            f"({self.read - self.inserted} already stored, {self.unparseable} unparseable"
            f" kept raw) in {self.seconds:.1f} s ({rate:.0f} msg/s)"
        )


def import_export(
    path: Path, store: Store, ctx: IngestContext, batch_messages: int = BATCH_MESSAGES
) -> ImportReport:
    """Store every message of the export at *path* once; re-importing adds nothing."""
    started = time.monotonic()
    folder = export_folder_name(path)
    read = inserted = unparseable = 0
    batches = _batches(path, folder, batch_messages)
    first = next(batches, [])
    # An export that fills more than one batch is big enough for worker processes.
    expected = len(first) + (PARALLEL_MIN_MESSAGES if len(first) >= batch_messages else 0)
    with BatchBuilder(ctx, expected) as builder:
        pending: deque[PendingRecords] = deque()  # stored oldest first, in order
        for batch in itertools.chain([first], batches):
            if batch:
                pending.append(builder.submit(batch))
            while len(pending) > builder.depth or (pending and not batch):
                done, bad, count = _store(pending.popleft(), store, folder)
                read, inserted, unparseable = read + count, inserted + done, unparseable + bad
    return ImportReport(path, folder, read, inserted, unparseable, time.monotonic() - started)


def _batches(
    path: Path, folder: str, batch_messages: int
) -> Iterator[list[tuple[Location, bytes]]]:
    """The export's messages in batches, then one empty batch to say it ended."""
    batch: list[tuple[Location, bytes]] = []
    for raw in iter_export(path):
        uid = uid_for_content(sha256_hex(raw))
        batch.append((Location(IMPORT_ACCOUNT, folder, 0, uid), raw))
        if len(batch) >= batch_messages:
            yield batch
            batch = []
    if batch:
        yield batch
    yield []


def _store(job: PendingRecords, store: Store, folder: str) -> tuple[int, int, int]:
    records = job.result()
    inserted = store.store_batch(IMPORT_ACCOUNT, folder, 0, records).inserted
    return inserted, sum(1 for r in records if r.parse_error is not None), len(records)
