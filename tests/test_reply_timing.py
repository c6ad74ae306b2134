"""Reply-delay suggestions: prompt for complaints and real urgency, deliberate otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from inboxwatch.analysis.conversations import Mail
from inboxwatch.analysis.reply_timing import next_working_time, reply_keyword, suggest_reply
from inboxwatch.hours import WorkingTime

BUDAPEST = ZoneInfo("Europe/Budapest")
OFFICE = WorkingTime(tz=BUDAPEST, start=time(9), end=time(17), holidays_country="HU")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    local = datetime(2026, month, day, hour, minute, tzinfo=BUDAPEST)
    return local.astimezone(UTC).replace(tzinfo=None)


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BUDAPEST)


def message(when: datetime, *, urgent: bool = False, complaint: bool = False) -> Mail:
    return Mail(
        id=7,
        direction="in",
        client="Acme",
        date=when,
        subject="x",
        urgent=urgent,
        complaint=complaint,
    )


def test_real_urgency_gets_a_prompt_reply() -> None:
    hint = suggest_reply(message(at(10, 10, 7), urgent=True), OFFICE, habitual_urgency=False)
    assert hint.reply_after == local(10, 10, 7)
    assert hint.keyword == "$iw_reply_now"
    assert "promptly" in hint.reason and hint.message_id == 7 and hint.client == "Acme"


def test_habitual_urgency_is_answered_deliberately_later() -> None:
    hint = suggest_reply(message(at(10, 10, 7), urgent=True), OFFICE, habitual_urgency=True)
    assert hint.reply_after == local(10, 12, 15)
    assert hint.keyword == "$iw_reply_later"
    assert "most messages urgent" in hint.reason
    # Late in the day it moves to the next working block.
    late = suggest_reply(message(at(10, 16), urgent=True), OFFICE, habitual_urgency=True)
    assert late.reply_after == local(11, 9)


def test_plain_message_within_working_hours_not_instantly() -> None:
    hint = suggest_reply(message(at(10, 10, 7)), OFFICE)
    assert hint.reply_after == local(10, 11, 15)
    assert "not instantly" in hint.reason
    # Friday evening → Monday morning.
    weekend = suggest_reply(message(at(13, 20)), OFFICE)
    assert weekend.reply_after == local(16, 9) and weekend.keyword == "$iw_reply_later"


def test_complaint_is_prompt_even_from_a_habitually_urgent_client() -> None:
    hint = suggest_reply(message(at(10, 14), complaint=True), OFFICE, habitual_urgency=True)
    assert hint.reply_after == local(10, 14)
    assert "call" in hint.reason
    night = suggest_reply(message(at(10, 22), complaint=True), OFFICE)
    assert night.reply_after == local(11, 9) and "first thing" in night.reason


def test_next_working_time_skips_holidays() -> None:
    # Thursday 22 Oct 18:00 → Friday 23 Oct is a Hungarian holiday → Monday 26 Oct 09:00.
    assert next_working_time(at(22, 18, month=10), OFFICE) == local(26, 9, month=10)
    assert (reply_keyword(True), reply_keyword(False)) == ("$iw_reply_now", "$iw_reply_later")
