"""The after-hours rule: user's time zone, working window, working days, public holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from inboxwatch.hours import WorkingTime, is_after_hours, parse_days, parse_hours

BUDAPEST = ZoneInfo("Europe/Budapest")


@pytest.fixture
def office() -> WorkingTime:
    return WorkingTime(
        tz=BUDAPEST, start=time(9), end=time(17), days=frozenset(range(5)), holidays_country="HU"
    )


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_same_utc_time_changes_answer_across_spring_dst(office: WorkingTime) -> None:
    # 07:30 UTC is 08:30 CET before the last Sunday of March 2026 (29th), 09:30 CEST after.
    assert is_after_hours(utc(2026, 3, 27, 7, 30), office)
    assert not is_after_hours(utc(2026, 3, 30, 7, 30), office)


def test_same_utc_time_changes_answer_across_autumn_dst(office: WorkingTime) -> None:
    # 07:30 UTC is 09:30 CEST before the last Sunday of October 2026 (25th), 08:30 CET after.
    assert not is_after_hours(utc(2026, 10, 22, 7, 30), office)
    assert is_after_hours(utc(2026, 10, 26, 7, 30), office)
    # 15:30 UTC is 17:30 CEST (after) before the change, 16:30 CET (inside) after it.
    assert is_after_hours(utc(2026, 10, 22, 15, 30), office)
    assert not is_after_hours(utc(2026, 10, 26, 15, 30), office)


def test_overnight_window_through_the_dst_night() -> None:
    night = WorkingTime(tz=BUDAPEST, start=time(22), end=time(6), days=frozenset(range(7)))
    # 01:30 UTC on 2026-03-29 is 03:30 CEST: inside the shift that began on Saturday 22:00.
    assert not is_after_hours(utc(2026, 3, 29, 1, 30), night)
    assert is_after_hours(utc(2026, 3, 29, 4, 30), night)  # 06:30 CEST


@pytest.mark.parametrize("day", [date(2026, 10, 23), date(2026, 3, 15), date(2026, 12, 24)])
def test_hungarian_public_holidays_are_after_hours(office: WorkingTime, day: date) -> None:
    noon = datetime.combine(day, time(12), tzinfo=BUDAPEST)
    assert is_after_hours(noon, office)
    no_country = WorkingTime(tz=BUDAPEST, start=time(9), end=time(17), days=frozenset(range(7)))
    assert not is_after_hours(noon, no_country)


def test_weekend_is_after_hours(office: WorkingTime) -> None:
    assert is_after_hours(datetime(2026, 5, 9, 11, 0, tzinfo=BUDAPEST), office)  # Saturday
    assert is_after_hours(datetime(2026, 5, 10, 11, 0, tzinfo=BUDAPEST), office)  # Sunday
    assert not is_after_hours(datetime(2026, 5, 11, 11, 0, tzinfo=BUDAPEST), office)  # Monday


def test_boundaries_are_half_open(office: WorkingTime) -> None:
    day = datetime(2026, 5, 12, tzinfo=BUDAPEST)
    assert not is_after_hours(day.replace(hour=9), office)
    assert is_after_hours(day.replace(hour=8, minute=59, second=59), office)
    assert not is_after_hours(day.replace(hour=16, minute=59, second=59), office)
    assert is_after_hours(day.replace(hour=17), office)


def test_message_time_is_converted_to_user_zone(office: WorkingTime) -> None:
    new_york = timezone(timedelta(hours=-4))
    # 04:30 in New York is 10:30 in Budapest (both on summer time in May).
    assert not is_after_hours(datetime(2026, 5, 12, 4, 30, tzinfo=new_york), office)
    assert is_after_hours(datetime(2026, 5, 12, 12, 30, tzinfo=new_york), office)


def test_per_client_override_is_another_working_time(office: WorkingTime) -> None:
    late_client = WorkingTime(tz=BUDAPEST, start=time(9), end=time(20), holidays_country="HU")
    evening = datetime(2026, 5, 12, 18, 30, tzinfo=BUDAPEST)
    assert is_after_hours(evening, office)
    assert not is_after_hours(evening, late_client)


def test_naive_datetime_is_rejected(office: WorkingTime) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_after_hours(datetime(2026, 5, 12, 10, 0), office)


def test_end_of_day_window() -> None:
    wt = WorkingTime(tz=BUDAPEST, start=time(9), end=parse_hours("09:00-24:00")[1])
    assert not is_after_hours(datetime(2026, 5, 12, 23, 59, tzinfo=BUDAPEST), wt)
    assert is_after_hours(datetime(2026, 5, 13, 0, 0, tzinfo=BUDAPEST), wt)


def test_parse_hours() -> None:
    assert parse_hours("09:00-17:00") == (time(9), time(17))
    assert parse_hours("9-17:30") == (time(9), time(17, 30))
    assert parse_hours("22:00 – 06:00") == (time(22), time(6))
    for bad in ("9to5", "09:00", "25:00-26:00", "09:00-09:00", "09:61-17:00"):
        with pytest.raises(ValueError, match="working hours"):
            parse_hours(bad)


def test_parse_days() -> None:
    assert parse_days("Mon-Fri") == frozenset(range(5))
    assert parse_days("Mon,Tue,Thu") == frozenset({0, 1, 3})
    assert parse_days("H-P") == frozenset(range(5))
    assert parse_days("hétfő-csütörtök, Szo") == frozenset({0, 1, 2, 3, 5})
    assert parse_days("Fri-Mon") == frozenset({4, 5, 6, 0})
    for bad in ("", "Mon-", "Funday", "Mon-Tue-Wed"):
        with pytest.raises(ValueError, match="working days"):
            parse_days(bad)


def test_invalid_working_time() -> None:
    with pytest.raises(ValueError, match="holidays country"):
        WorkingTime(tz=BUDAPEST, start=time(9), end=time(17), holidays_country="XX")
    with pytest.raises(ValueError, match="start and end"):
        WorkingTime(tz=BUDAPEST, start=time(9), end=time(9))


def test_hungarian_make_up_saturday_is_a_working_day(office: WorkingTime) -> None:
    # 2024-12-07 (a Saturday) was worked in Hungary in exchange for Tuesday 2024-12-24.
    assert not is_after_hours(datetime(2024, 12, 7, 10, 0, tzinfo=BUDAPEST), office)
    assert is_after_hours(datetime(2024, 12, 24, 10, 0, tzinfo=BUDAPEST), office)
    assert is_after_hours(datetime(2024, 12, 7, 18, 0, tzinfo=BUDAPEST), office)
    plain = WorkingTime(tz=BUDAPEST, start=time(9), end=time(17), days=frozenset(range(5)))
    assert is_after_hours(datetime(2024, 12, 7, 10, 0, tzinfo=BUDAPEST), plain)
