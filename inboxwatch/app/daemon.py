"""``inboxwatch run``: the long-running service.

Lifecycle (explicit, in the manner of dramatiq's workers):

1. ``start()`` takes the database-wide service lease (one instance per database), then starts
   the APScheduler jobs — poll, daily report, outbox retry, retention, lease renewal — and one
   IMAP IDLE watcher thread per account whose server supports IDLE.
2. SIGTERM / SIGINT handlers only set a flag; the main thread waits on it.
3. ``stop()`` shuts down in this order: tell the IDLE watchers to stop (they leave IDLE
   within their short wait), stop the scheduler *waiting* for a running job so a sync batch
   or a delivery finishes its commit, stop the metrics endpoint (if ``[metrics] listen``),
   then release the lease and close the database.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from inboxwatch.config import AccountConfig, Config
from inboxwatch.errors import ConfigError, CredentialError, ImapAuthError, InboxwatchError
from inboxwatch.oauth import Secret
from inboxwatch.sources.imap import ImapSession
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.storage.leases import Lease, Leases
from inboxwatch.storage.store import Store, utcnow
from inboxwatch.ingest.sync import account_password, sync_account

if TYPE_CHECKING:
    from inboxwatch.app.metrics import MetricsServer

logger = logging.getLogger(__name__)

SERVICE_LEASE = "service"
LEASE_SECONDS = 120.0
IDLE_RENEW_SECONDS = 600.0  # re-issue IDLE every 10 minutes, well under the 29-minute limit
IDLE_RETRY_SECONDS = 30.0


class LoginHoldoff:
    """Rejected logins, per account: reported once, then retried with growing pauses
    (1 minute, doubling, at most an hour) instead of hammering the server."""

    FIRST = timedelta(minutes=1)
    LONGEST = timedelta(hours=1)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, datetime]] = {}

    def due(self, account: str, now: datetime) -> bool:
        with self._lock:
            entry = self._failures.get(account)
        return entry is None or now >= entry[1]

    def seconds_left(self, account: str, now: datetime) -> float:
        with self._lock:
            entry = self._failures.get(account)
        return max((entry[1] - now).total_seconds(), 1.0) if entry else 1.0

    def failed(self, account: str, error: str, now: datetime) -> None:
        with self._lock:
            count, until = self._failures.get(account, (0, now))
            if count and now < until:  # another thread already counted this failure
                return
            pause = min(self.FIRST * 2 ** count, self.LONGEST)
            self._failures[account] = (count + 1, now + pause)
        if count == 0:
            logger.error("%s: %s (retrying with growing pauses; fix the password and the next "
                      "attempt picks it up)", account, error)
        else:
            logger.debug("%s: login still rejected; next try in %s", account, pause)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._failures.pop(account, None)


class Service:
    """The background service: owns the scheduler, the IDLE watchers and the lease."""

    def __init__(self, config: Config, store: Store, ctx: IngestContext,
                 today: Callable[[], date] | None = None):
        self.config = config
        self.store = store
        self.ctx = ctx
        self.stopping = threading.Event()
        self.leases = Leases(store)
        self.lease: Lease | None = None
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(2)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=config.me.working_time.tz)
        self.login_holdoff = LoginHoldoff()
        self.poll_requested = threading.Event()  # new mail announced while a poll ran
        self.watchers: list[threading.Thread] = []
        self.idle_sessions: set[ImapSession] = set()  # so stop() can interrupt a blocked IDLE
        self.metrics: MetricsServer | None = None
        self._today = today or (lambda: datetime.now(config.me.working_time.tz).date())

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Take the lease (LockError if another instance runs) and start every job."""
        self.lease = self.leases.acquire(SERVICE_LEASE, LEASE_SECONDS)
        self._schedule_jobs()
        self.scheduler.start()
        for account in self.config.accounts:
            if self.config.polling.idle:
                self._start_watcher(account)
        self._start_metrics()
        logger.info("inboxwatch service started", extra={"accounts": len(self.config.accounts)})

    def _start_metrics(self) -> None:
        from inboxwatch.app.metrics import MetricsServer

        metrics = self.config.metrics
        if metrics.listen_host is None:
            return
        try:
            self.metrics = MetricsServer(self.config, self.store, SERVICE_LEASE,
                                         metrics.listen_host, metrics.listen_port)
        except OSError as exc:
            raise ConfigError(f"[metrics] listen: cannot listen on {metrics.listen_host}:"
                              f"{metrics.listen_port} ({exc.strerror}); choose a free "
                              "port or remove the option") from exc
        self.metrics.start()

    def request_stop(self, signum: int = 0, _frame: FrameType | None = None) -> None:
        """Signal handler: only set the flag; the main thread does the stopping."""
        self.stopping.set()

    def wait(self) -> None:
        while not self.stopping.wait(timeout=1.0):
            pass

    def stop(self) -> None:
        """Stop in order: watchers, then the scheduler (waiting for a running job), then
        the lease and the database."""
        self.stopping.set()
        for session in list(self.idle_sessions):
            session.interrupt()
        for thread in self.watchers:
            thread.join(timeout=IDLE_RETRY_SECONDS)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.metrics is not None:  # after the jobs: a scrape never sees a closed database
            self.metrics.stop()
        if self.lease is not None:
            self.leases.release(self.lease)
        self.store.close()
        logger.info("inboxwatch service stopped")

    # --- jobs ---------------------------------------------------------------------------

    def _schedule_jobs(self) -> None:
        polling, report = self.config.polling, self.config.report
        self.scheduler.add_job(self.poll, IntervalTrigger(minutes=polling.interval_minutes),
                               id="poll", next_run_time=datetime.now(self.scheduler.timezone))
        tz = self.scheduler.timezone  # the user's zone, not the host's
        self.scheduler.add_job(self.daily_report, CronTrigger(
            hour=report.time.hour, minute=report.time.minute, timezone=tz), id="report")
        self.scheduler.add_job(self.deliver, IntervalTrigger(minutes=1), id="outbox")
        self.scheduler.add_job(self.renew_lease, IntervalTrigger(seconds=LEASE_SECONDS / 3),
                               id="lease")
        if self.config.retention_days:
            self.scheduler.add_job(self.retention, CronTrigger(hour=3, minute=17, timezone=tz),
                                   id="retention")

    def renew_lease(self) -> None:
        """Keep the service lease; if another process took it, stop rather than run twice."""
        assert self.lease is not None
        try:
            self.lease = self.leases.renew(self.lease)
        except InboxwatchError as exc:
            logger.error("%s", exc)
            self.stopping.set()

    def poll(self) -> None:
        """Sync every account; again if new mail was announced meanwhile (the scheduler
        skips a run requested while this one is busy). One failing account never stops
        the others."""
        while not self.stopping.is_set():
            self.poll_requested.clear()
            self._poll_accounts()
            if not self.poll_requested.is_set():
                return

    def _poll_accounts(self) -> None:
        for account in self.config.accounts:
            if self.stopping.is_set():
                return
            if not self.login_holdoff.due(account.name, utcnow()):
                continue
            self._poll_account(account)

    def _poll_account(self, account: AccountConfig) -> None:
        try:
            password = account_password(account)
            report = sync_account(account, password, self.store, self.ctx)
        except (ImapAuthError, CredentialError) as exc:
            self.login_holdoff.failed(account.name, str(exc), utcnow())
            return
        except InboxwatchError as exc:
            logger.error("%s: %s", account.name, exc)
            return
        self.login_holdoff.succeeded(account.name)
        for line in report.lines():
            logger.info("%s", line)
        if account.allow_write:
            self._write_keywords(account, password)

    def _write_keywords(self, account: AccountConfig, password: Secret) -> None:
        """The tags and reply suggestions as IMAP keywords (allow_write = true only)."""
        from inboxwatch.app.keywords import write_keywords

        try:
            logger.info("%s", write_keywords(self.config, account, password, self.store).line())
        except InboxwatchError as exc:
            logger.error("%s: writing keywords failed: %s", account.name, exc)

    def poll_soon(self) -> None:
        """Run the poll job now (an IDLE watcher saw new mail)."""
        self.poll_requested.set()
        job = self.scheduler.get_job("poll")
        if job is not None:
            job.modify(next_run_time=datetime.now(self.scheduler.timezone))

    def daily_report(self) -> None:
        """Build today's report, queue the alert e-mail when warranted, and send it."""
        from inboxwatch.reporting.alerts import queue_daily_alert

        try:
            queued = queue_daily_alert(self.config, self.store, self._today())
            logger.info("daily report built", extra={"queued": queued})
        except InboxwatchError as exc:
            logger.error("daily report failed: %s", exc)
            return
        self.deliver()

    def deliver(self) -> None:
        """Retry pending alert e-mails whose time has come."""
        from inboxwatch.reporting.mailer import deliver_pending, smtp_password

        smtp = self.config.smtp
        if smtp is None:
            return
        try:
            result = deliver_pending(self.store, smtp, smtp_password(smtp))
        except InboxwatchError as exc:
            logger.error("alert delivery failed: %s", exc)
            return
        if result.sent or result.errors:
            logger.info("outbox", extra={"sent": result.sent, "pending": result.pending,
                                      "failed": result.failed})

    def retention(self) -> None:
        from inboxwatch.storage.retention import delete_older_than

        days = self.config.retention_days
        if days:
            removed = delete_older_than(self.store, utcnow() - timedelta(days=days))
            logger.info("retention", extra={"deleted": removed})

    # --- IMAP IDLE ----------------------------------------------------------------------

    def _start_watcher(self, account: AccountConfig) -> None:
        thread = threading.Thread(target=self._watch, args=(account,), daemon=True,
                                  name=f"idle-{account.name}")
        self.watchers.append(thread)
        thread.start()

    def _watch(self, account: AccountConfig) -> None:
        """Wait in IDLE on the account's first folder and trigger a poll on new mail."""
        while not self.stopping.is_set():
            try:
                password = account_password(account)
                with ImapSession(account, password) as session:
                    if not session.supports_idle():
                        logger.info("%s: no IDLE support; polling only", account.name)
                        return
                    session.select_readonly(account.folders[0])
                    # never trust that nothing arrived while the watcher was away
                    self.poll_soon()
                    self.idle_sessions.add(session)
                    try:
                        self._idle_loop(session)
                    finally:
                        self.idle_sessions.discard(session)
            except (ImapAuthError, CredentialError) as exc:
                # the poll job owns reporting a bad password; just wait out the hold-off
                self.login_holdoff.failed(account.name, str(exc), utcnow())
                self.stopping.wait(self.login_holdoff.seconds_left(account.name, utcnow()))
            except InboxwatchError as exc:
                if self.stopping.is_set():
                    return
                logger.warning("%s: IDLE watcher: %s; retrying", account.name, exc)
                self.stopping.wait(IDLE_RETRY_SECONDS)

    def _idle_loop(self, session: ImapSession) -> None:
        renew_at = utcnow() + timedelta(seconds=IDLE_RENEW_SECONDS)
        while not self.stopping.is_set() and utcnow() < renew_at:
            if session.idle_wait(timeout_s=IDLE_RETRY_SECONDS):
                self.poll_soon()


def run_service(config: Config, store: Store, ctx: IngestContext) -> int:
    """Run until SIGTERM/SIGINT; returns the exit code."""
    service = Service(config, store, ctx)
    # handlers first: a SIGTERM during start-up must still release the lease
    signal.signal(signal.SIGTERM, service.request_stop)
    signal.signal(signal.SIGINT, service.request_stop)
    try:
        service.start()
        service.wait()
    finally:
        service.stop()
    return 0
