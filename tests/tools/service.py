"""Run the real inboxwatch service (``daemon.run_service``) until SIGTERM, for the tests.

    python -m tests.tools.service --db URL [--lease-seconds 120]

Prints ``started`` once :meth:`Service.start` returned (the service lease, or on PostgreSQL
the worker's membership lease, is held), or the
LockError on stderr with exit status 75. The config has no accounts: these tests are about
the database-wide lease, not about mail.
"""

from __future__ import annotations

import argparse
import sys

from inboxwatch.app import daemon
from inboxwatch.config import parse_config
from inboxwatch.errors import LockError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.storage.store import Store

EXIT_TEMPFAIL = 75


class _Announcing(daemon.Service):
    def start(self) -> None:
        super().start()
        print("started", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.tools.service")
    parser.add_argument("--db", required=True)
    parser.add_argument("--lease-seconds", type=float, default=daemon.LEASE_SECONDS)
    args = parser.parse_args(argv)
    daemon.LEASE_SECONDS = args.lease_seconds  # SQLite: the service lease
    daemon.WORKER_LEASE_SECONDS = args.lease_seconds  # PostgreSQL: the worker's membership
    config = parse_config(
        {"me": {"addresses": ["anna@assist.example"]}, "polling": {"interval_minutes": 60}},
        "tests/tools/service.py",
    )
    store = Store.open(args.db)
    daemon.Service = _Announcing  # type: ignore[misc]  # run_service builds a Service
    try:
        return daemon.run_service(config, store, IngestContext.from_config(config, None))
    except LockError as exc:
        print(f"inboxwatch: {exc}", file=sys.stderr)
        store.close()
        return EXIT_TEMPFAIL


if __name__ == "__main__":
    sys.exit(main())
