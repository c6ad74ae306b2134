"""Turn raw messages into storable records: parse → clean → classify → tag.

Pure with respect to I/O: takes bytes and returns :class:`NewMessage` values. A message that
cannot be parsed becomes a record with ``parse_error`` set and its raw bytes kept, so one bad
message never stops a batch.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from inboxwatch.classifying.classifier import Classification, Classifier
from inboxwatch.config import Config
from inboxwatch.errors import MessageParseError
from inboxwatch.hours import WorkingTime, is_after_hours
from inboxwatch.ingest.clients import ClientDirectory
from inboxwatch.ingest.workers import WarmPool
from inboxwatch.parsing.mime import ParsedMessage, parse_message
from inboxwatch.storage.store import NewMessage, compress_raw

logger = logging.getLogger(__name__)

# Stored text is bounded so one giant message cannot bloat every report query.
MAX_STORED_TEXT = 100_000
# A run expecting fewer messages is parsed in this process: forking workers costs tens of
# milliseconds, and a poll that finds a handful of new messages must stay quick.
PARALLEL_MIN_MESSAGES = 500


@dataclass(frozen=True)
class Location:
    """Where a raw message came from: the key it is stored under."""

    account: str
    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class IngestContext:
    """Everything the pipeline needs to know about the user, built once per run."""

    me_addresses: frozenset[str]
    clients: ClientDirectory
    working_time: WorkingTime
    client_hours: dict[str, WorkingTime]
    classifier: Classifier | None

    @classmethod
    def from_config(cls, config: Config, classifier: Classifier | None) -> IngestContext:
        return cls(
            me_addresses=frozenset(config.me.addresses),
            clients=ClientDirectory.from_config(config.clients),
            working_time=config.me.working_time,
            client_hours={
                c.name: c.working_time for c in config.clients if c.working_time is not None
            },
            classifier=classifier,
        )


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def build_messages(items: Sequence[tuple[Location, bytes]], ctx: IngestContext) -> list[NewMessage]:
    """Parse, classify and tag a batch of raw messages (classification is batched)."""
    return [NewMessage(**fields) for fields in _record_fields(items, ctx)]


def unfetchable(location: Location, reason: str) -> NewMessage:
    """The record of a message the server could not send: kept, with the reason, so the
    watermark can pass it (``inboxwatch status`` lists it with the unparseable ones)."""
    return NewMessage(
        account=location.account,
        folder=location.folder,
        uidvalidity=location.uidvalidity,
        uid=location.uid,
        raw=b"",
        raw_sha256=sha256_hex(b""),
        direction="in",
        parse_error=reason,
    )


# A record's fields are collected in a dict and the frozen NewMessage is built once: with
# thousands of messages a second, rebuilding it per step (parse, classify, tag) shows.
Fields = dict[str, Any]


def _record_fields(items: Sequence[tuple[Location, bytes]], ctx: IngestContext) -> list[Fields]:
    records = [_parse_one(location, raw, ctx) for location, raw in items]
    incoming = [r for r in records if r["direction"] == "in" and "parse_error" not in r]
    if ctx.classifier is not None and incoming:
        results = ctx.classifier.classify_many(
            [(r["subject"], r["new_text"], r["language"]) for r in incoming]
        )
        for record, result in zip(incoming, results, strict=True):
            _add_classification(record, result, ctx.classifier.version)
    for record in records:
        _add_after_hours(record, ctx)
    return records


def _parse_one(location: Location, raw: bytes, ctx: IngestContext) -> Fields:
    base: Fields = {
        "account": location.account,
        "folder": location.folder,
        "uidvalidity": location.uidvalidity,
        "uid": location.uid,
        "raw": raw,
        "raw_sha256": sha256_hex(raw),
        "direction": "in",
    }
    try:
        parsed = parse_message(raw)
    except MessageParseError as exc:
        logger.info(
            "message %s/%s uid %s kept unparsed: %s",
            location.account,
            location.folder,
            location.uid,
            exc,
        )
        base["parse_error"] = str(exc)
        return base
    base.update(_parsed_fields(parsed, ctx))
    return base


def _parsed_fields(parsed: ParsedMessage, ctx: IngestContext) -> Fields:
    outgoing = parsed.from_addr in ctx.me_addresses
    if outgoing:
        client = ctx.clients.first_match(parsed.to_addrs + parsed.cc_addrs)
    else:
        client = ctx.clients.match(parsed.from_addr)
    return {
        "direction": "out" if outgoing else "in",
        "message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": " ".join(parsed.references),
        "subject": parsed.subject[:2000],
        "from_addr": parsed.from_addr,
        "from_name": parsed.from_name[:500],
        "to_addrs": ",".join(parsed.to_addrs + parsed.cc_addrs),
        "date_utc": parsed.date.replace(tzinfo=None) if parsed.date else None,
        "client": client,
        "language": parsed.language,
        "new_text": parsed.new_text[:MAX_STORED_TEXT],
        "html_only": parsed.html_only,
        "has_attachments": bool(parsed.attachments),
        "attachment_names": _attachment_names(parsed),
        "defects": "; ".join(parsed.defects)[:2000] or None,
    }


MAX_ATTACHMENT_NAMES = 20
MAX_ATTACHMENT_NAME = 200


def _attachment_names(parsed: ParsedMessage) -> str | None:
    """The attachments' file names, one per line (line breaks in a name become spaces)."""
    names = [
        " ".join(a.filename.split())[:MAX_ATTACHMENT_NAME]
        for a in parsed.attachments
        if a.filename.strip()
    ]
    return "\n".join(names[:MAX_ATTACHMENT_NAMES]) or None


def _add_classification(record: Fields, result: Classification, version: str) -> None:
    record.update(
        tags=frozenset(result.tags),
        scores=dict(result.scores),
        why={tag: list(words) for tag, words in result.why.items()},
        content_words=result.content_words,
        model_version=version,
    )


def _add_after_hours(record: Fields, ctx: IngestContext) -> None:
    if record["direction"] == "in" and is_outside_hours(
        record.get("date_utc"), record.get("client"), ctx
    ):
        record["tags"] = record.get("tags", frozenset()) | {"after-hours"}


def is_outside_hours(date_utc: datetime | None, client: str | None, ctx: IngestContext) -> bool:
    """Whether a message from *client* at *date_utc* (naive UTC) is outside working time."""
    if date_utc is None:
        return False
    hours = ctx.client_hours.get(client or "", ctx.working_time)
    return is_after_hours(date_utc.replace(tzinfo=UTC), hours)


# --- worker processes -----------------------------------------------------------------------


class BatchBuilder:
    """Builds the records of a stream of batches, on forked worker processes when it pays.

    ``submit`` returns a :class:`PendingRecords` at once. With workers, each batch is split
    in one piece per worker (not finer: the classifier is faster on bigger batches) and the
    caller keeps ``depth`` batches in flight — fetching the next one while this one is parsed
    and classified — and stores the oldest. Storing stays with the caller, in submission
    order, so the commit protocol (one transaction per batch, in order, watermark included)
    does not change.

    Workers are forked (they inherit the context, classifier included, without loading or
    pickling it) only for runs of at least ``PARALLEL_MIN_MESSAGES`` on a machine with more
    than one core, and only from a process with no other threads (forking copies just the
    calling thread, so another thread's locks could stay held in the child): the service's
    scheduler threads keep their syncs in-process. A worker that dies is survived: its batch
    is built here and the rest of the run stays in this process.
    """

    def __init__(
        self,
        ctx: IngestContext,
        expected_messages: int,
        workers: int | None = None,
        quiet: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        """*quiet* gives a block during which this process runs no other thread of its
        own, to fork in (the sync pauses its lease renewal thread)."""
        self.ctx = ctx
        self.workers = workers if workers is not None else os.cpu_count() or 1
        self._pool = WarmPool(ctx, "ingest")
        if expected_messages >= PARALLEL_MIN_MESSAGES:
            with quiet():
                self._pool.start(self.workers)

    @property
    def parallel(self) -> bool:
        """Whether batches are built on worker processes."""
        return self._pool.running

    @property
    def depth(self) -> int:
        """How many submitted batches the caller should keep in flight before storing the
        oldest: one with workers (more holds more memory for little gain), none without."""
        return 1 if self._pool.running else 0

    def submit(self, items: Sequence[tuple[Location, bytes]]) -> PendingRecords:
        """Start building the records of *items*."""
        if not self._pool.running or not items:
            return self.build_here(items)
        size = -(-len(items) // self.workers)
        futures = self._pool.submit(
            _build_in_worker, [list(items[i : i + size]) for i in range(0, len(items), size)]
        )
        if futures is None:  # a worker died
            return self.build_here(items)
        return PendingRecords(self, items, futures, None)

    def build_here(self, items: Sequence[tuple[Location, bytes]]) -> PendingRecords:
        """Build the records of *items* in this process."""
        return PendingRecords(self, items, [], build_messages(items, self.ctx))

    def gather(self, futures: Sequence[Future[list[Fields]]]) -> list[list[Fields]] | None:
        """The workers' pieces of one batch; None when a worker died (build it here)."""
        return self._pool.gather(futures)

    def close(self) -> None:
        """Stop the workers (waiting for them, dropping work not started)."""
        self._pool.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class PendingRecords:
    """The records of one submitted batch; ``result()`` waits for them."""

    def __init__(
        self,
        builder: BatchBuilder,
        items: Sequence[tuple[Location, bytes]],
        futures: list[Future[list[Fields]]],
        done: list[NewMessage] | None,
    ) -> None:
        self._builder = builder
        self._items = items
        self._futures = futures
        self._done = done

    def result(self) -> list[NewMessage]:
        """The batch's records, in the order of its items (raw bytes attached)."""
        if self._done is None:
            pieces = self._builder.gather(self._futures)
            if pieces is None:
                self._done = self._builder.build_here(self._items).result()
                return self._done
            fields = [record for piece in pieces for record in piece]
            # Workers send the raw bytes back compressed only; the originals are here.
            self._done = [
                NewMessage(**record, raw=raw)
                for record, (_, raw) in zip(fields, self._items, strict=True)
            ]
        return self._done


def _build_in_worker(ctx: IngestContext, items: list[tuple[Location, bytes]]) -> list[Fields]:
    """The records' fields, but the raw bytes: the caller has them (only their compressed
    form, which is CPU work too, travels back)."""
    records = _record_fields(items, ctx)
    for record in records:
        record["raw_zlib"] = compress_raw(record.pop("raw"))
    return records
