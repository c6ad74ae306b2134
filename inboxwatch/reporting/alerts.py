"""The daily alert: build the report, decide whether it is worth a mail, queue it once.

A mail is queued when the set of flagged clients (with their scores and signs) differs from
the last alert that was queued, or every day when ``report.send_when_unchanged`` is set.
The fingerprint of each queued alert travels in its ``X-Inboxwatch-Fingerprint`` header, so
the decision needs no extra state.
"""

from __future__ import annotations

import logging
from datetime import date
from email import message_from_bytes

from sqlalchemy import select

from inboxwatch.config import Config
from inboxwatch.errors import ConfigError
from inboxwatch.reporting.build import build_report, save_scores
from inboxwatch.reporting.mailer import enqueue
from inboxwatch.reporting.render import Report, alert_email
from inboxwatch.storage.schema import outbox
from inboxwatch.storage.store import Store

logger = logging.getLogger(__name__)

KEY_PREFIX = "daily-report:"
FINGERPRINT_HEADER = "X-Inboxwatch-Fingerprint"


def last_alert_fingerprint(store: Store) -> str | None:
    """The fingerprint of the most recently queued daily alert, if any."""
    query = (
        select(outbox.c.mime)
        .where(outbox.c.dedupe_key.like(KEY_PREFIX + "%"))
        .order_by(outbox.c.id.desc())
        .limit(1)
    )
    with store.transaction() as conn:
        mime = conn.execute(query).scalar()
    if mime is None:
        return None
    value = message_from_bytes(mime)[FINGERPRINT_HEADER]
    return str(value) if value else None


def report_built(store: Store, day: date) -> bool:
    """Whether the daily report for *day* was built (its scores saved or its alert queued)."""
    from inboxwatch.reporting.build import load_scores

    with store.transaction() as conn:
        queued = conn.execute(
            select(outbox.c.id).where(outbox.c.dedupe_key == f"{KEY_PREFIX}{day.isoformat()}")
        ).first()
    return queued is not None or bool(load_scores(store, day))


def should_send(report: Report, previous: str | None, every_day: bool) -> bool:
    """Mail when asked to every day, or when the alert would say something new."""
    if every_day:
        return True
    if previous is None:
        return bool(report.flagged)
    return report.changed(previous)


def queue_daily_alert(config: Config, store: Store, day: date, force: bool = False) -> bool:
    """Build the report for *day*, save its scores for tomorrow's trend, and queue the
    alert mail when warranted (or *force*). Returns whether a mail was queued."""
    report = build_report(config, store, day)
    save_scores(store, report)
    every_day = force or config.report.send_when_unchanged
    if not should_send(report, last_alert_fingerprint(store), every_day):
        logger.info("daily report unchanged; no mail", extra={"day": day.isoformat()})
        return False
    message = alert_email(report, _sender(config), recipients(config))
    message[FINGERPRINT_HEADER] = report.fingerprint()
    # RFC 3834: out-of-office and other auto-responders must not answer it
    message["Auto-Submitted"] = "auto-generated"
    return enqueue(store, f"{KEY_PREFIX}{day.isoformat()}", message)


def recipients(config: Config) -> list[str]:
    return list(config.report.recipients or config.me.addresses[:1])


def _sender(config: Config) -> str:
    if config.smtp is None:
        raise ConfigError(
            f"{config.path}: [smtp] is not configured; the alert e-mail "
            "needs an SMTP server (see config.example.toml)"
        )
    return config.smtp.from_addr
