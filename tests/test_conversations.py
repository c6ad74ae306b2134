"""Conversations and question/answer timing, on hand-made Mail values (no database)."""

from __future__ import annotations

import unicodedata
from datetime import datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxwatch.analysis.conversations import (
    Mail,
    Timeline,
    is_question,
    my_reply_times,
    normalise_subject,
    question_answers,
    thread_keys,
    unreplied,
)
from inboxwatch.hours import WorkingTime, working_hours_between
from inboxwatch.text import fold
from tests.tools.mails import BUDAPEST, OFFICE, at, mail


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Invoice March", "invoice march"),
        ("RE: FW: Fwd:  Invoice   March", "invoice march"),
        ("Vá: Továbbítás: Számla", "számla"),
        ("VS: [Ticket 12] Re[2]: Logo", "logo"),
        ("Re:", ""),
        ("Reminder: call", "reminder: call"),
    ],
)
def test_normalise_subject_strips_english_and_hungarian_prefixes(
    subject: str, expected: str
) -> None:
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


@pytest.mark.parametrize(
    "text",
    [
        "Could you send me the logo in SVG?",
        "Which version should I use for the print",
        "Please let me know the deadline.",
        "Mikor kell leadni az anyagot",
        "Megvan-e még a tavalyi szerződés.",
        "Tudnád küldeni a jelszót",
        "See https://example.com/?q=1 for it. When is the call?",
    ],
)
def test_questions_in_english_and_hungarian(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks, received.",
        "I sent the invoice to Anna.",
        "Mi elküldtük a számlát.",  # "mi" is also "we"
        "Link: https://example.com/?q=1",
        "Done, the files are uploaded. Anything else?",
        "Kész vagyok vele. Van még valami?",
        "",
    ],
)
def test_statements_are_not_questions(text: str) -> None:
    assert not is_question(text)


@given(st.text())
def test_fold_lower_cases_and_folds_accented_latin_letters_one_for_one(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(text.lower())
    for original, plain in zip(text.lower(), folded, strict=True):
        base = unicodedata.normalize("NFD", original)[0]
        assert plain in (original, base)


def test_working_hours_skip_nights_weekends_and_holidays() -> None:
    # Friday 16:00 → Monday 10:00 is 1 + 1 working hours.
    assert working_hours_between(at(13, 16), at(16, 10), OFFICE) == pytest.approx(2.0)
    # Oct 23 is a Hungarian public holiday (Friday): Thu 16:00 → Mon 10:00 = 1 + 1.
    assert working_hours_between(
        at(22, 16, month=10), at(26, 10, month=10), OFFICE
    ) == pytest.approx(2.0)
    assert working_hours_between(at(13, 10), at(13, 9), OFFICE) == 0.0


def test_working_hours_across_dst_change() -> None:
    # Clocks go back on Sunday 25 Oct 2026: Saturday noon → Monday 09:30 is half an hour,
    # and a Monday 09:00-17:00 after the change is still 8 hours.
    assert working_hours_between(
        at(24, 12, month=10), at(26, 9, 30, month=10), OFFICE
    ) == pytest.approx(0.5)
    assert working_hours_between(
        at(25, 20, month=10), at(26, 20, month=10), OFFICE
    ) == pytest.approx(8.0)


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
        mail(
            4,
            "in",
            at(5, 12),
            "Colour choice",
            "Blue and white please, like the old brochure and the website",
            words=9,
        ),
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
def test_working_hours_add_up_and_never_exceed_the_calendar(
    a: datetime, b: datetime, c: datetime
) -> None:
    first, middle, last = sorted((a, b, c))
    whole = working_hours_between(first, last, OFFICE)
    parts = working_hours_between(first, middle, OFFICE) + working_hours_between(
        middle, last, OFFICE
    )
    assert whole == pytest.approx(parts, abs=1e-6)
    assert 0 <= whole <= (last - first).total_seconds() / 3600 + 1e-9


# --- many moments at once ------------------------------------------------------------------

NIGHT_SHIFT = WorkingTime(tz=BUDAPEST, start=time(22), end=time(6), holidays_country="HU")


@st.composite
def mailboxes(draw: st.DrawFn) -> list[Mail]:
    """One client's mail with the awkward cases threading meets: equal dates, replies to
    unknown or later messages, repeated Message-IDs, subjects shared across threads."""
    count = draw(st.integers(1, 25))
    ids = [f"m{k}@x" for k in range(8)]
    mails = []
    for number in range(1, count + 1):
        links = draw(st.lists(st.sampled_from([*ids, "unknown@x"]), max_size=2))
        mails.append(
            Mail(
                id=number,
                direction=draw(st.sampled_from(["in", "out"])),
                client="Acme",
                date=at(draw(st.integers(2, 12)), draw(st.sampled_from([3, 9, 10, 16, 23]))),
                subject=draw(st.sampled_from(["Logo", "Re: Logo", "Invoice", "RE: invoice", ""])),
                message_id=draw(st.sampled_from([*ids, None])),
                in_reply_to=f"<{links[0]}>" if links else None,
                references=tuple(f"<{link}>" for link in links[1:]),
                new_text=draw(
                    st.sampled_from(
                        [
                            "Could you send the logo?",
                            "What is the budget?",
                            "Done, uploaded.",
                            "ok",
                            "Thanks.",
                        ]
                    )
                ),
                content_words=draw(st.integers(0, 9)),
                vague=draw(st.booleans()),
            )
        )
    return mails


def _afresh(mails: list[Mail], as_of: datetime | None) -> tuple[list[Mail], dict[int, int]]:
    """The mail before *as_of*, by time, threaded on its own: what a moment could know."""
    seen = sorted(
        (m for m in mails if as_of is None or m.date < as_of), key=lambda m: (m.date, m.id)
    )
    return seen, thread_keys(seen)


def _expected_answers(
    mails: list[Mail], as_of: datetime, since: datetime
) -> list[tuple[int, int | None]]:
    seen, keys = _afresh(mails, as_of)
    opener = {keys[m.id]: m.id for m in reversed(seen)}
    found = []
    for index, question in enumerate(seen):
        if question.incoming or question.date < since or not is_question(question.new_text):
            continue
        later = [m for m in seen[index + 1 :] if m.incoming]
        answer = next((m for m in later if keys[m.id] == keys[question.id]), None)
        if answer is None and later:
            fresh = later[0]
            if opener[keys[fresh.id]] == fresh.id and not fresh.vague and fresh.content_words >= 5:
                answer = fresh
        found.append((question.id, answer.id if answer else None))
    return found


def _expected_replies(
    mails: list[Mail], as_of: datetime | None, since: datetime
) -> list[tuple[int, int]]:
    seen, keys = _afresh(mails, as_of)
    found = []
    for index, message in enumerate(seen):
        if message.incoming and message.date >= since:
            reply = next(
                (m for m in seen[index + 1 :] if not m.incoming and keys[m.id] == keys[message.id]),
                None,
            )
            if reply is not None:
                found.append((message.id, reply.id))
    return found


@settings(max_examples=300, deadline=None)
@given(
    mailboxes(),
    st.lists(st.integers(2, 14), min_size=1, max_size=6),
    st.integers(1, 12),
    st.sampled_from([OFFICE, NIGHT_SHIFT]),
)
def test_a_timeline_answers_each_moment_as_if_threaded_afresh(
    mails: list[Mail], days: list[int], since_day: int, wt: WorkingTime
) -> None:
    moments = [at(day, 0) for day in days]
    since = at(since_day, 0)
    timeline = Timeline(reversed(mails), wt, moments)
    for as_of in sorted(moments, reverse=True) + moments:  # any order, and again
        answers = timeline.question_answers(as_of, since)
        assert [(q.question_id, q.answer_id) for q in answers] == _expected_answers(
            mails, as_of, since
        )
        for qa in answers:
            until = qa.answered_at or as_of
            assert qa.working_hours == working_hours_between(qa.asked_at, until, wt)
        assert [
            (r.message_id, r.reply_id) for r in timeline.reply_times(as_of, since)
        ] == _expected_replies(mails, as_of, since)
    assert [
        (r.message_id, r.reply_id) for r in timeline.reply_times(since=since)
    ] == _expected_replies(mails, None, since)
    everything = {m.id for m in mails if m.incoming}
    replied = {message for message, _ in _expected_replies(mails, None, datetime.min)}
    assert {m.id for m in timeline.unreplied()} == everything - replied


def test_a_make_up_saturday_counts_as_working_time() -> None:
    # Hungary worked Saturday 2024-12-07 in exchange for Tuesday 2024-12-24.
    office = WorkingTime(tz=BUDAPEST, start=time(9), end=time(17), holidays_country="HU")
    friday_evening = datetime(2024, 12, 6, 17, 0, tzinfo=BUDAPEST)
    monday_morning = datetime(2024, 12, 9, 9, 0, tzinfo=BUDAPEST)
    assert working_hours_between(friday_evening, monday_morning, office) == 8.0
    christmas_eve = datetime(2024, 12, 23, 17, 0, tzinfo=BUDAPEST)
    assert (
        working_hours_between(christmas_eve, christmas_eve.replace(day=24, hour=17), office) == 0.0
    )
