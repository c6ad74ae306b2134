"""The service's commands: ``run`` (the daemon) and ``health`` (is it running and syncing?,
read from the service lease and the folders' last sync time in the database)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TextIO

from sqlalchemy import func, select

from inboxwatch.config import Config
from inboxwatch.errors import InboxwatchError
from inboxwatch.storage.schema import folders, leases
from inboxwatch.storage.store import Store, utcnow

HEALTH_POLL_FACTOR = 3  # unhealthy when no folder was synced for 3 poll intervals (+ slack)
HEALTH_TIMEOUT_SECONDS = 10.0  # a health check that cannot answer by then says "unhealthy"


def run_command(config: Config) -> int:
    """Run the service until SIGTERM/SIGINT."""
    from inboxwatch.classifying.classifier import Classifier
    from inboxwatch.app.daemon import run_service
    from inboxwatch.ingest.pipeline import IngestContext

    classifier = Classifier.load(config.models_dir)
    store = Store.open(config.database_url)
    return run_service(config, store, IngestContext.from_config(config, classifier))


def health_problems(config: Config, store: Store) -> list[str]:
    """Why the service is not healthy (an empty list means healthy)."""
    from inboxwatch.app.daemon import SERVICE_LEASE

    now = utcnow()
    problems = []
    with store.transaction() as conn:
        lease = conn.execute(select(leases.c.expires_at).where(
            leases.c.name == SERVICE_LEASE)).scalar()
        last_sync = conn.execute(select(func.max(folders.c.last_synced_at))).scalar()
    if lease is None or lease < now:
        problems.append("the service is not running (no live service lease in the database)")
    if config.accounts:
        limit = timedelta(minutes=config.polling.interval_minutes * HEALTH_POLL_FACTOR + 5)
        if last_sync is None or now - last_sync > limit:
            seen = f"{last_sync:%Y-%m-%d %H:%M} UTC" if last_sync else "never"
            problems.append(f"no successful sync within {limit} (last: {seen})")
    return problems


def health_command(config: Config, out: TextIO) -> int:
    """0 when the service runs and syncs; 1 with the reasons otherwise, also when the
    database does not answer within HEALTH_TIMEOUT_SECONDS (a stalled server must not hang
    the check that is meant to notice it)."""
    answer: list[list[str]] = []
    check = threading.Thread(target=lambda: answer.append(_check(config)), daemon=True,
                             name="health-check")
    check.start()
    check.join(HEALTH_TIMEOUT_SECONDS)
    if not answer:
        out.write(f"unhealthy: the database did not answer within "
                  f"{HEALTH_TIMEOUT_SECONDS:g} s\n")
        return 1
    if answer[0]:
        out.write("unhealthy: " + "; ".join(answer[0]) + "\n")
        return 1
    out.write("healthy\n")
    return 0


def _check(config: Config) -> list[str]:
    try:
        store = Store.open(config.database_url)
    except InboxwatchError as exc:
        return [str(exc)]
    try:
        return health_problems(config, store)
    except InboxwatchError as exc:
        return [str(exc)]
    finally:
        store.close()
