"""Initial sync, its memory, and incremental polls, over a throwaway local Dovecot.

Seeds N realistic messages (``bench.corpus``: English and Hungarian, plain and HTML, replies
with quotes, about 10% with a 10-300 kB attachment) straight into a Maildir, lets Dovecot
index them, then measures:

1. the baseline: a bare imapclient loop fetching every message with ``BODY.PEEK[]`` in
   batches of the account's ``batch_messages`` and doing nothing with them;
2. ``inboxwatch poll --once`` as a child process (the real CLI: fetch, parse, strip,
   classify with the real model, store, one commit per batch): wall time, the sync's own
   time from its report line, and the peak memory of the process tree (main RSS, and PSS
   summed over the main process and its workers);
3. incremental polls in-process (``poll_all``, as the service runs them): nothing new, and
   10 new messages APPENDed before each poll.

Run from the repository root:

    .venv/bin/python -m bench.sync_bench                       # 20,000 messages, SQLite
    .venv/bin/python -m bench.sync_bench --messages 100000     # the memory run
    .venv/bin/python -m bench.sync_bench --database postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from imapclient import IMAPClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import (
    command_line,
    ensure_model,
    machine_line,
    record,
    run_measured,
    scratch_dir,
    write_toml,
)
from bench.corpus import MailFactory, bench_config
from tests.dovecot import DovecotServer, MailUser

PASSWORD_ENV = "IW_BENCH_PASSWORD"
_ELAPSED_RE = re.compile(r"acct-bench/INBOX: (\d+) new.*?, ([\d.]+) s$", re.MULTILINE)


def warm_index(user: MailUser) -> float:
    """Let Dovecot index the new Maildir files so no measurement pays for it."""
    started = time.perf_counter()
    with user.client() as client:
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        for start in range(0, len(uids), 5000):
            client.fetch(uids[start : start + 5000], ["RFC822.SIZE"])
    return time.perf_counter() - started


def _quiet(client: IMAPClient) -> IMAPClient:
    """*client* without imaplib's protocol trace, as inboxwatch runs it: imapclient turns the
    trace on, and formatting it (a repr of every message body) would make the baseline
    several times slower than the network allows."""
    client._imap.debug = 0
    return client


def bare_imapclient_rate(user: MailUser, batch: int) -> tuple[int, int, float]:
    """Messages and bytes fetched, and seconds taken, by a plain BODY.PEEK[] loop."""
    started = time.perf_counter()
    fetched = size = 0
    with _quiet(user.client()) as client:
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        for start in range(0, len(uids), batch):
            for data in client.fetch(uids[start : start + batch], ["BODY.PEEK[]"]).values():
                fetched += 1
                size += len(data[b"BODY[]"])
    return fetched, size, time.perf_counter() - started


class Database:
    """A fresh database for one run: a SQLite file, or a new PostgreSQL database."""

    def __init__(self, url: str | None, workdir: Path) -> None:
        self.admin_url = url
        self.name = ""
        if url is None:
            self.url = f"sqlite:///{workdir / 'bench.db'}"
            self.kind = "sqlite"
            return
        self.kind = "postgresql"
        self.name = f"iw_bench_{secrets.token_hex(4)}"
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        engine.dispose()
        self.url = make_url(url).set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.admin_url is None:
            return
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        engine.dispose()


def write_config(
    workdir: Path, user: MailUser, database_url: str, models: Path, batch_messages: int
) -> Path:
    config: dict[str, Any] = bench_config(database_url)
    config["accounts"] = [
        {
            "name": "acct-bench",
            "host": "127.0.0.1",
            "port": user.server.port,
            "security": "none",
            "username": user.name,
            "password_env": PASSWORD_ENV,
            "folders": ["INBOX"],
            "sent_folder": "Sent",
            "timeout_seconds": 300.0,
            "batch_messages": batch_messages,
        }
    ]
    config["models"] = {"dir": str(models)}
    return write_toml(workdir / "bench.toml", config)


def initial_sync(config_path: Path, password: str) -> dict[str, Any]:
    env = {**os.environ, PASSWORD_ENV: password}
    run = run_measured(
        [
            sys.executable,
            "-m",
            "inboxwatch.app.cli",
            "--config",
            str(config_path),
            "poll",
            "--once",
        ],
        env=env,
    )
    if run.returncode != 0:
        raise SystemExit(f"poll --once failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    match = _ELAPSED_RE.search(run.stdout)
    if match is None:
        raise SystemExit(f"unexpected poll output:\n{run.stdout}")
    return {
        "stored": int(match.group(1)),
        "sync_seconds": float(match.group(2)),
        "wall_seconds": run.seconds,
        "output": run.stdout.strip(),
        "main_peak_rss_mb": run.max_rss_mb,
        "tree_peak_pss_mb": run.memory.peak_pss_mb,
        "tree_peak_rss_sum_mb": run.memory.peak_rss_sum_mb,
        "processes": run.memory.peak_processes,
        "cpu_busy": run.cpu_busy,
        "cpu_seconds": run.cpu_seconds,
    }


def incremental_polls(
    config_path: Path,
    password: str,
    user: MailUser,
    factory: MailFactory,
    first_new: int,
    new: int,
    repeats: int,
) -> dict[str, Any]:
    """Median and worst time of in-process polls with nothing new, then with *new* new."""
    from inboxwatch.classifying.classifier import Classifier
    from inboxwatch.config import load_config
    from inboxwatch.ingest.pipeline import IngestContext
    from inboxwatch.ingest.sync import poll_all
    from inboxwatch.storage.store import Store

    os.environ[PASSWORD_ENV] = password
    config = load_config(config_path)
    store = Store.open(config.database_url)
    ctx = IngestContext.from_config(config, Classifier.load(config.models_dir))
    try:
        poll_all(config, store, ctx)  # connection set-up paths warm, nothing new
        idle = []
        for _ in range(repeats):
            started = time.perf_counter()
            reports = poll_all(config, store, ctx)
            idle.append(time.perf_counter() - started)
            assert reports[0].inserted == 0 and reports[0].error is None, reports[0].lines()
        busy, bare = [], []
        for round_ in range(repeats):
            # The baseline: a bare imapclient session that only fetches the new messages
            # (the server's own cost, e.g. Dovecot rescanning a big Maildir after new mail).
            user.append(list(factory.messages(new, start=first_new + 2 * round_ * new)))
            bare.append(bare_fetch_new(user, new))
            poll_all(config, store, ctx)
            user.append(list(factory.messages(new, start=first_new + (2 * round_ + 1) * new)))
            started = time.perf_counter()
            reports = poll_all(config, store, ctx)
            busy.append(time.perf_counter() - started)
            assert reports[0].inserted == new, reports[0].lines()
    finally:
        store.close()
    return {
        "poll_nothing_new_ms": statistics.median(idle) * 1000,
        "poll_nothing_new_max_ms": max(idle) * 1000,
        "poll_new_ms": statistics.median(busy) * 1000,
        "poll_new_max_ms": max(busy) * 1000,
        "bare_fetch_new_ms": statistics.median(bare) * 1000,
        "poll_new_messages": new,
    }


def bare_fetch_new(user: MailUser, new: int) -> float:
    """Seconds a bare imapclient session takes to log in, EXAMINE, find and fetch the
    *new* newest messages."""
    started = time.perf_counter()
    with _quiet(user.client()) as client:
        uidnext = int(client.select_folder("INBOX", readonly=True)[b"UIDNEXT"])
        uids = client.search(["UID", f"{uidnext - new}:*"])
        client.fetch(uids, ["BODY.PEEK[]"])
    return time.perf_counter() - started


def cli_poll_wall(config_path: Path, password: str) -> float:
    """Wall time of ``inboxwatch poll --once`` with nothing new, start-up included."""
    run = run_measured(
        [
            sys.executable,
            "-m",
            "inboxwatch.app.cli",
            "--config",
            str(config_path),
            "poll",
            "--once",
        ],
        env={**os.environ, PASSWORD_ENV: password},
    )
    return run.seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument(
        "--database",
        metavar="URL",
        help="PostgreSQL admin URL: a fresh database is created on it "
        "(default: a fresh SQLite file)",
    )
    parser.add_argument(
        "--models",
        type=Path,
        help="model folder (default: models/, else one is trained from data/labelled)",
    )
    parser.add_argument("--batch-messages", type=int, default=200)
    parser.add_argument("--new", type=int, default=10, help="new messages per busy poll")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-incremental", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    print(machine_line(), flush=True)
    models, model_note = ensure_model(args.models, scratch_dir())
    factory = MailFactory(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="iw-bench-sync-"))
    server = DovecotServer.start()
    database = Database(args.database, workdir)
    try:
        user = server.add_user("bench")
        started = time.perf_counter()
        seeded = user.seed(factory.messages(args.messages))
        seed_s = time.perf_counter() - started
        index_s = warm_index(user)
        print(
            f"seeded {seeded} messages in {seed_s:.1f} s; Dovecot indexed them in "
            f"{index_s:.1f} s; model {model_note}; database {database.kind}",
            flush=True,
        )
        fetched, size, seconds = bare_imapclient_rate(user, args.batch_messages)
        baseline = fetched / seconds
        print(
            f"bare imapclient BODY.PEEK[] loop: {fetched} messages ({size / 2**20:.0f} MB) "
            f"in {seconds:.1f} s = {baseline:.0f} msg/s",
            flush=True,
        )
        config_path = write_config(workdir, user, database.url, models, args.batch_messages)
        sync = initial_sync(config_path, user.password)
        rate = sync["stored"] / sync["sync_seconds"]
        wall_rate = sync["stored"] / sync["wall_seconds"]
        print(sync["output"])
        print(
            f"initial sync (poll --once): {sync['stored']} stored; sync "
            f"{sync['sync_seconds']:.1f} s = {rate:.0f} msg/s; whole command "
            f"{sync['wall_seconds']:.1f} s = {wall_rate:.0f} msg/s "
            "(start-up and model load included)"
        )
        cpu_ms = sync["cpu_seconds"] * 1000 / max(sync["stored"], 1)
        print(
            f"ratio sync/bare fetch: {rate / baseline:.2f}; the machine's cores were "
            f"{sync['cpu_busy']:.0%} busy meanwhile (Dovecot and anyone else included); "
            f"CPU time of the command and its workers: {cpu_ms:.2f} ms per message "
            "(start-up included; Dovecot not)"
        )
        print(
            f"peak memory: main process RSS {sync['main_peak_rss_mb']:.0f} MB; whole process "
            f"tree ({sync['processes']} processes) PSS {sync['tree_peak_pss_mb']:.0f} MB "
            f"(RSS summed {sync['tree_peak_rss_sum_mb']:.0f} MB)",
            flush=True,
        )
        figures: dict[str, Any] = {
            "messages": args.messages,
            "database": database.kind,
            "megabytes": size / 2**20,
            "baseline_msgs_per_s": baseline,
            "sync_msgs_per_s": rate,
            "sync_wall_msgs_per_s": wall_rate,
            "ratio": rate / baseline,
            "cpu_ms_per_message": sync["cpu_seconds"] * 1000 / max(sync["stored"], 1),
            **{k: v for k, v in sync.items() if k != "output"},
        }
        if not args.no_incremental:
            polls = incremental_polls(
                config_path, user.password, user, factory, args.messages, args.new, args.repeats
            )
            cli_wall = cli_poll_wall(config_path, user.password)
            print(
                f"poll, nothing new, over {args.messages} stored: median "
                f"{polls['poll_nothing_new_ms']:.0f} ms (worst "
                f"{polls['poll_nothing_new_max_ms']:.0f} ms); as a fresh "
                f"`inboxwatch poll --once` process {cli_wall:.2f} s"
            )
            print(
                f"poll with {args.new} new: median {polls['poll_new_ms']:.0f} ms (worst "
                f"{polls['poll_new_max_ms']:.0f} ms); baseline, a bare imapclient session "
                f"fetching {args.new} new ones: median {polls['bare_fetch_new_ms']:.0f} ms"
            )
            figures.update(polls, cli_poll_wall_s=cli_wall)
        record("sync", figures, command_line())
    finally:
        server.stop()
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
