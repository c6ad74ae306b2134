"""Mailbox surprises on a real Dovecot: the database keeps exactly the mail, once.

- UIDVALIDITY changes and every UID is renumbered, in the middle of an unfinished sync;
- messages expunged, and others appended, between SEARCH and FETCH (and between batches);
- a folder that is momentarily empty (nothing is deleted), whose mail then comes back;
- a folder deleted (the other folders go on) and re-created with the same mail;
- identical copies, shared, missing and malformed Message-IDs, also across a renumbering.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from inboxwatch.config import AccountConfig
from inboxwatch.errors import ImapConnectError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.ingest.sync import AccountReport, Backoff, sync_account
from inboxwatch.sources.imap import ImapSession
from inboxwatch.storage.schema import messages
from inboxwatch.storage.store import Store
from tests.dovecot import MailUser, make_message
from tests.netproxy import NetProxy
from tests.tools import figures
from tests.tools.checks import assert_mirrors

PASSWORD = "secret"


def _no_sleep(_seconds: float) -> None:
    pass


def _sync(
    store: Store, ctx: IngestContext, account: AccountConfig, **kwargs: object
) -> AccountReport:
    kwargs.setdefault("backoff", Backoff(sleep=_no_sleep))
    return sync_account(account, PASSWORD, store, ctx, **kwargs)  # type: ignore[arg-type]


def _db(store: Store) -> str:
    return store.engine.dialect.name


def _validities(store: Store, account: str, folder: str = "INBOX") -> set[int]:
    query = (
        select(messages.c.uidvalidity)
        .where(messages.c.account == account, messages.c.folder == folder)
        .distinct()
    )
    with store.engine.connect() as conn:
        return {int(v) for v in conn.execute(query).scalars()}


def _awkward_mail() -> list[bytes]:
    """Identical copies, a shared Message-ID, none, an empty one and a malformed one."""
    twin = make_message(1)
    mail = [twin, twin, twin]
    mail += [make_message(10 + i, message_id="<same@acme.example>") for i in range(4)]
    mail += [make_message(20 + i, message_id=None) for i in range(5)]
    mail += [make_message(30 + i, message_id="") for i in range(2)]
    mail += [
        make_message(40, message_id="not an id at all"),
        make_message(41, message_id="<unclosed@acme.example"),
    ]
    return mail + [make_message(100 + i) for i in range(20)]


def test_uidvalidity_change_in_the_middle_of_a_sync(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext
) -> None:
    """A sync dies after a few batches; the folder is renumbered; new mail arrives."""
    dovecot.seed(_awkward_mail() + [make_message(200 + i) for i in range(250)])
    proxy = NetProxy("127.0.0.1", dovecot.server.port).start()
    proxy.cut_after(250_000)
    account = dovecot.account(batch_messages=25)
    try:
        with pytest.raises(ImapConnectError):
            _sync(store, ingest_ctx, replace(account, port=proxy.port), max_reconnects=0)
    finally:
        proxy.stop()
    partial = store.count_messages(account.name)
    assert 0 < partial < 286
    dovecot.change_uidvalidity(77, 5000)
    dovecot.append([make_message(900 + i) for i in range(5)])
    rekeyed = inserted = 0
    for _poll in range(3):  # right after the change Dovecot may show a partial folder
        report = _sync(store, ingest_ctx, account)
        rekeyed += report.folder("INBOX").rekeyed
        inserted += report.folder("INBOX").inserted
        assert store.count_messages(account.name, "INBOX") >= partial  # nothing deleted
        time.sleep(0.3)
    assert rekeyed == partial and inserted == 291 - partial
    assert _validities(store, account.name) == {77}
    result = assert_mirrors(dovecot, store, account.name)
    figures.record(
        "mailbox_surprises",
        f"uidvalidity_midway_{_db(store)}",
        faults_injected=2,
        rekeyed=rekeyed,
        **result.figures(),
    )


class _Meddling(ImapSession):
    """The real session; between SEARCH and FETCH, someone else changes the mailbox."""

    user: MailUser
    expunge_after_search: Sequence[int] = ()
    append_after_search: Sequence[bytes] = ()
    expunge_after_first_batch: Sequence[int] = ()
    batches = 0

    def search_uids_after(self, last_uid: int) -> list[int]:
        found = super().search_uids_after(last_uid)
        for uid in self.expunge_after_search:
            self.user.expunge(uid)
        self.user.append(list(self.append_after_search))
        return found

    def fetch_bodies(self, uids: Sequence[int]) -> dict[int, bytes]:
        type(self).batches += 1
        if type(self).batches == 2:
            for uid in self.expunge_after_first_batch:
                self.user.expunge(uid)
        return super().fetch_bodies(uids)


def test_expunge_and_append_between_search_and_fetch(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(i) for i in range(120)])
    meddling = type(
        "Meddling",
        (_Meddling,),
        {
            "user": dovecot,
            "expunge_after_search": (3, 50, 120),
            "append_after_search": [make_message(500 + i) for i in range(4)],
            "expunge_after_first_batch": (45, 90),
            "batches": 0,
        },
    )
    account = dovecot.account(batch_messages=40, sent_folder=None)
    report = _sync(store, ingest_ctx, account, session_factory=meddling)
    assert report.error is None and report.reconnects == 0
    first = report.folder("INBOX")
    assert first.inserted == 115 and first.last_uid == 120  # 5 gone, the watermark passed them
    later = _sync(store, ingest_ctx, account)  # the appended mail, on the next poll
    assert later.folder("INBOX").inserted == 4
    result = assert_mirrors(dovecot, store, account.name)
    assert result.checked == 119
    figures.record(
        "mailbox_surprises",
        f"search_fetch_race_{_db(store)}",
        faults_injected=9,
        **result.figures(),
    )


def _stash(user: MailUser, folder: str, to: Path) -> int:
    """Move every message file of *folder* out of the Maildir (the folder looks empty)."""
    to.mkdir(parents=True, exist_ok=True)
    moved = 0
    for sub in ("cur", "new"):
        for item in (user.maildir(folder) / sub).iterdir():
            shutil.move(str(item), to / item.name)
            moved += 1
    return moved


def _unstash(user: MailUser, folder: str, frm: Path) -> None:
    for item in frm.iterdir():
        shutil.move(str(item), user.maildir(folder) / "cur" / item.name)
    user.seed([], folder=folder)  # fixes ownership


def test_momentarily_empty_folder_deletes_nothing(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext, tmp_path: Path
) -> None:
    dovecot.seed([make_message(i) for i in range(30)])
    account = dovecot.account(sent_folder=None)
    _sync(store, ingest_ctx, account)
    state = store.folder_state(account.name, "INBOX")
    assert state is not None and store.count_messages(account.name) == 30
    assert _stash(dovecot, "INBOX", tmp_path / "away") == 30
    empty = _sync(store, ingest_ctx, account)
    assert empty.error is None and empty.folder("INBOX").inserted == 0
    assert store.count_messages(account.name) == 30  # not a mass deletion
    after = store.folder_state(account.name, "INBOX")
    assert after is not None and after.last_uid == state.last_uid  # never moves backwards
    dovecot.append([make_message(100)])
    assert _sync(store, ingest_ctx, account).folder("INBOX").inserted == 1
    assert store.count_messages(account.name) == 31
    figures.record(
        "mailbox_surprises",
        f"momentarily_empty_{_db(store)}",
        faults_injected=1,
        messages_checked=31,
        lost=0,
        duplicated=0,
    )


def test_mail_that_leaves_and_comes_back_is_not_stored_twice(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext, tmp_path: Path
) -> None:
    """The user moves mail out of the folder and back (or the server hides it for a while)."""
    dovecot.seed([make_message(i) for i in range(30)])
    account = dovecot.account(sent_folder=None)
    _sync(sqlite_store, ingest_ctx, account)
    _stash(dovecot, "INBOX", tmp_path / "away")
    _sync(sqlite_store, ingest_ctx, account)
    _unstash(dovecot, "INBOX", tmp_path / "away")  # back, under new UIDs
    back = _sync(sqlite_store, ingest_ctx, account).folder("INBOX")
    assert (back.inserted, back.rekeyed) == (0, 30)
    result = assert_mirrors(dovecot, sqlite_store, account.name)
    figures.record(
        "mailbox_surprises",
        "left_and_came_back_sqlite",
        faults_injected=1,
        rekeyed=back.rekeyed,
        **result.figures(),
    )


def test_a_copy_of_mail_still_there_is_stored_as_well(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext
) -> None:
    """The same bytes twice in a folder (the user copied a message) are two messages."""
    dovecot.seed([make_message(i) for i in range(10)])
    account = dovecot.account(sent_folder=None)
    _sync(store, ingest_ctx, account)
    dovecot.append([make_message(3), make_message(10)])
    again = _sync(store, ingest_ctx, account).folder("INBOX")
    assert (again.inserted, again.rekeyed) == (2, 0)
    assert_mirrors(dovecot, store, account.name)


@pytest.mark.parametrize("indexed", [True, False], ids=["indexed", "never-indexed"])
def test_a_message_the_server_cannot_send_does_not_stop_the_folder(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext, indexed: bool
) -> None:
    """A damaged message file makes Dovecot drop the connection at each FETCH of it: of its
    body, and of its size too if Dovecot never read it before."""
    dovecot.seed([make_message(i) for i in range(40)])
    uid_of = {body: uid for uid, body in dovecot.fetch_all().items()}  # indexes them all
    bad = sorted((dovecot.maildir("INBOX") / "cur").iterdir())[17]
    bad_uid = uid_of[bad.read_bytes()]
    if not indexed:
        for index in dovecot.maildir("INBOX").glob("dovecot.index*"):
            index.unlink()
    bad.chmod(0)
    account = dovecot.account(sent_folder=None, batch_messages=16)
    first = _sync(store, ingest_ctx, account)
    inbox = first.folder("INBOX")
    assert first.error is None and (inbox.inserted, inbox.unparseable) == (40, 1)
    assert inbox.last_uid == 40
    failures = store.parse_failures()
    assert [(f.uid, "dropped the connection" in f.reason) for f in failures] == [(bad_uid, True)]
    again = _sync(store, ingest_ctx, account).folder("INBOX")
    assert (again.fetched, again.inserted) == (0, 0)
    figures.record(
        "mailbox_surprises",
        f"unfetchable_message_{indexed}_{_db(store)}",
        faults_injected=1,
        messages_checked=40,
        lost=0,
        duplicated=0,
        reconnects=first.reconnects,
    )


def test_folder_deleted_and_recreated(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext
) -> None:
    projects = [make_message(300 + i) for i in range(20)]
    with dovecot.client() as client:
        client.create_folder("Projects")
    dovecot.append(projects, folder="Projects")
    dovecot.seed([make_message(i) for i in range(10)])
    account = dovecot.account(folders=("INBOX", "Projects"), sent_folder=None)
    _sync(store, ingest_ctx, account)
    old_validity = dovecot.uidvalidity("Projects")
    with dovecot.client() as client:
        client.delete_folder("Projects")
    dovecot.append([make_message(50)])
    gone = _sync(store, ingest_ctx, account)
    assert gone.error is None
    missing = gone.folder("Projects").error
    assert missing is not None and "Projects" in missing
    assert gone.folder("INBOX").inserted == 1  # the other folder went on
    assert store.count_messages(account.name, "Projects") == 20  # nothing deleted
    with dovecot.client() as client:
        client.create_folder("Projects")
    time.sleep(1.1)  # UIDVALIDITY is a timestamp in Dovecot: make sure it differs
    dovecot.append([*projects, make_message(400), make_message(401)], folder="Projects")
    back = _sync(store, ingest_ctx, account)
    assert dovecot.uidvalidity("Projects") != old_validity
    assert (back.folder("Projects").rekeyed, back.folder("Projects").inserted) == (20, 2)
    result = assert_mirrors(dovecot, store, account.name, ("INBOX", "Projects"))
    assert _validities(store, account.name, "Projects") == {dovecot.uidvalidity("Projects")}
    figures.record(
        "mailbox_surprises", f"folder_recreated_{_db(store)}", faults_injected=2, **result.figures()
    )


def test_duplicate_and_missing_message_ids_across_renumbering(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext
) -> None:
    mail = _awkward_mail()
    dovecot.seed(mail)
    account = dovecot.account(sent_folder=None)
    first = _sync(store, ingest_ctx, account)
    assert first.folder("INBOX").inserted == len(mail)
    assert_mirrors(dovecot, store, account.name)
    dovecot.change_uidvalidity(4242, 3000)
    rekeyed = inserted = 0
    for _poll in range(3):
        report = _sync(store, ingest_ctx, account)
        rekeyed += report.folder("INBOX").rekeyed
        inserted += report.folder("INBOX").inserted
        time.sleep(0.3)
    assert (rekeyed, inserted) == (len(mail), 0)
    result = assert_mirrors(dovecot, store, account.name)
    assert _validities(store, account.name) == {4242}
    with store.engine.connect() as conn:
        shared = conn.execute(
            select(messages.c.id).where(messages.c.message_id == "same@acme.example")
        ).all()
    assert len(shared) == 4
    figures.record(
        "mailbox_surprises", f"message_ids_{_db(store)}", faults_injected=1, **result.figures()
    )
