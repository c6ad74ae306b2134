""" "Waiting on": the questions a client has left unanswered, and the client mail that still
waits for the user's answer. Pure: takes one client's mail, returns the two lists.

- A question the user asked waits in the *client's* working time (their calendar, or the
  user's when the config gives the client none): it is listed once it has waited more than
  ``min_working_hours`` of it with no answer in its thread.
- A client message waits in the *user's* working time; it is listed, with its reply-delay
  suggestion (:mod:`inboxwatch.analysis.reply_timing`), until the user replies in its thread.
  Several unanswered messages of one conversation ("done?", "Re: done?") are one item: the
  first of them (the client has waited since then), how many there are, and the most
  pressing reply suggestion among them (one to answer promptly, else the earliest).

Both are computed as of a moment, from the mail dated before it, so they change as answers
arrive: an answer removes the item at the next report or ``inboxwatch waiting``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from inboxwatch.analysis.conversations import Mail, Timeline
from inboxwatch.analysis.reply_timing import REPLY_NOW, ReplySuggestion, suggest_reply
from inboxwatch.hours import WorkingTime, working_hours_between


@dataclass(frozen=True)
class WaitingQuestion:
    """A question the user asked that the client has not answered."""

    client: str
    message_id: int  # the user's message (database id)
    subject: str
    asked_at: datetime  # naive UTC
    working_hours: float  # in the client's working time, until the moment asked about
    calendar_hours: float


@dataclass(frozen=True)
class WaitingReply:
    """A client message the user has not answered yet, and when to answer it."""

    client: str
    message_id: int  # the client's message (database id)
    subject: str
    received_at: datetime  # naive UTC
    working_hours: float  # in the user's working time, until the moment asked about
    suggestion: ReplySuggestion
    messages: int  # unanswered client messages in this conversation (1 or more)
    latest_message_id: int  # the newest of them (= message_id when there is one)


@dataclass(frozen=True)
class WaitingOn:
    """Both lists, oldest first."""

    questions: tuple[WaitingQuestion, ...] = ()
    replies: tuple[WaitingReply, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.questions or self.replies)


def waiting_questions(
    client: str,
    mails: Sequence[Mail] | Timeline,
    client_wt: WorkingTime,
    as_of: datetime,
    since: datetime,
    min_working_hours: float,
) -> list[WaitingQuestion]:
    """The user's questions asked in [*since*, *as_of*) with no answer by *as_of* after more
    than *min_working_hours* of the client's working time (naive UTC moments). *mails* may
    be a :class:`Timeline` in *client_wt* already threaded as of *as_of* (shared, not redone)."""
    found = Timeline.of(mails, client_wt, [as_of]).question_answers(as_of, since)
    return [
        WaitingQuestion(
            client, q.question_id, q.subject, q.asked_at, q.working_hours, q.calendar_hours
        )
        for q in found
        if not q.answered and q.working_hours > min_working_hours
    ]


def waiting_replies(
    client: str,
    mails: Sequence[Mail] | Timeline,
    my_wt: WorkingTime,
    as_of: datetime,
    since: datetime,
    habitual_urgency: bool,
) -> list[WaitingReply]:
    """The client's messages received in [*since*, *as_of*) that the user has not replied to
    by *as_of*, one item per conversation, with its reply suggestion. *mails* may be a
    :class:`Timeline` in *my_wt* already threaded as of *as_of*."""
    found = []
    for thread in Timeline.of(mails, my_wt, [as_of]).unreplied_threads(as_of):
        recent = [mail for mail in thread if mail.date >= since]
        if not recent:
            continue
        first = recent[0]
        suggestions = [suggest_reply(mail, my_wt, habitual_urgency) for mail in recent]
        found.append(
            WaitingReply(
                client,
                first.id,
                first.subject,
                first.date,
                working_hours_between(first.date, as_of, my_wt),
                min(suggestions, key=lambda s: (s.keyword != REPLY_NOW, s.reply_after)),
                messages=len(recent),
                latest_message_id=recent[-1].id,
            )
        )
    return found


def combine(questions: Sequence[WaitingQuestion], replies: Sequence[WaitingReply]) -> WaitingOn:
    """Every client's lists in one, oldest first."""
    return WaitingOn(
        tuple(sorted(questions, key=lambda q: (q.asked_at, q.message_id))),
        tuple(sorted(replies, key=lambda r: (r.received_at, r.message_id))),
    )
