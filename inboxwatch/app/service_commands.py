"""The service's commands: ``run`` (the daemon) and ``health`` (is it running and syncing?,
read from the service lease and the folders' last sync time in the database)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TextIO

from sqlalchemy import func, select

from inboxwatch.config import Config
from inboxwatch.errors import InboxwatchError
from inboxwatch.storage.schema import folders, leases
from inboxwatch.storage.store import Store, utcnow

logger = logging.getLogger(__name__)

HEALTH_POLL_FACTOR = 3  # unhealthy when no folder was synced for 3 poll intervals (+ slack)


def run_command(config: Config) -> int:
    """Log what the service will do (at INFO, which the CLI shows by default for this
    module), then run it until SIGTERM/SIGINT."""
    from inboxwatch.app.daemon import run_service
    from inboxwatch.app.setup_commands import service_summary, summary_warnings
    from inboxwatch.classifying.classifier import Classifier
    from inboxwatch.ingest.pipeline import IngestContext

    logger.info("config %s", config.path)
    for line in service_summary(config):
        logger.info("%s", line)
    for warning in summary_warnings(config):
        logger.warning("%s", warning)
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
    """0 when the service runs and syncs; 1 with the reasons otherwise."""
    try:
        store = Store.open(config.database_url)
    except InboxwatchError as exc:
        out.write(f"unhealthy: {exc}\n")
        return 1
    try:
        problems = health_problems(config, store)
    finally:
        store.close()
    if problems:
        out.write("unhealthy: " + "; ".join(problems) + "\n")
        return 1
    out.write("healthy\n")
    return 0
