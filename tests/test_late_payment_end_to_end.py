"""late_payment end to end: mail seeded into a real Dovecot (INBOX and Sent), fetched by
``inboxwatch poll --once``, judged by ``inboxwatch report --format json``.

Two clients with two invoices each: Hungarian Lassú Kft. pays late (three reminders in Sent,
a "jövő héten utaljuk" promise, one invoice never confirmed); English Prompt Ltd confirms
each payment within the payment terms.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.dovecot import MailUser
from tests.smtpserver import SmtpServer, smtp_server
from tests.tools.service_env import ME, cli_env, run_cli, write_config

BUDAPEST = ZoneInfo("Europe/Budapest")
REPORT_DAY = "2026-11-27"
CLIENTS = [
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


def _sign(report: dict[str, object], client: str) -> dict[str, object]:
    clients = report["clients"]
    assert isinstance(clients, list)
    entry = next(c for c in clients if c["name"] == client)
    return next(s for s in entry["signs"] if s["name"] == "late_payment")


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
