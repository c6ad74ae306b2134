"""End to end, as a user runs it: real Dovecot, real SMTP (aiosmtpd), the real CLI.

The mailbox is the bundled sample (data/sample) without the complainer Napfény Bt.: a good
client with lots of mail (Brightside Studio), a quiet good one (Green Leaf Ltd), an
"everything urgent and after hours" client (Acme Kft.), a flooder of vague one-liners (Pixel &
Co), a few non-client messages, and Anna's replies in Sent. Seeded into Dovecot (INBOX and
Sent), fetched by ``inboxwatch poll --once``, judged by ``inboxwatch report`` for the sample's
last day, and mailed by ``report --send`` while the SMTP server refuses the first attempt.
Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from inboxwatch.app.cli import EXIT_TEMPFAIL
from inboxwatch.config import load_config
from inboxwatch.reporting.mailer import deliver_pending
from inboxwatch.storage.schema import messages, outbox
from inboxwatch.storage.store import Store, utcnow
from tests.dovecot import MailUser
from tests.smtpserver import SmtpServer, smtp_server
from tests.tools.service_env import (
    assert_alert_mail,
    cli_env,
    correspondents,
    received_messages,
    run_cli,
    sample_messages,
    write_config,
)

REPORT_DAY = "2026-11-13"  # the sample mailbox's last day (a Friday)
LEFT_OUT = "napfeny.example"  # the complainer: the mailbox has two difficult clients
DIFFICULT = {"Acme Kft.", "Pixel & Co"}
GOOD = {"Brightside Studio", "Green Leaf Ltd"}
DOMAINS = {
    "Acme Kft.": "acme.example",
    "Pixel & Co": "pixelco.example",
    "Brightside Studio": "brightside.example",
    "Green Leaf Ltd": "greenleaf.example",
}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def seeded(dovecot: MailUser) -> dict[str, dict[str, str]]:
    """The sample mailbox (minus one client) in Dovecot; returns folder → Message-ID (no <>) →
    the correspondents' domain."""
    seeded: dict[str, dict[str, str]] = {"INBOX": {}, "Sent": {}}
    by_folder: dict[str, list[bytes]] = {"INBOX": [], "Sent": []}
    for folder, raw in sample_messages():
        domains = correspondents(raw)
        if LEFT_OUT in domains:
            continue
        by_folder[folder].append(raw)
        message_id = str(message_from_bytes(raw)["Message-ID"]).strip().strip("<>")
        seeded[folder][message_id] = ",".join(sorted(domains))
    dovecot.seed(by_folder["INBOX"])
    dovecot.seed(by_folder["Sent"], folder="Sent", flags="S")
    return seeded


@pytest.fixture
def config(tmp_path: Path, database_url: str, dovecot: MailUser, smtp: SmtpServer) -> Path:
    return write_config(
        tmp_path / "inboxwatch.toml", database_url=database_url, mailbox=dovecot, smtp=smtp
    )


def _db_rows(database_url: str, ids: set[int]) -> dict[int, Any]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    messages.c.id,
                    messages.c.client,
                    messages.c.subject,
                    messages.c.date_utc,
                    messages.c.message_id,
                    messages.c.folder,
                ).where(messages.c.id.in_(ids))
            ).all()
    finally:
        engine.dispose()
    return {row.id: row for row in rows}


def _assert_evidence_is_real(
    report: dict[str, Any], database_url: str, seeded: dict[str, dict[str, str]]
) -> None:
    """Every evidence item of a flagged client is a stored message of that client, with its
    real subject and date, fetched from the mailbox we seeded."""
    clients = {c["name"]: c for c in report["clients"]}
    for name in DIFFICULT:
        evidence = [e for s in clients[name]["signs"] if s["fired"] for e in s["evidence"]]
        assert evidence, f"{name}: fired signs without evidence"
        rows = _db_rows(database_url, {e["message_id"] for e in evidence})
        for item in evidence:
            row = rows.get(item["message_id"])
            assert row is not None, f"{name}: evidence {item} is not a stored message"
            assert row.client == name
            assert item["subject"] == row.subject
            assert item["date"] == row.date_utc.replace(microsecond=0).isoformat() + "Z"
            assert DOMAINS[name] in seeded[row.folder][row.message_id]


def _assert_difficult_clients(report: dict[str, Any]) -> None:
    clients = {c["name"]: c for c in report["clients"]}
    acme, pixel = clients["Acme Kft."], clients["Pixel & Co"]
    assert {"everything_urgent", "after_hours"} <= set(acme["fired"])
    assert {"low_content_flood", "vague_requests"} & set(pixel["fired"])
    for name in DIFFICULT:
        assert name in report["flagged"]
        assert clients[name]["flagged"] and clients[name]["score"] >= report["alert_threshold"]
        assert clients[name]["suggestions"], f"{name}: flagged without advice"


def _assert_good_clients_not_flagged(report: dict[str, Any]) -> None:
    clients = {c["name"]: c for c in report["clients"]}
    for name in GOOD:
        assert clients[name]["incoming"] > 0  # judged on real mail, not on an empty window
        fired = [s for s in clients[name]["signs"] if s["fired"]]
        assert not clients[name]["flagged"], (
            f"good client {name} flagged: {[s['name'] for s in fired]} on "
            f"{[e['subject'] for s in fired for e in s['evidence']]}"
        )
    assert set(report["flagged"]) == DIFFICULT, f"flagged: {report['flagged']}"


def test_mailbox_to_report_to_alert_mail(
    database_url: str,
    config: Path,
    dovecot: MailUser,
    seeded: dict[str, dict[str, str]],
    smtp: SmtpServer,
) -> None:
    env = cli_env(dovecot)
    poll = run_cli(config, "poll", "--once", env=env)
    assert poll.returncode == 0, poll.stderr
    status = run_cli(config, "status", "--format", "json", env=env)
    stored = {f["folder"]: f["stored"] for f in json.loads(status.stdout)["folders"]}
    assert stored == {folder: len(ids) for folder, ids in seeded.items()}

    result = run_cli(config, "report", "--format", "json", "--date", REPORT_DAY, env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    _assert_difficult_clients(report)
    _assert_evidence_is_real(report, database_url, seeded)

    # The first attempt is refused (451): the alert stays queued, nothing arrives.
    smtp.box.refuse_next = 1
    first = run_cli(config, "report", "--date", REPORT_DAY, "--send", env=env)
    assert first.returncode == EXIT_TEMPFAIL, first.stderr  # not sent yet: retry later
    assert "Acme Kft." in first.stdout  # the text report is printed too
    assert "sent 0, pending 1" in first.stdout
    assert "not delivered yet: SMTP server 127.0.0.1" in first.stderr and "451" in first.stderr
    assert smtp.box.received == []
    # Asking again the same day queues nothing new, and the retry is not due yet.
    again = run_cli(config, "report", "--date", REPORT_DAY, "--send", env=env)
    assert "alert e-mail already queued today; sent 0" in again.stdout
    assert again.returncode == EXIT_TEMPFAIL and "stays queued" in again.stderr
    assert smtp.box.received == []

    # The outbox retry, a minute later (what the service's outbox job does every minute).
    smtp_config = load_config(config).smtp
    assert smtp_config is not None
    store = Store.open(database_url)
    try:
        retried = deliver_pending(store, smtp_config, None, now=utcnow() + timedelta(minutes=2))
        later = deliver_pending(store, smtp_config, None, now=utcnow() + timedelta(hours=3))
        with store.transaction() as conn:
            rows = conn.execute(select(outbox.c.status, outbox.c.attempts, outbox.c.mime)).all()
    finally:
        store.close()
    assert (retried.sent, retried.pending, later.sent) == (1, 0, 0)
    delivered = run_cli(config, "report", "--date", REPORT_DAY, "--send", env=env)
    assert delivered.returncode == 0 and "already queued today; sent 0" in delivered.stdout

    assert len(smtp.box.received) == 1  # exactly once, despite the refusal and the re-runs
    assert [(r.status, r.attempts) for r in rows] == [("sent", 2)]
    mail = received_messages(smtp)[0]
    queued_id = message_from_bytes(rows[0].mime)["Message-ID"]
    assert str(mail["Message-ID"]).split() == str(queued_id).split()  # the same mail, retried
    assert smtp.box.received[0][1] == ["anna@assist.example"]
    assert mail["Auto-Submitted"] == "auto-generated"  # no out-of-office replies to it
    assert_alert_mail(mail, min_charts=len(DIFFICULT), mentions=sorted(DIFFICULT))

    # Last, the report's own checks: the alert was queued, and good clients are not flagged.
    assert "alert e-mail queued; sent 0, pending 1" in first.stdout, first.stdout[-300:]
    _assert_good_clients_not_flagged(report)
