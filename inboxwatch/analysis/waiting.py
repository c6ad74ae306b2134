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
  A message that only acknowledges ("Thanks!", "OK, got it", "Köszönöm, megkaptam!";
  :func:`needs_no_answer`) waits for nothing and is not listed.

Both are computed as of a moment, from the mail dated before it, so they change as answers
arrive: an answer removes the item at the next report or ``inboxwatch waiting``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from inboxwatch.analysis.conversations import Mail, Timeline
from inboxwatch.analysis.reply_timing import REPLY_NOW, ReplySuggestion, suggest_reply
from inboxwatch.classifying.lexicons import HAPPY_EMOJI
from inboxwatch.hours import WorkingTime, working_hours_between
from inboxwatch.text import fold, word_set

__all__ = [
    "WaitingOn",
    "WaitingQuestion",
    "WaitingReply",
    "combine",
    "needs_no_answer",
    "waiting_questions",
    "waiting_replies",
]


# An acknowledgement holds one of these (accent-folded): thanks, assent, "received"...
_ACK_CORE: Final = word_set(
    """thanks thank thx tks ty ta cheers appreciated ok okay oki okey k kk perfect great super
    superb awesome excellent brilliant lovely wonderful fantastic amazing cool noted received
    understood agreed sure yes yep yeah yup fine
    koszonom koszi koszike koszonjuk kosz koszonet koszonettel rendben oke okes szuper
    tokeletes megkaptam megkaptuk megjott ertem ertjuk ertettem jo igen remek kiraly
    nagyszeru mehet vettem megvan klassz csodas tetszik egyetertek"""
)
# ...and nothing else but these (greetings, sign-offs, the rest of those phrases)...
_ACK_FILLER: Final = word_set(
    """you so much very many lot a all again got it will do sounds looks good nice no problem
    worries that s that's works for me hi hello hey dear best regards kind warm have day
    weekend evening and as always alright right done the same to
    szepen nagyon van hangzik jol minden mindent is es pont ez az szia sziasztok hello hallo
    udv udvozlettel udvozlet kedves szep napot hetveget estet tovabbi neked nektek puszi
    orulok sok"""
)
_ACK_WORDS: Final = _ACK_CORE | _ACK_FILLER
# ...or capitalised words that are not in the lists: names ("Thanks Anna!"), at most two.
_MAX_NAMES: Final = 2
_MAX_ACK_WORDS: Final = 20
_MAX_ACK_CHARS: Final = 400  # more cannot be 20 words of these: no need to look (speed)
# A clause thanking for something: "thanks for the quick fix", "köszönöm szépen a gyors
# választ" (accent-folded words joined by spaces), at most eight words...
_THANKS_FOR_RE: Final = re.compile(
    r"(?:nagyon |many |and )?(?:thanks?(?: you)?|thx|koszonom|koszi|koszonjuk|kosz)"
    r"(?: so much| very much| a lot| again| szepen| nagyon)? (?:for|a|az|hogy) "
)
_MAX_THANKS_FOR_WORDS: Final = 8
# ...that asks, refuses or contradicts nothing.
_ACK_BLOCKERS: Final = word_set(
    """but however not no never please pls plz still need needs can could would should
    must nothing don't doesn't didn't isn't wasn't won't
    de viszont azonban nem sem ne kerlek kerem kellene kell meg megis csak semmit"""
)
# Clauses: split at sentence and clause punctuation, and at a dash between spaces.
_CLAUSE_RE: Final = re.compile(r"[.!,;:\n]+|\s[-\u2013\u2014]\s")
_WORD_RE: Final = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


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


def needs_no_answer(mail: Mail) -> bool:
    """True for a message that only acknowledges: "Thanks!", "OK, got it", "Hi Anna, thanks
    for the quick fix!", "Köszönöm szépen, megkaptam!", a lone thumbs-up.

    No question mark, no attachment, not tagged urgent or complaint, at most
    :data:`_MAX_ACK_WORDS` words with one of thanks or assent, and every clause (split at
    punctuation) either made of greetings, thanks, assent and up to two capitalised names, or
    a short "thanks for ..." / "köszönöm a ..." with nothing asked, refused or contradicted.
    Anything more ("Thanks, send the invoice too") is mail to answer."""
    text = mail.new_text
    if len(text) > _MAX_ACK_CHARS or "?" in text or mail.attachments:
        return False
    if mail.urgent or mail.complaint:
        return False
    folded = _WORD_RE.findall(fold(text))
    if not folded:
        return any(char in HAPPY_EMOJI for char in text)
    if len(folded) > _MAX_ACK_WORDS or _ACK_CORE.isdisjoint(folded):
        return False
    return all(_acknowledges(clause) for clause in _CLAUSE_RE.split(text))


def _acknowledges(clause: str) -> bool:
    """One clause of :func:`needs_no_answer`'s message; an empty one is fine."""
    words = _WORD_RE.findall(clause)
    folded = [fold(word) for word in words]
    others = [w for w, f in zip(words, folded, strict=True) if f not in _ACK_WORDS]
    if len(others) <= _MAX_NAMES and all(word[0].isupper() for word in others):
        return True
    return (
        len(words) <= _MAX_THANKS_FOR_WORDS
        and _THANKS_FOR_RE.match(" ".join(folded)) is not None
        and not _ACK_BLOCKERS.intersection(folded)
    )


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
    by *as_of*, one item per conversation, with its reply suggestion; acknowledgements
    (:func:`needs_no_answer`) are left out. *mails* may be a
    :class:`Timeline` in *my_wt* already threaded as of *as_of*."""
    found = []
    for thread in Timeline.of(mails, my_wt, [as_of]).unreplied_threads(as_of):
        recent = [mail for mail in thread if mail.date >= since and not needs_no_answer(mail)]
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
