"""The payment phrase rules (English and Hungarian) and the linking of payments to invoices."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from inboxwatch.analysis.conversations import Mail
from inboxwatch.analysis.payments import (
    invoice_number,
    link_invoices,
    median_days_to_pay,
    payment_events,
    payment_kind,
)

_ids = itertools.count(1)
DAY = datetime(2026, 11, 2, 10)


def mail(direction: str, text: str, subject: str = "", days: float = 0) -> Mail:
    return Mail(
        id=next(_ids),
        direction=direction,
        client="C",
        date=DAY + timedelta(days=days),
        subject=subject,
        new_text=text,
    )


@pytest.mark.parametrize(
    ("direction", "subject", "text", "kind"),
    [
        ("out", "Invoice 2026/0112", "Hi Tom, here it is.", "invoice"),
        ("out", "November", "Please find attached my invoice for November.", "invoice"),
        ("out", "Számla 2026/0112", "Szia Péter!", "invoice"),
        ("out", "November", "Mellékelten küldöm a novemberi számlát.", "invoice"),
        (
            "out",
            "Invoice",
            "Friendly reminder: invoice 2026/0112 is overdue, please settle it.",
            "reminder",
        ),
        (
            "out",
            "Payment",
            "We have not yet received the payment for the October invoice.",
            "reminder",
        ),
        ("out", "Fizetési emlékeztető", "Kedves Péter, kérlek nézd meg.", "reminder"),
        ("out", "Számla", "A 2026/0112 számú számla még nincs kiegyenlítve.", "reminder"),
        ("out", "Re: Invoice 7", "Thanks, payment received!", "confirmation"),
        ("out", "Re: számla", "Köszönöm, megérkezett az utalás.", "confirmation"),
        ("in", "Re: Invoice", "Sorry, we'll transfer it next week.", "promise"),
        ("in", "Re: Invoice", "We can only pay at the end of the month.", "promise"),
        ("in", "Re: számla", "Sajnos csak a jövő hónapban tudjuk utalni.", "promise"),
        ("in", "Re: számla", "A jövő héten utaljuk.", "promise"),
        ("in", "Re: Invoice 2026/0112", "We have paid the invoice today.", "confirmation"),
        ("in", "Re: Invoice", "The payment was sent this morning.", "confirmation"),
        ("in", "Re: számla", "Átutaltam, köszönöm!", "confirmation"),
        ("in", "Re: számla", "A számlát kiegyenlítettük.", "confirmation"),
    ],
)
def test_payment_phrases_are_found(direction: str, subject: str, text: str, kind: str) -> None:
    assert payment_kind(mail(direction, text, subject)) == kind


@pytest.mark.parametrize(
    ("direction", "subject", "text"),
    [
        ("in", "Header", "Please pay attention to the header."),
        ("in", "Re: draft", "I paid attention to your notes, thanks."),
        ("in", "Re: draft", "We'll pay attention to it next week."),
        ("in", "Re: invoice", "We have not paid yet, sorry."),
        ("in", "Re: számla", "Még nem utaltuk el."),
        ("in", "Re: számla", "Nem kiegyenlítettük, hanem visszaküldtük."),
        ("in", "Site", "It is made of oak and was sent by post."),
        ("out", "Sablon", "A számla sablont átküldtem a könyvelőnek, nézd meg."),
        ("out", "Re: Invoice 2026/0112", "Sure, I will call you tomorrow."),
        ("out", "Calendar", "Just a reminder: the meeting is on Friday at 10."),
        ("out", "Options", "The shop offers three payment options."),
        ("in", "Invoice 77", "Our invoice for the hosting is attached."),  # theirs, not yours
    ],
)
def test_look_alikes_are_not_payment_mail(direction: str, subject: str, text: str) -> None:
    assert payment_kind(mail(direction, text, subject)) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Invoice 2026/0112", "2026/0112"),
        ("invoice no. INV-42 attached", "INV-42"),
        ("a 2026/0112 számú számla még nincs kiegyenlítve", "2026/0112"),
        ("Számla: E-ABC-2026-7", "E-ABC-2026-7"),
        ("the invoice for November", None),
        ("invoice 3", None),
    ],
)
def test_invoice_numbers(text: str, number: str | None) -> None:
    assert invoice_number(text) == number


def test_payments_link_by_number_else_to_the_oldest_open_invoice() -> None:
    events = payment_events(
        [
            mail("out", "Invoice attached.", "Invoice 2026/0001"),
            mail("out", "Invoice attached.", "Invoice 2026/0002", days=1),
            mail("in", "We have paid invoice 2026/0002.", "Re: Invoice", days=5),
            mail("out", "Friendly reminder: the invoice is overdue.", "Reminder", days=12),
            mail("in", "We'll transfer it next week.", "Re: Reminder", days=13),
            mail("in", "Átutaltam.", "Re: Reminder", days=20),
        ]
    )
    first, second = link_invoices(events, DAY + timedelta(days=30), terms_days=8)
    assert second.paid_at == DAY + timedelta(days=5) and second.overdue_days == 0
    assert second.days_to_pay == 4.0
    assert first.paid_at == DAY + timedelta(days=20)
    assert len(first.reminders) == 1 and len(first.promises) == 1
    assert first.overdue_days == 12.0  # paid on day 20, due on day 8
    assert median_days_to_pay([first, second]) == 12.0


def test_an_unconfirmed_invoice_is_overdue_only_once_chased() -> None:
    invoice = [mail("out", "Please find attached my invoice.", "Invoice 2026/0007")]
    (silent,) = link_invoices(payment_events(invoice), DAY + timedelta(days=40), 8)
    assert silent.paid_at is None and silent.overdue_days == 0 and not silent.open_overdue
    reminded = [*invoice, mail("out", "Payment reminder: invoice 2026/0007.", "Reminder", days=10)]
    (chased,) = link_invoices(payment_events(reminded), DAY + timedelta(days=40), 8)
    assert chased.open_overdue and chased.overdue_days == 32.0


def test_a_reminder_before_the_due_date_does_not_make_an_invoice_overdue() -> None:
    events = payment_events(
        [
            mail("out", "Invoice attached.", "Invoice 2026/0009"),
            mail(
                "out",
                "Friendly reminder: invoice 2026/0009 is due on Friday, payment reminder.",
                "Reminder",
                days=3,
            ),
        ]
    )
    (invoice,) = link_invoices(events, DAY + timedelta(days=30), 8)
    assert not invoice.chased and invoice.overdue_days == 0


@pytest.mark.parametrize(
    ("direction", "names", "kind", "number"),
    [
        ("out", ("Szamla_2026-0112.pdf",), "invoice", "2026-0112"),
        ("out", ("logo.png", "Számla 2026/17.PDF"), "invoice", "2026/17"),
        ("out", ("invoice-INV-42.pdf",), "invoice", "INV-42"),
        ("out", ("Díjbekérő.pdf",), "invoice", None),
        ("out", ("szamlazasi_utmutato.pdf",), None, None),  # a guide to invoicing
        ("out", ("invoice-template.docx",), None, None),  # not a PDF
        ("out", ("report.pdf",), None, None),
        ("in", ("Szamla_2026-0112.pdf",), None, None),  # the client's invoice to you
    ],
)
def test_a_pdf_named_like_an_invoice_in_sent_mail_is_an_invoice(
    direction: str, names: tuple[str, ...], kind: str | None, number: str | None
) -> None:
    sent = Mail(
        id=next(_ids),
        direction=direction,
        client="C",
        date=DAY,
        subject="November",
        new_text="Hi Tom, see attached.",
        attachments=names,
    )
    assert payment_kind(sent) == kind
    events = payment_events([sent])
    assert [(e.kind, e.invoice) for e in events] == ([(kind, number)] if kind else [])
