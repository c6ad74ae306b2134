"""Warning signs per client, the 0–100 score, the Pareto view and the suggested actions.

Pure: takes :class:`~inboxwatch.analysis.conversations.Mail` values, returns frozen values.
Like a spam score, a client's score is explainable by construction: it is the sum of the
weights of the named warning signs (:data:`SIGNS`) that fired, capped at 100, and every sign
carries its value, its threshold and the evidence (message ids, dates, subjects) behind it.
Each sign is one :class:`WarningSign` object — measure, threshold, weight, advice and README
row — so adding a sign touches one place.

The decisions about a client that the report shows — trend, suggestions, flagged — are made
here too (:func:`client_report`); :mod:`inboxwatch.reporting.render` only renders them.

A rule fires when its value reaches its threshold — and only when the client sent at least
``min_messages`` messages in the window, so that two messages cannot make a pattern
(``late_payment`` excepted: the reminders are the user's own mail, and a client who
pays late need not write much). Some
rules have a second trigger or gate, named ``"<rule>.<setting>"`` in :data:`SETTINGS`; every
threshold and setting can be overridden from ``[report.thresholds]`` in the config (quote the
dotted ones: ``"chasing.within_hours" = 6``).

:func:`score_windows` scores one client over many windows (the report's daily chart) and
gives what :func:`score_client` gives for each: the mail is threaded once, and what a rule
sees in single messages — a flag, a chaser — is found once and cut to each window.

The writing-time estimate for the Pareto view: every message the user sent to the client
costs :data:`MINUTES_PER_MESSAGE` (reading, thinking, addressing) plus its words at
:data:`WORDS_PER_MINUTE` — a typing-and-composing pace, not a typist's top speed.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
import math
import statistics
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from inboxwatch.analysis.conversations import (
    LOW_CONTENT_WORDS,
    Mail,
    QuestionAnswer,
    Timeline,
)
from inboxwatch.analysis.payments import (
    DEFAULT_TERMS_DAYS,
    InvoiceStatus,
    LedgerInvoice,
    PaymentEvent,
    link_invoices,
    median_days_to_pay,
    payment_events,
    with_ledger,
)
from inboxwatch.classifying.lexicons import CHASER_RE
from inboxwatch.hours import WorkingTime, working_window
from inboxwatch.text import fold

__all__ = [
    "MINUTES_PER_MESSAGE",
    "SETTINGS",
    "SIGNS",
    "WORDS_PER_MINUTE",
    "ClientReport",
    "DailyPoint",
    "DayChange",
    "Evidence",
    "ParetoRow",
    "Scorecard",
    "Sign",
    "SignChange",
    "Suggestion",
    "Trend",
    "Window",
    "against_peers",
    "alert_threshold",
    "binomial_tail",
    "client_report",
    "compare",
    "count_working_days",
    "day_change",
    "paid_late_days",
    "pareto",
    "score_client",
    "score_windows",
    "suggestions_for",
    "writing_minutes",
]

WORDS_PER_MINUTE = 40.0
MINUTES_PER_MESSAGE = 2.0


SETTINGS: Mapping[str, float] = {
    # A client is flagged in the daily alert at this score.
    "alert_score": 30.0,
    # low_content_flood also fires with this many bursts (>= burst_size messages in
    # burst_minutes), whatever the daily rate.
    "low_content_flood.bursts": 2.0,
    "low_content_flood.burst_size": 3.0,
    "low_content_flood.burst_minutes": 10.0,
    # slow_answers also fires with this many questions left unanswered, and needs at least
    # min_questions answered-or-overdue questions to judge the median.
    "slow_answers.unanswered": 2.0,
    "slow_answers.min_questions": 2.0,
    # A chaser follows the client's own previous message within this many hours and has at
    # most max_words content words.
    "chasing.within_hours": 4.0,
    "chasing.max_words": 6.0,
    # A text sign (tagged by the classifier: everything_urgent, complaints, vague_requests)
    # needs at least this many tagged messages, whatever the share.
    "text_signs.min_tagged": 3.0,
    # ...and, once at least min_clients clients have enough mail, a share that stands out
    # from the other clients': the binomial chance of so many tagged messages at the
    # others' median share (at least baseline_floor) must be below alpha.
    "peers.min_clients": 3.0,
    "peers.alpha": 0.01,
    "peers.baseline_floor": 0.05,
    # late_payment also fires when an invoice was paid (or, reminded about and unconfirmed,
    # is still open) this many days after its due date, or with this many such invoices open.
    "late_payment.days_overdue": 30.0,
    "late_payment.open_invoices": 2.0,
}


def _setting(thresholds: Mapping[str, float], name: str) -> float:
    return float(thresholds.get(name, SETTINGS[name]))


def alert_threshold(thresholds: Mapping[str, float]) -> float:
    """The score at which a client is flagged (``alert_score``, default 30)."""
    return _setting(thresholds, "alert_score")


@dataclass(frozen=True)
class Window:
    """A half-open time range [start, end) in naive UTC."""

    start: datetime
    end: datetime

    def contains(self, when: datetime) -> bool:
        return self.start <= when < self.end

    def before(self) -> Window:
        """The window of the same length just before this one."""
        return Window(self.start - (self.end - self.start), self.start)


@dataclass(frozen=True)
class Evidence:
    """One message behind a sign: database id, date (naive UTC), subject, and why it counts."""

    message_id: int
    date: datetime
    subject: str
    note: str = ""


@dataclass(frozen=True)
class Sign:
    """A rule evaluated for one client and window: fired or not, and why."""

    name: str
    value: float
    threshold: float
    weight: float
    fired: bool
    evidence: tuple[Evidence, ...]
    explanation: str
    measures: Mapping[str, float] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Scorecard:
    """A client's signs and score over one window."""

    client: str
    window: Window
    score: float
    signs: tuple[Sign, ...]
    incoming: int
    outgoing: int
    enough_data: bool
    my_median_reply_hours: float | None = None

    @property
    def fired(self) -> tuple[Sign, ...]:
        return tuple(s for s in self.signs if s.fired)

    def sign(self, name: str) -> Sign:
        for sign in self.signs:
            if sign.name == name:
                return sign
        raise KeyError(name)


# --- measuring each rule ------------------------------------------------------------------


class _History:
    """One client's mail, prepared once for scoring any number of windows.

    It is threaded once (:class:`~inboxwatch.analysis.conversations.Timeline`), and what a
    rule sees in single messages whatever the window — a flag, a chaser — is found once in all of it
    (:meth:`found_in`); each window takes its part.
    """

    def __init__(
        self, mails: Sequence[Mail] | Timeline, wt: WorkingTime, windows: Sequence[Window]
    ) -> None:
        self.timeline = Timeline.of(mails, wt, [w.end for w in windows])
        self.incoming = [m for m in self.timeline.mails if m.incoming]
        self._incoming_dates = [m.date for m in self.incoming]
        self._found: dict[tuple[object, ...], tuple[list[datetime], tuple[Evidence, ...]]] = {}

    @functools.cached_property
    def payments(self) -> list[PaymentEvent]:
        """The messages, both directions, that speak about invoices and payment."""
        return payment_events(self.timeline.mails)

    def incoming_in(self, window: Window) -> Sequence[Mail]:
        """The client's messages inside *window*, by time."""
        return self.incoming[_inside(self._incoming_dates, window)]

    def found_in(
        self, window: Window, find: Callable[..., Iterable[Evidence]], *args: Hashable
    ) -> tuple[Evidence, ...]:
        """What ``find(self, *args)`` finds in all of the client's mail (by time), about the
        messages inside *window*. Found once: *find* (a module-level function) and *args*
        are the key it is kept under."""
        key = (find, *args)
        if key not in self._found:
            evidence = tuple(find(self, *args))
            self._found[key] = ([e.date for e in evidence], evidence)
        dates, evidence = self._found[key]
        return evidence[_inside(dates, window)]


def _inside(dates: Sequence[datetime], window: Window) -> slice:
    """Where in sorted *dates* those inside *window* are."""
    return slice(bisect.bisect_left(dates, window.start), bisect.bisect_left(dates, window.end))


@dataclass(frozen=True)
class _Facts:
    """What every rule may look at for one client and window."""

    history: _History
    window: Window
    wt: WorkingTime
    thresholds: Mapping[str, float]
    payment_terms_days: float = DEFAULT_TERMS_DAYS
    ledger: Sequence[LedgerInvoice] = ()

    @functools.cached_property
    def incoming(self) -> Sequence[Mail]:
        """The client's messages inside the window, by time."""
        return self.history.incoming_in(self.window)

    def found(
        self, find: Callable[..., Iterable[Evidence]], *args: Hashable
    ) -> tuple[Evidence, ...]:
        """What ``find(history, *args)`` finds in the client's mail, about the window's
        messages (see :meth:`_History.found_in`)."""
        return self.history.found_in(self.window, find, *args)

    def setting(self, name: str) -> float:
        return _setting(self.thresholds, name)

    def threshold(self, rule: str) -> float:
        return _threshold(_SIGN[rule], self.thresholds)


@dataclass(frozen=True)
class _Finding:
    value: float
    evidence: tuple[Evidence, ...]
    explanation: str
    measures: Mapping[str, float] = field(default_factory=dict)
    also_fires: bool = False  # a second trigger besides value >= threshold
    judgeable: bool = True  # enough material for this particular rule


def _threshold(rule: WarningSign, thresholds: Mapping[str, float]) -> float:
    return float(thresholds.get(rule.name, rule.threshold))


def _evidence(mail: Mail, note: str = "") -> Evidence:
    return Evidence(mail.id, mail.date, mail.subject, note)


_Flag = Literal["urgent", "after_hours", "complaint", "vague"]


def _flagged(history: _History, flag: _Flag) -> Iterator[Evidence]:
    return (_evidence(m) for m in history.incoming if getattr(m, flag))


def _share(facts: _Facts, flag: _Flag, what: str) -> _Finding:
    hits = facts.found(_flagged, flag)
    total = len(facts.incoming)
    value = len(hits) / total if total else 0.0
    return _Finding(
        value=value,
        evidence=hits,
        explanation=f"{len(hits)} of {total} messages ({value:.0%}) {what}",
        measures={"messages": float(total), "matching": float(len(hits))},
    )


def _everything_urgent(facts: _Facts) -> _Finding:
    return _share(facts, "urgent", "were marked urgent")


def _after_hours(facts: _Facts) -> _Finding:
    return _share(
        facts, "after_hours", "arrived outside your working hours, on weekends or holidays"
    )


def _complaints(facts: _Facts) -> _Finding:
    return _share(facts, "complaint", "complained about the work or service")


def _vague_requests(facts: _Facts) -> _Finding:
    return _share(facts, "vague", "asked for something without saying what, by when or how")


# Cached: the report counts the same windows for every client.
@functools.lru_cache(maxsize=1024)
def count_working_days(window: Window, wt: WorkingTime) -> int:
    """Working days (by *wt*, holidays excluded) whose window starts inside *window*."""
    first = window.start.replace(tzinfo=UTC).astimezone(wt.tz).date()
    last = (window.end - timedelta(microseconds=1)).replace(tzinfo=UTC).astimezone(wt.tz).date()
    days, day = 0, first
    while day <= last:
        days += working_window(day, wt) is not None
        day += timedelta(days=1)
    return days


def _bursts(incoming: Sequence[Mail], span: timedelta, size: int) -> list[list[Mail]]:
    """Groups of at least *size* messages sent within *span* of the group's first one."""
    found: list[list[Mail]] = []
    current: list[Mail] = []
    until = None  # the end of the current group's span
    for mail in incoming:
        if until is not None and mail.date <= until:
            current.append(mail)
            continue
        if len(current) >= size:
            found.append(current)
        current, until = [mail], mail.date + span
    if len(current) >= size:
        found.append(current)
    return found


def _words(count: int) -> str:
    return f"{count} content word{'' if count == 1 else 's'}"


def _is_low_content(mail: Mail) -> bool:
    return mail.content_words < LOW_CONTENT_WORDS


def _low_content(history: _History) -> Iterator[Evidence]:
    return (_evidence(m, _words(m.content_words)) for m in history.incoming if _is_low_content(m))


def _in_burst(mail: Mail, burst: list[Mail], minutes: float) -> Evidence:
    note = f"burst of {len(burst)} within {minutes:.0f} min"
    if _is_low_content(mail):
        note = f"{_words(mail.content_words)}; {note}"
    return _evidence(mail, note)


def _with_bursts(
    low: tuple[Evidence, ...], bursts: list[list[Mail]], minutes: float
) -> tuple[Evidence, ...]:
    """The low-content evidence, with a note on (and for) every message in a burst."""
    noted = [_in_burst(mail, burst, minutes) for burst in bursts for mail in burst]
    in_bursts = {e.message_id for e in noted}
    kept = [e for e in low if e.message_id not in in_bursts]
    return tuple(sorted(kept + noted, key=lambda e: (e.date, e.message_id)))


def _crowded(history: _History, span: timedelta, size: int) -> Iterator[Evidence]:
    """The client's messages that open a run of *size* (at least 2) within *span*: a burst
    can start nowhere else."""
    incoming = history.incoming
    return (
        _evidence(first)
        for first, last in zip(incoming, incoming[size - 1 :], strict=False)
        if last.date - first.date <= span
    )


def _low_content_flood(facts: _Facts) -> _Finding:
    incoming = facts.incoming
    low = facts.found(_low_content)
    days = max(count_working_days(facts.window, facts.wt), 1)
    minutes = facts.setting("low_content_flood.burst_minutes")
    span = timedelta(minutes=minutes)
    size = int(facts.setting("low_content_flood.burst_size"))
    # most windows have no crowded stretch, so no burst to look for
    possible = size < 2 or facts.found(_crowded, span, size)
    bursts = _bursts(incoming, span, size) if possible else []
    value = len(low) / days
    share = len(low) / len(incoming) if incoming else 0.0
    return _Finding(
        value=value,
        evidence=_with_bursts(low, bursts, minutes) if bursts else low,
        explanation=(
            f"{len(low)} low-content messages (fewer than {LOW_CONTENT_WORDS} "
            f"content words, {share:.0%} of {len(incoming)}) in {days} working days "
            f"= {value:.1f} a day; {len(bursts)} bursts"
        ),
        measures={
            "messages_per_working_day": len(incoming) / days,
            "low_content_share": share,
            "bursts": float(len(bursts)),
            "working_days": float(days),
        },
        also_fires=len(bursts) >= facts.setting("low_content_flood.bursts"),
    )


def _answer_note(qa: QuestionAnswer) -> str:
    if qa.answered:
        return f"answered after {qa.working_hours:.1f} working hours"
    return f"no answer after {qa.working_hours:.1f} working hours"


def _slow_answers(facts: _Facts) -> _Finding:
    asked = facts.history.timeline.question_answers(facts.window.end, facts.window.start)
    judged = [q for q in asked if not q.pending]
    unanswered = [q for q in judged if q.unanswered]
    # Unanswered questions count with the time they have waited so far: a lower bound.
    value = statistics.median(q.working_hours for q in judged) if judged else 0.0
    threshold = facts.threshold("slow_answers")
    slow = [q for q in judged if q.unanswered or q.working_hours >= threshold]
    answered = [q.working_hours for q in judged if q.answered]
    return _Finding(
        value=value,
        evidence=tuple(
            Evidence(q.question_id, q.asked_at, q.subject, _answer_note(q)) for q in slow
        ),
        explanation=(
            f"you asked {_count(len(asked), 'question')}; median wait {value:.1f} working "
            f"hours; {len(unanswered)} unanswered, {len(asked) - len(judged)} "
            "still pending"
        ),
        measures={
            "questions": float(len(asked)),
            "unanswered": float(len(unanswered)),
            "pending": float(len(asked) - len(judged)),
            "median_answered_working_hours": statistics.median(answered) if answered else 0.0,
        },
        also_fires=len(unanswered) >= facts.setting("slow_answers.unanswered"),
        judgeable=len(judged) >= facts.setting("slow_answers.min_questions"),
    )


def _is_chaser(mail: Mail, max_words: float) -> bool:
    if mail.content_words > max_words:
        return False
    text = mail.new_text.strip() or mail.subject
    return CHASER_RE.search(fold(text)) is not None


def _chasers(history: _History, within: timedelta, max_words: float) -> Iterator[Evidence]:
    for previous, mail in itertools.pairwise(history.timeline.mails):
        # the message right before is the client's own: no reply from the user in between
        if (
            mail.incoming
            and previous.incoming
            and mail.date - previous.date <= within
            and _is_chaser(mail, max_words)
        ):
            minutes = (mail.date - previous.date).total_seconds() / 60
            yield _evidence(
                mail, f"{minutes:.0f} min after their previous message, no reply between"
            )


def _chasing(facts: _Facts) -> _Finding:
    within = timedelta(hours=facts.setting("chasing.within_hours"))
    chasers = facts.found(_chasers, within, facts.setting("chasing.max_words"))
    return _Finding(
        value=float(len(chasers)),
        evidence=chasers,
        explanation=(
            f'{len(chasers)} follow-ups like "any update?" within '
            f"{within.total_seconds() / 3600:.0f} hours of their own previous "
            "message"
        ),
    )


def _payment_mails(history: _History, kind: str) -> Iterator[Evidence]:
    notes = {"reminder": "payment reminder you sent", "promise": "promise to pay later"}
    for event in history.payments:
        if event.kind == kind:
            number = f" (invoice {event.invoice})" if event.invoice else ""
            yield Evidence(event.mail_id, event.date, event.subject, notes[kind] + number)


def _invoice_note(invoice: InvoiceStatus) -> str:
    name = f"invoice {invoice.number}" if invoice.number else "invoice"
    ledger = " (from your ledger)" if invoice.in_ledger else ""
    if invoice.open_overdue:
        unpaid = "unpaid" if invoice.paid_known else "no payment confirmed"
        return f"{name}: {invoice.overdue_days:.0f} days overdue, {unpaid}{ledger}"
    return f"{name}: paid {invoice.overdue_days:.0f} days after its due date{ledger}"


def _ledger_phrase(count: int) -> str:
    return f"; {_count(count, 'invoice')} from your ledger" if count else ""


def _count(n: int, noun: str) -> str:
    """ "1 invoice", "2 invoices"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _paid_in(invoices: Iterable[InvoiceStatus], window: Window) -> list[InvoiceStatus]:
    return [i for i in invoices if i.paid_at is not None and window.contains(i.paid_at)]


def _late_payment(facts: _Facts) -> _Finding:
    reminders = facts.found(_payment_mails, "reminder")
    promises = facts.found(_payment_mails, "promise")
    # as known at the window's end: open past their due date then, or paid late inside it
    invoices = link_invoices(facts.history.payments, facts.window.end, facts.payment_terms_days)
    if facts.ledger:  # the ledger wins where both speak of an invoice
        invoices = with_ledger(
            invoices,
            facts.ledger,
            facts.window.end,
            facts.payment_terms_days,
            since=facts.window.start,
        )
    paid = _paid_in(invoices, facts.window)
    paid_late = [i for i in paid if i.overdue_days > 0]
    late = [i for i in invoices if i.open_overdue] + paid_late
    median = median_days_to_pay(paid)
    from_ledger = sum(i.in_ledger for i in invoices)
    open_late = [i for i in late if i.open_overdue]
    worst = max((i.overdue_days for i in late), default=0.0)
    average = statistics.mean(i.overdue_days for i in late) if late else 0.0
    evidence = [
        *reminders,
        *promises,
        *(Evidence(i.mail_id, i.sent_at, i.subject, _invoice_note(i)) for i in late),
    ]
    return _Finding(
        value=float(len(reminders)),
        evidence=tuple(sorted(evidence, key=lambda e: (e.date, e.message_id))),
        explanation=(
            f"{_count(len(reminders), 'payment reminder')} sent, "
            f"{_count(len(promises), 'promise')} to pay later; "
            f"{_count(len(open_late), 'invoice')} overdue and unpaid, "
            f"{len(late) - len(open_late)} paid late; at most {_count(round(worst), 'day')} "
            f"overdue (payment terms {facts.payment_terms_days:g} days)"
            f"{_ledger_phrase(from_ledger)}"
        ),
        measures={
            "reminders": float(len(reminders)),
            "promises": float(len(promises)),
            "open_overdue_invoices": float(len(open_late)),
            "late_invoices": float(len(late)),
            "max_days_overdue": worst,
            "average_days_late": round(average, 1),
            "median_days_to_pay": median if median is not None else -1.0,
            "paid_late_invoices": float(len(paid_late)),
            "average_days_paid_late": (
                round(statistics.mean(i.overdue_days for i in paid_late), 1) if paid_late else 0.0
            ),
            "ledger_invoices": float(from_ledger),
        },
        also_fires=(
            worst >= facts.setting("late_payment.days_overdue")
            or len(open_late) >= facts.setting("late_payment.open_invoices")
        ),
    )


@dataclass(frozen=True)
class WarningSign:
    """One warning sign, whole: what it measures (*measure*), its default threshold and unit,
    its weight in the score, its title, the advice it prompts (English, Hungarian), and its
    row in the README's table (*table_measure*, *table_threshold*; a test keeps them equal).
    Adding a sign is adding one of these to :data:`SIGNS`."""

    name: str
    title: str
    threshold: float
    unit: str
    weight: float
    measure: Callable[[_Facts], _Finding] = field(repr=False)
    advice: str
    advice_hu: str
    table_measure: str
    table_threshold: str
    # Measured from the classifier's tags: fires only on evidence that stands out
    # (:func:`against_peers`), since a classifier's errors fall on every client alike.
    text_sign: bool = False
    # Judged only for a client with ``min_messages`` messages in the window; a sign drawn
    # from the user's own mail (reminders sent) does not need the client to write much.
    needs_messages: bool = True

    def table_row(self) -> str:
        """The sign's row in the README's table of warning signs."""
        return (
            f"| `{self.name}` | {self.table_measure} | {self.table_threshold} | {self.weight:.0f} |"
        )


# In the order the report lists them.
SIGNS: tuple[WarningSign, ...] = (
    WarningSign(
        name="everything_urgent",
        title="Everything is urgent",
        threshold=0.4,
        unit="share",
        weight=25.0,
        measure=_everything_urgent,
        advice=(
            'Agree with the client what "urgent" means (e.g. it blocks their work today); '
            "answer everything else within your working hours, not instantly."
        ),
        advice_hu=(
            "Egyeztesd az ügyféllel, mit jelent a „sürgős” (pl. ma akadályozza a munkáját); "
            "minden mást munkaidőben válaszolj meg, ne azonnal."
        ),
        table_measure="share of messages tagged urgent",
        table_threshold="40%",
        text_sign=True,
    ),
    WarningSign(
        name="low_content_flood",
        title="Floods low-content messages",
        threshold=1.0,
        unit="per working day",
        weight=20.0,
        measure=_low_content_flood,
        advice=(
            "Ask the client to collect requests into one mail a day (or a shared list) instead "
            "of many one-liners, and don't answer each one instantly."
        ),
        advice_hu=(
            "Kérd meg az ügyfelet, hogy a kéréseit napi egy levélbe (vagy közös listába) "
            "gyűjtse a sok egysoros üzenet helyett, és ne válaszolj mindegyikre azonnal."
        ),
        table_measure="low-content messages per working day; bursts of 3 within 10 min",
        table_threshold="1.0/day or 2 bursts",
    ),
    WarningSign(
        name="after_hours",
        title="Ignores your working hours",
        threshold=0.3,
        unit="share",
        weight=15.0,
        measure=_after_hours,
        advice=(
            "Keep your replies to your working hours, and tell the client your hours once, "
            "clearly; answering at night teaches them to expect it."
        ),
        advice_hu=(
            "Munkaidőn kívül érkező levelekre munkaidőben válaszolj, és egyszer, világosan "
            "közöld a munkaidődet; az éjszakai válasz elvárássá válik."
        ),
        table_measure="share outside your hours, weekends, holidays",
        table_threshold="30%",
    ),
    WarningSign(
        name="complaints",
        title="Complains often",
        threshold=0.15,
        unit="share",
        weight=30.0,
        measure=_complaints,
        advice=(
            "Settle the disagreement now, by a call rather than in writing: tone in e-mail is "
            "easily misread. If the mistake was yours, admit it and fix it at once."
        ),
        advice_hu=(
            "Tisztázd a nézeteltérést azonnal, lehetőleg szóban, telefonon: az írásos üzenetek "
            "hangneme könnyen félreérthető. Ha te hibáztál, ismerd be, és tedd jóvá azonnal."
        ),
        table_measure="share tagged complaint",
        table_threshold="15%",
        text_sign=True,
    ),
    WarningSign(
        name="vague_requests",
        title="Sends vague requests",
        threshold=0.3,
        unit="share",
        weight=15.0,
        measure=_vague_requests,
        advice=(
            "Ask for a written brief for each task — what exactly, by when, and the budget — "
            "and keep it so you can refer back to it."
        ),
        advice_hu=(
            "Kérj írásos feladatleírást minden feladathoz — pontosan mit, milyen határidőre, "
            "mekkora keretből —, és őrizd meg, hogy hivatkozhass rá."
        ),
        table_measure="share tagged vague",
        table_threshold="30%",
        text_sign=True,
    ),
    WarningSign(
        name="slow_answers",
        title="Answers your questions late or never",
        threshold=16.0,
        unit="working hours",
        weight=15.0,
        measure=_slow_answers,
        advice=(
            'Put a deadline on your questions ("please answer by Thursday noon, otherwise I '
            'go ahead with X") and keep every written instruction you get.'
        ),
        advice_hu=(
            "Adj határidőt a kérdéseidre („kérlek, csütörtök délig válaszolj, különben X "
            "szerint haladok”), és őrizz meg minden írásos utasítást."
        ),
        table_measure="median working hours to answer your questions; unanswered",
        table_threshold="16 h or 2 unanswered",
    ),
    WarningSign(
        name="chasing",
        title="Chases you for updates",
        threshold=3.0,
        unit="count",
        weight=15.0,
        measure=_chasing,
        advice=(
            "Agree a status-update rhythm (e.g. a short summary every Friday) so the client "
            "does not need to chase you."
        ),
        advice_hu=(
            "Egyezzetek meg a státuszjelentések rendjében (pl. péntekenként rövid összefoglaló), "
            "hogy az ügyfélnek ne kelljen sürgetnie."
        ),
        table_measure='"any update?" soon after their own previous message',
        table_threshold="3",
    ),
    WarningSign(
        name="late_payment",
        title="Pays late",
        threshold=3.0,
        unit="count",
        weight=25.0,
        measure=_late_payment,
        advice=(
            "Put the payment terms in a written contract (e.g. 8 days from the invoice), "
            "tell the client you stop work once an invoice is 15 days overdue, and ask this "
            "client to pay in advance from now on."
        ),
        advice_hu=(
            "Rögzítsd a fizetési határidőt írásos szerződésben (pl. a számla kiállításától "
            "8 nap), jelezd, hogy 15 nap késés után felfüggeszted a munkát, és ettől az "
            "ügyféltől ezentúl kérj előre fizetést."
        ),
        table_measure="payment reminders you sent; days invoices were overdue; "
        "unpaid overdue invoices",
        table_threshold="3, or 30 days, or 2 invoices",
        needs_messages=False,
    ),
)
_SIGN = {sign.name: sign for sign in SIGNS}


# --- the score ----------------------------------------------------------------------------


def _sign(
    rule: WarningSign,
    finding: _Finding,
    thresholds: Mapping[str, float],
    incoming: int,
    min_messages: int,
) -> Sign:
    threshold = _threshold(rule, thresholds)
    reached = finding.value >= threshold or finding.also_fires
    enough = incoming >= min_messages or not rule.needs_messages
    fired = enough and finding.judgeable and reached
    explanation = finding.explanation
    if not enough:
        explanation = (
            f"not judged: {incoming} messages in the window, fewer than "
            f"{min_messages}; {explanation}"
        )
    elif not finding.judgeable:
        explanation = f"not judged: too little to go on; {explanation}"
    return Sign(
        rule.name,
        round(finding.value, 4),
        threshold,
        rule.weight,
        fired,
        finding.evidence,
        explanation,
        dict(finding.measures),
    )


def score_client(
    client: str,
    mails: Sequence[Mail],
    window: Window,
    wt: WorkingTime,
    thresholds: Mapping[str, float] | None = None,
    min_messages: int = 5,
    payment_terms_days: float = DEFAULT_TERMS_DAYS,
    ledger: Sequence[LedgerInvoice] = (),
) -> Scorecard:
    """Evaluate every rule for *client* over *window*.

    *mails* are the client's messages in both directions; earlier ones than the window may be
    included (they help threading and chaser detection), later ones are ignored. *ledger*:
    the client's invoices from the user's ledger (they win over the mail's, see
    :func:`~inboxwatch.analysis.payments.with_ledger`).
    """
    return score_windows(
        client, mails, [window], wt, thresholds, min_messages, payment_terms_days, ledger
    )[0]


def score_windows(
    client: str,
    mails: Sequence[Mail] | Timeline,
    windows: Sequence[Window],
    wt: WorkingTime,
    thresholds: Mapping[str, float] | None = None,
    min_messages: int = 5,
    payment_terms_days: float = DEFAULT_TERMS_DAYS,
    ledger: Sequence[LedgerInvoice] = (),
) -> list[Scorecard]:
    """:func:`score_client` for each of *windows*, preparing the mail once for all of them.
    *mails* may be a :class:`Timeline` in *wt* already threaded at each window's end."""
    history = _History(mails, wt, windows)
    settings, invoices = thresholds or {}, tuple(ledger)
    return [
        _scorecard(
            client,
            _Facts(history, window, wt, settings, payment_terms_days, invoices),
            min_messages,
        )
        for window in windows
    ]


def _scorecard(client: str, facts: _Facts, min_messages: int) -> Scorecard:
    timeline, window = facts.history.timeline, facts.window
    incoming = len(facts.incoming)
    inside = timeline.count_before(window.end) - timeline.count_before(window.start)
    signs = tuple(
        _sign(sign, sign.measure(facts), facts.thresholds, incoming, min_messages) for sign in SIGNS
    )
    replies = [r.working_hours for r in timeline.reply_times(window.end, window.start)]
    return Scorecard(
        client=client,
        window=window,
        score=min(100.0, sum(s.weight for s in signs if s.fired)),
        signs=signs,
        incoming=incoming,
        outgoing=inside - incoming,
        enough_data=incoming >= min_messages,
        my_median_reply_hours=round(statistics.median(replies), 2) if replies else None,
    )


# --- standing out from the other clients -------------------------------------------------


def against_peers(
    cards: Sequence[Scorecard], thresholds: Mapping[str, float] | None = None
) -> list[Scorecard]:
    """*cards* (one per client, same window) with their text signs checked against each other.

    A classifier that over-tags does so for every client; a client who really complains
    stands out from the rest. So a text sign stays fired only with at least
    ``text_signs.min_tagged`` tagged messages and — when at least ``peers.min_clients``
    clients have enough mail — when a one-sided binomial test finds the client's count
    unlikely (below ``peers.alpha``) at the baseline share: the median share of the other
    clients with enough mail, but at least ``peers.baseline_floor``. The median is robust:
    one other difficult client does not raise it. Every text sign's explanation says how
    the client compares ("36% vs 4% across your other clients").
    """
    settings = thresholds or {}
    judged = [card for card in cards if card.enough_data]
    if len(judged) < _setting(settings, "peers.min_clients"):
        return [_with_peers(card, {}, settings) for card in cards]
    # each text sign's shares over the judged clients, sorted once: the others' median of
    # any client is then read off in constant time (not a median per client and sign)
    shares = {
        sign.name: sorted(card.sign(sign.name).value for card in judged)
        for sign in SIGNS
        if sign.text_sign
    }
    names = {card.client for card in judged}
    return [
        _with_peers(
            card,
            {
                name: _median_without(
                    values, card.sign(name).value if card.client in names else None
                )
                for name, values in shares.items()
            },
            settings,
        )
        for card in cards
    ]


def _median_without(values: Sequence[float], own: float | None) -> float:
    """The median of sorted *values* with one occurrence of *own* left out (None: none)."""
    if own is None:
        return statistics.median(values)
    skip = bisect.bisect_left(values, own)
    n = len(values) - 1

    def at(k: int) -> float:
        return values[k if k < skip else k + 1]

    return at(n // 2) if n % 2 else (at(n // 2 - 1) + at(n // 2)) / 2


def _with_peers(
    card: Scorecard, medians: Mapping[str, float], settings: Mapping[str, float]
) -> Scorecard:
    signs = tuple(
        _peer_checked(sign, medians.get(sign.name), settings)
        if _SIGN[sign.name].text_sign
        else sign
        for sign in card.signs
    )
    score = min(100.0, sum(s.weight for s in signs if s.fired))
    return dataclasses.replace(card, signs=signs, score=score)


def _peer_checked(sign: Sign, median: float | None, settings: Mapping[str, float]) -> Sign:
    """*median*: the other judged clients' median share for this sign (None: too few)."""
    tagged = int(sign.measures.get("matching", 0))
    total = int(sign.measures.get("messages", 0))
    notes: list[str] = []
    stands_out = True
    if median is not None:
        notes.append(f"vs {median:.0%} across your other clients")
    if median is not None and sign.fired:  # the test only matters where the sign would fire
        baseline = max(median, _setting(settings, "peers.baseline_floor"))
        chance = binomial_tail(tagged, total, baseline)
        stands_out = chance < _setting(settings, "peers.alpha")
        notes[-1] += f" (chance of this many at {baseline:.0%}: {_chance(chance)})"
    min_tagged = _setting(settings, "text_signs.min_tagged")
    if sign.fired and tagged < min_tagged:
        notes.append(f"not counted: fewer than {min_tagged:.0f} tagged messages")
    elif sign.fired and not stands_out:
        notes.append("not counted: not clearly above your other clients")
    fired = sign.fired and tagged >= min_tagged and stands_out
    explanation = "; ".join([sign.explanation, *notes])
    return dataclasses.replace(sign, fired=fired, explanation=explanation)


def _chance(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): how likely *k* or more hits are by chance alone."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    return _tail_sum(k, n, p)


def _tail_sum(k: int, n: int, p: float) -> float:
    """Sum of the binomial probabilities from *k* to *n*, in log space, stopping once the
    terms (falling geometrically above the mean) no longer matter."""
    log_p, log_q = math.log(p), math.log1p(-p)
    total = 0.0
    for i in range(k, n + 1):
        term = math.exp(
            math.lgamma(n + 1)
            - math.lgamma(i + 1)
            - math.lgamma(n - i + 1)
            + i * log_p
            + (n - i) * log_q
        )
        total += term
        if i > n * p and term < total * 1e-12:
            break
    return min(1.0, total)


# --- change over time ---------------------------------------------------------------------


@dataclass(frozen=True)
class SignChange:
    """One sign in this window against the window before it."""

    name: str
    previous_value: float
    value: float
    previous_fired: bool
    fired: bool

    @property
    def delta(self) -> float:
        return round(self.value - self.previous_value, 4)


@dataclass(frozen=True)
class Trend:
    """This window's score against the previous window's."""

    previous_score: float
    delta: float
    signs: tuple[SignChange, ...]

    @property
    def newly_fired(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.signs if s.fired and not s.previous_fired)


def compare(current: Scorecard, previous: Scorecard) -> Trend:
    """How *current* differs from *previous* (normally the window before it)."""
    changes = tuple(
        SignChange(sign.name, before.value, sign.value, before.fired, sign.fired)
        for sign, before in zip(current.signs, previous.signs, strict=True)
    )
    return Trend(previous.score, current.score - previous.score, changes)


@dataclass(frozen=True)
class DayChange:
    """What changed since the previous day's score (``source``: "history" when it was read
    from the scores saved with yesterday's report, "computed" when recomputed)."""

    previous_score: float
    delta: float
    newly_fired: tuple[str, ...]
    no_longer_fired: tuple[str, ...]
    source: str

    @property
    def changed(self) -> bool:
        return bool(self.delta or self.newly_fired or self.no_longer_fired)


def day_change(
    current: Scorecard, previous_score: float, previous_fired: Iterable[str], source: str
) -> DayChange:
    """Compare *current* with yesterday's score and fired sign names."""
    before = set(previous_fired)
    now = [s.name for s in current.fired]
    return DayChange(
        previous_score=previous_score,
        delta=current.score - previous_score,
        newly_fired=tuple(n for n in now if n not in before),
        no_longer_fired=tuple(s.name for s in current.signs if s.name in before and not s.fired),
        source=source,
    )


# --- Pareto -------------------------------------------------------------------------------


def writing_minutes(outgoing: Iterable[Mail]) -> float:
    """Estimated minutes the user spent writing these messages (see the module docstring)."""
    return sum(MINUTES_PER_MESSAGE + len(m.new_text.split()) / WORDS_PER_MINUTE for m in outgoing)


@dataclass(frozen=True)
class ParetoRow:
    """A client's share of revenue against their share of messages and of writing time.

    ``message_share`` counts the client's incoming messages in the window among all clients';
    ``attention_share`` is the share of the user's estimated writing time. ``stands_out``:
    the larger of the two is at least twice the revenue share (and at least 10%); never when
    no client has a revenue configured (``revenue_known`` is False).
    """

    client: str
    monthly_revenue: float
    revenue_share: float
    messages: int
    message_share: float
    writing_minutes: float
    attention_share: float
    revenue_known: bool = True
    # the average days after their due date that the invoices the client paid late in the
    # window were paid (None: none paid late); see :func:`paid_late_days`
    paid_late_days: float | None = None

    @property
    def attention(self) -> float:
        return max(self.message_share, self.attention_share)

    @property
    def stands_out(self) -> bool:
        return (
            self.revenue_known
            and self.attention >= 0.1
            and self.attention >= 2 * self.revenue_share
        )


def paid_late_days(card: Scorecard) -> float | None:
    """The average days past their due date of the invoices *card*'s client paid late in
    its window (from the late_payment sign), or None when none was paid late."""
    measures = card.sign("late_payment").measures
    if not measures.get("paid_late_invoices"):
        return None
    return measures["average_days_paid_late"]


def _part(value: float, total: float) -> float:
    return value / total if total > 0 else 0.0


def pareto(clients: Sequence[tuple[str, float, int, float]]) -> tuple[ParetoRow, ...]:
    """Rows from (client, monthly revenue, incoming messages, writing minutes) tuples.

    Each share column sums to 1 over the rows (or is all 0 when its total is 0).
    """
    revenue = sum(c[1] for c in clients)
    messages = sum(c[2] for c in clients)
    minutes = sum(c[3] for c in clients)
    return tuple(
        ParetoRow(
            name,
            rev,
            round(_part(rev, revenue), 4),
            count,
            round(_part(count, messages), 4),
            round(spent, 1),
            round(_part(spent, minutes), 4),
            revenue > 0,
        )
        for name, rev, count, spent in clients
    )


# --- suggested actions --------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A concrete action from the handling advice, tied to the sign that prompted it."""

    sign: str
    text: str
    text_hu: str


def _pareto_advice(row: ParetoRow) -> Suggestion:
    rev, att = f"{row.revenue_share:.0%}", f"{row.attention:.0%}"
    return Suggestion(
        "pareto",
        f"This client brings {rev} of your revenue but takes {att} of your attention: "
        "renegotiate the price or the scope, or consider ending the relationship.",
        f"Ez az ügyfél a bevételed {rev}-át hozza, de a figyelmed {att}-át viszi el: "
        "tárgyald újra az árat vagy a keretet, vagy fontold meg az együttműködés lezárását.",
    )


def suggestions_for(card: Scorecard, row: ParetoRow | None = None) -> tuple[Suggestion, ...]:
    """One suggestion per fired sign (strongest first), plus the Pareto one when a client
    with enough messages to judge takes far more attention than their revenue share."""
    fired = sorted(card.fired, key=lambda s: -s.weight)
    found = [Suggestion(s.name, _SIGN[s.name].advice, _SIGN[s.name].advice_hu) for s in fired]
    if row is not None and row.stands_out and card.enough_data:
        found.append(_pareto_advice(row))
    return tuple(found)


# --- what the report says about a client -----------------------------------------------


@dataclass(frozen=True)
class DailyPoint:
    """A client's score for the window ending on *day*, and their messages on that day."""

    day: date
    score: float
    messages: int


@dataclass(frozen=True)
class ClientReport:
    """Everything the report says about one client."""

    card: Scorecard
    trend: Trend
    pareto: ParetoRow
    suggestions: tuple[Suggestion, ...]
    daily: tuple[DailyPoint, ...]
    since_yesterday: DayChange | None
    flagged: bool

    @property
    def name(self) -> str:
        return self.card.client

    @property
    def score(self) -> float:
        return self.card.score


def client_report(
    card: Scorecard,
    previous: Scorecard,
    row: ParetoRow,
    daily: Sequence[DailyPoint],
    since_yesterday: DayChange | None,
    alert_threshold: float,
) -> ClientReport:
    """Decide what the report says about a client — its trend against the previous window,
    the suggested actions and whether it is flagged (at or over *alert_threshold*, with a sign
    fired) — from its scorecards, its Pareto row and its daily series."""
    return ClientReport(
        card=card,
        trend=compare(card, previous),
        pareto=row,
        suggestions=suggestions_for(card, row),
        daily=tuple(daily),
        since_yesterday=since_yesterday,
        flagged=bool(card.fired) and card.score >= alert_threshold,
    )
