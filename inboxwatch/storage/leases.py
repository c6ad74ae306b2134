"""Database leases: only one process works on a given account at a time (docs/SYNC.md rule 12).

A lease is a row in ``leases`` (name, holder, expires_at). Taking it is one atomic upsert
that succeeds only if the row is absent, expired, or already ours, so it works the same on
SQLite and PostgreSQL and across machines sharing one PostgreSQL database. Times are naive
UTC, like every timestamp in the database.

A holder names its host, pid and process start time (``host:pid:start:tag``). When the holder
ran on this host and that process is gone (its pid is free, or now belongs to a process that
started at another time), the lease is taken over at once: a SIGKILLed or OOM-killed process
does not block the next one. A holder on another host cannot be checked; its lease expires
*ttl* after its last renewal. Every holder renews its lease with a :class:`LeaseKeeper`
thread, every third of a short ttl (30 s for the service and for an account); a poller
pauses that thread for the moment it forks its ingest workers (:meth:`LeaseKeeper.paused`).

A holder may also keep a *membership* lease ``worker:<holder>`` (the ``run`` workers sharing
one PostgreSQL database do, see ``inboxwatch.app.ownership``). Once that membership has
expired, its holder counts as dead wherever it ran: its other leases are taken over at once,
without waiting for their own (longer) ttl.

    leases = Leases(store)
    with leases.hold("account:work", ttl_seconds=30) as lease:
        ...                              # renewed every 10 s meanwhile
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, delete, select, update

from inboxwatch.errors import InboxwatchError, LockError
from inboxwatch.storage.schema import dialect_insert, leases
from inboxwatch.storage.store import Store, utcnow

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 30.0  # renewed every 10 s by a LeaseKeeper thread
MEMBER_PREFIX = "worker:"
# a membership row expired this long ago is deleted; any lease its holder still had has
# expired by then (DEFAULT_TTL_SECONDS), so nothing depends on it any more
FORGET_MEMBERS_AFTER = timedelta(hours=1)


def member_lease(holder: str) -> str:
    """The name of *holder*'s membership lease."""
    return MEMBER_PREFIX + holder


@dataclass(frozen=True)
class Holder:
    """Who holds a lease: enough to tell, on the same host, whether that process still lives.

    *namespace* is the pid namespace (two containers sharing a host name have different
    ones, so neither can misjudge the other's pids); *ticks* is the process start time in
    clock ticks since boot (a reused pid has another); *started* is the same as epoch
    seconds, for people. Empty or zero when unknown: then death is never "proven"."""

    host: str
    pid: int
    namespace: str
    ticks: int
    started: int
    tag: str

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.namespace}:{self.ticks}:{self.started}:{self.tag}"

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        """The holder written by :meth:`__str__`; None for any other form."""
        parts = text.split(":")
        if len(parts) != 6 or not all(p.isdigit() for p in (parts[1], parts[3], parts[4])):
            return None
        return cls(parts[0], int(parts[1]), parts[2], int(parts[3]), int(parts[4]), parts[5])

    def describe(self) -> str:
        """ "process 1234 on host-a (running since 2026-12-07 17:55:02 UTC)"."""
        since = datetime.fromtimestamp(self.started, UTC) if self.started else None
        running = f" (running since {since:%Y-%m-%d %H:%M:%S} UTC)" if since else ""
        return f"process {self.pid} on {self.host}{running}"

    def is_provably_dead(self) -> bool:
        """True only when the holder ran in our pid namespace on this host and no process
        with its pid and start time exists any more."""
        me = this_process()
        if not self.namespace or (self.host, self.namespace) != (me.host, me.namespace):
            return False
        ticks = process_start_ticks(self.pid)
        if ticks is None:
            return True  # the pid is free
        return bool(self.ticks and ticks and ticks != self.ticks)  # pid reused


def process_start_ticks(pid: int) -> int | None:
    """When *pid* started, in clock ticks since boot; None when there is no such process,
    0 when it exists but its start time cannot be read (not Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None if Path("/proc/self/stat").exists() else _exists_or_none(pid)
    except OSError:
        return 0
    fields = stat.rpartition(")")[2].split()  # the command name may hold spaces
    return int(fields[19])  # field 22 of proc(5), counting from field 3 after ")"


def _exists_or_none(pid: int) -> int | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except OSError:
        pass  # exists, owned by someone else
    return 0


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid").strip("pid:[]")
    except OSError:
        return ""


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise OSError("no btime in /proc/stat")


def this_process() -> Holder:
    """Our own identity (a fresh random tag each call)."""
    pid = os.getpid()
    ticks = process_start_ticks(pid) or 0
    try:
        started = int(_boot_time() + ticks / os.sysconf("SC_CLK_TCK")) if ticks else 0
    except (OSError, ValueError):
        started = 0
    return Holder(socket.gethostname(), pid, _pid_namespace(), ticks, started, secrets.token_hex(3))


def default_holder() -> str:
    """Who we are, as other processes will see it (see :class:`Holder`)."""
    return str(this_process())


def _provably_dead(holder: str) -> bool:
    parsed = Holder.parse(holder)
    return parsed is not None and parsed.is_provably_dead()


def describe_holder(holder: str) -> str:
    parsed = Holder.parse(holder)
    return parsed.describe() if parsed is not None else holder


@dataclass(frozen=True)
class Lease:
    """A lease we hold until *expires_at* (naive UTC) unless renewed."""

    name: str
    holder: str
    expires_at: datetime
    ttl_seconds: float


class Leases:
    """Acquire, renew and release leases in the store's database."""

    def __init__(
        self, store: Store, *, holder: str | None = None, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.store = store
        self.holder = holder or default_holder()
        self.clock = clock

    def acquire(self, name: str, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> Lease:
        """Take *name* for *ttl_seconds*, or at once from a holder that is provably dead;
        raises LockError naming the current holder and how to clear it."""
        for _attempt in range(3):  # the holder may release between our two statements
            lease, current = self._try_acquire(name, ttl_seconds)
            if lease is not None:
                return lease
            if current is None:
                continue
            holder, until = current
            why = self._why_dead(name, holder)
            if why is not None:
                taken = self._take_from(name, holder, ttl_seconds)
                if taken is not None:
                    logger.warning("%s: took over from %s, %s", name, describe_holder(holder), why)
                    return taken
                continue
            raise LockError(_in_use(name, holder, until))
        raise LockError(f"{name} keeps changing hands; try again in a moment")

    def _why_dead(self, name: str, holder: str) -> str | None:
        """Why *holder* is known to be dead (None when it may live): its process is gone
        from this host, or its worker membership expired (checked on any host)."""
        parsed = Holder.parse(holder)
        if parsed is not None and parsed.is_provably_dead():
            return "which is no longer running"
        if name.startswith(MEMBER_PREFIX):
            return None
        with self.store.transaction() as conn:
            until = conn.execute(
                select(leases.c.expires_at).where(leases.c.name == member_lease(holder))
            ).scalar()
        if until is not None and until <= self.clock():
            return f"whose worker membership expired at {until:%Y-%m-%d %H:%M:%S} UTC"
        return None

    def check_free(self, name: str) -> None:
        """Raise LockError (as :meth:`acquire` would) while another process that may live
        holds *name*; take nothing."""
        with self.store.transaction() as conn:
            row = conn.execute(
                select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)
            ).first()
        if row is None or row.holder == self.holder or row.expires_at <= self.clock():
            return
        if self._why_dead(name, row.holder) is None:
            raise LockError(_in_use(name, row.holder, row.expires_at))

    def live_members(self) -> list[str]:
        """The holders of unexpired membership leases, except those provably dead on this
        host, sorted. Deletes memberships long expired (FORGET_MEMBERS_AFTER)."""
        now = self.clock()
        members = leases.c.name.like(MEMBER_PREFIX + "%")
        with self.store.transaction() as conn:
            conn.execute(
                delete(leases).where(members, leases.c.expires_at < now - FORGET_MEMBERS_AFTER)
            )
            holders = conn.execute(
                select(leases.c.holder).where(members, leases.c.expires_at > now)
            ).scalars()
            alive = [h for h in holders if not _provably_dead(h)]
        return sorted(alive)

    def _try_acquire(
        self, name: str, ttl_seconds: float
    ) -> tuple[Lease | None, tuple[str, datetime] | None]:
        now = self.clock()
        expires = now + timedelta(seconds=ttl_seconds)
        with self.store.transaction() as conn:
            if _take(conn, name, self.holder, now, expires):
                return Lease(name, self.holder, expires, ttl_seconds), None
            row = conn.execute(
                select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)
            ).first()
        return None, (row.holder, row.expires_at) if row is not None else None

    def _take_from(self, name: str, dead: str, ttl_seconds: float) -> Lease | None:
        """Overwrite *dead*'s row; only one of several contenders can (the WHERE holds)."""
        expires = self.clock() + timedelta(seconds=ttl_seconds)
        with self.store.transaction() as conn:
            changed = conn.execute(
                update(leases)
                .where(
                    leases.c.name == name,
                    leases.c.holder == dead,
                )
                .values(holder=self.holder, expires_at=expires)
            ).rowcount
        return Lease(name, self.holder, expires, ttl_seconds) if changed == 1 else None

    def renew(self, lease: Lease) -> Lease:
        """Extend *lease* by its ttl; raises LockError if another holder took it meanwhile."""
        now = self.clock()
        expires = now + timedelta(seconds=lease.ttl_seconds)
        with self.store.transaction() as conn:
            changed = conn.execute(
                update(leases)
                .where(
                    leases.c.name == lease.name,
                    leases.c.holder == lease.holder,
                )
                .values(expires_at=expires)
            ).rowcount
        if changed != 1:
            raise LockError(
                f"lost the lease {lease.name}: it expired at "
                f"{lease.expires_at:%Y-%m-%d %H:%M:%S} UTC and another process "
                "took it; stopping this run"
            )
        return Lease(lease.name, lease.holder, expires, lease.ttl_seconds)

    def release(self, lease: Lease) -> None:
        """Give the lease up (no-op if it is no longer ours)."""
        self._delete(lease.name, lease.holder)

    def release_name(self, name: str) -> None:
        """Give *name* up if this holder has it: for a caller interrupted (a signal) after
        :meth:`acquire` committed but before it returned the lease."""
        self._delete(name, self.holder)

    def _delete(self, name: str, holder: str) -> None:
        with self.store.transaction() as conn:
            conn.execute(delete(leases).where(leases.c.name == name, leases.c.holder == holder))

    @contextmanager
    def hold(self, name: str, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> Iterator[Lease]:
        """Acquire *name* for the duration of the block, renewed by a :class:`LeaseKeeper`,
        then release it (also when a signal interrupts the acquiring itself)."""
        keeper: LeaseKeeper | None = None
        try:
            keeper = LeaseKeeper(self, self.acquire(name, ttl_seconds)).start()
            yield keeper.lease
        finally:
            if keeper is not None:
                keeper.stop()
            self.release_name(name)


def _in_use(name: str, holder: str, until: datetime) -> str:
    """The refusal: who holds *name*, until when, and how to clear it."""
    expiry = f"{until:%Y-%m-%d %H:%M:%S} UTC"
    parsed = Holder.parse(holder)
    if parsed is None:
        return (
            f"{name} is in use by {holder} until {expiry}; wait for it to finish, or "
            "stop that process (a dead holder's lease expires by itself)"
        )
    return (
        f"{name} is in use by {parsed.describe()}, lease renewed until {expiry}; "
        f"wait for it to finish, or stop it (kill {parsed.pid} on {parsed.host}). Once "
        f"that process is gone the lease is taken over at once on {parsed.host}, and "
        "from other hosts when it expires"
    )


class LeaseKeeper:
    """Renews a held lease on a thread of its own, every third of its ttl, so a long batch
    or a busy scheduler never lets it lapse while its holder lives.

    A renewal that fails for a storage error is retried each second. :meth:`problem` says
    why the lease can no longer be trusted: another process took it, or its ttl has passed
    since the last renewal that succeeded (timed by our monotonic clock, so it is noticed
    even while a renewal hangs on a stalled database)."""

    RETRY_SECONDS = 1.0

    def __init__(self, leases: Leases, lease: Lease) -> None:
        self.leases = leases
        self._lease = lease
        self._valid_until = time.monotonic() + lease.ttl_seconds
        self._lost: str | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = self._new_thread()

    def _new_thread(self, first_wait: float | None = None) -> threading.Thread:
        wait = self._lease.ttl_seconds / 3 if first_wait is None else first_wait
        return threading.Thread(
            target=self._run,
            args=(self._stopping, wait),
            daemon=True,
            name=f"lease-{self._lease.name}",
        )

    @property
    def lease(self) -> Lease:
        with self._lock:
            return self._lease

    def start(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def stop(self) -> Lease:
        """Stop renewing (waiting briefly for a renewal under way); returns the lease."""
        self._stopping.set()
        self._thread.join(timeout=self.RETRY_SECONDS * 5)
        return self.lease

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No renewal thread during the block, for a process about to fork (forking copies
        only the calling thread; see ``ingest.workers.fork_is_safe``). The block must be
        short: the lease is not renewed meanwhile. A renewal hung on the database keeps its
        thread alive, and then the caller simply finds forking unsafe."""
        if not self._thread.is_alive():
            yield
            return
        self._stopping.set()
        self._thread.join(timeout=self.RETRY_SECONDS * 5)
        try:
            yield
        finally:
            self._stopping = threading.Event()
            self._thread = self._new_thread(first_wait=0.0)  # renew at once: time passed
            self._thread.start()

    def problem(self) -> str | None:
        """None while the lease is ours; otherwise what happened to it."""
        with self._lock:
            if self._lost is not None:
                return self._lost
            if time.monotonic() > self._valid_until:
                return (
                    f"the lease {self._lease.name} expired: it could not be renewed "
                    f"for {self._lease.ttl_seconds:g} s (database unreachable?)"
                )
        return None

    def _run(self, stopping: threading.Event, wait: float) -> None:
        while not stopping.wait(wait):
            attempt = time.monotonic()
            try:
                renewed = self.leases.renew(self.lease)
            except LockError as exc:
                with self._lock:
                    self._lost = str(exc)
                return
            except InboxwatchError as exc:
                logger.warning("cannot renew the lease %s (%s); retrying", self._lease.name, exc)
                wait = self.RETRY_SECONDS
                continue
            with self._lock:
                if attempt > self._valid_until:  # e.g. the process was stopped meanwhile
                    self._lost = (
                        f"the lease {self._lease.name} lapsed: it was renewed only after "
                        f"its ttl of {self._lease.ttl_seconds:g} s had passed"
                    )
                    return
                self._lease = renewed
                self._valid_until = attempt + renewed.ttl_seconds
            wait = renewed.ttl_seconds / 3


def _take(conn: Connection, name: str, holder: str, now: datetime, expires: datetime) -> bool:
    """One atomic upsert: insert, or overwrite a row that is expired or already ours."""
    statement = dialect_insert(conn.dialect.name, leases).values(
        name=name, holder=holder, expires_at=expires
    )
    statement = statement.on_conflict_do_update(
        index_elements=["name"],
        set_={"holder": holder, "expires_at": expires},
        where=(leases.c.expires_at <= now) | (leases.c.holder == holder),
    ).returning(leases.c.name)
    return conn.execute(statement).first() is not None
