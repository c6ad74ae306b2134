"""The same mail in several folders is one message to the report, on a real Dovecot.

Users file client mail into folders and keep a copy in INBOX; Gmail shows every label as a
folder, and ``[Gmail]/All Mail`` holds everything, Sent mail included. Every copy is stored
(once per folder), but signs, shares and answer times count each message once: by its
Message-ID, or by its content hash when it has none.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from email.utils import format_datetime
from pathlib import Path

from inboxwatch.analysis.scoring import Scorecard
from inboxwatch.config import parse_config
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.ingest.sync import Backoff, sync_account
from inboxwatch.reporting.build import build_report, latest_message_day
from inboxwatch.storage.store import Store, utcnow
from tests.conftest import TEST_CONFIG
from tests.dovecot import MailUser, make_message

ALL_MAIL = "All Mail"


def _message(i: int, minutes: int, **kwargs: object) -> bytes:
    """make_message(i) dated *minutes* after 21:30 UTC two days ago (after hours in
    Budapest, so the after-hours sign fires and lists its evidence)."""
    base = (utcnow() - timedelta(days=2)).replace(hour=21, minute=30, second=0, microsecond=0)
    raw = make_message(i, subject=f"Task {i}", **kwargs)  # type: ignore[arg-type]
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.startswith(b"Date: ")]
    when = format_datetime((base + timedelta(minutes=minutes)).replace(tzinfo=UTC))
    return b"\r\n".join([*lines, f"Date: {when}".encode()]) + b"\r\n\r\n" + body


def _reply(i: int, to: bytes, minutes: int) -> bytes:
    message_id = next(line for line in to.split(b"\r\n") if line.startswith(b"Message-ID: "))
    raw = _message(i, minutes, sender="anna@assist.example", to="boss@acme.example")
    parent = message_id.partition(b": ")[2]
    return raw.replace(
        b"\r\nMIME-Version:", b"\r\nIn-Reply-To: " + parent + b"\r\nMIME-Version:", 1
    )


def _mailbox() -> tuple[list[bytes], list[bytes], list[bytes]]:
    """(client mail filed in two folders, client mail only in INBOX, my replies)."""
    filed = [_message(i, 5 * i) for i in range(7)] + [_message(7, 35, message_id=None)]
    # Two different messages that share a Message-ID are two messages, not copies.
    shared = [_message(8 + i, 40 + i, message_id="<same@acme.example>") for i in range(2)]
    replies = [_reply(20 + i, filed[i], 600 + 30 * i) for i in range(4)]
    return filed, shared, replies


def _sync(user: MailUser, store: Store, ctx: IngestContext, folders: tuple[str, ...]) -> None:
    account = user.account(folders=folders)
    report = sync_account(account, "secret", store, ctx, backoff=Backoff(sleep=lambda _s: None))
    assert all(f.error is None for f in report.folders), report.lines()


def _card(store: Store, tmp_path: Path) -> Scorecard:
    config = parse_config(
        {**TEST_CONFIG, "database": {"url": "sqlite://"}}, str(tmp_path / "config.toml")
    )
    day = latest_message_day(config, store)
    assert day is not None
    report = build_report(config, store, day)
    return next(c for c in report.clients if c.name == "Acme Kft.").card


def _figures(card: Scorecard) -> tuple[object, ...]:
    """Everything the report says about a client but the database ids of its evidence."""
    signs = [
        (s.name, s.value, s.fired, [(e.date, e.subject) for e in s.evidence]) for s in card.signs
    ]
    return card.incoming, card.outgoing, card.score, card.my_median_reply_hours, signs


def test_mail_in_several_folders_counts_once(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext, tmp_path: Path
) -> None:
    filed, shared, replies = _mailbox()
    dovecot.seed(filed + shared)
    dovecot.seed(filed, folder="Archive")
    dovecot.seed(replies, folder="Sent")
    dovecot.seed(filed + shared + replies, folder=ALL_MAIL)  # Gmail: everything, Sent too
    _sync(dovecot, store, ingest_ctx, ("INBOX", "Archive", ALL_MAIL))
    assert store.count_messages() == 10 + 8 + 4 + 14  # every copy is stored

    card = _card(store, tmp_path)
    assert (card.incoming, card.outgoing) == (10, 4)
    after_hours = card.sign("after_hours")
    assert after_hours.fired
    assert sorted(e.subject for e in after_hours.evidence) == sorted(
        f"Task {i}" for i in range(10)
    )  # each message once

    # The same figures as a mailbox holding one copy of each message.
    single = Store.open(f"sqlite:///{tmp_path / 'single.db'}")
    try:
        _sync(dovecot, single, ingest_ctx, ("INBOX",))
        assert single.count_messages() == 10 + 4
        assert _figures(_card(single, tmp_path)) == _figures(card)
    finally:
        single.close()
