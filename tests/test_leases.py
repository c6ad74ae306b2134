"""Database leases: one holder at a time, expiry, renewal, release — on both databases."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from inboxwatch.errors import LockError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.storage.leases import Lease, Leases
from inboxwatch.storage.schema import leases
from inboxwatch.storage.store import Store, utcnow
from tests.dovecot import MailUser, make_message


class Clock:
    """A settable clock, so expiry is tested without sleeping."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def test_second_holder_is_told_who_holds_it_and_until_when(store: Store) -> None:
    clock = Clock()
    first = Leases(store, holder="host-a:101", clock=clock)
    second = Leases(store, holder="host-b:202", clock=clock)
    lease = first.acquire("account:work", ttl_seconds=60)
    with pytest.raises(LockError) as caught:
        second.acquire("account:work", ttl_seconds=60)
    until = f"{lease.expires_at:%Y-%m-%d %H:%M:%S}"
    assert str(caught.value).startswith(
        f"account:work is in use by host-a:101 until {until} UTC; wait for it"
    )
    assert second.acquire("account:other", ttl_seconds=60).holder == "host-b:202"


def test_expired_lease_is_taken_over_and_the_old_holder_learns_it(store: Store) -> None:
    clock = Clock()
    first = Leases(store, holder="a", clock=clock)
    second = Leases(store, holder="b", clock=clock)
    old = first.acquire("account:work", ttl_seconds=30)
    clock.advance(31)  # the first holder died or stalled without renewing
    new = second.acquire("account:work", ttl_seconds=30)
    assert new.holder == "b"
    with pytest.raises(LockError, match="lost the lease account:work"):
        first.renew(old)
    first.release(old)  # not ours any more: must not free the new holder's lease
    with pytest.raises(LockError, match="in use by b"):
        first.acquire("account:work")


def test_renew_extends_and_release_frees(store: Store) -> None:
    clock = Clock()
    first = Leases(store, holder="a", clock=clock)
    second = Leases(store, holder="b", clock=clock)
    lease = first.acquire("service", ttl_seconds=30)
    clock.advance(20)
    lease = first.renew(lease)
    clock.advance(20)  # 40 s after acquiring: alive only thanks to the renewal
    with pytest.raises(LockError):
        second.acquire("service", ttl_seconds=30)
    first.release(lease)
    assert second.acquire("service", ttl_seconds=30).holder == "b"


def test_holder_may_reacquire_its_own_lease(store: Store) -> None:
    leases = Leases(store, holder="a")
    leases.acquire("service", ttl_seconds=30)
    assert leases.acquire("service", ttl_seconds=60).holder == "a"


def test_hold_releases_even_on_error(store: Store) -> None:
    leases = Leases(store, holder="a")
    with pytest.raises(RuntimeError), leases.hold("service"):
        raise RuntimeError("boom")
    assert Leases(store, holder="b").acquire("service").holder == "b"


class _SignalledAfterTaking(Leases):
    """A signal handler that raises (``poll --once`` on SIGTERM/SIGHUP) firing just after
    the lease row was committed, before acquire() returned it to its caller."""

    def acquire(self, name: str, ttl_seconds: float = 60.0) -> Lease:
        super().acquire(name, ttl_seconds)
        raise KeyboardInterrupt


def test_hold_releases_a_lease_taken_just_before_a_signal(store: Store) -> None:
    """Before: the lease stayed held (CI caught ``poll --once`` on SIGHUP doing it)."""
    with pytest.raises(KeyboardInterrupt), _SignalledAfterTaking(store, holder="a").hold("x"):
        pass
    assert Leases(store, holder="b").acquire("x").holder == "b"


def test_sync_releases_a_lease_taken_just_before_a_signal(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    from inboxwatch.ingest.sync import sync_account

    account = dovecot.account()
    leases = _SignalledAfterTaking(sqlite_store, holder="a")
    with pytest.raises(KeyboardInterrupt):
        sync_account(account, "secret", sqlite_store, ingest_ctx, leases=leases)
    assert Leases(sqlite_store, holder="b").acquire(f"account:{account.name}").holder == "b"


def test_only_one_of_many_concurrent_takers_wins(store: Store) -> None:
    start = threading.Barrier(6)
    winners: list[str] = []
    losers: list[str] = []

    def take(holder: str) -> None:
        start.wait()
        try:
            Leases(store, holder=holder).acquire("account:work", ttl_seconds=60)
            winners.append(holder)
        except LockError:
            losers.append(holder)

    threads = [threading.Thread(target=take, args=(f"t{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(winners) == 1 and len(losers) == 5


def test_default_holder_names_host_and_pid(sqlite_store: Store) -> None:
    import os

    holder = Leases(sqlite_store).holder
    assert f":{os.getpid()}:" in holder


def test_sync_refuses_an_account_another_process_is_polling(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    from inboxwatch.ingest.sync import sync_account

    dovecot.seed([make_message(1)])
    account = dovecot.account()
    other = Leases(sqlite_store, holder="otherhost:4242")
    lease = other.acquire(f"account:{account.name}", ttl_seconds=60)
    with pytest.raises(LockError, match="in use by otherhost:4242"):
        sync_account(account, "secret", sqlite_store, ingest_ctx)
    assert sqlite_store.count_messages() == 0
    other.release(lease)
    assert sync_account(account, "secret", sqlite_store, ingest_ctx).inserted == 1
    # the sync released its lease when done
    assert other.acquire(f"account:{account.name}").holder == "otherhost:4242"


def _dead_pid() -> int:
    """A pid that belonged to a process which has exited."""
    import subprocess
    import sys

    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(child.stdout)


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over_at_once(store: Store) -> None:
    """Issue 12, item 6: a SIGKILLed holder blocked the next process for the whole ttl."""
    from dataclasses import replace

    from inboxwatch.storage.leases import this_process

    dead = replace(this_process(), pid=_dead_pid())
    Leases(store, holder=str(dead)).acquire("account:work", ttl_seconds=300)
    mine = Leases(store)
    assert mine.acquire("account:work", ttl_seconds=300).holder == mine.holder


def test_a_reused_pid_does_not_keep_a_dead_holders_lease(store: Store) -> None:
    """The pid now belongs to another process (ours), started at another time."""
    from dataclasses import replace

    from inboxwatch.storage.leases import this_process

    me = this_process()
    earlier = replace(me, ticks=me.ticks - 100, started=me.started - 1)
    Leases(store, holder=str(earlier)).acquire("service", ttl_seconds=300)
    assert Leases(store).acquire("service").holder != str(earlier)


def test_a_live_holder_is_refused_with_who_since_when_and_how_to_clear(store: Store) -> None:
    import os
    import re
    import socket

    live = Leases(store)  # this very process: alive
    live.acquire("service", ttl_seconds=300)
    with pytest.raises(LockError) as caught:
        Leases(store).acquire("service")
    message = str(caught.value)
    host, pid = socket.gethostname(), os.getpid()
    assert re.match(
        rf"service is in use by process {pid} on {re.escape(host)} \(running "
        r"since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\), lease renewed until "
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; wait for it to finish, or stop it "
        rf"\(kill {pid} on {re.escape(host)}\)",
        message,
    ), message
    assert "taken over at once" in message


def test_a_holder_on_another_host_is_never_judged_dead(store: Store) -> None:
    from dataclasses import replace

    from inboxwatch.storage.leases import this_process

    elsewhere = replace(this_process(), host="otherhost", pid=_dead_pid())
    Leases(store, holder=str(elsewhere)).acquire("service", ttl_seconds=300)
    with pytest.raises(LockError, match=r"process .* on otherhost"):
        Leases(store).acquire("service")


def test_a_kept_lease_outlives_its_ttl_and_lapses_soon_after_the_keeper_stops(store: Store) -> None:
    """A short ttl renewed by a heartbeat thread, not once per batch."""
    import time

    from inboxwatch.storage.leases import LeaseKeeper

    holder = Leases(store, holder="otherhost:1:x")
    keeper = LeaseKeeper(holder, holder.acquire("account:work", ttl_seconds=3.0)).start()
    time.sleep(7.0)  # more than twice the ttl, with no renew() call from the holder
    assert keeper.problem() is None
    with pytest.raises(LockError):
        Leases(store).acquire("account:work")
    keeper.stop()  # the holder froze
    time.sleep(3.2)
    assert Leases(store).acquire("account:work").holder != "otherhost:1:x"
    assert keeper.problem() is not None  # it knows its lease lapsed


def test_a_poller_keeps_its_short_account_lease_while_the_server_is_silent(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    """The account lease is renewed by a thread, not once per batch: a sync stuck on a
    silent server for longer than the lease's ttl still holds it (so its ttl can be short,
    and a poller that died on another host blocks the account only that long)."""
    from inboxwatch.ingest.sync import sync_account
    from tests.netproxy import NetProxy

    dovecot.seed([make_message(i) for i in range(3)])
    with NetProxy("127.0.0.1", dovecot.server.port) as proxy:
        account = dovecot.account(port=proxy.port)
        proxy.stall()
        result: list[int] = []

        def sync() -> None:
            report = sync_account(account, "secret", sqlite_store, ingest_ctx, lease_seconds=1.0)
            result.append(report.inserted)

        syncing = threading.Thread(target=sync)
        syncing.start()
        name = f"account:{account.name}"
        for _ in range(100):  # until the sync has taken its lease
            with sqlite_store.transaction() as conn:
                if conn.execute(select(leases.c.holder).where(leases.c.name == name)).first():
                    break
            threading.Event().wait(0.05)
        other = Leases(sqlite_store, holder="otherhost:4242")
        deadline = utcnow() + timedelta(seconds=3)
        refused = 0
        while utcnow() < deadline:  # three ttls of silence: the lease never lapses
            with pytest.raises(LockError, match="in use by"):
                other.acquire(f"account:{account.name}", ttl_seconds=60)
            refused += 1
            threading.Event().wait(0.2)
        proxy.resume()
        syncing.join(timeout=30)
    assert refused >= 10 and result == [3]
    # and it was released at the end
    assert other.acquire(f"account:{account.name}").holder == "otherhost:4242"


def test_a_poller_still_forks_its_parsing_workers_while_its_lease_thread_runs(
    dovecot: MailUser,
    sqlite_store: Store,
    ingest_ctx: IngestContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Forking wants no other thread: the lease thread pauses for the fork."""
    from inboxwatch.ingest import workers
    from inboxwatch.ingest.pipeline import PARALLEL_MIN_MESSAGES
    from inboxwatch.ingest.sync import sync_account

    if threading.active_count() != 1:
        pytest.skip("this test process runs other threads; forking is unsafe here anyway")
    forked: list[int] = []
    real_fork_pool = workers.fork_pool

    def recording_fork_pool(*args, **kwargs):  # type: ignore[no-untyped-def]
        forked.append(threading.active_count())
        return real_fork_pool(*args, **kwargs)

    monkeypatch.setattr(workers, "fork_pool", recording_fork_pool)
    dovecot.seed([make_message(i) for i in range(PARALLEL_MIN_MESSAGES)])
    report = sync_account(dovecot.account(), "secret", sqlite_store, ingest_ctx, lease_seconds=3.0)
    assert report.inserted == PARALLEL_MIN_MESSAGES
    assert forked == [1]  # forked once, with the lease thread paused
    assert threading.active_count() == 1  # and the lease thread is gone after the sync
