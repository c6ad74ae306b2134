"""Takeover after a crash: how long a new ``inboxwatch run`` waits after the running one was
SIGKILLed (the OOM killer, a power cut of the process) on the same host.

    .venv/bin/python -m bench.takeover_bench [--repeats 5] [--only sqlite|postgresql]

Each round starts the real service in a child process (``tests/tools/service.py``, which
runs ``daemon.run_service``), waits until it holds the service lease, SIGKILLs it, and then
times ``Service.start()`` in this process from the moment the child is reaped until it has
the lease (retrying every 50 ms while it is refused). Before issue 12 this was the whole
lease ttl: 120 s for ``run``, 300 s for ``poll --once``. A holder on another host is still
waited for: at most ``daemon.LEASE_SECONDS`` (30 s), which is not measured here.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import DEFAULT_POSTGRES, command_line, machine_line, record, scratch_dir
from inboxwatch.app import daemon
from inboxwatch.config import parse_config
from inboxwatch.errors import LockError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.storage.store import Store

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
    name = f"iw_takeover_{secrets.token_hex(4)}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
        return [takeover_seconds(url) for _ in range(repeats)]
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL")
    args = parser.parse_args(argv)
    print(machine_line(), flush=True)
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


if __name__ == "__main__":
    raise SystemExit(main())
