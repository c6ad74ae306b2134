"""The service under faults an unattended run meets (issue 12, items 2, 4, 6 and 8).

- PostgreSQL behind a loopback proxy (tests/netproxy.py) that stalls or cuts connections:
  a short outage is ridden out, a stall longer than its lease (on PostgreSQL a service is
  a worker, and its lease the worker's membership) stops the service with a non-zero exit
  code (so ``Restart=on-failure`` restarts it), and ``health`` answers within its own
  timeout instead of hanging.
- A slow SMTP server (tests/smtpserver.py): polling, lease renewal and health go on while a
  delivery waits, and the alert is sent once although the report and the outbox job both
  want to send it.
- ``poll --once`` killed by SIGKILL is taken over at once; SIGTERM and SIGHUP release its
  lease.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from inboxwatch.app import daemon
from inboxwatch.app.service_commands import HEALTH_TIMEOUT_SECONDS, health_problems
from inboxwatch.config import parse_config
from inboxwatch.errors import StorageError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.storage.schema import leases, outbox
from inboxwatch.storage.store import PG_CONNECT_TIMEOUT_S, Store
from tests.conftest import _wipe_schema
from tests.dovecot import MailUser, make_message
from tests.netproxy import NetProxy
from tests.smtpserver import smtp_server
from tests.tools.service_env import cli_command, cli_env, write_config

ROOT = Path(__file__).resolve().parent.parent
LEASE_S = 6.0
# a service on PostgreSQL is a worker: its lease is its membership worker:<holder>
EXPIRED = r"the lease worker:\S+ expired"


def _wait_for(what: str, check: Callable[[], object], timeout: float) -> float:
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - start


def _lease_holder(url: str, name: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(leases.c.holder).where(leases.c.name == name)).scalar()
    finally:
        engine.dispose()


def _member_lease(url: str) -> str:
    """The name of the (one) worker membership lease in the database."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = conn.execute(
                select(leases.c.name).where(leases.c.name.like("worker:%"))
            ).scalars()
            return " ".join(names)
    finally:
        engine.dispose()


@pytest.fixture
def pg_proxy(postgres_database: str) -> Iterator[tuple[NetProxy, str]]:
    """A fresh PostgreSQL schema, and a URL that reaches it through a NetProxy."""
    _wipe_schema(postgres_database)
    target = make_url(postgres_database)
    with NetProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        yield proxy, target.set(port=proxy.port).render_as_string(hide_password=False)


def _start_service(url: str, lease_seconds: float = LEASE_S) -> subprocess.Popen[str]:
    """The real service (tests/tools/service.py: run_service, no accounts) in a child."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.tools.service",
            "--db",
            url,
            "--lease-seconds",
            str(lease_seconds),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line == "started", process.stderr.read() if process.stderr else line
    return process


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        _out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate()
    return process.returncode, err


# --- item 2: database outages ------------------------------------------------------------


def test_an_outage_shorter_than_the_lease_is_ridden_out(pg_proxy: tuple[NetProxy, str]) -> None:
    """Before: the first failed renewal stopped the service, with exit code 0."""
    proxy, url = pg_proxy
    service = _start_service(url)
    try:
        proxy.cut_after(0, times=100_000)  # every connection dies at the server's first word
        proxy.drop_all()
        time.sleep(LEASE_S / 2)  # renewals fail for half the lease
        proxy.clear_cuts()
        time.sleep(LEASE_S)
        assert service.poll() is None, _finish(service)
        assert f":{service.pid}:" in _member_lease(url)
    finally:
        code, err = _finish(service)
    assert code == daemon.EXIT_STOPPED, err
    assert "cannot renew the lease worker:" in err, err


def test_a_stall_longer_than_the_lease_exits_non_zero_in_bounded_time(
    pg_proxy: tuple[NetProxy, str],
) -> None:
    """Before: the renewal hung on the stalled connection for as long as the stall lasted,
    and then the service exited 0 ("database error: connection timeout expired")."""
    proxy, url = pg_proxy
    service = _start_service(url)
    stalled = time.monotonic()
    proxy.stall()
    try:
        code = service.wait(timeout=LEASE_S + daemon.STOP_GRACE_SECONDS + 20)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        took = time.monotonic() - stalled
        proxy.resume()
        _code, err = _finish(service)
    assert code == daemon.EXIT_LEASE_LOST, (code, err[-2000:])
    assert took < LEASE_S + daemon.STOP_GRACE_SECONDS + 10
    assert re.search(EXPIRED, err) and "Traceback" not in err, err


def test_health_answers_within_its_timeout_while_the_database_stalls(
    pg_proxy: tuple[NetProxy, str], tmp_path: Path
) -> None:
    """Before: ``inboxwatch health`` hung as long as the database did."""
    proxy, url = pg_proxy
    Store.open(url).close()  # the schema exists: only the stall is in the way
    config = tmp_path / "iw.toml"
    config.write_text(f'[database]\nurl = "{url}"\n[me]\naddresses = ["a@assist.example"]\n')
    config.chmod(0o600)
    proxy.stall()
    started = time.monotonic()
    try:
        health = subprocess.run(
            cli_command(config, "health"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    except subprocess.TimeoutExpired:
        pytest.fail("inboxwatch health still hung after 60 s")
    finally:
        proxy.resume()
    took = time.monotonic() - started
    assert health.returncode == 1 and health.stdout.startswith("unhealthy: "), health
    assert took < HEALTH_TIMEOUT_SECONDS + 8, f"health took {took:.1f} s"


def test_postgresql_connections_carry_timeouts_and_keepalives(
    pg_proxy: tuple[NetProxy, str],
) -> None:
    proxy, url = pg_proxy
    store = Store.open(url)
    try:
        with store.transaction() as conn:
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "5min"
            params = conn.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
        assert params["keepalives"] == "1" and int(params["keepalives_idle"]) <= 60
        assert int(params["connect_timeout"]) == PG_CONNECT_TIMEOUT_S
    finally:
        store.close()
    # a server that accepts the connection and never answers: an error, not a hang
    proxy.stall()
    outcome: list[BaseException | None] = []

    def open_stalled() -> None:
        try:
            Store.open(url).close()
            outcome.append(None)
        except StorageError as exc:
            outcome.append(exc)

    opener = threading.Thread(target=open_stalled, daemon=True)
    opener.start()
    opener.join(PG_CONNECT_TIMEOUT_S + 15)
    proxy.resume()
    assert outcome and isinstance(outcome[0], StorageError), "Store.open hung on a stall"


# --- items 4 and 8: a slow SMTP server -----------------------------------------------------


def _now(service: daemon.Service) -> datetime:
    return datetime.now(service.scheduler.timezone)


def test_a_slow_smtp_server_stalls_neither_polling_nor_the_lease_and_sends_once(
    dovecot: MailUser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the report job's own send and the outbox job's send occupied both scheduler
    threads for as long as SMTP took; no poll ran, the lease lapsed (health said "not
    running"), and the alert was delivered twice."""
    monkeypatch.setenv("IW_TEST_PASSWORD", dovecot.password)
    monkeypatch.setattr(daemon, "LEASE_SECONDS", 3.0)
    dovecot.seed([make_message(1)])
    with smtp_server() as smtp:
        smtp.box.slow_seconds = 300.0
        config = replace(
            parse_config(
                {
                    "me": {"addresses": ["anna@assist.example"]},
                    "polling": {"interval_minutes": 60, "idle": False},
                    "report": {"send_when_unchanged": True},
                    "smtp": {
                        "host": smtp.host,
                        "port": smtp.port,
                        "security": "none",
                        "from": "inboxwatch@assist.example",
                        "timeout_seconds": 600,
                    },
                },
                "test",
            ),
            accounts=(dovecot.account(),),
        )
        store = Store.open(f"sqlite:///{tmp_path / 'iw.db'}")
        service = daemon.Service(config, store, IngestContext.from_config(config, None))
        service.start()
        try:
            _wait_for("the first poll", lambda: store.count_messages() == 1, 60)
            service.scheduler.modify_job("report", next_run_time=_now(service))
            _wait_for("the alert's DATA", lambda: smtp.box.data_started >= 1, 30)
            # the one-minute outbox job comes round while that send still waits
            service.scheduler.modify_job("outbox", next_run_time=_now(service))
            time.sleep(1.0)
            dovecot.append([make_message(2)])
            service.poll_soon()
            _wait_for("a poll during the slow send", lambda: store.count_messages() == 2, 20)
            time.sleep(2 * daemon.LEASE_SECONDS)  # the lease outlives its ttl: renewed
            assert health_problems(config, store) == []
            assert smtp.box.data_started == 1
            smtp.box.release()
            _wait_for("the delivery", lambda: smtp.box.received, 20)
            _wait_for("the row marked sent", lambda: _outbox(store) == [("sent", 1)], 10)
        finally:
            smtp.box.release()
            service.stop()
    assert len(smtp.box.received) == 1 and smtp.box.data_started == 1


def _outbox(store: Store) -> list[tuple[str, int]]:
    with store.transaction() as conn:
        return [
            (r.status, r.attempts) for r in conn.execute(select(outbox.c.status, outbox.c.attempts))
        ]


# --- item 6: poll --once and signals -------------------------------------------------------


@pytest.fixture
def poll_setup(
    dovecot: MailUser, tmp_path: Path
) -> Iterator[tuple[Path, dict[str, str], str, NetProxy]]:
    """A config for ``poll --once`` that reaches Dovecot through a proxy: stalled, it holds
    a poll mid-sync (lease taken, waiting for the server) for as long as a test needs."""
    dovecot.seed([make_message(i) for i in range(5)])
    url = f"sqlite:///{tmp_path / 'iw.db'}"
    with smtp_server() as smtp, NetProxy("127.0.0.1", dovecot.server.port) as imap:
        config = write_config(tmp_path / "iw.toml", database_url=url, mailbox=dovecot, smtp=smtp)
        text = config.read_text().replace(
            f"port = {dovecot.server.port}\n", f"port = {imap.port}\n"
        )
        config.write_text(text)
        yield config, cli_env(dovecot), url, imap


def _poll_holding_its_lease(
    config: Path, env: dict[str, str], url: str, imap: NetProxy
) -> subprocess.Popen[str]:
    imap.stall()
    poll = subprocess.Popen(
        cli_command(config, "poll", "--once"),
        env=env,
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    def holding() -> bool:
        try:
            return f":{poll.pid}:" in (_lease_holder(url, "account:work") or "")
        except Exception:  # the schema may not exist yet
            return False

    _wait_for(
        "poll --once to take its account lease", lambda: holding() or poll.poll() is not None, 60
    )
    assert poll.poll() is None, poll.communicate()
    return poll


def test_poll_once_after_a_sigkilled_one_is_not_refused(
    poll_setup: tuple[Path, dict[str, str], str, NetProxy],
) -> None:
    """Before: refused for the 300 s lease ttl ("wait for it to finish, or stop that
    process" about a process that was dead)."""
    config, env, url, imap = poll_setup
    killed = _poll_holding_its_lease(config, env, url, imap)
    killed.kill()
    killed.communicate()
    imap.resume()
    again = subprocess.run(
        cli_command(config, "poll", "--once"),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert "in use by" not in again.stderr
    assert "work/INBOX: 5 new" in again.stdout, again.stdout


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_poll_once_releases_its_lease_on_sigterm_and_sighup(
    poll_setup: tuple[Path, dict[str, str], str, NetProxy], signum: int
) -> None:
    """Before: no handler; the process died with the lease held."""
    config, env, url, imap = poll_setup
    poll = _poll_holding_its_lease(config, env, url, imap)
    poll.send_signal(signum)
    _out, err = poll.communicate(timeout=60)
    assert poll.returncode == 128 + signum, err
    assert f"stopped by {signal.Signals(signum).name}" in err and "Traceback" not in err
    assert _lease_holder(url, "account:work") is None


def test_inboxwatch_run_exits_75_when_a_stall_outlasts_its_lease_even_mid_poll(
    pg_proxy: tuple[NetProxy, str], dovecot: MailUser, tmp_path: Path
) -> None:
    """The real ``inboxwatch run`` with an account, polling every 3 s: when PostgreSQL
    stalls, a poll hangs on it; the service still exits 75 (the hung job is left behind
    after STOP_GRACE_SECONDS) instead of hanging or exiting 0."""
    proxy, url = pg_proxy
    dovecot.seed([make_message(1)])
    with smtp_server() as smtp:
        config = write_config(
            tmp_path / "iw.toml",
            database_url=url,
            mailbox=dovecot,
            smtp=smtp,
            polling={"interval_minutes": 0.05, "idle": False},
        )
        run = subprocess.Popen(
            cli_command(config, "run"),
            env=cli_env(dovecot),
            cwd=ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_for("the first poll", lambda: _stored(url) or run.poll() is not None, 60)
            assert run.poll() is None, run.communicate()
            proxy.stall()
            stalled = time.monotonic()
            limit = daemon.LEASE_SECONDS + daemon.STOP_GRACE_SECONDS + 20
            try:
                code: int | None = run.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                code = None
            took = time.monotonic() - stalled
        finally:
            proxy.resume()
            code_after, err = _finish(run)
    assert code == daemon.EXIT_LEASE_LOST, (code, code_after, err[-2000:])
    assert re.search(EXPIRED, err), err
    assert "a job is still running after" in err  # the poll hung on the stalled database
    print(f"inboxwatch run exited {code} {took:.1f} s after the database stalled")


def _stored(url: str) -> bool:
    from inboxwatch.storage.schema import messages

    try:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return bool(conn.execute(select(messages.c.id)).first())
        finally:
            engine.dispose()
    except Exception:  # the schema may not exist yet
        return False
