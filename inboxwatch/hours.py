"""Working hours, working days and public holidays: the ``after-hours`` tag.

A message is *after hours* when, in the user's time zone, it arrived outside the working
window, on a day that is not a working day, or on a public holiday of the configured country
(from the ``holidays`` package, which also knows the weekend days a country makes working
days). A per-client override is simply another ``WorkingTime``.

Windows are half-open: ``09:00-17:00`` covers 09:00:00 up to, but not including, 17:00:00.
A window whose start is later than its end runs overnight (``22:00-06:00``); its early-morning
part belongs to the working day on which the shift started. ``24:00`` as an end means midnight.

Working-time arithmetic: :func:`working_window` (one day's window in UTC) and
:func:`working_hours_between` (hours of working time between two moments, summed day by day;
:class:`WorkingHoursTally` does the same for one start and many ends).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from inboxwatch.text import fold

__all__ = [
    "WorkingHoursTally",
    "WorkingTime",
    "is_after_hours",
    "is_working_day",
    "parse_days",
    "parse_hours",
    "working_hours_between",
    "working_window",
]

_DAY_NAMES: tuple[tuple[str, ...], ...] = (
    ("mon", "monday", "h", "hetfo"),
    ("tue", "tues", "tuesday", "k", "kedd"),
    ("wed", "wednesday", "sze", "szerda"),
    ("thu", "thur", "thurs", "thursday", "cs", "csutortok"),
    ("fri", "friday", "p", "pentek"),
    ("sat", "saturday", "szo", "szombat"),
    ("sun", "sunday", "v", "vasarnap"),
)
_DAY_INDEX: dict[str, int] = {name: i for i, names in enumerate(_DAY_NAMES) for name in names}
_CLOCK = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*$")


@dataclass(frozen=True)
class WorkingTime:
    """When the user works: a daily window on working days, minus public holidays.

    ``days`` uses Monday=0 … Sunday=6. ``holidays_country`` is an ISO 3166 code known to the
    ``holidays`` package (e.g. ``"HU"``); ``holidays_subdivision`` optionally narrows it
    (e.g. ``"BY"`` for Bavaria). ``start == end`` is rejected: say what the window is.
    """

    tz: ZoneInfo
    start: time
    end: time
    days: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))
    holidays_country: str | None = None
    holidays_subdivision: str | None = None

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError(
                f"working hours start and end are both {self.start:%H:%M}; give a window "
                "such as 09:00-17:00"
            )
        if not self.days or not self.days <= frozenset(range(7)):
            raise ValueError(f"working days must be a non-empty subset of 0..6, got {self.days}")
        if self.holidays_subdivision is not None and self.holidays_country is None:
            raise ValueError("a holidays subdivision needs a holidays country")
        if self.holidays_country is not None:
            _check_country(self.holidays_country, self.holidays_subdivision)


def is_after_hours(when: datetime, wt: WorkingTime) -> bool:
    """Return True when ``when`` falls outside the working time ``wt``.

    ``when`` must be timezone-aware; it is converted to ``wt.tz`` first, so DST changes are
    handled by the time zone database. Raises ValueError for a naive datetime.
    """
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("is_after_hours needs a timezone-aware datetime (naive is ambiguous)")
    local = when.astimezone(wt.tz)
    shift_day = _shift_day(local, wt.start, wt.end)
    return shift_day is None or not is_working_day(shift_day, wt)


def is_working_day(day: date, wt: WorkingTime) -> bool:
    """Whether *day* is a working day: one of ``wt.days`` and not a public holiday, or a
    weekend day the country makes a working day (Hungary moves working days to Saturdays
    around holidays: "áthelyezett munkanap")."""
    if wt.holidays_country is None:
        return day.weekday() in wt.days
    calendar = _calendar(wt.holidays_country, wt.holidays_subdivision, day.year)
    if day.weekday() in wt.days:
        return day not in calendar.holidays
    return day in calendar.weekend_workdays


def _shift_day(local: datetime, start: time, end: time) -> date | None:
    """The day whose working window contains ``local``, or None when it is in no window."""
    clock = local.time().replace(tzinfo=None)
    if start < end:
        return local.date() if start <= clock < end else None
    if clock >= start:
        return local.date()
    if clock < end:
        return local.date() - timedelta(days=1)
    return None


@dataclass(frozen=True)
class _Calendar:
    holidays: frozenset[date]
    weekend_workdays: frozenset[date]


@functools.lru_cache(maxsize=64)
def _calendar(country: str, subdivision: str | None, year: int) -> _Calendar:
    import holidays  # a third of a second to import: only when a country is configured

    found = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return _Calendar(frozenset(found.keys()), frozenset(getattr(found, "weekend_workdays", ())))


def _check_country(country: str, subdivision: str | None) -> None:
    import holidays

    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as exc:
        raise ValueError(
            f"unknown holidays country/subdivision {country!r}/{subdivision!r}: {exc}; "
            "use an ISO 3166 code such as HU, GB or DE"
        ) from exc


def parse_hours(text: str) -> tuple[time, time]:
    """Parse a window like ``"09:00-17:00"`` (also ``"9-17"``, ``"22:00-06:00"``, ``"-24:00"``).

    Raises ValueError with the expected format when the text cannot be read.
    """
    parts = re.split(r"\s*[-–]\s*", text.strip())
    if len(parts) != 2:
        raise ValueError(f"working hours {text!r} must look like 09:00-17:00")
    start, end = _parse_clock(parts[0], text), _parse_clock(parts[1], text)
    if start == end:
        raise ValueError(f"working hours {text!r} start and end at the same time")
    return start, end


def _parse_clock(part: str, whole: str) -> time:
    match = _CLOCK.match(part)
    if match is None:
        raise ValueError(f"working hours {whole!r}: {part!r} is not a time like 09:00")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if (hour, minute) == (24, 0):
        return time(0, 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"working hours {whole!r}: {part!r} is not a valid time of day")
    return time(hour, minute)


def parse_days(text: str) -> frozenset[int]:
    """Parse working days: ``"Mon-Fri"``, ``"Mon,Tue,Thu"``, ``"Mon-Wed,Fri"`` or Hungarian
    ``"H-P"``, ``"hétfő-péntek"``. Ranges may wrap (``"Fri-Mon"``). Monday is 0.

    Raises ValueError naming the part that could not be read.
    """
    days: set[int] = set()
    for chunk in (c.strip() for c in text.split(",")):
        if not chunk:
            raise ValueError(f"working days {text!r} contain an empty item; use e.g. Mon-Fri")
        ends = [_day_index(p, text) for p in re.split(r"\s*[-–]\s*", chunk)]
        if len(ends) == 1:
            days.add(ends[0])
        elif len(ends) == 2:
            span = (ends[1] - ends[0]) % 7
            days.update((ends[0] + i) % 7 for i in range(span + 1))
        else:
            raise ValueError(f"working days {text!r}: {chunk!r} is not a day or a range")
    return frozenset(days)


def _day_index(name: str, whole: str) -> int:
    folded = fold(name.strip().rstrip("."))
    if folded not in _DAY_INDEX:
        raise ValueError(
            f"working days {whole!r}: {name!r} is not a day name (Mon..Sun, or H, K, Sze, Cs, "
            "P, Szo, V)"
        )
    return _DAY_INDEX[folded]


# --- working-time arithmetic ---------------------------------------------------------------


def _as_utc(when: datetime) -> datetime:
    """Naive datetimes are UTC (the storage convention); aware ones are converted."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


@functools.lru_cache(maxsize=4096)
def working_window(day: date, wt: WorkingTime) -> tuple[datetime, datetime] | None:
    """The working window that starts on local *day*, as aware UTC datetimes, or None when
    *day* is not a working day (see :func:`is_working_day`: holidays
    excluded, make-up Saturdays included). An overnight window ends next day."""
    if not is_working_day(day, wt):
        return None
    start = datetime.combine(day, wt.start, tzinfo=wt.tz)
    end_day = day if wt.start < wt.end else day + timedelta(days=1)
    end = datetime.combine(end_day, wt.end, tzinfo=wt.tz)
    # Subtracting aware datetimes that share a tzinfo ignores DST, so convert to UTC first.
    return start.astimezone(UTC), end.astimezone(UTC)


class _WorkingDays(dict[int, tuple[datetime, datetime, float] | None]):
    """One working time's windows by day ordinal, with their length in seconds (filled in as
    asked for: a look-up here is cheaper than :func:`working_window`'s cache)."""

    def __init__(self, wt: WorkingTime) -> None:
        super().__init__()
        self.wt = wt

    def __missing__(self, day: int) -> tuple[datetime, datetime, float] | None:
        window = working_window(date.fromordinal(day), self.wt)
        found = None if window is None else (*window, (window[1] - window[0]).total_seconds())
        self[day] = found
        return found


@functools.lru_cache(maxsize=64)
def _working_days(wt: WorkingTime) -> _WorkingDays:
    return _WorkingDays(wt)


class WorkingHoursTally:
    """Working hours from *start* to any end, summed day by day as
    :func:`working_hours_between` sums them.

    Asked again with a later end (a question still waiting at the next report window), it
    goes on from the days already settled — days whose working windows all closed by an
    earlier end, so no later end changes what they add — instead of starting over. The
    additions are the same, in the same order, so the results agree to the last bit.
    """

    def __init__(self, start: datetime, wt: WorkingTime) -> None:
        self.lo = _as_utc(start)
        self.tz = wt.tz
        self.windows = _working_days(wt)
        first = self.lo.astimezone(wt.tz).date().toordinal() - 1  # an overnight shift may reach in
        self.start = (first, 0.0, self.lo)
        # the first day not settled, the seconds of those before it, the last of their closes
        self.settled = self.start

    def hours_until(self, end: datetime) -> float:
        lo, hi = self.lo, _as_utc(end)
        if hi <= lo:
            return 0.0
        first, seconds, closed = self.settled if self.settled[2] <= hi else self.start
        settling = True
        for day in range(first, hi.astimezone(self.tz).date().toordinal() + 1):
            window = self.windows[day]
            if window is not None:
                opens, closes, length = window
                if lo <= opens and closes <= hi:  # all of it: the overlap below, sooner
                    seconds += length
                else:
                    seconds += max((min(closes, hi) - max(opens, lo)).total_seconds(), 0.0)
                settling = settling and closes <= hi
                closed = max(closed, closes)
            if settling:
                self.settled = (day + 1, seconds, closed)
        return seconds / 3600


def working_hours_between(start: datetime, end: datetime, wt: WorkingTime) -> float:
    """Hours of working time between *start* and *end* (naive = UTC); 0 when end <= start."""
    return WorkingHoursTally(start, wt).hours_until(end)
