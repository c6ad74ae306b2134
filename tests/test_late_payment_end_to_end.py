"""late_payment end to end: mail seeded into a real Dovecot (INBOX and Sent), fetched by
``inboxwatch poll --once``, judged by ``inboxwatch report --format json``.

Two clients with two invoices each: Hungarian Lassú Kft. pays late (three reminders in Sent,
a "jövő héten utaljuk" promise, one invoice never confirmed); English Prompt Ltd confirms
each payment within the payment terms. Then the same with a ledger CSV imported by
``inboxwatch invoices import``, in Hungarian and in English: the ledger's unpaid invoice is
in the evidence, and a payer on time by the ledger is not flagged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.dovecot import MailUser
from tests.smtpserver import SmtpServer, smtp_server
from tests.tools.service_env import ME, cli_env, run_cli, write_config

BUDAPEST = ZoneInfo("Europe/Budapest")
REPORT_DAY = "2026-11-27"
CLIENTS: list[dict[str, Any]] = [
    {"name": "Lassú Kft.", "addresses": ["@lassu.example"], "payment_terms_days": 8},
    {"name": "Prompt Ltd", "addresses": ["@prompt.example"]},
]


def _mail(sender: str, to: str, day: int, subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(datetime(2026, 11, day, 10, tzinfo=BUDAPEST))
    message["Message-ID"] = f"<{abs(hash((sender, day, subject)))}@test.example>"
    message.set_content(body)
    return bytes(message)


def _seed(dovecot: MailUser) -> None:
    hu, en = "peter@lassu.example", "tom@prompt.example"
    sent = [
        _mail(ME, hu, 2, "Számla 2026/0101", "Kedves Péter!\n\nMellékelten küldöm a számlát."),
        _mail(ME, hu, 3, "Számla 2026/0102", "Kedves Péter!\n\nMellékelten küldöm a számlát."),
        _mail(
            ME,
            hu,
            12,
            "Fizetési emlékeztető",
            "Kedves Péter!\n\nA 2026/0101 számú számla még nincs kiegyenlítve.",
        ),
        _mail(
            ME,
            hu,
            18,
            "Fizetési emlékeztető 2026/0101",
            "Kedves Péter!\n\nKérlek, "
            "utald el a 2026/0101 számú számlát, a fizetési határidő lejárt.",
        ),
        _mail(
            ME,
            hu,
            25,
            "Fizetési emlékeztető 2026/0101",
            "Kedves Péter!\n\nA 2026/0101 számú számla még mindig nincs kiegyenlítve.",
        ),
        _mail(ME, en, 2, "Invoice 2026/0103", "Hi Tom,\n\nplease find attached my invoice."),
        _mail(ME, en, 3, "Invoice 2026/0104", "Hi Tom,\n\nplease find attached my invoice."),
    ]
    inbox = [
        _mail(hu, ME, 5, "Re: Számla 2026/0102", "Szia Anna!\n\nA számlát kiegyenlítettük."),
        _mail(
            hu,
            ME,
            13,
            "Re: Fizetési emlékeztető",
            "Szia Anna!\n\nSajnos csak a jövő héten utaljuk, bocsánat.",
        ),
        _mail(en, ME, 6, "Re: Invoice 2026/0103", "Hi Anna,\n\nwe have paid it today."),
        _mail(en, ME, 9, "Re: Invoice 2026/0104", "Hi Anna,\n\nthe payment was sent."),
    ]
    dovecot.seed(inbox)
    dovecot.seed(sent, folder="Sent", flags="S")


def _sign(report: dict[str, Any], client: str) -> dict[str, Any]:
    entry = _entry(report, client)
    return next(s for s in entry["signs"] if s["name"] == "late_payment")


def _entry(report: dict[str, Any], client: str) -> dict[str, Any]:
    return next(c for c in report["clients"] if c["name"] == client)


def test_a_hungarian_late_payer_is_flagged_and_an_english_on_time_payer_is_not(
    tmp_path: Path, database_url: str, dovecot: MailUser
) -> None:
    _seed(dovecot)
    smtp: SmtpServer
    with smtp_server() as smtp:
        config = write_config(
            tmp_path / "inboxwatch.toml",
            database_url=database_url,
            mailbox=dovecot,
            smtp=smtp,
            clients=CLIENTS,
        )
        env = cli_env(dovecot)
        poll = run_cli(config, "poll", "--once", env=env)
        assert poll.returncode == 0, poll.stderr
        result = run_cli(config, "report", "--format", "json", "--date", REPORT_DAY, env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    late = _sign(report, "Lassú Kft.")
    assert late["fired"] is True and late["value"] == 3
    notes = [e["note"] for e in late["evidence"]]
    assert notes.count("payment reminder you sent (invoice 2026/0101)") == 3
    assert "promise to pay later" in notes
    due = datetime(2026, 11, 10, 10, tzinfo=BUDAPEST)
    days = (datetime(2026, 11, 28, tzinfo=BUDAPEST) - due) / timedelta(days=1)
    assert f"invoice 2026/0101: {days:.0f} days overdue, no payment confirmed" in notes

    on_time = _sign(report, "Prompt Ltd")
    assert on_time["fired"] is False and on_time["value"] == 0
    assert on_time["evidence"] == []


# --- with a ledger: `inboxwatch invoices import`, then the report ----------------------------


# Per language: the late payer's and the on-time payer's mail, and a ledger CSV written the
# way that country's Excel writes it. Each client has two invoices; the late payer got three
# reminders about the first, promised to pay "next week", and has it unpaid in the ledger
# (the second was paid 12 days late, with no word in the mail); the on-time payer paid both
# before their due dates and never said so in the mail.
@dataclass(frozen=True)
class LedgerCase:
    """One language: (client, address, first and second invoice number) of the late and
    the on-time payer, the subject and body of each kind of mail, and the ledger's CSV."""

    late: tuple[str, str, str, str]
    on_time: tuple[str, str, str, str]
    invoice: tuple[str, str]
    reminder: tuple[str, str]
    promise: tuple[str, str]
    encoding: str
    header: str
    row: str
    paid: str


LEDGER_CASES = {
    "hu": LedgerCase(
        late=("Lassú Kft.", "peter@lassu.example", "2026/0101", "2026/0102"),
        on_time=("Pontos Bt.", "eva@pontos.example", "2026/0201", "2026/0202"),
        invoice=("Számla {n}", "Kedves Partner!\n\nMellékelten küldöm a számlát."),
        reminder=(
            "Fizetési emlékeztető {n}",
            "Kedves Péter!\n\nA {n} számú számla még nincs kiegyenlítve.",
        ),
        promise=("Re: Fizetési emlékeztető", "Szia Anna!\n\nCsak a jövő héten utaljuk."),
        encoding="cp1250",
        header="Sorszám;Vevő neve;Kelte;Fizetési határidő;Kifizetés dátuma;Bruttó összeg\n",
        row="{n};{client};2026. 11. {i:02d}.;2026. 11. {d:02d}.;{p};150 000 Ft\n",
        paid="2026. 11. {p:02d}.",
    ),
    "en": LedgerCase(
        late=("Slow Ltd", "sam@slow.example", "INV-101", "INV-102"),
        on_time=("Prompt Ltd", "tom@prompt.example", "INV-201", "INV-202"),
        invoice=("Invoice {n}", "Hi,\n\nplease find attached my invoice."),
        reminder=(
            "Payment reminder: invoice {n}",
            "Hi Sam,\n\nfriendly reminder: invoice {n} is overdue.",
        ),
        promise=("Re: Payment reminder", "Hi Anna,\n\nsorry, we'll transfer it next week."),
        encoding="utf-8-sig",
        header="Invoice number,Client,Issue date,Due date,Paid date,Amount\n",
        row='{n},{client},2026-11-{i:02d},2026-11-{d:02d},{p},"1,500.00"\n',
        paid="2026-11-{p:02d}",
    ),
}

# (issue day, due day, paid day or None) of each client's two invoices in November
LEDGER_DAYS = {"late": ((2, 10, None), (3, 11, 23)), "on_time": ((2, 10, 6), (3, 11, 9))}


def _ledger_mail(case: LedgerCase) -> tuple[list[bytes], list[bytes]]:
    sent, inbox = [], []
    for _, address, *numbers in (case.late, case.on_time):
        for day, number in zip((2, 3), numbers, strict=True):
            sent.append(_mail(ME, address, day, case.invoice[0].format(n=number), case.invoice[1]))
    _, late, first, _ = case.late
    subject, body = case.reminder
    for day in (12, 18, 25):
        sent.append(_mail(ME, late, day, subject.format(n=first), body.format(n=first)))
    inbox.append(_mail(late, ME, 13, *case.promise))
    return sent, inbox


def _ledger_csv(case: LedgerCase, path: Path) -> Path:
    text = case.header
    for who, (client, _, *numbers) in (("late", case.late), ("on_time", case.on_time)):
        for number, (issued, due, paid) in zip(numbers, LEDGER_DAYS[who], strict=True):
            shown = "" if paid is None else case.paid.format(p=paid)
            text += case.row.format(n=number, client=client, i=issued, d=due, p=shown)
    path.write_bytes(text.encode(case.encoding))
    return path


@pytest.mark.parametrize("language", sorted(LEDGER_CASES))
def test_a_late_payer_in_the_ledger_is_flagged_and_an_on_time_payer_is_not(
    tmp_path: Path, database_url: str, dovecot: MailUser, language: str
) -> None:
    case = LEDGER_CASES[language]
    late, on_time = case.late[0], case.on_time[0]
    sent, inbox = _ledger_mail(case)
    dovecot.seed(inbox)
    dovecot.seed(sent, folder="Sent", flags="S")
    clients = [
        {"name": name, "addresses": [f"@{address.partition('@')[2]}"], "payment_terms_days": 8}
        for name, address, *_ in (case.late, case.on_time)
    ]
    with smtp_server() as smtp:
        config = write_config(
            tmp_path / "inboxwatch.toml",
            database_url=database_url,
            mailbox=dovecot,
            smtp=smtp,
            clients=clients,
        )
        env = cli_env(dovecot)
        assert run_cli(config, "poll", "--once", env=env).returncode == 0
        ledger = _ledger_csv(case, tmp_path / "ledger.csv")
        imported = run_cli(config, "invoices", "import", str(ledger), env=env)
        assert imported.returncode == 0, imported.stderr
        assert "4 invoices read" in imported.stdout and "4 new" in imported.stdout
        result = run_cli(config, "report", "--format", "json", "--date", REPORT_DAY, env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    first, second = case.late[2:]
    sign = _sign(report, late)
    assert sign["fired"] is True and sign["value"] == 3
    notes = [e["note"] for e in sign["evidence"]]
    assert notes.count(f"payment reminder you sent (invoice {first})") == 3
    assert "promise to pay later" in notes
    overdue = (date(2026, 11, 27) - date(2026, 11, 10)).days  # unpaid in the ledger
    assert f"invoice {first}: {overdue} days overdue, unpaid (from your ledger)" in notes
    assert f"invoice {second}: paid 12 days after its due date (from your ledger)" in notes
    assert sign["measures"]["ledger_invoices"] == 2
    assert _entry(report, late)["paid_late_days"] == 12

    quiet = _sign(report, on_time)
    assert quiet["fired"] is False and quiet["value"] == 0 and quiet["evidence"] == []
    assert quiet["measures"]["ledger_invoices"] == 2
    assert _entry(report, on_time)["paid_late_days"] is None


# --- an invoice sent only as a PDF attachment --------------------------------------------------


def test_an_invoice_sent_as_a_pdf_named_like_one_is_read_from_the_attachment_name(
    tmp_path: Path, dovecot: MailUser
) -> None:
    """The mail says nothing but "here it is"; the PDF's name says what it is and its number,
    so the reminders after the due date make that invoice overdue."""
    client = "peter@lassu.example"
    invoice = EmailMessage()
    invoice["From"], invoice["To"], invoice["Subject"] = ME, client, "November"
    invoice["Date"] = format_datetime(datetime(2026, 11, 2, 10, tzinfo=BUDAPEST))
    invoice["Message-ID"] = "<pdf-invoice@test.example>"
    invoice.set_content("Szia Péter!\n\nKüldöm, köszönöm.")
    invoice.add_attachment(
        b"%PDF-1.4 not really",
        maintype="application",
        subtype="pdf",
        filename="Szamla_2026-0112.pdf",
    )
    reminders = [
        _mail(ME, client, day, "Fizetési emlékeztető", "Kedves Péter!\n\nKérlek, utald el.")
        for day in (12, 18, 25)
    ]
    dovecot.seed([bytes(invoice), *reminders], folder="Sent", flags="S")
    with smtp_server() as smtp:
        config = write_config(
            tmp_path / "inboxwatch.toml",
            database_url=f"sqlite:///{tmp_path / 'iw.db'}",
            mailbox=dovecot,
            smtp=smtp,
            clients=CLIENTS[:1],
        )
        env = cli_env(dovecot)
        poll = run_cli(config, "poll", "--once", env=env)
        assert poll.returncode == 0, poll.stderr
        result = run_cli(config, "report", "--format", "json", "--date", REPORT_DAY, env=env)
    assert result.returncode == 0, result.stderr
    late = _sign(json.loads(result.stdout), "Lassú Kft.")
    assert late["fired"] is True
    notes = [e["note"] for e in late["evidence"]]
    assert any(n.startswith("invoice 2026-0112: ") and "days overdue" in n for n in notes), notes
