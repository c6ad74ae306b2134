"""The database adapter: the Store (opening, migrating, transactions) and the SQL for stored
messages and the sync state. Other tables have their SQL beside their logic, through the
Store's transactions: tombstones and forgotten clients
(:mod:`~inboxwatch.storage.tombstones`, which every stored batch passes), leases
(:mod:`~inboxwatch.storage.leases`), retention (:mod:`~inboxwatch.storage.retention`), the
report and its score history (:mod:`~inboxwatch.reporting.build`), the alert outbox
(:mod:`~inboxwatch.reporting.alerts`, :mod:`~inboxwatch.reporting.mailer`) and the health
check (:mod:`~inboxwatch.app.service_commands`).

SQLite (WAL, owner-only file) by default, PostgreSQL by URL. The schema lives in
:mod:`inboxwatch.storage.schema` and is brought up to date with Alembic on :meth:`Store.open`.
Every SQLAlchemy error is translated into :class:`StorageError` here.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from isal import isal_zlib
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    create_engine,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from inboxwatch.errors import StorageError
from inboxwatch.storage.schema import dialect_insert, folders, message_raw, messages
from inboxwatch.storage.tombstones import buried_uids, count_buried, sift

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Messages per INSERT round: the RETURNING rows and raw blobs of one chunk are held at once.
_INSERT_CHUNK = 500


@dataclass(frozen=True)
class FolderState:
    """Where the sync of one folder stands."""

    account: str
    folder: str
    uidvalidity: int
    last_uid: int


@dataclass(frozen=True)
class NewMessage:
    """One message ready to be stored: the location key, the raw bytes and what we derived."""

    account: str
    folder: str
    uidvalidity: int
    uid: int
    raw: bytes
    raw_sha256: str
    direction: str
    message_id: str | None = None
    in_reply_to: str | None = None
    references: str = ""
    subject: str = ""
    from_addr: str = ""
    from_name: str = ""
    to_addrs: str = ""
    date_utc: datetime | None = None
    client: str | None = None
    language: str = "en"
    new_text: str = ""
    content_words: int = 0
    html_only: bool = False
    has_attachments: bool = False
    attachment_names: str | None = None  # one per line (see ingest.pipeline)
    parse_error: str | None = None
    defects: str | None = None
    tags: frozenset[str] = frozenset()
    scores: dict[str, float] = field(default_factory=dict)
    why: dict[str, list[str]] = field(default_factory=dict)
    model_version: str = ""
    # compress_raw(raw), when the ingest already made it (on a worker process)
    raw_zlib: bytes | None = field(default=None, repr=False)

    def compressed_raw(self) -> bytes:
        """The raw bytes as stored in ``message_raw``."""
        return self.raw_zlib if self.raw_zlib is not None else compress_raw(self.raw)

    def row(self, stored_at: datetime) -> dict[str, Any]:
        """The ``messages`` row for this message (without the raw bytes); text that no
        database can store (NUL, lone surrogates) is replaced by U+FFFD."""
        return {
            key: storable(value) if isinstance(value, str) else value
            for key, value in self._columns(stored_at).items()
        }

    def _columns(self, stored_at: datetime) -> dict[str, Any]:
        return {
            "account": self.account,
            "folder": self.folder,
            "uidvalidity": self.uidvalidity,
            "uid": self.uid,
            "raw_sha256": self.raw_sha256,
            "size": len(self.raw),
            "message_id": self.message_id,
            "in_reply_to": self.in_reply_to,
            "references": self.references,
            "subject": self.subject,
            "from_addr": self.from_addr,
            "from_name": self.from_name,
            "to_addrs": self.to_addrs,
            "date_utc": self.date_utc,
            "stored_at": stored_at,
            "direction": self.direction,
            "client": self.client,
            "language": self.language,
            "new_text": self.new_text,
            "content_words": self.content_words,
            "html_only": self.html_only,
            "has_attachments": self.has_attachments,
            "attachment_names": self.attachment_names,
            "parse_error": self.parse_error,
            "defects": self.defects,
            "after_hours": "after-hours" in self.tags,
            **classification_columns(self.tags, self.scores, self.why, self.model_version),
        }


# The text tags the classifier sets, each stored as a flag column and a p_<tag> column.
CLASSIFIED_TAGS = ("urgent", "vague", "complaint")


def classification_columns(
    tags: Collection[str],
    scores: Mapping[str, float],
    why: Mapping[str, Sequence[str]],
    model_version: str,
) -> dict[str, Any]:
    """The ``messages`` columns that hold one classification: a flag and a probability per
    classified tag, the reasons (JSON) and the model version."""
    columns: dict[str, Any] = {tag: tag in tags for tag in CLASSIFIED_TAGS}
    columns.update({f"p_{tag}": scores.get(tag, 0.0) for tag in CLASSIFIED_TAGS})
    columns["why"] = json.dumps(
        {tag: list(words) for tag, words in why.items()}, ensure_ascii=False
    )
    columns["model_version"] = model_version
    return columns


@dataclass(frozen=True)
class StoredBatch:
    """What :meth:`Store.store_batch` did with a batch."""

    inserted: int  # new rows
    deleted_before: int  # not stored: deleted by retention or `forget` before
    forgotten: int  # not stored: mail of a forgotten client


@dataclass(frozen=True)
class StoredCopy:
    """A stored message of a folder, keyed under an older UIDVALIDITY."""

    pk: int
    raw_sha256: str
    message_id: str | None


@dataclass(frozen=True)
class FolderStatus:
    """What ``inboxwatch status`` shows for one account and folder."""

    account: str
    folder: str
    stored: int
    failed: int
    uidvalidity: int | None
    last_uid: int | None
    last_synced_at: datetime | None


@dataclass(frozen=True)
class ParseFailure:
    account: str
    folder: str
    uid: int
    subject: str
    reason: str


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """*text* with the characters SQLite or PostgreSQL refuse (NUL, lone surrogates)
    replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text) if _UNSTORABLE.search(text) else text


def utcnow() -> datetime:
    """The current time as naive UTC, the form every timestamp is stored in."""
    return datetime.now(UTC).replace(tzinfo=None)


def _prepare_sqlite_file(url: str) -> None:
    """Create the SQLite file owner-only (0600) before SQLite does it with the umask."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the report read while the poller writes; NORMAL is durable enough with WAL
    # because a lost last commit only means those UIDs are fetched again.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


# Bounds on a PostgreSQL connection, so a dead or silent server becomes an error instead of a
# wait without end: the TCP connect and login, a statement (a lock wait included), and a
# peer that vanished (keepalive probes, after 30 s idle, every 10 s, 3 lost = dead).
PG_CONNECT_TIMEOUT_S = 10
PG_STATEMENT_TIMEOUT_MS = 300_000
PG_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": PG_CONNECT_TIMEOUT_S,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "options": f"-c statement_timeout={PG_STATEMENT_TIMEOUT_MS}",
}
SQLITE_BUSY_TIMEOUT_MS = 30_000  # wait this long for another writer, then fail


def create_db_engine(url: str) -> Engine:
    """An engine for *url* with inboxwatch's connection settings; raises StorageError."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"database.url {url!r} is not a valid SQLAlchemy URL") from exc
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite_file(url)
        engine = create_engine(url)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    # a setting given in the URL wins over ours
    connect_args = {k: v for k, v in PG_CONNECT_ARGS.items() if k not in parsed.query}
    try:
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except ImportError as exc:  # the driver is an extra: inboxwatch[postgres]
        raise StorageError(
            f"cannot use database {parsed.render_as_string()}: {exc}; for "
            "PostgreSQL run: pip install 'inboxwatch[postgres]'"
        ) from exc
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot use database {parsed.render_as_string()}: {exc}") from exc


# The newest migration in ``migrations/versions``; a database already there is opened without
# loading Alembic (a tenth of a second at every command's start). A test checks it is the head.
SCHEMA_REVISION = "0006"


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest Alembic revision."""
    if _schema_revision(engine) == SCHEMA_REVISION:
        return
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def _schema_revision(engine: Engine) -> str | None:
    """The database's Alembic revision; None when it has none (a new database) or the
    question fails (then Alembic looks for itself)."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None


class Store:
    """The ingest side of the database: messages, their raw bytes, and folder watermarks."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect to *url*, create or migrate the schema, and return the store."""
        engine = create_db_engine(url)
        try:
            migrate(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StorageError(f"cannot open the database: {_describe(exc)}") from exc
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Leaving a ``with Store.open(url) as store:`` block closes the store, error or not."""
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A transaction whose SQLAlchemy errors surface as StorageError."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise StorageError(f"database error: {_describe(exc)}") from exc
        except UnicodeError as exc:  # a value the database's encoding cannot hold
            raise StorageError(f"database error: text the database cannot store ({exc})") from exc

    def folder_state(self, account: str, folder: str) -> FolderState | None:
        with self.transaction() as conn:
            row = conn.execute(
                select(folders).where(folders.c.account == account, folders.c.name == folder)
            ).first()
        if row is None:
            return None
        return FolderState(account, folder, row.uidvalidity, row.last_uid)

    def store_batch(
        self,
        account: str,
        folder: str,
        uidvalidity: int,
        batch: Sequence[NewMessage],
        last_uid: int | None = None,
        rekeys: Sequence[tuple[int, int]] = (),
    ) -> StoredBatch:
        """Insert *batch* (skipping rows already stored, mail deleted before and mail of
        forgotten clients: see :mod:`~inboxwatch.storage.tombstones`), move the re-matched
        rows *rekeys* ``(message id, new uid)`` to *uidvalidity*, and advance the folder's
        watermark to *last_uid* — all in one transaction, so "a location is stored (or
        buried)" stays equivalent to "the watermark passed it" whenever a crash comes.
        """
        with self.transaction() as conn:
            for pk, uid in rekeys:
                conn.execute(
                    update(messages)
                    .where(messages.c.id == pk)
                    .values(uidvalidity=uidvalidity, uid=uid)
                )
            sifted = sift(conn, uidvalidity, batch, utcnow())
            inserted = insert_messages(conn, sifted.kept)
            if last_uid is not None:
                _save_folder_state(conn, account, folder, uidvalidity, last_uid)
        return StoredBatch(inserted, sifted.deleted_before, sifted.forgotten)

    def buried_uids(self, account: str, folder: str, uidvalidity: int) -> set[int]:
        """The UIDs of *folder* under *uidvalidity* whose mail was deleted or not stored
        (tombstoned): they are never fetched again."""
        with self.transaction() as conn:
            return buried_uids(conn, account, folder, uidvalidity)

    def count_buried(self, account: str, folder: str, uidvalidity: int) -> int:
        """How many UIDs of *folder* under *uidvalidity* are tombstoned."""
        with self.transaction() as conn:
            return count_buried(conn, account, folder, uidvalidity)

    def reset_folder(self, account: str, folder: str, uidvalidity: int) -> None:
        """Record a new UIDVALIDITY: the watermark starts again from zero (nothing deleted)."""
        with self.transaction() as conn:
            _save_folder_state(conn, account, folder, uidvalidity, 0)

    def orphaned_copies(self, account: str, folder: str, uidvalidity: int) -> list[StoredCopy]:
        """Messages of *folder* stored under any UIDVALIDITY other than *uidvalidity*."""
        # "< or >" rather than "!=": both databases then range-scan the location index,
        # so a poll finds "no orphans" without visiting every row of the folder.
        other = or_(messages.c.uidvalidity < uidvalidity, messages.c.uidvalidity > uidvalidity)
        query = (
            select(messages.c.id, messages.c.raw_sha256, messages.c.message_id)
            .where(messages.c.account == account, messages.c.folder == folder, other)
            .order_by(messages.c.id)
        )
        with self.transaction() as conn:
            return [StoredCopy(pk, sha, mid) for pk, sha, mid in conn.execute(query)]

    def copies_by_hash(
        self, account: str, folder: str, uidvalidity: int, hashes: Iterable[str]
    ) -> dict[str, list[tuple[int, int]]]:
        """Rows of *folder* under *uidvalidity* with one of the content *hashes*:
        ``(message id, uid)`` pairs by hash, oldest first."""
        wanted = sorted(set(hashes))
        if not wanted:
            return {}
        query = (
            select(messages.c.raw_sha256, messages.c.id, messages.c.uid)
            .where(
                messages.c.account == account,
                messages.c.folder == folder,
                messages.c.raw_sha256.in_(wanted),
                messages.c.uidvalidity == uidvalidity,
            )
            .order_by(messages.c.id)
        )
        found: dict[str, list[tuple[int, int]]] = {}
        with self.transaction() as conn:
            for sha, pk, uid in conn.execute(query):
                found.setdefault(sha, []).append((pk, uid))
        return found

    def stored_uids(self, account: str, folder: str, uidvalidity: int) -> set[int]:
        """The UIDs of *folder* stored under *uidvalidity*."""
        query = select(messages.c.uid).where(
            messages.c.account == account,
            messages.c.folder == folder,
            messages.c.uidvalidity == uidvalidity,
        )
        with self.transaction() as conn:
            return {int(uid) for uid in conn.execute(query).scalars()}

    def count_messages(self, account: str | None = None, folder: str | None = None) -> int:
        query = select(func.count()).select_from(messages)
        if account is not None:
            query = query.where(messages.c.account == account)
        if folder is not None:
            query = query.where(messages.c.folder == folder)
        with self.transaction() as conn:
            return int(conn.execute(query).scalar_one())

    def folder_statuses(self) -> list[FolderStatus]:
        """Per account and folder: stored and failed counts, and the sync watermark."""
        failed = func.sum(func.cast(messages.c.parse_error.is_not(None), Integer))
        counts = select(messages.c.account, messages.c.folder, func.count(), failed).group_by(
            messages.c.account, messages.c.folder
        )
        with self.transaction() as conn:
            stats = {(a, f): (n, int(e or 0)) for a, f, n, e in conn.execute(counts)}
            marks = {(r.account, r.name): r for r in conn.execute(select(folders))}
        result = []
        for key in sorted(set(stats) | set(marks)):
            n, bad = stats.get(key, (0, 0))
            mark = marks.get(key)
            result.append(
                FolderStatus(
                    key[0],
                    key[1],
                    n,
                    bad,
                    mark.uidvalidity if mark else None,
                    mark.last_uid if mark else None,
                    mark.last_synced_at if mark else None,
                )
            )
        return result

    def parse_failures(self, limit: int = 50) -> list[ParseFailure]:
        query = (
            select(
                messages.c.account,
                messages.c.folder,
                messages.c.uid,
                messages.c.subject,
                messages.c.parse_error,
            )
            .where(messages.c.parse_error.is_not(None))
            .order_by(messages.c.id)
            .limit(limit)
        )
        with self.transaction() as conn:
            return [ParseFailure(*row) for row in conn.execute(query)]


def compress_raw(raw: bytes) -> bytes:
    """*raw* as zlib data, the form ``message_raw`` keeps (``zlib.decompress`` reads it).

    Made with ISA-L's deflate (level 1): the same zlib format, written 2-7 times faster than
    zlib's fastest level (base64 attachments gain most) and no bigger.
    """
    return isal_zlib.compress(raw, 1)


def insert_messages(conn: Connection, batch: Sequence[NewMessage]) -> int:
    """Insert each message unless its location is already stored; returns rows inserted.

    Per chunk, one INSERT ... ON CONFLICT DO NOTHING RETURNING executed with the chunk's rows
    as parameter sets (SQLAlchemy sends them as multi-row statements, compiled once): the
    database says which locations were new, and only their raw bytes are written.
    """
    if not batch:
        return 0
    stored_at = utcnow()
    statement = _insert_statement(conn.dialect.name)
    inserted = 0
    for start in range(0, len(batch), _INSERT_CHUNK):
        chunk = batch[start : start + _INSERT_CHUNK]
        by_location = {(m.account, m.folder, m.uidvalidity, m.uid): m for m in chunk}
        rows = [m.row(stored_at) for m in by_location.values()]
        raw_rows = [
            {"message_pk": pk, "raw_zlib": by_location[(a, f, v, u)].compressed_raw()}
            for pk, a, f, v, u in conn.execute(statement, rows)
        ]
        if raw_rows:
            conn.execute(message_raw.insert(), raw_rows)
        inserted += len(raw_rows)
    return inserted


@functools.cache
def _insert_statement(dialect_name: str) -> Any:
    """The messages INSERT, built once per dialect so SQLAlchemy's compiled cache is hit."""
    return (
        dialect_insert(dialect_name, messages)
        .on_conflict_do_nothing(index_elements=["account", "folder", "uidvalidity", "uid"])
        .returning(
            messages.c.id,
            messages.c.account,
            messages.c.folder,
            messages.c.uidvalidity,
            messages.c.uid,
        )
    )


def _save_folder_state(
    conn: Connection, account: str, folder: str, uidvalidity: int, last_uid: int
) -> None:
    values = {"uidvalidity": uidvalidity, "last_uid": last_uid, "last_synced_at": utcnow()}
    statement = dialect_insert(conn.dialect.name, folders).values(
        account=account, name=folder, **values
    )
    conn.execute(statement.on_conflict_do_update(index_elements=["account", "name"], set_=values))


def _describe(exc: SQLAlchemyError) -> str:
    """A one-line description of a database error, without the SQL or its parameters."""
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).strip().splitlines()
    message = text[0] if text else type(exc).__name__
    if "disk is full" in message or "No space left" in message:
        return f"{message} (free some disk space; nothing was lost, the batch will be retried)"
    return message


@dataclass(frozen=True)
class StoredText:
    """The text of one stored incoming message, as the classifier sees it."""

    pk: int
    subject: str
    new_text: str
    language: str
    client: str | None
    date_utc: datetime | None


_TEXT_COLUMNS = (
    messages.c.id,
    messages.c.subject,
    messages.c.new_text,
    messages.c.language,
    messages.c.client,
    messages.c.date_utc,
)


def find_message_pk(store: Store, reference: str) -> int | None:
    """A stored message by its database id ("42") or its Message-ID header ("<a@b>")."""
    if reference.isdigit():
        query = select(messages.c.id).where(messages.c.id == int(reference))
    else:
        query = (
            select(messages.c.id)
            .where(messages.c.message_id == reference.strip().strip("<>"))
            .order_by(messages.c.id)
        )
    with store.transaction() as conn:
        return conn.execute(query.limit(1)).scalar()


def record_correction(store: Store, message_pk: int, tag: str, value: bool) -> None:
    """Save the user's verdict on one tag of one message, and show it at once."""
    from inboxwatch.storage.schema import corrections

    statement = dialect_insert(store.engine.dialect.name, corrections).values(
        message_pk=message_pk, tag=tag, value=value, created_at=utcnow()
    )
    statement = statement.on_conflict_do_update(
        index_elements=["message_pk", "tag"], set_={"value": value, "created_at": utcnow()}
    )
    with store.transaction() as conn:
        conn.execute(statement)
        conn.execute(
            update(messages)
            .where(messages.c.id == message_pk)
            .values({tag.replace("-", "_"): value})
        )


def corrected_texts(store: Store) -> list[tuple[StoredText, dict[str, bool]]]:
    """Every corrected message with the user's verdicts, for the next training run."""
    from inboxwatch.storage.schema import corrections

    query = (
        select(*_TEXT_COLUMNS, corrections.c.tag, corrections.c.value)
        .join(corrections, corrections.c.message_pk == messages.c.id)
        .order_by(messages.c.id)
    )
    found: dict[int, tuple[StoredText, dict[str, bool]]] = {}
    with store.transaction() as conn:
        for row in conn.execute(query):
            text = StoredText(*row[:6])
            found.setdefault(text.pk, (text, {}))[1][row.tag] = bool(row.value)
    return list(found.values())


def iter_incoming_texts(store: Store, batch: int = 1000) -> Iterator[list[StoredText]]:
    """Stored, parsed incoming messages in batches of *batch*, by id (keyset pagination)."""
    last = 0
    while True:
        query = (
            select(*_TEXT_COLUMNS)
            .where(
                messages.c.id > last, messages.c.direction == "in", messages.c.parse_error.is_(None)
            )
            .order_by(messages.c.id)
            .limit(batch)
        )
        with store.transaction() as conn:
            rows = [StoredText(*row) for row in conn.execute(query)]
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def update_classifications(store: Store, updates: Sequence[dict[str, Any]]) -> None:
    """Write new classifier results (dicts with ``pk`` and message columns) in one commit."""
    with store.transaction() as conn:
        for values in updates:
            pk = values["pk"]
            conn.execute(
                update(messages)
                .where(messages.c.id == pk)
                .values({k: v for k, v in values.items() if k != "pk"})
            )


@dataclass(frozen=True)
class ClientTally:
    """Per client: how many messages each way and how many carry each tag."""

    client: str | None
    received: int
    sent: int
    urgent: int
    vague: int
    complaint: int
    after_hours: int


def client_tallies(store: Store) -> list[ClientTally]:
    """Message and tag counts per client (None = senders that belong to no client)."""

    def count_if(column: Any) -> Any:
        return func.sum(func.cast(column, Integer))

    incoming = messages.c.direction == "in"
    query = (
        select(
            messages.c.client,
            count_if(incoming),
            count_if(messages.c.direction == "out"),
            count_if(messages.c.urgent),
            count_if(messages.c.vague),
            count_if(messages.c.complaint),
            count_if(messages.c.after_hours),
        )
        .group_by(messages.c.client)
        .order_by(messages.c.client)
    )
    with store.transaction() as conn:
        return [ClientTally(row[0], *(int(v or 0) for v in row[1:])) for row in conn.execute(query)]
