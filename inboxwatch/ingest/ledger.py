"""A ledger CSV into the database: read it, find each row's configured client, save it.

A row belongs to the configured client whose name it names — compared folded, so case,
accents and spacing do not matter ("LASSU KFT" is "Lassú Kft.") — else to the client of
its e-mail address or domain (the ``[[clients]] addresses``). Rows of no configured client
are not stored: :class:`LedgerImport` names them, with their line numbers, and the
configured name closest to each. Rows that could not be read are reported the same way,
and never stop the others.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from inboxwatch.config import ClientConfig
from inboxwatch.errors import ExportError
from inboxwatch.ingest.clients import ClientDirectory
from inboxwatch.sources.ledger import Ledger, LedgerRow, RowProblem, read_ledger
from inboxwatch.storage.invoices import SavedInvoices, StoredInvoice, save_invoices
from inboxwatch.storage.store import Store
from inboxwatch.text import fold, invoice_key

__all__ = ["ClientMatcher", "LedgerImport", "import_ledger"]


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(name))


class ClientMatcher:
    """Finds the configured client of a ledger row: by folded name, else by address."""

    def __init__(self, clients: Sequence[ClientConfig]) -> None:
        self._names = {_name_key(c.name): c.name for c in clients}
        self._directory = ClientDirectory.from_config(clients)
        self._shown = [c.name for c in clients]

    def client_of(self, row: LedgerRow) -> str | None:
        """The configured client's name for *row*, or None."""
        by_name = self._names.get(_name_key(row.client)) if row.client else None
        if by_name is not None:
            return by_name
        return self._directory.match(row.email) if row.email else None

    def closest(self, name: str) -> str | None:
        """The configured name most like *name*, if any is close."""
        found = difflib.get_close_matches(name, self._shown, n=1, cutoff=0.6)
        return found[0] if found else None


@dataclass(frozen=True)
class LedgerImport:
    """What importing one ledger did."""

    path: str
    ledger: Ledger
    saved: SavedInvoices
    unknown: Mapping[str, tuple[int, ...]]  # client as written → its line numbers
    suggestions: Mapping[str, str]  # client as written → the closest configured name

    @property
    def problems(self) -> tuple[RowProblem, ...]:
        return self.ledger.problems

    def lines(self) -> list[str]:
        """What to tell the user: the totals, then every row not stored and why."""
        skipped = sum(len(lines) for lines in self.unknown.values())
        lines = [
            f"{self.path}: {len(self.ledger.rows)} invoices read "
            f"({self.ledger.encoding}, '{_shown(self.ledger.delimiter)}'-separated"
            f"{_ORDER_SHOWN.get(self.ledger.date_order or '', '')}); "
            f"{self.saved.inserted} new, {self.saved.updated} updated, "
            f"{skipped} of unknown clients skipped, {len(self.problems)} unreadable"
        ]
        if not self.ledger.tracks_payment:
            lines.append(
                "  no paid-date column: payment is judged from the mail (give one with "
                "--map paid=COLUMN)"
            )
        for name, numbers in self.unknown.items():
            hint = self.suggestions.get(name)
            close = f"; did you mean {hint!r}?" if hint else ""
            lines.append(
                f"  skipped {_line_list(numbers)}: {name!r} is no configured client{close} "
                "(add it to [[clients]], or its address to one, and import again)"
            )
        lines += [f"  skipped {problem}" for problem in self.problems]
        return lines


_ORDER_SHOWN: Final = {"dmy": ", dates day first", "mdy": ", dates month first"}


def _shown(delimiter: str) -> str:
    return "\\t" if delimiter == "\t" else delimiter


def _line_list(numbers: Sequence[int]) -> str:
    word = "line" if len(numbers) == 1 else "lines"
    shown = ", ".join(str(n) for n in numbers[:10])
    more = f" and {len(numbers) - 10} more" if len(numbers) > 10 else ""
    return f"{word} {shown}{more}"


def import_ledger(
    path: Path,
    store: Store,
    clients: Sequence[ClientConfig],
    mapping: Mapping[str, str],
    date_order: str | None = None,
) -> LedgerImport:
    """Read the ledger CSV at *path* (columns by their usual names, or by *mapping*: field
    → header; slashed dates in *date_order*, else as the file shows) and save the rows of
    configured clients. Raises ExportError when the file cannot be read or is no ledger."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"{path}: cannot read the ledger: {exc.strerror or exc}") from exc
    ledger = read_ledger(data, str(path), mapping, date_order)
    matcher = ClientMatcher(clients)
    rows: list[StoredInvoice] = []
    unknown: dict[str, list[int]] = {}
    for row in ledger.rows:
        client = matcher.client_of(row)
        if client is None:
            unknown.setdefault(row.client or row.email, []).append(row.line)
        else:
            rows.append(_stored(row, client, ledger.tracks_payment, path.name))
    saved = save_invoices(store, rows)
    suggestions = {name: s for name in unknown if (s := matcher.closest(name)) is not None}
    return LedgerImport(
        str(path), ledger, saved, {k: tuple(v) for k, v in unknown.items()}, suggestions
    )


def _stored(row: LedgerRow, client: str, tracked: bool, source: str) -> StoredInvoice:
    return StoredInvoice(
        client=client,
        number=row.number,
        number_key=invoice_key(row.number),
        issued=row.issued,
        due=row.due,
        paid=row.paid,
        payment_tracked=tracked,
        amount=row.amount,
        currency=row.currency,
        source=source,
    )
