"""``inboxwatch demo``: the whole pipeline on the bundled sample mailbox, no setup needed."""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import TextIO

from inboxwatch.classifying.classifier import Classifier
from inboxwatch.config import Config, parse_config, project_home
from inboxwatch.errors import ConfigError
from inboxwatch.ingest.importer import import_export
from inboxwatch.ingest.ledger import import_ledger
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.reporting.build import demo_report_text, latest_message_day
from inboxwatch.storage.store import ClientTally, Store, client_tallies


def sample_dir() -> Path:
    """Where the bundled sample mailbox and its config live."""
    return project_home() / "data" / "sample"


def demo_config_text(db_path: Path) -> str:
    """The bundled demo config's text, with its database redirected to *db_path*."""
    path = sample_dir() / "demo.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: the bundled demo config cannot be read: {exc}") from exc
    url = f"sqlite:///{db_path.resolve()}"
    return re.sub(r"^url = .*$", lambda _: f"url = {url!r}", text, count=1, flags=re.M)


def write_demo_config(db_path: Path) -> tuple[Path, Config]:
    """Write the demo config beside *db_path* (owner-only), so that every other command
    can look at the demo database with --config; return its path and the parsed config."""
    text = demo_config_text(db_path)
    path = db_path.with_suffix(".toml")
    try:
        config = parse_config(tomllib.loads(text), str(path), path.resolve())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: the bundled demo config is not valid TOML: {exc}") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    return path, config


def run_demo(db_path: Path, out: TextIO) -> int:
    """Import the sample mailbox and the sample ledger (``ledger.csv``: Anna's invoices,
    as `inboxwatch invoices import` reads them) into *db_path*, print what was ingested and
    the report, and the commands that look at the demo database afterwards."""
    config_file, config = write_demo_config(db_path)
    classifier = Classifier.load(config.models_dir)
    with Store.open(config.database_url) as store:
        ctx = IngestContext.from_config(config, classifier)
        report = import_export(sample_dir() / "sample.mbox", store, ctx)
        ledger = import_ledger(sample_dir() / "ledger.csv", store, config.clients, {})
        out.write(f"database: {db_path}\n{report.line()}\n")
        out.write("\n".join(ledger.lines()) + "\n\n")
        _print_tallies(client_tallies(store), out)
        out.write("\n" + demo_report_text(config, store))
        day = latest_message_day(config, store)
    if day is not None:
        out.write(look_again(config_file, day))
    return 0


def look_again(config_file: Path, day: date) -> str:
    """The commands that show the demo database again (its mail ends on *day*, so the
    default "today" would find nothing)."""
    run = f"inboxwatch --config {config_file}"
    return (
        f"\nThe demo's config is {config_file}. Look at the demo database again with:\n"
        f"  {run} report --date {day}\n"
        f"  {run} report --date {day} --format html > report.html\n"
        f"  {run} suggest --date {day}\n"
        f"  {run} status\n"
    )


def _print_tallies(tallies: list[ClientTally], out: TextIO) -> None:
    out.write(
        f"{'client':<22}{'received':>9}{'sent':>6}{'urgent':>8}{'vague':>7}"
        f"{'complaint':>10}{'after-hours':>12}\n"
    )
    for t in tallies:
        name = t.client or "(no client)"
        out.write(
            f"{name:<22}{t.received:>9}{t.sent:>6}{t.urgent:>8}{t.vague:>7}"
            f"{t.complaint:>10}{t.after_hours:>12}\n"
        )
