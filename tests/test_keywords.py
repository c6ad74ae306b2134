"""Tags and reply suggestions written as IMAP keywords, on a real Dovecot (allow_write).

One mailbox, three client messages (one already read, one with the user's own keyword):
the first pass adds exactly our keywords; a second pass stores nothing; a correction with
`label` moves the keyword; an answer removes the reply keyword; \\Seen and the user's own
keyword never change. With writing off, inboxwatch does not even connect.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from inboxwatch.app.keywords import write_keywords
from inboxwatch.config import AccountConfig, Config, parse_config
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.ingest.sync import Backoff, sync_account
from inboxwatch.storage.schema import messages
from inboxwatch.storage.store import Store, record_correction
from tests.conftest import TEST_CONFIG
from tests.dovecot import MailUser, make_message
from tests.netproxy import NetProxy

PASSWORD = "secret"
# make_message(i) is dated 2024-03-04 09:00 UTC + 37 min * i: "now" is shortly after
NOW = datetime(2024, 3, 4, 11, 0)


def _sync(account: AccountConfig, store: Store, ctx: IngestContext) -> None:
    sync_account(account, PASSWORD, store, ctx, backoff=Backoff(sleep=lambda _s: None))


def _flags(user: MailUser) -> dict[int, set[str]]:
    return {uid: {f.decode() for f in flags} for uid, flags in user.flags().items()}


def _pk(store: Store, uid: int) -> int:
    with store.transaction() as conn:
        pk = conn.execute(
            select(messages.c.id).where(messages.c.folder == "INBOX", messages.c.uid == uid)
        ).scalar()
    assert pk is not None
    return int(pk)


def _reply_to(i: int) -> bytes:
    date = datetime(2024, 3, 4, 10, 30, tzinfo=UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    return (
        f"From: Anna <anna@assist.example>\r\nTo: boss@acme.example\r\n"
        f"Subject: Re: project update #{i}\r\nDate: {date}\r\n"
        f"Message-ID: <reply-{i}-{os.getpid()}@assist.example>\r\n"
        f"In-Reply-To: <msg-{i}-{os.getpid()}@acme.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nDone, attached.\r\n"
    ).encode()


def _setup(dovecot: MailUser, store: Store, ctx: IngestContext) -> tuple[Config, AccountConfig]:
    dovecot.seed([make_message(0)])
    dovecot.seed([make_message(1)], flags="S")  # already read
    dovecot.seed([make_message(2)])
    with dovecot.client() as client:  # the user's own keyword, set in their mail client
        client.select_folder("INBOX")
        client.add_flags([3], [b"todo"])
    account = dovecot.account(allow_write=True)
    config = replace(parse_config(TEST_CONFIG, "test"), accounts=(account,))
    _sync(account, store, ctx)
    record_correction(store, _pk(store, 1), "urgent", True)  # as `inboxwatch label` does
    record_correction(store, _pk(store, 2), "complaint", True)
    return config, account


def test_keywords_follow_tags_corrections_and_answers(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    config, account = _setup(dovecot, sqlite_store, ingest_ctx)
    before = _flags(dovecot)
    first = write_keywords(config, account, PASSWORD, sqlite_store, NOW)
    assert first.messages == 3 and first.added > 0 and first.removed == 0
    flags = _flags(dovecot)
    assert flags[1] == {"$iw_urgent", "$iw_reply_now"}
    assert flags[2] == {"\\Seen", "$iw_complaint", "$iw_reply_now"}
    assert flags[3] == {"todo", "$iw_reply_later"}
    for uid in before:  # nothing but our keywords was added
        assert before[uid] <= flags[uid]

    with NetProxy("127.0.0.1", dovecot.server.port) as tap:
        again = write_keywords(config, replace(account, port=tap.port), PASSWORD, sqlite_store, NOW)
        commands = tap.commands()
    assert (again.added, again.removed) == (0, 0)
    assert "UID STORE" not in commands and "SELECT" not in commands, commands
    assert _flags(dovecot) == flags

    record_correction(sqlite_store, _pk(sqlite_store, 1), "urgent", False)  # label --no
    write_keywords(config, account, PASSWORD, sqlite_store, NOW)
    assert _flags(dovecot)[1] == {"$iw_reply_later"}

    dovecot.seed([_reply_to(2)], folder="Sent")  # the answer arrives
    _sync(account, sqlite_store, ingest_ctx)
    write_keywords(config, account, PASSWORD, sqlite_store, NOW + timedelta(minutes=5))
    after = _flags(dovecot)
    assert after[3] == {"todo"}
    assert after[2] == {"\\Seen", "$iw_complaint", "$iw_reply_now"}


def test_the_store_names_only_our_keywords(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    """+FLAGS/-FLAGS on the wire carry $iw_ keywords only (never \\Seen or \\Flagged), on a
    folder selected read-write just for that and EXAMINEd again after."""
    config, account = _setup(dovecot, sqlite_store, ingest_ctx)
    with NetProxy("127.0.0.1", dovecot.server.port) as tap:
        write_keywords(config, replace(account, port=tap.port), PASSWORD, sqlite_store, NOW)
        sent = tap.client_bytes().decode("utf-8", "replace")
        commands = tap.commands()
    stores = [line for line in sent.splitlines() if " STORE " in line.upper()]
    assert stores, sent
    for line in stores:
        assert "FLAGS.SILENT ($iw_" in line, line
        assert "\\Seen" not in line and "\\Flagged" not in line and "todo" not in line
    # EXAMINE to read the flags, SELECT only around the STOREs, EXAMINE again after them
    select_at = commands.index("SELECT")
    assert commands.count("SELECT") == 1 and commands[0] != "SELECT"
    assert set(commands[select_at + 1 : commands.index("EXAMINE", select_at)]) == {"UID STORE"}


def test_with_writing_off_the_server_is_not_even_contacted(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    config, account = _setup(dovecot, sqlite_store, ingest_ctx)
    before = _flags(dovecot)
    with NetProxy("127.0.0.1", dovecot.server.port) as tap:
        report = write_keywords(
            config, replace(account, port=tap.port, allow_write=False), PASSWORD, sqlite_store, NOW
        )
        assert tap.commands() == []
    assert report.messages == 0
    assert _flags(dovecot) == before
