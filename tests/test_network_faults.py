"""Network faults between inboxwatch and a real Dovecot: the poller times out, backs off,
reconnects and catches up; nothing is lost or duplicated; the daemon never needs a restart.

Faults: connections cut in the middle of a FETCH (through ``tests/netproxy.py``), the IMAP
process serving us killed mid-sync, the whole server stalled with SIGSTOP, the server
restarted mid-sync, and the IDLE connection of the running service cut.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from inboxwatch.config import parse_config
from inboxwatch.errors import ImapConnectError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.ingest.sync import AccountReport, Backoff, sync_account
from inboxwatch.sources.imap import ImapSession
from inboxwatch.storage.store import Store
from tests.dovecot import DovecotServer, MailUser, make_message
from tests.netproxy import NetProxy
from tests.tools import figures
from tests.tools.checks import assert_mirrors
from tests.tools.servers import process_tree, restart, stalled
from tests.tools.waits import wait_for

PASSWORD = "secret"


class Delays:
    """An injectable sleep that records the backoff delays (and really sleeps if asked)."""

    def __init__(self, real: bool = False) -> None:
        self.delays: list[float] = []
        self.real = real

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.real:
            time.sleep(seconds)


def _db_name(store: Store) -> str:
    return store.engine.dialect.name


@pytest.fixture(scope="module")
def private_dovecot() -> Iterator[DovecotServer]:
    """A Dovecot of this test's own, to stall or restart without disturbing others."""
    server = DovecotServer.start()
    yield server
    server.stop()


def _in_background(run: Callable[[], AccountReport]) -> tuple[threading.Thread, list[object]]:
    result: list[object] = []

    def target() -> None:
        try:
            result.append(run())
        except BaseException as exc:  # handed to the test thread
            result.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, result


def _report(result: list[object]) -> AccountReport:
    assert result, "the sync did not finish"
    if isinstance(result[0], BaseException):
        raise result[0]
    assert isinstance(result[0], AccountReport)
    return result[0]


def test_connection_cut_mid_fetch(
    dovecot: MailUser, store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(i) for i in range(300)])  # ~1 MB
    proxy = NetProxy("127.0.0.1", dovecot.server.port).start()
    cuts = [200_000, 350_000, 90_000, 300_000, 60_000]  # bytes from the server, then cut
    for size in cuts:
        proxy.cut_after(size)
    sleep = Delays()
    try:
        account = dovecot.account(port=proxy.port, batch_messages=50)
        report = sync_account(
            account, PASSWORD, store, ingest_ctx, backoff=Backoff(sleep=sleep, rand=lambda: 0.5)
        )
    finally:
        proxy.stop()
    assert proxy.cuts_done == len(cuts)
    assert report.reconnects == len(cuts) and report.error is None
    assert sleep.delays and all(d <= 60 for d in sleep.delays)
    result = assert_mirrors(dovecot, store, account.name)
    assert result.checked == 300
    figures.record(
        "network_faults",
        f"cut_mid_fetch_{_db_name(store)}",
        faults_injected=len(cuts),
        **result.figures(),
    )


def _imap_processes(server: DovecotServer, user: str) -> list[int]:
    """The imap processes serving *user* (Dovecot titles them "imap: [user ...]")."""
    found = []
    for pid in process_tree(server.process.pid):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if comm == "imap" and (user.encode() in title or b"[" not in title):
            found.append(pid)
    return found


def test_server_process_killed_mid_sync(
    private_dovecot: DovecotServer, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    """SIGKILL the imap process serving our session, three times, as the sync progresses."""
    user = private_dovecot.add_user("victim", PASSWORD)
    user.seed([make_message(i) for i in range(900)])
    account = user.account(batch_messages=25)
    thread, result = _in_background(
        lambda: sync_account(
            account,
            PASSWORD,
            sqlite_store,
            ingest_ctx,
            backoff=Backoff(base_seconds=0.05, sleep=Delays(real=True)),
        )
    )
    kills = 0

    def reached(threshold: int) -> bool:
        return sqlite_store.count_messages(account.name) >= threshold or not thread.is_alive()

    for threshold in (100, 300, 500):
        wait_for(partial(reached, threshold), 30, f"{threshold} messages stored")
        kills += sum(_kill(pid) for pid in _imap_processes(private_dovecot, "victim"))
    thread.join(60)
    report = _report(result)
    assert kills >= 3, "the sync finished before the faults could be injected"
    assert report.reconnects >= 3
    checked = assert_mirrors(user, sqlite_store, account.name)
    figures.record(
        "network_faults", "imap_process_killed", faults_injected=kills, **checked.figures()
    )


def _kill(pid: int) -> int:
    try:
        os.kill(pid, signal.SIGKILL)
        return 1
    except ProcessLookupError:
        return 0


def test_stalled_server_times_out_backs_off_and_recovers(
    private_dovecot: DovecotServer, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    """SIGSTOP on Dovecot's master and all its processes for 2 s in the middle of a sync."""
    store = sqlite_store
    user = private_dovecot.add_user("stalled", PASSWORD)
    user.seed([make_message(i) for i in range(600)])
    account = user.account(batch_messages=25, timeout_seconds=1.0)
    sleep = Delays(real=True)
    thread, result = _in_background(
        lambda: sync_account(
            account,
            PASSWORD,
            store,
            ingest_ctx,
            backoff=Backoff(base_seconds=0.2, max_seconds=1.0, sleep=sleep),
        )
    )
    wait_for(
        lambda: store.count_messages(account.name) >= 25 or not thread.is_alive(),
        30,
        "the first batch",
    )
    stopped_at = store.count_messages(account.name)
    with stalled(private_dovecot) as stopped:
        time.sleep(2.0)
    thread.join(60)
    report = _report(result)
    assert stopped >= 2 and stopped_at < 600, "the stall came too late to matter"
    # What was already in the socket buffers may still be stored; then the read times out.
    assert report.reconnects >= 1 and sleep.delays
    checked = assert_mirrors(user, store, account.name)
    figures.record(
        "network_faults",
        "stalled_server",
        faults_injected=1,
        processes_stopped=stopped,
        reconnects=report.reconnects,
        **checked.figures(),
    )


def test_server_restarted_mid_sync(
    private_dovecot: DovecotServer, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    store = sqlite_store
    user = private_dovecot.add_user("restarted", PASSWORD)
    user.seed([make_message(i) for i in range(800)])
    account = user.account(batch_messages=25, timeout_seconds=2.0)
    thread, result = _in_background(
        lambda: sync_account(
            account,
            PASSWORD,
            store,
            ingest_ctx,
            backoff=Backoff(base_seconds=0.2, max_seconds=1.0, sleep=Delays(real=True)),
        )
    )
    wait_for(
        lambda: store.count_messages(account.name) >= 25 or not thread.is_alive(),
        30,
        "the first batch",
    )
    before = store.count_messages(account.name)
    restart(private_dovecot, down_seconds=0.7)
    thread.join(60)
    report = _report(result)
    assert before < 800, "the restart came too late to matter"
    assert report.reconnects >= 1
    checked = assert_mirrors(user, store, account.name)
    figures.record("network_faults", "server_restart", faults_injected=1, **checked.figures())


def test_idle_returns_promptly_when_the_connection_is_cut(dovecot: MailUser) -> None:
    proxy = NetProxy("127.0.0.1", dovecot.server.port).start()
    try:
        with ImapSession(dovecot.account(port=proxy.port), PASSWORD) as session:
            session.select_readonly("INBOX")
            threading.Timer(0.3, proxy.drop_all).start()
            started = time.monotonic()
            with pytest.raises(ImapConnectError):
                session.idle_wait(timeout_s=30)
            assert time.monotonic() - started < 5
    finally:
        proxy.stop()
    figures.record("network_faults", "cut_during_idle_session", faults_injected=1)


# --- the running service ---------------------------------------------------------------


@pytest.fixture
def service_setup(
    dovecot: MailUser, sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[object, NetProxy, MailUser, Store]]:
    """A running Service whose IMAP traffic (poll and IDLE) goes through a proxy."""
    import inboxwatch.app.daemon as daemon

    monkeypatch.setattr(daemon, "IDLE_RETRY_SECONDS", 0.3)  # the wait before reconnecting
    monkeypatch.setenv("IW_TEST_PASSWORD", PASSWORD)
    proxy = NetProxy("127.0.0.1", dovecot.server.port).start()
    config = parse_config(
        {
            "me": {"addresses": ["anna@assist.example"]},
            "accounts": [
                {
                    "name": "work",
                    "host": "127.0.0.1",
                    "port": proxy.port,
                    "security": "none",
                    "username": dovecot.name,
                    "password_env": "IW_TEST_PASSWORD",
                    "timeout_seconds": 5,
                }
            ],
            "polling": {"interval_minutes": 60, "idle": True},
        },
        "test",
    )
    dovecot.seed([make_message(i) for i in range(5)])
    service = daemon.Service(config, sqlite_store, IngestContext.from_config(config, None))
    service.start()
    try:
        wait_for(lambda: sqlite_store.count_messages("work") == 5, 20, "the first poll")
        yield service, proxy, dovecot, sqlite_store
    finally:
        service.stop()
        proxy.stop()


def test_service_survives_a_cut_during_idle(
    service_setup: tuple[object, NetProxy, MailUser, Store],
) -> None:
    _service, proxy, user, store = service_setup
    time.sleep(0.5)  # the watcher is in IDLE
    user.append([make_message(100)])
    wait_for(lambda: store.count_messages("work") == 6, 10, "new mail announced by IDLE")
    connections = proxy.connections
    proxy.drop_all()  # the IDLE connection dies
    wait_for(lambda: proxy.connections > connections, 10, "the watcher to reconnect")
    time.sleep(0.5)
    user.append([make_message(101)])
    wait_for(lambda: store.count_messages("work") == 7, 10, "mail after the reconnect")
    assert_mirrors(user, store, "work")
    figures.record("network_faults", "service_idle_cut", faults_injected=1, messages_checked=7)


def test_mail_that_arrived_while_idle_was_down_is_caught_up(
    service_setup: tuple[object, NetProxy, MailUser, Store],
) -> None:
    _service, proxy, user, store = service_setup
    time.sleep(0.5)
    proxy.stall()  # the link is dead; the watcher notices when the server is silent
    proxy.drop_all()
    user.append([make_message(200)])  # arrives while nobody is watching
    proxy.resume()
    wait_for(
        lambda: store.count_messages("work") == 6,
        10,
        "mail that arrived during the outage (the poll interval is 60 min)",
    )
