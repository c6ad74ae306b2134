"""Conversations and question/answer timing, on hand-made Mail values (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxwatch.hours import WorkingTime
from inboxwatch.threads import (
    Mail,
    is_question,
    my_reply_times,
    normalise_subject,
    question_answers,
    thread_keys,
    unreplied,
    working_hours_between,
)

BUDAPEST = ZoneInfo("Europe/Budapest")
OFFICE = WorkingTime(tz=BUDAPEST, start=time(9), end=time(17), holidays_country="HU")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A Budapest wall-clock time in 2026 as naive UTC (the storage form)."""
    local = datetime(2026, month, day, hour, minute, tzinfo=BUDAPEST)
    return local.astimezone(UTC).replace(tzinfo=None)


def mail(id: int, direction: str, when: datetime, subject: str = "", text: str = "",
         msgid: str | None = None, reply_to: str | None = None, words: int = 10,
         vague: bool = False) -> Mail:
    return Mail(id=id, direction=direction, client="Acme", date=when, subject=subject,
                message_id=msgid, in_reply_to=reply_to,
                references=(f"<{reply_to}>",) if reply_to else (), new_text=text,
                content_words=words, vague=vague)


@pytest.mark.parametrize(("subject", "expected"), [
    ("Re: Invoice March", "invoice march"),
    ("RE: FW: Fwd:  Invoice   March", "invoice march"),
    ("Vá: Továbbítás: Számla", "számla"),
    ("VS: [Ticket 12] Re[2]: Logo", "logo"),
    ("Re:", ""),
    ("Reminder: call", "reminder: call"),
])
def test_normalise_subject_strips_english_and_hungarian_prefixes(subject: str,
                                                                 expected: str) -> None:
    assert normalise_subject(subject) == expected


def test_threads_follow_headers_and_fall_back_to_subject() -> None:
    mails = [
        mail(1, "out", at(2, 10), "Logo files", msgid="a@x"),
        mail(2, "in", at(2, 11), "Re: Logo files", msgid="b@x", reply_to="a@x"),
        mail(3, "out", at(2, 12), "Something else", msgid="c@x", reply_to="b@x"),  # renamed
        mail(4, "in", at(3, 9), "RE: logo files"),  # no headers: subject fallback
        mail(5, "in", at(3, 10), "Invoice"),
        mail(6, "in", at(3, 11), "Re: Invoice", msgid="f@x", reply_to="unknown@x"),
    ]
    keys = thread_keys(mails)
    assert keys[1] == keys[2] == keys[3] == keys[4] == 1
    assert keys[5] == keys[6] == 5


@pytest.mark.parametrize("text", [
    "Could you send me the logo in SVG?",
    "Which version should I use for the print",
    "Please let me know the deadline.",
    "Mikor kell leadni az anyagot",
    "Megvan-e még a tavalyi szerződés.",
    "Tudnád küldeni a jelszót",
    "See https://example.com/?q=1 for it. When is the call?",
])
def test_questions_in_english_and_hungarian(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize("text", [
    "Thanks, received.",
    "I sent the invoice to Anna.",
    "Mi elküldtük a számlát.",  # "mi" is also "we"
    "Link: https://example.com/?q=1",
    "Done, the files are uploaded. Anything else?",
    "Kész vagyok vele. Van még valami?",
    "",
])
def test_statements_are_not_questions(text: str) -> None:
    assert not is_question(text)


def test_working_hours_skip_nights_weekends_and_holidays() -> None:
    # Friday 16:00 → Monday 10:00 is 1 + 1 working hours.
    assert working_hours_between(at(13, 16), at(16, 10), OFFICE) == pytest.approx(2.0)
    # Oct 23 is a Hungarian public holiday (Friday): Thu 16:00 → Mon 10:00 = 1 + 1.
    assert working_hours_between(at(22, 16, month=10), at(26, 10, month=10),
                                 OFFICE) == pytest.approx(2.0)
    assert working_hours_between(at(13, 10), at(13, 9), OFFICE) == 0.0


def test_working_hours_across_dst_change() -> None:
    # Clocks go back on Sunday 25 Oct 2026: Saturday noon → Monday 09:30 is half an hour,
    # and a Monday 09:00-17:00 after the change is still 8 hours.
    assert working_hours_between(at(24, 12, month=10), at(26, 9, 30, month=10),
                                 OFFICE) == pytest.approx(0.5)
    assert working_hours_between(at(25, 20, month=10), at(26, 20, month=10),
                                 OFFICE) == pytest.approx(8.0)


def test_answer_in_thread_with_working_and_calendar_hours() -> None:
    mails = [
        mail(1, "out", at(13, 16), "Logo", "Could you send the logo?", msgid="a@x"),
        mail(2, "in", at(13, 18), "News", "unrelated news here", msgid="n@x"),
        mail(3, "in", at(16, 10), "Re: Logo", "here it is", msgid="b@x", reply_to="a@x"),
    ]
    [qa] = question_answers(mails, OFFICE, at(20, 12))
    assert (qa.question_id, qa.answer_id) == (1, 3)
    assert qa.working_hours == pytest.approx(2.0)
    assert qa.calendar_hours == pytest.approx(66.0)
    assert qa.answered and not qa.unanswered


def test_unanswered_pending_and_fresh_mail_fallback() -> None:
    mails = [
        mail(1, "out", at(2, 10), "Brief", "What is the budget?", msgid="a@x"),
        mail(2, "in", at(2, 11), "", "??", words=0, vague=True),  # a one-liner: no answer
        mail(3, "out", at(5, 10), "Colours", "Which colours do you want?", msgid="c@x"),
        mail(4, "in", at(5, 12), "Colour choice",
             "Blue and white please, like the old brochure and the website", words=9),
        mail(5, "out", at(13, 15), "Fonts", "Which font?", msgid="e@x"),
    ]
    qas = {q.question_id: q for q in question_answers(mails, OFFICE, at(13, 16))}
    assert qas[1].answer_id is None and qas[1].unanswered  # days of silence
    assert qas[3].answer_id == 4  # answered in a fresh, substantive mail
    assert qas[5].pending and not qas[5].unanswered  # only an hour old


def test_my_reply_times_and_unreplied() -> None:
    mails = [
        mail(1, "in", at(2, 10), "Logo", "please update the logo", msgid="a@x"),
        mail(2, "out", at(2, 10, 30), "Re: Logo", "done", msgid="b@x", reply_to="a@x"),
        mail(3, "in", at(2, 11), "Invoice", "send the invoice", msgid="c@x"),
    ]
    [reply] = my_reply_times(mails, OFFICE)
    assert (reply.message_id, reply.reply_id) == (1, 2)
    assert reply.working_hours == pytest.approx(0.5)
    assert [m.id for m in unreplied(mails)] == [3]


_instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31))


@given(_instants, _instants, _instants)
def test_working_hours_add_up_and_never_exceed_the_calendar(a: datetime, b: datetime,
                                                            c: datetime) -> None:
    first, middle, last = sorted((a, b, c))
    whole = working_hours_between(first, last, OFFICE)
    parts = (working_hours_between(first, middle, OFFICE)
             + working_hours_between(middle, last, OFFICE))
    assert whole == pytest.approx(parts, abs=1e-6)
    assert 0 <= whole <= (last - first).total_seconds() / 3600 + 1e-9
