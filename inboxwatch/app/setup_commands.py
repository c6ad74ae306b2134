"""Getting set up: ``init`` (a starter config) and the summary of what a config will do,
which ``check-config`` prints and ``run`` logs at start."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from inboxwatch.config import AccountConfig, Config, project_home
from inboxwatch.errors import ConfigError

NEXT_STEPS = """\
Next:
  1. Edit it: [me] (your addresses, time zone, working hours), [[accounts]] (IMAP host,
     username, folders), [[clients]] (their addresses), [report] recipients and [smtp].
  2. Put each password in the environment variable its password_env names, e.g.
       export INBOXWATCH_WORK_PASSWORD='...'
  3. Check it:      inboxwatch{config} check-config
  4. Fetch mail:    inboxwatch{config} poll --once
     and read:      inboxwatch{config} report
"""


def init_command(path: Path, default: bool, out: TextIO) -> int:
    """Write the example config to *path* (owner-only, 0600), never over an existing file.

    *default* says whether *path* is where commands look without --config, so the printed
    next steps only mention --config when it is needed.
    """
    template = project_home() / "config.example.toml"
    try:
        text = template.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{template}: the bundled example config cannot be read: {exc}; reinstall inboxwatch"
        ) from exc
    _write_new(path, text)
    out.write(f"wrote {path} (mode 600)\n\n")
    out.write(NEXT_STEPS.format(config="" if default else f" --config {path}"))
    return 0


def _write_new(path: Path, text: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise ConfigError(
            f"{path}: already exists; edit it (or move it away to start "
            "over), then run: inboxwatch check-config"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot create the config file: {exc}") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)


def service_summary(config: Config) -> list[str]:
    """One line per thing the service will do with *config*: where the database is, what
    it polls, what it knows about, when the daily report goes out and to whom."""
    from inboxwatch.reporting.alerts import recipients

    lines = [f"database: {safe_url(config.database_url)}", _me_line(config)]
    lines += [_account_line(config, account) for account in config.accounts]
    if not config.accounts:
        lines.append("polls: nothing (no [[accounts]]; only `inboxwatch import` adds mail)")
    lines += [
        f"client {c.name}: {', '.join(c.addresses)}; {c.monthly_revenue:g} {c.currency}/month"
        for c in config.clients
    ]
    report = config.report
    via = (
        f"through {config.smtp.host}:{config.smtp.port} ({config.smtp.security})"
        if config.smtp
        else "but [smtp] is missing"
    )
    lines.append(
        f"daily report: at {report.time:%H:%M} "
        f"{config.me.working_time.tz.key}, to {', '.join(recipients(config))} {via}"
    )
    retention = (
        f"delete stored mail older than {config.retention_days} days"
        if config.retention_days
        else "keep all stored mail"
    )
    lines.append(f"retention: {retention}; model: {config.models_dir}")
    return lines


def summary_warnings(config: Config) -> list[str]:
    """What in *config* will fail later, said now."""
    if config.smtp is None:
        return [
            f"[smtp] is missing, so the daily report at {config.report.time:%H:%M} "
            "cannot be mailed (the service would log an ERROR then); add an [smtp] "
            "table (see config.example.toml)"
        ]
    return []


def _me_line(config: Config) -> str:
    wt = config.me.working_time
    return (
        f"me: {', '.join(config.me.addresses)}; {wt.tz.key}, "
        f"{wt.start:%H:%M}-{wt.end:%H:%M}, days {sorted(wt.days)}, "
        f"holidays {wt.holidays_country or 'none'}"
    )


def _account_line(config: Config, account: AccountConfig) -> str:
    polling = config.polling
    idle = " and IMAP IDLE" if polling.idle else ""
    sent = account.sent_folder or ("the \\Sent-flagged folder" if account.find_sent else "-")
    return (
        f"account {account.name}: polls {account.username}@{account.host}:{account.port} "
        f"({account.security}), folders {list(account.folders)}, sent {sent}; every "
        f"{polling.interval_minutes:g} min{idle}"
    )


def safe_url(url: str) -> str:
    """Where the database is: a SQLite file's path, else the URL without its password."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return f"{parsed.database} (SQLite)"
    return parsed.render_as_string(hide_password=True)
