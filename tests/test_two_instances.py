"""Two inboxwatch processes on one database: one service at a time, one poller per account.

- On SQLite (single-worker) a second service refuses to start with a LockError that says who
  holds the database (host, pid, since when), until when, how to clear it, and that several
  workers need PostgreSQL; it can start once the first stopped (SIGTERM releases the lease)
  and at once when the first died (SIGKILL: the holder's pid is gone on this host). On
  PostgreSQL the second joins as another worker (tests/test_workers.py).
- Two pollers started at the same moment on the same account never have an IMAP session
  open at the same time (their session intervals are compared), store each message once,
  and a poller that finds the account busy says so and does not even log in to the server.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxwatch.app import daemon
from inboxwatch.config import parse_config
from inboxwatch.errors import LockError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.storage.store import Store
from tests.dovecot import MailUser, make_message
from tests.tools import figures
from tests.tools.checks import assert_mirrors
from tests.tools.poller import Zygote
from tests.tools.service_env import cli_command, run_cli

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "secret"
CONFIG = {"me": {"addresses": ["anna@assist.example"]}, "polling": {"interval_minutes": 60}}


def _service(url: str) -> daemon.Service:
    config = parse_config(CONFIG, "test")
    return daemon.Service(config, Store.open(url), IngestContext.from_config(config, None))


def test_second_service_refuses_with_a_clear_reason(tmp_path: Path) -> None:
    """SQLite is single-worker: the second service says who holds it and that several
    workers need PostgreSQL."""
    database_url = f"sqlite:///{tmp_path / 'iw.db'}"
    first, second = _service(database_url), _service(database_url)
    first.start()
    try:
        with pytest.raises(LockError) as caught:
            second.start()
        message = str(caught.value)
        assert re.match(
            r"service is in use by process \d+ on [^ ]+ \(running since "
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\), lease renewed until "
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; wait for it to finish, or "
            r"stop it \(kill \d+ on",
            message,
        ), message
        assert f"process {os.getpid()} on" in message  # names the holding process
        assert message.endswith(
            "SQLite is single-worker: to run several `inboxwatch run` workers on one "
            "database, use PostgreSQL (README: Agencies: several workers)"
        ), message
    finally:
        first.stop()
    second.start()  # the first one released the lease on stop
    second.stop()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_services_on_postgresql_are_workers_side_by_side(database_url: str) -> None:
    """On PostgreSQL a second service joins as a worker; each stop leaves its membership."""
    from inboxwatch.storage.leases import Leases

    first, second = _service(database_url), _service(database_url)
    first.start()
    try:
        second.start()
        try:
            holders = Leases(first.store).live_members()
            assert holders == sorted([first.leases.holder, second.leases.holder])
        finally:
            second.stop()
        assert Leases(first.store).live_members() == [first.leases.holder]
    finally:
        first.stop()


def _start_service_process(url: str, lease_seconds: float) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
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
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line == "started", process.stderr.read() if process.stderr else line
    return process


def _service_lease(url: str) -> str | None:
    from sqlalchemy import create_engine, select

    from inboxwatch.storage.schema import leases

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(leases.c.holder).where(leases.c.name == daemon.SERVICE_LEASE)
            ).scalar()
    finally:
        engine.dispose()


def test_inboxwatch_run_twice_refuses_and_says_why(tmp_path: Path) -> None:
    """The real ``inboxwatch run`` twice on one database; then SIGTERM releases the lease."""
    url = f"sqlite:///{tmp_path / 'iw.db'}"
    config = tmp_path / "iw.toml"
    config.write_text(f'[database]\nurl = "{url}"\n[me]\naddresses = ["a@assist.example"]\n')
    config.chmod(0o600)
    first = subprocess.Popen(
        cli_command(config, "run"),
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not _lease_ready(url) and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert f":{first.pid}:" in (_service_lease(url) or ""), first.stderr
        second = run_cli(config, "run", env=dict(os.environ), timeout=60)
        assert second.returncode == 75, second.stderr
        # the start-up summary (what the service would do, and its warnings) comes first
        errors = [
            line
            for line in second.stderr.splitlines()
            if not line.startswith(("INFO ", "WARNING inboxwatch.app.service_commands"))
        ]
        assert len(errors) == 1 and "Traceback" not in second.stderr
        assert re.match(
            rf"inboxwatch: service is in use by process {first.pid} on [^ ]+ "
            r"\(running since [^)]+\), lease renewed until \d{4}-\d\d-\d\d "
            r"\d\d:\d\d:\d\d UTC; wait for it",
            errors[0],
        ), second.stderr
        first.send_signal(signal.SIGTERM)
        assert first.wait(30) == 0
        assert _service_lease(url) is None  # a clean stop releases the lease at once
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    figures.record("two_instances", "inboxwatch_run_twice", faults_injected=1)


def _lease_ready(url: str) -> bool:
    try:
        return _service_lease(url) is not None
    except Exception:  # the schema may not exist yet
        return False


def test_a_killed_service_is_taken_over_at_once(tmp_path: Path) -> None:
    """SIGKILL leaves no chance to release; the next service on this host sees that the
    holder's process is gone and takes over without waiting for the lease to expire."""
    url = f"sqlite:///{tmp_path / 'iw.db'}"
    crashed = _start_service_process(url, lease_seconds=daemon.LEASE_SECONDS)
    crashed.send_signal(signal.SIGKILL)
    crashed.wait()
    assert f":{crashed.pid}:" in (_service_lease(url) or "")  # the lease is still there
    started = time.monotonic()
    mine = _service(url)
    mine.start()  # no LockError: taken over at once
    took = time.monotonic() - started
    try:
        assert mine.keeper is not None and mine.keeper.lease.holder == _service_lease(url)
    finally:
        mine.stop()
    assert took < 5.0, f"took {took:.1f} s to take over"
    figures.record("two_instances", "service_takeover_after_sigkill", faults_injected=1)


def _poller(user: MailUser, url: str, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "IW_TEST_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.tools.poller",
            "--db",
            url,
            "--port",
            str(user.server.port),
            "--user",
            user.name,
            "--batch",
            "50",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _logins(user: MailUser) -> int:
    log = (user.server.root / "dovecot.log").read_text(errors="replace")
    return log.count(f"Login: user=<{user.name}>")


def test_two_pollers_never_hold_the_account_at_once(dovecot: MailUser, store: Store) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    dovecot.seed([make_message(i) for i in range(300)])
    pollers = [_poller(dovecot, url, "--wait-lease") for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in pollers]
    for process, (_out, err) in zip(pollers, outputs, strict=True):
        assert process.returncode == 0, err
    runs = [json.loads(out) for out, _err in outputs]
    sessions = sorted(s for run in runs for s in run["sessions"])
    assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(sessions)), (
        f"IMAP sessions of the two pollers overlap: {sessions}"
    )
    assert sorted(run["inserted"] for run in runs) == [0, 300]
    result = assert_mirrors(dovecot, store, f"acct-{dovecot.name}")
    figures.record(
        "two_instances",
        f"account_lease_{store.engine.dialect.name}",
        sessions=len(sessions),
        **result.figures(),
    )


@pytest.fixture(scope="module")
def zygotes() -> Iterator[list[Zygote]]:
    """Two warm poller factories, so the second poller starts while the first still runs."""
    env = {**os.environ, "IW_TEST_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    pair = [Zygote(str(ROOT), env) for _ in range(2)]
    yield pair
    for zygote in pair:
        zygote.close()


def test_a_busy_account_is_reported_and_not_logged_into(
    dovecot: MailUser, store: Store, zygotes: list[Zygote], tmp_path: Path
) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    dovecot.seed([make_message(i) for i in range(500)])
    argv = [
        "--db",
        url,
        "--port",
        str(dovecot.server.port),
        "--user",
        dovecot.name,
        "--batch",
        "50",
    ]
    first = zygotes[0].spawn(argv, str(tmp_path / "1.out"), str(tmp_path / "1.err"))
    deadline = time.monotonic() + 30
    while _logins(dovecot) == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    second = zygotes[1].spawn(argv, str(tmp_path / "2.out"), str(tmp_path / "2.err"))
    assert zygotes[1].wait(second) == 75
    assert zygotes[0].wait(first) == 0, (tmp_path / "1.err").read_text()
    err = (tmp_path / "2.err").read_text()
    assert f"account:acct-{dovecot.name} is in use by" in err
    assert f"process {first} on" in err and err.count("\n") == 1, err
    time.sleep(0.2)  # Dovecot's log process writes asynchronously
    assert _logins(dovecot) == 1  # the second poller never logged in
    assert json.loads((tmp_path / "1.out").read_text())["inserted"] == 500
    figures.record(
        "two_instances",
        f"busy_account_{store.engine.dialect.name}",
        faults_injected=1,
        messages_checked=500,
    )
