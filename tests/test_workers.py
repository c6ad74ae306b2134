"""Several ``inboxwatch run`` workers on one PostgreSQL database (README: Agencies).

- The accounts are divided by rendezvous hashing: evenly, and when a worker joins or leaves
  only the accounts it gains or held move.
- A lease whose holder's worker membership expired is taken over at once, from any host; a
  holder whose membership is live keeps it.
- Three real ``inboxwatch run`` workers, twelve Dovecot accounts: one worker is SIGKILLed
  while it syncs. Every message is stored exactly once, no account is ever synced by two
  workers at once (the workers' logged lease intervals are compared), the dead worker's
  accounts are synced by the others within 30 s, and the daily alert arrives once.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from inboxwatch.app import daemon
from inboxwatch.app.ownership import account_item, assignment, owner
from inboxwatch.config import Config, parse_config
from inboxwatch.errors import LockError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.storage.health import accounts_health
from inboxwatch.storage.leases import Holder, Leases, member_lease
from inboxwatch.storage.schema import leases, messages, outbox
from inboxwatch.storage.store import Store, utcnow
from tests.dovecot import DovecotServer, MailUser, make_message
from tests.smtpserver import smtp_server
from tests.tools import figures
from tests.tools.checks import assert_mirrors
from tests.tools.service_env import (
    PASSWORD_ENV,
    cli_command,
    received_messages,
    run_cli,
    small_config,
)

T = TypeVar("T")
BUDAPEST = ZoneInfo("Europe/Budapest")
WORKERS = 3
ACCOUNTS = 12
MESSAGES = 300  # per account: a sync takes a moment, so a worker can be killed mid-sync
TAKEOVER_LIMIT_S = 30.0
STARTUP_MARGIN_S = 30.0  # workers start, sync and survive the kill before the report


# --- the division of the accounts ---------------------------------------------------------


def test_accounts_are_divided_evenly() -> None:
    workers = [f"host-{i}:{100 + i}:ns:1:1:t{i}" for i in range(WORKERS)]
    items = [account_item(f"client-{i}") for i in range(1200)]
    shares = [len(owned) for owned in assignment(items, workers).values()]
    assert sum(shares) == 1200
    assert all(340 <= share <= 460 for share in shares), shares  # 400 each, within 15 %


def test_only_the_accounts_of_a_worker_that_joins_or_leaves_move() -> None:
    items = [account_item(f"client-{i}") for i in range(300)]
    workers = ["a:1:n:1:1:x", "b:2:n:1:1:x", "c:3:n:1:1:x"]
    before = {item: owner(item, workers) for item in items}
    joined = {item: owner(item, [*workers, "d:4:n:1:1:x"]) for item in items}
    moved = {item for item in items if joined[item] != before[item]}
    assert moved and all(joined[item] == "d:4:n:1:1:x" for item in moved)
    left = {item: owner(item, workers[1:]) for item in items}
    moved = {item for item in items if left[item] != before[item]}
    assert moved == {item for item in items if before[item] == workers[0]}


# --- a holder on another host ---------------------------------------------------------------


def _other_host_holder() -> str:
    """A holder on a host we cannot look into: only its membership can say it is dead."""
    return str(Holder("other-host", 4242, "4026531836", 12345, 1_765_000_000, "abc123"))


@pytest.mark.parametrize("expired", [True, False])
def test_a_holder_on_another_host_is_dead_once_its_membership_expired(
    store: Store, expired: bool
) -> None:
    holder = _other_host_holder()
    # the other worker renewed its membership last 60 s ago (expired) or just now
    then = utcnow() - timedelta(seconds=60 if expired else 0)
    theirs = Leases(store, holder=holder, clock=lambda: then)
    theirs.acquire(member_lease(holder), ttl_seconds=15)
    theirs.acquire("account:work", ttl_seconds=300)  # still valid by its own ttl
    mine = Leases(store)
    if not expired:
        with pytest.raises(LockError, match="account:work is in use by process 4242"):
            mine.acquire("account:work")
        return
    started = time.monotonic()
    lease = mine.acquire("account:work")
    assert time.monotonic() - started < 1.0  # at once, not after the 300 s ttl
    with store.transaction() as conn:
        held_by = conn.execute(
            select(leases.c.holder).where(leases.c.name == "account:work")
        ).scalar()
    assert held_by == lease.holder == mine.holder
    assert holder not in mine.live_members()


def test_a_lease_without_membership_is_not_taken(store: Store) -> None:
    """A plain poller (no worker membership) on another host keeps its lease to its ttl."""
    holder = _other_host_holder()
    Leases(store, holder=holder).acquire("account:work", ttl_seconds=300)
    with pytest.raises(LockError):
        Leases(store).acquire("account:work")


# --- workers and the commands that need the service stopped ----------------------------------


def _worker(url: str, config: Config | None = None) -> daemon.Service:
    config = config or parse_config({"me": {"addresses": ["anna@assist.example"]}}, "test")
    return daemon.Service(config, Store.open(url), IngestContext.from_config(config, None))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_forget_is_refused_while_a_worker_runs(database_url: str, tmp_path: Path) -> None:
    config = small_config(tmp_path / "iw.toml", database_url)
    worker = _worker(database_url)
    worker.start()
    try:
        refused = run_cli(config, "forget", "Acme Kft.", "--yes")
    finally:
        worker.stop()
    assert refused.returncode == 75, refused.stderr
    assert "the service runs as 1 worker(s) on this database (process" in refused.stderr
    assert "stop them first" in refused.stderr
    done = run_cli(config, "forget", "Acme Kft.", "--yes")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_worker_does_not_start_while_forget_holds_the_service(
    database_url: str, store: Store
) -> None:
    worker = _worker(database_url)
    with Leases(store).hold(daemon.SERVICE_LEASE):
        with pytest.raises(LockError, match=r"^service is in use by process \d+"):
            worker.start()
        assert Leases(store).live_members() == []  # it left again
    started = [_worker(database_url) for _ in range(3)]
    try:
        for one in started:  # several starting together never refuse each other
            one.start()
        assert len(Leases(store).live_members()) == 3
    finally:
        for one in started:
            one.stop()
    worker.store.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_worker_taking_the_report_over_builds_one_its_owner_missed(
    database_url: str, store: Store
) -> None:
    """The report's owner died around the report time: whoever takes the report over
    builds it late (within an hour), once."""
    now = datetime.now(BUDAPEST)
    if now.hour == 0 and now.minute < 3:
        pytest.skip("the report time a minute ago would be yesterday")
    with smtp_server() as smtp:
        raw = {
            "me": {"addresses": ["anna@assist.example"], "timezone": "Europe/Budapest"},
            "report": {
                "time": f"{now - timedelta(minutes=1):%H:%M}",
                "send_when_unchanged": True,
            },
            "smtp": {
                "host": smtp.host,
                "port": smtp.port,
                "security": "none",
                "from": "inboxwatch@assist.example",
            },
        }
        config = parse_config(raw, "test")
        worker = daemon.Service(
            config, Store.open(database_url), IngestContext.from_config(config, None)
        )
        worker.start()  # the only worker: it owns the report
        try:
            _wait_for("the late report's mail", lambda: bool(smtp.box.received), 30)
        finally:
            worker.stop()
        late = daemon.Service(
            config, Store.open(database_url), IngestContext.from_config(config, None)
        )
        late.start()  # already built today: not again
        late.stop()
    with store.transaction() as conn:
        keys = conn.execute(select(outbox.c.dedupe_key)).scalars().all()
    assert keys == [f"daily-report:{now:%Y-%m-%d}"]
    assert len(smtp.box.received) == 1


# --- three real workers, one SIGKILLed mid-sync ------------------------------------------------


def _account_table(i: int, user: MailUser) -> str:
    return (
        f'[[accounts]]\nname = "acct-{i:02d}"\nhost = "127.0.0.1"\nport = {user.server.port}\n'
        f'security = "none"\nusername = "{user.name}"\npassword_env = "{PASSWORD_ENV}"\n'
        'folders = ["INBOX"]\ntimeout_seconds = 10\n'
    )


def _config(path: Path, url: str, users: list[MailUser], smtp_port: int, report_at: str) -> Path:
    path.write_text(
        f'[database]\nurl = "{url}"\n'
        '[me]\naddresses = ["anna@assist.example"]\ntimezone = "Europe/Budapest"\n'
        '[[clients]]\nname = "Acme Kft."\naddresses = ["@acme.example"]\n'
        "[polling]\ninterval_minutes = 60\nidle = true\n"
        f'[report]\ntime = "{report_at}"\nsend_when_unchanged = true\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
        'from = "inboxwatch <inboxwatch@assist.example>"\ntimeout_seconds = 10\n'
        + "".join(_account_table(i, user) for i, user in enumerate(users)),
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def _wait_for(what: str, check: Callable[[], T | None], timeout: float) -> T:
    """What *check* returned once it was neither None nor False."""
    deadline = time.monotonic() + timeout
    while (found := check()) is None or found is False:
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)
    return found


def _stored(store: Store) -> Counter[str]:
    with store.transaction() as conn:
        rows = conn.execute(select(messages.c.account, messages.c.id)).all()
    return Counter(row.account for row in rows)


def _mid_sync(store: Store, pids: set[int]) -> tuple[int, str] | None:
    """(pid, account) of a worker holding an account lease with part of its mail stored."""
    with store.transaction() as conn:
        held = conn.execute(
            select(leases.c.name, leases.c.holder).where(leases.c.name.like("account:%"))
        ).all()
    stored = _stored(store)
    for name, holder in held:
        parsed, account = Holder.parse(holder), name.removeprefix("account:")
        if parsed and parsed.pid in pids and 0 < stored[account] < MESSAGES:
            return parsed.pid, account
    return None


def _pid(holder: str | None) -> int | None:
    parsed = Holder.parse(holder or "")
    return parsed.pid if parsed is not None else None


def _lease_intervals(log: str) -> list[tuple[str, datetime, datetime | None]]:
    """(account, taken, released) from a worker's JSON log; released None if it died."""
    found, open_ = [], {}
    for line in log.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        at = datetime.fromisoformat(entry["time"])
        if entry["message"].endswith(": lease taken"):
            open_[entry["account"]] = at
        elif entry["message"].endswith(": releasing the lease"):
            found.append((entry["account"], open_.pop(entry["account"]), at))
    return found + [(account, at, None) for account, at in open_.items()]


@pytest.fixture
def workers_setup(
    dovecot_server: DovecotServer, database_url: str, tmp_path: Path
) -> Iterator[tuple[Path, list[MailUser], Store, dict[str, str]]]:
    tag = secrets.token_hex(3)
    users = [dovecot_server.add_user(f"wk{tag}{i}", "secret") for i in range(ACCOUNTS)]
    for i, user in enumerate(users):
        user.seed([make_message(1000 * i + n) for n in range(MESSAGES)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBOXWATCH_")}
    env |= {PASSWORD_ENV: "secret", "TZ": "UTC"}
    with Store.open(database_url) as store:
        yield tmp_path, users, store, env


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_three_workers_share_the_accounts_and_survive_a_sigkill(
    workers_setup: tuple[Path, list[MailUser], Store, dict[str, str]], database_url: str
) -> None:
    folder, users, store, env = workers_setup
    start = datetime.now(BUDAPEST) + timedelta(seconds=STARTUP_MARGIN_S)
    report_at = start.replace(microsecond=0) + timedelta(seconds=1)
    with ExitStack() as stack:
        smtp = stack.enter_context(smtp_server())
        config = _config(
            folder / "iw.toml", database_url, users, smtp.port, f"{report_at:%H:%M:%S}"
        )
        logs = [folder / f"worker{i}.log" for i in range(WORKERS)]
        processes = []
        for log in logs:
            with log.open("w") as stderr:
                process = subprocess.Popen(
                    cli_command(config, "--log-format", "json", "-vv", "run"),
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                )
            stack.callback(_kill, process)
            processes.append(process)
        pids = {p.pid for p in processes}
        _wait_for(
            "three live workers",
            lambda: (
                len(Leases(store).live_members()) == WORKERS
                or any(p.poll() is not None for p in processes)
            ),
            60,
        )
        _wait_for(
            "every worker seeing the other two",
            lambda: all(f"{WORKERS} live worker(s)" in log.read_text() for log in logs),
            30,
        )
        pid, account = _wait_for("a worker mid-sync", lambda: _mid_sync(store, pids), 60)
        members = Leases(store).live_members()
        victim = next(p for p in processes if p.pid == pid)
        owned = [
            name
            for name in (f"acct-{i:02d}" for i in range(ACCOUNTS))
            if _pid(owner(account_item(name), members)) == pid
        ]
        victim.send_signal(signal.SIGKILL)
        killed_at = utcnow()
        victim.wait()
        assert len(members) == WORKERS, members

        def taken_over() -> bool:
            health = accounts_health(store)
            return all(
                name in health and (health[name].last_success_at or killed_at) > killed_at
                for name in {account, *owned}
            )

        _wait_for("the dead worker's accounts synced by the others", taken_over, 60)
        health = accounts_health(store)
        takeover_s = {
            name: ((health[name].last_success_at or killed_at) - killed_at).total_seconds()
            for name in {account, *owned}
        }
        _wait_for(
            "every account stored",
            lambda: all(_stored(store)[f"acct-{i:02d}"] == MESSAGES for i in range(ACCOUNTS)),
            60,
        )
        checked = folder / "health.txt"
        healthy = run_cli(config, "health", env=env)
        checked.write_text(healthy.stdout)
        status = run_cli(config, "status", "--format", "json", env=env)
        wait = (report_at - datetime.now(BUDAPEST)).total_seconds() + 15
        _wait_for("the alert mail", lambda: bool(smtp.box.received), max(wait, 1))
        time.sleep(3)  # a second mail, if any, would be sent within this
        survivors = [p for p in processes if p is not victim]
        for process in survivors:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(30) for process in survivors]
        mails = list(received_messages(smtp))
    texts = [log.read_text() for log in logs]
    assert codes == [0, 0], "\n".join(t[-2000:] for t in texts)
    with store.transaction() as conn:
        queued = conn.execute(select(outbox.c.dedupe_key, outbox.c.status)).all()
    assert len(mails) == 1, [m["Subject"] for m in mails]
    assert [tuple(row) for row in queued] == [(f"daily-report:{report_at:%Y-%m-%d}", "sent")]
    for i, user in enumerate(users):
        assert_mirrors(user, store, f"acct-{i:02d}")
    _assert_never_two_at_once(texts, processes.index(victim), killed_at)
    assert max(takeover_s.values()) <= TAKEOVER_LIMIT_S, takeover_s
    lines = healthy.stdout.splitlines()
    assert healthy.returncode == 0 and lines[0] == "healthy", healthy.stdout
    assert len(lines) == 1 + WORKERS - 1, healthy.stdout  # the dead worker is not listed
    by_worker = json.loads(status.stdout)["workers"]
    assert len(by_worker) == WORKERS - 1 and f"{victim.pid}" not in " ".join(by_worker)
    owned_now = sorted(name for names in by_worker.values() for name in names)
    assert owned_now == [f"acct-{i:02d}" for i in range(ACCOUNTS)], by_worker
    print(
        f"workers: killed pid {pid} while it synced {account}; its accounts {sorted(owned)} "
        f"synced by the others after {max(takeover_s.values()):.1f} s at most"
    )
    figures.record(
        "workers",
        "sigkill_one_of_three",
        faults_injected=1,
        messages_checked=ACCOUNTS * MESSAGES,
        takeover_s=round(max(takeover_s.values()), 1),
    )


def _assert_never_two_at_once(texts: list[str], victim: int, killed_at: datetime) -> None:
    """The lease intervals each worker logged, per account, never overlap; the victim's
    last one ends at the kill at the latest."""
    spans: dict[str, list[tuple[datetime, datetime, int]]] = {}
    for index, text in enumerate(texts):
        for account, taken, released in _lease_intervals(text):
            if released is None:
                assert index == victim, f"worker {index} never released {account}"
                released = killed_at.replace(tzinfo=UTC)
            spans.setdefault(account, []).append((taken, released, index))
    assert len(spans) == ACCOUNTS, sorted(spans)
    for account, intervals in spans.items():
        intervals.sort()
        for earlier, later in itertools.pairwise(intervals):
            assert earlier[1] <= later[0], f"{account} synced by two workers at once: {intervals}"


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()
