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
    return SmtpConfig(
        host="127.0.0.1",
        port=port,
        security="none",
        username=username,
        password_env=None,
        password_command=None,
        from_addr="anna@assist.example",
        timeout_seconds=5,
    )


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
        assert (
            deliver_pending(store, smtp_config(server.port, "anna"), "right", now=later).sent == 1
        )
    assert len(server.box.received) == 1
    store.close()


def test_server_down_keeps_the_mail_queued(tmp_path: Path) -> None:
    from tests.smtpserver import free_port

    store = Store.open(f"sqlite:///{tmp_path / 'iw.db'}")
    enqueue(store, "k1", alert())
    report = deliver_pending(store, smtp_config(free_port()))
    assert report.pending == 1 and "cannot reach SMTP server" in report.errors[0]
    store.close()


def _outbox_rows(store: Store) -> list[tuple[str, int]]:
    from sqlalchemy import select

    from inboxwatch.storage.schema import outbox

    with store.transaction() as conn:
        return [
            (r.status, r.attempts) for r in conn.execute(select(outbox.c.status, outbox.c.attempts))
        ]


def test_two_senders_at_once_deliver_a_slow_mail_once(store: Store) -> None:
    """Issue 12, item 4: the report job and the outbox job both sent one row while a slow
    server took its time; the row is claimed by one sender before it is sent."""
    from concurrent.futures import ThreadPoolExecutor

    with smtp_server() as server:
        server.box.slow_seconds = 2.0
        enqueue(store, "daily-report:2026-12-07", alert())
        with ThreadPoolExecutor(2) as pool:
            reports = list(
                pool.map(lambda _: deliver_pending(store, smtp_config(server.port)), range(2))
            )
    assert sorted(r.sent for r in reports) == [0, 1]
    assert server.box.data_started == 1  # the second sender never began a session's DATA
    assert len(server.box.received) == 1
    assert _outbox_rows(store) == [("sent", 1)]


def test_a_claim_left_by_a_dead_sender_is_taken_again_after_its_timeout(store: Store) -> None:
    from inboxwatch.reporting import mailer

    with smtp_server() as server:
        enqueue(store, "k1", alert())
        now = utcnow()
        # a sender claimed the row and died before sending (SIGKILL, power cut)
        assert mailer._claim(store, 1, 0, now) == 1
        assert _outbox_rows(store) == [("sending", 1)]
        assert deliver_pending(store, smtp_config(server.port), now=now).sent == 0
        later = now + timedelta(seconds=mailer.CLAIM_SECONDS + 1)
        assert deliver_pending(store, smtp_config(server.port), now=later).sent == 1
    assert len(server.box.received) == 1
    assert _outbox_rows(store) == [("sent", 2)]


def test_a_non_ascii_password_logs_in_as_utf8(tmp_path: Path) -> None:
    """smtplib alone raises UnicodeEncodeError on such a password; it goes as UTF-8."""
    store = Store.open(f"sqlite:///{tmp_path / 'iw.db'}")
    with smtp_server(user="anna", password="jelszó-ő€") as server:
        enqueue(store, "k1", alert())
        wrong = deliver_pending(store, smtp_config(server.port, "anna"), "jelszó-x")
        assert (wrong.sent, wrong.pending) == (0, 1)
        assert "refused the login for anna" in wrong.errors[0]
        assert "jelsz" not in wrong.errors[0]
        later = utcnow() + timedelta(minutes=5)
        right = deliver_pending(store, smtp_config(server.port, "anna"), "jelszó-ő€", now=later)
        assert right.sent == 1
    assert len(server.box.received) == 1
    store.close()
