"""The analysis adapter against a real database (SQLite and PostgreSQL, from conftest.py).

The mailbox: a good client (Brightside Studio), an "everything urgent + after hours" client
(Acme Kft.), a "vague one-liner flooder" who leaves questions unanswered and chases (Pixel &
Co) and a client with too few messages to judge (Green Leaf Ltd), plus the user's replies.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from inboxwatch.config import (
    ClientConfig,
    Config,
    MeConfig,
    ReportConfig,
    SuggestionsConfig,
)
from inboxwatch.hours import WorkingTime, is_after_hours
from inboxwatch.reporting.build import (
    build_report,
    demo_report_text,
    latest_message_day,
    load_scores,
    pending_reply_suggestions,
    report_window,
    save_scores,
)
from inboxwatch.reporting.render import render_json, render_text
from inboxwatch.storage.schema import messages
from inboxwatch.storage.store import NewMessage, Store

BUDAPEST = ZoneInfo("Europe/Budapest")
OFFICE = WorkingTime(tz=BUDAPEST, start=time(9), end=time(17), holidays_country="HU")
REPORT_DAY = date(2026, 11, 13)  # a Friday; the window is 15 Oct – 13 Nov

CONFIG = Config(
    path=None,
    database_url="",
    me=MeConfig("Anna", ("anna@assist.example",), OFFICE),
    clients=(
        ClientConfig("Brightside Studio", ("@brightside.example",), 2500.0),
        ClientConfig("Acme Kft.", ("@acme.example",), 1200.0),
        ClientConfig("Pixel & Co", ("@pixel.example",), 200.0),
        ClientConfig("Green Leaf Ltd", ("@greenleaf.example",), 600.0),
    ),
    report=ReportConfig(window_days=30, min_messages=5),
    suggestions=SuggestionsConfig(enabled=True),
)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """Budapest wall-clock time as naive UTC, the storage form."""
    return (
        datetime.combine(day, time(hour, minute), tzinfo=BUDAPEST)
        .astimezone(UTC)
        .replace(tzinfo=None)
    )


def working_days(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if d.weekday() < 5 and d != date(2026, 10, 23)]


class Mailbox:
    """Builds NewMessage records the way the ingest pipeline stores them."""

    def __init__(self) -> None:
        self.records: list[NewMessage] = []
        self._uids = itertools.count(1)

    def add(
        self,
        client: str,
        direction: str,
        when: datetime,
        subject: str,
        text: str,
        *,
        words: int | None = None,
        tags: tuple[str, ...] = (),
        reply_to: NewMessage | None = None,
    ) -> NewMessage:
        uid = next(self._uids)
        found = set(tags)
        if direction == "in" and is_after_hours(when.replace(tzinfo=UTC), OFFICE):
            found.add("after-hours")
        raw = f"{uid}:{subject}:{text}".encode()
        record = NewMessage(
            account="work",
            folder="INBOX" if direction == "in" else "Sent",
            uidvalidity=1,
            uid=uid,
            raw=raw,
            raw_sha256=hashlib.sha256(raw).hexdigest(),
            direction=direction,
            message_id=f"m{uid}@mail.example",
            in_reply_to=reply_to.message_id if reply_to else None,
            references=(
                f"{reply_to.references} <{reply_to.message_id}>".strip() if reply_to else ""
            ),
            subject=subject,
            from_addr="x@example",
            date_utc=when,
            client=client,
            new_text=text,
            content_words=len(text.split()) if words is None else words,
            tags=frozenset(found),
        )
        self.records.append(record)
        return record

    def save(self, store: Store) -> dict[str, int]:
        """Store everything; return Message-ID → database id."""
        for folder in ("INBOX", "Sent"):
            batch = [r for r in self.records if r.folder == folder]
            store.store_batch("work", folder, 1, batch, max(r.uid for r in batch))
        with store.transaction() as conn:
            rows = conn.execute(select(messages.c.message_id, messages.c.id)).all()
        return {message_id: pk for message_id, pk in rows}


def brightside(box: Mailbox) -> None:
    for day in working_days(date(2026, 10, 15), REPORT_DAY)[::2]:
        ask = box.add(
            "Brightside Studio",
            "in",
            local(day, 10),
            f"Slides {day:%d %b}",
            "Please prepare the slides for Monday's board meeting with the new "
            "figures from the sales spreadsheet",
        )
        reply = box.add(
            "Brightside Studio",
            "out",
            local(day, 11),
            f"Re: Slides {day:%d %b}",
            "Done, the slides are in the shared folder. Could you confirm the blue colour scheme?",
            reply_to=ask,
        )
        box.add(
            "Brightside Studio",
            "in",
            local(day, 13),
            f"Re: Slides {day:%d %b}",
            "Yes, the blue scheme is right, thank you for the quick work",
            reply_to=reply,
        )


def acme(box: Mailbox) -> list[NewMessage]:
    """Calm in the previous window; urgent and after hours in this one. Returns the urgent."""
    for day in working_days(date(2026, 9, 21), date(2026, 10, 9))[::3]:
        box.add(
            "Acme Kft.",
            "in",
            local(day, 10),
            "Price list",
            "Please update the price list on the website with the new autumn prices",
        )
    urgent = []
    for i, day in enumerate(working_days(date(2026, 10, 15), REPORT_DAY)[::2]):
        hour = 21 if i % 2 else 14
        mail = box.add(
            "Acme Kft.",
            "in",
            local(day, hour),
            f"URGENT: website {i}",
            "Urgent: the prices on the website are wrong again, fix them tonight please",
            tags=("urgent",) if i < 9 else (),
        )
        if day < REPORT_DAY:
            box.add(
                "Acme Kft.",
                "out",
                local(day + timedelta(days=1), 10),
                f"Re: website {i}",
                "Fixed the prices on the website this morning.",
                reply_to=mail,
            )
        if i < 9:
            urgent.append(mail)
    saturday = box.add(
        "Acme Kft.",
        "in",
        local(date(2026, 11, 7), 11),
        "ASAP: newsletter",
        "Send the newsletter today, it is urgent",
        tags=("urgent",),
    )
    banner = box.add(
        "Acme Kft.",
        "in",
        local(REPORT_DAY, 16, 30),
        "URGENT: banner",
        "The banner must go up today before the campaign starts",
        tags=("urgent",),
    )
    return sorted([*urgent, saturday, banner], key=lambda r: r.date_utc or datetime.min)


def pixel(box: Mailbox) -> dict[str, list[NewMessage]]:
    """One-liners every working day, bursts, unanswered questions and chasers."""
    found: dict[str, list[NewMessage]] = {"questions": [], "chasers": []}
    days = working_days(date(2026, 10, 15), REPORT_DAY)
    for i, day in enumerate(days):
        box.add(
            "Pixel & Co", "in", local(day, 11), "", "can you fix that", words=1, tags=("vague",)
        )
        if i % 3 == 0:
            for minute in (0, 3, 6):
                box.add(
                    "Pixel & Co",
                    "in",
                    local(day, 15, minute),
                    "banner",
                    "and the other thing too",
                    words=1,
                    tags=("vague",) if minute else (),
                )
    for day in days[2:14:4]:
        question = box.add(
            "Pixel & Co",
            "out",
            local(day, 12),
            f"Banner text {day:%d %b}",
            "What exactly should change on the banner, and by when?",
        )
        found["questions"].append(question)
    for day in days[5:20:5]:
        chaser = box.add("Pixel & Co", "in", local(day, 11, 25), "", "any news??", words=1)
        found["chasers"].append(chaser)
    return found


def green_leaf(box: Mailbox) -> None:
    for day in (date(2026, 11, 3), date(2026, 11, 10), date(2026, 11, 12)):
        box.add(
            "Green Leaf Ltd",
            "in",
            local(day, 22),
            "Complaint",
            "We are not happy with the draft, this is urgent",
            tags=("urgent", "complaint"),
        )


Mailboxed = tuple[Store, dict[str, int], dict[str, list[NewMessage]]]


@pytest.fixture
def mailbox(store: Store) -> Mailboxed:
    box = Mailbox()
    brightside(box)
    urgent = acme(box)
    found = pixel(box)
    green_leaf(box)
    ids = box.save(store)
    return store, ids, {**found, "acme_urgent": urgent}


def _ids(ids: dict[str, int], records: list[NewMessage]) -> list[int]:
    return [ids[r.message_id or ""] for r in records]


def test_exactly_the_difficult_clients_are_flagged_with_their_evidence(mailbox: Mailboxed) -> None:
    store, ids, found = mailbox
    report = build_report(CONFIG, store, REPORT_DAY)
    assert [c.name for c in report.flagged] == ["Pixel & Co", "Acme Kft."]
    by_name = {c.name: c for c in report.clients}
    acme_card, pixel_card = by_name["Acme Kft."].card, by_name["Pixel & Co"].card
    assert {s.name for s in acme_card.fired} == {"everything_urgent", "after_hours"}
    assert {s.name for s in pixel_card.fired} == {
        "low_content_flood",
        "vague_requests",
        "slow_answers",
        "chasing",
    }
    assert [e.message_id for e in acme_card.sign("everything_urgent").evidence] == _ids(
        ids, found["acme_urgent"]
    )
    assert [e.message_id for e in pixel_card.sign("chasing").evidence] == _ids(
        ids, found["chasers"]
    )
    slow = pixel_card.sign("slow_answers")
    assert [e.message_id for e in slow.evidence] == _ids(ids, found["questions"])
    assert by_name["Brightside Studio"].score == 0
    assert by_name["Brightside Studio"].card.sign("slow_answers").measures["unanswered"] == 0


def test_too_few_messages_are_not_judged(mailbox: Mailboxed) -> None:
    store, _, _ = mailbox
    green = {c.name: c for c in build_report(CONFIG, store, REPORT_DAY).clients}["Green Leaf Ltd"]
    assert green.card.incoming == 3 and not green.card.enough_data
    assert green.score == 0 and not green.flagged
    assert green.card.sign("complaints").value == 1.0


def test_trend_against_the_previous_window(mailbox: Mailboxed) -> None:
    store, _, _ = mailbox
    acme = {c.name: c for c in build_report(CONFIG, store, REPORT_DAY).clients}["Acme Kft."]
    assert acme.trend.previous_score == 0 and acme.trend.delta == acme.score == 40
    assert set(acme.trend.newly_fired) == {"everything_urgent", "after_hours"}
    assert [p.day for p in acme.daily][-1] == REPORT_DAY and len(acme.daily) == 30
    assert sum(p.messages for p in acme.daily) == acme.card.incoming


def test_pareto_shares_sum_to_one_and_pixel_stands_out(mailbox: Mailboxed) -> None:
    store, _, _ = mailbox
    report = build_report(CONFIG, store, REPORT_DAY)
    rows = [c.pareto for c in report.clients]
    for column in ("revenue_share", "message_share", "attention_share"):
        assert sum(getattr(r, column) for r in rows) == pytest.approx(1.0, abs=1e-3)
    assert [r.client for r in rows if r.stands_out] == ["Pixel & Co"]
    pixel_advice = {c.name: c for c in report.clients}["Pixel & Co"].suggestions
    assert pixel_advice[-1].sign == "pareto"


def test_since_yesterday_uses_saved_history(mailbox: Mailboxed) -> None:
    store, _, _ = mailbox
    first = build_report(CONFIG, store, REPORT_DAY)
    assert {c.since_yesterday.source for c in first.clients if c.since_yesterday} == {"computed"}
    save_scores(store, first)
    save_scores(store, first)  # saving a day twice replaces it
    saved = load_scores(store, REPORT_DAY)
    assert saved["Acme Kft."] == (40.0, ("everything_urgent", "after_hours"))
    following = build_report(CONFIG, store, REPORT_DAY + timedelta(days=1))
    acme = {c.name: c for c in following.clients}["Acme Kft."]
    assert acme.since_yesterday is not None and acme.since_yesterday.source == "history"
    assert acme.since_yesterday.previous_score == 40.0


def test_fingerprint_is_stable_when_nothing_changed(mailbox: Mailboxed) -> None:
    store, _, _ = mailbox
    first = build_report(CONFIG, store, REPORT_DAY)
    again = build_report(CONFIG, store, REPORT_DAY)
    assert not again.changed(first) and not again.changed(first.fingerprint())
    assert again.changed(None)
    stricter = replace(CONFIG, report=replace(CONFIG.report, thresholds={"alert_score": 50}))
    assert build_report(stricter, store, REPORT_DAY).changed(first)


def test_reply_suggestions_for_unanswered_recent_mail(mailbox: Mailboxed) -> None:
    store, _, _ = mailbox
    report = build_report(CONFIG, store, REPORT_DAY)
    acme_hints = [r for r in report.reply_suggestions if r.client == "Acme Kft."]
    assert acme_hints, "the last Acme message has no reply yet"
    assert all("most messages urgent" in r.reason for r in acme_hints)
    now = datetime.combine(REPORT_DAY, time(17, 30), tzinfo=BUDAPEST)
    pending = pending_reply_suggestions(CONFIG, store, now)
    assert {r.message_id for r in acme_hints} <= {r.message_id for r in pending}
    assert all(r.keyword in ("$iw_reply_now", "$iw_reply_later") for r in pending)


def test_json_and_text_of_a_real_report(mailbox: Mailboxed) -> None:
    store, _, _ = mailbox
    report = build_report(CONFIG, store, REPORT_DAY)
    data = render_json(report)
    assert data["flagged"] == ["Pixel & Co", "Acme Kft."]
    assert data["window"]["start"] == "2026-10-14T22:00:00Z"
    text = render_text(report)
    assert "Needs attention: Pixel & Co (65), Acme Kft. (40)" in text


def test_demo_report_is_as_of_the_newest_message(mailbox: Mailboxed) -> None:
    store, _, _ = mailbox
    assert latest_message_day(CONFIG, store) == REPORT_DAY
    assert demo_report_text(CONFIG, store).startswith("inboxwatch report for 2026-11-13")


def test_empty_database(store: Store) -> None:
    assert latest_message_day(CONFIG, store) is None
    assert "nothing to report" in demo_report_text(CONFIG, store)
    report = build_report(CONFIG, store, REPORT_DAY)
    assert report.flagged == () and len(report.clients) == 4


def test_report_window_is_whole_local_days() -> None:
    window = report_window(REPORT_DAY, 30, BUDAPEST)
    assert window.start == datetime(2026, 10, 14, 22, 0)  # 15 Oct 00:00 CEST
    assert window.end == datetime(2026, 11, 13, 23, 0)  # 14 Nov 00:00 CET
