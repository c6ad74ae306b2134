"""``inboxwatch run``: the long-running service.

Lifecycle (explicit, in the manner of dramatiq's workers):

1. ``start()`` takes its lease and starts its
   :class:`~inboxwatch.storage.leases.LeaseKeeper` thread: on SQLite the database-wide
   service lease (one instance per database: SQLite is single-worker); on PostgreSQL the
   membership lease of one of several workers that share the accounts (see
   :mod:`inboxwatch.app.ownership`). Then the APScheduler jobs — poll, daily report,
   retention on two threads; the outbox (the only sender of alert mail) on a third thread
   of its own, so a slow SMTP server never holds up polling; the rebalance (which accounts
   this worker owns) on a fourth — and one IMAP IDLE watcher thread per account, idle while
   another worker owns the account. Lease renewal and ``health`` need no scheduler thread.
2. SIGTERM / SIGINT handlers only set a flag; the main thread waits on it, and checks the
   lease every second: when another process took it, or it could not be renewed for its
   whole ttl (database unreachable), the service stops with ``EXIT_LEASE_LOST`` so that a
   supervisor (systemd ``Restart=on-failure``) starts it again. Only a signal stops it with
   ``EXIT_STOPPED`` (0).
3. ``stop()`` shuts down in this order: tell the IDLE watchers to stop (they leave IDLE
   within their short wait), stop renewing the lease, stop the scheduler *waiting* for a
   running job so a sync batch or a delivery finishes its commit (after a lost lease, for
   ``STOP_GRACE_SECONDS`` at most: a job may hang on the dead database), stop the metrics
   endpoint (if ``[metrics] listen``), then release the lease and close the database.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from inboxwatch.app.ownership import (
    REBALANCE_SECONDS,
    REPORT_ITEM,
    RETENTION_ITEM,
    WORKER_LEASE_SECONDS,
    account_item,
    owner,
)
from inboxwatch.config import AccountConfig, Config
from inboxwatch.errors import (
    ConfigError,
    CredentialError,
    ImapAuthError,
    InboxwatchError,
    LockError,
)
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.ingest.sync import account_password, sync_account
from inboxwatch.oauth import Secret
from inboxwatch.sources.imap import ImapSession
from inboxwatch.storage.leases import Lease, LeaseKeeper, Leases, member_lease
from inboxwatch.storage.store import Store, utcnow

if TYPE_CHECKING:
    from inboxwatch.app.metrics import MetricsServer

logger = logging.getLogger(__name__)

SERVICE_LEASE = "service"
LEASE_SECONDS = 30.0  # renewed every 10 s by the LeaseKeeper thread
SINGLE_WORKER = (
    "; SQLite is single-worker: to run several `inboxwatch run` workers on one "
    "database, use PostgreSQL (README: Agencies: several workers)"
)
STOP_GRACE_SECONDS = 10.0

# Exit codes of ``inboxwatch run``: only a signal is a clean stop.
EXIT_STOPPED = 0  # SIGTERM / SIGINT
EXIT_LEASE_LOST = 75  # EX_TEMPFAIL: the lease was taken or lapsed (database unreachable)
IDLE_RENEW_SECONDS = 600.0  # re-issue IDLE every 10 minutes, well under the 29-minute limit
IDLE_RETRY_SECONDS = 30.0
# a worker taking the report over builds a report its dead owner missed this long ago at
# most (as the scheduler runs a job it missed by up to misfire_grace_time)
REPORT_CATCH_UP = timedelta(hours=1)


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
            pause = min(self.FIRST * 2**count, self.LONGEST)
            self._failures[account] = (count + 1, now + pause)
        if count == 0:
            logger.error(
                "%s: %s (retrying with growing pauses; fix the password and the next "
                "attempt picks it up)",
                account,
                error,
            )
        else:
            logger.debug("%s: login still rejected; next try in %s", account, pause)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._failures.pop(account, None)


class Service:
    """The background service (one worker): owns the scheduler, the IDLE watchers and the
    lease, and polls the accounts it owns."""

    def __init__(
        self,
        config: Config,
        store: Store,
        ctx: IngestContext,
        today: Callable[[], date] | None = None,
    ):
        self.config = config
        self.store = store
        self.ctx = ctx
        self.stopping = threading.Event()
        self.leases = Leases(store)
        self.keeper: LeaseKeeper | None = None
        self.lease_problem: str | None = None
        # several workers share a PostgreSQL database; SQLite has one service per database
        self.shared = store.engine.dialect.name == "postgresql"
        self.scheduler = BackgroundScheduler(
            # delivery has a thread of its own: a slow SMTP server must not stall polling;
            # so has the rebalance: a long sync must not delay a takeover
            executors={
                "default": ThreadPoolExecutor(2),
                "delivery": ThreadPoolExecutor(1),
                "membership": ThreadPoolExecutor(1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=config.me.working_time.tz,
        )
        self.login_holdoff = LoginHoldoff()
        self.accounts = {account.name: account for account in config.accounts}
        self._lock = threading.Lock()
        self.owned: set[str] = set() if self.shared else set(self.accounts)
        self.jobs_owned = not self.shared  # the daily report and retention
        self._due: dict[str, None] = {}  # accounts to sync, in the order asked (a set)
        self._busy: set[str] = set()  # accounts another worker was still syncing
        self._full_poll_at = 0.0  # monotonic time of the next poll of every owned account
        self._draining = False  # the poll job is taking accounts from _due
        self._crew_size = 0  # live workers at the last rebalance (logged when it changes)
        self.watchers: list[threading.Thread] = []
        self.idle_sessions: dict[str, ImapSession] = {}  # so stop() can interrupt an IDLE
        self.metrics: MetricsServer | None = None
        self._today = today or (lambda: datetime.now(config.me.working_time.tz).date())

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Take the lease (LockError if another instance runs on SQLite) and start every
        job."""
        self.keeper = LeaseKeeper(self.leases, self._take_lease()).start()
        if self.shared:
            self.rebalance()
        self._schedule_jobs()
        self.scheduler.start()
        if self.shared and self.jobs_owned:
            self._catch_up_report()
        for account in self.config.accounts:
            if self.config.polling.idle:
                self._start_watcher(account)
        self._start_metrics()
        logger.info("inboxwatch service started", extra={"accounts": len(self.config.accounts)})

    def _take_lease(self) -> Lease:
        if not self.shared:
            try:
                return self.leases.acquire(SERVICE_LEASE, LEASE_SECONDS)
            except LockError as exc:
                raise LockError(f"{exc}{SINGLE_WORKER}") from exc
        membership = self.leases.acquire(member_lease(self.leases.holder), WORKER_LEASE_SECONDS)
        # Joined first, then checked: a command that holds the service lease (forget)
        # checks for workers after taking it, so one of the two always sees the other.
        try:
            self.leases.check_free(SERVICE_LEASE)
        except LockError:
            self.leases.release(membership)
            raise
        return membership

    def _start_metrics(self) -> None:
        from inboxwatch.app.metrics import MetricsServer

        metrics = self.config.metrics
        if metrics.listen_host is None:
            return
        try:
            self.metrics = MetricsServer(
                self.config, self.store, SERVICE_LEASE, metrics.listen_host, metrics.listen_port
            )
        except OSError as exc:
            raise ConfigError(
                f"[metrics] listen: cannot listen on {metrics.listen_host}:"
                f"{metrics.listen_port} ({exc.strerror}); choose a free "
                "port or remove the option"
            ) from exc
        self.metrics.start()

    def request_stop(self, signum: int = 0, _frame: FrameType | None = None) -> None:
        """Signal handler: only set the flag; the main thread does the stopping."""
        self.stopping.set()

    def wait(self) -> int:
        """Block until a signal (EXIT_STOPPED) or until the lease is lost or lapsed
        (EXIT_LEASE_LOST); returns the exit code."""
        while not self.stopping.wait(timeout=1.0):
            problem = self.keeper.problem() if self.keeper is not None else None
            if problem is not None:
                self.lease_problem = problem
                logger.error(
                    "%s; stopping with exit code %d so that the service is restarted",
                    problem,
                    EXIT_LEASE_LOST,
                )
                return EXIT_LEASE_LOST
        return EXIT_STOPPED

    def stop(self) -> bool:
        """Stop in order: watchers, lease renewal, the scheduler (waiting for a running
        job), then the lease and the database. False when a job was still running after
        STOP_GRACE_SECONDS of a stop for a lost lease."""
        self.stopping.set()
        for session in list(self.idle_sessions.values()):
            session.interrupt()
        for thread in self.watchers:
            thread.join(timeout=IDLE_RETRY_SECONDS)
        lease = self.keeper.stop() if self.keeper is not None else None
        grace = None if self.lease_problem is None else STOP_GRACE_SECONDS
        finished = self._shutdown_scheduler(grace)
        if self.metrics is not None:  # after the jobs: a scrape never sees a closed database
            self.metrics.stop()
        if lease is not None and self.lease_problem is None:
            self.leases.release(lease)  # a lost or lapsed lease is not ours to release
        self.store.close()
        logger.info("inboxwatch service stopped")
        return finished

    def _shutdown_scheduler(self, timeout: float | None) -> bool:
        """Shut the scheduler down, waiting for running jobs at most *timeout* seconds."""
        if not self.scheduler.running:
            return True
        waiter = threading.Thread(
            target=self.scheduler.shutdown,
            kwargs={"wait": True},
            daemon=True,
            name="scheduler-shutdown",
        )
        waiter.start()
        waiter.join(timeout)
        return not waiter.is_alive()

    # --- jobs ---------------------------------------------------------------------------

    def _schedule_jobs(self) -> None:
        report = self.config.report
        self.scheduler.add_job(
            self._poll_job,
            IntervalTrigger(minutes=self.config.polling.interval_minutes),
            id="poll",
            next_run_time=datetime.now(self.scheduler.timezone),
        )
        tz = self.scheduler.timezone  # the user's zone, not the host's
        self.scheduler.add_job(
            self.daily_report,
            CronTrigger(
                hour=report.time.hour,
                minute=report.time.minute,
                second=report.time.second,  # "07:30" is 07:30:00; tests give seconds
                timezone=tz,
            ),
            id="report",
        )
        self.scheduler.add_job(
            self.deliver, IntervalTrigger(minutes=1), id="outbox", executor="delivery"
        )
        if self.config.retention_days:
            self.scheduler.add_job(
                self.retention, CronTrigger(hour=3, minute=17, timezone=tz), id="retention"
            )
        # also on SQLite (one worker, no database read): it re-runs a poll asked for in
        # the moment the poll job was finishing (the scheduler skipped that run)
        self.scheduler.add_job(
            self.rebalance,
            IntervalTrigger(seconds=REBALANCE_SECONDS),
            id="rebalance",
            executor="membership",
        )

    def rebalance(self) -> None:
        """Work out which accounts this worker owns among the live workers; sync the newly
        owned ones (and those another worker was still syncing) at once, and stop watching
        the ones that moved away."""
        try:
            others = self.leases.live_members() if self.shared else []
            workers = {*others, self.leases.holder}
        except InboxwatchError as exc:
            logger.warning("cannot read the live workers (%s); keeping my accounts", exc)
            return
        me = self.leases.holder
        owned = {name for name in self.accounts if owner(account_item(name), workers) == me}
        with self._lock:
            gained, lost = owned - self.owned, self.owned - owned
            retry = self._busy & owned
            self.owned, self._busy = owned, set()
            reports = owner(REPORT_ITEM, workers) == me
            took_report, self.jobs_owned = reports and not self.jobs_owned, reports
        if took_report and self.scheduler.running:
            self._catch_up_report()
        if gained or lost or len(workers) != self._crew_size:
            self._crew_size = len(workers)
            logger.info(
                "%d live worker(s); this one polls: %s",
                len(workers),
                ", ".join(sorted(owned)) or "nothing",
                extra={"workers": len(workers), "gained": sorted(gained), "lost": sorted(lost)},
            )
        for name in lost:
            session = self.idle_sessions.get(name)
            if session is not None:
                session.interrupt()
        # accounts taken over go first: a worker busy with its own must not delay them
        self._request(sorted(gained | retry), first=True)
        # the poll job's own time drifts each time poll_soon brings it forward
        interval_due = time.monotonic() >= self._full_poll_at
        if gained or retry or self._due or interval_due:
            self.poll_soon([])

    def _catch_up_report(self) -> None:
        """Having just taken the daily report over: build today's now if its time passed
        less than REPORT_CATCH_UP ago and no worker built it (its owner died around then)."""
        from inboxwatch.reporting.alerts import report_built

        now = datetime.now(self.scheduler.timezone)
        due = datetime.combine(now.date(), self.config.report.time, tzinfo=now.tzinfo)
        if not due <= now <= due + REPORT_CATCH_UP:
            return
        try:
            if report_built(self.store, self._today()):
                return
        except InboxwatchError as exc:
            logger.warning("cannot tell whether today's report was built (%s)", exc)
            return
        logger.warning("today's daily report was not built at %s; building it now", f"{due:%H:%M}")
        job = self.scheduler.get_job("report")
        if job is not None:
            job.modify(next_run_time=now)

    def owns(self, name: str) -> bool:
        with self._lock:
            return name in self.owned

    def poll(self) -> None:
        """Sync every account this worker owns, and any account asked for meanwhile (IDLE
        announced new mail, a takeover). One failing account never stops the others."""
        self._request(self._owned_accounts())
        self._drain()

    def _poll_job(self) -> None:
        """The scheduled poll: every owned account once per interval, else only the
        accounts asked for (poll_soon brings this job forward)."""
        if time.monotonic() >= self._full_poll_at:
            self._full_poll_at = time.monotonic() + self.config.polling.interval_minutes * 60
            self._request(self._owned_accounts())
        self._drain()

    def _owned_accounts(self) -> list[str]:
        with self._lock:
            return [name for name in self.accounts if name in self.owned]

    def _request(self, names: Iterable[str], first: bool = False) -> None:
        """Add *names* to the accounts due; *first*: ahead of those already waiting."""
        with self._lock:
            if first:
                self._due = {**dict.fromkeys(names), **self._due}
            else:
                self._due.update(dict.fromkeys(names))

    def _next_due(self) -> str | None:
        with self._lock:
            while self._due:
                name = next(iter(self._due))
                del self._due[name]
                if name in self.owned:
                    return name
            self._draining = False
        return None

    def _drain(self) -> None:
        # The scheduler skips a run asked for while this one is busy, so go round until
        # nothing is due; poll_soon leaves accounts to a drain under way.
        with self._lock:
            self._draining = True
        try:
            while not self.stopping.is_set():
                name = self._next_due()
                if name is None:
                    return
                if self.login_holdoff.due(name, utcnow()):
                    self._poll_account(self.accounts[name])
        finally:
            with self._lock:
                self._draining = False

    def _poll_account(self, account: AccountConfig) -> None:
        try:
            password = account_password(account)
            report = sync_account(account, password, self.store, self.ctx, leases=self.leases)
        except (ImapAuthError, CredentialError) as exc:
            self.login_holdoff.failed(account.name, str(exc), utcnow())
            return
        except LockError as exc:
            if not self.shared:
                logger.error("%s: %s", account.name, exc)
                return
            # another worker is still on it (a handover): retried at the next rebalance
            logger.info("%s: %s", account.name, exc)
            with self._lock:
                self._busy.add(account.name)
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

    def poll_soon(self, names: Iterable[str] | None = None) -> None:
        """Sync *names* (default: every owned account) now, on the poll job."""
        self._request(self._owned_accounts() if names is None else names)
        with self._lock:
            if self._draining:
                return  # the running poll takes them
        job = self.scheduler.get_job("poll")
        if job is not None:
            job.modify(next_run_time=datetime.now(self.scheduler.timezone))

    def daily_report(self) -> None:
        """Build today's report, queue the alert e-mail when warranted, and have the outbox
        job send it now (the outbox job is the only sender). Of several workers, the one
        owning the report does it; the alert's dedupe key keeps it once-only regardless."""
        from inboxwatch.reporting.alerts import queue_daily_alert

        if not self.jobs_owned:
            logger.info("daily report: another worker builds it")
            return
        try:
            queued = queue_daily_alert(self.config, self.store, self._today())
            logger.info("daily report built", extra={"queued": queued})
        except InboxwatchError as exc:
            logger.error("daily report failed: %s", exc)
            return
        self.deliver_soon()

    def deliver_soon(self) -> None:
        """Run the outbox job now, on its own thread."""
        job = self.scheduler.get_job("outbox")
        if job is not None:
            job.modify(next_run_time=datetime.now(self.scheduler.timezone))

    def deliver(self) -> None:
        """Send pending alert e-mails whose time has come (each claimed before sending)."""
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
            logger.info(
                "outbox",
                extra={"sent": result.sent, "pending": result.pending, "failed": result.failed},
            )

    def retention(self) -> None:
        from inboxwatch.storage.retention import delete_older_than

        days = self.config.retention_days
        if days and self._owns_retention():
            removed = delete_older_than(self.store, utcnow() - timedelta(days=days))
            logger.info("retention", extra={"deleted": removed})

    def _owns_retention(self) -> bool:
        if not self.shared:
            return True
        workers = set(self.leases.live_members()) | {self.leases.holder}
        return owner(RETENTION_ITEM, workers) == self.leases.holder

    # --- IMAP IDLE ----------------------------------------------------------------------

    def _start_watcher(self, account: AccountConfig) -> None:
        thread = threading.Thread(
            target=self._watch, args=(account,), daemon=True, name=f"idle-{account.name}"
        )
        self.watchers.append(thread)
        thread.start()

    def _watch(self, account: AccountConfig) -> None:
        """While this worker owns the account, wait in IDLE on its first folder and trigger
        a poll on new mail."""
        while not self.stopping.is_set():
            if not self.owns(account.name):
                self.stopping.wait(REBALANCE_SECONDS)
                continue
            try:
                if not self._watch_once(account):
                    return
            except (ImapAuthError, CredentialError) as exc:
                # the poll job owns reporting a bad password; just wait out the hold-off
                self.login_holdoff.failed(account.name, str(exc), utcnow())
                self.stopping.wait(self.login_holdoff.seconds_left(account.name, utcnow()))
            except InboxwatchError as exc:
                if self.stopping.is_set():
                    return
                if self.owns(account.name):
                    logger.warning("%s: IDLE watcher: %s; retrying", account.name, exc)
                    self.stopping.wait(IDLE_RETRY_SECONDS)

    def _watch_once(self, account: AccountConfig) -> bool:
        """One IDLE session; False when the server has no IDLE (stop watching)."""
        password = account_password(account)
        with ImapSession(account, password) as session:
            if not session.supports_idle():
                logger.info("%s: no IDLE support; polling only", account.name)
                return False
            session.select_readonly(account.folders[0])
            # never trust that nothing arrived while the watcher was away
            self.poll_soon([account.name])
            self.idle_sessions[account.name] = session
            try:
                self._idle_loop(session, account.name)
            finally:
                self.idle_sessions.pop(account.name, None)
        return True

    def _idle_loop(self, session: ImapSession, name: str) -> None:
        renew_at = utcnow() + timedelta(seconds=IDLE_RENEW_SECONDS)
        while not self.stopping.is_set() and utcnow() < renew_at and self.owns(name):
            if session.idle_wait(timeout_s=IDLE_RETRY_SECONDS):
                self.poll_soon([name])


def run_service(config: Config, store: Store, ctx: IngestContext) -> int:
    """Run until SIGTERM/SIGINT (EXIT_STOPPED) or until the lease is lost or lapsed
    (EXIT_LEASE_LOST); returns the exit code."""
    service = Service(config, store, ctx)
    # handlers first: a SIGTERM during start-up must still release the lease
    signal.signal(signal.SIGTERM, service.request_stop)
    signal.signal(signal.SIGINT, service.request_stop)
    code = EXIT_STOPPED
    finished = True
    try:
        service.start()
        code = service.wait()
    finally:
        finished = service.stop()
    if not finished:
        # a job hangs on the unreachable database; its thread would block the interpreter's
        # exit forever, and the supervisor must see the exit code now
        logger.error("a job is still running after %g s; exiting without it", STOP_GRACE_SECONDS)
        logging.shutdown()
        os._exit(code)
    return code
