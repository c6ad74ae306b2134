"""A poller process the crash tests can SIGKILL at chosen points.

    IW_TEST_PASSWORD=secret python -m tests.tools.poller --db URL --port 1430 --user user7 \
        [--account NAME] [--folders INBOX,Sent] [--batch 100] [--lease-seconds 0.6] \
        [--wait-lease] [--kill-at after-commit:3] [--verbose]

It runs the real :func:`inboxwatch.ingest.sync.sync_account` once over a loopback Dovecot account
(security "none") and prints one JSON line: what was stored and when each IMAP session was
open (wall-clock, so two processes can be compared). ``--kill-at`` makes the process SIGKILL
itself, for points an outside timer cannot hit reliably:

- ``before-commit:N``  in the N-th batch transaction, after every statement, just before
                       COMMIT reaches the database (the batch and its watermark are in flight);
- ``after-commit:N``   right after the N-th batch transaction committed;
- ``mid-batch:N:K``    in the N-th batch transaction, right after its K-th SQL statement
                       (1: the message rows are written, their raw bytes not yet; 2: the
                       raw bytes too, the watermark not yet).

"Batch transaction" = one that inserts or re-keys messages (a transaction that only records
a new UIDVALIDITY is not counted). The hooks
are SQLAlchemy engine events: the code under test is not changed.

Exit status: 0 done, 75 locked or the IMAP source failed, 1 any other InboxwatchError.

``python -m tests.tools.poller --zygote`` imports everything once and then, per JSON line
``{"argv": [...], "out": PATH, "err": PATH}`` on stdin, forks a fresh poller process,
prints ``pid N``, waits for it and prints ``exit N STATUS`` (negative: killed by that
signal). The crash tests use it so that each of many killed pollers does not pay a second
of Python imports; every poller is still its own process, killed with a real SIGKILL.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event

from inboxwatch.config import AccountConfig, parse_config
from inboxwatch.errors import InboxwatchError, LockError, SourceError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.ingest.sync import Backoff, sync_account
from inboxwatch.sources.imap import ImapSession
from inboxwatch.storage.store import Store

EXIT_OK, EXIT_FAILURE, EXIT_TEMPFAIL = 0, 1, 75

CONFIG = {
    "me": {"addresses": ["anna@assist.example"], "timezone": "Europe/Budapest"},
    "clients": [
        {"name": "Acme Kft.", "addresses": ["boss@acme.example", "@acme.example"]},
        {"name": "Globex", "addresses": ["cfo@globex.example"]},
    ],
}


@dataclass
class KillHook:
    """Counts batch transactions and SIGKILLs this process at the chosen point."""

    mode: str
    transaction: int
    statement: int = 0
    current: int = 0
    statements_in_txn: int = 0
    batch_txn: bool = False

    @classmethod
    def parse(cls, spec: str) -> KillHook:
        mode, _, rest = spec.partition(":")
        numbers = [int(x) for x in rest.split(":") if x]
        if mode not in ("before-commit", "after-commit", "mid-batch") or not numbers:
            raise SystemExit(f"bad --kill-at {spec!r}")
        return cls(mode, numbers[0], numbers[1] if len(numbers) > 1 else 0)

    def install(self, store: Store) -> None:
        event.listen(store.engine, "begin", self._begin)
        event.listen(store.engine, "after_cursor_execute", self._statement)
        event.listen(store.engine, "commit", self._commit)
        event.listen(store.engine, "checkin", self._checkin)

    def _begin(self, _conn: Any) -> None:
        self.batch_txn = False
        self.statements_in_txn = 0

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        text = statement.lstrip().upper()
        if not self.batch_txn and text.startswith(("INSERT INTO MESSAGES ", "UPDATE MESSAGES ")):
            self.batch_txn = True  # a batch: it inserts or re-keys messages
            self.current += 1
        if not self.batch_txn:
            return
        self.statements_in_txn += 1
        if (
            self.mode == "mid-batch"
            and self.current == self.transaction
            and self.statements_in_txn == self.statement
        ):
            _die()

    def _commit(self, _conn: Any) -> None:
        if self.batch_txn and self.mode == "before-commit" and self.current == self.transaction:
            _die()

    def _checkin(self, _dbapi: Any, _record: Any) -> None:
        if self.batch_txn and self.mode == "after-commit" and self.current == self.transaction:
            _die()
        self.batch_txn = False


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class SessionLog:
    """Wraps the real ImapSession factory and records when each session was open."""

    def __init__(self) -> None:
        self.intervals: list[list[float]] = []

    def factory(self) -> Callable[[AccountConfig, str], ImapSession]:
        log = self

        class _Logged(ImapSession):
            def __enter__(self) -> _Logged:
                super().__enter__()
                log.intervals.append([time.time(), 0.0])
                return self

            def __exit__(self, *exc: Any) -> None:
                log.intervals[-1][1] = time.time()
                super().__exit__(*exc)

        return _Logged


def build_account(args: argparse.Namespace) -> AccountConfig:
    return AccountConfig(
        name=args.account or f"acct-{args.user}",
        host="127.0.0.1",
        port=args.port,
        security="none",
        username=args.user,
        password_env="IW_TEST_PASSWORD",
        password_command=None,
        folders=tuple(args.folders.split(",")),
        sent_folder=None,
        batch_messages=args.batch,
        timeout_seconds=args.timeout,
    )


def run(args: argparse.Namespace) -> int:
    ctx = IngestContext.from_config(parse_config(CONFIG, "tests/tools/poller.py"), None)
    store = Store.open(args.db)
    if args.kill_at:
        KillHook.parse(args.kill_at).install(store)
    sessions = SessionLog()
    deadline = time.monotonic() + args.lease_wait
    try:
        while True:
            try:
                report = sync_account(
                    build_account(args),
                    os.environ["IW_TEST_PASSWORD"],
                    store,
                    ctx,
                    session_factory=sessions.factory(),
                    lease_seconds=args.lease_seconds,
                    backoff=Backoff(base_seconds=0.1, max_seconds=1.0),
                )
                break
            except LockError:
                if not args.wait_lease or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        store.close()
    print(
        json.dumps(
            {
                "inserted": report.inserted,
                "reconnects": report.reconnects,
                "folders": {
                    f.folder: {"inserted": f.inserted, "rekeyed": f.rekeyed, "last_uid": f.last_uid}
                    for f in report.folders
                },
                "sessions": sessions.intervals,
            }
        )
    )
    return EXIT_OK


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.tools.poller")
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--account")
    parser.add_argument("--folders", default="INBOX")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--lease-seconds", type=float, default=300.0)
    parser.add_argument(
        "--wait-lease",
        action="store_true",
        help="on LockError, retry until the lease is free (a dead holder's "
        "lease expires after --lease-seconds)",
    )
    parser.add_argument("--lease-wait", type=float, default=30.0)
    parser.add_argument("--kill-at")
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)


def zygote() -> int:
    """Fork one poller per command line read from stdin (see the module docstring)."""
    _preload()
    print("ready", flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the poller process
            _child(command)
        print(f"pid {pid}", flush=True)
        _pid, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(f"exit {pid} {code}", flush=True)
    return EXIT_OK


def _preload() -> None:
    """Import what a run imports lazily, so a forked poller starts in milliseconds."""
    import alembic.command
    import alembic.config
    import psycopg
    import sqlalchemy.dialects.postgresql.psycopg
    import sqlalchemy.dialects.sqlite.pysqlite

    import inboxwatch.app.cli
    import inboxwatch.logs

    del alembic, psycopg, sqlalchemy, inboxwatch


class Zygote:
    """The test side of ``--zygote``: start pollers, learn their pid, collect their status."""

    def __init__(self, cwd: str, env: dict[str, str]) -> None:
        import subprocess

        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.tools.poller", "--zygote"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._line() == "ready"

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the poller zygote died")
        return line.strip()

    def spawn(self, argv: list[str], out: str, err: str) -> int:
        """Fork a poller running *argv*; returns its pid (it is already running)."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"argv": argv, "out": out, "err": err}) + "\n")
        self.process.stdin.flush()
        word, pid = self._line().split()
        assert word == "pid"
        return int(pid)

    def wait(self, pid: int) -> int:
        """The exit status of the poller *pid* (negative: the signal that killed it)."""
        word, found, code = self._line().split()
        assert word == "exit" and int(found) == pid
        return int(code)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


def _child(command: dict[str, Any]) -> None:
    code = EXIT_FAILURE
    try:
        for fd, path in ((1, command["out"]), (2, command["err"])):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        sys.stdin.close()
        code = main(command["argv"])
    except BaseException as exc:  # report, then leave without running the parent's code
        print(f"poller: {type(exc).__name__}: {exc}", file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:] == ["--zygote"]:
        return zygote()
    args = parse_args(argv)
    from inboxwatch.app.cli import configure_logging

    configure_logging(2 if args.verbose else 0, "text")
    try:
        return run(args)
    except (LockError, SourceError) as exc:
        print(f"poller: {exc}", file=sys.stderr)
        return EXIT_TEMPFAIL
    except InboxwatchError as exc:
        print(f"poller: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
