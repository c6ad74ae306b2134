"""The report's commands: ``report`` (print it, or send it as the alert e-mail now) and
``suggest`` (when to answer each unanswered client message)."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, time, timedelta
from typing import TextIO

from sqlalchemy import select

from inboxwatch.config import Config
from inboxwatch.errors import ConfigError, DeliveryDeferred, DeliveryError
from inboxwatch.reporting.alerts import KEY_PREFIX, queue_daily_alert
from inboxwatch.reporting.build import build_report, pending_reply_suggestions
from inboxwatch.reporting.mailer import deliver_pending, smtp_password
from inboxwatch.reporting.render import Report, render_html, render_json, render_text
from inboxwatch.storage.schema import outbox
from inboxwatch.storage.store import Store, utcnow


def report_command(config: Config, fmt: str, day: date | None, send: bool, out: TextIO) -> int:
    """Print the report for *day* (default: today, in the user's time zone); with *send*,
    queue it as the alert e-mail and deliver it now."""
    day = day or datetime.now(config.me.working_time.tz).date()
    with Store.open(config.database_url) as store:
        report = build_report(config, store, day)
        out.write(_render(report, fmt))
        if send:
            _send_now(config, store, day, out)
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
    status, error = _alert_status(store, day)
    if status == "failed":
        raise DeliveryError(
            f"the alert e-mail for {day} was refused for good and will not be retried: {error}"
        )
    if status == "pending":
        raise DeliveryDeferred(
            f"the alert e-mail for {day} is not delivered yet: {error}; "
            "it stays queued, and `inboxwatch run` retries it"
        )


def _alert_status(store: Store, day: date) -> tuple[str | None, str | None]:
    """The outbox status (pending, sent, failed) and last error of *day*'s alert."""
    query = select(outbox.c.status, outbox.c.last_error).where(
        outbox.c.dedupe_key == f"{KEY_PREFIX}{day.isoformat()}"
    )
    with store.transaction() as conn:
        row = conn.execute(query).first()
    return (row.status, row.last_error) if row is not None else (None, None)


def waiting_command(config: Config, fmt: str, out: TextIO) -> int:
    """Print the "waiting on" lists as of now."""
    from inboxwatch.reporting.build import waiting_on
    from inboxwatch.reporting.render import json_waiting, waiting_lines

    with Store.open(config.database_url) as store:
        waiting = waiting_on(config, store, utcnow())
    if fmt == "json":
        out.write(json.dumps(json_waiting(waiting), ensure_ascii=False) + "\n")
    else:
        tz = config.me.working_time.tz.key
        out.write("\n".join(waiting_lines(waiting, tz)) or "nothing is waiting\n")
    return 0


def suggest_command(config: Config, day: date | None, out: TextIO) -> int:
    """Print when to answer each recent unanswered client message, and why: as of now, or
    of the end of *day* (midnight after it, in the user's time zone)."""
    tz = config.me.working_time.tz
    now = datetime.combine(day + timedelta(days=1), time(0), tz) if day is not None else utcnow()
    with Store.open(config.database_url) as store:
        suggestions = pending_reply_suggestions(config, store, now)
    if not suggestions:
        out.write("no unanswered client messages in the last days\n")
    for item in suggestions:
        local = item.reply_after.astimezone(tz) if item.reply_after.tzinfo else item.reply_after
        out.write(
            f"message {item.message_id} ({item.client}): reply after "
            f"{local:%a %Y-%m-%d %H:%M} — {item.reason}\n"
        )
    return 0
