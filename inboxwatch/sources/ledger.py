"""Reading a ledger: the CSV export of your invoicing program or spreadsheet.

One row per invoice: its number, the client (a name, or an e-mail address), the issue date,
the due date, the date it was paid, the amount and the currency. :func:`read_ledger` takes
the file's bytes and returns a :class:`Ledger` of typed rows and the problems of the rows it
could not read, each with its line number; a file that is not a CSV ledger at all raises
:class:`~inboxwatch.errors.ExportError` once.

What it copes with, because Hungarian and English exports differ in all of it:

* encodings: UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's "Unicode
  text"), else Windows-1250 or ISO-8859-2 (what Hungarian Excel writes);
* delimiters: ``;`` (Excel where the decimal mark is a comma), ``,`` or a tab, whichever
  the header line has most of;
* headers: found by their usual English and Hungarian names, folded (:data:`HEADERS`:
  "Invoice number", "Sorszám", "Vevő neve", "Fizetési határidő" ...), in the first rows of
  the file (a title line above the header is skipped); or given by a mapping
  (``number=Sorszám``) that wins over the guess;
* dates: ``2026-11-27``, ``2026. 11. 27.``, ``2026.11.27``, ``27.11.2026``, and
  ``27/11/2026`` or ``11/27/2026``: which of those two orders a file uses is decided once
  for the whole file, by a date in it whose day is over 12, or by the caller
  (``date_order``); a file that mixes both, or never tells, is refused with one clear error
  rather than read half wrong; a time after the date is ignored;
* amounts: ``1 234,50``, ``1.234,50``, ``1,234.50``, ``1234.5``, with or without a
  currency (``Ft``, ``HUF``, ``€``) beside the number.

Pure: bytes in, values out.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, NoReturn

from inboxwatch.errors import ExportError
from inboxwatch.text import fold, word_set

__all__ = [
    "DATE_ORDERS",
    "FIELDS",
    "HEADERS",
    "Ledger",
    "LedgerRow",
    "RowProblem",
    "parse_amount",
    "parse_date",
    "parse_mapping",
    "read_ledger",
]

# What a ledger row may hold, and the header names each field is recognised by (folded:
# lower case, no accents, no spaces or punctuation). "Teljesítés dátuma" is deliberately
# absent: on a Hungarian invoice it is the date of supply, not of payment.
HEADERS: Final[Mapping[str, frozenset[str]]] = {
    "number": word_set(
        "number invoice invoiceno invoicenumber invoicenr invoiceid invoice# no documentnumber "
        "szamlaszam sorszam szamlasorszam szamlasorszama szamlaszama bizonylatszam "
        "bizonylatsorszam"
    ),
    "client": word_set(
        "client clientname customer customername partner partnername partnerneve company "
        "billto buyer buyername vevo vevoneve vevonev ugyfel ugyfelneve megrendelo "
        "megrendeloneve"
    ),
    "email": word_set(
        "email emailaddress clientemail customeremail partneremail vevoemail vevoemailcim "
        "vevoemailcime emailcim ugyfelemail"
    ),
    "issued": word_set(
        "issued issuedate issuedon invoicedate date dateissued kelt kelte szamlakelte "
        "kiallitas kiallitasdatuma kiallitaskelte kiallitasnapja datum"
    ),
    "due": word_set(
        "due duedate dueon paymentdue datedue fizetesihatarido hatarido esedekes esedekesseg "
        "esedekessegdatuma fizhatarido"
    ),
    "paid": word_set(
        "paid paiddate paidon datepaid paymentdate kifizetes kifizetesdatuma kifizetve "
        "fizetesdatuma fizetve kiegyenlites kiegyenlitesdatuma kiegyenlitve"
    ),
    "amount": word_set(
        "amount total gross grossamount totalamount amountdue osszeg brutto bruttoosszeg "
        "vegosszeg fizetendo fizetendoosszeg"
    ),
    "currency": word_set("currency penznem deviza valuta"),
}
FIELDS: Final = tuple(HEADERS)
# How many rows from the top may come before the header (a title, an empty line).
_HEADER_SEARCH_ROWS: Final = 10
_DELIMITERS: Final = (";", ",", "\t")


@dataclass(frozen=True)
class LedgerRow:
    """One invoice read from a ledger; *line* is its line number in the file."""

    line: int
    number: str
    client: str
    email: str
    issued: date | None
    due: date | None
    paid: date | None
    amount: float | None
    currency: str


@dataclass(frozen=True)
class RowProblem:
    """A row that could not be read, and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class Ledger:
    """What :func:`read_ledger` read: the rows, the rows it could not read, and how it read
    the file (encoding, delimiter, which header each field came from). *tracks_payment*:
    the file has a paid-date column, so an empty one there means "not paid yet"."""

    rows: tuple[LedgerRow, ...]
    problems: tuple[RowProblem, ...]
    encoding: str
    delimiter: str
    columns: Mapping[str, str]
    date_order: str | None = None  # "dmy" or "mdy" when the file writes 27/11/2026-style

    @property
    def tracks_payment(self) -> bool:
        return "paid" in self.columns


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9#]", "", fold(text))


def parse_mapping(entries: Iterable[str]) -> dict[str, str]:
    """``["number=Sorszám,client=Vevő", "due=Határidő"]`` → field → header name. Raises
    ValueError naming a malformed entry or an unknown field."""
    mapping: dict[str, str] = {}
    for entry in (part for text in entries for part in text.split(",")):
        field, sep, header = entry.partition("=")
        field = field.strip().lower()
        if not sep or not header.strip():
            raise ValueError(f"{entry.strip()!r} is not FIELD=HEADER (e.g. number=Sorszám)")
        if field not in HEADERS:
            raise ValueError(f"unknown field {field!r}; the fields are {', '.join(FIELDS)}")
        mapping[field] = header.strip()
    return mapping


# --- the file as a whole ----------------------------------------------------------------


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """The file's text and the encoding it was read with."""
    if data.startswith(b"PK\x03\x04"):
        raise ExportError(
            f"{name}: this is an Excel workbook (.xlsx), not CSV; save it as "
            '"CSV UTF-8" (or CSV) from Excel and import that'
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise ExportError(f"{name}: this is not a CSV file (it holds binary data)")
    for encoding in ("utf-8-sig", "cp1250", "iso-8859-2"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise ExportError(f"{name}: the file's text encoding is not UTF-8 or Windows-1250")


def _delimiter(text: str) -> str:
    """The delimiter the top lines use most (a title line above the header has none)."""
    top = [line for line in text.splitlines()[: _HEADER_SEARCH_ROWS * 2] if line.strip()]
    return max(_DELIMITERS, key=lambda d: max((line.count(d) for line in top), default=0))


def _guess_columns(header: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in header:
        key = _header_key(name)
        field = next((f for f, names in HEADERS.items() if key in names), None)
        if field is not None and field not in found:
            found[field] = name
    return found


def _columns(header: Sequence[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """field → the header it is read from: the mapping's, then the guessed ones."""
    by_key = {_header_key(name): name for name in header}
    mapped = {_header_key(name) for name in mapping.values()}
    columns = {f: h for f, h in _guess_columns(header).items() if _header_key(h) not in mapped}
    for field, wanted in mapping.items():
        if _header_key(wanted) in by_key:
            columns[field] = by_key[_header_key(wanted)]
    return columns


def _missing(columns: Mapping[str, str]) -> list[str]:
    needs = [("number",), ("client", "email"), ("issued", "due")]
    return [" or ".join(need) for need in needs if not any(f in columns for f in need)]


def _find_header(
    rows: list[list[str]], mapping: Mapping[str, str], name: str
) -> tuple[int, dict[str, str]]:
    """The index of the header row among the first rows, and its columns."""
    best: tuple[int, dict[str, str]] | None = None
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        columns = _columns(row, mapping)
        if not _missing(columns) and not _absent(row, mapping):
            return index, columns
        if not _missing(columns):  # the header, but a mapped column is not in it
            best = (index, columns)
            break
        if best is None and any(cell.strip() for cell in row):
            best = (index, columns)
    index, columns = best or (0, {})
    _refuse(rows[index] if rows else [], columns, mapping, name)


def _absent(header: Sequence[str], mapping: Mapping[str, str]) -> list[str]:
    """The mapping's column names that *header* does not have."""
    present = {_header_key(name) for name in header}
    return [name for name in mapping.values() if _header_key(name) not in present]


def _refuse(
    header: Sequence[str], columns: Mapping[str, str], mapping: Mapping[str, str], name: str
) -> NoReturn:
    unknown = _absent(header, mapping)
    shown = ", ".join(repr(h) for h in header[:12] if h.strip()) or "none"
    if unknown:
        raise ExportError(
            f"{name}: no column named {', '.join(map(repr, unknown))}; its columns: {shown}"
        )
    raise ExportError(
        f"{name}: no column for {'; '.join(_missing(columns))} (its columns: {shown}); "
        "name them with --map, e.g. --map number=Sorszám,client=Vevő,due=Határidő"
    )


def read_ledger(
    data: bytes,
    name: str,
    mapping: Mapping[str, str] | None = None,
    date_order: str | None = None,
) -> Ledger:
    """The invoices in a CSV ledger's bytes (*name* is only for messages). *mapping*: field
    → header name, for columns the usual names do not find. *date_order*: ``"dmy"`` or
    ``"mdy"`` for dates written with slashes; found from the file when not given. Raises
    ExportError when the file is not CSV, lacks a number, a client (name or e-mail) or a
    date (issue or due), or writes slashed dates whose order cannot be told."""
    text, encoding = _decode(data, name)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise ExportError(f"{name}: line {reader.line_num}: not readable as CSV: {exc}") from exc
    at, columns = _find_header([row for _, row in rows], mapping or {}, name)
    header = rows[at][1]
    index = {field: header.index(column) for field, column in columns.items()}
    body = [(line, row) for line, row in rows[at + 1 :] if any(cell.strip() for cell in row)]
    order = date_order or _slash_order(body, index, name)
    parsed: list[LedgerRow] = []
    problems: list[RowProblem] = []
    for line, row in body:
        try:
            parsed.append(_row(line, row, index, order))
        except ValueError as exc:
            problems.append(RowProblem(line, str(exc)))
    return Ledger(tuple(parsed), tuple(problems), encoding, delimiter, columns, order)


def _slash_order(
    body: Sequence[tuple[int, Sequence[str]]], index: Mapping[str, int], name: str
) -> str | None:
    """The order of the file's slashed dates, told by those whose day is over 12: None
    when it has none; ExportError when it mixes both orders or none of them tells."""
    told: dict[str, tuple[int, str]] = {}  # order → the first line and date that says so
    undecided: tuple[int, str] | None = None
    for line, row in body:
        for field in _DATE_FIELDS:
            text = _cell(row, index, field)
            match = _SLASHED.fullmatch(text)
            if match is None:
                continue
            first, second = int(match.group(1)), int(match.group(2))
            if first > 12 >= second:
                told.setdefault("dmy", (line, text))
            elif second > 12 >= first:
                told.setdefault("mdy", (line, text))
            elif undecided is None and max(first, second) <= 12:
                undecided = (line, text)
    if len(told) == 2:
        (dmy_line, dmy), (mdy_line, mdy) = told["dmy"], told["mdy"]
        raise ExportError(
            f"{name}: its dates mix day first ({dmy!r}, line {dmy_line}) and month first "
            f"({mdy!r}, line {mdy_line}); fix the file, or say which with --date-order "
            f"{' or '.join(DATE_ORDERS)}"
        )
    if told:
        return next(iter(told))
    if undecided is not None:
        line, text = undecided
        raise ExportError(
            f"{name}: a date like {text!r} (line {line}) can be day first or month first, "
            "and no date in the file has a day over 12 to tell which; say which with "
            "--date-order dmy (27/11/2026: the UK, Hungary, most of Europe) or mdy "
            "(11/27/2026: the US)"
        )
    return None


# --- one row ------------------------------------------------------------------------------


def _cell(row: Sequence[str], index: Mapping[str, int], field: str) -> str:
    at = index.get(field)
    return row[at].strip() if at is not None and at < len(row) else ""


def _row(line: int, row: Sequence[str], index: Mapping[str, int], order: str | None) -> LedgerRow:
    def cell(field: str) -> str:
        return _cell(row, index, field)

    number = cell("number")
    if not number:
        raise ValueError("no invoice number")
    try:
        return _invoice(line, number, cell, order)
    except ValueError as exc:
        raise ValueError(f"invoice {number}: {exc}") from None


def _invoice(line: int, number: str, cell: Callable[[str], str], order: str | None) -> LedgerRow:
    client, email = cell("client"), cell("email").lower()
    if not client and not email:
        raise ValueError("no client name or e-mail address")
    issued = _date(cell("issued"), "issue date", order)
    due = _date(cell("due"), "due date", order)
    if issued is None and due is None:
        raise ValueError("no issue date or due date")
    amount_text = cell("amount")
    return LedgerRow(
        line=line,
        number=number,
        client=client,
        email=email,
        issued=issued,
        due=due,
        paid=_date(cell("paid"), "paid date", order),
        amount=parse_amount(amount_text) if amount_text else None,
        currency=(cell("currency") or _currency_in(amount_text)).upper(),
    )


def _date(text: str, what: str, order: str | None) -> date | None:
    if not text:
        return None
    try:
        return parse_date(text, order)
    except ValueError:
        raise ValueError(
            f"{what} {text!r} is not a date like 2026-11-27 or 2026. 11. 27."
        ) from None


_YEAR_FIRST: Final = re.compile(r"(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\.?(?:[ T].*)?")
_DAY_FIRST: Final = re.compile(r"(\d{1,2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{4})\.?(?:\s.*)?")
_SLASHED: Final = re.compile(r"(\d{1,2})\s*[/-]\s*(\d{1,2})\s*[/-]\s*(\d{4})(?:[ T].*)?")
DATE_ORDERS: Final = ("dmy", "mdy")
_DATE_FIELDS: Final = ("issued", "due", "paid")


def parse_date(text: str, order: str | None = None) -> date:
    """A date written ``2026-11-27``, ``2026. 11. 27.``, ``2026.11.27`` or ``27.11.2026``
    (a time after it is ignored), or ``27/11/2026`` / ``11/27/2026`` (also with ``-``) in
    the *order* given (``"dmy"`` or ``"mdy"``); ValueError otherwise, and for a slashed date
    without an order, which cannot be told from one date alone."""
    text = text.strip()
    if match := _YEAR_FIRST.fullmatch(text):
        year, month, day = match.groups()
    elif match := _DAY_FIRST.fullmatch(text):
        day, month, year = match.groups()
    elif order in DATE_ORDERS and (match := _SLASHED.fullmatch(text)):
        day, month, year = match.groups()
        if order == "mdy":
            day, month = month, day
    else:
        raise ValueError(text)
    return date(int(year), int(month), int(day))


_CURRENCIES: Final = {"ft": "HUF", "huf": "HUF", "€": "EUR", "eur": "EUR", "$": "USD"}
_CURRENCY_RE: Final = re.compile(r"[a-z€$£]+", re.IGNORECASE)


def _currency_in(amount: str) -> str:
    match = _CURRENCY_RE.search(amount)
    if match is None:
        return ""
    word = match.group().lower()
    return _CURRENCIES.get(word, word if len(word) == 3 else "")


def parse_amount(text: str) -> float:
    """An amount written ``1 234,50``, ``1.234,50``, ``1,234.50`` or ``1234.5``, with or
    without a currency beside it; ValueError when there is no number."""
    bare = re.sub(r"[^\d,.\-]", "", text)
    if not re.search(r"\d", bare):
        raise ValueError(f"amount {text!r} is not a number")
    if "," in bare and "." in bare:  # the last mark is the decimal one
        thousands = "." if bare.rfind(",") > bare.rfind(".") else ","
        bare = bare.replace(thousands, "").replace(",", ".")
    elif bare.count(",") == 1:  # Hungarian decimal comma
        bare = bare.replace(",", ".")
    else:
        bare = bare.replace(",", "")
        if bare.count(".") > 1:  # 1.234.567: thousands dots
            bare = bare.replace(".", "")
    try:
        return float(bare)
    except ValueError:
        raise ValueError(f"amount {text!r} is not a number") from None
