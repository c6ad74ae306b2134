"""``inboxwatch report --format json`` over a big database, on SQLite and on PostgreSQL.

The database is filled directly with bulk inserts (not through the pipeline): N stored
messages over D days for C clients (sizes follow a Zipf-like curve: a few big clients and a
long tail), 15% from senders that belong to no client, 30% of them the user's own replies
threaded to a client message, tags at per-client rates (some clients are difficult), short
English and Hungarian texts from ``data/labelled``. Raw message blobs are not generated: the
report never reads them.

Measures, per database: the ``report --format json`` command as a child process (start-up
included) and ``build_report`` + ``render_json`` in-process (the median of a few runs; the
first run is also shown, as it reads a cold cache), with a baseline measured in the same
process: one ``SELECT count(*)`` over the whole messages table.

Run from the repository root:

    .venv/bin/python -m bench.report_bench                      # 1,000,000 messages, 200 clients
    .venv/bin/python -m bench.report_bench --messages 200000 --only sqlite
    .venv/bin/python -m bench.report_bench --keep               # reuse the generated databases
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import (
    DEFAULT_POSTGRES,
    command_line,
    machine_line,
    record,
    run_measured,
    scratch_dir,
    write_toml,
)
from bench.corpus import ME_ADDR, load_samples

REPORT_DAY = date(2026, 11, 13)
COLUMNS = (
    "account",
    "folder",
    "uidvalidity",
    "uid",
    "raw_sha256",
    "size",
    "message_id",
    "in_reply_to",
    "references",
    "subject",
    "from_addr",
    "from_name",
    "to_addrs",
    "date_utc",
    "stored_at",
    "direction",
    "client",
    "language",
    "new_text",
    "content_words",
    "html_only",
    "has_attachments",
    "parse_error",
    "defects",
    "urgent",
    "vague",
    "complaint",
    "after_hours",
    "p_urgent",
    "p_vague",
    "p_complaint",
    "why",
    "model_version",
)


def client_name(index: int) -> str:
    return f"Client {index:03d}"


def report_config(database_url: str, clients: int) -> dict[str, Any]:
    return {
        "me": {
            "addresses": [ME_ADDR],
            "timezone": "Europe/Budapest",
            "working_hours": "09:00-17:00",
            "working_days": "Mon-Fri",
        },
        "database": {"url": database_url},
        "clients": [
            {
                "name": client_name(i),
                "addresses": [f"@c{i:03d}.example"],
                "monthly_revenue": 100 + (i * 37) % 2000,
            }
            for i in range(clients)
        ],
    }


def generate_rows(messages: int, clients: int, days: int, seed: int) -> Iterator[tuple[Any, ...]]:
    """The rows of the messages table, oldest first (ids follow dates, as in real life)."""
    rng = random.Random(seed)
    samples = load_samples()
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(clients)]
    difficult = {i: (rng.random() < 0.2) for i in range(clients)}
    end = datetime.combine(REPORT_DAY + timedelta(days=1), datetime.min.time())
    start = end - timedelta(days=days)
    step = (end - start) / messages
    stored = end.replace(tzinfo=None)
    last_in: dict[int, int] = {}
    chosen = rng.choices(range(clients), weights, k=messages)
    for uid in range(1, messages + 1):
        when = start + step * (uid - 1) + timedelta(seconds=rng.randint(0, 59))
        sample = samples[rng.randrange(len(samples))]
        client: int | None = chosen[uid - 1]
        unknown = rng.random() < 0.15
        outgoing = not unknown and client in last_in and rng.random() < 0.3
        if unknown:
            client = None
        rate = 0.35 if client is not None and difficult[client] else 0.06
        incoming = not outgoing
        parent = last_in.get(client) if outgoing and client is not None else None
        if incoming and client is not None:
            last_in[client] = uid
        domain = f"c{client:03d}.example" if client is not None else "unknown.example"
        sender = ME_ADDR if outgoing else f"someone@{domain}"
        subject = ("Re: " if parent else "") + sample.subject
        words = len(sample.body.split())
        yield (
            "bench",
            "Sent" if outgoing else "INBOX",
            1,
            uid,
            f"{uid:064x}",
            len(sample.body) + 900,
            f"m{uid}@bench.example",
            f"m{parent}@bench.example" if parent else None,
            f"m{parent}@bench.example" if parent else "",
            subject,
            sender,
            "Someone",
            f"someone@{domain}" if outgoing else ME_ADDR,
            when,
            stored,
            "out" if outgoing else "in",
            client_name(client) if client is not None else None,
            sample.lang,
            sample.body,
            words // 2,
            False,
            rng.random() < 0.1,
            None,
            None,
            incoming and rng.random() < rate,
            incoming and rng.random() < rate * 0.8,
            incoming and rng.random() < rate * 0.5,
            incoming and (when.hour < 7 or when.hour > 16 or when.weekday() >= 5),
            0.0,
            0.0,
            0.0,
            "{}",
            "bench",
        )


def fill(url: str, messages: int, clients: int, days: int, seed: int) -> float:
    """Create the schema (Alembic, like the app) and bulk-insert the rows; seconds taken."""
    from inboxwatch.storage.store import Store

    started = time.perf_counter()
    Store.open(url).close()
    rows = generate_rows(messages, clients, days, seed)
    if make_url(url).get_backend_name() == "postgresql":
        _copy_postgres(url, rows)
    else:
        _insert_sqlite(url, rows)
    return time.perf_counter() - started


def _insert_sqlite(url: str, rows: Iterator[tuple[Any, ...]]) -> None:
    import sqlite3

    path = make_url(url).database
    assert path is not None
    connection = sqlite3.connect(path)
    placeholders = ", ".join("?" for _ in COLUMNS)
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(
                tuple(
                    v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v
                    for v in row
                )
            )
            if len(batch) >= 20_000:
                connection.executemany(
                    f"INSERT INTO messages ({names}) VALUES ({placeholders})", batch
                )
                batch = []
        if batch:
            connection.executemany(f"INSERT INTO messages ({names}) VALUES ({placeholders})", batch)
        connection.commit()
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()


def _copy_postgres(url: str, rows: Iterator[tuple[Any, ...]]) -> None:
    import psycopg

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    with psycopg.connect(conninfo) as connection:
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY messages ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE messages")


def postgres_database(admin_url: str, name: str, create: bool) -> str:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = (
            conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            is not None
        )
        if create and not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres(admin_url: str, name: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def baseline_seconds(url: str) -> float:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            started = time.perf_counter()
            conn.execute(text("SELECT count(*) FROM messages")).scalar()
            return time.perf_counter() - started
    finally:
        engine.dispose()


def in_process(config_path: Path, repeats: int) -> tuple[list[float], int, float]:
    from inboxwatch.config import load_config
    from inboxwatch.reporting.build import build_report
    from inboxwatch.reporting.render import render_json
    from inboxwatch.storage.store import Store

    config = load_config(config_path)
    store = Store.open(config.database_url)
    times = []
    size = 0
    cpu = 0.0
    try:
        for _ in range(repeats):
            started, cpu_started = time.perf_counter(), time.process_time()
            report = build_report(config, store, REPORT_DAY)
            size = len(json.dumps(render_json(report), ensure_ascii=False))
            times.append(time.perf_counter() - started)
            cpu = time.process_time() - cpu_started
    finally:
        store.close()
    return times, size, cpu


def measure(kind: str, url: str, workdir: Path, clients: int, repeats: int) -> dict[str, Any]:
    config_path = write_toml(workdir / f"report-{kind}.toml", report_config(url, clients))
    cli = run_measured(
        [
            sys.executable,
            "-m",
            "inboxwatch.app.cli",
            "--config",
            str(config_path),
            "report",
            "--format",
            "json",
            "--date",
            REPORT_DAY.isoformat(),
        ]
    )
    if cli.returncode != 0:
        raise SystemExit(f"report failed ({cli.returncode}): {cli.stderr[-2000:]}")
    report = json.loads(cli.stdout)
    times, size, cpu = in_process(config_path, repeats)
    base = baseline_seconds(url)
    return {
        "database": kind,
        "cli_seconds": cli.seconds,
        "cli_peak_rss_mb": cli.max_rss_mb,
        "first_seconds": times[0],
        "median_seconds": statistics.median(times),
        "cpu_seconds_last": cpu,
        "baseline_count_seconds": base,
        "clients_in_report": len(report["clients"]),
        "flagged": len(report["flagged"]),
        "json_bytes": size,
    }


def run_one(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    tag = f"{args.messages}-{args.clients}-{args.days}-{args.seed}"
    if kind == "sqlite":
        path = workdir / f"report-{tag}.db"
        url = f"sqlite:///{path}"
        fresh = not (args.keep and path.exists())
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        name = ""
    else:
        name = (
            f"iw_bench_report_{tag.replace('-', '_')}"
            if args.keep
            else f"iw_bench_report_{secrets.token_hex(4)}"
        )
        url = postgres_database(args.postgres, name, create=True)
        fresh = not args.keep or _empty(url)
    try:
        if fresh:
            seconds = fill(url, args.messages, args.clients, args.days, args.seed)
            print(f"{kind}: generated {args.messages} messages in {seconds:.0f} s", flush=True)
        else:
            from inboxwatch.storage.store import Store

            Store.open(url).close()  # bring an old kept database to the newest schema
        figures = measure(kind, url, workdir, args.clients, args.repeats)
    finally:
        if kind == "postgresql" and not args.keep:
            drop_postgres(args.postgres, name)
    print(
        f"{kind}: report --format json over {args.messages} messages, {args.clients} clients "
        f"({figures['clients_in_report']} in the report, {figures['flagged']} flagged): "
        f"command {figures['cli_seconds']:.2f} s (start-up included, peak RSS "
        f"{figures['cli_peak_rss_mb']:.0f} MB); in-process build+render median "
        f"{figures['median_seconds']:.2f} s (first {figures['first_seconds']:.2f} s; CPU "
        f"{figures['cpu_seconds_last']:.2f} s); "
        f"baseline SELECT count(*) {figures['baseline_count_seconds']:.3f} s",
        flush=True,
    )
    return figures


def _empty(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT to_regclass('messages')")).scalar() is None:
                return True
            return conn.execute(text("SELECT 1 FROM messages LIMIT 1")).first() is None
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument(
        "--days", type=int, default=3 * 365, help="days the messages span, ending on the report day"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--postgres",
        default=DEFAULT_POSTGRES,
        metavar="URL",
        help="PostgreSQL admin URL (a database is created on it)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated databases and reuse them next time"
    )
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)

    print(machine_line(), flush=True)
    workdir = scratch_dir()
    kinds = [args.only] if args.only else ["sqlite", "postgresql"]
    for kind in kinds:
        figures = run_one(kind, args, workdir)
        record(
            "report",
            {"messages": args.messages, "clients": args.clients, "days": args.days, **figures},
            command_line(),
        )
    if not args.keep:
        for path in workdir.glob("report-*.db*"):
            path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
