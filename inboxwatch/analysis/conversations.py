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

Both are "as known at a moment": only the mail before it counts. :class:`Timeline` answers
for many moments of one client's mail at once (the report asks at the end of each of 31
windows) and threads that mail once, not once per moment, with the same results.

Waits are measured in working time (:func:`inboxwatch.hours.working_hours_between`).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from inboxwatch.hours import WorkingHoursTally, WorkingTime, working_hours_between
from inboxwatch.text import fold, strip_reply_prefixes

__all__ = [
    "LOW_CONTENT_WORDS",
    "UNANSWERED_AFTER_WORKING_HOURS",
    "Mail",
    "QuestionAnswer",
    "ReplyTime",
    "Timeline",
    "is_question",
    "my_reply_times",
    "normalise_subject",
    "question_answers",
    "thread_keys",
    "unreplied",
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
    attachments: tuple[str, ...] = ()  # the attachments' file names

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


@functools.lru_cache(maxsize=4096)  # replies repeat their conversation's subject
def normalise_subject(subject: str) -> str:
    """The subject without reply/forward prefixes and list tags, lower-cased, spaces collapsed.

    ``"Re: Fwd: [Ticket 7] Vá: Invoice  March"`` → ``"invoice march"``.
    """
    return " ".join(strip_reply_prefixes(subject).lower().split())


def _norm_id(message_id: str | None) -> str:
    return (message_id or "").strip().strip("<>").strip()


# A mail's own node is its database id; the Message-IDs and subjects that join mails are
# "id:…" and "subject:…" strings.
_Node = int | str


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[_Node, _Node] = {}

    def find(self, node: _Node) -> _Node:
        root = self.parent.setdefault(node, node)
        while root != self.parent[root]:
            root = self.parent[root]
        while node != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def join(self, nodes: Sequence[_Node]) -> int:
        """Put *nodes* in one group; return how many groups they were in before (a node not
        seen before was in none)."""
        roots = {self.find(node) for node in nodes if node in self.parent}
        group = next(iter(roots), nodes[0])
        for root in roots:
            self.parent[root] = group
        for node in nodes:
            self.parent.setdefault(node, group)
        return len(roots)


def _links(mail: Mail) -> list[str]:
    if mail.in_reply_to is None and not mail.references:  # most of a client's mail
        return []
    ids = [_norm_id(i) for i in (mail.in_reply_to, *mail.references)]
    return [i for i in ids if i]


class _Threading:
    """Mail joined into conversations as :func:`thread_keys` describes, one mail at a time.

    A mail falls back to its subject when none of the Message-IDs it names is in *known*.
    Given every Message-ID of the set up front, adding the set gives its threading. Given an
    empty *known* that grows as mail is added in time order, it is the threading as it stood
    after each mail — until :meth:`add` reports that a mail re-threaded earlier ones.
    """

    def __init__(self, known: set[str]) -> None:
        self.groups = _UnionFind()
        self.known = known
        self.mail_ids: list[int] = []
        self.awaited: set[str] = set()  # Message-IDs named by mail that fell back to subject
        # An added mail carries a Message-ID an earlier one fell back for: that one would
        # now be threaded by its headers, which a union-find cannot undo.
        self.stale = False

    @classmethod
    def of(cls, mails: Sequence[Mail]) -> _Threading:
        """The threading of *mails* as a whole."""
        threading = cls({_norm_id(m.message_id) for m in mails if m.message_id})
        for mail in mails:
            threading.add(mail)
        return threading

    def add(self, mail: Mail) -> bool:
        """Join *mail* to its conversation. True when that changes how earlier mail is
        threaded: it joins two conversations, or it makes this threading :attr:`stale`."""
        own = _norm_id(mail.message_id)
        revokes = own in self.awaited
        if own:
            self.known.add(own)
        links = _links(mail)
        nodes: list[_Node] = [mail.id]
        nodes += [f"id:{i}" for i in (own, *links) if i]
        if self.known.isdisjoint(links):
            subject = normalise_subject(mail.subject)
            if subject:
                nodes.append(f"subject:{mail.client}\x00{subject}")
                self.awaited.update(links)
        joined = self.groups.join(nodes)
        self.mail_ids.append(mail.id)
        self.stale |= revokes
        return revokes or joined > 1

    def keys(self) -> dict[int, int]:
        """Each mail's id → its conversation's id (the smallest mail id in it)."""
        roots = {mail_id: self.groups.find(mail_id) for mail_id in self.mail_ids}
        smallest: dict[_Node, int] = {}
        for mail_id, root in roots.items():
            smallest[root] = min(smallest.get(root, mail_id), mail_id)
        return {mail_id: smallest[root] for mail_id, root in roots.items()}


def thread_keys(mails: Sequence[Mail]) -> dict[int, int]:
    """Map each mail's id to its conversation's id (the smallest mail id in it)."""
    return _Threading.of(mails).keys()


# --- questions ----------------------------------------------------------------------------

_QUESTION_MARK = re.compile(r"\?+(?=\s|$|[\"'»”)\]])")
# (?=\s) first: both ways of ending a sentence start with a space, and the look-ahead rules
# out most positions quicker than the look-behind
_SENTENCES = re.compile(r"(?=\s)(?:(?<=[.!?])\s+|\n+)")
# Sentence openings that ask even without a question mark (accent-folded, lower case).
_ASKING_START = re.compile(
    r"^(?:could|can|would|will|do|did|does|have|has|are|is|was|were|should|shall)\s+"
    r"(?:you|we|it|there|this|that|i)\b"
    r"|^(?:what|when|where|which|who|whom|whose|why|how)\b"
    r"|^(?:tudnal|tudnad|tudna|tudnak|meg tudnad|megtudnad|mikor|mit|milyen|melyik|hol|"
    r"hova|honnan|hogyan|miert|mennyi|mennyit|hany|kinek|kit|mikorra|meddig)\b"
)
# Phrases that ask for an answer wherever they stand,
_ASKING_ANYWHERE = re.compile(
    r"\b(?:please (?:confirm|let me know|advise)|let me know|kindly confirm|"
    r"jelezd|jelezz|jelezze|erositsd meg|erositse meg|visszajelzest kerek)\b"
)
# and the Hungarian yes/no particle: "megvan-e", "lehet-e" (looked for only after a quick
# test for "-e": trying \w+ at every word is the slowest part of a sentence)
_YES_NO_PARTICLE = re.compile(r"\b\w+-e\b")


# Courtesy questions that close a message and expect no answer.
_CLOSING = re.compile(
    r"^(?:(?:is there )?anything else|any (?:other |more )?questions|(?:van )?meg valami|"
    r"van meg (?:barmi|egyeb|kerdes)|barmi mas|egyeb)\b.{0,20}$"
)


def _asks(sentence: str) -> bool:
    folded = fold(sentence.strip())
    if not folded or _CLOSING.match(folded):
        return False
    return bool(
        _QUESTION_MARK.search(sentence)
        or _ASKING_START.match(folded)
        or _ASKING_ANYWHERE.search(folded)
        or ("-e" in folded and _YES_NO_PARTICLE.search(folded))
    )


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


def _dated(dates: Sequence[datetime], since: datetime | None, until: datetime | None) -> slice:
    """Where in sorted *dates* those in [since, until) are; None leaves a side open."""
    lo = 0 if since is None else bisect.bisect_left(dates, since)
    hi = len(dates) if until is None else bisect.bisect_left(dates, until)
    return slice(lo, hi)


class _Next(NamedTuple):
    """The messages after one mail, in time order."""

    answer: Mail | None  # the client's next message in the mail's thread
    reply: Mail | None  # the user's next message in the mail's thread
    incoming: Mail | None  # the client's next message in any thread


def _before(mail: Mail | None, as_of: datetime | None) -> Mail | None:
    return mail if mail is None or as_of is None or mail.date < as_of else None


class _Conversations:
    """Time-ordered mail and its threading: for each mail the messages after it, and
    whether it opened its thread.

    Look-ups see only the mail before their *as_of* (None: all of it), so one threading
    serves every moment that shares it (see :class:`Timeline`).
    """

    def __init__(self, mails: Sequence[Mail], keys: Mapping[int, int]):
        self.thread_of = keys  # mail id -> its thread
        self.next: dict[int, _Next] = {}
        # walking back in time: by thread, the client's and the user's message after this one
        answers: dict[int, Mail] = {}
        replies: dict[int, Mail] = {}
        incoming: Mail | None = None
        opener: dict[int, int] = {}
        for mail in reversed(mails):
            key = keys[mail.id]
            self.next[mail.id] = _Next(answers.get(key), replies.get(key), incoming)
            opener[key] = mail.id
            if mail.incoming:
                answers[key] = incoming = mail
            else:
                replies[key] = mail
        self.openers = set(opener.values())  # the first mail of each thread
        self.incoming = [m for m in mails if m.incoming]
        self.incoming_dates = [m.date for m in self.incoming]
        self.replies = [self.next[m.id].reply for m in self.incoming]

    def answer_to(self, question: Mail, as_of: datetime) -> Mail | None:
        """The client's answer to *question*: their next message in its thread, or else
        their very next message if it opens a thread and says something."""
        after = self.next[question.id]
        answer = _before(after.answer, as_of)
        if answer is not None:
            return answer
        fresh = _before(after.incoming, as_of)
        if (
            fresh is not None
            and fresh.id in self.openers
            and not fresh.vague
            and fresh.content_words >= LOW_CONTENT_WORDS
        ):
            return fresh
        return None


class _Reply(NamedTuple):
    """The user's reply to one client message: when, and how long it took."""

    at: datetime
    time: ReplyTime


class Timeline:
    """One client's mail in time order, threaded as it was known at chosen moments.

    What could be known at a moment is the mail dated before it, and a later message can
    thread earlier ones differently: its References join two conversations, or its
    Message-ID is one that an earlier reply named and — not knowing it — fell back to its
    subject for. Threading the mail before each moment afresh repeats the same work, so
    moments share a threading while the mail between them only joins one conversation or
    starts one (:meth:`_Threading.add` tells): that of the mail before the last of them, of
    which each moment sees only what came before it.

    *moments* (naive UTC) are the ``as_of`` values the methods may be asked about; ``None``,
    all of the mail, always may be. Waits are measured in the working time *wt*.
    """

    def __init__(
        self, mails: Iterable[Mail], wt: WorkingTime, moments: Iterable[datetime] = ()
    ) -> None:
        self.mails: Sequence[Mail] = tuple(_by_time(mails))
        self._dates = [m.date for m in self.mails]
        self.wt = wt
        cuts = sorted({self.count_before(when) for when in moments} | {len(self.mails)})
        self._conversations = self._thread(cuts)
        # an answer, once found, is the same at every later moment
        self._answered: dict[tuple[int, int], QuestionAnswer] = {}
        # by question: working time since it was asked
        self._waits: dict[int, WorkingHoursTally] = {}
        self._replies: dict[_Conversations, list[_Reply | None]] = {}

    @classmethod
    def of(
        cls, mails: Iterable[Mail] | Timeline, wt: WorkingTime, moments: Iterable[datetime] = ()
    ) -> Timeline:
        """*mails* threaded at *moments*. A :class:`Timeline` given is shared as it is, not
        threaded again: it must measure in *wt* and have been threaded at every moment."""
        if not isinstance(mails, Timeline):
            return cls(mails, wt, moments)
        if mails.wt != wt:
            raise ValueError("this timeline measures waits in another working time")
        for when in moments:
            mails._seen_at(when)  # raises for a moment it was not threaded at
        return mails

    def count_before(self, when: datetime) -> int:
        """How many of the mails are dated before *when*."""
        return bisect.bisect_left(self._dates, when)

    def _thread(self, cuts: list[int]) -> dict[int, _Conversations]:
        """For each cut (a count of mails from the first), the conversations it sees.

        The mail is added in time order; a cut after mail that re-threaded earlier mail
        starts a new run of cuts, and each run shares the threading of its last cut.
        """
        runs: list[list[int]] = []
        threading, done = _Threading(set()), 0
        for cut in cuts:
            changed = False
            for mail in self.mails[done:cut]:
                changed |= threading.add(mail)
            if changed or not runs:
                runs.append([])
            runs[-1].append(cut)
            if threading.stale:  # what a union-find cannot undo: thread this much afresh
                threading = _Threading.of(self.mails[:cut])
            done = cut
        found: dict[int, _Conversations] = {}
        for run in runs:
            last = run[-1]
            keys = (threading if last == done else _Threading.of(self.mails[:last])).keys()
            found.update(dict.fromkeys(run, _Conversations(self.mails[:last], keys)))
        return found

    def _seen_at(self, as_of: datetime | None) -> _Conversations:
        cut = len(self.mails) if as_of is None else self.count_before(as_of)
        if cut not in self._conversations:
            raise ValueError(f"this timeline was not threaded as of {as_of}")
        return self._conversations[cut]

    @functools.cached_property
    def _questions(self) -> tuple[list[Mail], list[datetime]]:
        """The user's messages that ask something, and their dates."""
        asking = [m for m in self.mails if not m.incoming and is_question(m.new_text)]
        return asking, [m.date for m in asking]

    def question_answers(
        self, as_of: datetime, since: datetime | None = None
    ) -> list[QuestionAnswer]:
        """What :func:`question_answers` finds in this mail, at one of the moments."""
        conv = self._seen_at(as_of)
        questions, dates = self._questions
        found = []
        for mail in questions[_dated(dates, since, as_of)]:
            answer = conv.answer_to(mail, as_of)
            if answer is None:
                found.append(self._question_answer(mail, None, as_of))
                continue
            key = (mail.id, answer.id)
            if key not in self._answered:
                self._answered[key] = self._question_answer(mail, answer, answer.date)
            found.append(self._answered[key])
        return found

    def _question_answer(
        self, question: Mail, answer: Mail | None, until: datetime
    ) -> QuestionAnswer:
        if question.id not in self._waits:
            self._waits[question.id] = WorkingHoursTally(question.date, self.wt)
        return QuestionAnswer(
            question_id=question.id,
            asked_at=question.date,
            subject=question.subject,
            answer_id=answer.id if answer else None,
            answered_at=answer.date if answer else None,
            working_hours=self._waits[question.id].hours_until(until),
            calendar_hours=(until - question.date).total_seconds() / 3600,
        )

    def reply_times(
        self, as_of: datetime | None = None, since: datetime | None = None
    ) -> list[ReplyTime]:
        """What :func:`my_reply_times` finds in the mail before *as_of* (a moment)."""
        conv = self._seen_at(as_of)
        if conv not in self._replies:
            self._replies[conv] = [
                None if reply is None else self._reply(mail, reply)
                for mail, reply in zip(conv.incoming, conv.replies, strict=True)
            ]
        replies = self._replies[conv][_dated(conv.incoming_dates, since, as_of)]
        return [
            reply.time
            for reply in replies
            if reply is not None and (as_of is None or reply.at < as_of)
        ]

    def _reply(self, mail: Mail, reply: Mail) -> _Reply:
        return _Reply(
            reply.date,
            ReplyTime(
                message_id=mail.id,
                reply_id=reply.id,
                working_hours=working_hours_between(mail.date, reply.date, self.wt),
                calendar_hours=(reply.date - mail.date).total_seconds() / 3600,
            ),
        )

    def unreplied_threads(self, as_of: datetime | None = None) -> list[list[Mail]]:
        """:meth:`unreplied`, one list per conversation (in time order), the conversations
        ordered by their first unreplied mail."""
        thread_of = self._seen_at(as_of).thread_of
        threads: dict[int, list[Mail]] = {}
        for mail in self.unreplied(as_of):
            threads.setdefault(thread_of[mail.id], []).append(mail)
        return list(threads.values())

    def unreplied(self, as_of: datetime | None = None) -> list[Mail]:
        """What :func:`unreplied` finds in the mail before *as_of* (a moment)."""
        conv = self._seen_at(as_of)
        span = _dated(conv.incoming_dates, None, as_of)
        return [
            mail
            for mail, reply in zip(conv.incoming[span], conv.replies[span], strict=True)
            if reply is None or (as_of is not None and reply.date >= as_of)
        ]


def question_answers(
    mails: Sequence[Mail], wt: WorkingTime, as_of: datetime, since: datetime | None = None
) -> list[QuestionAnswer]:
    """Every question the user sent before *as_of* (naive UTC; and from *since*, when
    given) and its answer, by date.

    *mails* are one client's messages in both directions; only those before *as_of* count,
    so the result is what could be known at that moment.
    """
    return Timeline(mails, wt, [as_of]).question_answers(as_of, since)


def my_reply_times(
    mails: Sequence[Mail], wt: WorkingTime, since: datetime | None = None
) -> list[ReplyTime]:
    """For each client message (from *since*, when given) the user replied to in its
    thread, how long that took."""
    return Timeline(mails, wt).reply_times(since=since)


def unreplied(mails: Sequence[Mail]) -> list[Mail]:
    """The client messages the user has not (yet) replied to in their thread."""
    mails = _by_time(mails)
    conv = _Conversations(mails, thread_keys(mails))
    return [mail for mail, reply in zip(conv.incoming, conv.replies, strict=True) if reply is None]
