"""The service's commands: ``run`` (the daemon), ``health`` (is it running, and is every
account syncing? read from the service lease and each account's last successful sync in the
database) and ``metrics`` (the same, as Prometheus text)."""

from __future__ import annotations

import logging
import threading
from typing import TextIO

from inboxwatch.app.metrics import (
    failing_accounts,
    metrics_text,
    read_snapshot,
    read_workers,
    worker_lines,
)
from inboxwatch.config import Config
from inboxwatch.errors import InboxwatchError
from inboxwatch.storage.store import Store

logger = logging.getLogger(__name__)

HEALTH_TIMEOUT_SECONDS = 10.0  # a health check that cannot answer by then says "unhealthy"


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

    snap = read_snapshot(config, store, SERVICE_LEASE)
    problems = []
    if not snap.running:
        problems.append(
            "the service is not running (no live service lease or worker in the database)"
        )
    return problems + failing_accounts(config, snap)


def health_command(config: Config, out: TextIO) -> int:
    """0 when the service runs and syncs; 1 with the reasons otherwise, also when the
    database does not answer within HEALTH_TIMEOUT_SECONDS (a stalled server must not hang
    the check that is meant to notice it)."""
    answer: list[tuple[list[str], list[str]]] = []
    check = threading.Thread(
        target=lambda: answer.append(_check(config)), daemon=True, name="health-check"
    )
    check.start()
    check.join(HEALTH_TIMEOUT_SECONDS)
    if not answer:
        out.write(f"unhealthy: the database did not answer within {HEALTH_TIMEOUT_SECONDS:g} s\n")
        return 1
    problems, workers = answer[0]
    if problems:
        out.write("unhealthy: " + "; ".join(problems) + "\n")
        return 1
    out.write("healthy\n")
    for line in workers:
        out.write(line + "\n")
    return 0


def _check(config: Config) -> tuple[list[str], list[str]]:
    """The problems, and one line per live worker naming the accounts it owns."""
    try:
        store = Store.open(config.database_url)
    except InboxwatchError as exc:
        return [str(exc)], []
    try:
        return health_problems(config, store), worker_lines(config, read_workers(store))
    except InboxwatchError as exc:
        return [str(exc)], []
    finally:
        store.close()


def metrics_command(config: Config, out: TextIO) -> int:
    """Print the Prometheus metrics once."""
    from inboxwatch.app.daemon import SERVICE_LEASE

    with Store.open(config.database_url) as store:
        out.write(metrics_text(config, store, SERVICE_LEASE))
    return 0
