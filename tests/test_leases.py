"""Database leases: one holder at a time, expiry, renewal, release — on both databases."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from inboxwatch.errors import LockError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.storage.leases import Leases
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
        f"account:work is in use by host-a:101 until {until} UTC; wait for it")
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
        dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext) -> None:
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
