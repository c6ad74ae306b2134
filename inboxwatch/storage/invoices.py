"""The ledger's invoices (the ``invoices`` table): saved by ``inboxwatch invoices import``,
read by the report for the late_payment sign and by ``inboxwatch invoices list``.

An invoice is known by its configured client and its number as compared
(:func:`inboxwatch.text.invoice_key`): saving one that is there already updates it, so
importing a ledger again never duplicates a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, tuple_

from inboxwatch.storage.schema import dialect_insert, invoices
from inboxwatch.storage.store import Store, storable, utcnow

__all__ = [
    "LedgerSource",
    "SavedInvoices",
    "StoredInvoice",
    "ledger_sources",
    "load_invoices",
    "save_invoices",
]

_CHUNK = 500


@dataclass(frozen=True)
class StoredInvoice:
    """One invoice of the ledger, for a configured client. *payment_tracked*: the ledger it
    came from has a paid-date column, so ``paid is None`` means not paid yet."""

    client: str
    number: str
    number_key: str
    issued: date | None
    due: date | None
    paid: date | None
    payment_tracked: bool
    amount: float | None = None
    currency: str = ""
    source: str = ""


@dataclass(frozen=True)
class SavedInvoices:
    """What :func:`save_invoices` did: rows added, rows updated."""

    inserted: int
    updated: int


_COLUMNS = tuple(f.name for f in fields(StoredInvoice))


def save_invoices(store: Store, rows: Sequence[StoredInvoice]) -> SavedInvoices:
    """Insert *rows*, or update the stored ones with the same client and number key."""
    inserted = updated = 0
    with store.transaction() as conn:
        for start in range(0, len(rows), _CHUNK):
            chunk = _last_of_each(rows[start : start + _CHUNK])
            keys = [(r.client, r.number_key) for r in chunk]
            query = select(invoices.c.client, invoices.c.number_key).where(
                tuple_(invoices.c.client, invoices.c.number_key).in_(keys)
            )
            known = {(client, key) for client, key in conn.execute(query)}
            now = utcnow()
            for row in chunk:
                values = _values(row) | {"imported_at": now}
                insert = dialect_insert(conn.dialect.name, invoices).values(**values)
                update = {k: v for k, v in values.items() if k not in ("client", "number_key")}
                conn.execute(
                    insert.on_conflict_do_update(
                        index_elements=["client", "number_key"], set_=update
                    )
                )
                updated += (row.client, row.number_key) in known
            inserted += len(chunk) - sum(k in known for k in keys)
    return SavedInvoices(inserted, updated)


def _last_of_each(rows: Sequence[StoredInvoice]) -> list[StoredInvoice]:
    """One row per client and number key: the last one (a ledger listing an invoice twice
    means its later line)."""
    return list({(r.client, r.number_key): r for r in rows}.values())


def _values(row: StoredInvoice) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in _COLUMNS}
    return {k: storable(v) if isinstance(v, str) else v for k, v in values.items()}


def load_invoices(store: Store, client: str | None = None) -> list[StoredInvoice]:
    """The stored invoices (of *client*, or of all), by client, issue date and number."""
    query = select(*(invoices.c[name] for name in _COLUMNS)).order_by(
        invoices.c.client, invoices.c.issued, invoices.c.number_key
    )
    if client is not None:
        query = query.where(invoices.c.client == client)
    with store.transaction() as conn:
        return [StoredInvoice(*row) for row in conn.execute(query)]


@dataclass(frozen=True)
class LedgerSource:
    """The invoices stored from one ledger file (by its name), for ``inboxwatch status``."""

    source: str
    invoices: int
    clients: int
    last_imported: datetime  # naive UTC


def ledger_sources(store: Store) -> list[LedgerSource]:
    """What each imported ledger file left stored, the latest import first."""
    last = func.max(invoices.c.imported_at)
    query = (
        select(
            invoices.c.source,
            func.count(),
            func.count(func.distinct(invoices.c.client)),
            last,
        )
        .group_by(invoices.c.source)
        .order_by(last.desc(), invoices.c.source)
    )
    with store.transaction() as conn:
        return [LedgerSource(*row) for row in conn.execute(query)]
