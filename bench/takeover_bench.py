"""Takeover after a crash: how long a new ``inboxwatch run`` waits after the running one was
SIGKILLed (the OOM killer, a power cut of the process) on the same host.

    .venv/bin/python -m bench.takeover_bench [--repeats 5] [--only sqlite|postgresql]

Each round starts the real service in a child process (``tests/tools/service.py``, which
runs ``daemon.run_service``), waits until it holds the service lease, SIGKILLs it, and then
times ``Service.start()`` in this process from the moment the child is reaped until it has
the lease (retrying every 50 ms while it is refused). Before issue 12 this was the whole
lease ttl: 120 s for ``run``, 300 s for ``poll --once``. A single service on another host
is still waited for: at most ``daemon.LEASE_SECONDS`` (30 s), and a poller on another host
at most ``sync.ACCOUNT_LEASE_SECONDS`` (30 s); neither is measured here.

Several workers (``--workers``, issue 12 item 7): three real ``inboxwatch run`` workers on
one PostgreSQL database share twelve accounts of a throwaway Dovecot; once every account
is synced, one worker is SIGKILLed and the time from the kill until each of its accounts
has its next successful sync by another worker is measured (read from ``account_health``
every 50 ms). Twice: the victim on this host (its death is proved from its pid), and the
victim in a pid namespace of its own (``unshare --pid``), which the others cannot look
into — as for a worker on another host, only the expiry of its membership lease
(``WORKER_LEASE_SECONDS``) tells them (that case needs root; it is skipped otherwise).

    .venv/bin/python -m bench.takeover_bench --workers [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import (
    DEFAULT_POSTGRES,
    command_line,
    machine_line,
    record,
    scratch_dir,
    write_toml,
)
from inboxwatch.app import daemon, ownership
from inboxwatch.config import parse_config
from inboxwatch.errors import LockError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.storage.health import accounts_health
from inboxwatch.storage.leases import Holder, Leases, this_process
from inboxwatch.storage.store import Store, utcnow
from tests.dovecot import DovecotServer, MailUser, make_message

REPO = Path(__file__).resolve().parent.parent
CONFIG = {"me": {"addresses": ["anna@assist.example"]}, "polling": {"interval_minutes": 60}}


def _start_child(url: str) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.tools.service", "--db", url],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None
    if child.stdout.readline().strip() != "started":
        raise SystemExit(f"the service did not start on {url}")
    return child


def takeover_seconds(url: str) -> float:
    """SIGKILL a running service; seconds until a new one holds the lease."""
    child = _start_child(url)
    child.send_signal(signal.SIGKILL)
    child.wait()
    config = parse_config(CONFIG, "bench/takeover_bench.py")
    service = daemon.Service(config, Store.open(url), IngestContext.from_config(config, None))
    started = time.perf_counter()
    while True:
        try:
            service.start()
            break
        except LockError:
            time.sleep(0.05)
    took = time.perf_counter() - started
    service.stop()
    return took


def measure(kind: str, repeats: int, postgres: str) -> list[float]:
    """*repeats* takeovers on a fresh database of *kind*, dropped afterwards."""
    if kind == "sqlite":
        db = scratch_dir() / f"takeover-{secrets.token_hex(4)}.db"
        try:
            return [takeover_seconds(f"sqlite:///{db}") for _ in range(repeats)]
        finally:
            for path in db.parent.glob(db.name + "*"):
                path.unlink()
    with _postgres_database(postgres) as url:
        return [takeover_seconds(url) for _ in range(repeats)]


@contextmanager
def _postgres_database(postgres: str) -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    name = f"iw_takeover_{secrets.token_hex(4)}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- several workers ----------------------------------------------------------------------

WORKERS, ACCOUNTS, MESSAGES = 3, 12, 50
PASSWORD_ENV = "IW_BENCH_IMAP_PASSWORD"
# a pid namespace of its own: the other workers cannot see whether the victim's pid lives
OTHER_NAMESPACE = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc"]


def _workers_config(folder: Path, url: str, users: list[MailUser]) -> Path:
    config: dict[str, Any] = {
        "database": {"url": url},
        "me": {"addresses": ["anna@assist.example"], "timezone": "Europe/Budapest"},
        "polling": {"interval_minutes": 60, "idle": True},
        "accounts": [
            {
                "name": f"acct-{i:02d}",
                "host": "127.0.0.1",
                "port": user.server.port,
                "security": "none",
                "username": user.name,
                "password_env": PASSWORD_ENV,
                "folders": ["INBOX"],
                "timeout_seconds": 10,
            }
            for i, user in enumerate(users)
        ],
    }
    path = write_toml(folder / "workers.toml", config)
    path.chmod(0o600)
    return path


def _start_worker(config: Path, isolated: bool, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "inboxwatch", "--config", str(config), "-v", "run"]
    with log.open("a") as stderr:
        return subprocess.Popen(
            [*OTHER_NAMESPACE, *command] if isolated else command,
            cwd=REPO,
            env={**os.environ, PASSWORD_ENV: "secret", "PYTHONPATH": str(REPO)},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def _wait(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what} (the workers' logs: worker*.log)")
        time.sleep(0.05)


def _all_synced_since(store: Store, names: list[str], since: datetime) -> bool:
    health = accounts_health(store)
    return all(name in health and (health[name].last_success_at or since) > since for name in names)


def worker_takeover_seconds(config: Path, store: Store, isolated: bool) -> float:
    """Three workers, the first one SIGKILLed once all accounts are synced; seconds from
    the kill until every account it owned had a successful sync by another worker."""
    names = [f"acct-{i:02d}" for i in range(ACCOUNTS)]
    started = utcnow()
    logs = [config.with_name(f"worker{i}.log") for i in range(WORKERS)]
    crew = [_start_worker(config, isolated and i == 0, log) for i, log in enumerate(logs)]
    try:
        _wait(lambda: len(Leases(store).live_members()) == WORKERS, 60, "three workers")
        time.sleep(2 * ownership.REBALANCE_SECONDS + 1)  # every worker has seen the other two
        _wait(lambda: _all_synced_since(store, names, started), 120, "the first syncs")
        members = Leases(store).live_members()
        victim = _victim_holder(members, crew[0].pid, isolated)
        owned = [n for n in names if ownership.owner(ownership.account_item(n), members) == victim]
        crew[0].send_signal(signal.SIGKILL)
        killed = utcnow()
        crew[0].wait()
        _wait(lambda: _all_synced_since(store, owned, killed), 120, "the takeover")
        health = accounts_health(store)
        return max(((health[n].last_success_at or killed) - killed).total_seconds() for n in owned)
    finally:
        for process in crew:
            process.send_signal(signal.SIGTERM)
        for process in crew:
            process.wait(60)


def _victim_holder(members: list[str], pid: int, isolated: bool) -> str:
    """The holder of the worker started as *pid*: by its pid, or (in a pid namespace of
    its own, where it has another pid) as the one whose namespace is not ours."""
    ours = this_process().namespace
    for member in members:
        holder = Holder.parse(member)
        if holder is not None and (holder.namespace != ours if isolated else holder.pid == pid):
            return member
    raise SystemExit(f"no worker membership for pid {pid} among {members}")


def _victims() -> list[tuple[str, bool]]:
    """Where the victim runs: this host, and (root only: unshare --pid) "another host"."""
    if os.geteuid() == 0 and shutil.which("unshare"):
        return [("same host", False), ("other host", True)]
    print("not root (or no unshare): the other-host case is skipped", flush=True)
    return [("same host", False)]


def measure_workers(repeats: int, postgres: str) -> dict[str, list[float]]:
    """*repeats* kills of one worker of three, on this host and "on another host"."""
    folder = Path(tempfile.mkdtemp(prefix="iw-bench-workers-"))
    server = DovecotServer.start()
    try:
        users = [server.add_user(f"worker{i}", "secret") for i in range(ACCOUNTS)]
        for i, user in enumerate(users):
            user.seed([make_message(1000 * i + n) for n in range(MESSAGES)])
        with _postgres_database(postgres) as url, Store.open(url) as store:
            config = _workers_config(folder, url, users)
            return {
                where: [worker_takeover_seconds(config, store, isolated) for _ in range(repeats)]
                for where, isolated in _victims()
            }
    except SystemExit:
        print(f"the workers' logs are kept in {folder}", flush=True)
        raise
    else:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--workers", action="store_true", help="several workers instead")
    args = parser.parse_args(argv)
    print(machine_line(), flush=True)
    if args.workers:
        return report_workers(args.repeats, args.postgres)
    for kind in [args.only] if args.only else ["sqlite", "postgresql"]:
        times = measure(kind, args.repeats, args.postgres)
        print(
            f"takeover after SIGKILL ({kind}): median {statistics.median(times) * 1000:.0f}"
            f" ms, worst {max(times) * 1000:.0f} ms over {len(times)} kills "
            f"(lease ttl {daemon.LEASE_SECONDS:g} s)",
            flush=True,
        )
        record(
            "takeover",
            {
                "database": kind,
                "kills": len(times),
                "median_ms": statistics.median(times) * 1000,
                "worst_ms": max(times) * 1000,
                "lease_seconds": daemon.LEASE_SECONDS,
            },
            command_line(),
        )
    return 0


def report_workers(repeats: int, postgres: str) -> int:
    for where, times in measure_workers(repeats, postgres).items():
        print(
            f"several workers, one of {WORKERS} SIGKILLed ({where}): its accounts synced by "
            f"the others after median {statistics.median(times):.1f} s, worst "
            f"{max(times):.1f} s over {len(times)} kills (membership ttl "
            f"{ownership.WORKER_LEASE_SECONDS:g} s, rebalance every "
            f"{ownership.REBALANCE_SECONDS:g} s; {ACCOUNTS} accounts)",
            flush=True,
        )
        record(
            "takeover_workers",
            {
                "victim": where,
                "kills": len(times),
                "median_s": statistics.median(times),
                "worst_s": max(times),
                "workers": WORKERS,
                "accounts": ACCOUNTS,
                "member_lease_seconds": ownership.WORKER_LEASE_SECONDS,
            },
            command_line(),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
