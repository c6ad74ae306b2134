"""The ledger's commands: ``invoices import FILE`` (a ledger CSV into the database, for the
late_payment sign) and ``invoices list`` (what is stored)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from inboxwatch.config import Config
from inboxwatch.errors import UsageError
from inboxwatch.ingest.ledger import import_ledger
from inboxwatch.sources.ledger import parse_mapping
from inboxwatch.storage.invoices import StoredInvoice, load_invoices
from inboxwatch.storage.store import Store

EXIT_SOME_ROWS_UNREADABLE = 1


def import_command(
    config: Config,
    path: str | None,
    mapping: Sequence[str],
    out: TextIO,
    date_order: str | None = None,
) -> int:
    """Import the ledger CSV at *path*; 1 when some rows could not be read (the others are
    stored), 0 otherwise."""
    if path is None:
        raise UsageError("invoices import needs the ledger CSV: inboxwatch invoices import FILE")
    try:
        columns = parse_mapping(mapping)
    except ValueError as exc:
        raise UsageError(f"--map: {exc}") from exc
    with Store.open(config.database_url) as store:
        result = import_ledger(Path(path).expanduser(), store, config.clients, columns, date_order)
    for line in result.lines():
        out.write(line + "\n")
    return EXIT_SOME_ROWS_UNREADABLE if result.problems else 0


def list_command(config: Config, client: str | None, fmt: str, out: TextIO) -> int:
    """Print the stored invoices (of *client*, or all) as text or JSON."""
    if client is not None and client not in {c.name for c in config.clients}:
        raise UsageError(f"no configured client named {client!r}")
    with Store.open(config.database_url) as store:
        found = load_invoices(store, client)
    if fmt == "json":
        json.dump([_invoice_dict(i) for i in found], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    if not found:
        out.write("no invoices stored: import your ledger with `inboxwatch invoices import FILE`\n")
    for invoice in found:
        out.write(_invoice_line(invoice) + "\n")
    return 0


def _day(value: object) -> str:
    return "-" if value is None else str(value)


def _invoice_line(i: StoredInvoice) -> str:
    if i.paid is not None:
        paid = f"paid {i.paid}"
    else:
        paid = "unpaid" if i.payment_tracked else "payment not in the ledger"
    amount = "" if i.amount is None else f"  {i.amount:,.2f} {i.currency}".rstrip()
    return f"{i.client}: {i.number}  issued {_day(i.issued)}  due {_day(i.due)}  {paid}{amount}"


def _invoice_dict(i: StoredInvoice) -> dict[str, object]:
    return {
        "client": i.client,
        "number": i.number,
        "issued": None if i.issued is None else i.issued.isoformat(),
        "due": None if i.due is None else i.due.isoformat(),
        "paid": None if i.paid is None else i.paid.isoformat(),
        "payment_tracked": i.payment_tracked,
        "amount": i.amount,
        "currency": i.currency,
        "source": i.source,
    }
