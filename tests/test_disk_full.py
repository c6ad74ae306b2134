"""The database fails in the middle of a sync: disk full on SQLite, a disk-full error from
PostgreSQL. The failing batch rolls back, the watermark does not move past anything that was
not stored, a clear StorageError says what to do, and the next poll — with space again —
completes the sync with nothing lost or duplicated.

SQLite gets a real full disk: its database lives on a tiny tmpfs (we are root in the test
container) that a ballast file fills up; where mounting is not allowed, SQLite's own
``PRAGMA max_page_count`` makes the database "full" instead. PostgreSQL cannot be given a
full disk here, so a trigger makes the server raise SQLSTATE 53100 (disk_full) with the
message PostgreSQL uses, on one message in the middle of a batch.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text

from inboxwatch.errors import StorageError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.ingest.sync import Backoff, sync_account
from inboxwatch.storage.schema import messages
from inboxwatch.storage.store import Store
from tests.dovecot import MailUser, make_message
from tests.tools import figures
from tests.tools.checks import assert_mirrors

PASSWORD = "secret"
FIRST, LATER = 100, 300  # messages before and after the disk fills up
TMPFS_BYTES = 6 * 1024 * 1024
HEADROOM = 300 * 1024  # free bytes left on the tmpfs: a couple of batches fit, not all


def _no_sleep(_seconds: float) -> None:
    pass


def _sync(store: Store, ctx: IngestContext, user: MailUser) -> Any:
    account = user.account(batch_messages=25, sent_folder=None)
    return sync_account(account, PASSWORD, store, ctx, backoff=Backoff(sleep=_no_sleep))


def _consistent(store: Store, user: MailUser) -> int:
    """Every UID up to the watermark is stored, and nothing above it: returns the mark."""
    account = f"acct-{user.name}"
    state = store.folder_state(account, "INBOX")
    assert state is not None
    with store.engine.connect() as conn:
        stored = {
            int(u)
            for u in conn.execute(
                select(messages.c.uid).where(
                    messages.c.account == account, messages.c.uidvalidity == state.uidvalidity
                )
            ).scalars()
        }
    served = set(user.fetch_all())
    assert stored == {uid for uid in served if uid <= state.last_uid}, (
        f"the watermark {state.last_uid} does not match the stored UIDs"
    )
    return state.last_uid


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A small tmpfs for the SQLite file, or None where mounting is not permitted."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES},mode=0700", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    try:
        yield folder if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def _fill(folder: Path, headroom: int) -> Path:
    """Write a ballast file that leaves only *headroom* bytes free."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    ballast = folder / "ballast"
    with ballast.open("wb") as handle:
        remaining = max(0, free - headroom)
        block = b"\0" * (1 << 20)
        while remaining > 0:
            remaining -= handle.write(block[: min(len(block), remaining)])
    return ballast


def test_sqlite_disk_full_mid_sync_then_recovers(
    dovecot: MailUser, tiny_disk: Path | None, tmp_path: Path, ingest_ctx: IngestContext
) -> None:
    folder = tiny_disk or tmp_path
    store = Store.open(f"sqlite:///{folder / 'iw.db'}")
    page_limit: list[int] = []
    if tiny_disk is None:  # no tmpfs: cap the database size inside SQLite instead
        event.listen(
            store.engine,
            "connect",
            lambda dbapi, _rec: (
                page_limit and dbapi.execute(f"PRAGMA max_page_count={page_limit[0]}")
            ),
        )
    try:
        dovecot.seed([make_message(i) for i in range(FIRST)])
        _sync(store, ingest_ctx, dovecot)
        mark_before = _consistent(store, dovecot)
        dovecot.seed([make_message(1000 + i) for i in range(LATER)])
        if tiny_disk is not None:
            ballast: Path | None = _fill(tiny_disk, HEADROOM)
        else:
            with store.engine.connect() as conn:
                pages = int(conn.execute(text("PRAGMA page_count")).scalar_one())
            page_limit.append(pages + 60)
            store.engine.dispose()
            ballast = None
        with pytest.raises(StorageError) as caught:
            _sync(store, ingest_ctx, dovecot)
        message = str(caught.value)
        assert "full" in message and "free some disk space" in message, message
        assert "\n" not in message and "INSERT" not in message  # one line, no SQL
        mark_full = _consistent(store, dovecot)
        assert mark_before <= mark_full < FIRST + LATER
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        if ballast is not None:
            ballast.unlink()
        page_limit.clear()
        store.engine.dispose()
        report = _sync(store, ingest_ctx, dovecot)
        assert report.inserted == FIRST + LATER - mark_full  # UIDs are dense from 1
        result = assert_mirrors(dovecot, store, f"acct-{dovecot.name}")
    finally:
        store.close()
    figures.record(
        "disk_full",
        "sqlite",
        faults_injected=1,
        method="tmpfs" if tiny_disk is not None else "max_page_count",
        stored_before_full=mark_full,
        **result.figures(),
    )


DISK_FULL_TRIGGER = """
CREATE FUNCTION iw_disk_full() RETURNS trigger AS $$
BEGIN
  IF NEW.uid = {uid} THEN
    RAISE EXCEPTION 'could not extend file "base/16384/2619": No space left on device'
      USING ERRCODE = 'disk_full', HINT = 'Check free disk space.';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER iw_disk_full BEFORE INSERT ON messages
  FOR EACH ROW EXECUTE FUNCTION iw_disk_full();
"""


def test_postgresql_disk_full_error_mid_batch_then_recovers(
    dovecot: MailUser, postgres_database: str, ingest_ctx: IngestContext
) -> None:
    from tests.conftest import _wipe_schema

    _wipe_schema(postgres_database)
    store = Store.open(postgres_database)
    try:
        dovecot.seed([make_message(i) for i in range(FIRST)])
        _sync(store, ingest_ctx, dovecot)
        dovecot.seed([make_message(1000 + i) for i in range(LATER)])
        failing_uid = FIRST + 62  # the 12th message of the 3rd batch of the new mail
        with store.engine.begin() as conn:
            conn.execute(text(DISK_FULL_TRIGGER.format(uid=failing_uid)))
        with pytest.raises(StorageError) as caught:
            _sync(store, ingest_ctx, dovecot)
        message = str(caught.value)
        assert "No space left on device" in message and "free some disk space" in message
        mark = _consistent(store, dovecot)
        assert mark == FIRST + 50  # two batches of the new mail, not the failing third
        with store.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER iw_disk_full ON messages"))
        report = _sync(store, ingest_ctx, dovecot)
        assert report.inserted == FIRST + LATER - mark
        result = assert_mirrors(dovecot, store, f"acct-{dovecot.name}")
    finally:
        store.close()
    figures.record(
        "disk_full",
        "postgresql",
        faults_injected=1,
        method="disk_full trigger",
        stored_before_full=mark,
        **result.figures(),
    )


def test_store_batch_rolls_back_as_a_whole(tiny_disk: Path | None, tmp_path: Path) -> None:
    """Directly at the store: a batch that does not fit leaves no row and no watermark."""
    import hashlib

    from inboxwatch.storage.store import NewMessage

    if tiny_disk is None:
        pytest.skip("needs a tmpfs (root); the sync test above covers max_page_count")
    store = Store.open(f"sqlite:///{tiny_disk / 'iw.db'}")
    try:
        raws = [os.urandom(20_000) for _ in range(40)]  # incompressible: 800 kB
        batch = [
            NewMessage(
                account="a",
                folder="INBOX",
                uidvalidity=1,
                uid=i + 1,
                raw=raw,
                raw_sha256=hashlib.sha256(raw).hexdigest(),
                direction="in",
            )
            for i, raw in enumerate(raws)
        ]
        ballast = _fill(tiny_disk, 400 * 1024)
        with pytest.raises(StorageError, match="full"):
            store.store_batch("a", "INBOX", 1, batch, last_uid=40)
        assert store.count_messages() == 0 and store.folder_state("a", "INBOX") is None
        ballast.unlink()
        assert store.store_batch("a", "INBOX", 1, batch, last_uid=40).inserted == 40
        state = store.folder_state("a", "INBOX")
        assert state is not None and state.last_uid == 40
    finally:
        store.close()
    figures.record("disk_full", "store_batch", faults_injected=1, messages_checked=40)
