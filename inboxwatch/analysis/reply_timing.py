"""Reply-delay suggestions: when to answer a new client message, and why.

Pure. The handling advice says: don't always reply at once, or the client comes to expect it
— but settle complaints at once and answer real urgency promptly. So, for one message:

1. a complaint → promptly (within the hour), or first thing when the working day starts;
2. urgent, from a client whose urgency is *not* habitual → the same, promptly;
3. from a client whose urgency is habitual (``everything_urgent`` fired) → deliberately not
   at once: the first working time at least :data:`HABITUAL_DELAY` later;
4. anything else → within working hours, not instantly: the first working time at least
   :data:`PLAIN_DELAY` later.

Delayed times are rounded up to the quarter hour. ``reply_after`` is timezone-aware in the
user's zone. The IMAP keyword carries the decision, not the clock time (a time would go
stale and would fill the client's tag list with 96 variants): ``$iw_reply_now`` for cases 1
and 2, ``$iw_reply_later`` for 3 and 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from inboxwatch.analysis.conversations import Mail
from inboxwatch.hours import WorkingTime, is_after_hours, working_window

__all__ = [
    "HABITUAL_DELAY",
    "PLAIN_DELAY",
    "REPLY_LATER",
    "REPLY_NOW",
    "ReplySuggestion",
    "next_working_time",
    "reply_keyword",
    "suggest_reply",
]

PLAIN_DELAY = timedelta(hours=1)
HABITUAL_DELAY = timedelta(hours=2)
REPLY_NOW = "$iw_reply_now"
REPLY_LATER = "$iw_reply_later"
# How far ahead to look for working time (covers long holidays and odd working weeks).
_SEARCH_DAYS = 60


@dataclass(frozen=True)
class ReplySuggestion:
    """When to answer one message (``message_id`` is the database id) and why."""

    message_id: int
    reply_after: datetime
    reason: str
    keyword: str
    client: str = ""


def reply_keyword(promptly: bool) -> str:
    """The IMAP keyword for a suggestion: answer promptly, or deliberately later."""
    return REPLY_NOW if promptly else REPLY_LATER


def next_working_time(when: datetime, wt: WorkingTime) -> datetime:
    """*when* itself if it is in working time, else the start of the next working window.

    *when* may be naive (UTC) or aware; the result is aware, in ``wt.tz``.
    """
    aware = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    if not is_after_hours(aware, wt):
        return aware.astimezone(wt.tz)
    day = aware.astimezone(wt.tz).date() - timedelta(days=1)
    for _ in range(_SEARCH_DAYS):
        window = working_window(day, wt)
        if window is not None and window[0] >= aware:
            return window[0].astimezone(wt.tz)
        day += timedelta(days=1)
    raise ValueError(f"no working time in the {_SEARCH_DAYS} days after {aware:%Y-%m-%d}")


def _quarter_up(when: datetime) -> datetime:
    base = when.replace(second=0, microsecond=0)
    if base < when:
        base += timedelta(minutes=1)
    return base + timedelta(minutes=(-base.minute) % 15)


def _decide(mail: Mail, habitual_urgency: bool) -> tuple[timedelta | None, str]:
    """The delay (None = promptly) and the reason."""
    if mail.complaint:
        return None, (
            "complaint: answer promptly, within the hour — better still by a call, "
            "since tone in writing is easily misread"
        )
    if mail.urgent and not habitual_urgency:
        return None, "urgent, and this client rarely says so: answer promptly, within the hour"
    if habitual_urgency:
        return HABITUAL_DELAY, (
            "this client marks most messages urgent: answer deliberately "
            "not at once, in your next working block, so instant replies "
            "don't become the expectation"
        )
    return PLAIN_DELAY, (
        "no time pressure: answer within your working hours, not instantly, "
        "so the client doesn't come to expect instant replies"
    )


def suggest_reply(mail: Mail, wt: WorkingTime, habitual_urgency: bool = False) -> ReplySuggestion:
    """When to answer *mail*, given the user's working time and whether the client's
    urgency is habitual (their ``everything_urgent`` sign fired)."""
    received = mail.date.replace(tzinfo=UTC)
    delay, reason = _decide(mail, habitual_urgency)
    if delay is None:
        reply_after = next_working_time(received, wt)
        if reply_after > received:
            reason += "; it came outside your working hours, so first thing when you start"
    else:
        reply_after = next_working_time(_quarter_up(received + delay), wt)
    return ReplySuggestion(mail.id, reply_after, reason, reply_keyword(delay is None), mail.client)
