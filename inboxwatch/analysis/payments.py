"""Payments in the mail: invoices, reminders, promises to pay later, payment confirmations.

Pure: takes :class:`~inboxwatch.analysis.conversations.Mail` values and returns values.

Phrase rules, English and Hungarian, matched on the accent-folded subject and new text
(:func:`inboxwatch.text.fold`), each read only in the direction it belongs to:

* in the user's sent mail, an *invoice* ("Invoice 2026/0112", "please find attached my
  invoice", "mellékelten küldöm a számlát", or a PDF attached under a name such as
  "Szamla_2026-0112.pdf") and a *reminder* ("friendly reminder: invoice …
  is overdue", "fizetési emlékeztető", "a … számú számla még nincs kiegyenlítve"); a thank-you
  for a payment received ("payment received", "megérkezett az utalás") is a *confirmation*;
* in the client's mail, a *promise* to pay later ("we'll transfer it next week", "csak a jövő
  hónapban tudjuk utalni") and a *confirmation* ("we have paid", "átutaltam", "a számlát
  kiegyenlítettük"). A negated one ("we have not paid", "még nem utaltuk") is neither.

A word alone is never enough: "paid attention", "payment options" or a "számla" in an
unrelated sentence match nothing.

:func:`link_invoices` ties reminders and confirmations to invoices of the same client: by the
invoice number when the mail names one, else to the oldest invoice still open at the time.
An invoice without a confirmation is *unconfirmed*, not unpaid — many clients pay without a
word — so it counts as overdue only once the user reminded the client about it after its
due date or the client promised to pay later (:attr:`InvoiceStatus.overdue_days`).

:func:`with_ledger` lays the user's ledger (``inboxwatch invoices import``) over those
invoices: where both speak of one invoice the ledger's due and paid dates win, and an
invoice unpaid in the ledger is overdue past its due date without any reminder.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from inboxwatch.analysis.conversations import Mail
from inboxwatch.text import fold, invoice_key, strip_reply_prefixes

__all__ = [
    "DEFAULT_TERMS_DAYS",
    "InvoiceStatus",
    "LedgerInvoice",
    "PaymentEvent",
    "PaymentKind",
    "invoice_number",
    "link_invoices",
    "median_days_to_pay",
    "payment_events",
    "payment_kind",
    "with_ledger",
]

# Days from an invoice to its due date when the client's terms are not configured: 8 days
# is what Hungarian invoices usually give.
DEFAULT_TERMS_DAYS: Final = 8

PaymentKind = Literal["invoice", "reminder", "promise", "confirmation"]

# An invoice number: at least three characters, with a digit, such as 2026/0112, INV-42,
# E-ABC-2026-7; the word "invoice"/"számla" and an optional "no."/"#" before it.
_NUMBER = r"#?\s*((?:[a-z]{1,6}[-/]?){0,3}\d[\w/.-]*\d)"
_NUMBER_RE: Final = re.compile(
    r"\b(?:invoice|inv\.|szamla|dijbekero)\s*(?:no\.?|nr\.?|number|szam|sorszam)?\s*:?\s*"
    + _NUMBER
    + r"(?![\w/])"
    r"|\b([a-z]{0,6}[-/]?\d[\w/.-]*\d)\s+(?:sz\.|szamu|sorszamu)\s+(?:szamla|dijbekero)"
)

# An attachment named like an invoice: the word alone between non-letters ("Szamla_12.pdf",
# "invoice-2026-7.pdf"), not inside another ("szamlazasi_utmutato.pdf").
_INVOICE_FILE_RE: Final = re.compile(r"(?<![a-z])(?:invoice|szamla|dijbekero)(?![a-z])")
_AFTER_INVOICE_WORD_RE: Final = re.compile(r"(invoice|szamla|dijbekero)[\s_-]+")
_INVOICE_SUBJECT_RE: Final = re.compile(r"^\W*(?:invoice|szamla|dijbekero)\b")
_INVOICE_BODY_RE: Final = re.compile(
    r"\b(?:attached|enclosed|attaching|here is|here's|please find|sending you|i send you)"
    r"\b[^.\n]{0,40}\binvoice\b"
    r"|\binvoice\b[^.\n]{0,20}\b(?:attached|enclosed)\b"
    r"|\b(?:mellekel|csatol|kuldom|kuldjuk|megkuldom|megkuldjuk|elkeszult|kiallitottam"
    r"|kiallitottuk)\w*\b[^.\n]{0,40}\b(?:szamla|dijbekero)"
    r"|\b(?:szamla|szamlat|dijbekerot?)\b[^.\n]{0,30}\b(?:mellekel|csatol|kuldom|kuldjuk)"
)

_REMINDER_RE: Final = re.compile(
    r"\bpayment reminder\b|\breminder\b[^.\n]{0,40}\b(?:invoice|payment)\b"
    r"|\b(?:invoice|payment|balance|amount)\b[^.\n]{0,40}\b(?:is|are|was|remains|still)\s+"
    r"(?:now\s+|still\s+)?(?:overdue|past due|outstanding|unpaid|open)\b"
    r"|\boverdue (?:invoice|payment|balance|amount)"
    r"|\boutstanding (?:invoice|payment|balance|amount)"
    r"|\b(?:not|n't)\s+(?:yet\s+)?(?:received|seen|had)\s+(?:the\s+|your\s+|any\s+)?"
    r"(?:payment|transfer)"
    r"|\b(?:invoice|it)\s+(?:has|have)\s+(?:not|n't)\s+(?:yet\s+)?been\s+(?:paid|settled)"
    r"|\bfizetesi (?:emlekezteto|felszolitas)"
    r"|\bszamla\w*\b[^.\n]{0,60}\b(?:meg\s+)?nincs(?:\s+meg)?\s+(?:kiegyenlitve|kifizetve|rendezve)"
    r"|\bszamla\w*\b[^.\n]{0,60}\bnem\s+(?:lett|volt)\s+(?:meg\s+)?(?:kiegyenlitve|kifizetve)"
    r"|\b(?:meg\s+)?nem\s+(?:erkezett|kaptam|kaptuk)\s+meg\b[^.\n]{0,40}"
    r"\b(?:utalas|ellenertek|osszeg|befizetes)"
    r"|\blejart\b[^.\n]{0,30}\b(?:szamla|fizetesi hatarido|tartozas)"
    r"|\bkifizetetlen szamla|\bhatralek"
)

# "pay attention", "paid off", "paid for by": the verb in another sense.
_NOT_ATTENTION: Final = r"(?!\s+(?:\w+\s+)?(?:attention|heed|off|out|for|a visit|tribute|respects))"
_PROMISE_RE: Final = re.compile(
    r"\b(?:will|'ll|shall|going to|can only|could only)\s+(?:\w+\s+){0,2}?"
    r"(?:pay|transfer|wire|settle|send (?:the |your )?(?:payment|money))\b"
    + _NOT_ATTENTION
    + r"[^.\n]{0,40}"
    r"\b(?:next (?:week|month|monday|friday)|end of (?:the |this |next )?(?:month|week)"
    r"|in (?:a|two|three|\d+) (?:days|weeks)|later|after|once|when|by the)"
    r"|\bpayment will (?:be|go)\b[^.\n]{0,20}\b(?:next|later|end of|delayed)"
    r"|\b(?:can't|cannot|can not|won't|unable to) (?:pay|transfer)\b[^.\n]{0,30}"
    r"\b(?:until|before|yet|this month)"
    r"|\b(?:jovo|kovetkezo)\s+(?:heten|hetre|honapban|honapra|het|honap)\b[^.\n]{0,40}"
    r"\b(?:utal|fizet|rendez|kiegyenlit)"
    r"|\b(?:utal|fizet|rendez|kiegyenlit)\w*\b[^.\n]{0,40}"
    r"\b(?:jovo|kovetkezo)\s+(?:heten|hetre|honapban|honapra|het|honap)"
    r"|\bcsak\b[^.\n]{0,40}\b(?:tudjuk|tudom|tudnank|fogjuk|fogom)\s+"
    r"(?:utalni|fizetni|rendezni|kiegyenliteni)"
    r"|\bhonap (?:vegen|elejen)\b[^.\n]{0,30}\b(?:utal|fizet|rendez)"
)

_NEGATED: Final = r"(?<!\bnot )(?<!\bn't )(?<!\bnem )(?<!\bnever )"
_CONFIRMATION_IN_RE: Final = re.compile(
    r"\b(?:i|we)(?:'ve| have)?\s+(?:just\s+|now\s+|already\s+|today\s+)?"
    + _NEGATED
    + r"(?:paid|transferred|wired|settled)\b"
    + _NOT_ATTENTION
    + r"|\bpayment\s+(?:has been|was|is)\s+(?:sent|made|transferred|processed|completed|done)"
    r"|\b(?:invoice|transfer)\s+(?:has been|was|is)\s+(?:now\s+)?(?:paid|settled|sent|made)"
    r"|\bit\s+(?:has been|was|is)\s+(?:now\s+)?(?:paid|settled)"
    r"\b(?!\s+(?:next|later|by|on|at|in|after))"
    r"|" + _NEGATED + r"\b(?:at)?utaltam|" + _NEGATED + r"\b(?:at)?utaltuk"
    r"|" + _NEGATED + r"\b(?:ki)?egyenlitettuk|" + _NEGATED + r"\bkiegyenlitettem"
    r"|" + _NEGATED + r"\bkifizettuk|" + _NEGATED + r"\bkifizettem"
    r"|\baz utalas\s+(?:megtortent|elindult|elment|el lett inditva)"
)
_CONFIRMATION_OUT_RE: Final = re.compile(
    r"\b(?:payment|transfer|money)\s+(?:has\s+been\s+|was\s+)?(?:received|arrived)"
    r"|\breceived (?:the |your )?(?:payment|transfer)"
    r"|\b(?:megerkezett|megkaptam|megkaptuk)\b[^.\n]{0,20}\b(?:utalas|ellenertek|osszeg)"
)


# Quick tests that rule mail out before the phrase rules, which they must never change
# (tests/test_report_shortcuts.py checks it). Every rule above needs one of these words:
_ANY_WORDS: Final = (
    "pay",
    "paid",
    "invoice",
    "szaml",
    "dijbekero",
    "fizet",
    "utal",
    "egyenlit",
    "rendez",
    "transfer",
    "wire",
    "settle",
    "overdue",
    "outstanding",
    "balance",
    "amount",
    "money",
    "reminder",
    "emlekezteto",
    "ellenertek",
    "osszeg",
    "tartozas",
    "hatralek",
)
# the rules read in the client's mail (a confirmation, a promise) one of these,
_CLIENT_WORDS: Final = (
    "pay",
    "paid",
    "invoice",
    "transfer",
    "wire",
    "settle",
    "money",
    "utal",
    "fizet",
    "rendez",
    "egyenlit",
)
# and a client's confirmation, the slowest rule (its negations start every branch with a
# look-behind, so the regex engine tries each one at every position), needs one of these,
# or a payment, invoice or transfer that was sent, made, processed, completed or done.
_PAID_WORDS: Final = (
    "paid",
    "wired",
    "settled",
    "transferred",
    "utaltam",
    "utaltuk",
    "egyenlitett",
    "kifizett",
    "az utalas",
)
_PAID_NOUNS: Final = ("payment", "invoice", "transfer")
_PAID_VERBS: Final = ("sent", "made", "processed", "completed", "done")


def _contains(text: str, words: Iterable[str]) -> bool:
    # substring tests: quicker than one regular expression of alternatives
    return any(word in text for word in words)


def _may_confirm_payment(text: str) -> bool:
    """False when *text* cannot match the client's-confirmation rule."""
    return _contains(text, _PAID_WORDS) or (
        _contains(text, _PAID_NOUNS) and _contains(text, _PAID_VERBS)
    )


def _confirms_payment(text: str) -> bool:
    """Whether the client's-confirmation rule matches *text*. Asked sentence by sentence:
    nothing in the rule, look-arounds included, matches a full stop, so no match spans one
    (and one at a sentence's start sees a word boundary either way), and only the sentences
    that may match are searched."""
    return any(
        _may_confirm_payment(part) and _CONFIRMATION_IN_RE.search(part) is not None
        for part in text.split(".")
    )


@dataclass(frozen=True)
class PaymentEvent:
    """One message that speaks about payment: what it is, and the invoice number it names."""

    mail_id: int
    date: datetime
    subject: str
    kind: PaymentKind
    invoice: str | None = None


def invoice_number(text: str) -> str | None:
    """The first invoice number named in *text* (any case and accents), upper-cased;
    ``"Invoice 2026/0112"`` → ``"2026/0112"``. None when there is none."""
    match = _NUMBER_RE.search(fold(text))
    if match is None:
        return None
    return (match.group(1) or match.group(2)).upper()


def invoice_attachment(mail: Mail) -> str | None:
    """The first attachment of the user's *mail* that is an invoice by its name: a PDF
    whose name has the word invoice, számla or díjbekérő ("Szamla_2026-0112.pdf",
    "INV-42 invoice.pdf"); None for client mail and for every other name."""
    if mail.incoming:
        return None
    for name in mail.attachments:
        folded = fold(name)
        if folded.endswith(".pdf") and _INVOICE_FILE_RE.search(folded):
            return name
    return None


def payment_kind(mail: Mail) -> PaymentKind | None:
    """What *mail* says about payment, by the rules in the module docstring, or None."""
    subject = fold(mail.subject)
    text = f"{subject}\n{fold(mail.new_text)}"
    kind = _kind_by_text(mail, subject, text)
    if kind is None and invoice_attachment(mail) is not None:
        return "invoice"
    return kind


def _kind_by_text(mail: Mail, subject: str, text: str) -> PaymentKind | None:
    if not _contains(text, _CLIENT_WORDS if mail.incoming else _ANY_WORDS):
        return None
    if mail.incoming:
        if _may_confirm_payment(text) and _confirms_payment(text):
            return "confirmation"
        return "promise" if _PROMISE_RE.search(text) else None
    if _REMINDER_RE.search(text):
        return "reminder"
    if _CONFIRMATION_OUT_RE.search(text):
        return "confirmation"
    fresh = strip_reply_prefixes(subject) == subject  # "Re: Invoice 7" is a reply, not one
    if (fresh and _INVOICE_SUBJECT_RE.search(subject)) or _INVOICE_BODY_RE.search(text):
        return "invoice"
    return None


def _number_in_file_name(name: str | None) -> str | None:
    """The invoice number in an attachment's name: "Szamla_2026-0112.pdf" → "2026-0112"."""
    if name is None:
        return None
    stem = _AFTER_INVOICE_WORD_RE.sub(r"\1 ", fold(name.rpartition(".")[0]))
    return invoice_number(stem.replace("_", " "))


def payment_events(mails: Iterable[Mail]) -> list[PaymentEvent]:
    """The messages among *mails* that speak about payment, in the order given."""
    events = []
    for mail in mails:
        kind = payment_kind(mail)
        if kind is not None:
            number = invoice_number(f"{mail.subject}\n{mail.new_text}")
            if number is None and kind == "invoice":
                number = _number_in_file_name(invoice_attachment(mail))
            events.append(PaymentEvent(mail.id, mail.date, mail.subject, kind, number))
    return events


@dataclass(frozen=True)
class InvoiceStatus:
    """One invoice the user sent, as known at *as_of*: its due date, when payment was
    confirmed (if it was), the reminders and promises tied to it."""

    mail_id: int
    number: str | None
    sent_at: datetime
    subject: str
    due: datetime
    as_of: datetime
    paid_at: datetime | None
    reminders: tuple[PaymentEvent, ...]
    promises: tuple[PaymentEvent, ...]
    # named in the ledger (:func:`with_ledger`); *paid_known*: its paid date there is the
    # truth, so without one it is unpaid, chased or not
    in_ledger: bool = False
    paid_known: bool = False

    @property
    def days_to_pay(self) -> float | None:
        """Days from the invoice to its confirmed payment; None while unconfirmed."""
        return None if self.paid_at is None else _days(self.paid_at - self.sent_at)

    @property
    def chased(self) -> bool:
        """The user reminded the client after the due date, or the client promised to pay
        later: an unconfirmed invoice then is taken as unpaid."""
        return bool(self.promises) or any(r.date >= self.due for r in self.reminders)

    @property
    def overdue_days(self) -> float:
        """Days past the due date: until payment was confirmed, or — unconfirmed and
        :attr:`chased` — until *as_of*; 0 when paid on time or not known to be unpaid."""
        if self.paid_at is not None:
            return max(0.0, _days(self.paid_at - self.due))
        if self.paid_known:  # a ledger's due date is a whole day: overdue from the next
            return float(max(0, round((self.as_of - self.due) / timedelta(days=1)) - 1))
        return max(0.0, _days(self.as_of - self.due)) if self.chased else 0.0

    @property
    def open_overdue(self) -> bool:
        """Unconfirmed, chased (or unpaid in the ledger) and past its due date at *as_of*."""
        return self.paid_at is None and self.overdue_days > 0


def _days(delta: timedelta) -> float:
    return round(delta.total_seconds() / 86400, 1)


@dataclass
class _Open:
    """An invoice being linked (mutable while :func:`link_invoices` walks the events)."""

    event: PaymentEvent
    paid_at: datetime | None = None
    reminders: list[PaymentEvent] | None = None
    promises: list[PaymentEvent] | None = None


def link_invoices(
    events: Sequence[PaymentEvent], as_of: datetime, terms_days: float
) -> tuple[InvoiceStatus, ...]:
    """The invoices among *events* (one client's, by time) dated before *as_of*, each with
    the later reminders, promises and first confirmation tied to it (see the module
    docstring), due *terms_days* after it was sent."""
    invoices: list[_Open] = []
    for event in events:
        if event.date >= as_of:
            break
        if event.kind == "invoice":
            invoices.append(_Open(event, None, [], []))
            continue
        target = _target(invoices, event.invoice)
        if target is None:
            continue
        if event.kind == "confirmation":
            target.paid_at = event.date
        else:
            assert target.reminders is not None and target.promises is not None
            (target.reminders if event.kind == "reminder" else target.promises).append(event)
    terms = timedelta(days=terms_days)
    return tuple(
        InvoiceStatus(
            o.event.mail_id,
            o.event.invoice,
            o.event.date,
            o.event.subject,
            o.event.date + terms,
            as_of,
            o.paid_at,
            tuple(o.reminders or ()),
            tuple(o.promises or ()),
        )
        for o in invoices
    )


def _target(invoices: Sequence[_Open], number: str | None) -> _Open | None:
    """The invoice an event speaks about: the one with its number, else the oldest open."""
    if number is not None:
        named = [o for o in invoices if o.event.invoice == number]
        if named:
            return named[-1]
    return next((o for o in invoices if o.paid_at is None), None)


def median_days_to_pay(invoices: Iterable[InvoiceStatus]) -> float | None:
    """The median days from invoice to confirmed payment, or None with no confirmed one."""
    days = [d for d in (i.days_to_pay for i in invoices) if d is not None]
    return statistics.median(days) if days else None


# --- the ledger ---------------------------------------------------------------------------

# A mail invoice that names no number is the ledger's invoice issued this close to it.
LEDGER_MATCH_DAYS: Final = 3


@dataclass(frozen=True)
class LedgerInvoice:
    """One invoice of the user's ledger (``inboxwatch invoices import``), its days as naive
    UTC datetimes at the start of each local day. *payment_tracked*: the ledger has a
    paid-date column, so no *paid* there means unpaid."""

    number: str
    issued: datetime | None
    due: datetime | None
    paid: datetime | None
    payment_tracked: bool


def with_ledger(
    invoices: Sequence[InvoiceStatus],
    ledger: Sequence[LedgerInvoice],
    as_of: datetime,
    terms_days: float,
    since: datetime | None = None,
) -> tuple[InvoiceStatus, ...]:
    """*invoices* (from the mail, by :func:`link_invoices`) with the ledger's word on them,
    and the ledger's other invoices dated before *as_of* added, by date — those that still
    matter after *since*: issued since then, or (when the ledger tracks payment) unpaid or
    paid since then; years of settled invoices say nothing about this month.

    The ledger wins where both speak of one invoice — the same number once folded
    (:func:`~inboxwatch.text.invoice_key`), or, for a mail invoice that names no number,
    the ledger's invoice issued within :data:`LEDGER_MATCH_DAYS` of it: its due date, and
    (when it tracks payment) its paid date, an empty one meaning unpaid however little the
    user chased it. The reminders and promises tied to the mail invoice stay."""
    terms = timedelta(days=terms_days)
    known = {invoice_key(e.number): e for e in ledger if _ledger_start(e, terms) < as_of}
    matched: dict[int, LedgerInvoice] = {}
    for index, status in enumerate(invoices):
        entry = known.pop(invoice_key(status.number), None) if status.number else None
        if entry is not None:
            matched[index] = entry
    for index, status in enumerate(invoices):
        if index not in matched and status.number is None:
            entry = _issued_near(status.sent_at, known.values(), terms)
            if entry is not None:
                matched[index] = known.pop(invoice_key(entry.number))
    merged = [
        _merged(status, matched[i], as_of, terms) if i in matched else status
        for i, status in enumerate(invoices)
    ]
    merged += [
        _ledger_only(entry, as_of, terms)
        for entry in known.values()
        if since is None or _matters_since(entry, since, terms)
    ]
    return tuple(sorted(merged, key=lambda s: (s.sent_at, s.mail_id)))


def _matters_since(entry: LedgerInvoice, since: datetime, terms: timedelta) -> bool:
    if _ledger_start(entry, terms) >= since:
        return True
    return entry.payment_tracked and (entry.paid is None or entry.paid >= since)


def _ledger_start(entry: LedgerInvoice, terms: timedelta) -> datetime:
    """When the ledger's invoice was issued (else its due date less the terms)."""
    if entry.issued is not None:
        return entry.issued
    assert entry.due is not None  # the ledger reader requires one of the two
    return entry.due - terms


def _ledger_due(entry: LedgerInvoice, terms: timedelta) -> datetime:
    """The ledger invoice's due date (else its issue date plus the terms)."""
    return entry.due if entry.due is not None else _ledger_start(entry, terms) + terms


def _issued_near(
    when: datetime, entries: Iterable[LedgerInvoice], terms: timedelta
) -> LedgerInvoice | None:
    distances = [(abs(_ledger_start(e, terms) - when), e) for e in entries]
    near = [pair for pair in distances if pair[0] <= timedelta(days=LEDGER_MATCH_DAYS)]
    return min(near, key=lambda pair: pair[0])[1] if near else None


def _ledger_paid(entry: LedgerInvoice, as_of: datetime) -> datetime | None:
    return entry.paid if entry.paid is not None and entry.paid < as_of else None


def _merged(
    status: InvoiceStatus, entry: LedgerInvoice, as_of: datetime, terms: timedelta
) -> InvoiceStatus:
    paid = _ledger_paid(entry, as_of) if entry.payment_tracked else status.paid_at
    return dataclasses.replace(
        status,
        number=status.number or invoice_key(entry.number),
        due=_ledger_due(entry, terms),
        paid_at=paid,
        in_ledger=True,
        paid_known=entry.payment_tracked,
    )


def _ledger_only(entry: LedgerInvoice, as_of: datetime, terms: timedelta) -> InvoiceStatus:
    return InvoiceStatus(
        mail_id=0,
        number=entry.number,
        sent_at=_ledger_start(entry, terms),
        subject=f"Invoice {entry.number}",
        due=_ledger_due(entry, terms),
        as_of=as_of,
        paid_at=_ledger_paid(entry, as_of) if entry.payment_tracked else None,
        reminders=(),
        promises=(),
        in_ledger=True,
        paid_known=entry.payment_tracked,
    )
