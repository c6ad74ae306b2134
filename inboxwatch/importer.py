"""Import a mail export into the database: exports → ingest → store, in bounded batches."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from inboxwatch.exports import IMPORT_ACCOUNT, export_folder_name, iter_export, uid_for_content
from inboxwatch.ingest import IngestContext, Location, build_messages, sha256_hex
from inboxwatch.store import Store

log = logging.getLogger(__name__)

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
        return (f"{self.path}: read {self.read} messages, stored {self.inserted} new "
                f"({self.read - self.inserted} already stored, {self.unparseable} unparseable"
                f" kept raw) in {self.seconds:.1f} s ({rate:.0f} msg/s)")


def import_export(path: Path, store: Store, ctx: IngestContext,
                  batch_messages: int = BATCH_MESSAGES) -> ImportReport:
    """Store every message of the export at *path* once; re-importing adds nothing."""
    started = time.monotonic()
    folder = export_folder_name(path)
    read = inserted = unparseable = 0
    batch: list[tuple[Location, bytes]] = []
    for raw in iter_export(path):
        uid = uid_for_content(sha256_hex(raw))
        batch.append((Location(IMPORT_ACCOUNT, folder, 0, uid), raw))
        if len(batch) >= batch_messages:
            done, bad = _store(batch, store, ctx, folder)
            read, inserted, unparseable = read + len(batch), inserted + done, unparseable + bad
            batch = []
    if batch:
        done, bad = _store(batch, store, ctx, folder)
        read, inserted, unparseable = read + len(batch), inserted + done, unparseable + bad
    return ImportReport(path, folder, read, inserted, unparseable, time.monotonic() - started)


def _store(batch: list[tuple[Location, bytes]], store: Store, ctx: IngestContext,
           folder: str) -> tuple[int, int]:
    records = build_messages(batch, ctx)
    inserted = store.store_batch(IMPORT_ACCOUNT, folder, 0, records)
    return inserted, sum(1 for r in records if r.parse_error is not None)
