"""The service's commands: report, suggest, run, health. Wiring only."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta
from typing import TextIO

from sqlalchemy import func, select

from inboxwatch.alerts import queue_daily_alert
from inboxwatch.analysis import build_report, pending_reply_suggestions
from inboxwatch.config import Config
from inboxwatch.errors import ConfigError, InboxwatchError
from inboxwatch.mailer import deliver_pending, smtp_password
from inboxwatch.report import Report, render_html, render_json, render_text
from inboxwatch.schema import folders, leases
from inboxwatch.store import Store, utcnow

HEALTH_POLL_FACTOR = 3  # unhealthy when no folder was synced for 3 poll intervals (+ slack)


def report_command(config: Config, fmt: str, day: date | None, send: bool, out: TextIO) -> int:
    """Print the report for *day* (default: today, in the user's time zone); with *send*,
    queue it as the alert e-mail and deliver it now."""
    day = day or datetime.now(config.me.working_time.tz).date()
    store = Store.open(config.database_url)
    try:
        report = build_report(config, store, day)
        out.write(_render(report, fmt))
        if send:
            _send_now(config, store, day, out)
    finally:
        store.close()
    return 0


def _render(report: Report, fmt: str) -> str:
    if fmt == "json":
        # One line: the encoder runs in C only without indent (0.2 s on a 200-client report).
        return json.dumps(render_json(report), ensure_ascii=False) + "\n"
    if fmt == "html":
        page, images = render_html(report)
        # a file on disk has no MIME parts to point at: inline the charts as data: URIs
        for cid, png in images.items():
            data = base64.b64encode(png).decode("ascii")
            page = page.replace(f"cid:{cid}", f"data:image/png;base64,{data}")
        return page
    return render_text(report)


def _send_now(config: Config, store: Store, day: date, out: TextIO) -> None:
    smtp = config.smtp
    if smtp is None:
        raise ConfigError(f"{config.path}: --send needs an [smtp] section")
    queued = queue_daily_alert(config, store, day, force=True)
    result = deliver_pending(store, smtp, smtp_password(smtp))
    state = "queued" if queued else "already queued today"
    out.write(f"alert e-mail {state}; sent {result.sent}, pending {result.pending}\n")
    for error in result.errors:
        out.write(f"  not delivered yet: {error}\n")


def suggest_command(config: Config, out: TextIO) -> int:
    """Print when to answer each recent unanswered client message, and why."""
    store = Store.open(config.database_url)
    try:
        suggestions = pending_reply_suggestions(config, store, utcnow())
    finally:
        store.close()
    if not suggestions:
        out.write("no unanswered client messages in the last days\n")
    tz = config.me.working_time.tz
    for item in suggestions:
        local = item.reply_after.astimezone(tz) if item.reply_after.tzinfo else item.reply_after
        out.write(f"message {item.message_id} ({item.client}): reply after "
                  f"{local:%a %Y-%m-%d %H:%M} — {item.reason}\n")
    return 0


def run_command(config: Config) -> int:
    """Run the service until SIGTERM/SIGINT."""
    from inboxwatch.classifier import Classifier
    from inboxwatch.daemon import run_service
    from inboxwatch.ingest import IngestContext

    classifier = Classifier.load(config.models_dir)
    store = Store.open(config.database_url)
    return run_service(config, store, IngestContext.from_config(config, classifier))


def health_problems(config: Config, store: Store) -> list[str]:
    """Why the service is not healthy (an empty list means healthy)."""
    from inboxwatch.daemon import SERVICE_LEASE

    now = utcnow()
    problems = []
    with store.transaction() as conn:
        lease = conn.execute(select(leases.c.expires_at).where(
            leases.c.name == SERVICE_LEASE)).scalar()
        last_sync = conn.execute(select(func.max(folders.c.last_synced_at))).scalar()
    if lease is None or lease < now:
        problems.append("the service is not running (no live service lease in the database)")
    if config.accounts:
        limit = timedelta(minutes=config.polling.interval_minutes * HEALTH_POLL_FACTOR + 5)
        if last_sync is None or now - last_sync > limit:
            seen = f"{last_sync:%Y-%m-%d %H:%M} UTC" if last_sync else "never"
            problems.append(f"no successful sync within {limit} (last: {seen})")
    return problems


def health_command(config: Config, out: TextIO) -> int:
    """0 when the service runs and syncs; 1 with the reasons otherwise."""
    try:
        store = Store.open(config.database_url)
    except InboxwatchError as exc:
        out.write(f"unhealthy: {exc}\n")
        return 1
    try:
        problems = health_problems(config, store)
    finally:
        store.close()
    if problems:
        out.write("unhealthy: " + "; ".join(problems) + "\n")
        return 1
    out.write("healthy\n")
    return 0
