"""Per-account health and Prometheus metrics: ``inboxwatch health``, ``inboxwatch metrics``,
and the ``[metrics] listen`` endpoint that ``run`` serves.

Everything is read from the database (the ``account_health`` table the sync fills, the
outbox, the service lease or the workers' memberships), so ``metrics`` from a shell and the
scrape of the running service show the same numbers.
The text follows the Prometheus exposition format 0.0.4.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import Connection, func, select

from inboxwatch.app.ownership import account_item, assignment
from inboxwatch.config import Config
from inboxwatch.storage.health import AccountHealth, accounts_health
from inboxwatch.storage.leases import MEMBER_PREFIX, Holder
from inboxwatch.storage.schema import folders, leases, messages, outbox
from inboxwatch.storage.store import Store, utcnow

logger = logging.getLogger(__name__)

HEALTH_POLL_FACTOR = 3  # an account fails after 3 poll intervals (+ slack) without a sync
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class Metric:
    """One metric family: its samples are (labels, value)."""

    name: str
    kind: str  # gauge | counter
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)


@dataclass(frozen=True)
class Snapshot:
    """What health and metrics read from the database, at one moment (naive UTC)."""

    now: datetime
    accounts: dict[str, AccountHealth]
    stored: dict[str, int]
    service_lease_until: datetime | None
    outbox_pending: int
    outbox_failed: int
    last_report_sent: datetime | None
    workers: tuple[str, ...] = ()  # holders of live worker memberships (PostgreSQL)

    @property
    def running(self) -> bool:
        """A single service holds its lease, or at least one worker is live."""
        lease = self.service_lease_until
        return bool(self.workers) or (lease is not None and lease > self.now)


def _dead_here(holder: str) -> bool:
    """A worker on this host whose process is gone (its membership has not expired yet)."""
    parsed = Holder.parse(holder)
    return parsed is not None and parsed.is_provably_dead()


def worker_name(holder: str) -> str:
    """A worker as people name it: "host:pid"."""
    parsed = Holder.parse(holder)
    return f"{parsed.host}:{parsed.pid}" if parsed is not None else holder


def accounts_by_worker(config: Config, workers: Sequence[str]) -> dict[str, list[str]]:
    """Which accounts each live worker owns ("host:pid" -> account names)."""
    names = {account_item(a.name): a.name for a in config.accounts}
    owned = assignment(names, workers)
    return {worker_name(w): [names[item] for item in items] for w, items in owned.items()}


def worker_lines(config: Config, workers: Sequence[str]) -> list[str]:
    """ "worker host-a:1234: acme, globex" for each live worker (PostgreSQL only)."""
    return [
        f"worker {worker}: {', '.join(accounts) or 'no accounts'}"
        for worker, accounts in accounts_by_worker(config, workers).items()
    ]


def live_workers(conn: Connection) -> tuple[str, ...]:
    """The holders of unexpired worker memberships, without those provably dead here."""
    workers = conn.execute(
        select(leases.c.holder)
        .where(leases.c.name.like(MEMBER_PREFIX + "%"), leases.c.expires_at > utcnow())
        .order_by(leases.c.holder)
    ).scalars()
    return tuple(w for w in workers if not _dead_here(w))


def read_workers(store: Store) -> tuple[str, ...]:
    """:func:`live_workers` in a transaction of its own."""
    with store.transaction() as conn:
        return live_workers(conn)


def max_sync_age(config: Config) -> timedelta:
    """How old an account's last successful sync may be before it counts as failing."""
    minutes = config.health.max_sync_age_minutes
    if minutes is None:
        minutes = config.polling.interval_minutes * HEALTH_POLL_FACTOR + 5
    return timedelta(minutes=minutes)


def read_snapshot(config: Config, store: Store, service_lease: str) -> Snapshot:
    """Read everything health and metrics need, in one transaction."""
    with store.transaction() as conn:
        stored: dict[str, int] = dict(
            conn.execute(
                select(messages.c.account, func.count()).group_by(messages.c.account)
            ).all()
        )
        synced = dict(
            conn.execute(
                select(folders.c.account, func.min(folders.c.last_synced_at)).group_by(
                    folders.c.account
                )
            ).all()
        )
        lease = conn.execute(
            select(leases.c.expires_at).where(leases.c.name == service_lease)
        ).scalar()
        by_status: dict[str, int] = dict(
            conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all()
        )
        sent = conn.execute(select(func.max(outbox.c.sent_at))).scalar()
        live = live_workers(conn)
    recorded = accounts_health(store)
    for account in config.accounts:  # databases synced before the health table existed
        if account.name not in recorded and synced.get(account.name) is not None:
            recorded[account.name] = AccountHealth(account.name, synced[account.name])
    return Snapshot(
        utcnow(),
        recorded,
        stored,
        lease,
        by_status.get("pending", 0) + by_status.get("sending", 0),  # claimed, not yet sent
        by_status.get("failed", 0),
        sent,
        live,
    )


def failing_accounts(config: Config, snap: Snapshot) -> list[str]:
    """One line per configured account whose last successful sync is too old, naming it."""
    limit, problems = max_sync_age(config), []
    for account in config.accounts:
        health = snap.accounts.get(account.name, AccountHealth(account.name))
        last = health.last_success_at
        if last is not None and snap.now - last <= limit:
            continue
        seen = f"{last:%Y-%m-%d %H:%M} UTC" if last else "never"
        line = f"account {account.name!r}: no successful sync within {limit} (last: {seen})"
        if health.last_error and (last is None or (health.last_failure_at or last) > last):
            line += f"; last error: {health.last_error}"
        problems.append(line)
    return problems


def _timestamp(value: datetime | None) -> float:
    return (value - datetime(1970, 1, 1)).total_seconds() if value else 0.0


def collect_metrics(config: Config, snap: Snapshot) -> list[Metric]:
    """The metric families, per configured account and for the service."""
    limit = max_sync_age(config)
    per_account: list[tuple[str, str, str, Any]] = [
        (
            "inboxwatch_account_last_success_timestamp_seconds",
            "gauge",
            "Unix time of the account's last sync in which every folder synced (0: never).",
            lambda h: _timestamp(h.last_success_at),
        ),
        (
            "inboxwatch_account_last_failure_timestamp_seconds",
            "gauge",
            "Unix time of the account's last failed sync (0: never).",
            lambda h: _timestamp(h.last_failure_at),
        ),
        (
            "inboxwatch_account_healthy",
            "gauge",
            "1 when the last successful sync is younger than health.max_sync_age_minutes.",
            lambda h: float(
                h.last_success_at is not None and snap.now - h.last_success_at <= limit
            ),
        ),
        (
            "inboxwatch_account_messages_ingested_total",
            "counter",
            "Messages the account's syncs stored.",
            lambda h: float(h.messages_ingested),
        ),
        (
            "inboxwatch_account_login_failures_total",
            "counter",
            "Logins the account's server rejected.",
            lambda h: float(h.login_failures),
        ),
        (
            "inboxwatch_account_messages_stored",
            "gauge",
            "Messages of the account in the database now.",
            lambda h: float(snap.stored.get(h.account, 0)),
        ),
    ]
    families = []
    for name, kind, text, value in per_account:
        samples = [
            ({"account": a.name}, value(snap.accounts.get(a.name, AccountHealth(a.name))))
            for a in config.accounts
        ]
        families.append(Metric(name, kind, text, samples))
    families += [
        Metric(
            "inboxwatch_service_running",
            "gauge",
            "1 while a service holds the service lease or at least one worker is live.",
            [({}, float(snap.running))],
        ),
        Metric(
            "inboxwatch_workers",
            "gauge",
            "Live `run` workers sharing this database (a single service counts as 1).",
            [({}, float(len(snap.workers) or snap.running))],
        ),
        Metric(
            "inboxwatch_worker_accounts",
            "gauge",
            "Accounts each live worker owns (several workers on PostgreSQL).",
            [
                ({"worker": w}, float(len(a)))
                for w, a in accounts_by_worker(config, snap.workers).items()
            ],
        ),
        Metric(
            "inboxwatch_outbox_pending",
            "gauge",
            "Alert e-mails not sent yet (waiting, or being sent now).",
            [({}, float(snap.outbox_pending))],
        ),
        Metric(
            "inboxwatch_outbox_failed",
            "gauge",
            "Alert e-mails the SMTP server refused for good.",
            [({}, float(snap.outbox_failed))],
        ),
        Metric(
            "inboxwatch_last_report_sent_timestamp_seconds",
            "gauge",
            "Unix time the last alert e-mail was sent (0: never).",
            [({}, _timestamp(snap.last_report_sent))],
        ),
    ]
    return families


def render_metrics(families: list[Metric]) -> str:
    """The Prometheus text exposition of *families*."""
    lines = []
    for family in families:
        lines.append(f"# HELP {family.name} {family.help}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for labels, value in family.samples:
            lines.append(f"{family.name}{_labels(labels)} {value:.17g}")
    return "\n".join(lines) + "\n"


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    escaped = (f'{k}="{_escape(v)}"' for k, v in labels.items())
    return "{" + ",".join(escaped) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def metrics_text(config: Config, store: Store, service_lease: str) -> str:
    """The metrics as ``inboxwatch metrics`` prints them and the endpoint serves them;
    *service_lease* is the name of the running service's lease."""
    return render_metrics(collect_metrics(config, read_snapshot(config, store, service_lease)))


class MetricsServer:
    """``GET /metrics`` over HTTP from a daemon thread (standard library only)."""

    def __init__(
        self, config: Config, store: Store, service_lease: str, host: str, port: int
    ) -> None:
        handler = _handler(lambda: metrics_text(config, store, service_lease))
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name="metrics")

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> None:
        self.thread.start()
        logger.info("serving metrics", extra={"port": self.port})

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def _handler(render: Any) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] not in ("/metrics", "/"):
                self.send_error(404, "only /metrics is served")
                return
            try:
                body = render().encode("utf-8")
            except Exception as exc:  # the database is away: say so, keep serving
                logger.warning("metrics: %s", exc)
                self.send_error(503, "cannot read the database")
                return
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("metrics request: " + format, *args)

    return Handler
