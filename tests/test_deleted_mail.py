"""Deleted stays deleted, on a real Dovecot: mail removed by retention or by ``forget`` is
never fetched or stored again — not by the gap fill, not after a UIDVALIDITY change — and a
forgotten client's new mail is not stored until ``forget --undo``."""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inboxwatch.config import AccountConfig
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.ingest.sync import AccountReport, Backoff, sync_account
from inboxwatch.storage.retention import delete_older_than
from inboxwatch.storage.schema import messages, tombstones
from inboxwatch.storage.store import Store, utcnow
from tests.dovecot import MailUser, make_message

PASSWORD = "secret"


def _sync(store: Store, ctx: IngestContext, account: AccountConfig) -> AccountReport:
    return sync_account(account, PASSWORD, store, ctx, backoff=Backoff(sleep=lambda _s: None))


def _dated(i: int, days_ago: float, **kwargs: str) -> bytes:
    """make_message(i), dated *days_ago* days before now."""
    raw = make_message(i, **kwargs)  # type: ignore[arg-type]
    when = format_datetime((utcnow() - timedelta(days=days_ago)).replace(tzinfo=UTC))
    return re.sub(rb"\r\nDate: [^\r]*\r\n", f"\r\nDate: {when}\r\n".encode(), raw, count=1)


def _subjects(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return sorted(conn.execute(select(messages.c.subject)).scalars())


def _count_tombstones(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tombstones)).scalar_one())


def test_retention_is_not_undone_by_the_next_poll(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext, caplog: pytest.LogCaptureFixture
) -> None:
    dovecot.seed([_dated(i, 100) for i in range(50)] + [_dated(100 + i, 2) for i in range(50)])
    account = dovecot.account(sent_folder=None)
    assert _sync(store, ingest_ctx, account).inserted == 100
    assert delete_older_than(store, utcnow() - timedelta(days=30)) == 50
    assert _count_tombstones(store) == 50  # written with the deletion
    with caplog.at_level(logging.WARNING):
        again = _sync(store, ingest_ctx, account)
    assert "missing" not in caplog.text
    assert (again.inserted, again.folder("INBOX").fetched) == (0, 0)
    assert store.count_messages() == 50
    # Nor after the server renumbers the folder: the content hash recognises the mail.
    dovecot.change_uidvalidity(4242, 1000)
    lines, counts = [], [0, 0, 0]
    for _poll in range(3):  # right after the change Dovecot may briefly show one message
        report = _sync(store, ingest_ctx, account)
        folder = report.folder("INBOX")
        counts = [
            counts[0] + folder.inserted,
            counts[1] + folder.rekeyed,
            counts[2] + folder.deleted_before,
        ]
        lines += report.lines()
        time.sleep(0.3)
    assert counts == [0, 50, 50] and store.count_messages() == 50
    assert any("deleted earlier (not stored again)" in line for line in lines)
    # The renumbered locations are tombstoned too: nothing is fetched again.
    assert _sync(store, ingest_ctx, account).folder("INBOX").fetched == 0


def test_deleted_mail_that_comes_back_under_a_new_uid_is_not_stored(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext
) -> None:
    old = _dated(1, 400)
    dovecot.seed([old, _dated(2, 1)])
    account = dovecot.account(sent_folder=None)
    _sync(store, ingest_ctx, account)
    assert delete_older_than(store, utcnow() - timedelta(days=30)) == 1
    dovecot.expunge(1)
    dovecot.append([old])  # moved out and back: the same bytes under UID 3
    report = _sync(store, ingest_ctx, account)
    assert report.inserted == 0 and report.folder("INBOX").deleted_before == 1
    assert store.count_messages() == 1


def _config_file(store: Store, tmp_path: Path) -> Path:
    path = tmp_path / "forget.toml"
    url = store.engine.url.render_as_string(hide_password=False)
    path.write_text(
        f'[me]\naddresses = ["anna@assist.example"]\n[database]\nurl = "{url}"\n'
        '[[clients]]\nname = "Acme Kft."\naddresses = ["@acme.example"]\n'
        '[[clients]]\nname = "Globex"\naddresses = ["cfo@globex.example"]\n'
    )
    path.chmod(0o600)
    return path


def test_forget_stays_forgotten_until_undone(
    dovecot: MailUser,
    store: Store,
    ingest_ctx: IngestContext,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from inboxwatch.app.cli import main

    dovecot.seed(
        [_dated(i, 3, subject=f"acme {i}") for i in range(5)]
        + [_dated(10 + i, 3, sender="cfo@globex.example", subject=f"globex {i}") for i in range(3)]
    )
    dovecot.seed(
        [_dated(20, 3, sender="anna@assist.example", to="boss@acme.example", subject="to acme")],
        folder="Sent",
    )
    account = dovecot.account()
    _sync(store, ingest_ctx, account)
    config = str(_config_file(store, tmp_path))
    assert main(["--config", config, "forget", "Acme Kft.", "--yes"]) == 0
    assert "deleted 6 messages" in capsys.readouterr().out
    assert _subjects(store) == ["globex 0", "globex 1", "globex 2"]

    # Polling again stores none of it, and their new mail (in and out) is not stored either.
    dovecot.append([_dated(30, 0, sender="pm@mail.acme.example", subject="acme new")])
    dovecot.append(
        [
            _dated(
                31, 0, sender="anna@assist.example", to="boss@acme.example", subject="to acme new"
            )
        ],
        folder="Sent",
    )
    dovecot.append([_dated(32, 0, sender="cfo@globex.example", subject="globex new")])
    report = _sync(store, ingest_ctx, account)
    assert _subjects(store) == ["globex 0", "globex 1", "globex 2", "globex new"]
    assert report.folder("INBOX").forgotten == 1 and report.folder("Sent").forgotten == 1
    assert _sync(store, ingest_ctx, account).folder("INBOX").fetched == 0  # not re-fetched
    assert main(["--config", config, "status"]) == 0
    assert (
        "forgotten: Acme Kft. (their mail is not stored; to store it again: inboxwatch "
        "forget 'Acme Kft.' --undo)" in capsys.readouterr().out
    )

    # Undone: mail that arrived while they were forgotten is fetched on the next poll; the
    # mail that `forget --yes` deleted stays deleted.
    assert main(["--config", config, "forget", "Acme Kft.", "--undo"]) == 0
    assert "Acme Kft. is no longer forgotten" in capsys.readouterr().out
    _sync(store, ingest_ctx, account)
    assert _subjects(store) == [
        "acme new",
        "globex 0",
        "globex 1",
        "globex 2",
        "globex new",
        "to acme new",
    ]


def test_forget_help_says_what_it_blocks_and_how_to_undo(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from inboxwatch.app.cli import main

    with pytest.raises(SystemExit):
        main(["forget", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--undo" in help_text
    assert "new mail from or to them is not stored" in help_text
