"""``inboxwatch demo``: the whole pipeline on the bundled sample mailbox, no setup needed."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from inboxwatch.reporting.build import demo_report_text
from inboxwatch.classifying.classifier import Classifier
from inboxwatch.config import Config, parse_config, project_home
from inboxwatch.errors import ConfigError
from inboxwatch.ingest.importer import import_export
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.storage.store import ClientTally, Store, client_tallies


def sample_dir() -> Path:
    """Where the bundled sample mailbox and its config live."""
    return project_home() / "data" / "sample"


def demo_config(db_path: Path) -> Config:
    """The demo configuration, with its database redirected to *db_path*."""
    path = sample_dir() / "demo.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: the bundled demo config cannot be read: {exc}") from exc
    config = parse_config(data, str(path), path)
    return replace(config, database_url=f"sqlite:///{db_path.resolve()}")


def run_demo(db_path: Path, out: TextIO) -> int:
    """Import the sample mailbox into *db_path* and print what was ingested."""
    config = demo_config(db_path)
    classifier = Classifier.load(config.models_dir)
    with Store.open(config.database_url) as store:
        ctx = IngestContext.from_config(config, classifier)
        report = import_export(sample_dir() / "sample.mbox", store, ctx)
        out.write(f"database: {db_path}\n{report.line()}\n\n")
        _print_tallies(client_tallies(store), out)
        out.write("\n" + demo_report_text(config, store))
    return 0


def _print_tallies(tallies: list[ClientTally], out: TextIO) -> None:
    out.write(f"{'client':<22}{'received':>9}{'sent':>6}{'urgent':>8}{'vague':>7}"
              f"{'complaint':>10}{'after-hours':>12}\n")
    for t in tallies:
        name = t.client or "(no client)"
        out.write(f"{name:<22}{t.received:>9}{t.sent:>6}{t.urgent:>8}{t.vague:>7}"
                  f"{t.complaint:>10}{t.after_hours:>12}\n")

