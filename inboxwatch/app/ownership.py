"""Several ``inboxwatch run`` workers on one PostgreSQL database share the accounts.

Each worker holds a membership lease ``worker:<holder>`` (``WORKER_LEASE_SECONDS``, renewed
every third of it by its LeaseKeeper); the live workers are the unexpired memberships. Every
few seconds (``REBALANCE_SECONDS``) each worker reads them and works out what it owns by
rendezvous (highest-random-weight) hashing: an item belongs to the worker with the highest
weight for the pair (item, worker). Every worker computes the same answer from the same
list; when a worker joins or leaves, only the items it gains or held move.

The items are the accounts (``account:<name>``) and two jobs that must run on one worker
only: the daily report and retention. Ownership decides who *tries*; the lease
``account:<name>`` taken by the sync (held with the worker's own holder string) still
guarantees that one worker at a time syncs an account, also while two workers briefly
disagree about the list. SQLite has one worker: it owns everything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

WORKER_LEASE_SECONDS = 15.0  # renewed every 5 s; a worker gone for this long is dead
REBALANCE_SECONDS = 3.0  # how often a worker re-reads the live workers
REPORT_ITEM = "job:daily-report"
RETENTION_ITEM = "job:retention"


def account_item(name: str) -> str:
    """The hashing item of account *name* (never equal to a job item)."""
    return f"account:{name}"


def weight(item: str, worker: str) -> int:
    """The pseudo-random weight of *worker* for *item*: the same on every host."""
    digest = hashlib.blake2b(f"{item}\0{worker}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner(item: str, workers: Iterable[str]) -> str | None:
    """The worker that owns *item* (None when there is no worker)."""
    return max(workers, key=lambda worker: weight(item, worker), default=None)


def assignment(items: Iterable[str], workers: Iterable[str]) -> dict[str, list[str]]:
    """Every worker with the items it owns, in the given order (workers owning none get an
    empty list)."""
    crew = list(workers)
    owned: dict[str, list[str]] = {worker: [] for worker in crew}
    for item in items:
        chosen = owner(item, crew)
        if chosen is not None:
            owned[chosen].append(item)
    return owned
