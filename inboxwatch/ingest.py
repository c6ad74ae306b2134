"""Turn raw messages into storable records: parse → clean → classify → tag.

Pure with respect to I/O: takes bytes and returns :class:`NewMessage` values. A message that
cannot be parsed becomes a record with ``parse_error`` set and its raw bytes kept, so one bad
message never stops a batch.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from inboxwatch.classifier import Classification, Classifier
from inboxwatch.clients import ClientDirectory
from inboxwatch.config import Config
from inboxwatch.errors import MessageParseError
from inboxwatch.hours import WorkingTime, is_after_hours
from inboxwatch.mime import ParsedMessage, parse_message
from inboxwatch.store import NewMessage

log = logging.getLogger(__name__)

# Stored text is bounded so one giant message cannot bloat every report query.
MAX_STORED_TEXT = 100_000


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
            client_hours={c.name: c.working_time for c in config.clients
                          if c.working_time is not None},
            classifier=classifier,
        )


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def build_messages(items: Sequence[tuple[Location, bytes]], ctx: IngestContext
                   ) -> list[NewMessage]:
    """Parse, classify and tag a batch of raw messages (classification is batched)."""
    records = [_parse_one(location, raw, ctx) for location, raw in items]
    incoming = [i for i, r in enumerate(records)
                if r.direction == "in" and r.parse_error is None]
    if ctx.classifier is not None and incoming:
        results = ctx.classifier.classify_many(
            [(records[i].subject, records[i].new_text, records[i].language) for i in incoming])
        for i, result in zip(incoming, results, strict=True):
            records[i] = _with_classification(records[i], result, ctx.classifier.version)
    return [_with_after_hours(r, ctx) for r in records]


def _parse_one(location: Location, raw: bytes, ctx: IngestContext) -> NewMessage:
    base = NewMessage(account=location.account, folder=location.folder,
                      uidvalidity=location.uidvalidity, uid=location.uid, raw=raw,
                      raw_sha256=sha256_hex(raw), direction="in")
    try:
        parsed = parse_message(raw)
    except MessageParseError as exc:
        log.info("message %s/%s uid %s kept unparsed: %s",
                 location.account, location.folder, location.uid, exc)
        return replace(base, parse_error=str(exc))
    return _from_parsed(base, parsed, ctx)


def _from_parsed(base: NewMessage, parsed: ParsedMessage, ctx: IngestContext) -> NewMessage:
    outgoing = parsed.from_addr in ctx.me_addresses
    if outgoing:
        client = ctx.clients.first_match(parsed.to_addrs + parsed.cc_addrs)
    else:
        client = ctx.clients.match(parsed.from_addr)
    return replace(
        base,
        direction="out" if outgoing else "in",
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references),
        subject=parsed.subject[:2000],
        from_addr=parsed.from_addr,
        from_name=parsed.from_name[:500],
        to_addrs=",".join(parsed.to_addrs + parsed.cc_addrs),
        date_utc=parsed.date.replace(tzinfo=None) if parsed.date else None,
        client=client,
        language=parsed.language,
        new_text=parsed.new_text[:MAX_STORED_TEXT],
        html_only=parsed.html_only,
        has_attachments=bool(parsed.attachments),
        defects="; ".join(parsed.defects)[:2000] or None,
    )


def _with_classification(record: NewMessage, result: Classification, version: str
                         ) -> NewMessage:
    return replace(
        record,
        tags=frozenset(result.tags),
        scores=dict(result.scores),
        why={tag: list(words) for tag, words in result.why.items()},
        content_words=result.content_words,
        model_version=version,
    )


def _with_after_hours(record: NewMessage, ctx: IngestContext) -> NewMessage:
    if record.direction == "in" and is_outside_hours(record.date_utc, record.client, ctx):
        return replace(record, tags=record.tags | {"after-hours"})
    return record


def is_outside_hours(date_utc: datetime | None, client: str | None, ctx: IngestContext
                      ) -> bool:
    """Whether a message from *client* at *date_utc* (naive UTC) is outside working time."""
    if date_utc is None:
        return False
    hours = ctx.client_hours.get(client or "", ctx.working_time)
    return is_after_hours(date_utc.replace(tzinfo=UTC), hours)
