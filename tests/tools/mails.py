"""Building one client's mail for the conversation and "waiting on" tests: Budapest office
hours, wall-clock times as stored (naive UTC), and :class:`Mail` values in a thread."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from inboxwatch.analysis.conversations import Mail
from inboxwatch.hours import WorkingTime

BUDAPEST = ZoneInfo("Europe/Budapest")
OFFICE = WorkingTime(tz=BUDAPEST, start=time(9), end=time(17), holidays_country="HU")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A Budapest wall-clock time in 2026 as naive UTC (the storage form)."""
    local = datetime(2026, month, day, hour, minute, tzinfo=BUDAPEST)
    return local.astimezone(UTC).replace(tzinfo=None)


def mail(
    id: int,
    direction: str,
    when: datetime,
    subject: str = "",
    text: str = "",
    msgid: str | None = None,
    reply_to: str | None = None,
    words: int = 10,
    **tags: bool,
) -> Mail:
    """A message of client "Acme"; *reply_to* is the Message-ID it answers."""
    return Mail(
        id=id,
        direction=direction,
        client="Acme",
        date=when,
        subject=subject,
        message_id=msgid,
        in_reply_to=reply_to,
        references=(f"<{reply_to}>",) if reply_to else (),
        new_text=text,
        content_words=words,
        **tags,
    )
