"""Database leases: only one process works on a given account at a time (docs/SYNC.md rule 12).

A lease is a row in ``leases`` (name, holder, expires_at). Taking it is one atomic upsert
that succeeds only if the row is absent, expired, or already ours, so it works the same on
SQLite and PostgreSQL and across machines sharing one PostgreSQL database. A holder that dies
simply stops renewing; its lease expires and the next poller takes over. Times are naive UTC,
like every timestamp in the database.

    leases = Leases(store)
    with leases.hold("account:work", ttl_seconds=300) as lease:
        ...
        lease = leases.renew(lease)      # between batches
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update

from inboxwatch.errors import LockError
from inboxwatch.storage.schema import dialect_insert, leases
from inboxwatch.storage.store import Store, utcnow

DEFAULT_TTL_SECONDS = 300.0


def default_holder() -> str:
    """Who we are, as other processes will see it: host, pid and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Lease:
    """A lease we hold until *expires_at* (naive UTC) unless renewed."""

    name: str
    holder: str
    expires_at: datetime
    ttl_seconds: float


class Leases:
    """Acquire, renew and release leases in the store's database."""

    def __init__(self, store: Store, *, holder: str | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.holder = holder or default_holder()
        self.clock = clock

    def acquire(self, name: str, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> Lease:
        """Take *name* for *ttl_seconds*; raises LockError naming the current holder."""
        for _attempt in range(3):  # the holder may release between our two statements
            lease, current = self._try_acquire(name, ttl_seconds)
            if lease is not None:
                return lease
            if current is not None:
                holder, until = current
                raise LockError(f"{name} is in use by {holder} until {until:%Y-%m-%d %H:%M:%S}"
                                " UTC; wait for it to finish, or stop that process (a dead "
                                "holder's lease expires by itself)")
        raise LockError(f"{name} keeps changing hands; try again in a moment")

    def _try_acquire(self, name: str, ttl_seconds: float
                     ) -> tuple[Lease | None, tuple[str, datetime] | None]:
        now = self.clock()
        expires = now + timedelta(seconds=ttl_seconds)
        with self.store.transaction() as conn:
            if _take(conn, name, self.holder, now, expires):
                return Lease(name, self.holder, expires, ttl_seconds), None
            row = conn.execute(select(leases.c.holder, leases.c.expires_at).where(
                leases.c.name == name)).first()
        return None, (row.holder, row.expires_at) if row is not None else None

    def renew(self, lease: Lease) -> Lease:
        """Extend *lease* by its ttl; raises LockError if another holder took it meanwhile."""
        now = self.clock()
        expires = now + timedelta(seconds=lease.ttl_seconds)
        with self.store.transaction() as conn:
            changed = conn.execute(update(leases).where(
                leases.c.name == lease.name, leases.c.holder == lease.holder,
            ).values(expires_at=expires)).rowcount
        if changed != 1:
            raise LockError(f"lost the lease {lease.name}: it expired at "
                            f"{lease.expires_at:%Y-%m-%d %H:%M:%S} UTC and another process "
                            "took it; stopping this run")
        return Lease(lease.name, lease.holder, expires, lease.ttl_seconds)

    def release(self, lease: Lease) -> None:
        """Give the lease up (no-op if it is no longer ours)."""
        with self.store.transaction() as conn:
            conn.execute(delete(leases).where(
                leases.c.name == lease.name, leases.c.holder == lease.holder))

    @contextmanager
    def hold(self, name: str, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> Iterator[Lease]:
        """Acquire *name* for the duration of the block, then release it."""
        lease = self.acquire(name, ttl_seconds)
        try:
            yield lease
        finally:
            self.release(lease)


def _take(conn: Connection, name: str, holder: str, now: datetime, expires: datetime
          ) -> bool:
    """One atomic upsert: insert, or overwrite a row that is expired or already ours."""
    statement = dialect_insert(conn.dialect.name, leases).values(
        name=name, holder=holder, expires_at=expires)
    statement = statement.on_conflict_do_update(
        index_elements=["name"],
        set_={"holder": holder, "expires_at": expires},
        where=(leases.c.expires_at <= now) | (leases.c.holder == holder),
    ).returning(leases.c.name)
    return conn.execute(statement).first() is not None
