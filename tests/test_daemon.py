"""``inboxwatch run`` as a real subprocess, against the test Dovecot and an aiosmtpd server.

One service run (a module-scoped fixture) is observed from outside, the way an operator
would: its database, the SMTP server, ``inboxwatch health``, a second ``inboxwatch run``,
SIGTERM, and its log output. The tests below each assert one property of that run.

Timing: the daily report is scheduled for the first whole minute (Europe/Budapest) at least
``STARTUP_MARGIN_S`` after the service starts, so the run lasts 12-72 s. The poll interval
is one minute, so mail appended a few seconds after the first poll and stored within
``PICKUP_LIMIT_S`` was picked up through IMAP IDLE, not by the interval poll.
"""

from __future__ import annotations

import json
import secrets
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from inboxwatch.app.cli import EXIT_TEMPFAIL
from inboxwatch.app.daemon import SERVICE_LEASE
from inboxwatch.storage.schema import folders, leases, messages
from inboxwatch.storage.store import Store
from tests.dovecot import DovecotServer, MailUser, free_port
from tests.smtpserver import SmtpServer, smtp_server
from tests.tools.service_env import (
    assert_alert_mail,
    cli_command,
    cli_env,
    received_messages,
    run_cli,
    write_config,
)

BUDAPEST = ZoneInfo("Europe/Budapest")
STARTUP_MARGIN_S = 20.0  # the scheduler starts (imports, classifier, migrations) within this
PICKUP_LIMIT_S = 10.0
REPORT_GRACE_S = 10.0  # building and sending the report takes a second or two
STOP_LIMIT_S = 10.0


def _raw_message(sender: str, to: str, subject: str, body: str) -> bytes:
    headers = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: {format_datetime(datetime.now(BUDAPEST))}",
        f"Message-ID: {make_msgid(domain='acme.example')}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()


def _message_id(raw: bytes) -> str:
    """The Message-ID as the database stores it (without the angle brackets)."""
    line = next(h for h in raw.split(b"\r\n") if h.startswith(b"Message-ID: "))
    return line.split(b": ", 1)[1].decode().strip("<>")


def _wait_for(what: str, check: Callable[[], object], timeout: float, step: float = 0.2) -> float:
    """Poll *check* until truthy; returns the seconds it took (TimeoutError after
    *timeout*)."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(step)
    return time.monotonic() - start


@dataclass
class ServiceRun:
    """What one ``inboxwatch run`` did, as seen from outside."""

    password: str
    marker: str  # in every message body, and nowhere else
    bodies: list[str]
    report_at: datetime  # the scheduled local time of the daily report
    startup_s: float = 0.0
    health: subprocess.CompletedProcess[str] | None = None
    metrics_port: int = 0
    scrape: str = ""  # GET /metrics from the running service, after the first poll
    second: subprocess.CompletedProcess[str] | None = None
    appended_after_first_poll_s: float = 0.0
    pickup_s: float | None = None
    last_pickup_s: float | None = None
    mail_arrived_at: datetime | None = None
    mails: list[EmailMessage] = field(default_factory=list)
    stop_s: float | None = None
    exit_code: int | None = None
    lease_after_stop: object = None
    health_after: subprocess.CompletedProcess[str] | None = None
    stdout: str = ""
    stderr: str = ""


def _service_started_at(log: str) -> datetime | None:
    """When the service logged that it started (its scheduler was running by then)."""
    for line in log.splitlines():
        if '"inboxwatch service started"' in line:
            return datetime.fromisoformat(json.loads(line)["time"]).astimezone(BUDAPEST)
    return None


def _report_time(now: datetime) -> datetime:
    """The first whole second at least STARTUP_MARGIN_S from *now* (the report time may
    carry seconds: "07:30:15")."""
    start = now + timedelta(seconds=STARTUP_MARGIN_S)
    return start.replace(microsecond=0) + timedelta(seconds=1)


def _scalar(engine: Engine, query: object) -> object:
    """The first column of the first row, or None while the service has not created its
    tables yet."""
    try:
        with engine.connect() as conn:
            return conn.execute(query).scalar()  # type: ignore[call-overload]
    except OperationalError:
        return None


def _observe(
    run: ServiceRun,
    process: subprocess.Popen[str],
    mailbox: MailUser,
    smtp: SmtpServer,
    config: Path,
    engine: Engine,
    env: dict[str, str],
) -> None:
    """Watch the running service; failures are recorded in *run* for the tests to judge."""
    inbox_synced = select(folders.c.last_synced_at).where(folders.c.name == "INBOX")
    run.startup_s = _wait_for(
        "the first poll",
        lambda: process.poll() is not None or _scalar(engine, inbox_synced) is not None,
        60,
    )
    if process.poll() is not None:
        raise RuntimeError(f"the service exited during start-up (exit {process.returncode})")
    first_poll = time.monotonic()
    run.health = run_cli(config, "health", env=env)
    with urllib.request.urlopen(
        f"http://127.0.0.1:{run.metrics_port}/metrics", timeout=10
    ) as response:
        run.scrape = response.read().decode("utf-8")
    run.second = run_cli(config, "run", env=env, timeout=60)
    run.pickup_s = _append_and_wait(mailbox, engine, run.bodies[1])
    run.appended_after_first_poll_s = time.monotonic() - first_poll - (run.pickup_s or 0)
    wait = (run.report_at - datetime.now(BUDAPEST)).total_seconds() + REPORT_GRACE_S
    with suppress(TimeoutError):
        _wait_for("the daily report mail", lambda: smtp.box.received, max(wait, 0))
        # when the server received it (the steps before may have run past the report time)
        run.mail_arrived_at = datetime.fromtimestamp(smtp.box.received_at[0], BUDAPEST)
    # New mail just before SIGTERM: the IDLE watcher has just begun a fresh IDLE wait when
    # the signal comes, the worst moment for a prompt stop, and the same one every run.
    run.last_pickup_s = _append_and_wait(mailbox, engine, run.bodies[2])


def _append_and_wait(mailbox: MailUser, engine: Engine, body: str) -> float | None:
    """APPEND a client message; the seconds until the service stored it (None: never)."""
    raw = _raw_message(
        "Boss <boss@acme.example>", "anna@assist.example", "Holnapra kell a bemutató", body
    )
    mailbox.append([raw])
    stored = select(messages.c.id).where(messages.c.message_id == _message_id(raw))
    try:
        return _wait_for("the appended message", lambda: _scalar(engine, stored), 30)
    except TimeoutError:
        return None


def _kill_if_running(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def _stop(run: ServiceRun, process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        run.exit_code = process.wait(timeout=60)
        run.stop_s = time.monotonic() - sent
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def service_run(
    dovecot_server: DovecotServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceRun]:
    folder = tmp_path_factory.mktemp("daemon")
    marker = secrets.token_hex(4)
    run = ServiceRun(
        password=f"pw-{secrets.token_hex(8)}",
        marker=marker,
        bodies=[
            f"Seeded body text {marker} about the quarterly slides",
            f"Appended body text {marker}: a bemutató holnap reggelre kell",
            f"Last body text {marker}: és a névkártyák is sürgősek",
        ],
        report_at=_report_time(datetime.now(BUDAPEST)),
        metrics_port=free_port(),
    )
    mailbox = dovecot_server.add_user(f"daemon{secrets.token_hex(4)}", run.password)
    mailbox.seed(
        [_raw_message("Boss <boss@acme.example>", "anna@assist.example", "Slides", run.bodies[0])]
    )
    database_url = f"sqlite:///{folder / 'inboxwatch.db'}"
    with ExitStack() as stack:
        smtp = stack.enter_context(smtp_server())
        config = write_config(
            folder / "inboxwatch.toml",
            database_url=database_url,
            mailbox=mailbox,
            smtp=smtp,
            polling={"interval_minutes": 1, "idle": True},
            report={"time": f"{run.report_at:%H:%M:%S}", "send_when_unchanged": True},
            metrics={"listen": f"127.0.0.1:{run.metrics_port}"},
        )
        # The host's zone differs from the configured one (as in a UTC container), so the
        # schedule must follow [me] timezone, not the machine's clock zone.
        env = {**cli_env(mailbox), "TZ": "UTC"}
        engine = create_engine(database_url)
        stack.callback(engine.dispose)
        out, err = folder / "stdout.log", folder / "stderr.log"
        with out.open("w") as stdout, err.open("w") as stderr:
            process = subprocess.Popen(
                cli_command(config, "--log-format", "json", "-v", "run"),
                env=env,
                stdout=stdout,
                stderr=stderr,
                text=True,
            )
        stack.callback(_kill_if_running, process)
        failure: Exception | None = None
        try:
            _observe(run, process, mailbox, smtp, config, engine, env)
        except (RuntimeError, TimeoutError) as exc:
            failure = exc
        finally:
            _stop(run, process)
            run.stdout, run.stderr = out.read_text(), err.read_text()
        if failure is not None:
            raise RuntimeError(
                f"{failure}; the service's last log lines:\n"
                + "\n".join(run.stderr.splitlines()[-5:])
            ) from failure
        run.mails = list(received_messages(smtp))
        run.lease_after_stop = _scalar(
            engine, select(leases.c.holder).where(leases.c.name == SERVICE_LEASE)
        )
        run.health_after = run_cli(config, "health", env=env)
        print(
            f"service run: start-up {run.startup_s:.1f} s, pickups {run.pickup_s} s and "
            f"{run.last_pickup_s} s, report due {run.report_at:%H:%M:%S}, arrived "
            f"{run.mail_arrived_at}, stop {run.stop_s} s"
        )
        yield run


def test_health_is_ok_while_the_service_runs(service_run: ServiceRun) -> None:
    health = service_run.health
    assert health is not None
    assert (health.returncode, health.stdout.strip()) == (0, "healthy"), health


def test_the_running_service_serves_metrics_to_a_scrape(service_run: ServiceRun) -> None:
    """[metrics] listen: a real HTTP GET while `run` runs, after its first poll."""
    scrape = service_run.scrape
    assert "# TYPE inboxwatch_account_last_success_timestamp_seconds gauge" in scrape
    assert 'inboxwatch_account_healthy{account="work"} 1' in scrape
    assert 'inboxwatch_account_messages_stored{account="work"} 1' in scrape
    assert 'inboxwatch_account_login_failures_total{account="work"} 0' in scrape
    assert "inboxwatch_service_running 1" in scrape


def test_a_second_instance_on_the_same_database_is_refused(service_run: ServiceRun) -> None:
    second = service_run.second
    assert second is not None
    assert second.returncode == EXIT_TEMPFAIL, second
    assert "in use by" in second.stderr
    assert second.stderr.strip().splitlines()[-1].startswith("inboxwatch: service is in use by")
    assert "Traceback" not in second.stderr


def test_mail_appended_while_running_is_picked_up_through_idle(service_run: ServiceRun) -> None:
    assert service_run.pickup_s is not None, "the appended message was never stored"
    # the interval poll is a minute apart: stored this soon after the append means IDLE
    assert service_run.appended_after_first_poll_s + PICKUP_LIMIT_S < 60
    assert service_run.pickup_s < PICKUP_LIMIT_S


def test_daily_report_mail_arrives_at_the_scheduled_time(service_run: ServiceRun) -> None:
    started = _service_started_at(service_run.stderr)
    if started is None or started > service_run.report_at - timedelta(seconds=1):
        pytest.skip(
            f"the service started at {started}, too late for a report at "
            f"{service_run.report_at:%H:%M:%S}: raise STARTUP_MARGIN_S on this machine"
        )
    arrived = service_run.mail_arrived_at
    assert arrived is not None, (
        f"no report mail by {service_run.report_at:%H:%M} + {REPORT_GRACE_S:g} s"
    )
    assert len(service_run.mails) == 1
    assert service_run.report_at - timedelta(seconds=1) <= arrived
    assert arrived <= service_run.report_at + timedelta(seconds=REPORT_GRACE_S)
    mail = service_run.mails[0]
    assert_alert_mail(mail, min_charts=0)
    assert mail["X-Inboxwatch-Fingerprint"]


def test_sigterm_stops_the_service_cleanly(service_run: ServiceRun) -> None:
    assert service_run.exit_code == 0, service_run.stderr[-2000:]
    assert "inboxwatch service stopped" in service_run.stderr
    assert service_run.lease_after_stop is None  # the lease was released, not left to expire
    after = service_run.health_after
    assert after is not None and after.returncode == 1 and "not running" in after.stdout


def test_sigterm_stops_the_service_within_seconds(service_run: ServiceRun) -> None:
    assert service_run.last_pickup_s is not None  # the watcher was in a fresh IDLE wait
    assert service_run.stop_s is not None and service_run.stop_s < STOP_LIMIT_S, (
        f"took {service_run.stop_s:.1f} s to stop after SIGTERM"
    )


def test_logs_hold_no_message_bodies_and_no_password(service_run: ServiceRun) -> None:
    logs = service_run.stdout + service_run.stderr
    assert "inboxwatch service started" in logs  # -v: the info lines are there to search
    assert service_run.password not in logs
    assert service_run.marker not in logs
    for body in service_run.bodies:
        assert body not in logs


def test_json_logs_are_one_object_per_line(service_run: ServiceRun) -> None:
    lines = [line for line in service_run.stderr.splitlines() if line.strip()]
    assert lines, "the service logged nothing at -v"
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            raise AssertionError(f"not a JSON log line: {line!r}") from None
        assert {"time", "level", "logger", "message"} <= set(entry)


def test_mail_announced_while_a_poll_runs_is_fetched_by_that_poll(
    dovecot: MailUser, sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """IDLE announces new mail while the poll job is busy: the scheduler skips a run asked
    for meanwhile, so the running poll must go round once more."""
    from inboxwatch.app import daemon
    from inboxwatch.config import parse_config
    from inboxwatch.ingest.pipeline import IngestContext
    from tests.dovecot import make_message

    monkeypatch.setenv("IW_TEST_PASSWORD", "secret")
    config = parse_config(
        {
            "me": {"addresses": ["anna@assist.example"]},
            "accounts": [
                {
                    "name": "work",
                    "host": "127.0.0.1",
                    "port": dovecot.server.port,
                    "security": "none",
                    "username": dovecot.name,
                    "password_env": "IW_TEST_PASSWORD",
                }
            ],
        },
        "test",
    )
    service = daemon.Service(config, sqlite_store, IngestContext.from_config(config, None))
    real_sync = daemon.sync_account
    calls = []

    def sync_then_new_mail_arrives(*args: object, **kwargs: object) -> object:
        report = real_sync(*args, **kwargs)  # type: ignore[arg-type]
        calls.append(report)
        if len(calls) == 1:  # after this sync read INBOX, mail arrives and IDLE says so
            dovecot.append([make_message(2)])
            service.poll_soon()
        return report

    monkeypatch.setattr(daemon, "sync_account", sync_then_new_mail_arrives)
    dovecot.seed([make_message(1)])
    service.poll()
    assert len(calls) == 2
    assert sqlite_store.count_messages("work") == 2
