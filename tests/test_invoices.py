"""The ledger: reading CSV exports (headers, mapping, encodings, dates, amounts, bad rows),
importing them into SQLite and PostgreSQL (client matching, re-import), the
``invoices`` command, and the rule that the ledger wins over the mail in late_payment."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inboxwatch.analysis.conversations import Mail
from inboxwatch.analysis.payments import LedgerInvoice, link_invoices, payment_events, with_ledger
from inboxwatch.analysis.scoring import Window, paid_late_days, score_client
from inboxwatch.config import ClientConfig
from inboxwatch.errors import ExportError
from inboxwatch.hours import WorkingTime
from inboxwatch.ingest.ledger import import_ledger
from inboxwatch.sources.ledger import parse_amount, parse_date, parse_mapping, read_ledger
from inboxwatch.storage.invoices import load_invoices
from inboxwatch.storage.store import Store
from tests.tools.service_env import run_cli, small_config

HU_LEDGER = (
    "Számlák listája, 2026. november\n"
    "\n"
    "Sorszám;Vevő neve;Kelte;Fizetési határidő;Kifizetés dátuma;Bruttó összeg;Pénznem\n"
    "2026/0101;ACME KFT;2026. 11. 02.;2026. 11. 10.;;150 000;HUF\n"
    "2026/0102;Acme Kft.;2026.11.03;2026.11.11;2026.11.23;1 234,50;HUF\n"
)
EN_LEDGER = (
    "Invoice number,Client,E-mail,Issue date,Due date,Paid date,Amount,Currency\n"
    'INV-7,Globex,,2026-11-02,2026-11-16,2026-11-10,"1,234.50",EUR\n'
    "INV-8,,billing@globex.example,2026-11-05,2026-11-19,,900,EUR\n"
)
CLIENTS = [
    ClientConfig("Acme Kft.", ("@acme.example",)),
    ClientConfig("Globex", ("@globex.example",)),
]


# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1250", "iso-8859-2", "utf-16"])
def test_a_hungarian_export_is_read_in_every_encoding_excel_writes(encoding: str) -> None:
    ledger = read_ledger(HU_LEDGER.encode(encoding), "szamlak.csv")
    assert ledger.problems == ()
    assert ledger.delimiter == ";"
    first, second = ledger.rows
    assert (first.line, first.number, first.client) == (4, "2026/0101", "ACME KFT")
    assert (first.issued, first.due, first.paid) == (date(2026, 11, 2), date(2026, 11, 10), None)
    assert (first.amount, first.currency) == (150000.0, "HUF")
    assert (second.paid, second.amount) == (date(2026, 11, 23), 1234.5)
    assert ledger.tracks_payment


def test_an_english_export_with_commas_and_an_email_column() -> None:
    ledger = read_ledger(EN_LEDGER.encode("utf-8-sig"), "invoices.csv")
    assert ledger.delimiter == "," and ledger.encoding == "utf-8"
    assert [(r.number, r.client, r.email, r.amount) for r in ledger.rows] == [
        ("INV-7", "Globex", "", 1234.5),
        ("INV-8", "", "billing@globex.example", 900.0),
    ]


def test_a_mapping_names_columns_the_usual_names_do_not_find() -> None:
    text = "Bizonylat;Partner;Kiállítva;Esedékes;Rendezve\nA-1;Acme Kft.;2026.11.02;2026.11.10;\n"
    with pytest.raises(ExportError, match="no column for number"):
        read_ledger(text.encode(), "x.csv")
    mapping = parse_mapping(["number=Bizonylat,issued=Kiállítva", "paid=rendezve"])
    ledger = read_ledger(text.encode(), "x.csv", mapping)
    assert ledger.columns["number"] == "Bizonylat" and ledger.columns["paid"] == "Rendezve"
    assert ledger.rows[0].due == date(2026, 11, 10)  # "Esedékes" is found by itself
    assert ledger.rows[0].issued == date(2026, 11, 2)


def test_a_mapping_to_a_column_that_is_not_there_is_named() -> None:
    with pytest.raises(ExportError, match="no column named 'Számlaszám'"):
        read_ledger(HU_LEDGER.encode(), "x.csv", {"number": "Számlaszám"})
    with pytest.raises(ValueError, match="unknown field 'sum'"):
        parse_mapping(["sum=Összeg"])
    with pytest.raises(ValueError, match="FIELD=HEADER"):
        parse_mapping(["number"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27", date(2026, 11, 27)),
        ("2026. 11. 27.", date(2026, 11, 27)),
        ("2026.11.27", date(2026, 11, 27)),
        ("2026.11.27.", date(2026, 11, 27)),
        ("27.11.2026", date(2026, 11, 27)),
        ("2026-11-27 14:05:00", date(2026, 11, 27)),
    ],
)
def test_dates_in_iso_and_hungarian_forms(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["11/27/2026", "next week", "2026-13-01"])
def test_dates_whose_order_or_value_cannot_be_told_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("27/11/2026", "dmy", date(2026, 11, 27)),
        ("11/27/2026", "mdy", date(2026, 11, 27)),
        ("03/04/2026", "dmy", date(2026, 4, 3)),
        ("03/04/2026", "mdy", date(2026, 3, 4)),
        ("3/4/2026 14:05", "dmy", date(2026, 4, 3)),
        ("27-11-2026", "dmy", date(2026, 11, 27)),
        ("2026-11-27", "mdy", date(2026, 11, 27)),  # year first is never in question
    ],
)
def test_slashed_dates_in_the_order_given(text: str, order: str, expected: date) -> None:
    assert parse_date(text, order) == expected


UK_LEDGER = (
    "Invoice number,Client,Issue date,Due date,Paid date\n"
    "INV-1,Globex,03/04/2026,10/04/2026,\n"
    "INV-2,Globex,20/11/2026,27/11/2026,02/12/2026\n"
)
US_LEDGER = (
    "Invoice number,Client,Issue date,Due date,Paid date\n"
    "INV-1,Globex,03/04/2026,03/11/2026,\n"
    "INV-2,Globex,11/20/2026,11/27/2026,\n"
)


def test_a_uk_or_us_ledger_is_read_in_the_order_its_dates_show() -> None:
    """Before: every 27/11/2026-style date was an unreadable row."""
    uk = read_ledger(UK_LEDGER.encode(), "uk.csv")
    assert uk.problems == () and uk.date_order == "dmy"
    assert [(r.issued, r.due, r.paid) for r in uk.rows] == [
        (date(2026, 4, 3), date(2026, 4, 10), None),
        (date(2026, 11, 20), date(2026, 11, 27), date(2026, 12, 2)),
    ]
    us = read_ledger(US_LEDGER.encode(), "us.csv")
    assert us.problems == () and us.date_order == "mdy"
    assert [(r.issued, r.due) for r in us.rows] == [
        (date(2026, 3, 4), date(2026, 3, 11)),
        (date(2026, 11, 20), date(2026, 11, 27)),
    ]


def test_slashed_dates_that_never_tell_their_order_are_refused_until_told() -> None:
    text = "Invoice number,Client,Issue date,Due date\nINV-1,Globex,03/04/2026,10/04/2026\n"
    with pytest.raises(ExportError) as caught:
        read_ledger(text.encode(), "x.csv")
    assert "'03/04/2026' (line 2) can be day first or month first" in str(caught.value)
    assert "--date-order dmy" in str(caught.value)
    told = read_ledger(text.encode(), "x.csv", date_order="mdy")
    assert told.problems == () and told.rows[0].issued == date(2026, 3, 4)


def test_a_ledger_mixing_both_orders_is_refused_naming_a_date_of_each() -> None:
    text = UK_LEDGER + "INV-3,Globex,11/27/2026,12/05/2026,\n"
    with pytest.raises(
        ExportError,
        match=r"mix day first \('20/11/2026', line 3\) and month "
        r"first \('11/27/2026', line 4\)",
    ):
        read_ledger(text.encode(), "x.csv")
    # told the order, the row that contradicts it is the one unreadable row
    ledger = read_ledger(text.encode(), "x.csv", date_order="dmy")
    assert [r.number for r in ledger.rows] == ["INV-1", "INV-2"]
    assert [str(p) for p in ledger.problems] == [
        "line 4: invoice INV-3: issue date '11/27/2026' is not a date like 2026-11-27 or "
        "2026. 11. 27."
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,50", 1234.5),
        ("1\u00a0234,50 Ft", 1234.5),
        ("1.234,50", 1234.5),
        ("1,234.50", 1234.5),
        ("€1,234.50", 1234.5),
        ("12.500.000", 12500000.0),
        ("1234.5", 1234.5),
        ("-500", -500.0),
    ],
)
def test_amounts_in_hungarian_and_english_forms(text: str, expected: float) -> None:
    assert parse_amount(text) == expected


def test_bad_rows_are_named_by_line_and_never_stop_the_rest() -> None:
    text = (
        "Invoice number,Client,Issue date,Due date,Amount\n"
        "A-1,Acme Kft.,2026-11-02,2026-11-10,100\n"
        "A-2,Acme Kft.,yesterday,2026-11-10,100\n"
        ",Acme Kft.,2026-11-02,2026-11-10,100\n"
        "A-4,Acme Kft.,2026-11-02,2026-11-10,lots\n"
        "A-5,,2026-11-02,2026-11-10,100\n"
        "A-6,Acme Kft.,,,100\n"
        "\n"
        "A-7,Acme Kft.,2026-11-02,2026-11-10,100\n"
    )
    ledger = read_ledger(text.encode(), "x.csv")
    assert [r.number for r in ledger.rows] == ["A-1", "A-7"]
    assert [str(p) for p in ledger.problems] == [
        "line 3: invoice A-2: issue date 'yesterday' is not a date like 2026-11-27 or "
        "2026. 11. 27.",
        "line 4: no invoice number",
        "line 5: invoice A-4: amount 'lots' is not a number",
        "line 6: invoice A-5: no client name or e-mail address",
        "line 7: invoice A-6: no issue date or due date",
    ]
    assert not ledger.tracks_payment


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (b"\x00\x01\x02binary\x00", "not a CSV file"),
        (b"just some text\nwith no columns\n", "no column for number"),
        (b"", "no column for number"),
    ],
)
def test_a_file_that_is_no_ledger_gets_one_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(ExportError, match=message):
        read_ledger(data, "x.csv")


# --- importing (SQLite and PostgreSQL) ------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_rows_are_matched_to_clients_by_folded_name_or_address(
    store: Store, tmp_path: Path
) -> None:
    hu = import_ledger(_write(tmp_path, "hu.csv", HU_LEDGER, "cp1250"), store, CLIENTS, {})
    en = import_ledger(_write(tmp_path, "en.csv", EN_LEDGER), store, CLIENTS, {})
    assert (hu.saved.inserted, en.saved.inserted) == (2, 2)
    stored = {(i.client, i.number) for i in load_invoices(store)}
    assert stored == {
        ("Acme Kft.", "2026/0101"),  # "ACME KFT" is Acme Kft.
        ("Acme Kft.", "2026/0102"),
        ("Globex", "INV-7"),
        ("Globex", "INV-8"),  # by its e-mail domain
    }


def test_importing_again_updates_and_never_duplicates(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "hu.csv", HU_LEDGER)
    import_ledger(path, store, CLIENTS, {})
    # the invoice got paid, and this export writes its number and client differently
    paid = HU_LEDGER.replace(
        "2026/0101;ACME KFT;2026. 11. 02.;2026. 11. 10.;;",
        "2026 / 0101;acme kft;2026. 11. 02.;2026. 11. 10.;2026. 11. 28.;",
    )
    again = import_ledger(_write(tmp_path, "hu2.csv", paid), store, CLIENTS, {})
    assert (again.saved.inserted, again.saved.updated) == (0, 2)
    invoices = load_invoices(store, "Acme Kft.")
    assert len(invoices) == 2
    assert invoices[0].number_key == "2026/0101" and invoices[0].paid == date(2026, 11, 28)


def test_unknown_clients_are_named_with_their_lines_and_not_stored(
    store: Store, tmp_path: Path
) -> None:
    text = HU_LEDGER + "2026/0103;Acme Kft;2026.11.04;2026.11.12;;100;HUF\n"
    text += "2026/0104;Napfény Bt.;2026.11.04;2026.11.12;;100;HUF\n"
    text += "2026/0105;Napfény Bt.;2026.11.05;2026.11.13;;100;HUF\n"
    text += "2026/0106;Globexx;2026.11.05;2026.11.13;;100;HUF\n"
    result = import_ledger(_write(tmp_path, "hu.csv", text), store, CLIENTS, {})
    assert result.saved.inserted == 3
    assert dict(result.unknown) == {"Napfény Bt.": (7, 8), "Globexx": (9,)}
    lines = "\n".join(result.lines())
    assert "skipped lines 7, 8: 'Napfény Bt.' is no configured client" in lines
    assert "skipped line 9: 'Globexx' is no configured client; did you mean 'Globex'?" in lines
    assert {i.client for i in load_invoices(store)} == {"Acme Kft."}


# --- the command ----------------------------------------------------------------------------


def test_the_invoices_command_imports_lists_and_exits_by_the_table(tmp_path: Path) -> None:
    config = small_config(tmp_path / "iw.toml", f"sqlite:///{tmp_path / 'iw.db'}")
    good = _write(tmp_path, "hu.csv", HU_LEDGER, "cp1250")
    result = run_cli(config, "invoices", "import", str(good))
    assert result.returncode == 0, result.stderr
    assert "2 invoices read (cp1250, ';'-separated); 2 new, 0 updated" in result.stdout

    bad_row = _write(tmp_path, "bad.csv", HU_LEDGER + "2026/0109;Acme Kft.;tegnap;;;;\n")
    result = run_cli(config, "invoices", "import", str(bad_row))
    assert result.returncode == 1
    assert "0 new, 2 updated" in result.stdout
    assert "skipped line 6: invoice 2026/0109: issue date 'tegnap' is not a date" in result.stdout

    broken = _write(tmp_path, "broken.csv", "hello\nworld\n")
    result = run_cli(config, "invoices", "import", str(broken))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "no column for number" in result.stderr

    result = run_cli(config, "invoices", "import", str(good), "--map", "total")
    assert result.returncode == 2 and "--map: 'total' is not FIELD=HEADER" in result.stderr

    listed = run_cli(config, "invoices", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["number"], r["due"], r["paid"]) for r in rows] == [
        ("2026/0101", "2026-11-10", None),
        ("2026/0102", "2026-11-11", "2026-11-23"),
    ]
    text = run_cli(config, "invoices", "list", "--client", "Acme Kft.").stdout
    assert "Acme Kft.: 2026/0101  issued 2026-11-02  due 2026-11-10  unpaid" in text
    status = run_cli(config, "status")  # bad.csv updated both invoices last
    assert status.returncode == 0, status.stderr
    assert re.search(
        r"^ledger bad\.csv: 2 invoices of 1 client, last imported \d{4}-\d\d-\d\d \d\d:\d\d UTC",
        status.stdout,
        re.M,
    ), status.stdout
    ledgers = json.loads(run_cli(config, "status", "--format", "json").stdout)["ledgers"]
    assert [(x["source"], x["invoices"], x["clients"]) for x in ledgers] == [("bad.csv", 2, 1)]


def test_the_invoices_command_reads_slashed_dates_and_takes_date_order(tmp_path: Path) -> None:
    config = small_config(tmp_path / "iw.toml", f"sqlite:///{tmp_path / 'iw.db'}")
    uk = _write(tmp_path, "uk.csv", UK_LEDGER)
    result = run_cli(config, "invoices", "import", str(uk))
    assert result.returncode == 0, result.stderr
    assert "2 invoices read (utf-8, ','-separated, dates day first); 2 new" in result.stdout
    unclear = _write(
        tmp_path,
        "unclear.csv",
        US_LEDGER.splitlines(keepends=True)[0] + "INV-9,Globex,03/04/2026,03/11/2026,\n",
    )
    result = run_cli(config, "invoices", "import", str(unclear))
    assert result.returncode == 1 and "--date-order" in result.stderr
    result = run_cli(config, "invoices", "import", str(unclear), "--date-order", "mdy")
    assert result.returncode == 0, result.stderr
    assert "dates month first); 1 new" in result.stdout
    listed = json.loads(run_cli(config, "invoices", "list", "--format", "json").stdout)
    assert {r["number"]: r["due"] for r in listed}["INV-9"] == "2026-03-11"


# --- the ledger wins ------------------------------------------------------------------------

WT = WorkingTime(tz=ZoneInfo("Europe/Budapest"), start=time(9), end=time(17))
NOV = datetime(2026, 11, 1)
WINDOW = Window(NOV, datetime(2026, 12, 1))


def _mail(mail_id: int, direction: str, day: int, subject: str, text: str) -> Mail:
    return Mail(
        id=mail_id,
        direction=direction,
        client="C",
        date=datetime(2026, 11, day, 9),
        subject=subject,
        new_text=text,
    )


def _ledger(number: str, issued: int, due: int, paid: int | None) -> LedgerInvoice:
    def day(d: int | None) -> datetime | None:
        return None if d is None else datetime(2026, 11, 1) + timedelta(days=d - 1)

    return LedgerInvoice(number, day(issued), day(due), day(paid), payment_tracked=True)


def test_the_ledger_paid_date_wins_over_an_unconfirmed_mail_invoice() -> None:
    mails = [
        _mail(1, "out", 2, "Invoice 2026/7", "Please find attached my invoice."),
        _mail(2, "in", 12, "Re: Invoice 2026/7", "We'll transfer it next week."),
    ]
    invoices = link_invoices(payment_events(mails), WINDOW.end, 8)
    assert invoices[0].open_overdue  # the mail alone: promised later, never confirmed
    merged = with_ledger(invoices, [_ledger("2026/ 7", 2, 10, 9)], WINDOW.end, 8)
    assert len(merged) == 1 and merged[0].mail_id == 1 and merged[0].in_ledger
    assert not merged[0].open_overdue and merged[0].overdue_days == 0


def test_an_unpaid_ledger_invoice_past_its_due_date_needs_no_reminder() -> None:
    ledger = [_ledger("A-1", 1, 5, None), _ledger("A-2", 2, 6, None)]
    card = score_client("C", [], WINDOW, WT, ledger=ledger)
    sign = card.sign("late_payment")
    assert sign.fired  # two open overdue invoices, no mail at all
    assert sign.measures["open_overdue_invoices"] == 2
    assert [(e.message_id, e.note) for e in sign.evidence] == [
        (0, "invoice A-1: 25 days overdue, unpaid (from your ledger)"),
        (0, "invoice A-2: 24 days overdue, unpaid (from your ledger)"),
    ]


def test_an_on_time_payer_is_never_flagged_because_invoices_exist() -> None:
    mails = [
        _mail(i, "out", i, f"Invoice 2026/{i}", "Please find attached my invoice.")
        for i in range(1, 6)
    ]
    ledger = [_ledger(f"2026/{i}", i, i + 8, i + 3) for i in range(1, 9)]
    card = score_client("C", mails, WINDOW, WT, ledger=ledger)
    sign = card.sign("late_payment")
    assert not sign.fired and sign.value == 0 and sign.evidence == ()
    assert sign.measures["ledger_invoices"] == 8
    assert paid_late_days(card) is None


def test_a_ledger_without_payment_dates_leaves_payment_to_the_mail() -> None:
    untracked = LedgerInvoice("A-1", datetime(2026, 11, 1), datetime(2026, 11, 5), None, False)
    card = score_client("C", [], WINDOW, WT, ledger=[untracked])
    assert not card.sign("late_payment").fired
    assert card.sign("late_payment").evidence == ()


def test_late_payments_give_the_average_days_for_the_pareto_view() -> None:
    ledger = [_ledger("A-1", 1, 5, 15), _ledger("A-2", 2, 6, 26), _ledger("A-3", 3, 9, 8)]
    card = score_client("C", [], WINDOW, WT, ledger=ledger)
    assert paid_late_days(card) == 15.0  # (10 + 20) / 2; A-3 was paid on time
    notes = [e.note for e in card.sign("late_payment").evidence]
    assert "invoice A-2: paid 20 days after its due date (from your ledger)" in notes


def test_a_mail_invoice_without_a_number_is_the_ledger_invoice_issued_beside_it() -> None:
    mails = [_mail(1, "out", 3, "November", "Please find attached my invoice for November.")]
    invoices = link_invoices(payment_events(mails), WINDOW.end, 8)
    merged = with_ledger(invoices, [_ledger("2026/0112", 2, 10, None)], WINDOW.end, 8)
    assert [(s.mail_id, s.number, s.paid_known) for s in merged] == [(1, "2026/0112", True)]
    assert merged[0].overdue_days == (date(2026, 11, 30) - date(2026, 11, 10)).days


def test_ledger_invoices_issued_after_the_window_are_not_counted() -> None:
    later = _ledger("A-9", 20, 25, None)
    card = score_client("C", [], Window(NOV, datetime(2026, 11, 15)), WT, ledger=[later])
    assert card.sign("late_payment").measures["ledger_invoices"] == 0


# --- the demo ---------------------------------------------------------------------------------


def test_the_demo_flags_late_payment_on_one_client_with_the_ledger_as_evidence(
    tmp_path: Path,
) -> None:
    import io

    from inboxwatch.app.demo import run_demo, write_demo_config
    from inboxwatch.reporting.build import build_report
    from inboxwatch.reporting.render import render_json

    out = io.StringIO()
    assert run_demo(tmp_path / "demo.db", out) == 0
    assert "ledger.csv: 10 invoices read (utf-8, ';'-separated); 10 new" in out.getvalue()
    _, config = write_demo_config(tmp_path / "demo.db")
    with Store.open(config.database_url) as store:
        report = render_json(build_report(config, store, date(2026, 11, 13)))
    clients = {c["name"]: c for c in report["clients"]}
    fired = {name for name, c in clients.items() if "late_payment" in c["fired"]}
    assert fired == {"Napfény Bt."}  # the other four pay on time, by the ledger
    napfeny = clients["Napfény Bt."]
    sign = next(s for s in napfeny["signs"] if s["name"] == "late_payment")
    notes = [e["note"] for e in sign["evidence"]]
    assert notes.count("payment reminder you sent (invoice 2026/0087)") == 2
    assert "promise to pay later" in notes
    assert "invoice 2026/0112: 3 days overdue, unpaid (from your ledger)" in notes
    assert "invoice 2026/0087: paid 24 days after its due date (from your ledger)" in notes
    assert napfeny["paid_late_days"] == 24
    assert [c["paid_late_days"] for n, c in clients.items() if n != "Napfény Bt."] == [None] * 4
    assert all(e["message_id"] > 0 for e in sign["evidence"])  # every invoice is in the mail


def test_forget_deletes_the_clients_ledger_invoices_too(store: Store, tmp_path: Path) -> None:
    from inboxwatch.storage.retention import client_data, forget_client

    import_ledger(_write(tmp_path, "hu.csv", HU_LEDGER), store, CLIENTS, {})
    import_ledger(_write(tmp_path, "en.csv", EN_LEDGER), store, CLIENTS, {})
    assert client_data(store, "Acme Kft.", ["@acme.example"]).invoices == 2
    deleted = forget_client(store, "Acme Kft.", ["@acme.example"])
    assert deleted.invoices == 2
    assert "and 2 invoices of your ledger" in deleted.line("Acme Kft.", deleted=True)
    assert {i.client for i in load_invoices(store)} == {"Globex"}


def test_settled_invoices_from_before_the_window_are_left_out() -> None:
    old = [
        LedgerInvoice(f"2024/{n}", datetime(2024, 3, n), datetime(2024, 3, n + 8), None, True)
        for n in range(1, 4)
    ]
    old = [dataclasses.replace(e, paid=datetime(2024, 3, 20)) for e in old]
    unpaid = LedgerInvoice("2025/9", datetime(2025, 1, 9), datetime(2025, 1, 17), None, True)
    card = score_client("C", [], WINDOW, WT, ledger=[*old, unpaid])
    sign = card.sign("late_payment")
    assert sign.measures["ledger_invoices"] == 1  # the one still unpaid
    assert sign.fired and sign.measures["max_days_overdue"] > 600


def test_a_mapped_column_is_not_also_read_as_its_usual_field() -> None:
    text = "Sorszám;Vevő;Kelte\n7;Acme Kft.;2026.11.20\n"
    ledger = read_ledger(text.encode(), "x.csv", parse_mapping(["due=kelte"]))
    assert ledger.columns == {"number": "Sorszám", "client": "Vevő", "due": "Kelte"}
    assert (ledger.rows[0].issued, ledger.rows[0].due) == (None, date(2026, 11, 20))
