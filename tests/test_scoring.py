"""Warning-sign rules, the score, trend, Pareto and suggestions, on hand-made Mail values."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inboxwatch.analysis.conversations import Mail
from inboxwatch.analysis.scoring import (
    SIGNS,
    Scorecard,
    Window,
    against_peers,
    binomial_tail,
    compare,
    day_change,
    pareto,
    score_client,
    score_windows,
    suggestions_for,
    writing_minutes,
)
from inboxwatch.hours import WorkingTime

BUDAPEST = ZoneInfo("Europe/Budapest")
OFFICE = WorkingTime(tz=BUDAPEST, start=time(9), end=time(17), holidays_country="HU")
_ids = itertools.count(1)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    local = datetime(2026, month, day, hour, minute, tzinfo=BUDAPEST)
    return local.astimezone(UTC).replace(tzinfo=None)


# November 2026, whole local days: Mon 2 … Fri 27 is four working weeks.
NOVEMBER = Window(at(2, 0), at(28, 0))
WORKDAYS = [d for d in range(2, 28) if datetime(2026, 11, d).weekday() < 5]


def inc(
    when: datetime,
    text: str = "Please prepare the quarterly report for the board",
    words: int = 8,
    subject: str = "Request",
    *,
    urgent: bool = False,
    vague: bool = False,
    complaint: bool = False,
    after_hours: bool = False,
) -> Mail:
    return Mail(
        id=next(_ids),
        direction="in",
        client="C",
        date=when,
        subject=subject,
        new_text=text,
        content_words=words,
        urgent=urgent,
        vague=vague,
        complaint=complaint,
        after_hours=after_hours,
    )


def out(
    when: datetime,
    text: str = "Done, see the attached file.",
    subject: str = "Re",
    msgid: str | None = None,
) -> Mail:
    return Mail(
        id=next(_ids),
        direction="out",
        client="C",
        date=when,
        subject=subject,
        new_text=text,
        message_id=msgid,
        content_words=len(text.split()),
    )


def plain_month(count: int = 10) -> list[Mail]:
    return [inc(at(WORKDAYS[i], 10)) for i in range(count)]


def test_a_good_client_scores_zero() -> None:
    card = score_client("C", plain_month(), NOVEMBER, OFFICE)
    assert card.score == 0 and card.fired == () and card.enough_data
    assert {s.name for s in card.signs} == {sign.name for sign in SIGNS}


def test_share_rule_fires_with_its_evidence() -> None:
    mails = plain_month(6)
    urgent = [inc(at(WORKDAYS[i], 14), urgent=True) for i in range(6)]
    card = score_client("C", mails + urgent, NOVEMBER, OFFICE)
    sign = card.sign("everything_urgent")
    assert sign.fired and sign.value == 0.5 and sign.threshold == 0.4
    assert [e.message_id for e in sign.evidence] == [m.id for m in urgent]
    assert card.score == sign.weight
    assert "6 of 12 messages (50%)" in sign.explanation


def test_thresholds_need_min_messages() -> None:
    urgent = [inc(at(WORKDAYS[i], 14), urgent=True, complaint=True) for i in range(4)]
    card = score_client("C", urgent, NOVEMBER, OFFICE, min_messages=5)
    assert card.score == 0 and not card.enough_data
    assert card.sign("everything_urgent").value == 1.0
    assert card.sign("everything_urgent").explanation.startswith("not judged")
    assert score_client("C", urgent, NOVEMBER, OFFICE, min_messages=4).score == 55


def test_config_thresholds_override_the_defaults() -> None:
    mails = [*plain_month(8), inc(at(3, 14), urgent=True), inc(at(4, 14), urgent=True)]
    assert not score_client("C", mails, NOVEMBER, OFFICE).sign("everything_urgent").fired
    card = score_client("C", mails, NOVEMBER, OFFICE, {"everything_urgent": 0.2})
    assert card.sign("everything_urgent").fired
    assert card.sign("everything_urgent").threshold == 0.2


def test_messages_outside_the_window_do_not_count() -> None:
    before = [inc(at(20, 10, month=10), urgent=True) for _ in range(10)]
    card = score_client("C", before + plain_month(), NOVEMBER, OFFICE)
    assert card.incoming == 10 and card.score == 0


def test_low_content_flood_by_rate_and_by_bursts() -> None:
    # 25 one-liners over 20 working days: 1.25 a day, over the 1.0 default.
    one_liners = [inc(at(WORKDAYS[i % 20], 9 + i // 20), "ok?", words=1) for i in range(25)]
    sign = score_client("C", one_liners, NOVEMBER, OFFICE).sign("low_content_flood")
    assert sign.fired and sign.value == pytest.approx(25 / 20)
    assert sign.measures["working_days"] == 20
    # Few messages a day, but two bursts of three within ten minutes fire it too.
    bursts = [inc(at(d, 14, m), "fix it", words=2) for d in (3, 10) for m in (0, 4, 8)]
    card = score_client("C", plain_month(6) + bursts, NOVEMBER, OFFICE)
    flood = card.sign("low_content_flood")
    assert flood.fired and flood.value < 1.0 and flood.measures["bursts"] == 2
    assert all("burst of 3" in e.note for e in flood.evidence)


def test_chasing_needs_a_short_follow_up_soon_and_no_reply_between() -> None:
    first = inc(at(3, 10), subject="Banner")
    chasers = [inc(at(3, 10, 40), "Any update?", words=1), inc(at(4, 11), "Van már hír?", words=1)]
    replied_between = [inc(at(5, 10)), out(at(5, 10, 20)), inc(at(5, 10, 50), "any news?", 1)]
    too_late = [inc(at(6, 10)), inc(at(6, 16), "any update?", words=1)]
    hungarian = [inc(at(9, 10)), inc(at(9, 10, 30), "lattad?", words=1)]
    filler = [inc(at(d, 10)) for d in (16, 17, 18, 19, 20)]
    mails = [*filler, first, *chasers, *replied_between, *too_late, *hungarian]
    # "Van már hír?" comes a day after the client's previous message: not a chaser.
    sign = score_client("C", mails, NOVEMBER, OFFICE).sign("chasing")
    assert [e.message_id for e in sign.evidence] == [chasers[0].id, hungarian[1].id]
    assert sign.value == 2 and not sign.fired
    assert score_client("C", mails, NOVEMBER, OFFICE, {"chasing": 2}).sign("chasing").fired


def test_slow_answers_fire_on_unanswered_questions() -> None:
    questions = [
        out(at(d, 10), "What is the deadline?", subject=f"Q{d}", msgid=f"q{d}@x")
        for d in (3, 5, 10)
    ]
    answer = Mail(
        id=next(_ids),
        direction="in",
        client="C",
        date=at(3, 11),
        subject="Re: Q3",
        in_reply_to="q3@x",
        new_text="Friday",
        content_words=1,
    )
    card = score_client("C", [*plain_month(), *questions, answer], NOVEMBER, OFFICE)
    sign = card.sign("slow_answers")
    assert sign.fired and sign.measures["unanswered"] == 2
    assert [e.message_id for e in sign.evidence] == [questions[1].id, questions[2].id]
    assert sign.evidence[0].note.startswith("no answer after")


def test_score_is_capped_at_100_and_explainable() -> None:
    mails = [
        inc(
            at(WORKDAYS[i % 20], 20),
            "??",
            words=0,
            urgent=True,
            vague=True,
            complaint=True,
            after_hours=True,
        )
        for i in range(30)
    ]
    card = score_client("C", mails, NOVEMBER, OFFICE)
    assert sum(s.weight for s in card.fired) > 100
    assert card.score == 100


def test_trend_and_day_change() -> None:
    october = Window(at(5, 0, month=10), at(2, 0))
    calm = [inc(at(d, 10, month=10)) for d in range(5, 31) if datetime(2026, 10, d).weekday() < 5]
    urgent = [inc(at(WORKDAYS[i], 10), urgent=True) for i in range(8)]
    mails = calm + urgent
    now = score_client("C", mails, NOVEMBER, OFFICE)
    trend = compare(now, score_client("C", mails, october, OFFICE))
    assert trend.previous_score == 0 and trend.delta == now.score > 0
    assert trend.newly_fired == ("everything_urgent",)
    change = day_change(now, 10.0, ["complaints"], "history")
    assert change.delta == now.score - 10 and change.newly_fired == ("everything_urgent",)
    assert change.no_longer_fired == ("complaints",) and change.changed


def test_pareto_shares_sum_to_one_and_a_small_costly_client_stands_out() -> None:
    rows = pareto([("Big", 3000, 10, 60.0), ("Mid", 1000, 10, 30.0), ("Tiny", 200, 40, 90.0)])
    for column in ("revenue_share", "message_share", "attention_share"):
        assert sum(getattr(r, column) for r in rows) == pytest.approx(1.0, abs=1e-3)
    assert [r.client for r in rows if r.stands_out] == ["Tiny"]
    unknown = pareto([("A", 0, 10, 5.0), ("B", 0, 1, 1.0)])
    assert not any(r.stands_out for r in unknown)


def test_writing_minutes_estimate() -> None:
    sent = [out(at(3, 10), " ".join(["word"] * 80)), out(at(3, 11), "ok")]
    assert writing_minutes(sent) == pytest.approx(2 + 2 + 2 + 1 / 40)


def test_suggestions_follow_fired_signs() -> None:
    mails = plain_month(6) + [
        inc(at(WORKDAYS[i], 21), complaint=True, after_hours=True) for i in range(6)
    ]
    card = score_client("C", mails, NOVEMBER, OFFICE)
    tiny = pareto([("C", 100, 12, 50.0), ("Other", 5000, 12, 10.0)])[0]
    advice = suggestions_for(card, tiny)
    assert [s.sign for s in advice] == ["complaints", "after_hours", "pareto"]
    assert "call" in advice[0].text and "szóban" in advice[0].text_hu
    assert "2%" in advice[2].text


def test_window_before_has_the_same_length() -> None:
    assert NOVEMBER.before().end == NOVEMBER.start
    assert NOVEMBER.end - NOVEMBER.start == NOVEMBER.before().end - NOVEMBER.before().start
    assert NOVEMBER.end - NOVEMBER.start == timedelta(days=26, hours=0)


def test_scoring_many_windows_at_once_matches_one_at_a_time() -> None:
    # A busy month with every sign: bursts, chasers, answered and unanswered questions,
    # replies; windows that slide a day at a time, and one before them all.
    questions = [
        out(at(d, 10), "Could you confirm the deadline?", subject=f"Q{d}", msgid=f"q{d}@x")
        for d in (3, 4, 9, 12, 17)
    ]
    answers = [
        Mail(
            id=next(_ids),
            direction="in",
            client="C",
            date=at(d, 15),
            subject=f"Re: Q{q}",
            in_reply_to=f"q{q}@x",
            new_text="Friday",
            content_words=1,
        )
        for q, d in ((3, 5), (9, 19))
    ]
    bursts = [inc(at(d, 14, m), "fix it", words=2) for d in (5, 11, 18) for m in (0, 3, 7)]
    chasers = [inc(at(d, 16, 30), "any update?", words=2) for d in (5, 11, 18)]
    replies = [out(at(d, 11), subject="Re") for d in (6, 13)]
    busy = [
        inc(
            at(WORKDAYS[i % 20], 9 + i % 9),
            urgent=i % 3 > 0,
            vague=i % 4 == 0,
            after_hours=i % 5 == 0,
        )
        for i in range(40)
    ]
    mails = [*questions, *answers, *bursts, *chasers, *replies, *busy]
    windows = [Window(at(day, 0), at(day + 14, 0)) for day in range(2, 14)]
    windows.append(windows[0].before())
    thresholds = {"chasing": 1.0, "slow_answers": 4.0}
    together = score_windows("C", mails, windows, OFFICE, thresholds)
    assert together == [score_client("C", mails, w, OFFICE, thresholds) for w in windows]
    assert {s.name for card in together for s in card.fired} >= {
        "everything_urgent",
        "low_content_flood",
        "slow_answers",
        "chasing",
    }


def test_the_readme_table_lists_every_sign_as_defined() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Warning signs and the score") :]
    section = section[: section.index("\n#")]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows == [sign.table_row() for sign in SIGNS]


# --- text signs against the other clients -------------------------------------------------


def _client_month(name: str, complaints: int, total: int = 20) -> list[Mail]:
    return [
        Mail(
            id=next(_ids),
            direction="in",
            client=name,
            date=at(WORKDAYS[i % 19], 10 + i // 19),
            subject="Request",
            new_text="Please prepare the quarterly report for the board",
            content_words=8,
            complaint=i < complaints,
        )
        for i in range(total)
    ]


def _cards(complaint_counts: dict[str, int]) -> dict[str, Scorecard]:
    cards = [
        score_client(name, _client_month(name, count), NOVEMBER, OFFICE)
        for name, count in complaint_counts.items()
    ]
    return {card.client: card for card in against_peers(cards)}


def test_a_complaining_client_stands_out_from_ordinary_ones() -> None:
    cards = _cards({"Loud": 8, "A": 1, "B": 0, "C": 1})
    loud = cards["Loud"].sign("complaints")
    assert loud.fired
    assert "40%" in loud.explanation and "vs 5% across your other clients" in loud.explanation
    assert not any(cards[n].sign("complaints").fired for n in "ABC")


def test_a_classifier_that_tags_everyone_flags_no_one() -> None:
    # 35% of everybody's mail tagged: the classifier's bias, not the clients'.
    cards = _cards({"A": 7, "B": 7, "C": 8, "D": 6})
    for card in cards.values():
        sign = card.sign("complaints")
        assert sign.value >= sign.threshold and not sign.fired
        assert "not clearly above your other clients" in sign.explanation
        assert card.score == 0


def test_one_other_difficult_client_does_not_hide_a_second() -> None:
    # The baseline is the others' median: one loud peer does not raise it.
    cards = _cards({"Loud": 9, "Louder": 12, "A": 0, "B": 1})
    assert cards["Loud"].sign("complaints").fired
    assert cards["Louder"].sign("complaints").fired


def test_a_text_sign_needs_a_few_tagged_messages() -> None:
    few = [
        Mail(
            id=next(_ids),
            direction="in",
            client="Few",
            date=at(WORKDAYS[i], 10),
            new_text="x",
            complaint=i < 2,
        )
        for i in range(5)
    ]
    (card,) = against_peers([score_client("Few", few, NOVEMBER, OFFICE)])
    sign = card.sign("complaints")
    assert sign.value == 0.4 and not sign.fired
    assert "fewer than 3 tagged messages" in sign.explanation


def test_with_fewer_than_three_clients_the_share_alone_decides() -> None:
    cards = _cards({"A": 7, "B": 7})
    assert all(card.sign("complaints").fired for card in cards.values())


def test_binomial_tail() -> None:
    assert binomial_tail(0, 10, 0.3) == 1.0
    assert binomial_tail(11, 10, 0.3) == 0.0
    assert binomial_tail(10, 10, 0.5) == pytest.approx(0.5**10)
    assert binomial_tail(2, 3, 0.5) == pytest.approx(0.5)
    # scipy.stats.binom.sf(7, 20, 0.05)
    assert binomial_tail(8, 20, 0.05) == pytest.approx(2.857e-6, rel=1e-3)


# --- late_payment ---------------------------------------------------------------------


def _invoices(days: list[int]) -> list[Mail]:
    return [
        out(at(day, 9), "Please find attached my invoice.", f"Invoice 2026/{day:04d}")
        for day in days
    ]


def test_a_late_payer_is_flagged_with_the_reminders_promise_and_overdue_invoice() -> None:
    mails = sorted(
        plain_month(6)
        + _invoices([2, 4])
        + [
            inc(at(5, 11), "We have paid invoice 2026/0004.", subject="Re: Invoice 2026/0004"),
            out(at(12, 9), "Friendly reminder: invoice 2026/0002 is overdue.", "Reminder"),
            inc(at(12, 14), "Sorry, we'll transfer it next week.", subject="Re: Reminder"),
            out(at(19, 9), "Payment reminder: invoice 2026/0002.", "Reminder"),
            out(at(26, 9), "Invoice 2026/0002 is still unpaid, please settle it.", "Reminder"),
        ],
        key=lambda m: m.date,
    )
    sign = score_client("C", mails, NOVEMBER, OFFICE).sign("late_payment")
    assert sign.fired and sign.value == 3
    notes = [e.note for e in sign.evidence]
    assert notes.count("payment reminder you sent (invoice 2026/0002)") == 3
    assert "promise to pay later" in notes
    assert "invoice 2026/0002: 18 days overdue, no payment confirmed" in notes
    assert sign.measures["open_overdue_invoices"] == 1


def test_an_on_time_payer_with_as_many_invoices_is_not_flagged() -> None:
    mails = sorted(
        plain_month(6)
        + _invoices([2, 4])
        + [
            inc(at(day + 3, 9), f"Átutaltam, köszönöm. 2026/{day:04d}", subject="Re: számla")
            for day in (2, 4)
        ],
        key=lambda m: m.date,
    )
    card = score_client("C", mails, NOVEMBER, OFFICE)
    sign = card.sign("late_payment")
    assert not sign.fired and sign.value == 0 and sign.measures["late_invoices"] == 0
    assert sign.measures["median_days_to_pay"] == 3.0


def test_invoices_that_are_never_confirmed_do_not_flag_a_silent_payer() -> None:
    mails = sorted(plain_month(6) + _invoices([2, 4, 9]), key=lambda m: m.date)
    assert not score_client("C", mails, NOVEMBER, OFFICE).sign("late_payment").fired


def test_payment_terms_decide_when_an_invoice_is_late() -> None:
    mails = sorted(
        plain_month(6)
        + _invoices([2])
        + [inc(at(20, 11), "We have paid the invoice.", subject="Re: Invoice")],
        key=lambda m: m.date,
    )
    strict = score_client("C", mails, NOVEMBER, OFFICE, payment_terms_days=8)
    lenient = score_client("C", mails, NOVEMBER, OFFICE, payment_terms_days=30)
    assert strict.sign("late_payment").measures["late_invoices"] == 1
    assert lenient.sign("late_payment").measures["late_invoices"] == 0


def test_the_others_median_is_the_median_without_ones_own_share() -> None:
    import random
    import statistics

    from inboxwatch.analysis.scoring import _median_without

    rng = random.Random(5)
    for size in range(1, 12):
        values = sorted(rng.choice([0.0, 0.05, 0.1, 0.3, 0.5]) for _ in range(size + 1))
        for own in set(values):
            others = list(values)
            others.remove(own)
            assert _median_without(values, own) == statistics.median(others)
        assert _median_without(values, None) == statistics.median(values)
