"""Retention gives the space back and expires mail with a future Date (issue #12, item 13).

- A SQLite file shrinks after retention deletes mail: the first deletion converts the
  database to ``auto_vacuum = INCREMENTAL`` with one VACUUM, later ones run
  ``PRAGMA incremental_vacuum``.
- A message whose Date lies after the time it was stored (a wrong clock, a forgery) ages
  from when it was stored, so it expires like any other.
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text, update

from inboxwatch.storage.retention import delete_older_than
from inboxwatch.storage.schema import messages
from inboxwatch.storage.store import NewMessage, Store
from tests.tools import figures

NOW = datetime(2026, 11, 13, 12, 0)


def _message(uid: int, when: datetime | None, size: int = 0) -> NewMessage:
    filler = base64.b64encode(os.urandom(size)).decode()  # random: zlib cannot shrink it
    raw = f"From: boss@acme.example\r\nSubject: m{uid}\r\n\r\n{filler}\r\n".encode()
    return NewMessage(
        account="work",
        folder="INBOX",
        uidvalidity=1,
        uid=uid,
        raw=raw,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        direction="in",
        subject=f"m{uid}",
        from_addr="boss@acme.example",
        date_utc=when,
        client="Acme",
        new_text=f"text {uid}",
        content_words=2,
    )


def _disk_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def _checkpoint(store: Store) -> None:
    with store.engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).all()


def test_retention_shrinks_the_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "iw.db"
    store = Store.open(f"sqlite:///{db}")
    try:
        sizes = []
        for round_, first in enumerate((1, 401)):  # the second round is incremental
            old = [
                _message(first + i, NOW - timedelta(days=400 + round_), 20_000) for i in range(300)
            ]
            new = [_message(first + 300 + i, NOW - timedelta(days=5), 20_000) for i in range(100)]
            store.store_batch("work", "INBOX", 1, old + new, last_uid=first + 399)
            _checkpoint(store)
            before = _disk_bytes(db)
            assert delete_older_than(store, NOW - timedelta(days=365)) == 300
            after = _disk_bytes(db)
            sizes.append((before, after))
            assert after < before * 0.5, f"round {round_}: {before} -> {after} bytes"
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA auto_vacuum")).scalar_one() == 2
        assert store.count_messages() == 200
    finally:
        store.close()
    figures.record(
        "retention",
        "sqlite_shrink",
        bytes_before=sizes[0][0],
        bytes_after=sizes[0][1],
        incremental_before=sizes[1][0],
        incremental_after=sizes[1][1],
    )


def test_mail_with_a_future_date_expires_from_when_it_was_stored(store: Store) -> None:
    store.store_batch(
        "work",
        "INBOX",
        1,
        [
            _message(1, NOW + timedelta(days=3650)),  # "sent" ten years from now
            _message(2, NOW + timedelta(days=3650)),
            _message(3, NOW - timedelta(days=10)),
            _message(4, NOW - timedelta(days=800)),  # old mail, imported just now
        ],
        last_uid=4,
    )
    with store.transaction() as conn:  # 1 was stored three years ago
        conn.execute(
            update(messages)
            .where(messages.c.uid == 1)
            .values(stored_at=NOW - timedelta(days=3 * 365))
        )
    assert delete_older_than(store, NOW - timedelta(days=365)) == 2
    with store.transaction() as conn:
        left = sorted(conn.execute(select(messages.c.uid)).scalars())
    # 2 was stored just now, so it is young however far ahead its Date is; 3 is recent.
    assert left == [2, 3]
