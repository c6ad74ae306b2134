"""The alert outbox against a real SMTP server: retried until delivered, exactly once."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path

from inboxwatch.config import SmtpConfig
from inboxwatch.reporting.mailer import deliver_pending, enqueue
from inboxwatch.storage.store import Store, utcnow
from tests.smtpserver import smtp_server


def alert(subject: str = "inboxwatch: 2 clients need attention") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "inboxwatch <anna@assist.example>"
    msg["To"] = "anna@assist.example"
    msg["Subject"] = subject
    msg.set_content("Acme Kft. crossed the threshold.")
    return msg


def smtp_config(port: int, username: str | None = None) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, security="none", username=username,
                      password_env=None, password_command=None,
                      from_addr="anna@assist.example", timeout_seconds=5)


def test_refused_first_attempt_is_retried_and_delivered_once(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'iw.db'}")
    with smtp_server() as server:
        server.box.refuse_next = 1
        assert enqueue(store, "daily-report:2026-11-13", alert()) is True
        assert enqueue(store, "daily-report:2026-11-13", alert()) is False  # same day: once
        first = deliver_pending(store, smtp_config(server.port))
        assert (first.sent, first.pending) == (0, 1)
        assert "451" in first.errors[0]
        # not due yet: nothing is retried before the backoff has passed
        assert deliver_pending(store, smtp_config(server.port)).sent == 0
        later = utcnow() + timedelta(minutes=5)
        second = deliver_pending(store, smtp_config(server.port), now=later)
        assert second.sent == 1
        assert deliver_pending(store, smtp_config(server.port), now=later).sent == 0
    assert len(server.box.received) == 1
    _sender, rcpts, data = server.box.received[0]
    assert rcpts == ["anna@assist.example"]
    assert message_from_bytes(data)["Subject"] == "inboxwatch: 2 clients need attention"
    store.close()


def test_refused_login_stays_pending_with_a_clear_error(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'iw.db'}")
    with smtp_server(user="anna", password="right") as server:
        enqueue(store, "k1", alert())
        report = deliver_pending(store, smtp_config(server.port, "anna"), "wrong")
        assert report.sent == 0 and report.pending == 1
        assert "refused the login for anna" in report.errors[0]
        assert "wrong" not in report.errors[0]
        later = utcnow() + timedelta(minutes=5)
        assert deliver_pending(store, smtp_config(server.port, "anna"), "right",
                               now=later).sent == 1
    assert len(server.box.received) == 1
    store.close()


def test_server_down_keeps_the_mail_queued(tmp_path: Path) -> None:
    from tests.smtpserver import free_port

    store = Store.open(f"sqlite:///{tmp_path / 'iw.db'}")
    enqueue(store, "k1", alert())
    report = deliver_pending(store, smtp_config(free_port()))
    assert report.pending == 1 and "cannot reach SMTP server" in report.errors[0]
    store.close()
