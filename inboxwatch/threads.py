"""Conversations: which messages belong together, and how fast questions get answered.

Pure: takes :class:`Mail` values (one stored message as the analysis sees it) and returns
values. Nothing here reads the database or the clock.

Threading follows the headers first: a message joins every message it names in
``In-Reply-To`` or ``References`` and every message that names it. A message whose headers
name no message we know (or none at all) falls back to its *normalised subject* — reply and
forward prefixes in English and Hungarian (``Re:``, ``Fwd:``, ``Vá:``, ``Továbbítás:`` …)
and list tags (``[Ticket 12]``) removed — within the same client.

Question timing: a question is one of the user's sent messages whose new text asks something
(:func:`is_question`). Its *answer* is the client's first later message in the same thread;
failing that, the client's very next message if it starts a new conversation and has real
content (an answer written as a fresh mail). A one-liner in a new thread is not taken as an
answer: for a client who floods short messages it would hide every unanswered question.

Working-time arithmetic (:func:`working_window`, :func:`working_hours_between`) lives here
because answer times are its first user; windows are half-open, as in :mod:`inboxwatch.hours`.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from inboxwatch.hours import WorkingTime, public_holidays

__all__ = [
    "LOW_CONTENT_WORDS",
    "UNANSWERED_AFTER_WORKING_HOURS",
    "Mail",
    "QuestionAnswer",
    "ReplyTime",
    "fold",
    "is_question",
    "my_reply_times",
    "normalise_subject",
    "question_answers",
    "thread_keys",
    "unreplied",
    "working_hours_between",
    "working_window",
]

# A message with fewer content words than this (after quotes, signatures and stop words are
# stripped) carries little new information: "ok?", "any news", "see attached".
LOW_CONTENT_WORDS = 5
# A question is "unanswered" only once this much working time has passed without an answer
# (two working days at 8 hours): younger questions are merely pending.
UNANSWERED_AFTER_WORKING_HOURS = 16.0


@dataclass(frozen=True)
class Mail:
    """One stored message as the analysis sees it.

    ``id`` is the database id; ``date`` is naive UTC like every stored timestamp;
    ``direction`` is ``"in"`` (from the client) or ``"out"`` (the user's sent mail).
    """

    id: int
    direction: str
    client: str
    date: datetime
    subject: str = ""
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    new_text: str = ""
    content_words: int = 0
    urgent: bool = False
    vague: bool = False
    complaint: bool = False
    after_hours: bool = False

    @property
    def incoming(self) -> bool:
        return self.direction == "in"


@dataclass(frozen=True)
class QuestionAnswer:
    """One question the user asked, and the client's answer if there is one.

    ``working_hours`` / ``calendar_hours`` measure the wait until the answer, or until
    ``as_of`` when there is none yet. ``unanswered`` means no answer after
    :data:`UNANSWERED_AFTER_WORKING_HOURS`; a younger unanswered question is ``pending``.
    """

    question_id: int
    asked_at: datetime
    subject: str
    answer_id: int | None
    answered_at: datetime | None
    working_hours: float
    calendar_hours: float

    @property
    def answered(self) -> bool:
        return self.answer_id is not None

    @property
    def unanswered(self) -> bool:
        return not self.answered and self.working_hours >= UNANSWERED_AFTER_WORKING_HOURS

    @property
    def pending(self) -> bool:
        return not self.answered and not self.unanswered


@dataclass(frozen=True)
class ReplyTime:
    """How long the user took to reply to one client message."""

    message_id: int
    reply_id: int
    working_hours: float
    calendar_hours: float


# --- subjects and threads ---------------------------------------------------------------

_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|fw|aw|wg|sv|vs|tr|rv|vá|va|továbbítás|tovabbitas|továbbítva|tov)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]|\[[^\]]{1,40}\])\s*",
    re.IGNORECASE,
)


def normalise_subject(subject: str) -> str:
    """The subject without reply/forward prefixes and list tags, lower-cased, spaces collapsed.

    ``"Re: Fwd: [Ticket 7] Vá: Invoice  March"`` → ``"invoice march"``.
    """
    text = subject
    while True:
        stripped = _REPLY_PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return " ".join(text.lower().split())


def _norm_id(message_id: str | None) -> str:
    return (message_id or "").strip().strip("<>").strip()


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        root = self.parent.setdefault(node, node)
        while root != self.parent[root]:
            root = self.parent[root]
        while node != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[root_b] = root_a


def _links(mail: Mail) -> list[str]:
    ids = [_norm_id(mail.in_reply_to), *(_norm_id(r) for r in mail.references)]
    return [i for i in ids if i]


def thread_keys(mails: Sequence[Mail]) -> dict[int, int]:
    """Map each mail's id to its conversation's id (the smallest mail id in it)."""
    groups = _UnionFind()
    known = {_norm_id(m.message_id) for m in mails if m.message_id}
    for mail in mails:
        node = f"mail:{mail.id}"
        groups.find(node)
        own = _norm_id(mail.message_id)
        if own:
            groups.union(node, f"id:{own}")
        links = _links(mail)
        for link in links:
            groups.union(node, f"id:{link}")
        if not any(link in known for link in links):
            subject = normalise_subject(mail.subject)
            if subject:
                groups.union(node, f"subject:{mail.client}\x00{subject}")
    smallest: dict[str, int] = {}
    for mail in mails:
        root = groups.find(f"mail:{mail.id}")
        smallest[root] = min(smallest.get(root, mail.id), mail.id)
    return {m.id: smallest[groups.find(f"mail:{m.id}")] for m in mails}


# --- questions ----------------------------------------------------------------------------

_QUESTION_MARK = re.compile(r"\?+(?=\s|$|[\"'»”)\]])")
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
# Sentence openings that ask even without a question mark (accent-folded, lower case).
_ASKING_START = re.compile(
    r"^(?:could|can|would|will|do|did|does|have|has|are|is|was|were|should|shall)\s+"
    r"(?:you|we|it|there|this|that|i)\b"
    r"|^(?:what|when|where|which|who|whom|whose|why|how)\b"
    r"|^(?:tudnal|tudnad|tudna|tudnak|meg tudnad|megtudnad|mikor|mit|milyen|melyik|hol|"
    r"hova|honnan|hogyan|miert|mennyi|mennyit|hany|kinek|kit|mikorra|meddig)\b"
)
# Phrases that ask for an answer wherever they stand.
_ASKING_ANYWHERE = re.compile(
    r"\b(?:please (?:confirm|let me know|advise)|let me know|kindly confirm|"
    r"jelezd|jelezz|jelezze|erositsd meg|erositse meg|visszajelzest kerek)\b"
    r"|\b\w+-e\b"  # Hungarian yes/no particle: "megvan-e", "lehet-e"
)


def fold(text: str) -> str:
    """Lower-case and drop accents (``Tudnád`` → ``tudnad``), for matching typed-plain text."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Courtesy questions that close a message and expect no answer.
_CLOSING = re.compile(
    r"^(?:(?:is there )?anything else|any (?:other |more )?questions|(?:van )?meg valami|"
    r"van meg (?:barmi|egyeb|kerdes)|barmi mas|egyeb)\b.{0,20}$"
)


def _asks(sentence: str) -> bool:
    folded = fold(sentence.strip())
    if not folded or _CLOSING.match(folded):
        return False
    return bool(_QUESTION_MARK.search(sentence) or _ASKING_START.match(folded)
                or _ASKING_ANYWHERE.search(folded))


def is_question(text: str) -> bool:
    """Whether *text* (a message's new content) asks the reader something.

    A sentence ending in ``?``, a sentence opening with a question word or an asking
    phrase ("could you", "mikor", "tudnád"), or a request for confirmation anywhere
    ("please let me know", "jelezd", Hungarian ``-e``). Courtesy closers such as
    "Anything else?" or "Van még valami?" do not count.
    """
    return any(_asks(sentence) for sentence in _SENTENCES.split(text))


# --- answers and replies ------------------------------------------------------------------


def _by_time(mails: Iterable[Mail]) -> list[Mail]:
    return sorted(mails, key=lambda m: (m.date, m.id))


class _Conversations:
    """The mails up to a moment, indexed for "the next message after t" look-ups."""

    def __init__(self, mails: Sequence[Mail]):
        self.mails = _by_time(mails)
        self.keys = thread_keys(self.mails)
        self.first_in_thread: dict[int, int] = {}
        self.incoming_by_thread: dict[int, list[Mail]] = {}
        self.outgoing_by_thread: dict[int, list[Mail]] = {}
        for mail in self.mails:
            key = self.keys[mail.id]
            self.first_in_thread.setdefault(key, mail.id)
            side = self.incoming_by_thread if mail.incoming else self.outgoing_by_thread
            side.setdefault(key, []).append(mail)
        self.incoming = [m for m in self.mails if m.incoming]

    def next_after(self, after: Mail, candidates: list[Mail]) -> Mail | None:
        index = bisect.bisect_right(candidates, (after.date, after.id),
                                    key=lambda m: (m.date, m.id))
        return candidates[index] if index < len(candidates) else None

    def thread_of(self, mail: Mail) -> int:
        return self.keys[mail.id]

    def starts_thread(self, mail: Mail) -> bool:
        return self.first_in_thread[self.keys[mail.id]] == mail.id


def _answer_to(question: Mail, conv: _Conversations) -> Mail | None:
    in_thread = conv.incoming_by_thread.get(conv.thread_of(question), [])
    answer = conv.next_after(question, in_thread)
    if answer is not None:
        return answer
    fresh = conv.next_after(question, conv.incoming)
    if (fresh is not None and conv.starts_thread(fresh) and not fresh.vague
            and fresh.content_words >= LOW_CONTENT_WORDS):
        return fresh
    return None


def question_answers(mails: Sequence[Mail], wt: WorkingTime, as_of: datetime,
                     since: datetime | None = None) -> list[QuestionAnswer]:
    """Every question the user sent before *as_of* (naive UTC; and from *since*, when
    given) and its answer, by date.

    *mails* are one client's messages in both directions; only those before *as_of* count,
    so the result is what could be known at that moment.
    """
    conv = _Conversations([m for m in mails if m.date < as_of])
    found = []
    for mail in conv.mails:
        if (mail.incoming or (since is not None and mail.date < since)
                or not is_question(mail.new_text)):
            continue
        answer = _answer_to(mail, conv)
        until = answer.date if answer is not None else as_of
        found.append(QuestionAnswer(
            question_id=mail.id, asked_at=mail.date, subject=mail.subject,
            answer_id=answer.id if answer else None,
            answered_at=answer.date if answer else None,
            working_hours=working_hours_between(mail.date, until, wt),
            calendar_hours=(until - mail.date).total_seconds() / 3600))
    return found


def my_reply_times(mails: Sequence[Mail], wt: WorkingTime, since: datetime | None = None
                   ) -> list[ReplyTime]:
    """For each client message (from *since*, when given) the user replied to in its
    thread, how long that took."""
    conv = _Conversations(mails)
    found = []
    for mail in conv.incoming:
        if since is not None and mail.date < since:
            continue
        replies = conv.outgoing_by_thread.get(conv.thread_of(mail), [])
        reply = conv.next_after(mail, replies)
        if reply is None:
            continue
        found.append(ReplyTime(
            message_id=mail.id, reply_id=reply.id,
            working_hours=working_hours_between(mail.date, reply.date, wt),
            calendar_hours=(reply.date - mail.date).total_seconds() / 3600))
    return found


def unreplied(mails: Sequence[Mail]) -> list[Mail]:
    """The client messages the user has not (yet) replied to in their thread."""
    conv = _Conversations(mails)
    return [m for m in conv.incoming
            if conv.next_after(m, conv.outgoing_by_thread.get(conv.thread_of(m), [])) is None]


# --- working time -------------------------------------------------------------------------


def _as_utc(when: datetime) -> datetime:
    """Naive datetimes are UTC (the storage convention); aware ones are converted."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


@functools.lru_cache(maxsize=4096)
def working_window(day: date, wt: WorkingTime) -> tuple[datetime, datetime] | None:
    """The working window that starts on local *day*, as aware UTC datetimes, or None when
    *day* is not a working day or is a public holiday. An overnight window ends next day."""
    if day.weekday() not in wt.days:
        return None
    if wt.holidays_country is not None and day in public_holidays(
            wt.holidays_country, wt.holidays_subdivision, day.year):
        return None
    start = datetime.combine(day, wt.start, tzinfo=wt.tz)
    end_day = day if wt.start < wt.end else day + timedelta(days=1)
    end = datetime.combine(end_day, wt.end, tzinfo=wt.tz)
    # Subtracting aware datetimes that share a tzinfo ignores DST, so convert to UTC first.
    return start.astimezone(UTC), end.astimezone(UTC)


def working_hours_between(start: datetime, end: datetime, wt: WorkingTime) -> float:
    """Hours of working time between *start* and *end* (naive = UTC); 0 when end <= start."""
    lo, hi = _as_utc(start), _as_utc(end)
    if hi <= lo:
        return 0.0
    seconds = 0.0
    day = lo.astimezone(wt.tz).date() - timedelta(days=1)  # an overnight shift may reach in
    last = hi.astimezone(wt.tz).date()
    while day <= last:
        window = working_window(day, wt)
        if window is not None:
            overlap = (min(window[1], hi) - max(window[0], lo)).total_seconds()
            seconds += max(overlap, 0.0)
        day += timedelta(days=1)
    return seconds / 3600
