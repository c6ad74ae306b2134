"""Deleting stored mail: mail older than the retention period (opt-in, nightly), and
everything about one client (``inboxwatch forget``)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, case, delete, func, literal, or_, select, text
from sqlalchemy.exc import SQLAlchemyError

from inboxwatch.errors import StorageError
from inboxwatch.storage.schema import (
    corrections,
    invoices,
    message_raw,
    messages,
    score_history,
)
from inboxwatch.storage.store import Store, utcnow
from inboxwatch.storage.tombstones import (
    FORGET,
    RETENTION,
    bury_messages,
    remember_forgotten,
    unforget,
)

logger = logging.getLogger(__name__)

_INCREMENTAL = 2  # PRAGMA auto_vacuum: 0 none, 1 full, 2 incremental


def delete_older_than(store: Store, cutoff: datetime) -> int:
    """Delete messages dated before *cutoff* (naive UTC), with their raw bytes and
    corrections, and leave a tombstone for each in the same transaction, so deleted mail is
    not fetched or stored again. A message without a usable Date header, or dated after it
    was stored (a wrong clock or a forged Date), ages from when it was stored. On SQLite
    the freed space is then given back to the file system (see ``_reclaim_space``)."""
    is_old = _aged_from() < cutoff
    old = select(messages.c.id).where(is_old).scalar_subquery()
    with store.transaction() as conn:
        bury_messages(conn, is_old, RETENTION, utcnow())
        conn.execute(delete(corrections).where(corrections.c.message_pk.in_(old)))
        conn.execute(delete(message_raw).where(message_raw.c.message_pk.in_(old)))
        deleted = conn.execute(delete(messages).where(is_old)).rowcount
    if deleted:
        _reclaim_space(store)
    return deleted


def _aged_from() -> ColumnElement[datetime]:
    """When a message starts to age: its Date, unless missing or later than storing."""
    return case(
        (messages.c.date_utc <= messages.c.stored_at, messages.c.date_utc),
        else_=messages.c.stored_at,
    )


def _reclaim_space(store: Store) -> None:
    """Shrink a SQLite file by the pages retention freed (PostgreSQL: nothing to do; its
    autovacuum makes the space reusable, and its files do not shrink).

    ``PRAGMA incremental_vacuum`` needs ``auto_vacuum = INCREMENTAL``, which SQLite takes
    only at creation or with a full VACUUM: the first time, one VACUUM converts the
    database (it rewrites the file once and needs as much free disk); afterwards only the
    free pages are moved to the end and cut off. A failure is logged, not raised: the mail
    is deleted either way, and the next run tries again."""
    if store.engine.dialect.name != "sqlite":
        return
    engine = store.engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.execute(text("PRAGMA auto_vacuum")).scalar_one() != _INCREMENTAL:
                logger.info("converting the database to incremental vacuum (once)")
                conn.execute(text("PRAGMA auto_vacuum = INCREMENTAL"))
                conn.execute(text("VACUUM"))
            else:
                # One step of this pragma frees one page, and the sqlite3 module steps a
                # statement without result columns only once; executescript steps it to
                # the end.
                driver = cast(sqlite3.Connection, conn.connection.dbapi_connection)
                driver.executescript("PRAGMA incremental_vacuum;")
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    except SQLAlchemyError as exc:
        logger.warning(
            "retention deleted mail but could not shrink the database file (%s); "
            "it is retried after the next deletion",
            type(exc).__name__,
        )


@dataclass(frozen=True)
class ClientData:
    """What is stored about one client: rows that ``forget_client`` deletes."""

    messages: int
    corrections: int
    score_days: int
    invoices: int = 0

    def line(self, client: str, deleted: bool) -> str:
        verb = "deleted" if deleted else "would delete"
        ledger = f", and {self.invoices} invoices of your ledger" if self.invoices else ""
        return (
            f"{client}: {verb} {self.messages} messages (with their raw bytes), "
            f"{self.corrections} label corrections and {self.score_days} days of scores"
            f"{ledger}"
        )


def client_data(store: Store, client: str, addresses: Sequence[str]) -> ClientData:
    """Count what ``forget_client`` would delete (a dry run)."""
    mine = _client_messages(client, addresses)
    pks = select(messages.c.id).where(mine).scalar_subquery()
    with store.transaction() as conn:
        return ClientData(
            conn.execute(select(func.count()).where(mine)).scalar_one(),
            conn.execute(
                select(func.count())
                .select_from(corrections)
                .where(corrections.c.message_pk.in_(pks))
            ).scalar_one(),
            conn.execute(
                select(func.count())
                .select_from(score_history)
                .where(score_history.c.client == client)
            ).scalar_one(),
            conn.execute(
                select(func.count()).select_from(invoices).where(invoices.c.client == client)
            ).scalar_one(),
        )


def forget_client(store: Store, client: str, addresses: Sequence[str]) -> ClientData:
    """Delete every message of *client* (assigned to it, or from or to one of *addresses*:
    ``boss@acme.example`` or ``@acme.example``, sub-domains included) with its raw bytes
    and corrections, the client's score history and ledger invoices, and record the client
    as forgotten, in one transaction; then compact the database so the deleted text leaves
    the file (SQLite; PostgreSQL's VACUUM frees the space for reuse). Each deleted message
    leaves a tombstone, so it is not stored again, and the client's new mail is not stored
    until :func:`unforget_client` (see :mod:`~inboxwatch.storage.tombstones`)."""
    mine = _client_messages(client, addresses)
    pks = select(messages.c.id).where(mine).scalar_subquery()
    with store.transaction() as conn:
        now = utcnow()
        bury_messages(conn, mine, FORGET, now)
        remember_forgotten(conn, client, addresses, now)
        fixes = conn.execute(delete(corrections).where(corrections.c.message_pk.in_(pks)))
        conn.execute(delete(message_raw).where(message_raw.c.message_pk.in_(pks)))
        mails = conn.execute(delete(messages).where(mine))
        days = conn.execute(delete(score_history).where(score_history.c.client == client))
        bills = conn.execute(delete(invoices).where(invoices.c.client == client))
        deleted = ClientData(mails.rowcount, fixes.rowcount, days.rowcount, bills.rowcount)
    _compact(store)
    return deleted


def unforget_client(store: Store, client: str) -> tuple[bool, int]:
    """Store *client*'s mail again: whether they were forgotten, and how many messages that
    arrived while they were (and were not stored) the next poll fetches. Mail deleted by
    ``forget`` stays deleted."""
    with store.transaction() as conn:
        return unforget(conn, client)


def _client_messages(client: str, addresses: Sequence[str]) -> ColumnElement[bool]:
    """Messages assigned to *client*, or sent from or to one of its *addresses* (the same
    rule as :meth:`~inboxwatch.storage.tombstones.ForgottenClient.owns`, in SQL)."""
    recipients = literal(",") + func.coalesce(messages.c.to_addrs, "") + literal(",")
    conditions: list[ColumnElement[bool]] = [messages.c.client == client]
    for entry in (a.strip().lower() for a in addresses if a.strip()):
        if entry.startswith("@"):
            domain = entry[1:]
            for tail in ("@" + domain, "." + domain):  # the domain and its sub-domains
                conditions.append(messages.c.from_addr.endswith(tail, autoescape=True))
                conditions.append(recipients.contains(tail + ",", autoescape=True))
        else:
            conditions.append(messages.c.from_addr == entry)
            conditions.append(recipients.contains("," + entry + ",", autoescape=True))
    return or_(*conditions)


def _compact(store: Store) -> None:
    """Rewrite the database without the deleted rows' pages (VACUUM runs outside a
    transaction on both databases)."""
    engine = store.engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM"))
            if engine.dialect.name == "sqlite":
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    except SQLAlchemyError as exc:
        raise StorageError(
            f"the data is deleted, but compacting the database failed "
            f"({type(exc).__name__}); run VACUUM when nothing else uses it"
        ) from exc
