"""IMAP sync against a real Dovecot: exactly once, read-only, resumable, clear errors."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select

from inboxwatch.config import AccountConfig
from inboxwatch.errors import ImapAuthError, ImapConnectError, ImapError, ImapTlsError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.ingest.sync import (
    AccountReport,
    Backoff,
    OrphanIndex,
    plan_batches,
    poll_all,
    sync_account,
)
from inboxwatch.sources.imap import ImapSession
from inboxwatch.storage.schema import messages
from inboxwatch.storage.store import NewMessage, Store, StoredCopy
from tests.dovecot import DovecotServer, MailUser, free_port, make_message
from tests.netproxy import NetProxy

PASSWORD = "secret"


class SleepLog:
    """An injectable sleep that records instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def log_in(account: AccountConfig, password: str = PASSWORD) -> None:
    with ImapSession(account, password):
        pass


def no_wait() -> Backoff:
    return Backoff(sleep=SleepLog(), rand=lambda: 0.5)


def sync(
    user: MailUser,
    store: Store,
    ctx: IngestContext,
    account: AccountConfig | None = None,
    *,
    backoff: Backoff | None = None,
    max_reconnects: int = 5,
    session_factory: type[ImapSession] = ImapSession,
) -> AccountReport:
    return sync_account(
        account or user.account(),
        PASSWORD,
        store,
        ctx,
        backoff=backoff or no_wait(),
        max_reconnects=max_reconnects,
        session_factory=session_factory,
    )


def stored(
    store: Store, account: AccountConfig, folder: str = "INBOX"
) -> list[tuple[int, int, str]]:
    """(uidvalidity, uid, raw_sha256) of every stored row of the folder."""
    query = select(messages.c.uidvalidity, messages.c.uid, messages.c.raw_sha256).where(
        messages.c.account == account.name, messages.c.folder == folder
    )
    with store.engine.connect() as conn:
        return sorted((int(a), int(b), str(c)) for a, b, c in conn.execute(query))


def assert_mirrors(
    user: MailUser, store: Store, account: AccountConfig, folder: str = "INBOX"
) -> None:
    """The folder's rows are exactly the mailbox: same count, same content hashes."""
    rows = stored(store, account, folder)
    assert sorted(sha for _v, _u, sha in rows) == user.hashes(folder)
    uidvalidity = user.uidvalidity(folder)
    assert sorted(uid for v, uid, _s in rows if v == uidvalidity) == sorted(user.fetch_all(folder))


def inbox(report: AccountReport, folder: str = "INBOX") -> tuple[int, int, int]:
    f = report.folder(folder)
    return f.inserted, f.already_stored, f.rekeyed


# --- exactly once -----------------------------------------------------------------------


def test_polling_twice_stores_each_message_once(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(i, html=i % 4 == 0) for i in range(25)])
    dovecot.seed(
        [
            make_message(100 + i, sender="anna@assist.example", to="boss@acme.example")
            for i in range(3)
        ],
        folder="Sent",
    )
    account = dovecot.account()
    first = sync(dovecot, store, ingest_ctx, account)
    assert inbox(first) == (25, 0, 0)
    assert inbox(first, "Sent") == (3, 0, 0)
    second = sync(dovecot, store, ingest_ctx, account)
    assert inbox(second) == (0, 0, 0) and inbox(second, "Sent") == (0, 0, 0)
    assert store.count_messages(account.name) == 28
    assert_mirrors(dovecot, store, account)
    assert_mirrors(dovecot, store, account, "Sent")
    lines = second.lines()
    assert lines[0].startswith(f"{account.name}/INBOX: 0 new, 0 already stored, uidvalidity ")
    assert lines[0].endswith("last uid 25")


def test_sent_folder_is_stored_as_outgoing(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed(
        [make_message(1, sender="anna@assist.example", to="boss@acme.example")], folder="Sent"
    )
    sync(dovecot, store, ingest_ctx)
    query = select(messages.c.direction, messages.c.client).where(messages.c.folder == "Sent")
    with store.engine.connect() as conn:
        assert conn.execute(query).all() == [("out", "Acme Kft.")]


def test_new_mail_between_polls_is_picked_up(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(i) for i in range(5)])
    account = dovecot.account()
    assert inbox(sync(dovecot, store, ingest_ctx, account)) == (5, 0, 0)
    dovecot.append([make_message(50 + i) for i in range(3)])
    report = sync(dovecot, store, ingest_ctx, account)
    assert inbox(report) == (3, 0, 0)
    assert report.folder("INBOX").last_uid == 8
    assert_mirrors(dovecot, store, account)


def test_nothing_new_does_not_refetch_the_highest_uid(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    """``UID SEARCH UID n:*`` answers the highest UID even when it is below n."""
    dovecot.seed([make_message(i) for i in range(3)])
    sync(dovecot, sqlite_store, ingest_ctx)
    report = sync(dovecot, sqlite_store, ingest_ctx)
    assert report.folder("INBOX").fetched == 0


def test_uidvalidity_change_resyncs_without_duplicates_or_losses(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext
) -> None:
    twin = make_message(7)
    raws = [make_message(i) for i in range(18)] + [twin, make_message(99, message_id=None)]
    dovecot.seed(raws)  # includes two identical copies and one without Message-ID
    account = dovecot.account()
    sync(dovecot, store, ingest_ctx, account)
    old_validity = dovecot.uidvalidity()
    dovecot.change_uidvalidity(42, 1000)
    dovecot.append([make_message(200)])
    rekeyed = inserted = 0
    for _poll in range(3):  # right after the change Dovecot may briefly show one message
        report = sync(dovecot, store, ingest_ctx, account)
        rekeyed += report.folder("INBOX").rekeyed
        inserted += report.folder("INBOX").inserted
        assert store.count_messages(account.name, "INBOX") >= 20  # nothing is ever deleted
        time.sleep(0.3)
    assert old_validity != 42
    assert (rekeyed, inserted) == (20, 1)
    rows = stored(store, account)
    assert len(rows) == 21 and {v for v, _u, _s in rows} == {42}
    assert min(uid for _v, uid, _s in rows) >= 1000
    assert_mirrors(dovecot, store, account)


def test_momentarily_empty_folder_deletes_nothing(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(i) for i in range(6)])
    account = dovecot.account()
    sync(dovecot, sqlite_store, ingest_ctx, account)
    for uid in range(1, 7):
        dovecot.expunge(uid)
    report = sync(dovecot, sqlite_store, ingest_ctx, account)
    assert inbox(report) == (0, 0, 0)
    assert sqlite_store.count_messages(account.name) == 6
    state = sqlite_store.folder_state(account.name, "INBOX")
    assert state is not None and state.last_uid == 6


def expunging_after_search(user: MailUser, victim: int) -> type[ImapSession]:
    """A real session whose server expunges *victim* right after SEARCH has answered."""

    class ExpungingSession(ImapSession):
        def search_uids_after(self, last_uid: int) -> list[int]:
            found = super().search_uids_after(last_uid)
            user.expunge(victim)
            return found

    return ExpungingSession


def test_message_expunged_between_search_and_fetch_is_skipped(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(i) for i in range(5)])
    report = sync(
        dovecot, sqlite_store, ingest_ctx, session_factory=expunging_after_search(dovecot, victim=5)
    )
    assert inbox(report) == (4, 0, 0)
    assert report.folder("INBOX").last_uid == 5  # the watermark passes the vanished UID
    assert inbox(sync(dovecot, sqlite_store, ingest_ctx)) == (0, 0, 0)


# --- batching ---------------------------------------------------------------------------


def test_batches_are_bounded_by_count_and_bytes() -> None:
    sizes = {1: 10, 2: 10, 3: 500, 4: 10, 5: 10, 6: 10, 7: 10}
    uids = [1, 2, 3, 4, 5, 6, 7, 8]  # 8 vanished before its size was fetched
    assert list(plan_batches(uids, sizes, max_messages=3, max_bytes=100)) == [
        [1, 2],
        [3],
        [4, 5, 6],
        [7],
    ]
    assert list(plan_batches([], {}, 3, 100)) == []


def _record(uid: int, sha: str, message_id: str | None) -> NewMessage:
    return NewMessage(
        account="a",
        folder="INBOX",
        uidvalidity=2,
        uid=uid,
        raw=b"",
        raw_sha256=sha,
        direction="in",
        message_id=message_id,
    )


def test_rematch_is_one_to_one_and_prefers_exact_content() -> None:
    orphans = OrphanIndex(
        [
            StoredCopy(1, "h1", "<m>"),
            StoredCopy(2, "h2", "<twin>"),
            StoredCopy(3, "h2", "<twin>"),
            StoredCopy(4, "h4", "<dup>"),
            StoredCopy(5, "h5", "<dup>"),
        ]
    )
    records = [
        _record(10, "changed", "<m>"),  # its row goes to the exact copy (15) instead
        _record(11, "h2", "<twin>"),
        _record(12, "h2", "<twin>"),
        _record(13, "h2", "<twin>"),  # a third copy: nothing left to match, inserted
        _record(14, "other", "<dup>"),  # Message-ID shared by two rows: says nothing
        _record(15, "h1", "<m>"),
    ]  # exact content wins over the Message-ID match
    rekeys, fresh = orphans.match(records)
    assert sorted(rekeys) == [(1, 15), (2, 11), (3, 12)]
    assert [r.uid for r in fresh] == [10, 13, 14]
    assert orphans.remaining == 2


def test_huge_message_forms_its_own_batch(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(1), make_message(2, body_size=200_000), make_message(3)])
    account = dovecot.account(batch_messages=50, batch_bytes=50_000)
    report = sync(dovecot, store, ingest_ctx, account)
    assert inbox(report) == (3, 0, 0)
    assert_mirrors(dovecot, store, account)


# --- network faults ---------------------------------------------------------------------


@pytest.fixture
def proxy(dovecot: MailUser) -> Iterator[NetProxy]:
    running = NetProxy("127.0.0.1", dovecot.server.port).start()
    yield running
    running.stop()


def test_connection_cut_mid_fetch_reconnects_and_stores_all_once(
    dovecot: MailUser, proxy: NetProxy, store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(i) for i in range(60)])
    account = dovecot.account(port=proxy.port, batch_messages=10)
    proxy.cut_after(60_000)  # lands inside the body FETCH of the second or third batch
    sleeps = SleepLog()
    report = sync(dovecot, store, ingest_ctx, account, backoff=Backoff(sleep=sleeps))
    assert proxy.cuts_done == 1 and report.reconnects == 1 and len(sleeps.delays) == 1
    assert report.folder("INBOX").inserted == 60
    assert_mirrors(dovecot, store, account)


def test_connection_cut_then_next_poll_stores_all_once(
    dovecot: MailUser, proxy: NetProxy, store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(i) for i in range(60)])
    account = dovecot.account(port=proxy.port, batch_messages=10)
    proxy.cut_after(60_000)
    with pytest.raises(ImapConnectError, match=f"127.0.0.1:{proxy.port}"):
        sync(dovecot, store, ingest_ctx, account, max_reconnects=0)
    partial = store.count_messages(account.name)
    state = store.folder_state(account.name, "INBOX")
    assert 0 < partial < 60 and state is not None and state.last_uid == partial
    report = sync(dovecot, store, ingest_ctx, account)
    assert report.folder("INBOX").inserted == 60 - partial
    assert_mirrors(dovecot, store, account)


def test_reconnects_give_up_after_max_with_backoff(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    account = dovecot.account(port=free_port())
    sleeps = SleepLog()
    with pytest.raises(ImapConnectError, match="refused the connection"):
        sync(
            dovecot,
            sqlite_store,
            ingest_ctx,
            account,
            max_reconnects=3,
            backoff=Backoff(base_seconds=1, factor=2, sleep=sleeps, rand=lambda: 0.5),
        )
    assert sleeps.delays == [1.0, 2.0, 4.0]


def test_jitter_stays_within_bounds() -> None:
    low = Backoff(rand=lambda: 0.0, jitter=0.5)
    high = Backoff(rand=lambda: 1.0, jitter=0.5)
    assert low.delay(3) == 2.0 and high.delay(3) == 6.0
    assert Backoff(max_seconds=10, rand=lambda: 0.5).delay(20) == 10.0


# --- clear errors -----------------------------------------------------------------------


def test_wrong_password_is_a_clear_auth_error(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    account = dovecot.account()
    with pytest.raises(ImapAuthError) as caught:
        log_in(account, "wrong")
    message = str(caught.value)
    assert message == (
        f"the server rejected the login for {dovecot.name} on 127.0.0.1: "
        "check the password in the environment variable IW_TEST_PASSWORD"
    )
    sleeps = SleepLog()
    with pytest.raises(ImapAuthError):  # not retried: hammering a wrong password helps nobody
        sync_account(account, "wrong", sqlite_store, ingest_ctx, backoff=Backoff(sleep=sleeps))
    assert sleeps.delays == []


def test_unreachable_host_is_a_connect_error(dovecot: MailUser) -> None:
    port = free_port()
    with pytest.raises(ImapConnectError, match=f"127.0.0.1:{port} refused the connection"):
        log_in(dovecot.account(port=port))


def test_stalled_server_times_out(dovecot: MailUser, proxy: NetProxy) -> None:
    proxy.stall()
    account = dovecot.account(port=proxy.port, timeout_seconds=0.5)
    started = time.monotonic()
    with pytest.raises(ImapConnectError, match=r"did not answer within 0\.5 s"):
        log_in(account)
    assert time.monotonic() - started < 3


def test_self_signed_certificate_is_refused_unless_pinned(tls_dovecot: MailUser) -> None:
    server = tls_dovecot.server
    account = tls_dovecot.account(security="tls", port=server.tls_port)
    with pytest.raises(ImapTlsError, match=r"not trusted .* set ca_file"):
        log_in(account)
    pinned = replace(account, ca_file=str(server.cert))
    with ImapSession(pinned, PASSWORD) as session:
        assert session.select_readonly("INBOX").exists == 0


def test_starttls_upgrades_with_a_pinned_certificate(tls_dovecot: MailUser) -> None:
    server = tls_dovecot.server
    account = tls_dovecot.account(security="starttls", ca_file=str(server.cert))
    with ImapSession(account, PASSWORD) as session:
        assert session.select_readonly("INBOX").exists == 0
    with pytest.raises(ImapTlsError, match="not trusted"):
        log_in(replace(account, ca_file=None))


def test_starttls_required_but_not_offered(dovecot: MailUser) -> None:
    account = dovecot.account(security="starttls")
    with pytest.raises(ImapTlsError, match="does not offer STARTTLS"):
        log_in(account)


def test_missing_folder_is_reported_and_others_still_sync(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(1)])
    account = dovecot.account(folders=("Nope", "INBOX"))
    report = sync(dovecot, sqlite_store, ingest_ctx, account)
    assert "cannot open folder 'Nope'" in (report.folder("Nope").error or "")
    assert report.folder("INBOX").inserted == 1
    assert report.lines()[0].startswith(f"{account.name}/Nope: skipped: cannot open folder")


def test_poll_all_reports_a_failing_account_and_syncs_the_others(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    from inboxwatch.config import parse_config
    from tests.conftest import TEST_CONFIG

    dovecot.seed([make_message(i) for i in range(2)])
    good = dovecot.account()
    bad = dovecot.account(name="bad", port=free_port())
    config = replace(parse_config(TEST_CONFIG, "test"), accounts=(bad, good))
    reports = poll_all(
        config, sqlite_store, ingest_ctx, password_for=lambda a: PASSWORD, backoff=no_wait()
    )
    assert [r.account for r in reports] == ["bad", good.name]
    assert isinstance(reports[0].error, ImapConnectError)
    assert reports[0].lines() == [f"bad: failed: {reports[0].error}"]
    assert reports[1].error is None and reports[1].inserted == 2


# --- read-only --------------------------------------------------------------------------


def test_sync_never_sets_seen(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(i) for i in range(4)])
    dovecot.append([make_message(10)])
    sync(dovecot, sqlite_store, ingest_ctx)
    flags = dovecot.flags()
    assert len(flags) == 5
    assert all(b"\\Seen" not in f for f in flags.values())


def test_keywords_need_allow_write(dovecot: MailUser) -> None:
    dovecot.seed([make_message(1)])
    with (
        ImapSession(dovecot.account(), PASSWORD) as session,
        pytest.raises(ImapError, match="read-only"),
    ):
        session.add_keywords("INBOX", 1, ["iw-urgent"])
    assert dovecot.flags() == {1: ()}
    with ImapSession(dovecot.account(allow_write=True), PASSWORD) as session:
        session.add_keywords("INBOX", 1, ["iw-urgent"])
    assert dovecot.flags() == {1: (b"iw-urgent",)}


def test_no_password_or_body_reaches_the_log(
    dovecot_server: DovecotServer,
    sqlite_store: Store,
    ingest_ctx: IngestContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = dovecot_server.add_user("loguser", "pw-Zq81xK-never-logged")
    user.seed([make_message(1, subject="BODYMARKER subject")])
    caplog.set_level(logging.DEBUG)
    # the CLI quiets imapclient's protocol log; an earlier CLI test may have done so here
    caplog.set_level(logging.DEBUG, logger="imapclient")
    sync_account(user.account(), user.password, sqlite_store, ingest_ctx, backoff=no_wait())
    with pytest.raises(ImapAuthError):
        log_in(user.account(), "wrong-pw-Zq81xK")
    assert "imapclient" in caplog.text  # the protocol logger was on, and was redacted
    assert "Zq81xK" not in caplog.text
    assert "BODYMARKER" not in caplog.text
    assert "project" not in caplog.text  # words of the body text


# --- the adapter's reads ----------------------------------------------------------------


def test_examine_search_and_fetch(dovecot: MailUser) -> None:
    raws = [make_message(1), make_message(2, message_id=None), make_message(3, message_id="<x@y>")]
    dovecot.seed(raws)
    with ImapSession(dovecot.account(), PASSWORD) as session:
        info = session.select_readonly("INBOX")
        assert (info.exists, info.uidnext) == (3, 4) and info.uidvalidity > 0
        assert session.search_uids_after(0) == [1, 2, 3]
        assert session.search_uids_after(3) == []
        assert session.fetch_sizes([1, 2, 3, 77]) == {i + 1: len(r) for i, r in enumerate(raws)}
        assert sorted(session.fetch_bodies([1, 2, 3]).values()) == sorted(raws)


def test_idle_reports_new_mail(dovecot: MailUser) -> None:
    with ImapSession(dovecot.account(), PASSWORD) as session:
        assert session.supports_idle()
        session.select_readonly("INBOX")
        assert session.idle_wait(0.3) is False
        later = threading.Timer(0.3, dovecot.append, args=([make_message(1)],))
        later.start()
        started = time.monotonic()
        assert session.idle_wait(10) is True
        assert time.monotonic() - started < 5
        later.join()
        assert session.search_uids_after(0) == [1]


def test_connection_lost_during_idle_is_a_connect_error(dovecot: MailUser, proxy: NetProxy) -> None:
    with ImapSession(dovecot.account(port=proxy.port), PASSWORD) as session:
        session.select_readonly("INBOX")
        cut = threading.Timer(0.3, proxy.drop_all)
        cut.start()
        started = time.monotonic()
        with pytest.raises(ImapConnectError, match="while waiting in IDLE"):
            session.idle_wait(20)
        assert time.monotonic() - started < 5
        cut.join()


# --- hostile input ----------------------------------------------------------------------


def nasty_corpus() -> dict[str, bytes]:
    try:
        from tests.corpus.nasty import NASTY
    except ImportError:
        pytest.skip("tests/corpus/nasty.py is not written yet")
    return dict(NASTY)


def test_nasty_corpus_is_ingested_without_a_crash(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext
) -> None:
    corpus = nasty_corpus()
    dovecot.seed(corpus.values())
    account = dovecot.account(batch_messages=7)
    report = sync(dovecot, store, ingest_ctx, account)
    assert report.folder("INBOX").inserted == len(corpus)
    assert_mirrors(dovecot, store, account)
    query = select(messages.c.parse_error).where(messages.c.parse_error.is_not(None))
    with store.engine.connect() as conn:
        reasons = conn.execute(query).scalars().all()
    assert report.folder("INBOX").unparseable == len(reasons)
    assert all(reason.strip() for reason in reasons)
    assert inbox(sync(dovecot, store, ingest_ctx, account)) == (0, 0, 0)
